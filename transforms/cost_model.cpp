#include "transforms/cost_model.h"

#include <algorithm>

#include "ir/analysis/flops.h"
#include "ir/diagnostic.h"
#include "transforms/apply.h"

namespace sluice::transforms {

namespace {

std::optional<double> evaluate(const ir::Expr& e, const ir::analysis::SymbolValues& symbols) {
  try {
    return static_cast<double>(e.evaluate(symbols));
  } catch (const UserError&) {
    return std::nullopt;  // a symbol without a value: the saving stays symbolic
  }
}

}  // namespace

ProgramCost program_cost(const ir::Program& program, const ir::analysis::SymbolValues& symbols,
                         const Machine& machine) {
  const auto movement = ir::analysis::analyze_data_movement(program);
  ProgramCost cost{movement.reads + movement.writes, std::nullopt, 0.0};
  cost.bytes_value = evaluate(cost.bytes, symbols);
  for (const auto& state : movement.states) {
    for (const auto& kernel : state.kernels) {
      const auto bytes = evaluate(kernel.reads + kernel.writes, symbols);
      const auto flops =
          evaluate(ir::analysis::kernel_flops(program, kernel.kernel).flops, symbols);
      if (!bytes || !flops) {
        cost.seconds.reset();
        return cost;
      }
      *cost.seconds +=
          std::max(*bytes / machine.bytes_per_second, *flops / machine.flops_per_second);
    }
  }
  return cost;
}

Prediction predict(const ir::Program& program, const Transformation& transformation,
                   const Match& match, const ParamValues& params,
                   const ir::analysis::SymbolValues& symbols, const Machine& machine) {
  ir::Program after = program;
  apply_match(after, transformation, match, params, {.verify = false, .recheck_match = false});
  const ProgramCost before_cost = program_cost(program, symbols, machine);
  const ProgramCost after_cost = program_cost(after, symbols, machine);
  Prediction p{before_cost.bytes, after_cost.bytes, std::nullopt, std::nullopt};
  if (before_cost.bytes_value && after_cost.bytes_value)
    p.bytes_saved = *before_cost.bytes_value - *after_cost.bytes_value;
  if (before_cost.seconds && after_cost.seconds)
    p.seconds_saved = *before_cost.seconds - *after_cost.seconds;
  return p;
}

std::vector<RankedMatch> rank_matches(const ir::Program& program,
                                      const Transformation& transformation,
                                      const std::vector<Match>& matches, const ParamValues& params,
                                      const ir::analysis::SymbolValues& symbols,
                                      const Machine& machine) {
  std::vector<RankedMatch> ranked;
  ranked.reserve(matches.size());
  for (const auto& m : matches)
    ranked.push_back({m, predict(program, transformation, m, params, symbols, machine)});
  std::stable_sort(ranked.begin(), ranked.end(), [](const RankedMatch& a, const RankedMatch& b) {
    if (!a.prediction.bytes_saved) return false;
    if (!b.prediction.bytes_saved) return true;
    return *a.prediction.bytes_saved > *b.prediction.bytes_saved;
  });
  return ranked;
}

}  // namespace sluice::transforms
