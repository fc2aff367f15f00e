#pragma once
/// Which heap transients of a generated CPU program share one arena, and when each is live.
///
/// The generator allocates the transients in `sluice_init`. Instead of one buffer each, every
/// transient with a known lifetime gets an offset in one arena, chosen at init (sizes may be
/// symbolic until then) so that two transients live at the same kernel never overlap
/// (`kArenaPlannerSource`). Liveness is `ir::analysis::analyze_liveness`'s: kernels in the order
/// the generator runs them (the same topological order per state). A transient keeps a buffer
/// of its own when that order does not describe its lifetime: it is Persistent (its value
/// outlives a run), it is used in a state on a cycle of interstate edges (a loop would carry it
/// past its last use in the order), or no kernel uses it.

#include <cstddef>
#include <string_view>
#include <vector>

#include "ir/program.h"

namespace sluice::codegen {

/// One transient's place: in the arena from kernel `first` to kernel `last` (inclusive, indices
/// into program order), or (`pooled` false) a buffer of its own.
struct ArenaLifetime {
  bool pooled = false;
  std::size_t first = 0;
  std::size_t last = 0;
};

/// The lifetimes of `transients` (non-View, heap-allocated), in their order.
std::vector<ArenaLifetime> plan_arena_lifetimes(const ir::Program& program,
                                                const std::vector<ir::ContainerId>& transients);

/// C++ source of `sl_plan_arena`, which the generated `sluice_init` calls: first fit, each
/// transient at the lowest 64-byte-aligned offset where it overlaps no already placed transient
/// whose lifetime overlaps its own, tried in three orders (largest first, largest lifetime area
/// first, earliest first); the smallest arena wins. Returns the arena's size.
extern const std::string_view kArenaPlannerSource;

}  // namespace sluice::codegen
