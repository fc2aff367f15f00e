#pragma once
// Shared by the codegen tests: generate + compile + load a program, typed host buffers, random
// inputs with a printed seed, and a relative comparison.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "codegen/compiler.h"
#include "codegen/cpu/cpu_generator.h"
#include "codegen/executable.h"
#include "ir/program.h"
#include "ir/verifier.h"

namespace sluice::codegen::testing {

/// The cache the tests share: sources are deterministic, so a second run compiles nothing.
inline std::filesystem::path test_cache_dir() {
  return std::filesystem::temp_directory_path() / "sluice-codegen-tests";
}

struct Built {
  GeneratedSource source;
  Executable executable;
};

/// Verifies, generates, compiles (shared test cache) and loads `program`.
inline Built build(const ir::Program& program, const CpuOptions& options = {}) {
  ir::verify_or_throw(program);
  GeneratedSource source = generate_cpu(program, options);
  CompilerOptions compiler_options;
  compiler_options.cache_dir = test_cache_dir().string();
  ExternalCompiler compiler(compiler_options);
  Executable executable = Executable::load(compiler.compile(source), source.symbols);
  return {std::move(source), std::move(executable)};
}

/// A fresh seed per test, printed so a failure can be replayed (SLUICE_SEED overrides it).
inline std::mt19937_64 seeded_rng() {
  std::uint64_t seed = std::random_device{}();
  if (const char* env = std::getenv("SLUICE_SEED")) seed = std::strtoull(env, nullptr, 10);
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::cout << "[ seed ] " << test->test_suite_name() << "." << test->name() << ": " << seed
            << " (SLUICE_SEED=" << seed << " replays it)\n";
  return std::mt19937_64(seed);
}

inline std::vector<float> random_floats(std::mt19937_64& rng, std::size_t n, double lo = -1.0,
                                        double hi = 1.0) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<float> out(n);
  for (float& x : out) x = static_cast<float>(dist(rng));
  return out;
}

inline std::vector<double> random_doubles(std::mt19937_64& rng, std::size_t n, double lo = -1.0,
                                          double hi = 1.0) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> out(n);
  for (double& x : out) x = dist(rng);
  return out;
}

/// |actual - expected| <= tolerance * max(1, |expected|), element by element.
template <typename T, typename U>
void expect_near(const std::vector<T>& actual, const std::vector<U>& expected,
                 double tolerance = 1e-5) {
  ASSERT_EQ(actual.size(), expected.size());
  int reported = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const auto a = static_cast<double>(actual[i]);
    const auto e = static_cast<double>(expected[i]);
    if (std::isnan(e) && std::isnan(a)) continue;
    if (!(std::fabs(a - e) <= tolerance * std::max(1.0, std::fabs(e)))) {
      ADD_FAILURE() << "element " << i << ": got " << a << ", expected " << e;
      if (++reported == 10) return;
    }
  }
}

}  // namespace sluice::codegen::testing
