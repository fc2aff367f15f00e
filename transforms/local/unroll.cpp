// unroll (tier 1): replaces an inner map over a short constant range by one copy of its body per
// iteration, with the parameter replaced by its value, so the compiler sees straight-line code
// (constant indices, no loop overhead). Only maps nested in another map: a top-level map is a
// kernel and stays one.

#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

class Unroll final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "unroll"; }
  [[nodiscard]] int tier() const override { return 1; }
  [[nodiscard]] std::string_view description() const override {
    return "Replace an inner one-parameter map over a constant range of at most `max` "
           "iterations by one copy of its body per iteration, the parameter replaced by its "
           "value. The body's reads and writes connect to the enclosing scope's Access nodes.";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"max", ParamType::Int, std::int64_t{8}, "longest range to unroll", {}}};
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    const auto max = param_int(params, "max");
    MatchResult result;
    for_each_scope(program, [&](const Scope& scope, const ir::Graph& g) {
      if (scope.maps.empty()) return;
      for (const ir::NodeId n : inner_maps(g)) {
        const auto& map = g.get<ir::MapNode>(n);
        Match m = make_match(scope, {n}, "map '" + map.label + "'");
        std::string why;
        std::int64_t count = -1;  // the iteration count when it is a constant
        if (map.params.size() == 1 && map.params[0].range.begin.constant_value() &&
            map.params[0].range.step.constant_value())
          count = map.params[0].range.size().constant_value().value_or(-1);
        if (map.params.size() != 1)
          why = "map '" + map.label + "' has " + std::to_string(map.params.size()) +
                " parameters (split it with map-expansion first)";
        else if (count < 0)
          why = "the range of '" + map.params[0].name + "' is not constant";
        else if (count > max)
          why = "'" + map.params[0].name + "' sweeps " + std::to_string(count) +
                " iterations, more than max=" + std::to_string(max);
        else if (count == 0)
          why = "'" + map.params[0].name + "' sweeps no iteration";
        for (const ir::EdgeId e : g.in_edges(n))
          if (why.empty() && !std::holds_alternative<ir::AccessNode>(g.node(g.edge(e).src)))
            why = "map '" + map.label + "' is fed by a node that is not an Access node";
        for (const ir::EdgeId e : g.out_edges(n))
          if (why.empty() && !std::holds_alternative<ir::AccessNode>(g.node(g.edge(e).dst)))
            why = "map '" + map.label + "' feeds a node that is not an Access node";
        if (why.empty()) {
          m.description += ": " + std::to_string(count) + " copies";
          result.matches.push_back(std::move(m));
        } else {
          result.rejected.push_back({std::move(m), why});
        }
      }
    });
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& /*params*/) const override {
    const Scope& scope = match.scope;
    const ir::NodeId map_id = match.nodes[0];
    const ir::Graph& g = rewriter.graph(scope);
    const ir::MapNode map = g.get<ir::MapNode>(map_id);
    // Where the body's Access nodes connect outside: reads to the node feeding the map's
    // connector, writes to the node it writes.
    std::map<std::string, ir::NodeId> source;
    std::map<std::string, ir::NodeId> sink;
    for (const ir::EdgeId e : g.in_edges(map_id)) source[g.edge(e).dst_conn] = g.edge(e).src;
    for (const ir::EdgeId e : g.out_edges(map_id)) sink[g.edge(e).src_conn] = g.edge(e).dst;

    const ir::MapParam& p = map.params[0];
    const std::int64_t begin = *p.range.begin.constant_value();
    const std::int64_t step = *p.range.step.constant_value();
    const std::int64_t count = *p.range.size().constant_value();
    rewriter.remove_node(scope, map_id);
    for (std::int64_t k = 0; k < count; ++k) {
      ir::Graph copy = *map.body;
      substitute_in_graph(copy, {{p.name, ir::Expr(begin + k * step)}});
      std::map<ir::NodeId, ir::NodeId> placed;
      for (const ir::NodeId n : copy.node_ids()) {
        if (const auto* a = std::get_if<ir::AccessNode>(&copy.node(n))) {
          const std::string& name = rewriter.program().containers[a->data].name;
          const bool writes = !copy.in_edges(n).empty();
          const auto& ends = writes ? sink : source;
          if (const auto it = ends.find(name); it != ends.end()) {
            placed[n] = it->second;
            continue;
          }
        }
        placed[n] = rewriter.add_node(scope, copy.node(n));
      }
      for (const ir::EdgeId e : copy.edge_ids()) {
        ir::Edge edge = copy.edge(e);
        edge.src = placed.at(edge.src);
        edge.dst = placed.at(edge.dst);
        rewriter.add_edge(scope, std::move(edge));
      }
    }
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_unroll() { return std::make_shared<Unroll>(); }

}  // namespace sluice::transforms
