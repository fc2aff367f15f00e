// map-fusion-horizontal (tier 3): two independent top-level maps over the same ranges that
// read a common input become one map holding both bodies, so the input is read once per point
// instead of twice (and one parallel region runs instead of two).

#include <algorithm>

#include "transforms/aliasing.h"
#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

/// Container -> subset of a map's boundary edges on one side.
std::map<ir::ContainerId, ir::Subset> boundary(const ir::Graph& g, ir::NodeId map, bool inputs) {
  std::map<ir::ContainerId, ir::Subset> out;
  for (const ir::EdgeId e : inputs ? g.in_edges(map) : g.out_edges(map)) {
    const ir::Memlet& m = g.edge(e).memlet;
    if (!m.empty()) out.emplace(m.data, m.subset);
  }
  return out;
}

/// Why `a` and `b` (ids in order) cannot fuse; empty when they can.
std::string refusal(const ir::Program& program, const ir::Graph& g, ir::NodeId a, ir::NodeId b) {
  const auto& ma = g.get<ir::MapNode>(a);
  const auto& mb = g.get<ir::MapNode>(b);
  if (ma.params.size() != mb.params.size()) return "the maps have different numbers of parameters";
  for (std::size_t i = 0; i < ma.params.size(); ++i)
    if (!(ma.params[i].range == mb.params[i].range)) return "the maps sweep different ranges";
  if (ma.schedule != mb.schedule) return "the maps have different schedules";
  const auto in_a = boundary(g, a, true);
  const auto in_b = boundary(g, b, true);
  const auto out_a = boundary(g, a, false);
  const auto out_b = boundary(g, b, false);
  bool shared = false;
  for (const auto& [c, subset] : in_b) {
    if (out_a.contains(c)) return "map '" + mb.label + "' reads what map '" + ma.label + "' writes";
    if (const auto it = in_a.find(c); it != in_a.end()) {
      if (!(it->second == subset))
        return "the maps read different parts of '" + program.containers[c].name + "'";
      shared = true;
    }
  }
  for (const auto& [c, subset] : out_b)
    if (in_a.contains(c) || out_a.contains(c))
      return "map '" + mb.label + "' writes what map '" + ma.label + "' uses";
  if (!shared) return "the maps share no input: fusing them saves no reads";
  if (descendants(g, a).contains(b) || descendants(g, b).contains(a))
    return "one map depends on the other";
  return {};
}

class MapFusionHorizontal final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "map-fusion-horizontal"; }
  [[nodiscard]] int tier() const override { return 3; }
  [[nodiscard]] std::string_view description() const override {
    return "Fuse two independent top-level maps over the same ranges that read a common input "
           "into one map holding both bodies: the shared input is read once per point, and one "
           "parallel loop runs instead of two.";
  }
  [[nodiscard]] bool repeat_to_fixpoint() const override { return true; }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& /*params*/) const override {
    MatchResult result;
    for (const ir::StateId s : program.states.ids()) {
      const ir::Graph& g = program.states[s].graph;
      const auto maps = inner_maps(g);
      for (std::size_t i = 0; i < maps.size(); ++i)
        for (std::size_t j = i + 1; j < maps.size(); ++j) {
          const auto& ma = g.get<ir::MapNode>(maps[i]);
          const auto& mb = g.get<ir::MapNode>(maps[j]);
          Match m = make_match({s, {}}, {maps[i], maps[j]},
                               "maps '" + ma.label + "' and '" + mb.label + "'");
          // Only pairs over the same ranges are worth a reason; the rest are simply unrelated.
          if (ma.params.size() != mb.params.size()) continue;
          const std::string why = refusal(program, g, maps[i], maps[j]);
          if (why.empty())
            result.matches.push_back(std::move(m));
          else
            result.rejected.push_back({std::move(m), why});
        }
    }
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& /*params*/) const override {
    const Scope& scope = match.scope;
    const ir::NodeId a = match.nodes[0];
    const ir::NodeId b = match.nodes[1];
    const ir::Graph& g = rewriter.graph(scope);
    ir::MapNode fused = g.get<ir::MapNode>(a);
    const ir::MapNode& second = g.get<ir::MapNode>(b);

    // The second body, with its parameters renamed to the first map's.
    ir::Graph body_b = *second.body;
    std::map<std::string, ir::Expr> renames;
    for (std::size_t i = 0; i < second.params.size(); ++i)
      if (second.params[i].name != fused.params[i].name)
        renames.emplace(second.params[i].name, ir::Expr::symbol(fused.params[i].name));
    substitute_in_graph(body_b, renames);
    ir::Graph& body = *fused.body;
    std::map<ir::NodeId, ir::NodeId> moved;
    for (const ir::NodeId n : body_b.node_ids()) moved[n] = body.add_node(body_b.node(n));
    for (const ir::EdgeId e : body_b.edge_ids()) {
      ir::Edge edge = body_b.edge(e);
      edge.src = moved.at(edge.src);
      edge.dst = moved.at(edge.dst);
      body.add_edge(std::move(edge));
    }
    for (const auto& c : second.inputs)
      if (std::find(fused.inputs.begin(), fused.inputs.end(), c) == fused.inputs.end())
        fused.inputs.push_back(c);
    for (const auto& c : second.outputs) fused.outputs.push_back(c);
    fused.label = fused.label + "_" + second.label;

    // Boundary edges of the second map move to the first; a shared input keeps one edge.
    const auto in_a = boundary(g, a, true);
    std::vector<ir::Edge> incoming;
    std::vector<ir::Edge> outgoing;
    std::set<ir::NodeId> maybe_orphaned;
    for (const ir::EdgeId e : g.in_edges(b)) {
      ir::Edge edge = g.edge(e);
      maybe_orphaned.insert(edge.src);
      if (!edge.memlet.empty() && in_a.contains(edge.memlet.data)) continue;
      edge.dst = a;
      incoming.push_back(std::move(edge));
    }
    for (const ir::EdgeId e : g.out_edges(b)) {
      ir::Edge edge = g.edge(e);
      edge.src = a;
      outgoing.push_back(std::move(edge));
    }
    rewriter.replace_node(scope, a, std::move(fused));
    rewriter.remove_node(scope, b);
    for (auto& edge : incoming) rewriter.add_edge(scope, std::move(edge));
    for (auto& edge : outgoing) rewriter.add_edge(scope, std::move(edge));
    for (const ir::NodeId n : maybe_orphaned) {
      const ir::Graph& now = rewriter.graph(scope);
      if (now.has_node(n) && now.in_edges(n).empty() && now.out_edges(n).empty())
        rewriter.remove_node(scope, n);
    }
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_map_fusion_horizontal() {
  return std::make_shared<MapFusionHorizontal>();
}

}  // namespace sluice::transforms
