#pragma once
/// Liveness of transients: where in program order each transient is first and last used.
///
/// Program order is a sequence of points, one per kernel (`state_kernels`): states in execution
/// order (`execution_order`), and within a state its kernels in topological order.
///
/// A kernel uses a container when one of its boundary memlets names it, when (a map) a node or
/// memlet anywhere in its body names it, or (a copy) it is either end. A use of a View is a use
/// of the container whose memory it aliases (`view_root`), so Views get no interval of their own.
///
/// The interval of a transient depends on its lifetime:
///  - Scope: from its first use to its last use;
///  - State: widened to whole states, from the first kernel of the first state that uses it to
///    the last kernel of the last state that uses it;
///  - Program, Persistent: every point of the program, used or not.
/// A Scope or State transient that no kernel uses gets no interval. Loops are not followed
/// backwards: a value carried around a loop is live from its first to its last use in this order.

#include <cstddef>
#include <optional>
#include <vector>

#include "ir/analysis/data_movement.h"
#include "ir/program.h"

namespace sluice::ir::analysis {

/// States in execution order: reverse post-order of a depth-first walk of the interstate edges
/// (in id order) from the start state, then the unreachable states in id order. For a chain of
/// states this is the chain.
std::vector<StateId> execution_order(const Program& program);

/// The points `first..last` (inclusive, indices into `Liveness::points`) where a transient lives.
struct LiveInterval {
  ContainerId container;
  std::size_t first = 0;
  std::size_t last = 0;
  bool operator==(const LiveInterval&) const = default;
};

struct Liveness {
  std::vector<StateId> state_order;
  std::vector<KernelRef> points;        ///< Every kernel, in program order.
  std::vector<LiveInterval> intervals;  ///< In container id order.

  /// The interval of a container, or nullptr if it has none.
  [[nodiscard]] const LiveInterval* find(ContainerId container) const;
};

/// Throws `UserError` if a state's dataflow graph has a cycle.
Liveness analyze_liveness(const Program& program);

}  // namespace sluice::ir::analysis
