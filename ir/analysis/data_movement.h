#pragma once
/// Data movement: the bytes each kernel reads from and writes to non-register memory.
///
/// Every quantity is a symbolic `Expr` over the program's symbols; evaluate it for given symbol
/// values with `Expr::evaluate` (a missing symbol throws `UserError` naming it).
///
/// Counting rules (the CLI report, the GUI heat map and the cost model all use these):
///  - A memlet moves `volume * dtype size` bytes (`memlet_volume_bytes`) and touches
///    `subset size * dtype size` bytes (`memlet_subset_bytes`). An empty memlet moves nothing;
///    neither does one whose container is in `Storage::Register` (a View is in the storage of the
///    container it aliases).
///  - A kernel is a top-level node of a state that computes: a Map, a Library node, a Nested
///    node or a Tasklet; and each top-level Access -> Access edge (a copy), unless one end is a
///    View of the other's memory (an alias, not a copy) or the memlet is empty.
///  - Kernel reads: over its incoming edges, the subset bytes of each memlet (the footprint it
///    touches, each element counted once per kernel execution: caches are assumed to hold what a
///    kernel reuses). Writes: the same over its outgoing edges. A write with write-conflict
///    resolution (e.g. `wcr=sum`) also reads what it combines with: its subset counts as read
///    and as written. A boundary memlet that repeats the container and subset of an earlier one
///    in the same direction counts once. Memlets inside a map body are not counted: they are
///    what the kernel does in registers and caches.
///  - A copy reads its source side (the memlet's subset on its container, the other subset on
///    the other container, or the same subset when there is none) and writes its destination.
///  - Kernel accesses: the sum of `memlet_volume_bytes` over its boundary memlets (a wcr write
///    twice, a copy on both sides): what the memlets say move before any cache reuse.
///  - A memlet marked `dynamic` has a volume that is an upper bound; the kernel is flagged.
///  - States and the program: sums over kernels. Each state counts once: loops are not
///    multiplied by their trip counts (a trip-count-aware version can come later).
///  - Nested programs are kernels seen from the outside: only their boundary memlets count.
///
/// Kernels of a state are in its deterministic topological order (`Graph::topological_order`);
/// a copy sits at the position of its destination Access node (several: by edge id). Linear in
/// the size of the program (plus the topological sort).

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ir/expr.h"
#include "ir/program.h"

namespace sluice::ir::analysis {

/// Values of symbols for evaluating symbolic quantities.
using SymbolValues = std::map<std::string, std::int64_t>;

/// The container whose memory `id` uses: itself, or for a View the end of its `view` chain.
ContainerId view_root(const Program& program, ContainerId id);
/// False for containers in register storage (and views of them): they are not memory.
bool in_memory(const Program& program, ContainerId id);

/// `volume * dtype size`; 0 for an empty memlet or a register container.
Expr memlet_volume_bytes(const Program& program, const Memlet& memlet);
/// `subset size * dtype size`; 0 for an empty memlet or a register container.
Expr memlet_subset_bytes(const Program& program, const Memlet& memlet);

enum class KernelKind : std::uint8_t { Map, Library, Nested, Tasklet, Copy };
/// "map", "library", "nested", "tasklet", "copy".
std::string_view kernel_kind_name(KernelKind kind);

/// One kernel of a state.
struct KernelRef {
  StateId state;
  NodeId node;  ///< The kernel node; for a copy, its destination Access node.
  EdgeId edge;  ///< A copy's Access -> Access edge; invalid for the other kinds.
  KernelKind kind = KernelKind::Map;
  std::size_t position = 0;  ///< Index among the state's kernels.
  bool operator==(const KernelRef&) const = default;
};

/// The kernels of one state in order. Throws `UserError` if the state's graph has a cycle.
std::vector<KernelRef> state_kernels(const Program& program, StateId state);
/// A copy edge's label: `A -> B`; other kernels: the node's label.
std::string kernel_label(const Program& program, const KernelRef& kernel);

/// What one boundary memlet of a kernel contributes.
struct MemletMovement {
  EdgeId edge;
  ContainerId data;
  Expr read;      ///< Bytes counted as read (0 when a repeat or not a read).
  Expr written;   ///< Bytes counted as written.
  Expr accessed;  ///< Volume bytes (twice for a wcr write or a copy between two memories).
};

struct KernelMovement {
  KernelRef kernel;
  std::string label;
  Expr reads;
  Expr writes;
  Expr accesses;
  bool dynamic = false;                 ///< Some boundary memlet's volume is only an upper bound.
  std::vector<MemletMovement> memlets;  ///< In-edges then out-edges, each in edge id order.
};

struct StateMovement {
  StateId state;
  std::vector<KernelMovement> kernels;
  Expr reads;
  Expr writes;
  Expr accesses;
};

struct DataMovement {
  std::vector<StateMovement> states;  ///< In state id order.
  Expr reads;
  Expr writes;
  Expr accesses;
};

KernelMovement kernel_data_movement(const Program& program, const KernelRef& kernel);
DataMovement analyze_data_movement(const Program& program);

}  // namespace sluice::ir::analysis
