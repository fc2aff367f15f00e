// layout-select{measure=true} with a fake kernel timer: the measured choice follows the timer
// even where it contradicts the cost model, measurements are cached by program text, kernels
// pair with timings by name, and a missing timer or an unbound symbol is a clear error that
// changes nothing. (The real timer: tests/unit/pipeline/layout_select_measured_test.cpp.)

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "ir/text_format.h"
#include "transforms/layout/kernel_timer.h"
#include "transforms/pipeline.h"
#include "transforms/registry.h"

namespace sluice::transforms {
namespace {

// Both maps walk T down its columns (i innermost): the cost model makes T column-major.
constexpr std::string_view kColumnWalk = R"(program lay {
  symbol N: i64
  array X: f32[N, 3]
  array T: f32[N, 3] transient
  array Y: f32[3, N]
  state 0 "main" start {
    node 0 = access X
    node 1 = map "scale" [j = 0:3, i = 0:N] (X) -> (T) schedule=cpu_parallel {
      node 0 = tasklet "scale" (x) -> (t) { t = x * 3.0; }
      node 1 = access X
      node 2 = access T
      edge 0: node 1 -> node 0.x X[i, j]
      edge 1: node 0.t -> node 2 T[i, j]
    }
    node 2 = access T
    node 3 = map "transpose" [j = 0:3, i = 0:N] (T) -> (Y) schedule=cpu_parallel {
      node 0 = tasklet "copy" (t) -> (y) { y = t; }
      node 1 = access T
      node 2 = access Y
      edge 0: node 1 -> node 0.t T[i, j]
      edge 1: node 0.y -> node 2 Y[j, i]
    }
    node 4 = access Y
    edge 0: node 0 -> node 1.X X[0:N, 0:3]
    edge 1: node 1.T -> node 2 T[0:N, 0:3]
    edge 2: node 2 -> node 3.T T[0:N, 0:3]
    edge 3: node 3.Y -> node 4 Y[0:3, 0:N]
  }
}
)";

/// Reports each kernel's time from T's layout: `row` seconds per kernel when T is row-major,
/// `column` when it is column-major; counts its calls.
class FakeTimer final : public KernelTimer {
public:
  FakeTimer(double row, double column) : row_(row), column_(column) {}
  std::vector<KernelSeconds> time(const ir::Program& program,
                                  const ir::analysis::SymbolValues& symbols, int) override {
    ++calls;
    last_symbols = symbols;
    const ir::Container& t = program.containers[*program.find_container("T")];
    const bool row = t.strides.back() == ir::Expr(1);
    if (!row && refuse_column)
      throw UserError("library node 'mm'", "operand 'T' has unit stride in neither dimension");
    double s = row ? row_ : column_;
    // A moment of load: column-major looks fast the first time only.
    if (!row && column_fast_once > 0 && column_calls++ == 0) s = column_fast_once;
    return {{"scale", s}, {"transpose", s}, {"not in the analysis", 100.0}};
  }
  int calls = 0;
  bool refuse_column = false;
  double column_fast_once = 0.0;
  int column_calls = 0;
  ir::analysis::SymbolValues last_symbols;

private:
  double row_;
  double column_;
};

class LayoutSelectMeasured : public ::testing::Test {
protected:
  void TearDown() override { set_kernel_timer(nullptr); }

  static ir::Program run(std::string_view pipeline) {
    ir::Program p = ir::parse_text(kColumnWalk);
    run_pipeline(p, parse_pipeline(pipeline, Registry::global()), Registry::global());
    return p;
  }
  static std::string strides_of_t(const ir::Program& p) {
    std::string s;
    for (const auto& e : p.containers[*p.find_container("T")].strides) s += e.str() + " ";
    return s;
  }
};

TEST_F(LayoutSelectMeasured, TheModelAloneMakesTColumnMajor) {
  EXPECT_EQ(strides_of_t(run("layout-select")), "1 N ");
}

TEST_F(LayoutSelectMeasured, TheTimerOverrulesTheModelWhenRowMajorRunsFaster) {
  auto timer = std::make_shared<FakeTimer>(/*row=*/1.0, /*column=*/2.0);
  set_kernel_timer(timer);
  EXPECT_EQ(strides_of_t(run(R"(layout-select{measure=true,symbols="N=40"})")), "3 1 ");
  EXPECT_EQ(timer->last_symbols, (ir::analysis::SymbolValues{{"N", 40}}));

  const ir::Program p = ir::parse_text(kColumnWalk);
  const auto& t = Registry::global().get("layout-select");
  const MatchResult found =
      t.match(p, complete_params(t, {{"measure", true}, {"symbols", std::string("N=40")}}));
  ASSERT_TRUE(found.matches.empty());
  ASSERT_EQ(found.rejected.size(), 1U);
  EXPECT_EQ(found.rejected[0].reason,
            "every transient array already has its fastest measured layout");
}

TEST_F(LayoutSelectMeasured, TheTimerChoosesColumnMajorWhenItRunsFaster) {
  set_kernel_timer(std::make_shared<FakeTimer>(/*row=*/2.0, /*column=*/1.0));
  EXPECT_EQ(strides_of_t(run(R"(layout-select{measure=true,symbols="N=40"})")), "1 N ");
}

