// map-collapse (tier 1): merges a map whose body is just another map into one map over both
// parameter sets, so the code generator can parallelize (collapse) across all of them. The
// inverse of map-expansion.

#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

class MapCollapse final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "map-collapse"; }
  [[nodiscard]] int tier() const override { return 1; }
  [[nodiscard]] std::string_view description() const override {
    return "Merge a map whose body holds only another map (and the Access nodes between them) "
           "into one map over both parameter sets, keeping the outer schedule. Refused when the "
           "inner ranges depend on the outer parameters, or the body does more than the inner "
           "map.";
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& /*params*/) const override {
    MatchResult result;
    for_each_scope(program, [&](const Scope& scope, const ir::Graph& g) {
      for (const ir::NodeId n : inner_maps(g)) {
        const auto& outer = g.get<ir::MapNode>(n);
        const auto maps = inner_maps(*outer.body);
        if (maps.empty()) continue;  // nothing to collapse: not a candidate
        Match m = make_match(scope, {n}, "map '" + outer.label + "'");
        const auto inner_id = sole_inner_map(*outer.body);
        if (!inner_id) {
          result.rejected.push_back(
              {m, "the body of map '" + outer.label + "' holds more than one map"});
          continue;
        }
        const auto& inner = outer.body->get<ir::MapNode>(*inner_id);
        std::string why;
        for (const auto& p : inner.params)
          for (const auto& q : outer.params) {
            if (p.name == q.name)
              why = "both maps name a parameter '" + p.name + "'";
            else if (mentions(p.range.begin, q.name) || mentions(p.range.end, q.name) ||
                     mentions(p.range.step, q.name))
              why = "the range of '" + p.name + "' depends on the outer parameter '" + q.name + "'";
          }
        if (!why.empty()) {
          result.rejected.push_back({m, why});
          continue;
        }
        m.description += " with inner map '" + inner.label + "'";
        result.matches.push_back(std::move(m));
      }
    });
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& /*params*/) const override {
    const auto& outer = rewriter.graph(match.scope).get<ir::MapNode>(match.nodes[0]);
    const auto& inner = outer.body->get<ir::MapNode>(*sole_inner_map(*outer.body));
    ir::MapNode merged = outer;
    merged.params.insert(merged.params.end(), inner.params.begin(), inner.params.end());
    merged.body = inner.body;
    rewriter.replace_node(match.scope, match.nodes[0], std::move(merged));
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_map_collapse() {
  return std::make_shared<MapCollapse>();
}

}  // namespace sluice::transforms
