#include "gui/view/graph_view.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

namespace sluice::gui {

namespace {
constexpr double kMinZoom = 0.01;
constexpr double kMaxZoom = 8.0;
}  // namespace

GraphView::GraphView(QWidget* parent) : QGraphicsView(parent) {
  setDragMode(QGraphicsView::ScrollHandDrag);
  setRenderHint(QPainter::Antialiasing);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
  setOptimizationFlags(QGraphicsView::DontSavePainterState |
                       QGraphicsView::DontAdjustForAntialiasing);
  setBackgroundBrush(Qt::white);
}

void GraphView::fit() {
  if (scene() == nullptr) return;
  fitInView(scene()->sceneRect(), Qt::KeepAspectRatio);
  // A small graph should not be blown up beyond readable size.
  if (zoom() > 1.5) setTransform(QTransform::fromScale(1.5, 1.5));
  emit viewport_changed();
}

void GraphView::fit_readable() {
  fit();
  constexpr double kReadable = 0.45;
  if (scene() == nullptr || zoom() >= kReadable) return;
  const QRectF all = scene()->sceneRect();
  const double width_fit = viewport()->width() / std::max(1.0, all.width());
  const double chosen = std::clamp(width_fit, kReadable, 1.0);
  setTransform(QTransform::fromScale(chosen, chosen));
  centerOn(all.center().x(), all.top() + viewport()->height() / (2 * chosen));
  emit viewport_changed();
}

void GraphView::zoom_by(double factor) {
  const double target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
  const double applied = target / zoom();
  scale(applied, applied);
  emit viewport_changed();
}

void GraphView::wheelEvent(QWheelEvent* event) {
  zoom_by(std::pow(1.0015, event->angleDelta().y()));
  event->accept();
}

void GraphView::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Plus || event->key() == Qt::Key_Equal) {
    zoom_by(1.25);
  } else if (event->key() == Qt::Key_Minus) {
    zoom_by(0.8);
  } else if (event->key() == Qt::Key_0) {
    fit();
  } else {
    QGraphicsView::keyPressEvent(event);
  }
}

void GraphView::scrollContentsBy(int dx, int dy) {
  QGraphicsView::scrollContentsBy(dx, dy);
  emit viewport_changed();
}

void GraphView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  emit viewport_changed();
}

Minimap::Minimap(GraphView* main, QWidget* parent) : QGraphicsView(parent), main_(main) {
  setInteractive(false);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setFrameShape(QFrame::Box);
  setBackgroundBrush(QColor(0xf5, 0xf5, 0xf5));
  connect(main_, &GraphView::viewport_changed, viewport(), qOverload<>(&QWidget::update));
}

void Minimap::refit() {
  if (scene() != nullptr) fitInView(scene()->sceneRect(), Qt::KeepAspectRatio);
}

void Minimap::drawForeground(QPainter* painter, const QRectF& /*rect*/) {
  const QRectF visible = main_->mapToScene(main_->viewport()->rect()).boundingRect();
  QPen pen(QColor(0xe5, 0x39, 0x35), 0);
  painter->setPen(pen);
  painter->setBrush(QColor(0xe5, 0x39, 0x35, 0x30));
  painter->drawRect(visible);
}

void Minimap::mousePressEvent(QMouseEvent* event) { main_->centerOn(mapToScene(event->pos())); }
void Minimap::mouseMoveEvent(QMouseEvent* event) {
  if (event->buttons() & Qt::LeftButton) main_->centerOn(mapToScene(event->pos()));
}

void Minimap::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  refit();
}

}  // namespace sluice::gui
