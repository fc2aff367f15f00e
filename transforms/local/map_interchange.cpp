// map-interchange (tier 1): swaps two parameters of a map, which changes the loop order the
// code generator emits (which loop is innermost, hence vectorized and contiguous, and which
// run in parallel). A map's iterations are independent, so any order computes the same values
// (sums with write-conflict resolution may round differently), and the verifier already
// forbids a range that uses another parameter of the same map.

#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

class MapInterchange final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "map-interchange"; }
  [[nodiscard]] int tier() const override { return 1; }
  [[nodiscard]] std::string_view description() const override {
    return "Swap two parameters of a map (by position, from 0), changing the loop order: which "
           "loop is innermost (contiguous, vectorized) and which run in parallel. Any order "
           "computes the "
           "same values: a map's iterations are independent.";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"first", ParamType::Int, std::int64_t{0}, "position of one parameter", {}},
            {"second", ParamType::Int, std::int64_t{1}, "position of the other", {}}};
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    const auto a = param_int(params, "first");
    const auto b = param_int(params, "second");
    MatchResult result;
    for_each_scope(program, [&](const Scope& scope, const ir::Graph& g) {
      for (const ir::NodeId n : inner_maps(g)) {
        const auto& map = g.get<ir::MapNode>(n);
        Match m = make_match(scope, {n}, "map '" + map.label + "'");
        const auto count = static_cast<std::int64_t>(map.params.size());
        if (a == b || a < 0 || b < 0 || a >= count || b >= count) {
          result.rejected.push_back({m, "map '" + map.label + "' has " + std::to_string(count) +
                                            " parameter(s); cannot swap positions " +
                                            std::to_string(a) + " and " + std::to_string(b)});
          continue;
        }
        m.description += ": swap '" + map.params[a].name + "' and '" + map.params[b].name + "'";
        result.matches.push_back(std::move(m));
      }
    });
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& params) const override {
    ir::MapNode map = rewriter.graph(match.scope).get<ir::MapNode>(match.nodes[0]);
    std::swap(map.params[param_int(params, "first")], map.params[param_int(params, "second")]);
    rewriter.replace_node(match.scope, match.nodes[0], std::move(map));
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_map_interchange() {
  return std::make_shared<MapInterchange>();
}

}  // namespace sluice::transforms
