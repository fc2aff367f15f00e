#include "gui/view/graph_scene.h"

#include <QGraphicsSceneMouseEvent>
#include <cmath>

namespace sluice::gui {

GraphScene::GraphScene(QObject* parent) : QGraphicsScene(parent) {
  setItemIndexMethod(QGraphicsScene::BspTreeIndex);
}

void GraphScene::show_graph(std::shared_ptr<const LaidOutGraph> graph) {
  clear();
  nodes_.clear();
  edges_.clear();
  node_order_.clear();
  graph_ = std::move(graph);
  const GraphDescription& d = graph_->description;
  const GraphLayout& l = graph_->layout;
  if (!l.error.empty()) return;
  for (std::size_t s = 0; s < d.scopes.size(); ++s)
    addItem(new ScopeItem(d.scopes[s], l.scopes[s]));
  for (std::size_t n = 0; n < d.nodes.size(); ++n) {
    auto* item = new NodeItem(d.nodes[n], l.nodes[n]);
    addItem(item);
    nodes_[item->key()] = item;
    node_order_.push_back(item);
  }
  for (std::size_t e = 0; e < d.edges.size(); ++e) {
    auto* item = new EdgeItem(d.edges[e], l.edges[e]);
    addItem(item);
    edges_[item->key()] = item;
  }
  setSceneRect(QRectF(-20, -20, l.width + 40, l.height + 40));
}

int GraphScene::set_highlighted(const std::set<QString>& keys) {
  int drawn = 0;
  for (const auto& [key, item] : nodes_) {
    const bool on = keys.contains(key);
    item->set_highlighted(on);
    drawn += on ? 1 : 0;
  }
  return drawn;
}

void GraphScene::apply_overlay(const Overlay& overlay) {
  // Logarithmic: data movement spans orders of magnitude between kernels.
  const auto fraction = [](double value, double max) {
    return max > 0 ? std::log1p(value) / std::log1p(max) : 0.0;
  };
  const double node_max = overlay.max_node_value();
  const double edge_max = overlay.max_edge_value();
  for (const auto& [key, item] : nodes_) {
    const auto found = overlay.nodes.find(key.toStdString());
    if (found == overlay.nodes.end()) {
      item->set_heat(QColor(), QString());
      continue;
    }
    item->set_heat(heat_color(fraction(found->second, node_max)),
                   QString::fromStdString(format_overlay_value(overlay, found->second)));
  }
  for (const auto& [key, item] : edges_) {
    const auto found = overlay.edges.find(key.toStdString());
    if (found == overlay.edges.end()) {
      item->set_heat(QColor(), 1.0, QString());
      continue;
    }
    const double f = fraction(found->second, edge_max);
    item->set_heat(heat_color(f), 1.0 + 4.0 * f,
                   QString::fromStdString(format_overlay_value(overlay, found->second)));
  }
}

NodeItem* GraphScene::node(const QString& key) const {
  const auto found = nodes_.find(key);
  return found == nodes_.end() ? nullptr : found->second;
}

QList<NodeItem*> GraphScene::find(const QString& text) const {
  QList<NodeItem*> exact;
  QList<NodeItem*> partial;
  for (NodeItem* item : node_order_) {
    if (item->kind() == DrawKind::MapExit) continue;  // the entry stands for the map
    if (item->label().compare(text, Qt::CaseInsensitive) == 0)
      exact << item;
    else if (item->label().contains(text, Qt::CaseInsensitive))
      partial << item;
  }
  return exact + partial;
}

void GraphScene::mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) {
  for (QGraphicsItem* item : items(event->scenePos())) {
    if (auto* node = dynamic_cast<NodeItem*>(item)) {
      if (node->kind() == DrawKind::Map) {
        emit toggle_scope_requested(node->key());
        return;
      }
      if (node->kind() == DrawKind::MapEntry || node->kind() == DrawKind::MapExit) {
        emit toggle_scope_requested(node->key().section('/', 0, -2));
        return;
      }
    }
    if (auto* scope = dynamic_cast<ScopeItem*>(item); scope != nullptr && !scope->is_state()) {
      emit toggle_scope_requested(scope->key());
      return;
    }
  }
  QGraphicsScene::mouseDoubleClickEvent(event);
}

}  // namespace sluice::gui
