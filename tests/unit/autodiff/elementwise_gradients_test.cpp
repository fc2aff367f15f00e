// Finite-difference checks (float64) of the element-wise ops' gradient rules, one or more per
// rule; the IR of one expanded gradient op; what is refused and how.
//
// Inputs are drawn away from kinks, poles and domain limits: the finite differences of a
// function with a kink within one step of the point are meaningless. An op with a kink at 0 is
// checked on each side.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
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

using Shape = std::vector<std::int64_t>;

GradientInput in(std::string name, Shape shape, double low = -1.0, double high = 1.0) {
  return {std::move(name), std::move(shape), ir::DType::f64, std::nullopt, true, low, high};
}

// y = op(x) on a [2, 3] input drawn from [low, high).
void check_unary(const std::string& op, double low, double high, ir::Attributes attributes = {}) {
  check_gradient({op, {in("X", {2, 3}, low, high)}, {{2, 3}}, std::move(attributes)});
}

// --- arithmetic -------------------------------------------------------------------------------

TEST(ElementwiseGradients, AddBroadcastsTheSecondOperand) {
  check_gradient({"Add", {in("A", {2, 3, 4}), in("B", {4})}, {{2, 3, 4}}});
}

TEST(ElementwiseGradients, SubBothWays) {
  check_gradient({"Sub", {in("A", {2, 3}), in("B", {2, 3})}, {{2, 3}}});
  check_gradient({"Sub", {in("A", {3, 1}), in("B", {2, 3, 4})}, {{2, 3, 4}}});
}

TEST(ElementwiseGradients, MulBroadcastsBothOperands) {
  check_gradient({"Mul", {in("A", {2, 1, 4}), in("B", {3, 1})}, {{2, 3, 4}}});
}

TEST(ElementwiseGradients, MulOfAScalarAndATensor) {
  check_gradient({"Mul", {in("A", {}), in("B", {2, 3})}, {{2, 3}}});
}

TEST(ElementwiseGradients, Div) {
  check_gradient({"Div", {in("A", {2, 3}), in("B", {3}, 0.5, 2.0)}, {{2, 3}}});
}

TEST(ElementwiseGradients, PowWithBothOperands) {
  check_gradient({"Pow", {in("A", {2, 3}, 0.5, 2.0), in("B", {2, 3}, -1.5, 1.5)}, {{2, 3}}});
  check_gradient({"Pow", {in("A", {2, 3}, 0.5, 2.0), in("B", {3}, -1.5, 1.5)}, {{2, 3}}});
}

TEST(ElementwiseGradients, Neg) { check_unary("Neg", -1.0, 1.0); }
TEST(ElementwiseGradients, Reciprocal) { check_unary("Reciprocal", 0.5, 2.0); }
TEST(ElementwiseGradients, Sqrt) { check_unary("Sqrt", 0.5, 2.0); }
TEST(ElementwiseGradients, Exp) { check_unary("Exp", -1.0, 1.0); }
TEST(ElementwiseGradients, Log) { check_unary("Log", 0.5, 2.0); }

TEST(ElementwiseGradients, AbsOnEachSide) {
  check_unary("Abs", 0.1, 1.0);
  check_unary("Abs", -1.0, -0.1);
}

TEST(ElementwiseGradients, ExpOfARank0Value) { check_gradient({"Exp", {in("X", {})}, {{}}}); }

// --- math functions ---------------------------------------------------------------------------

TEST(ElementwiseGradients, Tanh) { check_unary("Tanh", -2.0, 2.0); }
TEST(ElementwiseGradients, Erf) { check_unary("Erf", -2.0, 2.0); }
TEST(ElementwiseGradients, Sigmoid) { check_unary("Sigmoid", -3.0, 3.0); }
TEST(ElementwiseGradients, Sin) { check_unary("Sin", -3.0, 3.0); }
TEST(ElementwiseGradients, Cos) { check_unary("Cos", -3.0, 3.0); }
TEST(ElementwiseGradients, Tan) { check_unary("Tan", -1.2, 1.2); }
TEST(ElementwiseGradients, Asin) { check_unary("Asin", -0.9, 0.9); }
TEST(ElementwiseGradients, Acos) { check_unary("Acos", -0.9, 0.9); }
TEST(ElementwiseGradients, Atan) { check_unary("Atan", -3.0, 3.0); }
TEST(ElementwiseGradients, Sinh) { check_unary("Sinh", -2.0, 2.0); }
TEST(ElementwiseGradients, Cosh) { check_unary("Cosh", -2.0, 2.0); }

