#pragma once
/// The items of the graph scene: node boxes, scope frames and memlet arrows.
///
/// Level of detail: each item asks the painter how large it is on screen and drops its text
/// when it would be unreadable, so a zoomed-out 5,000-node graph paints only shapes.

#include <QColor>
#include <QGraphicsItem>
#include <QGraphicsPathItem>
#include <QString>

#include "gui/view/graph_description.h"
#include "gui/view/graph_layout.h"

namespace sluice::gui {

/// White -> yellow -> red as `fraction` goes 0 -> 1 (the heat map).
QColor heat_color(double fraction);

class NodeItem : public QGraphicsItem {
public:
  NodeItem(const DrawNode& node, const LayoutBox& box);

  [[nodiscard]] QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

  [[nodiscard]] const QString& key() const { return key_; }
  [[nodiscard]] const QString& label() const { return label_; }
  [[nodiscard]] DrawKind kind() const { return kind_; }
  /// The overlay colour (invalid: the kind's own colour) and the overlay text for the tool tip.
  void set_heat(const QColor& color, const QString& text);
  /// Drawn with a thick magenta outline: what a previewed transformation would change.
  void set_highlighted(bool highlighted);
  [[nodiscard]] bool highlighted() const { return highlighted_; }

private:
  QString key_;
  QString label_;
  QString detail_;
  DrawKind kind_;
  QRectF rect_;
  QColor heat_;
  bool highlighted_ = false;
};

class ScopeItem : public QGraphicsItem {
public:
  ScopeItem(const DrawScope& scope, const LayoutBox& box);

  [[nodiscard]] QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;
  [[nodiscard]] const QString& key() const { return key_; }
  [[nodiscard]] bool is_state() const { return is_state_; }

private:
  QString key_;
  QString label_;
  bool is_state_;
  QRectF rect_;
};

class EdgeItem : public QGraphicsPathItem {
public:
  EdgeItem(const DrawEdge& edge, const EdgeRoute& route);

  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;
  [[nodiscard]] QRectF boundingRect() const override;
  [[nodiscard]] const QString& key() const { return key_; }
  /// Heat colour and width factor (1: normal); an invalid colour restores the default.
  void set_heat(const QColor& color, double width, const QString& text);

private:
  QString key_;
  QString label_;
  QPointF label_at_;
  QPolygonF arrow_;
  QColor heat_;
  double width_ = 1.0;
  bool structural_;
  bool centered_label_ = false;  ///< Dot placed the label: centre it there.
};

}  // namespace sluice::gui
