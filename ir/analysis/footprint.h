#pragma once
/// Memory footprint: the bytes of a program's arguments and transients, and the peak of the
/// transients that are live at once.
///
/// A container's size is `Container::size_bytes()` (elements times dtype size; a Scalar is one
/// element). Views occupy no memory of their own (they alias another container) and containers
/// in register storage are not memory: both count 0 everywhere here.
/// The peak is the largest sum of the sizes of the transients live at one program point
/// (`analyze_liveness`), for given symbol values; it cannot be symbolic in general (a maximum
/// over points whose order depends on the values).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ir/analysis/data_movement.h"
#include "ir/analysis/liveness.h"
#include "ir/expr.h"
#include "ir/program.h"

namespace sluice::ir::analysis {

/// Bytes a container occupies: `size_bytes()`, or 0 for a View or register storage.
Expr container_bytes(const Program& program, ContainerId id);

struct Footprint {
  Expr argument_bytes;   ///< Non-transient containers.
  Expr transient_bytes;  ///< Transient containers, all at once (an upper bound of the peak).
};

Footprint memory_footprint(const Program& program);

struct PeakMemory {
  std::int64_t bytes = 0;
  std::optional<std::size_t> point;  ///< The first point reaching the peak; none if no transient.
  std::vector<ContainerId> live;     ///< The transients live there, in id order.
};

/// Throws `UserError` naming a symbol that a live transient's size needs and `values` lacks.
PeakMemory peak_transient_memory(const Program& program, const Liveness& liveness,
                                 const SymbolValues& values);

}  // namespace sluice::ir::analysis