TEST(ElementwiseGradients, AsinhOnEachSide) {
  check_unary("Asinh", 0.1, 3.0);
  check_unary("Asinh", -3.0, -0.1);
}

TEST(ElementwiseGradients, Acosh) { check_unary("Acosh", 1.5, 3.0); }
TEST(ElementwiseGradients, Atanh) { check_unary("Atanh", -0.9, 0.9); }

// --- activations ------------------------------------------------------------------------------

TEST(ElementwiseGradients, ReluOnEachSide) {
  check_unary("Relu", 0.1, 1.0);
  check_unary("Relu", -1.0, -0.1);
}

TEST(ElementwiseGradients, LeakyReluOnEachSide) {
  check_unary("LeakyRelu", 0.1, 1.0, {{"alpha", 0.2}});
  check_unary("LeakyRelu", -1.0, -0.1, {{"alpha", 0.2}});
}

TEST(ElementwiseGradients, Gelu) {
  check_unary("Gelu", -3.0, 3.0);
  check_unary("Gelu", -3.0, 3.0, {{"approximate", std::string("tanh")}});
}

TEST(ElementwiseGradients, Softplus) { check_unary("Softplus", -3.0, 3.0); }
TEST(ElementwiseGradients, Softsign) { check_unary("Softsign", 0.1, 2.0); }
TEST(ElementwiseGradients, SoftsignNegative) { check_unary("Softsign", -2.0, -0.1); }
TEST(ElementwiseGradients, Mish) { check_unary("Mish", -3.0, 3.0); }

TEST(ElementwiseGradients, EluOnEachSide) {
  check_unary("Elu", 0.1, 1.0, {{"alpha", 0.7}});
  check_unary("Elu", -2.0, -0.1, {{"alpha", 0.7}});
}

TEST(ElementwiseGradients, SeluOnEachSide) {
  check_unary("Selu", 0.1, 1.0);
  check_unary("Selu", -2.0, -0.1);
}

TEST(ElementwiseGradients, CeluOnEachSide) {
  check_unary("Celu", 0.1, 1.0, {{"alpha", 1.5}});
  check_unary("Celu", -2.0, -0.1, {{"alpha", 1.5}});
}

TEST(ElementwiseGradients, HardSigmoidInsideAndSaturated) {
  check_unary("HardSigmoid", -2.0, 2.0, {{"alpha", 0.2}, {"beta", 0.5}});
  check_unary("HardSigmoid", 3.0, 4.0);
}

TEST(ElementwiseGradients, HardSwishInsideAndSaturated) {
  check_unary("HardSwish", -2.5, 2.5);
  check_unary("HardSwish", 3.5, 4.0);
  check_unary("HardSwish", -4.0, -3.5);
}

TEST(ElementwiseGradients, PReluOnEachSideWithABroadcastSlope) {
  check_gradient({"PRelu", {in("X", {2, 3, 4}, 0.1, 1.0), in("S", {4})}, {{2, 3, 4}}});
  check_gradient({"PRelu", {in("X", {2, 3, 4}, -1.0, -0.1), in("S", {3, 1})}, {{2, 3, 4}}});
}

TEST(ElementwiseGradients, ThresholdedReluOnEachSide) {
  check_unary("ThresholdedRelu", 1.1, 2.0);
  check_unary("ThresholdedRelu", -1.0, 0.9);
}

// --- variadic, clipping, selection --------------------------------------------------------------

TEST(ElementwiseGradients, SumOfThreeWithBroadcast) {
  check_gradient({"Sum", {in("A", {2, 3}), in("B", {3}), in("C", {2, 1})}, {{2, 3}}});
}

TEST(ElementwiseGradients, MeanOfThreeWithBroadcast) {
  check_gradient({"Mean", {in("A", {2, 3}), in("B", {3}), in("C", {2, 1})}, {{2, 3}}});
}

// Disjoint ranges: no ties, and each operand is the selected one in some case.
TEST(ElementwiseGradients, MaxGivesTheGradientToTheLargest) {
  check_gradient({"Max", {in("A", {2, 3}, 0.5, 1.0), in("B", {3}, -1.0, 0.0)}, {{2, 3}}});
  check_gradient({"Max", {in("A", {2, 3}, -1.0, 0.0), in("B", {3}, 0.5, 1.0)}, {{2, 3}}});
  check_gradient({"Max",
                  {in("A", {2, 3}, -1.0, -0.6), in("B", {3}, -0.4, 0.0), in("C", {}, 0.5, 1.0)},
                  {{2, 3}}});
}

