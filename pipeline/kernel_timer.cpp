#include "pipeline/kernel_timer.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "codegen/compiler_route.h"
#include "codegen/cpu/cpu_generator.h"
#include "codegen/executable.h"
#include "ir/diagnostic.h"

namespace sluice::pipeline {

namespace {

/// Elements an argument's buffer needs under its strides: its last element's offset, plus one.
std::int64_t extent(const ir::Container& c, const ir::analysis::SymbolValues& symbols) {
  std::int64_t last = 0;
  for (std::size_t d = 0; d < c.rank(); ++d) {
    const std::int64_t size = c.shape[d].evaluate(symbols);
    if (size <= 0) return 0;
    last += (size - 1) * std::abs(c.strides[d].evaluate(symbols));
  }
  return last + 1;
}

/// One argument's memory, 8-byte aligned, filled from `rng` when it holds floats.
std::vector<std::uint64_t> random_buffer(const ir::Container& c,
                                         const ir::analysis::SymbolValues& symbols,
                                         std::mt19937_64& rng) {
  const std::int64_t n = extent(c, symbols);
  const auto bytes = static_cast<std::size_t>(n * ir::dtype_size(c.dtype));
  std::vector<std::uint64_t> buffer((bytes + 7) / 8 + 1, 0);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  if (c.dtype == ir::DType::f32) {
    auto* p = reinterpret_cast<float*>(buffer.data());
    for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(dist(rng));
  } else if (c.dtype == ir::DType::f64) {
    auto* p = reinterpret_cast<double*>(buffer.data());
    for (std::int64_t i = 0; i < n; ++i) p[i] = dist(rng);
  }
  return buffer;
}

class CpuKernelTimer final : public transforms::KernelTimer {
public:
  std::vector<transforms::KernelSeconds> time(const ir::Program& program,
                                              const ir::analysis::SymbolValues& symbols,
                                              int repeats) override {
    codegen::CpuOptions cpu;
    cpu.timers = true;
    const codegen::GeneratedSource source = codegen::generate_cpu(program, cpu);
    codegen::Executable executable = codegen::make_compiler()->compile_and_load(source);
    executable.init(symbols);
    std::mt19937_64 rng(0x5eed);
    std::vector<std::vector<std::uint64_t>> buffers;
    std::vector<void*> args;
    for (const std::string& name : source.arguments) {
      const auto id = program.find_container(name);
      SLUICE_CHECK(id.has_value(), "argument '" + name + "' is no container");
      buffers.push_back(random_buffer(program.containers[*id], symbols, rng));
    }
    args.reserve(buffers.size());
    for (auto& b : buffers) args.push_back(b.data());
    executable.run(args);  // warm-up: page faults, first-touch, OpenMP threads
    std::vector<double> previous = executable.kernel_times();
    std::vector<std::vector<double>> samples(previous.size());
    for (int r = 0; r < std::max(1, repeats); ++r) {
      executable.run(args);
      const std::vector<double> now = executable.kernel_times();
      for (std::size_t k = 0; k < now.size(); ++k) samples[k].push_back(now[k] - previous[k]);
      previous = now;
    }
    std::vector<transforms::KernelSeconds> out;
    for (std::size_t k = 0; k < samples.size() && k < source.kernels.size(); ++k) {
      auto& s = samples[k];
      std::nth_element(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(s.size() / 2), s.end());
      out.push_back({source.kernels[k], s[s.size() / 2]});
    }
    return out;
  }
};

}  // namespace

std::shared_ptr<transforms::KernelTimer> make_cpu_kernel_timer() {
  return std::make_shared<CpuKernelTimer>();
}

void install_kernel_timer() {
  if (!transforms::kernel_timer()) transforms::set_kernel_timer(make_cpu_kernel_timer());
}

}  // namespace sluice::pipeline
