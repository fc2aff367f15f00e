// vectorize (tier 1): marks an innermost map `vectorized`, so the code generator emits its
// loop as SIMD lanes (`#pragma omp simd`). Only a map nested in another (a top-level map runs
// in parallel and already vectorizes its innermost loop) and without maps inside, whose
// conflicting writes (sums) land on distinct elements per lane.

#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

class Vectorize final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "vectorize"; }
  [[nodiscard]] int tier() const override { return 1; }
  [[nodiscard]] std::string_view description() const override {
    return "Run an innermost map's last parameter as SIMD lanes. The map must be nested in "
           "another one and hold no map; every write it combines (a sum) must index by the "
           "vectorized parameter, so no two lanes update the same element.";
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& /*params*/) const override {
    MatchResult result;
    for_each_scope(program, [&](const Scope& scope, const ir::Graph& g) {
      if (scope.maps.empty()) return;  // top-level maps: parallel, vectorized already
      for (const ir::NodeId n : inner_maps(g)) {
        const auto& map = g.get<ir::MapNode>(n);
        Match m = make_match(scope, {n}, "map '" + map.label + "'");
        if (map.schedule == ir::Schedule::Vectorized) continue;
        std::string why;
        if (!inner_maps(*map.body).empty()) why = "map '" + map.label + "' holds another map";
        const std::string& lane = map.params.back().name;
        for (const ir::Memlet* w : conflicting_writes(*map.body))
          if (why.empty() && !mentions(w->subset, lane))
            why = "two lanes would combine into the same element of '" +
                  program.containers[w->data].name + "' (a reduction over '" + lane + "')";
        if (!why.empty()) {
          result.rejected.push_back({m, why});
          continue;
        }
        m.description += ": SIMD over '" + lane + "'";
        result.matches.push_back(std::move(m));
      }
    });
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& /*params*/) const override {
    ir::MapNode map = rewriter.graph(match.scope).get<ir::MapNode>(match.nodes[0]);
    map.schedule = ir::Schedule::Vectorized;
    rewriter.replace_node(match.scope, match.nodes[0], std::move(map));
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_vectorize() { return std::make_shared<Vectorize>(); }

}  // namespace sluice::transforms
