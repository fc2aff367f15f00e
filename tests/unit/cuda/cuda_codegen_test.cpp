// The CUDA path without and with a GPU: every program of cuda_programs.h is generated, its
// kernels compiled by NVRTC for sm_90 (no GPU needed) and its host code by g++; on a machine
// with a CUDA device, each also runs and must match the CPU path on the same random inputs.

#include <dlfcn.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <random>

#include <gtest/gtest.h>

#include "codegen/compiler.h"
#include "codegen/cpu/cpu_generator.h"
#include "codegen/cuda/cuda_generator.h"
#include "codegen/cuda/nvrtc_compiler.h"
#include "cuda_programs.h"
#include "ir/diagnostic.h"
#include "ir/text_format.h"

namespace sluice::codegen {
namespace {

/// CUDA devices the driver sees, through libcuda.so.1 opened at run time (0 without a driver),
/// and why there are none.
int cuda_device_count(std::string& why) {
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    why = "libcuda.so.1 cannot be opened (no NVIDIA driver)";
    return 0;
  }
  using Init = int (*)(unsigned);
  using Count = int (*)(int*);
  auto init = reinterpret_cast<Init>(dlsym(lib, "cuInit"));
  auto count = reinterpret_cast<Count>(dlsym(lib, "cuDeviceGetCount"));
  int n = 0;
  if (!init || !count || init(0) != 0 || count(&n) != 0) {
    why = "cuInit/cuDeviceGetCount failed";
    return 0;
  }
  if (n == 0) why = "the driver reports 0 devices";
  return n;
}

std::string temp_cache() {
  const char* dir = std::getenv("SLUICE_CACHE_DIR");
  return dir ? dir : (std::filesystem::temp_directory_path() / "sluice_cuda_test_cache").string();
}

TEST(CudaCodegen, GeneratesAndCompilesForSm90) {
  for (const auto& c : test::cuda_cases()) {
    SCOPED_TRACE(c.name);
    const ir::Program program = ir::parse_text(c.text, c.name);
    const CudaSource source = generate_cuda(program);
    EXPECT_FALSE(source.kernel_names.empty());
    NvrtcOptions nv;
    nv.cache_dir = temp_cache();
    CudaBinary binary;
    try {
      binary = compile_with_nvrtc(source.kernel_code, nv);
    } catch (const UserError& e) {
      FAIL() << e.what() << "\n" << source.kernel_code;
    }
    EXPECT_GT(binary.cubin.size(), 100u);
    if (!binary.cached) {
      for (const std::string& k : source.kernel_names)
        EXPECT_NE(binary.ptx.find(".entry " + k), std::string::npos) << binary.ptx;
    }
    // Compiled again: the cache answers.
    EXPECT_TRUE(compile_with_nvrtc(source.kernel_code, nv).cached);
    CompilerOptions options;
    options.cache_dir = temp_cache();
    ExternalCompiler host(options);
    EXPECT_TRUE(std::filesystem::exists(host.compile(cuda_host_source(source, binary.cubin))));
  }
}

TEST(CudaCodegen, RefusesACpuMap) {
  std::string text = test::cuda_cases().front().text;
  text.replace(text.find("schedule=gpu_grid"), 17, "schedule=cpu_parallel");
  try {
    generate_cuda(ir::parse_text(text));
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("not GPU-scheduled (apply gpu-map first)"),
              std::string::npos)
        << e.what();
  }
}

TEST(CudaCodegen, NvrtcErrorsCarryTheLog) {
  NvrtcOptions nv;
  nv.cache_dir = temp_cache();
  try {
    (void)compile_with_nvrtc("extern \"C\" __global__ void k() { undeclared_name = 1; }\n", nv);
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("NVRTC could not compile the kernels"), std::string::npos) << what;
    EXPECT_NE(what.find("undeclared_name"), std::string::npos) << what;
  }
}

TEST(CudaCodegen, RunsOnTheGpuLikeTheCpu) {
  std::string why;
  if (cuda_device_count(why) == 0) GTEST_SKIP() << "no CUDA device: " << why;
  const unsigned seed = std::getenv("SLUICE_TEST_SEED")
                            ? static_cast<unsigned>(std::atoi(std::getenv("SLUICE_TEST_SEED")))
                            : std::random_device{}();
  std::cout << "SLUICE_TEST_SEED=" << seed << "\n";
  CompilerOptions options;
  options.cache_dir = temp_cache();
  ExternalCompiler compiler(options);
  NvrtcOptions nv;
  nv.cache_dir = temp_cache();
  for (const auto& c : test::cuda_cases()) {
    SCOPED_TRACE(c.name);
    const ir::Program program = ir::parse_text(c.text, c.name);
    std::map<std::string, std::int64_t> symbols;
    for (const auto& [k, v] : c.symbols) symbols[k] = v;
    const CudaSource source = generate_cuda(program);
    const CudaBinary binary = compile_with_nvrtc(source.kernel_code, nv);
    Executable gpu = compiler.compile_and_load(cuda_host_source(source, binary.cubin));
    CpuOptions cpu_options;
    cpu_options.timers = false;
    Executable cpu = compiler.compile_and_load(generate_cpu(program, cpu_options));
    gpu.init(symbols);
    cpu.init(symbols);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
    std::vector<std::vector<float>> on_gpu;
    std::vector<std::vector<float>> on_cpu;
    for (const ir::ContainerId id : program.arguments()) {
      std::int64_t n = 1;
      for (const ir::Expr& d : program.containers[id].shape) n *= d.evaluate(symbols);
      std::vector<float> values(static_cast<std::size_t>(n));
      for (float& v : values) v = dist(rng);
      if (program.containers[id].name == "S" || program.containers[id].name == "C")
        std::fill(values.begin(), values.end(), 0.0f);  // accumulators start at zero
      on_gpu.push_back(values);
      on_cpu.push_back(values);
    }
    std::vector<void*> gpu_args;
    std::vector<void*> cpu_args;
    for (auto& v : on_gpu) gpu_args.push_back(v.data());
    for (auto& v : on_cpu) cpu_args.push_back(v.data());
    gpu.run(gpu_args);
    cpu.run(cpu_args);
    double worst = 0;
    for (std::size_t a = 0; a < on_gpu.size(); ++a)
      for (std::size_t i = 0; i < on_gpu[a].size(); ++i) {
        const double g = on_gpu[a][i];
        const double r = on_cpu[a][i];
        const double err = std::fabs(g - r) / std::max(1.0, std::fabs(r));
        worst = std::max(worst, err);
        ASSERT_LE(err, 1e-4) << "argument " << a << " element " << i << ": gpu " << g << " cpu "
                             << r;
      }
    std::cout << c.name << ": max relative difference GPU vs CPU " << worst << ", kernels";
    for (std::size_t k = 0; k < gpu.kernel_times().size(); ++k)
      std::cout << " " << source.kernels[k] << "=" << gpu.kernel_times()[k] * 1e6 << "us";
    std::cout << "\n";
  }
}

}  // namespace
}  // namespace sluice::codegen
