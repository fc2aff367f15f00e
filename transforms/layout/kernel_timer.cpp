#include "transforms/layout/kernel_timer.h"

#include <map>
#include <mutex>

#include "ir/diagnostic.h"

namespace sluice::transforms {

namespace {

std::mutex& timer_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::shared_ptr<KernelTimer>& installed() {
  static std::shared_ptr<KernelTimer> timer;
  return timer;
}

/// The generator's name for an analysis kernel: a copy's label is `A -> B`, its kernel
/// `copy A -> B`.
std::string generated_name(const ir::analysis::KernelMovement& kernel) {
  return kernel.kernel.kind == ir::analysis::KernelKind::Copy ? "copy " + kernel.label
                                                              : kernel.label;
}

}  // namespace

void set_kernel_timer(std::shared_ptr<KernelTimer> timer) {
  const std::lock_guard lock(timer_mutex());
  installed() = std::move(timer);
}

std::shared_ptr<KernelTimer> kernel_timer() {
  const std::lock_guard lock(timer_mutex());
  return installed();
}

std::vector<double> match_kernel_times(
    const std::vector<const ir::analysis::KernelMovement*>& kernels,
    const std::vector<KernelSeconds>& times) {
  std::map<std::string, std::vector<double>> by_name;
  for (const KernelSeconds& t : times) by_name[t.kernel].push_back(t.seconds);
  std::map<std::string, std::size_t> wanted;
  for (const auto* k : kernels) ++wanted[generated_name(*k)];
  for (const auto& [name, count] : wanted) {
    const auto it = by_name.find(name);
    const std::size_t have = it == by_name.end() ? 0 : it->second.size();
    if (have == 0)
      throw UserError("layout-select: kernel '" + name + "'",
                      "the timer measured no kernel of that name (was the program changed, or a "
                      "library node expanded, between analysis and timing?)");
    if (have != count)
      throw UserError("layout-select: kernel '" + name + "'",
                      "the program has " + std::to_string(count) +
                          " kernels of that name but the timer measured " + std::to_string(have) +
                          "; give the kernels distinct labels");
  }
  std::map<std::string, std::size_t> seen;
  std::vector<double> out;
  out.reserve(kernels.size());
  for (const auto* k : kernels) {
    const std::string name = generated_name(*k);
    out.push_back(by_name.at(name)[seen[name]++]);
  }
  return out;
}

}  // namespace sluice::transforms
