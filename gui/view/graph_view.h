#pragma once
/// The zoomable, pannable view of a graph scene: wheel or +/- zoom around the cursor, drag to
/// pan, `fit` to show everything, `center_on` to bring a node into view.

#include <QGraphicsView>

namespace sluice::gui {

class GraphView : public QGraphicsView {
  Q_OBJECT
public:
  explicit GraphView(QWidget* parent = nullptr);

  void fit();
  /// Fits the whole graph if its text stays readable; otherwise fits the graph's width (at a
  /// readable scale) and shows its top: the first view of a tall network.
  void fit_readable();
  void zoom_by(double factor);
  [[nodiscard]] double zoom() const { return transform().m11(); }

signals:
  /// The visible part of the scene changed (the minimap follows it).
  void viewport_changed();

protected:
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void scrollContentsBy(int dx, int dy) override;
  void resizeEvent(QResizeEvent* event) override;
};

/// A small overview of the same scene with the main view's visible area framed; clicking or
/// dragging in it moves the main view there.
class Minimap : public QGraphicsView {
  Q_OBJECT
public:
  Minimap(GraphView* main, QWidget* parent = nullptr);
  void refit();

protected:
  void drawForeground(QPainter* painter, const QRectF& rect) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

private:
  GraphView* main_;
};

}  // namespace sluice::gui
