#pragma once
/// A layout-aware cost for choosing layouts: the bytes each kernel touches (the data-movement
/// analysis's footprint), each container's share weighted by how badly its accesses along the
/// innermost loop stride through memory. A unit (or zero) stride costs 1; a stride of s costs
/// min(s, 16), the elements of a 64-byte cache line of floats that a strided walk wastes.
/// BLAS operands must have a unit stride in one of their last two dimensions (the trans flag
/// covers the other); a layout without one is infeasible.

#include <optional>

#include "ir/analysis/data_movement.h"
#include "ir/program.h"

namespace sluice::transforms {

/// The weighted bytes of one kernel (its memlets' read and written bytes from the analysis,
/// which do not depend on layouts; the weights do). Nullopt when infeasible.
std::optional<double> kernel_layout_cost(const ir::Program& program,
                                         const ir::analysis::KernelMovement& kernel,
                                         const ir::analysis::SymbolValues& symbols = {});
/// The weighted bytes of every kernel of the program, summed; nullopt when a layout is
/// infeasible for a library call. Symbols take `symbols` (unknown ones: 64).
std::optional<double> layout_cost(const ir::Program& program,
                                  const ir::analysis::SymbolValues& symbols = {});

}  // namespace sluice::transforms