TEST(ElementwiseGradients, MinGivesTheGradientToTheSmallest) {
  check_gradient({"Min", {in("A", {2, 3}, 0.5, 1.0), in("B", {3}, -1.0, 0.0)}, {{2, 3}}});
  check_gradient({"Min",
                  {in("A", {2, 3}, -1.0, -0.6), in("B", {2, 1}, -0.4, 0.0), in("C", {3}, 0.5, 1.0)},
                  {{2, 3}}});
}

TEST(ElementwiseGradients, ClipWithAttributes) {
  const ir::Attributes bounds = {{"min", -0.5}, {"max", 0.5}};
  check_unary("Clip", -0.4, 0.4, bounds);
  check_unary("Clip", 0.6, 1.0, bounds);
  check_unary("Clip", -1.0, -0.6, bounds);
}

TEST(ElementwiseGradients, ClipWithBoundInputs) {
  check_gradient({"Clip",
                  {in("X", {2, 3}, -0.4, 0.4), in("L", {}, -1.0, -0.6), in("H", {}, 0.6, 1.0)},
                  {{2, 3}}});
  check_gradient({"Clip",
                  {in("X", {2, 3}, 0.6, 1.0), in("L", {}, -1.0, -0.6), in("H", {}, 0.1, 0.5)},
                  {{2, 3}}});
  check_gradient({"Clip", {in("X", {2, 3}, -1.0, -0.6), in("L", {}, -0.5, -0.1)}, {{2, 3}}});
}

TEST(ElementwiseGradients, WhereDifferentiatesTheBranchesOnly) {
  GradientInput condition{"C", {2, 3}, ir::DType::boolean, std::vector<double>{1, 0, 0, 1, 1, 0}};
  check_gradient({"Where", {condition, in("A", {2, 3}), in("B", {3})}, {{2, 3}}});
}

// --- zero derivatives -------------------------------------------------------------------------

TEST(ElementwiseGradients, PiecewiseConstantOpsHaveZeroGradient) {
  check_unary("Sign", 0.1, 1.0);
  check_unary("Sign", -1.0, -0.1);
  check_unary("Floor", 0.1, 0.9);
  check_unary("Ceil", 1.1, 1.9);
  check_unary("Round", 0.1, 0.4);
  check_unary("Round", 0.6, 0.9);
}

// --- types and dropout ------------------------------------------------------------------------

// Evenly spaced inputs in [-1, 1) keep off the kinks at -lambd and lambd.
TEST(ElementwiseGradients, ShrinkOnEachSideAndInside) {
  GradientCase c{"Shrink", {in("X", {3, 4})}, {{3, 4}}, {{"lambd", 0.5}, {"bias", 0.2}}};
  c.distinct_inputs = true;
  check_gradient(c);
  c.attributes = {};
  check_gradient(c);
}

// a - b * trunc(a / b) (fmod) and a - b * floor(a / b): d/da = 1, d/db = -trunc or -floor of
// a / b. The quotients keep away from integers, where the remainder jumps.
TEST(ElementwiseGradients, FloatModBothSemantics) {
  const std::vector<double> a{5.3, -5.3, 7.9, -2.2, 0.7, -0.4};
  const std::vector<double> b{2.0, 2.0, -3.0, 1.5, -0.3, 0.9};
  for (const std::int64_t fmod : {1, 0})
    check_gradient({"Mod",
                    {{"A", {2, 3}, ir::DType::f64, a}, {"B", {2, 3}, ir::DType::f64, b}},
                    {{2, 3}},
                    {{"fmod", fmod}}});
}

TEST(ElementwiseGradients, CastFromF64) {
  check_unary("Cast", -1.0, 1.0, {{"to", std::int64_t{11}}});
}

// The adjoint goes back to f32: accurate to f32's precision (the finite differences of an f32
// input are too).
TEST(ElementwiseGradients, CastFromF32) {
  GradientCase c{"Cast",
                 {{"X", {2, 3}, ir::DType::f32, std::nullopt, true, -1.0, 1.0}},
                 {{2, 3}},
                 {{"to", std::int64_t{11}}}};
  c.rtol = 1e-3;
  c.atol = 1e-4;
  check_gradient(c);
}

TEST(ElementwiseGradients, CastLike) {
  GradientInput like{"T", {1}, ir::DType::f64, std::vector<double>{0.0}, false};
  check_gradient({"CastLike", {in("X", {2, 3}), like}, {{2, 3}}});
}

TEST(ElementwiseGradients, DropoutInInferenceIsIdentity) {
  check_unary("Dropout", -1.0, 1.0, {{"ratio", 0.3}});
}

