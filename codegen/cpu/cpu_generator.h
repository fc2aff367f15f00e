#pragma once
/// C++/OpenMP code generation for the CPU: an expanded program (maps, tasklets, and library
/// nodes with a library-backed implementation) becomes one C++ translation unit that exports the
/// C ABI of docs/cpu-path.md section 3.
///
/// What becomes what: each state is a block in a state machine that follows the interstate
/// edges; in a state, the top-level nodes run in topological order and each Map, Tasklet,
/// library call or Access→Access copy is one kernel (timed when `timers` is on). A Map is a loop
/// nest; the outermost loops run in parallel (`#pragma omp parallel for collapse(k)`) over the
/// leading parameters that every write-conflict memlet in the body depends on (so concurrent
/// iterations never update one element), else sequentially. Tasklets become C++ blocks (see
/// cpp_tasklet.h); memlets become index arithmetic over the containers' strides and offsets
/// (Views address their source's memory). Transients are allocated once, in `sluice_init`
/// (in one arena where their lifetimes allow: transient_arena.h),
/// except small ones of constant size that are scalars or in Register/HostStack storage: those
/// are locals of the outermost scope that touches them (a map body: one per iteration).
///
/// Schedules: CpuParallel parallelizes the outermost map of a kernel, and only over leading
/// parameters that keep every write-conflict update in the body on distinct elements (each such
/// parameter is the exact index, plus a symbol-only term, of its own dimension of every
/// write-conflict subset); a conflict across those parameters makes the rest sequential (no
/// atomics: results stay deterministic). One exception: when the first parameter conflicts only
/// through Sum memlets into small targets of constant size (a bias or scale gradient), every
/// thread sums into a private copy on its stack, and the copies are added into the target in
/// thread order (deterministic for a given thread count). Vectorized puts `#pragma omp simd` on
/// the map's innermost loop under the same rule. Sequential and Default maps are plain loops.

#include <string>
#include <vector>

#include "ir/program.h"

namespace sluice::codegen {

struct CpuOptions {
  bool timers = true;  ///< accumulate per-kernel seconds
  bool openmp = true;  ///< emit OpenMP pragmas
  /// Transients live at different kernels share one arena (codegen/cpu/transient_arena.h);
  /// off: one buffer each.
  bool share_transient_memory = true;
};

/// The generated translation unit and what its ABI expects.
struct GeneratedSource {
  std::string code;
  std::vector<std::string> symbols;    ///< `sluice_init`'s symbol values, in this order
  std::vector<std::string> arguments;  ///< `sluice_run`'s data pointers: non-transient arrays
  std::vector<std::string> kernels;    ///< kernel names, in timer order
  std::string hash;                    ///< hex content hash of `code` (stable across runs)
  bool uses_blas = false;              ///< link OpenBLAS
};

/// Generates the C++ for a program. Throws UserError for what the CPU generator cannot emit
/// (a library node without a library-backed implementation, a nested program), naming it.
GeneratedSource generate_cpu(const ir::Program& program, const CpuOptions& options = {});

}  // namespace sluice::codegen
