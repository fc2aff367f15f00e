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
#include "codegen/compiler_route.h"
#include "codegen/cpu/cpu_generator.h"
#include "codegen/executable.h"
#include "ir/program.h"
#include "ir/verifier.h"

namespace sluice::codegen::testing {

/// The cache the tests share: sources are deterministic, so a second run compiles nothing.
inline std::filesystem::path test_cache_dir() {
  return std::filesystem::temp_directory_path() / "sluice-codegen-tests";
}

/// A cache folder of one test alone, removed afterwards.
class FreshCache {
public:
  FreshCache() {
    path_ = std::filesystem::temp_directory_path() /
            ("sluice-cache-test-" + std::to_string(std::random_device{}()));
    std::filesystem::remove_all(path_);
  }
  ~FreshCache() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  FreshCache(const FreshCache&) = delete;
  FreshCache& operator=(const FreshCache&) = delete;
  [[nodiscard]] CompilerOptions options() const {
    CompilerOptions o;
    o.cache_dir = path_.string();
    return o;
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

struct Built {
  GeneratedSource source;
  Executable executable;
};

/// Verifies, generates, compiles (shared test cache) and loads `program`, through the default
/// compiler route (SLUICE_COMPILER=external runs the tests under g++).
inline Built build(const ir::Program& program, const CpuOptions& options = {}) {
  ir::verify_or_throw(program);
  GeneratedSource source = generate_cpu(program, options);
  CompilerOptions compiler_options;
  compiler_options.cache_dir = test_cache_dir().string();
  Executable executable = make_compiler(compiler_options)->compile_and_load(source);
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
