#include "gui/view/graph_layout.h"

#include <algorithm>
#include <chrono>
#include <mutex>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

namespace sluice::gui {

namespace {

constexpr double kPointsPerInch = 72.0;
constexpr double kCharWidth = 7.0;  ///< Average width of a 10 px label character, in points.
constexpr std::size_t kMaxLabelChars = 40;
/// Above this many nodes dot gets cheaper crossing minimization (the 5,000-node budget).
constexpr std::size_t kLargeGraph = 1500;
constexpr std::size_t kMaxLabelledNodes = 300;
constexpr std::size_t kMaxLabelledScopes = 10;

std::mutex& graphviz_lock() {
  static std::mutex lock;
  return lock;
}

void set(void* object, const char* name, const std::string& value) {
  agsafeset(object, const_cast<char*>(name), const_cast<char*>(value.c_str()),
            const_cast<char*>(""));
}

/// The owned Graphviz context and graph, released in every exit path.
class DotGraph {
public:
  DotGraph() : context_(gvContext()), graph_(agopen(const_cast<char*>("g"), Agdirected, nullptr)) {}
  ~DotGraph() {
    if (laid_out_) gvFreeLayout(context_, graph_);
    agclose(graph_);
    gvFreeContext(context_);
  }
  DotGraph(const DotGraph&) = delete;
  DotGraph& operator=(const DotGraph&) = delete;

