#pragma once
/// The cost model: what a match would save, in bytes moved and, roughly, in time.
///
/// The prediction applies the match to a copy and compares the data-movement analysis before
/// and after (ir/analysis/data_movement.h: the same numbers as the report and the GUI), so it
/// is exact about bytes for the program as written, whatever the transformation. Time is a
/// roofline estimate per kernel, max(bytes / bandwidth, flops / peak), summed over kernels,
/// with the machine's numbers in `Machine` (defaults: this project's 2-core Zen 5 CPU).
/// Matches can be ranked by it: the largest saving first.

#include <optional>
#include <vector>

#include "ir/analysis/data_movement.h"
#include "ir/program.h"
#include "transforms/transformation.h"

namespace sluice::transforms {

struct Machine {
  double bytes_per_second = 35e9;   ///< Memory bandwidth.
  double flops_per_second = 240e9;  ///< fp32 peak.
};

struct Prediction {
  ir::Expr bytes_before;  ///< Reads + writes of the whole program, symbolic.
  ir::Expr bytes_after;
  /// Evaluated with the given symbol values; absent when a symbol has no value.
  std::optional<double> bytes_saved;
  std::optional<double> seconds_saved;
};

/// Reads + writes of the program, and the roofline time (absent if a symbol has no value).
struct ProgramCost {
  ir::Expr bytes;
  std::optional<double> bytes_value;
  std::optional<double> seconds;
};
ProgramCost program_cost(const ir::Program& program, const ir::analysis::SymbolValues& symbols,
                         const Machine& machine = {});

/// What applying `match` would change. A match that fails to apply is a UserError (as apply).
Prediction predict(const ir::Program& program, const Transformation& transformation,
                   const Match& match, const ParamValues& params = {},
                   const ir::analysis::SymbolValues& symbols = {}, const Machine& machine = {});

struct RankedMatch {
  Match match;
  Prediction prediction;
};

/// Every match with its prediction, largest byte saving first (ties, and matches whose saving
/// cannot be evaluated, keep match order at the end).
std::vector<RankedMatch> rank_matches(const ir::Program& program,
                                      const Transformation& transformation,
                                      const std::vector<Match>& matches,
                                      const ParamValues& params = {},
                                      const ir::analysis::SymbolValues& symbols = {},
                                      const Machine& machine = {});

}  // namespace sluice::transforms