TEST(ElementwiseGradients, DropoutInTrainingRegeneratesTheMask) {
  const ir::Attributes training = {{"ratio", 0.3},
                                   {"training_mode", std::int64_t{1}},
                                   {"seed", std::int64_t{7}},
                                   {"offset", std::int64_t{5}}};
  check_gradient({"Dropout", {in("X", {4, 8})}, {{4, 8}}, training});
  // With the mask as a second output (not differentiated: bool).
  check_gradient({"Dropout",
                  {in("X", {4, 8})},
                  {{4, 8}, {4, 8}},
                  training,
                  {ir::DType::f64, ir::DType::boolean}});
}

TEST(ElementwiseGradients, DropoutInTrainingWithTheOffsetAsInput) {
  const ir::Attributes training = {
      {"ratio", 0.5}, {"training_mode", std::int64_t{1}}, {"seed", std::int64_t{3}}};
  GradientInput offset{"Off", {}, ir::DType::i64, std::vector<double>{11.0}};
  check_gradient({"Dropout", {in("X", {4, 8}), {"", {}}, {"", {}}, offset}, {{4, 8}}, training});
}

// The backward pass stores no mask: its tasklet draws the same Philox numbers as the forward.
TEST(ElementwiseGradients, DropoutGradientDrawsTheMaskAgain) {
  ir::ProgramBuilder b("dropout");
  b.array("X", ir::DType::f64, {4, 8});
  b.array("Y", ir::DType::f64, {4, 8});
  b.array("S", ir::DType::f64, {4, 8});
  b.array("G", ir::DType::f64, {4, 8});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId n = g.library("drop", "Dropout", {"in0"}, {"out0"},
                                 {{"ratio", 0.3},
                                  {"training_mode", std::int64_t{1}},
                                  {"seed", std::int64_t{7}},
                                  {"offset", std::int64_t{5}}});
  g.read(g.access("X"), "0:4, 0:8", n, "in0");
  g.write(n, "out0", g.access("Y"), "0:4, 0:8");
  ir::Program p = b.build();
  append_backward(p, {{{"Y", "S"}}, {{"X", "G"}}});
  ops::expand_all(p);
  const std::string text = ir::print_text(p);
  const std::string draw = "philox_uniform(7, 5, 8 * _d0 + _d1)";
  const auto first = text.find(draw);
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_NE(text.find(draw, first + 1), std::string::npos) << text;
  for (const ir::ContainerId c : p.containers.ids())
    EXPECT_NE(p.containers[c].dtype, ir::DType::boolean) << p.containers[c].name;
}

// --- the IR of one gradient op ------------------------------------------------------------------

// d(A * B) for A [2, 3] and a broadcast B [3]: one map reads the operands and the adjoint; dA is
// written element by element, dB is zeroed and accumulated with a write-conflict sum.
TEST(ElementwiseGradients, MulGradExpandsToOneMap) {
  ir::ProgramBuilder b("mul_grad");
  b.array("A", ir::DType::f64, {2, 3});
  b.array("B", ir::DType::f64, {3});
  b.array("dY", ir::DType::f64, {2, 3});
  b.array("dA", ir::DType::f64, {2, 3});
  b.array("dB", ir::DType::f64, {3});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId n = g.library("mul_grad", "MulGrad", {"in0", "in1", "in2"}, {"out0", "out1"},
                                 {{"forward_inputs", std::int64_t{2}}});
  g.read(g.access("A"), "0:2, 0:3", n, "in0");
  g.read(g.access("B"), "0:3", n, "in1");
  g.read(g.access("dY"), "0:2, 0:3", n, "in2");
  g.write(n, "out0", g.access("dA"), "0:2, 0:3");
  g.write(n, "out1", g.access("dB"), "0:3");
  ir::Program p = b.build();
  ops::expand_all(p);
  EXPECT_EQ(ir::print_text(p), R"(program mul_grad {
  array A: f64[2, 3]
  array B: f64[3]
  array dY: f64[2, 3]
  array dA: f64[2, 3]
  array dB: f64[3]
  state 0 "main" start {
    node 1 = access A
    node 2 = access B
    node 3 = access dY
    node 4 = access dA
    node 5 = access dB
    node 6 = access dB
    node 7 = map "mul_grad_zero" [_d0 = 0:3] () -> (dB) schedule=cpu_parallel {
      node 0 = tasklet "mul_grad_zero" () -> (g) { g = 0.0; }
      node 1 = access dB
      edge 0: node 0.g -> node 1 dB[_d0]
    }
    node 10 = map "mul_grad" [_d0 = 0:2, _d1 = 0:3] (A, B, dY) -> (dA, dB) schedule=cpu_parallel {
      node 0 = tasklet "mul_grad" (a, b, grad_y) -> (grad_a, grad_b) {
        grad_a = grad_y * b;
        grad_b = grad_y * a;
      }
      node 1 = access A
      node 2 = access B
      node 3 = access dY
      node 4 = access dA
      node 5 = access dB
      edge 0: node 1 -> node 0.a A[_d0, _d1]
      edge 1: node 2 -> node 0.b B[_d1]
      edge 2: node 3 -> node 0.grad_y dY[_d0, _d1]
      edge 3: node 0.grad_a -> node 4 dA[_d0, _d1]
      edge 4: node 0.grad_b -> node 5 dB[_d1] wcr=sum
    }
    edge 5: node 7.dB -> node 6 dB[0:3]
    edge 6: node 1 -> node 10.A A[0:2, 0:3]
    edge 7: node 2 -> node 10.B B[0:3] volume=6
    edge 8: node 3 -> node 10.dY dY[0:2, 0:3]
    edge 11: node 6 -> node 10 empty
    edge 12: node 10.dA -> node 4 dA[0:2, 0:3]
    edge 13: node 10.dB -> node 5 dB[0:3] volume=6 wcr=sum
  }
}
)");
}