  Agraph_t* graph() { return graph_; }
  bool layout() {
    laid_out_ = gvLayout(context_, graph_, "dot") == 0;
    return laid_out_;
  }

private:
  GVC_t* context_;
  Agraph_t* graph_;
  bool laid_out_ = false;
};

LayoutBox from_graphviz_box(const boxf& box, double top) {
  return {box.LL.x, top - box.UR.y, box.UR.x - box.LL.x, box.UR.y - box.LL.y};
}

}  // namespace

LayoutBox node_size(const DrawNode& node) {
  const std::size_t chars = std::min(
      kMaxLabelChars, std::max(node.label.size(), std::min(node.detail.size(), kMaxLabelChars)));
  const bool small = node.kind == DrawKind::MapEntry || node.kind == DrawKind::MapExit ||
                     node.kind == DrawKind::StateHeader;
  return {0, 0, std::max(60.0, kCharWidth * static_cast<double>(chars) + 20.0),
          small ? 26.0 : 38.0};
}

bool dot_places_labels(const GraphDescription& description) {
  return description.nodes.size() <= kMaxLabelledNodes &&
         description.scopes.size() <= kMaxLabelledScopes;
}

GraphLayout layout_graph(const GraphDescription& description) {
  const auto start = std::chrono::steady_clock::now();
  GraphLayout result;
  const std::lock_guard<std::mutex> hold(graphviz_lock());
  DotGraph dot;
  Agraph_t* root = dot.graph();
  set(root, "rankdir", "TB");
  set(root, "nodesep", "0.3");
  set(root, "ranksep", "0.55");
  set(root, "splines", "polyline");
  // Ranking with clusters: the new ranker is several times faster on graphs with many maps
  // (5,000 nodes with 150 map clusters: 1.7 s instead of 6.7 s).
  set(root, "newrank", "true");
  if (description.nodes.size() > kLargeGraph) {
    set(root, "mclimit", "0.1");
    set(root, "nslimit", "2");
    set(root, "nslimit1", "2");
  }

  std::vector<Agraph_t*> clusters(description.scopes.size(), nullptr);
  for (std::size_t s = 0; s < description.scopes.size(); ++s) {
    const DrawScope& scope = description.scopes[s];
    Agraph_t* parent = scope.parent < 0 ? root : clusters[static_cast<std::size_t>(scope.parent)];
    const std::string name = "cluster_" + std::to_string(s);
    clusters[s] = agsubg(parent, const_cast<char*>(name.c_str()), 1);
    set(clusters[s], "margin", "14");
    // The label reserves room at the top of the frame, where the view draws the scope's name.
    set(clusters[s], "label", scope.label);
    set(clusters[s], "labeljust", "l");
    set(clusters[s], "fontsize", "9");
  }
  // Defaults declared once and per-object values set through their symbols: looking attributes
  // up by name for every one of thousands of nodes costs more than dot's ranking.
  agattr(root, AGNODE, const_cast<char*>("shape"), const_cast<char*>("box"));
  agattr(root, AGNODE, const_cast<char*>("fixedsize"), const_cast<char*>("true"));
  agattr(root, AGNODE, const_cast<char*>("label"), const_cast<char*>(""));
  Agsym_t* width = agattr(root, AGNODE, const_cast<char*>("width"), const_cast<char*>("1"));
  Agsym_t* height = agattr(root, AGNODE, const_cast<char*>("height"), const_cast<char*>("0.5"));
  Agsym_t* weight = agattr(root, AGEDGE, const_cast<char*>("weight"), const_cast<char*>("1"));
  const bool labelled = dot_places_labels(description);
  Agsym_t* edge_label = agattr(root, AGEDGE, const_cast<char*>("label"), const_cast<char*>(""));
  agattr(root, AGEDGE, const_cast<char*>("fontsize"), const_cast<char*>("8"));
  std::vector<Agnode_t*> nodes(description.nodes.size(), nullptr);
  for (std::size_t n = 0; n < description.nodes.size(); ++n) {
    const DrawNode& node = description.nodes[n];
    Agraph_t* owner = node.scope < 0 ? root : clusters[static_cast<std::size_t>(node.scope)];
    const std::string name = "n" + std::to_string(n);
    nodes[n] = agnode(owner, const_cast<char*>(name.c_str()), 1);
    const LayoutBox size = node_size(node);
    agxset(nodes[n], width, const_cast<char*>(std::to_string(size.width / kPointsPerInch).c_str()));
    agxset(nodes[n], height,
           const_cast<char*>(std::to_string(size.height / kPointsPerInch).c_str()));
  }
  std::vector<Agedge_t*> edges(description.edges.size(), nullptr);
  for (std::size_t e = 0; e < description.edges.size(); ++e) {
    const DrawEdge& edge = description.edges[e];
    const std::string name = "e" + std::to_string(e);
    edges[e] =
        agedge(root, nodes[static_cast<std::size_t>(edge.src)],
               nodes[static_cast<std::size_t>(edge.dst)], const_cast<char*>(name.c_str()), 1);
    // Memlets pull their ends into line more than the map's structural links do.
    if (!edge.structural) agxset(edges[e], weight, const_cast<char*>("2"));
    if (labelled && !edge.label.empty())
      agxset(edges[e], edge_label, const_cast<char*>(edge.label.c_str()));
  }

  if (!dot.layout()) {
    result.error = "Graphviz could not lay the graph out";
    return result;
  }
  const boxf bounds = GD_bb(root);
  const double top = bounds.UR.y;
  result.width = bounds.UR.x - bounds.LL.x;
  result.height = bounds.UR.y - bounds.LL.y;
  for (Agnode_t* node : nodes) {
    const pointf center = ND_coord(node);
    const double w = ND_width(node) * kPointsPerInch;
    const double h = ND_height(node) * kPointsPerInch;
    result.nodes.push_back({center.x - w / 2, top - center.y - h / 2, w, h});
  }
  for (Agraph_t* cluster : clusters)
    result.scopes.push_back(from_graphviz_box(GD_bb(cluster), top));
  for (Agedge_t* edge : edges) {
    EdgeRoute route;
    if (const textlabel_t* label = ED_label(edge); label != nullptr && label->set) {
      route.has_label = true;
      route.label = {label->pos.x, top - label->pos.y};
    }
    const splines* spline = ED_spl(edge);
    if (spline != nullptr && spline->size > 0) {
      const bezier& curve = spline->list[0];
      for (int i = 0; i < curve.size; ++i)
        route.bezier.push_back({curve.list[i].x, top - curve.list[i].y});
      route.has_tip = curve.eflag != 0;
      route.tip = {curve.ep.x, top - curve.ep.y};
    }
    result.edges.push_back(std::move(route));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace sluice::gui
