#include "gui/view/graph_items.h"

#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <algorithm>
#include <cmath>

namespace sluice::gui {

namespace {

/// Below these on-screen scales text is not drawn (level of detail).
constexpr double kNodeTextScale = 0.35;
constexpr double kEdgeTextScale = 0.7;

QColor kind_color(DrawKind kind) {
  switch (kind) {
    case DrawKind::Access: return {0xe3, 0xf2, 0xfd};
    case DrawKind::Tasklet: return {0xff, 0xf3, 0xe0};
    case DrawKind::Library: return {0xe8, 0xf5, 0xe9};
    case DrawKind::Nested: return {0xf3, 0xe5, 0xf5};
    case DrawKind::Map:
    case DrawKind::MapEntry:
    case DrawKind::MapExit: return {0xff, 0xf9, 0xc4};
    case DrawKind::StateHeader: return {0xec, 0xef, 0xf1};
  }
  return Qt::white;
}

QPainterPath node_shape(DrawKind kind, const QRectF& r) {
  QPainterPath path;
  const double slant = std::min(12.0, r.width() / 6);
  switch (kind) {
    case DrawKind::Access: path.addEllipse(r); break;
    case DrawKind::MapEntry:  // a trapezoid, wide at the bottom: the scope opens
      path.addPolygon(
          QPolygonF({r.topLeft() + QPointF(slant, 0), r.topRight() - QPointF(slant, 0),
                     r.bottomRight(), r.bottomLeft(), r.topLeft() + QPointF(slant, 0)}));
      break;
    case DrawKind::MapExit:
      path.addPolygon(QPolygonF({r.topLeft(), r.topRight(), r.bottomRight() - QPointF(slant, 0),
                                 r.bottomLeft() + QPointF(slant, 0), r.topLeft()}));
      break;
    case DrawKind::Tasklet: {
      const double c = std::min(8.0, r.height() / 3);
      path.addPolygon(QPolygonF({r.topLeft() + QPointF(c, 0), r.topRight() - QPointF(c, 0),
                                 r.topRight() + QPointF(0, c), r.bottomRight() - QPointF(0, c),
                                 r.bottomRight() - QPointF(c, 0), r.bottomLeft() + QPointF(c, 0),
                                 r.bottomLeft() - QPointF(0, c), r.topLeft() + QPointF(0, c),
                                 r.topLeft() + QPointF(c, 0)}));
      break;
    }
    default: path.addRoundedRect(r, 6, 6); break;
  }
  return path;
}

double screen_scale(const QPainter* painter) {
  return QStyleOptionGraphicsItem::levelOfDetailFromTransform(painter->worldTransform());
}

}  // namespace

QColor heat_color(double fraction) {
  const double t = std::clamp(fraction, 0.0, 1.0);
  // White (0) -> yellow (0.5) -> red (1).
  if (t < 0.5) return QColor::fromRgbF(1.0, 1.0, static_cast<float>(1.0 - 1.6 * t));
  return QColor::fromRgbF(1.0, static_cast<float>(1.0 - 1.6 * (t - 0.5)), 0.2f);
}

NodeItem::NodeItem(const DrawNode& node, const LayoutBox& box)
    : key_(QString::fromStdString(node.key)),
      label_(QString::fromStdString(node.label)),
      detail_(QString::fromStdString(node.detail)),
      kind_(node.kind),
      rect_(box.x, box.y, box.width, box.height) {
  setFlag(ItemIsSelectable);
  setZValue(2);
  setToolTip(label_ + "\n" + detail_);
  setData(0, key_);
}

QRectF NodeItem::boundingRect() const { return rect_.adjusted(-2, -2, 2, 2); }

void NodeItem::set_heat(const QColor& color, const QString& text) {
  heat_ = color;
  setToolTip(label_ + "\n" + detail_ + (text.isEmpty() ? QString() : "\n" + text));
  update();
}

void NodeItem::set_highlighted(bool highlighted) {
  highlighted_ = highlighted;
  update();
}

void NodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* /*option*/,
                     QWidget* /*widget*/) {
  const double scale = screen_scale(painter);
  const QColor fill = heat_.isValid() ? heat_ : kind_color(kind_);
  const QColor outline = isSelected()   ? QColor(0x1e, 0x88, 0xe5)
                         : highlighted_ ? QColor(0xd8, 0x1b, 0x60)
                                        : QColor(0x45, 0x5a, 0x64);
  const bool thick = isSelected() || highlighted_;
  QPen pen(outline, thick ? 3 : 1);
  pen.setCosmetic(!thick);
  painter->setPen(pen);
  painter->setBrush(fill);
  if (scale < 0.15) {  // a few pixels: a plain rectangle is indistinguishable and cheaper
    painter->drawRect(rect_);
    return;
  }
  painter->drawPath(node_shape(kind_, rect_));
  if (scale < kNodeTextScale) return;
  painter->setPen(Qt::black);
  QFont font = painter->font();
  font.setPixelSize(10);
  font.setBold(kind_ == DrawKind::Library || kind_ == DrawKind::Map);
  painter->setFont(font);
  const bool two_lines = kind_ == DrawKind::Library || kind_ == DrawKind::Map;
  if (two_lines) {
    const QRectF top(rect_.x() + 4, rect_.y() + 3, rect_.width() - 8, rect_.height() / 2 - 2);
    const QRectF bottom(rect_.x() + 4, rect_.center().y(), rect_.width() - 8,
                        rect_.height() / 2 - 3);
    painter->drawText(
        top, Qt::AlignCenter,
        painter->fontMetrics().elidedText(label_, Qt::ElideMiddle, static_cast<int>(top.width())));
    font.setBold(false);
    font.setPixelSize(9);
    painter->setFont(font);
    painter->drawText(bottom, Qt::AlignCenter,
                      painter->fontMetrics().elidedText(detail_, Qt::ElideRight,
                                                        static_cast<int>(bottom.width())));
  } else {
    const QRectF inner = rect_.adjusted(4, 0, -4, 0);
    painter->drawText(inner, Qt::AlignCenter,
                      painter->fontMetrics().elidedText(label_, Qt::ElideMiddle,
                                                        static_cast<int>(inner.width())));
  }
}

