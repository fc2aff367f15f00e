// layout-select{measure=true} with the real CPU kernel timer: on a chain whose two maps walk a
// transient down its columns, the measured choice is the layout that runs faster, and the
// program computes the same before and after.

#include <gtest/gtest.h>

#include "../codegen/codegen_test_support.h"
#include "ir/diagnostic.h"
#include "ir/text_format.h"
#include "pipeline/kernel_timer.h"
#include "transforms/pipeline.h"
#include "transforms/registry.h"

namespace sluice::pipeline {
namespace {

// produce: T[i, j] = 3 X[j, i] + 1, consume: Y[j, i] = T[i, j]^2, both with i innermost: a
// row-major T is written and read with a stride of N floats, a column-major one contiguously.
constexpr std::string_view kTransposeChain = R"(program chain {
  symbol N: i64
  array X: f32[N, N]
  array T: f32[N, N] transient
  array Y: f32[N, N]
  state 0 "main" start {
    node 0 = access X
    node 1 = map "produce" [j = 0:N, i = 0:N] (X) -> (T) schedule=cpu_parallel {
      node 0 = tasklet "produce" (x) -> (t) { t = x * 3.0 + 1.0; }
      node 1 = access X
      node 2 = access T
      edge 0: node 1 -> node 0.x X[j, i]
      edge 1: node 0.t -> node 2 T[i, j]
    }
    node 2 = access T
    node 3 = map "consume" [j = 0:N, i = 0:N] (T) -> (Y) schedule=cpu_parallel {
      node 0 = tasklet "consume" (t) -> (y) { y = t * t; }
      node 1 = access T
      node 2 = access Y
      edge 0: node 1 -> node 0.t T[i, j]
      edge 1: node 0.y -> node 2 Y[j, i]
    }
    node 4 = access Y
    edge 0: node 0 -> node 1.X X[0:N, 0:N]
    edge 1: node 1.T -> node 2 T[0:N, 0:N]
    edge 2: node 2 -> node 3.T T[0:N, 0:N]
    edge 3: node 3.Y -> node 4 Y[0:N, 0:N]
  }
}
)";

constexpr std::int64_t kN = 1024;

/// Y for input `x`, compiled and run.
std::vector<float> run_chain(const ir::Program& program, std::vector<float> x) {
  codegen::testing::Built built = codegen::testing::build(program);
  built.executable.init({{"N", kN}});
  std::vector<float> y(static_cast<std::size_t>(kN * kN));
  std::vector<void*> args;
  for (const std::string& name : built.source.arguments)
    args.push_back(name == "X" ? x.data() : y.data());
  built.executable.run(args);
  return y;
}

/// The seconds of produce + consume with T in `strides`, by the timer.
double chain_seconds(transforms::KernelTimer& timer, ir::Program program,
                     std::vector<ir::Expr> strides) {
  program.containers[*program.find_container("T")].strides = std::move(strides);
  double total = 0.0;
  for (const auto& k : timer.time(program, {{"N", kN}}, 5)) total += k.seconds;
  return total;
}

TEST(LayoutSelectMeasured, ChoosesTheLayoutThatRunsFasterAndComputesTheSame) {
  const auto timer = make_cpu_kernel_timer();
  transforms::set_kernel_timer(timer);
  const ir::Program before = ir::parse_text(kTransposeChain);
  ir::Program after = before;
  transforms::run_pipeline(
      after,
      transforms::parse_pipeline(R"(layout-select{measure=true,symbols="N=1024",repeats=3})",
                                 transforms::Registry::global()),
      transforms::Registry::global());
  transforms::set_kernel_timer(nullptr);

  const auto& chosen = after.containers[*after.find_container("T")].strides;
  const std::vector<ir::Expr> row_major{ir::Expr::symbol("N"), ir::Expr(1)};
  const std::vector<ir::Expr> column_major{ir::Expr(1), ir::Expr::symbol("N")};
  ASSERT_TRUE(chosen == column_major) << ir::print_text(after);
  // Timed again, apart from the choice: the chosen layout is the faster one.
  const double row_seconds = chain_seconds(*timer, before, row_major);
  const double column_seconds = chain_seconds(*timer, before, column_major);
  std::cout << "produce + consume, N=" << kN << ": row-major T " << row_seconds * 1e3
            << " ms, column-major T " << column_seconds * 1e3 << " ms\n";
  EXPECT_LT(column_seconds, row_seconds);

  auto rng = codegen::testing::seeded_rng();
  const auto x = codegen::testing::random_floats(rng, static_cast<std::size_t>(kN * kN));
  codegen::testing::expect_near(run_chain(after, x), run_chain(before, x), 1e-6);
}

TEST(LayoutSelectMeasured, TheInstalledTimerReportsEveryKernelByName) {
  const auto timer = make_cpu_kernel_timer();
  const auto times = timer->time(ir::parse_text(kTransposeChain), {{"N", 64}}, 3);
  ASSERT_EQ(times.size(), 2U);
  EXPECT_EQ(times[0].kernel, "produce");
  EXPECT_EQ(times[1].kernel, "consume");
  for (const auto& k : times) EXPECT_GE(k.seconds, 0.0);
}

TEST(LayoutSelectMeasured, InstallingKeepsATimerAlreadyThere) {
  const auto mine = make_cpu_kernel_timer();
  transforms::set_kernel_timer(mine);
  install_kernel_timer();
  EXPECT_EQ(transforms::kernel_timer(), mine);
  transforms::set_kernel_timer(nullptr);
  install_kernel_timer();
  EXPECT_NE(transforms::kernel_timer(), nullptr);
  transforms::set_kernel_timer(nullptr);
}

}  // namespace
}  // namespace sluice::pipeline
