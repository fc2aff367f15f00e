#pragma once
/// Bytes moved per kernel before (the program as opened) and after (the current program), for
/// the data-movement report view. Rows are matched by state and node id, as `sluice opt`
/// matches them, so a row shows what happened to one node: a kernel only on one side is new or
/// gone (0 on the other side).

#include <string>
#include <vector>

#include "ir/analysis/data_movement.h"

namespace sluice::gui {

struct KernelBytes {
  std::string label;
  ir::StateId state;
  ir::NodeId node;
  double before = 0.0;  ///< Reads + writes, bytes.
  double after = 0.0;
};

struct MovementComparison {
  std::vector<KernelBytes> kernels;  ///< Kernels of `before` in order, then new ones of `after`.
  double total_before = 0.0;
  double total_after = 0.0;
  std::string error;  ///< Set (and rows empty) when a quantity has a symbol without a value.
};

MovementComparison compare_movement(const ir::Program& before, const ir::Program& after,
                                    const ir::analysis::SymbolValues& symbols = {});

}  // namespace sluice::gui