ScopeItem::ScopeItem(const DrawScope& scope, const LayoutBox& box)
    : key_(QString::fromStdString(scope.key)),
      label_(QString::fromStdString(scope.label)),
      is_state_(scope.is_state),
      rect_(box.x, box.y, box.width, box.height) {
  setZValue(0);
  setToolTip(is_state_ ? label_ : label_ + "\n(double-click to collapse)");
  setData(0, key_);
}

QRectF ScopeItem::boundingRect() const { return rect_.adjusted(-1, -1, 1, 1); }

void ScopeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* /*option*/,
                      QWidget* /*widget*/) {
  QPen pen(is_state_ ? QColor(0x60, 0x7d, 0x8b) : QColor(0xc0, 0xa0, 0x00), 1,
           is_state_ ? Qt::SolidLine : Qt::DashLine);
  pen.setCosmetic(true);
  painter->setPen(pen);
  painter->setBrush(is_state_ ? QColor(0xfa, 0xfa, 0xfa) : QColor(0xff, 0xfd, 0xe7, 0x80));
  painter->drawRect(rect_);
  if (screen_scale(painter) < kNodeTextScale) return;
  QFont font = painter->font();
  font.setPixelSize(9);
  painter->setFont(font);
  painter->setPen(QColor(0x60, 0x60, 0x60));
  painter->drawText(rect_.adjusted(4, 1, -4, 0), Qt::AlignLeft | Qt::AlignTop, label_);
}

EdgeItem::EdgeItem(const DrawEdge& edge, const EdgeRoute& route)
    : key_(QString::fromStdString(edge.key)),
      label_(QString::fromStdString(edge.label)),
      structural_(edge.structural) {
  QPainterPath path;
  if (!route.bezier.empty()) {
    path.moveTo(route.bezier[0].x, route.bezier[0].y);
    for (std::size_t i = 1; i + 2 < route.bezier.size(); i += 3)
      path.cubicTo(route.bezier[i].x, route.bezier[i].y, route.bezier[i + 1].x,
                   route.bezier[i + 1].y, route.bezier[i + 2].x, route.bezier[i + 2].y);
    const LayoutPoint last = route.bezier.back();
    const QPointF tip = route.has_tip ? QPointF(route.tip.x, route.tip.y) : QPointF(last.x, last.y);
    if (route.has_tip) path.lineTo(tip);
    // The arrowhead points along the last segment.
    const QPointF from = path.pointAtPercent(0.97);
    QPointF dir = tip - from;
    const double len = std::hypot(dir.x(), dir.y());
    if (len > 0) {
      dir /= len;
      const QPointF normal(-dir.y(), dir.x());
      arrow_ << tip << tip - 8 * dir + 3.5 * normal << tip - 8 * dir - 3.5 * normal;
    }
    label_at_ = path.pointAtPercent(0.5);
    if (route.has_label) label_at_ = QPointF(route.label.x, route.label.y);
    centered_label_ = route.has_label;
  }
  setPath(path);
  setZValue(1);
  if (!label_.isEmpty()) setToolTip(label_);
  setData(0, key_);
}

QRectF EdgeItem::boundingRect() const {
  QRectF box =
      QGraphicsPathItem::boundingRect().united(arrow_.boundingRect()).adjusted(-4, -4, 4, 4);
  if (!label_.isEmpty())
    box |= QRectF(label_at_ - QPointF(200, 8),
                  QSizeF(400 + 8.0 * static_cast<double>(label_.size()), 18));
  return box;
}

void EdgeItem::set_heat(const QColor& color, double width, const QString& text) {
  prepareGeometryChange();
  heat_ = color;
  width_ = width;
  setToolTip(label_ + (text.isEmpty() ? QString() : "\n" + text));
  update();
}

void EdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* /*option*/,
                     QWidget* /*widget*/) {
  const double scale = screen_scale(painter);
  const QColor color = heat_.isValid() ? heat_.darker(115) : QColor(0x54, 0x6e, 0x7a);
  QPen pen(color, width_, structural_ ? Qt::DotLine : Qt::SolidLine);
  pen.setCosmetic(true);
  painter->setPen(pen);
  painter->setBrush(Qt::NoBrush);
  painter->drawPath(path());
  if (scale < 0.15) return;
  painter->setBrush(color);
  painter->drawPolygon(arrow_);
  if (scale < kEdgeTextScale || label_.isEmpty()) return;
  QFont font = painter->font();
  font.setPixelSize(8);
  painter->setFont(font);
  painter->setPen(QColor(0x37, 0x47, 0x4f));
  if (centered_label_) {
    const QRectF box(label_at_ - QPointF(200, 8), QSizeF(400, 16));
    painter->drawText(box, Qt::AlignCenter, label_);
  } else {
    painter->drawText(label_at_ + QPointF(4, 3), label_);
  }
}

}  // namespace sluice::gui
