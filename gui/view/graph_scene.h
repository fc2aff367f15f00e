#pragma once
/// The scene of one laid-out graph: node, scope and edge items, found by key or by name, and
/// coloured by an overlay. Double-clicking a map scope (or a collapsed map) asks for it to be
/// toggled; the widget re-describes and re-lays the graph out.

#include <QGraphicsScene>
#include <map>
#include <memory>
#include <set>

#include "gui/view/graph_items.h"
#include "gui/view/layout_job.h"
#include "gui/view/overlay.h"

namespace sluice::gui {

class GraphScene : public QGraphicsScene {
  Q_OBJECT
public:
  explicit GraphScene(QObject* parent = nullptr);

  /// Replaces every item with those of `graph`.
  void show_graph(std::shared_ptr<const LaidOutGraph> graph);
  void apply_overlay(const Overlay& overlay);

  [[nodiscard]] int node_count() const { return static_cast<int>(nodes_.size()); }
  [[nodiscard]] int edge_count() const { return static_cast<int>(edges_.size()); }
  [[nodiscard]] NodeItem* node(const QString& key) const;
  /// Nodes whose label contains `text` (case-insensitive), in drawing order; an exact match
  /// comes first.
  [[nodiscard]] QList<NodeItem*> find(const QString& text) const;
  /// Highlights the nodes with these keys (and no others); returns how many are drawn.
  int set_highlighted(const std::set<QString>& keys);

signals:
  void toggle_scope_requested(const QString& key);

protected:
  void mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) override;

private:
  std::shared_ptr<const LaidOutGraph> graph_;
  std::map<QString, NodeItem*> nodes_;
  std::map<QString, EdgeItem*> edges_;
  std::vector<NodeItem*> node_order_;
};

}  // namespace sluice::gui
