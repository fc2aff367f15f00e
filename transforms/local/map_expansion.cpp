// map-expansion (tier 1): splits a map over several parameters into an outer map over the
// first ones and an inner map over the rest: the shape tiling, local storage and per-row
// reductions work on. The inverse of map-collapse.

#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

class MapExpansion final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "map-expansion"; }
  [[nodiscard]] int tier() const override { return 1; }
  [[nodiscard]] std::string_view description() const override {
    return "Split a map into an outer map over its first `outer` parameters and an inner, "
           "sequential map over the rest, which holds the original body. (The verifier forbids a "
           "range that uses another parameter of the same map, so any split is valid.)";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"outer", ParamType::Int, std::int64_t{1}, "how many parameters stay outside", {}}};
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    const auto k = param_int(params, "outer");
    MatchResult result;
    for_each_scope(program, [&](const Scope& scope, const ir::Graph& g) {
      for (const ir::NodeId n : inner_maps(g)) {
        const auto& map = g.get<ir::MapNode>(n);
        Match m = make_match(scope, {n}, "map '" + map.label + "'");
        const auto count = static_cast<std::int64_t>(map.params.size());
        if (k < 1 || k >= count) {
          result.rejected.push_back({m, "map '" + map.label + "' has " + std::to_string(count) +
                                            " parameter(s); cannot keep " + std::to_string(k) +
                                            " outside and move at least one inside"});
          continue;
        }
        result.matches.push_back(std::move(m));
      }
    });
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& params) const override {
    const auto k = static_cast<std::size_t>(param_int(params, "outer"));
    const ir::Graph& g = rewriter.graph(match.scope);
    ir::MapNode outer = g.get<ir::MapNode>(match.nodes[0]);
    ir::MapNode inner = outer;
    inner.label = outer.label + "_inner";
    inner.schedule = ir::Schedule::Sequential;
    inner.params.assign(outer.params.begin() + static_cast<std::ptrdiff_t>(k), outer.params.end());
    outer.params.resize(k);
    outer.body = wrap_in_body(rewriter.program(), g, match.nodes[0], std::move(inner));
    rewriter.replace_node(match.scope, match.nodes[0], std::move(outer));
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_map_expansion() {
  return std::make_shared<MapExpansion>();
}

}  // namespace sluice::transforms
