// Finite-difference checks (float64) of the convolution and pooling gradient rules, the IR of
// one expanded gradient op, and the rules' refusals.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gradient_check.h"
#include "ir/builder.h"
#include "ir/diagnostic.h"
#include "ir/text_format.h"
#include "ops/expansion.h"
#include "program_interpreter.h"
#include "transforms/autodiff/reverse_mode.h"

namespace sluice::autodiff::testing {
namespace {

using Ints = std::vector<std::int64_t>;

// --- Conv --------------------------------------------------------------------------------------

TEST(ConvGradients, Conv2dWithBias) {
  check_gradient({"Conv", {{"X", {2, 1, 3, 3}}, {"W", {2, 1, 2, 2}}, {"B", {2}}}, {{2, 2, 2, 2}}});
}

// Output size (4 + 2 - (2 * 1 + 1)) / 2 + 1 = 2; each group reads one channel and writes two.
TEST(ConvGradients, Conv2dStridePadsDilationGroups) {
  check_gradient({"Conv",
                  {{"X", {1, 2, 4, 4}}, {"W", {4, 1, 2, 2}}, {"B", {4}}},
                  {{1, 4, 2, 2}},
                  {{"strides", Ints{2, 2}},
                   {"pads", Ints{1, 1, 1, 1}},
                   {"dilations", Ints{2, 2}},
                   {"group", std::int64_t{2}}}});
}

// Output sizes (3 + 1 - 2) / 2 + 1 = 2 and 2 + 3 - 2 + 1 = 4.
TEST(ConvGradients, Conv2dAsymmetricPadsTwoChannelsPerGroup) {
  check_gradient(
      {"Conv",
       {{"X", {1, 4, 3, 2}}, {"W", {2, 2, 2, 2}}},
       {{1, 2, 2, 4}},
       {{"pads", Ints{1, 2, 0, 1}}, {"strides", Ints{2, 1}}, {"group", std::int64_t{2}}}});
}

// Output size (5 + 1 - 3) / 2 + 1 = 2.
TEST(ConvGradients, Conv1dGroupsWithoutBias) {
  check_gradient({"Conv",
                  {{"X", {1, 4, 5}}, {"W", {4, 2, 3}}},
                  {{1, 4, 2}},
                  {{"strides", Ints{2}}, {"pads", Ints{1, 0}}, {"group", std::int64_t{2}}}});
}

// Output size ceil(4 / 2) = 2; the total padding (2 - 1) * 2 + 3 - 4 = 1 goes to the end.
TEST(ConvGradients, Conv2dSameUpper) {
  check_gradient({"Conv",
                  {{"X", {1, 1, 4, 4}}, {"W", {2, 1, 3, 3}}, {"B", {2}}},
                  {{1, 2, 2, 2}},
                  {{"auto_pad", std::string("SAME_UPPER")}, {"strides", Ints{2, 2}}}});
}

TEST(ConvGradients, Conv2dConstantWeights) {
  check_gradient({"Conv",
                  {{"X", {1, 2, 3, 3}}, {"W", {2, 2, 2, 2}, ir::DType::f64, std::nullopt, false}},
                  {{1, 2, 2, 2}}});
}

// --- ConvTranspose -----------------------------------------------------------------------------

// Output size 2 * (2 - 1) + 2 - 2 = 2.
TEST(ConvGradients, ConvTranspose2dStridePads) {
  check_gradient({"ConvTranspose",
                  {{"X", {1, 2, 2, 2}}, {"W", {2, 1, 2, 2}}, {"B", {1}}},
                  {{1, 1, 2, 2}},
                  {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}});
}

// Output size 2 * (3 - 1) + 2 * (3 - 1) + 1 + 1 - 1 = 9.
TEST(ConvGradients, ConvTranspose1dGroupsDilationOutputPadding) {
  check_gradient({"ConvTranspose",
                  {{"X", {1, 4, 3}}, {"W", {4, 1, 3}}},
                  {{1, 2, 9}},
                  {{"strides", Ints{2}},
                   {"dilations", Ints{2}},
                   {"pads", Ints{0, 1}},
                   {"output_padding", Ints{1}},
                   {"group", std::int64_t{2}}}});
}

// --- pooling -----------------------------------------------------------------------------------

// Max pooling is piecewise linear: inputs drawn without near-ties keep the finite differences
// off its kinks (two taps of a window closer than the step would switch the max).
void check_max(GradientCase c) {
  c.distinct_inputs = true;
  check_gradient(c);
}

TEST(PoolGradients, MaxPool2dStridePads) {
  check_max({"MaxPool",
             {{"X", {1, 1, 5, 5}}},
             {{1, 1, 3, 3}},
             {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}});
}

// Effective window 3; output 4 + 2 - 3 + 1 = 4.
TEST(PoolGradients, MaxPool2dDilation) {
  check_max(
      {"MaxPool",
       {{"X", {1, 2, 4, 4}}},
       {{1, 2, 4, 4}},
       {{"kernel_shape", Ints{2, 2}}, {"dilations", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}});
}

// ceil((6 - 3) / 2) + 1 = 3 windows; the last one hangs over the end.
TEST(PoolGradients, MaxPool1dCeilMode) {
  check_max({"MaxPool",
             {{"X", {2, 3, 6}}},
             {{2, 3, 3}},
             {{"kernel_shape", Ints{3}}, {"strides", Ints{2}}, {"ceil_mode", std::int64_t{1}}}});
}

TEST(PoolGradients, MaxPoolWithIndicesOutput) {
  GradientCase c{"MaxPool",
                 {{"X", {1, 2, 4, 4}}},
                 {{1, 2, 2, 2}, {1, 2, 2, 2}},
                 {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}};
  c.output_dtypes = {ir::DType::f64, ir::DType::i64};
  c.seeded = {0};
  check_max(c);
}

// Overlapping windows of equal values: each window's gradient goes to its first tap only, as
// the forward's Indices picks. Finite differences cannot see a tie, so the expected gradient
// is written out: X = [1, 1, 1, 0], windows [0, 2), [1, 3), [2, 4), seeds 1, 10, 100.
TEST(PoolGradients, MaxPoolTiesGoToTheFirstTapOfTheWindow) {
  ir::ProgramBuilder b("ties");
  b.array("X", ir::DType::f64, {1, 1, 4});
  b.array("Y", ir::DType::f64, {1, 1, 3});
  b.array("S", ir::DType::f64, {1, 1, 3});
  b.array("G", ir::DType::f64, {1, 1, 4});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId n = g.library("pool", "MaxPool", {"in0"}, {"out0"}, {{"kernel_shape", Ints{2}}});
  g.read(g.access("X"), "0:1, 0:1, 0:4", n, "in0");
  g.write(n, "out0", g.access("Y"), "0:1, 0:1, 0:3");
  ir::Program p = b.build();
  append_backward(p, {{{"Y", "S"}}, {{"X", "G"}}});
  ops::expand_all(p);
  using ops::testing::Buffer;
  std::map<std::string, Buffer> args{{"X", {ir::DType::f64, {1, 1, 4}, {1, 1, 1, 0}}},
                                     {"Y", {ir::DType::f64, {1, 1, 3}, {0, 0, 0}}},
                                     {"S", {ir::DType::f64, {1, 1, 3}, {1, 10, 100}}},
                                     {"G", {ir::DType::f64, {1, 1, 4}, {0, 0, 0, 0}}}};
  ops::testing::interpret(p, args);
  EXPECT_EQ(args.at("G").values, (std::vector<double>{1, 10, 100, 0}));
}

TEST(PoolGradients, AveragePool2dExcludingPads) {
  check_gradient(
      {"AveragePool",
       {{"X", {1, 1, 5, 5}}},
       {{1, 1, 3, 3}},
       {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}});
}

TEST(PoolGradients, AveragePool2dCountingPads) {
  check_gradient({"AveragePool",
                  {{"X", {1, 1, 5, 5}}},
                  {{1, 1, 3, 3}},
                  {{"kernel_shape", Ints{3, 3}},
                   {"strides", Ints{2, 2}},
                   {"pads", Ints{1, 0, 1, 2}},
                   {"count_include_pad", std::int64_t{1}}}});
}

// ceil((6 + 2 - 3) / 2) + 1 = 4 windows; the last one reaches past the end padding.
TEST(PoolGradients, AveragePool2dCeilModeCountingPads) {
  check_gradient({"AveragePool",
                  {{"X", {1, 1, 6, 6}}},
                  {{1, 1, 4, 4}},
                  {{"kernel_shape", Ints{3, 3}},
                   {"strides", Ints{2, 2}},
                   {"pads", Ints{1, 1, 1, 1}},
                   {"ceil_mode", std::int64_t{1}},
                   {"count_include_pad", std::int64_t{1}}}});
}

TEST(PoolGradients, AveragePool1dDilationSameLower) {
  check_gradient({"AveragePool",
                  {{"X", {2, 3, 7}}},
                  {{2, 3, 7}},
                  {{"kernel_shape", Ints{2}},
                   {"dilations", Ints{2}},
                   {"auto_pad", std::string("SAME_LOWER")}}});
}

TEST(PoolGradients, GlobalAveragePool) {
  check_gradient({"GlobalAveragePool", {{"X", {2, 2, 3, 4}}}, {{2, 2, 1, 1}}});
}

TEST(PoolGradients, GlobalAveragePool1d) {
  check_gradient({"GlobalAveragePool", {{"X", {2, 3, 6}}}, {{2, 3, 1}}});
}

TEST(PoolGradients, GlobalMaxPool) {
  check_max({"GlobalMaxPool", {{"X", {2, 2, 3, 4}}}, {{2, 2, 1, 1}}});
}

// --- the IR of one gradient op, and refusals ---------------------------------------------------

constexpr const char* kAveragePoolGradExpanded = R"(program average_pool_grad {
  array dY: f64[1, 1, 3]
  array dX: f64[1, 1, 4]
  array apg_scaled: f64[1, 1, 3] transient
  state 0 "main" start {
    node 1 = access dY
    node 2 = access dX
    node 3 = access apg_scaled
    node 4 = map "average_pool_grad_scale" [_d0 = 0:1, _d1 = 0:1, _d2 = 0:3] (dY) -> (apg_scaled) schedule=cpu_parallel {
      node 0 = tasklet "average_pool_grad_scale" (g) -> (s) { s = g / cast<f64>(max(min(-2 * _d2 + 4, 1) + -1 * max(-2 * _d2 + 1, 0) + 1, 1)); }
      node 1 = access dY
      node 2 = access apg_scaled
      edge 0: node 1 -> node 0.g dY[_d0, _d1, _d2]
      edge 1: node 0.s -> node 2 apg_scaled[_d0, _d1, _d2]
    }
    node 5 = access dX
    node 6 = map "average_pool_grad_zero" [_d0 = 0:1, _d1 = 0:1, _d2 = 0:4] () -> (dX) schedule=cpu_parallel {
      node 0 = tasklet "average_pool_grad_zero" () -> (y) { y = 0.0; }
      node 1 = access dX
      edge 0: node 0.y -> node 1 dX[_d0, _d1, _d2]
    }
    node 8 = map "average_pool_grad" [_d0 = 0:1, _d1 = 0:1, _d2 = 0:4] (apg_scaled) -> (dX) schedule=cpu_parallel {
      node 0 = map "average_pool_grad_inner" [_r0 = 0:2] (apg_scaled) -> (dX) schedule=sequential {
        node 0 = tasklet "average_pool_grad_inner" (s) -> (y) { y = select(_d2 + -1 * _r0 + 1 >= 0 && (_d2 + -1 * _r0 + 1) / 2 < 3 && (_d2 + -1 * _r0 + 1) % 2 == 0, s, 0.0); }
        node 1 = access apg_scaled
        node 2 = access dX
        edge 0: node 1 -> node 0.s apg_scaled[_d0, _d1, min(max(floordiv(_d2 - _r0 + 1, 2), 0), 2)]
        edge 1: node 0.y -> node 2 dX[_d0, _d1, _d2] wcr=sum
      }
      node 1 = access apg_scaled
      node 2 = access dX
      edge 0: node 1 -> node 0.apg_scaled apg_scaled[_d0, _d1, 0:3] volume=2
      edge 1: node 0.dX -> node 2 dX[_d0, _d1, _d2] volume=2 wcr=sum
    }
    edge 2: node 1 -> node 4.dY dY[0, 0, 0:3]
    edge 3: node 4.apg_scaled -> node 3 apg_scaled[0, 0, 0:3]
    edge 4: node 6.dX -> node 5 dX[0, 0, 0:4]
    edge 5: node 3 -> node 8.apg_scaled apg_scaled[0, 0, 0:3] volume=8
    edge 7: node 5 -> node 8 empty
    edge 8: node 8.dX -> node 2 dX[0, 0, 0:4] volume=8 wcr=sum
  }
}
)";

// dY / count per window, zeros, then each dX element gathers the windows that read it.
TEST(PoolGradientOps, AveragePoolGradExpandsToScaleZeroFillAndGather) {
  ir::ProgramBuilder b("average_pool_grad");
  b.array("dY", ir::DType::f64, {1, 1, 3});
  b.array("dX", ir::DType::f64, {1, 1, 4});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId n =
      g.library("apg", "AveragePoolGrad", {"in0"}, {"out0"},
                {{"kernel_shape", Ints{2}}, {"strides", Ints{2}}, {"pads", Ints{1, 1}}});
  g.read(g.access("dY"), "0:1, 0:1, 0:3", n, "in0");
  g.write(n, "out0", g.access("dX"), "0:1, 0:1, 0:4");
  ir::Program p = b.build();
  ops::expand_all(p);
  EXPECT_EQ(ir::print_text(p), kAveragePoolGradExpanded);
}

// One library node `op` reading X [1, 2, 5, 5] and W [2, 2, 3, 3], writing Y [1, 2, 3, 3].
ir::Program conv_node(const std::string& op, const ir::Attributes& attributes) {
  ir::ProgramBuilder b("single");
  b.array("X", ir::DType::f64, {1, 2, 5, 5});
  b.array("W", ir::DType::f64, {2, 2, 3, 3});
  b.array("Y", ir::DType::f64, {1, 2, 3, 3});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId n = g.library("node", op, {"in0", "in1"}, {"out0"}, attributes);
  g.read(g.access("X"), "0:1, 0:2, 0:5, 0:5", n, "in0");
  g.read(g.access("W"), "0:2, 0:2, 0:3, 0:3", n, "in1");
  g.write(n, "out0", g.access("Y"), "0:1, 0:2, 0:3, 0:3");
  return b.build();
}

// The message of the UserError that differentiating `p` (seed on Y, gradient of X) throws.
std::string refusal(ir::Program p) {
  ir::Container seed = p.containers[*p.find_container("Y")];
  seed.name = "S";
  p.containers.add(seed);
  ir::Container grad = p.containers[*p.find_container("X")];
  grad.name = "G";
  p.containers.add(grad);
  const ir::Program before = p;
  try {
    append_backward(p, {{{"Y", "S"}}, {{"X", "G"}}});
  } catch (const UserError& e) {
    EXPECT_EQ(ir::print_text(p), ir::print_text(before))
        << "a refusal leaves the program as it was";
    return e.what();
  }
  ADD_FAILURE() << "no refusal";
  return "";
}

TEST(ConvGradients, RefusesAnUnknownAutoPad) {
  const std::string m = refusal(conv_node("Conv", {{"auto_pad", std::string("SAME_MIDDLE")}}));
  EXPECT_NE(m.find("Conv 'node': no gradient: unknown auto_pad 'SAME_MIDDLE'"), std::string::npos)
      << m;
}

TEST(ConvGradients, RefusesStridesOfTheWrongLength) {
  const std::string m = refusal(conv_node("Conv", {{"strides", Ints{1, 1, 1}}}));
  EXPECT_NE(m.find("Conv 'node': no gradient: 'strides' has 3 entries; expected 2"),
            std::string::npos)
      << m;
}

}  // namespace
}  // namespace sluice::autodiff::testing
