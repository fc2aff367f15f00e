// Finite-difference checks (float64) of the reduction gradient rules over several axes and
// keepdims, and a refusal.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gradient_check.h"
#include "ir/builder.h"
#include "ir/diagnostic.h"
#include "ops/expansion.h"
#include "program_interpreter.h"
#include "transforms/autodiff/reverse_mode.h"

namespace sluice::autodiff::testing {
namespace {

using Ints = std::vector<std::int64_t>;

GradientCase reduce(std::string op, Ints axes, bool keepdims, std::vector<std::int64_t> out) {
  ir::Attributes a{{"keepdims", std::int64_t{keepdims ? 1 : 0}}};
  if (!axes.empty()) a["axes"] = axes;
  return {std::move(op), {{"X", {2, 3, 4}}}, {std::move(out)}, a};
}

TEST(ReductionGradients, ReduceSumOneAxisKeepdims) {
  check_gradient(reduce("ReduceSum", {1}, true, {2, 1, 4}));
}

TEST(ReductionGradients, ReduceSumTwoAxesDropped) {
  check_gradient(reduce("ReduceSum", {0, -1}, false, {3}));
}

TEST(ReductionGradients, ReduceSumAllAxesByDefault) {
  check_gradient(reduce("ReduceSum", {}, false, {}));
}

TEST(ReductionGradients, ReduceSumNoopWithEmptyAxes) {
  GradientCase c = reduce("ReduceSum", {}, true, {2, 3, 4});
  c.attributes["noop_with_empty_axes"] = std::int64_t{1};
  check_gradient(c);
}

TEST(ReductionGradients, ReduceMean) {
  check_gradient(reduce("ReduceMean", {0, 2}, false, {3}));
  check_gradient(reduce("ReduceMean", {2}, true, {2, 3, 1}));
}

// Random inputs have no ties, where the rule splits dY evenly (a subgradient). Max and min are
// piecewise linear: a tiny step keeps the finite differences off the kinks of near-ties.
void check_extreme(GradientCase c) {
  c.step = 1e-6;
  c.distinct_inputs = true;
  check_gradient(c);
}

TEST(ReductionGradients, ReduceMaxAndMin) {
  check_extreme(reduce("ReduceMax", {1}, true, {2, 1, 4}));
  check_extreme(reduce("ReduceMax", {0, 2}, false, {3}));
  check_extreme(reduce("ReduceMin", {-1}, false, {2, 3}));
  check_extreme(reduce("ReduceMin", {}, true, {1, 1, 1}));
}

TEST(ReductionGradients, ReduceProd) {
  check_gradient(reduce("ReduceProd", {1}, true, {2, 1, 4}));
  check_gradient(reduce("ReduceProd", {0, 2}, false, {3}));
}

// The product of the other elements of the row, also at zeros (where dividing Y by the element
// would not do): rows without a zero, with one and with two.
TEST(ReductionGradients, ReduceProdAtZeros) {
  GradientCase c{
      "ReduceProd",
      {{"X", {3, 3}, ir::DType::f64, std::vector<double>{0.5, -2, 3, 0, 4, -0.5, 0, 2, 0}}},
      {{3}},
      {{"axes", Ints{1}}, {"keepdims", std::int64_t{0}}}};
  check_gradient(c);
}

TEST(ReductionGradients, ReduceSumSquare) {
  check_gradient(reduce("ReduceSumSquare", {1, 2}, false, {2}));
}

TEST(ReductionGradients, ReduceL2) { check_gradient(reduce("ReduceL2", {2}, true, {2, 3, 1})); }

TEST(ReductionGradients, ReduceL1AwayFromZero) {
  GradientCase c{
      "ReduceL1",
      {{"X", {2, 3}, ir::DType::f64, std::vector<double>{0.5, -0.3, 0.8, -0.9, 0.2, -0.4}}},
      {{2}},
      {{"axes", Ints{1}}, {"keepdims", std::int64_t{0}}}};
  check_gradient(c);
}

TEST(ReductionGradients, ReduceLogSumExp) {
  check_gradient(reduce("ReduceLogSumExp", {1}, false, {2, 4}));
  check_gradient(reduce("ReduceLogSumExp", {}, true, {1, 1, 1}));
}

TEST(ReductionGradients, ReduceLogSumOfPositiveInputs) {
  GradientCase c = reduce("ReduceLogSum", {0}, true, {1, 3, 4});
  c.inputs[0].low = 0.5;
  c.inputs[0].high = 2.0;
  check_gradient(c);
}

// X [2, 3] -> `op` over `axes` (keepdims 0) -> Y; the seed S and X's gradient G declared.
ir::Program reduce_rows(const std::string& op, const Ints& axes) {
  ir::ProgramBuilder b("reduce");
  b.array("X", ir::DType::f64, {2, 3});
  b.array("Y", ir::DType::f64, {2});
  b.array("S", ir::DType::f64, {2});
  b.array("G", ir::DType::f64, {2, 3});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId n =
      g.library("sum", op, {"in0"}, {"out0"}, {{"axes", axes}, {"keepdims", std::int64_t{0}}});
  g.read(g.access("X"), "0:2, 0:3", n, "in0");
  g.write(n, "out0", g.access("Y"), "0:2");
  return b.build();
}

// At a tie the derivative does not exist; the rule splits dY evenly among the tied elements.
TEST(ReductionGradients, ReduceMaxSplitsTheAdjointAmongTies) {
  ir::Program p = reduce_rows("ReduceMax", {1});
  append_backward(p, {{{"Y", "S"}}, {{"X", "G"}}});
  ops::expand_all(p);
  using ops::testing::Buffer;
  std::map<std::string, Buffer> args{{"X", {ir::DType::f64, {2, 3}, {1, 3, 3, 2, 0, 2}}},
                                     {"S", {ir::DType::f64, {2}, {1, 4}}},
                                     {"Y", {ir::DType::f64, {2}, {0, 0}}},
                                     {"G", {ir::DType::f64, {2, 3}, std::vector<double>(6, 0.0)}}};
  ops::testing::interpret(p, args);
  EXPECT_EQ(args.at("G").values, (std::vector<double>{0, 0.5, 0.5, 2, 0, 2}));
}

TEST(ReductionGradients, RefusesAnAxisOutOfRange) {
  ir::Program p = reduce_rows("ReduceSum", {3});
  try {
    append_backward(p, {{{"Y", "S"}}, {{"X", "G"}}});
    ADD_FAILURE() << "no refusal";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "ReduceSum 'sum': no gradient: axis 3 is out of range for rank 2"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sluice::autodiff::testing