// --- refusals ---------------------------------------------------------------------------------

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ElementwiseGradients, AnOpWithoutARuleIsNamed) {
  ir::ProgramBuilder b("no_rule");
  b.array("X", ir::DType::f64, {2, 3});
  b.array("Y", ir::DType::f64, {2, 3});
  b.array("S", ir::DType::f64, {2, 3});
  b.array("G", ir::DType::f64, {2, 3});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId n = g.library("cumsum", "CumSum", {"in0"}, {"out0"});
  g.read(g.access("X"), "0:2, 0:3", n, "in0");
  g.write(n, "out0", g.access("Y"), "0:2, 0:3");
  ir::Program p = b.build();
  const ir::Program before = p;
  const std::string m = message_of([&] { append_backward(p, {{{"Y", "S"}}, {{"X", "G"}}}); });
  EXPECT_NE(m.find("no gradient rule for CumSum (used by 'cumsum')"), std::string::npos) << m;
  EXPECT_EQ(p, before);
}

// A gradient op asked for the gradient of an integer input refuses at expansion.
TEST(ElementwiseGradients, GradientThroughAnIntegerInputIsRefused) {
  ir::ProgramBuilder b("int_grad");
  b.array("A", ir::DType::i64, {3});
  b.array("B", ir::DType::i64, {3});
  b.array("dY", ir::DType::i64, {3});
  b.array("dA", ir::DType::i64, {3});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId n = g.library("add_grad", "AddGrad", {"in0", "in1", "in2"}, {"out0"},
                                 {{"forward_inputs", std::int64_t{2}}});
  g.read(g.access("A"), "0:3", n, "in0");
  g.read(g.access("B"), "0:3", n, "in1");
  g.read(g.access("dY"), "0:3", n, "in2");
  g.write(n, "out0", g.access("dA"), "0:3");
  ir::Program p = b.build();
  const std::string m = message_of([&] { ops::expand_all(p); });
  EXPECT_NE(m.find("AddGrad 'add_grad'"), std::string::npos) << m;
  EXPECT_NE(m.find("cannot differentiate with respect to 'a' of type i64"), std::string::npos) << m;
}

// The forward op's own checks still apply, named through the gradient node.
TEST(ElementwiseGradients, AForwardOpThatDoesNotExpandIsReported) {
  const std::string m = message_of([] {
    ir::ProgramBuilder b("bad_gelu");
    b.array("X", ir::DType::f64, {3});
    b.array("dY", ir::DType::f64, {3});
    b.array("dX", ir::DType::f64, {3});
    ir::GraphBuilder g = b.state("main");
    const ir::NodeId n =
        g.library("gelu_grad", "GeluGrad", {"in0", "in1"}, {"out0"},
                  {{"forward_inputs", std::int64_t{1}}, {"approximate", std::string("cubic")}});
    g.read(g.access("X"), "0:3", n, "in0");
    g.read(g.access("dY"), "0:3", n, "in1");
    g.write(n, "out0", g.access("dX"), "0:3");
    ir::Program p = b.build();
    ops::expand_all(p);
  });
  EXPECT_NE(m.find("the forward op does not expand"), std::string::npos) << m;
  EXPECT_NE(m.find("'approximate' is 'cubic'"), std::string::npos) << m;
}

}  // namespace
}  // namespace sluice::autodiff::testing
