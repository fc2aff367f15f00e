// Finite-difference checks (float64) of the shape and indexing ops' gradient rules; the IR text
// of one expanded gradient op; a rule that refuses.

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gradient_check.h"
#include "ir/builder.h"
#include "ir/diagnostic.h"
#include "ir/text_format.h"
#include "ops/expansion.h"
#include "transforms/autodiff/reverse_mode.h"

namespace sluice::autodiff::testing {
namespace {

using Ints = std::vector<std::int64_t>;

// Indices as a non-differentiated i64 input with fixed values.
GradientInput indices(std::vector<std::int64_t> shape, std::vector<double> values) {
  return {"I", std::move(shape), ir::DType::i64, std::move(values), false};
}

TEST(ShapeGradients, Identity) { check_gradient({"Identity", {{"X", {3, 4}}}, {{3, 4}}}); }

TEST(ShapeGradients, Transpose) {
  check_gradient({"Transpose",
                  {{"X", {2, 3, 4}}},
                  {{4, 2, 3}},
                  {{"perm", std::vector<std::int64_t>{2, 0, 1}}}});
}

TEST(ShapeGradients, TransposeWithoutPermReversesTheDims) {
  check_gradient({"Transpose", {{"X", {2, 3, 4}}}, {{4, 3, 2}}});
}

TEST(ShapeGradients, Reshape) {
  check_gradient({"Reshape", {{"X", {2, 3, 4}}}, {{6, 4}}, {{"shape", Ints{6, -1}}}});
}

TEST(ShapeGradients, Flatten) {
  check_gradient({"Flatten", {{"X", {2, 3, 4}}}, {{6, 4}}, {{"axis", std::int64_t{2}}}});
}

TEST(ShapeGradients, Squeeze) {
  check_gradient({"Squeeze", {{"X", {2, 1, 3}}}, {{2, 3}}, {{"axes", Ints{-2}}}});
}

TEST(ShapeGradients, Unsqueeze) {
  check_gradient({"Unsqueeze", {{"X", {2, 3}}}, {{1, 2, 3, 1}}, {{"axes", Ints{0, 3}}}});
}

TEST(ShapeGradients, ExpandSumsOverTheBroadcastDims) {
  check_gradient({"Expand", {{"X", {3, 1}}}, {{2, 3, 4}}, {{"shape", Ints{2, 3, 4}}}});
}

TEST(ShapeGradients, Slice) {
  check_gradient(
      {"Slice", {{"X", {4, 5}}}, {{2, 5}}, {{"starts", Ints{1, 0}}, {"ends", Ints{3, 5}}}});
}

TEST(ShapeGradients, SliceWithStepsAndNegativeAxes) {
  // Axis 0: 1, 3. Axis -2 (size 6), backwards from the last: 5, 3.
  check_gradient({"Slice",
                  {{"X", {5, 6, 4}}},
                  {{2, 2, 4}},
                  {{"starts", Ints{1, -1}},
                   {"ends", Ints{4, -5}},
                   {"axes", Ints{0, -2}},
                   {"steps", Ints{2, -2}}}});
}

TEST(ShapeGradients, ConcatSlicesTheAdjointPerInput) {
  check_gradient({"Concat",
                  {{"A", {2, 3}}, {"B", {2, 2}}, {"C", {2, 1}}},
                  {{2, 6}},
                  {{"axis", std::int64_t{-1}}}});
}

TEST(ShapeGradients, ConcatOnTheFirstAxis) {
  check_gradient({"Concat", {{"A", {1, 3}}, {"B", {2, 3}}}, {{3, 3}}, {{"axis", std::int64_t{0}}}});
}

TEST(ShapeGradients, Split) {
  check_gradient({"Split",
                  {{"X", {2, 6}}},
                  {{2, 1}, {2, 2}, {2, 3}},
                  {{"axis", std::int64_t{1}}, {"split", Ints{1, 2, 3}}}});
}

TEST(ShapeGradients, SplitOutputWithoutAdjointContributesZeros) {
  GradientCase c{"Split",
                 {{"X", {6, 2}}},
                 {{2, 2}, {2, 2}, {2, 2}},
                 {{"axis", std::int64_t{0}}, {"split", Ints{2, 2, 2}}}};
  c.seeded = {0, 2};
  check_gradient(c);
}

TEST(ShapeGradients, GatherAxis0WithRepeatedAndNegativeIndices) {
  // Rows 2 and 4 are read twice (4 as -1): their gradients are sums.
  check_gradient({"Gather",
                  {{"X", {5, 3}}, indices({5}, {0, 2, 2, -1, 4})},
                  {{5, 3}},
                  {{"axis", std::int64_t{0}}}});
}

TEST(ShapeGradients, GatherInnerAxisWith2DIndices) {
  check_gradient({"Gather",
                  {{"X", {2, 4, 3}}, indices({2, 2}, {3, 0, 3, 3})},
                  {{2, 2, 2, 3}},
                  {{"axis", std::int64_t{1}}}});
}

TEST(ShapeGradients, GatherOneIndex) {
  check_gradient(
      {"Gather", {{"X", {4, 3}}, indices({}, {2})}, {{4}}, {{"axis", std::int64_t{-1}}}});
}

TEST(ShapeGradients, Tile) {
  check_gradient({"Tile", {{"X", {2, 3}}}, {{4, 3}}, {{"repeats", Ints{2, 1}}}});
}

TEST(ShapeGradients, TileEveryDim) {
  check_gradient({"Tile", {{"X", {2, 1, 3}}}, {{6, 2, 6}}, {{"repeats", Ints{3, 2, 2}}}});
}

TEST(ShapeGradients, PadConstant) {
  check_gradient(
      {"Pad", {{"X", {2, 3}}}, {{5, 4}}, {{"pads", Ints{1, 0, 2, 1}}, {"constant_value", 0.5}}});
}

TEST(ShapeGradients, PadConstantOnNegativeAxes) {
  check_gradient(
      {"Pad", {{"X", {2, 3, 4}}}, {{2, 3, 7}}, {{"pads", Ints{1, 2}}, {"axes", Ints{-1}}}});
}

// A program with one node `op` reading X and writing Y.
ir::Program one_node(const std::string& op, const std::vector<std::int64_t>& in,
                     const std::vector<std::int64_t>& out, ir::Attributes attributes) {
  const auto exprs = [](const std::vector<std::int64_t>& shape) {
    return std::vector<ir::Expr>(shape.begin(), shape.end());
  };
  const auto whole = [](const std::vector<std::int64_t>& shape) {
    std::string s;
    for (std::size_t d = 0; d < shape.size(); ++d)
      s += (d ? ", 0:" : "0:") + std::to_string(shape[d]);
    return s;
  };
  ir::ProgramBuilder b("one_node");
  for (const char* name : {"X", "GX"}) b.array(name, ir::DType::f64, exprs(in));
  for (const char* name : {"Y", "SY"}) b.array(name, ir::DType::f64, exprs(out));
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId n = g.library("node", op, {"in0"}, {"out0"}, std::move(attributes));
  g.read(g.access("X"), whole(in), n, "in0");
  g.write(n, "out0", g.access("Y"), whole(out));
  return b.build();
}

TEST(ShapeGradients, PadReflectIsRefusedWithTheReason) {
  ir::Program p = one_node("Pad", {2, 3}, {2, 5},
                           {{"pads", Ints{0, 1, 0, 1}}, {"mode", std::string("reflect")}});
  const std::string before = ir::print_text(p);
  try {
    append_backward(p, {{{"Y", "SY"}}, {{"X", "GX"}}});
    FAIL() << "a reflect Pad got a gradient";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "Pad 'node': no gradient: mode 'reflect' (only constant padding has a "
                  "gradient rule)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(ir::print_text(p), before);  // nothing is lost
}

// GatherGrad expanded: zeros, then each dX element sums the dY rows whose index is its row.
TEST(ShapeGradients, GatherGradExpandsToZeroFillThenSummingGather) {
  ir::ProgramBuilder b("gather_grad");
  b.array("dY", ir::DType::f64, {3, 2});
  b.array("I", ir::DType::i64, {3});
  b.array("dX", ir::DType::f64, {4, 2});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId n =
      g.library("gg", "GatherGrad", {"in0", "in1"}, {"out0"}, {{"axis", std::int64_t{0}}});
  g.read(g.access("dY"), "0:3, 0:2", n, "in0");
  g.read(g.access("I"), "0:3", n, "in1");
  g.write(n, "out0", g.access("dX"), "0:4, 0:2");
  ir::Program p = b.build();
  ops::expand_all(p);
  const std::string expected = R"(program gather_grad {
  array dY: f64[3, 2]
  array I: i64[3]
  array dX: f64[4, 2]
  state 0 "main" start {
    node 1 = access dY
    node 2 = access I
    node 3 = access dX
    node 4 = access dX
    node 5 = map "gather_grad_zero" [_d0 = 0:4, _d1 = 0:2] () -> (dX) schedule=cpu_parallel {
      node 0 = tasklet "gather_grad_zero" () -> (y) { y = 0.0; }
      node 1 = access dX
      edge 0: node 0.y -> node 1 dX[_d0, _d1]
    }
    node 7 = map "gather_grad" [_d0 = 0:4, _d1 = 0:2] (I, dY) -> (dX) schedule=cpu_parallel {
      node 0 = map "gather_grad_inner" [_r0 = 0:3] (I, dY) -> (dX) schedule=sequential {
        node 0 = tasklet "gather_grad_inner" (i, g) -> (y) {
          let j_raw: i64 = cast<i64>(i);
          let j: i64 = min(max(select(j_raw < 0, j_raw + 4, j_raw), 0), 4 - 1);
          y = select(j == _d0, g, 0.0);
        }
        node 1 = access I
        node 2 = access dY
        node 3 = access dX
        edge 0: node 1 -> node 0.i I[_r0]
        edge 1: node 2 -> node 0.g dY[_r0, _d1]
        edge 2: node 0.y -> node 3 dX[_d0, _d1] wcr=sum
      }
      node 1 = access I
      node 2 = access dY
      node 3 = access dX
      edge 0: node 1 -> node 0.I I[0:3]
      edge 1: node 2 -> node 0.dY dY[0:3, _d1]
      edge 2: node 0.dX -> node 3 dX[_d0, _d1] volume=3 wcr=sum
    }
    edge 3: node 5.dX -> node 4 dX[0:4, 0:2]
    edge 4: node 2 -> node 7.I I[0:3] volume=24
    edge 5: node 1 -> node 7.dY dY[0:3, 0:2] volume=24
    edge 7: node 4 -> node 7 empty
    edge 8: node 7.dX -> node 3 dX[0:4, 0:2] volume=24 wcr=sum
  }
}
)";
  EXPECT_EQ(ir::print_text(p), expected);
}

}  // namespace
}  // namespace sluice::autodiff::testing
