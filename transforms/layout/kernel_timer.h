#pragma once
/// How `layout-select{measure=true}` measures instead of estimating: a `KernelTimer` compiles and
/// runs a program and says how long each of its kernels took. Compiling is codegen/'s and
/// pipeline/'s work, which sit above transforms/, so the host installs a timer at start-up (the
/// `sluice` CLI and the Python module do):
///
///   transforms::set_kernel_timer(pipeline::make_cpu_kernel_timer());
///
/// Kernels are named as the CPU generator names them: a map's, tasklet's or library node's
/// label, or `copy A -> B` for a copy from container A to B; `match_kernel_times` pairs those
/// names with the kernels of the data-movement analysis.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/analysis/data_movement.h"
#include "ir/program.h"

namespace sluice::transforms {

/// One kernel's time, by the generator's name for it.
struct KernelSeconds {
  std::string kernel;
  double seconds = 0.0;
};

class KernelTimer {
public:
  KernelTimer() = default;
  KernelTimer(const KernelTimer&) = delete;
  KernelTimer& operator=(const KernelTimer&) = delete;
  virtual ~KernelTimer() = default;

  /// The seconds of one run of each kernel of `program` (expanded but for library calls) with
  /// these symbol values, on random inputs: the median of `repeats` runs after a warm-up, in the
  /// order the kernels run. Throws UserError when the program cannot be compiled or run.
  [[nodiscard]] virtual std::vector<KernelSeconds> time(const ir::Program& program,
                                                        const ir::analysis::SymbolValues& symbols,
                                                        int repeats) = 0;
};

/// Installs the process's timer (nullptr: none). Thread-safe.
void set_kernel_timer(std::shared_ptr<KernelTimer> timer);
/// The installed timer, or nullptr.
std::shared_ptr<KernelTimer> kernel_timer();

/// The seconds of each kernel in `kernels` (the analysis's, in its order) taken from `times`:
/// kernels are paired by name, the n-th kernel of a name with the n-th time of that name (both
/// list a state's kernels in topological order). Times of kernels the analysis does not list
/// (a copy into a View) are ignored. A kernel without a time, or a name that occurs a different
/// number of times on the two sides, is a UserError naming it.
std::vector<double> match_kernel_times(
    const std::vector<const ir::analysis::KernelMovement*>& kernels,
    const std::vector<KernelSeconds>& times);

}  // namespace sluice::transforms
