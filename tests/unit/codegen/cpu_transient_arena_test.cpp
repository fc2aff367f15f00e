// The transient arena (codegen/cpu/transient_arena.h): transients live at different kernels
// share memory, the results stay those of one buffer each, and what a loop or a Persistent
// lifetime keeps alive keeps its own buffer.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "codegen_test_support.h"
#include "ir/builder.h"

namespace sluice::codegen {
namespace {

using ir::DType;
using ir::Expr;
using ir::ProgramBuilder;
using testing::build;
using testing::expect_near;

// X -> T1 -> T2 -> T3 -> Y, one map each: T1 and T3 are never live at once, T2 overlaps both.
ir::Program chain() {
  ProgramBuilder b("chain");
  const Expr n = b.symbol("N");
  b.array("X", DType::f32, {n});
  b.transient("T1", DType::f32, {n});
  b.transient("T2", DType::f32, {n});
  b.transient("T3", DType::f32, {n});
  b.array("Y", DType::f32, {n});
  auto g = b.state("main");
  auto a = g.mapped_tasklet("a", "i=0:N", {{"x", "X", "i"}}, "y = x + 1.0;", {{"y", "T1", "i"}});
  auto c = g.mapped_tasklet("b", "i=0:N", {{"x", "T1", "i", {}, a.outer_outputs["T1"]}},
                            "y = x * 2.0;", {{"y", "T2", "i"}});
  auto d = g.mapped_tasklet("c", "i=0:N", {{"x", "T2", "i", {}, c.outer_outputs["T2"]}},
                            "y = x - 3.0;", {{"y", "T3", "i"}});
  g.mapped_tasklet("d", "i=0:N", {{"x", "T3", "i", {}, d.outer_outputs["T3"]}}, "y = x * x;",
                   {{"y", "Y", "i"}});
  return b.build();
}

TEST(CpuTransientArena, TablesSayWhenEachTransientLives) {
  const GeneratedSource source = generate_cpu(chain(), CpuOptions{.timers = false});
  EXPECT_NE(source.code.find("static const int sl_arena_member[] = {0, 1, 2, };"),
            std::string::npos)
      << source.code;
  EXPECT_NE(source.code.find("static const int64_t sl_arena_first[] = {0, 1, 2, };"),
            std::string::npos);
  EXPECT_NE(source.code.find("static const int64_t sl_arena_last[] = {1, 2, 3, };"),
            std::string::npos);
  const GeneratedSource separate =
      generate_cpu(chain(), CpuOptions{.timers = false, .share_transient_memory = false});
  EXPECT_EQ(separate.code.find("sl_plan_arena"), std::string::npos);
}

TEST(CpuTransientArena, SharedMemoryGivesTheSameResultsInLessMemory) {
  auto rng = testing::seeded_rng();
  auto shared = build(chain());
  auto separate = build(chain(), CpuOptions{.share_transient_memory = false});
  for (const std::int64_t n : {1, 16, 1000}) {
    const auto x = testing::random_floats(rng, static_cast<std::size_t>(n));
    std::vector<float> expected(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      const float t = ((x[i] + 1.0f) * 2.0f) - 3.0f;
      expected[i] = t * t;
    }
    std::vector<float> y_shared(x.size());
    std::vector<float> y_separate(x.size());
    shared.executable.init({{"N", n}});
    separate.executable.init({{"N", n}});
    for (int run = 0; run < 2; ++run) {  // a second run sees the first one's leftovers
      shared.executable.run({const_cast<float*>(x.data()), y_shared.data()});
      separate.executable.run({const_cast<float*>(x.data()), y_separate.data()});
      expect_near(y_shared, expected, 1e-6);
      expect_near(y_separate, expected, 1e-6);
    }
    // Each transient takes whole 64-byte lines: T1 and T3 share one place, T2 has its own.
    const std::size_t one = (static_cast<std::size_t>(n) * 4 + 63) / 64 * 64;
    EXPECT_EQ(shared.executable.transient_bytes(), 2 * one) << "N=" << n;
    EXPECT_EQ(separate.executable.transient_bytes(), 3 * one) << "N=" << n;
  }
}

// In a loop of states, the kernel order says nothing about lifetimes across iterations: T
// carries the running value from one iteration to the next, so it keeps a buffer of its own.
// A chain of transients of 1, 2, 2, 2 and 3 units, each live from its writer to the next map:
// at most 5 units are live at once. Largest first places them in 6 units; earliest first in 5,
// and the planner keeps the smaller arena.
TEST(CpuTransientArena, ThePlannerKeepsTheSmallestOfItsOrders) {
  constexpr std::int64_t kUnit = 1024;  // floats: 4 KiB, so alignment adds nothing
  const std::vector<std::int64_t> units{1, 2, 2, 2, 3};
  ProgramBuilder b("sizes");
  b.array("X", DType::f32, {kUnit});
  for (std::size_t k = 0; k < units.size(); ++k)
    b.transient("T" + std::to_string(k), DType::f32, {units[k] * kUnit});
  b.array("Y", DType::f32, {kUnit});
  auto g = b.state("main");
  auto step = g.mapped_tasklet("w0", "i=0:" + std::to_string(kUnit), {{"x", "X", "i"}},
                               "y = x + 1.0;", {{"y", "T0", "i"}});
  for (std::size_t k = 1; k <= units.size(); ++k) {
    const std::string previous = "T" + std::to_string(k - 1);
    const bool last = k == units.size();
    const std::string next = last ? "Y" : "T" + std::to_string(k);
    const std::int64_t size = last ? kUnit : units[k] * kUnit;
    step = g.mapped_tasklet("w" + std::to_string(k), "i=0:" + std::to_string(size),
                            {{"x", previous, "0", {}, step.outer_outputs[previous]}},
                            "y = x * 2.0 + 1.0;", {{"y", next, "i"}});
  }
  auto built = build(b.build());
  std::vector<float> x(kUnit, 0.5F);
  std::vector<float> y(kUnit, 0.0F);
  built.executable.init({});
  built.executable.run({x.data(), y.data()});
  EXPECT_EQ(built.executable.transient_bytes(), 5 * kUnit * sizeof(float));
  // 0.5 + 1, then five times y = 2x + 1.
  float expected = 1.5F;
  for (std::size_t k = 0; k < units.size(); ++k) expected = expected * 2.0F + 1.0F;
  expect_near(y, std::vector<float>(kUnit, expected));
}

TEST(CpuTransientArena, TransientsInALoopKeepTheirOwnBuffer) {
  ProgramBuilder b("loop");
  b.symbol("t");
  b.symbol("N");
  b.array("X", DType::f64, {1});
  b.transient("T", DType::f64, {1});
  b.transient("U", DType::f64, {1});
  b.array("Y", DType::f64, {1});
  b.state("start").mapped_tasklet("init", "u=0:1", {{"x", "X", "0"}}, "a = x;", {{"a", "T", "u"}});
  auto body = b.state("body");
  auto twice =
      body.mapped_tasklet("twice", "u=0:1", {{"x", "T", "0"}}, "a = 2.0 * x;", {{"a", "U", "u"}});
  body.mapped_tasklet("back", "u=0:1", {{"x", "U", "0", {}, twice.outer_outputs["U"]}}, "a = x;",
                      {{"a", "T", "u"}});
  b.state("done").mapped_tasklet("out", "u=0:1", {{"x", "T", "0"}}, "a = x;", {{"a", "Y", "u"}});
  b.transition("start", "body", "", {{"t", "0"}});
  b.transition("body", "body", "t + 1 < N", {{"t", "t + 1"}});
  b.transition("body", "done");
  auto built = build(b.build());
  EXPECT_EQ(built.source.code.find("sl_plan_arena"), std::string::npos) << built.source.code;
  std::vector<double> x{1.5};
  std::vector<double> y{0.0};
  built.executable.init({{"N", 5}, {"t", 0}});
  built.executable.run({x.data(), y.data()});
  expect_near(y, std::vector<double>{1.5 * 32}, 1e-12);
}

}  // namespace
}  // namespace sluice::codegen