TEST_F(LayoutSelectMeasured, AGainWithinTimingNoiseKeepsTheLayout) {
  set_kernel_timer(std::make_shared<FakeTimer>(/*row=*/1.0, /*column=*/0.99));
  EXPECT_EQ(strides_of_t(run(R"(layout-select{measure=true,symbols="N=40"})")), "3 1 ");
  EXPECT_EQ(strides_of_t(run(R"(layout-select{measure=true,symbols="N=40",min_gain=0})")), "1 N ");
}

TEST_F(LayoutSelectMeasured, AWinThatDoesNotRepeatIsTakenForNoise) {
  // Column-major is timed at 0.5 s once, then at 1.5 s: slower than row-major's 1.0 s.
  auto timer = std::make_shared<FakeTimer>(/*row=*/1.0, /*column=*/1.5);
  timer->column_fast_once = 0.5;
  set_kernel_timer(timer);
  EXPECT_EQ(strides_of_t(run(R"(layout-select{measure=true,symbols="N=40"})")), "3 1 ");
  EXPECT_EQ(timer->calls, 8);
}

TEST_F(LayoutSelectMeasured, AConfigurationTheTimerRefusesIsSkipped) {
  auto timer = std::make_shared<FakeTimer>(/*row=*/2.0, /*column=*/1.0);
  timer->refuse_column = true;
  set_kernel_timer(timer);
  EXPECT_EQ(strides_of_t(run(R"(layout-select{measure=true,symbols="N=40"})")), "3 1 ");
  EXPECT_EQ(timer->calls, 2);
}

TEST_F(LayoutSelectMeasured, OrdersThatOnlyMoveADimensionOfSizeOneAreNotTimed) {
  // T: f32[N, 1]: both orders place every element alike, so only the start is timed.
  std::string text(kColumnWalk);
  for (const std::string from : {"f32[N, 3]", "j = 0:3", "0:N, 0:3]", "f32[3, N]", "Y[0:3,"}) {
    std::string to = from;
    to.replace(to.rfind('3'), 1, "1");
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at))
      text.replace(at, from.size(), to);
  }
  auto timer = std::make_shared<FakeTimer>(/*row=*/2.0, /*column=*/1.0);
  set_kernel_timer(timer);
  ir::Program p = ir::parse_text(text);
  ASSERT_EQ(p.containers[*p.find_container("T")].shape[1], ir::Expr(1));
  const auto& t = Registry::global().get("layout-select");
  const MatchResult found =
      t.match(p, complete_params(t, {{"measure", true}, {"symbols", std::string("N=40")}}));
  EXPECT_TRUE(found.matches.empty());
  EXPECT_EQ(timer->calls, 1);
}

TEST_F(LayoutSelectMeasured, EachConfigurationIsMeasuredOnce) {
  auto timer = std::make_shared<FakeTimer>(/*row=*/2.0, /*column=*/1.0);
  set_kernel_timer(timer);
  // match, then apply (which chooses again), then a second pipeline: two layouts timed once
  // each, and the win confirmed once (three more runs of each, alternating).
  (void)run(R"(layout-select{measure=true,symbols="N=40"})");
  (void)run(R"(layout-select{measure=true,symbols="N=40"})");
  EXPECT_EQ(timer->calls, 8);
  // Other sizes are other measurements.
  (void)run(R"(layout-select{measure=true,symbols="N=64"})");
  EXPECT_EQ(timer->calls, 16);
}

TEST_F(LayoutSelectMeasured, WithoutATimerMeasuringIsAnErrorAndChangesNothing) {
  set_kernel_timer(nullptr);
  ir::Program p = ir::parse_text(kColumnWalk);
  const std::string before = ir::print_text(p);
  try {
    run_pipeline(
        p, parse_pipeline(R"(layout-select{measure=true,symbols="N=40"})", Registry::global()),
        Registry::global());
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("measure=true needs a kernel timer and none is installed"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(ir::print_text(p), before);
}

TEST_F(LayoutSelectMeasured, UnboundSymbolsAndBadBindingsAreNamed) {
  set_kernel_timer(std::make_shared<FakeTimer>(1.0, 2.0));
  try {
    (void)run("layout-select{measure=true}");
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("unbound: N"), std::string::npos) << e.what();
  }
  try {
    (void)run(R"(layout-select{measure=true,symbols="N=forty"})");
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'N=forty' is not NAME=INTEGER"), std::string::npos)
        << e.what();
  }
}

TEST_F(LayoutSelectMeasured, KernelsPairWithTimesByNameAndOccurrence) {
  const ir::Program p = ir::parse_text(kColumnWalk);
  const auto movement = ir::analysis::analyze_data_movement(p);
  std::vector<const ir::analysis::KernelMovement*> kernels;
  for (const auto& k : movement.states[0].kernels) kernels.push_back(&k);
  ASSERT_EQ(kernels.size(), 2U);
  EXPECT_EQ(match_kernel_times(kernels, {{"transpose", 2.0}, {"extra", 9.0}, {"scale", 1.0}}),
            (std::vector<double>{1.0, 2.0}));
  try {
    (void)match_kernel_times(kernels, {{"scale", 1.0}});
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("kernel 'transpose'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("measured no kernel of that name"), std::string::npos);
  }
  try {
    (void)match_kernel_times(kernels, {{"scale", 1.0}, {"transpose", 2.0}, {"scale", 3.0}});
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("has 1 kernels of that name but the timer measured 2"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sluice::transforms
