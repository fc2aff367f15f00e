// Finite-difference checks (float64) of the normalization and loss gradient rules, the IR of one
// expanded gradient op, and the rules' refusals.

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

GradientInput labels(std::vector<std::int64_t> shape, std::vector<double> values) {
  return {"T", std::move(shape), ir::DType::i64, std::move(values), false};
}

TEST(NormalizationGradients, SoftmaxLastAxis) {
  check_gradient({"Softmax", {{"X", {3, 5}}}, {{3, 5}}});
}

TEST(NormalizationGradients, SoftmaxMiddleAxisOfRank3) {
  check_gradient({"Softmax", {{"X", {2, 3, 4}}}, {{2, 3, 4}}, {{"axis", std::int64_t{1}}}});
}

TEST(NormalizationGradients, SoftmaxNegativeAxis) {
  check_gradient({"Softmax", {{"X", {2, 3, 4}}}, {{2, 3, 4}}, {{"axis", std::int64_t{-3}}}});
}

TEST(NormalizationGradients, LogSoftmaxLastAxis) {
  check_gradient({"LogSoftmax", {{"X", {3, 5}}}, {{3, 5}}});
}

TEST(NormalizationGradients, LogSoftmaxFirstAxis) {
  check_gradient({"LogSoftmax", {{"X", {4, 3}}}, {{4, 3}}, {{"axis", std::int64_t{0}}}});
}

TEST(NormalizationGradients, LayerNormalizationLastAxisWithBias) {
  check_gradient({"LayerNormalization",
                  {{"X", {2, 3, 4}}, {"Scale", {4}}, {"B", {4}}},
                  {{2, 3, 4}},
                  {{"axis", std::int64_t{-1}}, {"epsilon", 1e-5}}});
}

TEST(NormalizationGradients, LayerNormalizationAxis1OfRank3) {
  check_gradient({"LayerNormalization",
                  {{"X", {2, 3, 4}}, {"Scale", {3, 4}}, {"B", {3, 4}}},
                  {{2, 3, 4}},
                  {{"axis", std::int64_t{1}}}});
}

TEST(NormalizationGradients, LayerNormalizationWithoutBiasAndBroadcastScale) {
  // Scale [1, 4] broadcasts over the normalized dims [3, 4]: dScale is summed down to it.
  check_gradient({"LayerNormalization",
                  {{"X", {2, 3, 4}}, {"Scale", {1, 4}}},
                  {{2, 3, 4}},
                  {{"axis", std::int64_t{1}}}});
}

TEST(NormalizationGradients, LayerNormalizationStatisticsOutputsAreNotDifferentiated) {
  GradientCase c{"LayerNormalization",
                 {{"X", {3, 4}}, {"Scale", {4}}, {"B", {4}}},
                 {{3, 4}, {3, 1}, {3, 1}},
                 {{"axis", std::int64_t{1}}}};
  c.seeded = {0};
  check_gradient(c);
}

TEST(NormalizationGradients, LayerNormalizationAxis0) {
  check_gradient({"LayerNormalization",
                  {{"X", {2, 3}}, {"Scale", {2, 3}}},
                  {{2, 3}},
                  {{"axis", std::int64_t{0}}}});
}

TEST(NormalizationGradients, InstanceNormalization) {
  check_gradient({"InstanceNormalization",
                  {{"X", {2, 3, 2, 3}}, {"Scale", {3}}, {"B", {3}}},
                  {{2, 3, 2, 3}},
                  {{"epsilon", 1e-3}}});
  check_gradient(
      {"InstanceNormalization", {{"X", {2, 2, 5}}, {"Scale", {2}}, {"B", {2}}}, {{2, 2, 5}}});
}

TEST(NormalizationGradients, MeanVarianceNormalizationDefaultAxes) {
  check_gradient({"MeanVarianceNormalization", {{"X", {2, 3, 2, 2}}}, {{2, 3, 2, 2}}});
}

TEST(NormalizationGradients, MeanVarianceNormalizationLastAxis) {
  check_gradient({"MeanVarianceNormalization",
                  {{"X", {3, 5}}},
                  {{3, 5}},
                  {{"axes", std::vector<std::int64_t>{-1}}}});
}

// Inputs away from 0: the 1-norm has a kink there.
TEST(NormalizationGradients, LpNormalization) {
  check_gradient({"LpNormalization", {{"X", {3, 4}}}, {{3, 4}}});
  check_gradient({"LpNormalization",
                  {{"X", {2, 3, 2}}},
                  {{2, 3, 2}},
                  {{"axis", std::int64_t{1}}, {"p", std::int64_t{2}}}});
  GradientCase l1{"LpNormalization", {{"X", {3, 4}}}, {{3, 4}}, {{"p", std::int64_t{1}}}};
  l1.distinct_inputs = true;  // an even count of evenly spaced values in [-1, 1): none is near 0
  check_gradient(l1);
}

// Piecewise constant: the gradient is zero (distinct inputs: no ties for the maximum).
TEST(NormalizationGradients, HardmaxHasZeroGradient) {
  GradientCase c{"Hardmax", {{"X", {3, 4}}}, {{3, 4}}};
  c.distinct_inputs = true;
  check_gradient(c);
}

TEST(NormalizationGradients, BatchNormalizationInference) {
  check_gradient({"BatchNormalization",
                  {{"X", {2, 3, 2, 2}},
                   {"Scale", {3}},
                   {"B", {3}},
                   {"Mean", {3}},
                   {"Var", {3}, ir::DType::f64, std::nullopt, true, 0.5, 1.5}},
                  {{2, 3, 2, 2}},
                  {{"epsilon", 1e-3}}});
}

// The batch's statistics carry the gradient; the running statistics (inputs 3 and 4) get
// zeros, since Y does not read them.
TEST(NormalizationGradients, BatchNormalizationTrainingMode) {
  GradientCase c{"BatchNormalization",
                 {{"X", {3, 2, 2, 2}},
                  {"Scale", {2}},
                  {"B", {2}},
                  {"Mean", {2}},
                  {"Var", {2}, ir::DType::f64, std::nullopt, true, 0.5, 1.5}},
                 {{3, 2, 2, 2}, {2}, {2}},
                 {{"training_mode", std::int64_t{1}}, {"epsilon", 1e-3}, {"momentum", 0.8}}};
  c.seeded = {0};
  check_gradient(c);
  check_gradient({"BatchNormalization",
                  {{"X", {4, 3}}, {"Scale", {3}}, {"B", {3}}, {"Mean", {3}}, {"Var", {3}}},
                  {{4, 3}},
                  {{"training_mode", std::int64_t{1}}}});
}

TEST(NormalizationGradients, BatchNormalizationRank2ConstantStatistics) {
  check_gradient({"BatchNormalization",
                  {{"X", {4, 3}},
                   {"Scale", {3}},
                   {"B", {3}},
                   {"Mean", {3}, ir::DType::f64, std::nullopt, false},
                   {"Var", {3}, ir::DType::f64, std::nullopt, false, 0.5, 1.5}},
                  {{4, 3}}});
}

// --- losses ------------------------------------------------------------------------------------

TEST(LossGradients, SoftmaxCrossEntropyMean) {
  check_gradient({"SoftmaxCrossEntropyLoss", {{"X", {3, 5}}, labels({3}, {0, 4, 2})}, {{}}});
}

TEST(LossGradients, SoftmaxCrossEntropySumWithIgnoreIndex) {
  check_gradient({"SoftmaxCrossEntropyLoss",
                  {{"X", {4, 5}}, labels({4}, {1, 3, 0, 3})},
                  {{}},
                  {{"reduction", std::string("sum")}, {"ignore_index", std::int64_t{3}}}});
}

TEST(LossGradients, SoftmaxCrossEntropyMeanWithIgnoreIndexAndWeights) {
  check_gradient({"SoftmaxCrossEntropyLoss",
                  {{"X", {4, 3}},
                   labels({4}, {2, -100, 0, 1}),
                   {"W", {3}, ir::DType::f64, std::vector<double>{0.5, 2.0, 1.5}, false}},
                  {{}},
                  {{"ignore_index", std::int64_t{-100}}}});
}

TEST(LossGradients, SoftmaxCrossEntropyNoneRank3) {
  check_gradient({"SoftmaxCrossEntropyLoss",
                  {{"X", {2, 4, 3}}, labels({2, 3}, {0, 1, 2, 3, 3, 0})},
                  {{2, 3}},
                  {{"reduction", std::string("none")}}});
}

TEST(LossGradients, SoftmaxCrossEntropyWithLogProbOutput) {
  check_gradient(
      {"SoftmaxCrossEntropyLoss", {{"X", {3, 4}}, labels({3}, {3, 0, 1})}, {{}, {3, 4}}});
}

TEST(LossGradients, NegativeLogLikelihoodMean) {
  check_gradient({"NegativeLogLikelihoodLoss", {{"X", {3, 5}}, labels({3}, {0, 4, 2})}, {{}}});
}

TEST(LossGradients, NegativeLogLikelihoodWeightedIgnoreRank3) {
  check_gradient({"NegativeLogLikelihoodLoss",
                  {{"X", {2, 3, 2}},
                   labels({2, 2}, {0, 2, 1, 2}),
                   {"W", {3}, ir::DType::f64, std::vector<double>{0.5, 2.0, 1.5}, false}},
                  {{}},
                  {{"ignore_index", std::int64_t{2}}}});
}

TEST(LossGradients, NegativeLogLikelihoodNone) {
  check_gradient({"NegativeLogLikelihoodLoss",
                  {{"X", {3, 4}}, labels({3}, {1, 1, 3})},
                  {{3}},
                  {{"reduction", std::string("none")}}});
}

TEST(LossGradients, MSELossMean) {
  check_gradient({"MSELoss", {{"P", {3, 4}}, {"T", {3, 4}}}, {{}}});
}

TEST(LossGradients, MSELossSum) {
  check_gradient(
      {"MSELoss", {{"P", {2, 3}}, {"T", {2, 3}}}, {{}}, {{"reduction", std::string("sum")}}});
}

TEST(LossGradients, MSELossNoneConstantTarget) {
  check_gradient({"MSELoss",
                  {{"P", {5}}, {"T", {5}, ir::DType::f64, std::nullopt, false}},
                  {{5}},
                  {{"reduction", std::string("none")}}});
}

// --- the IR of one gradient op, and refusals ---------------------------------------------------

constexpr const char* kSoftmaxGradExpanded = R"(program single {
  array S: f64[2, 3]
  array dS: f64[2, 3]
  array Y: f64[2, 3]
  array node_sum: f64[2, 1] transient
  state 0 "main" start {
    node 1 = access S
    node 2 = access dS
    node 3 = access Y
    node 4 = access node_sum
    node 5 = map "softmax_grad_sum_init" [_d0 = 0:2, _d1 = 0:1] () -> (node_sum) schedule=cpu_parallel {
      node 0 = tasklet "softmax_grad_sum_init" () -> (s0) { s0 = 0.0; }
      node 1 = access node_sum
      edge 0: node 0.s0 -> node 1 node_sum[_d0, _d1]
    }
    node 6 = access node_sum
    node 7 = map "softmax_grad_sum" [_d0 = 0:2] (S, dS) -> (node_sum) schedule=cpu_parallel {
      node 0 = map "softmax_grad_sum_inner" [_d1 = 0:3] (S, dS) -> (node_sum) schedule=sequential {
        node 0 = tasklet "softmax_grad_sum_inner" (a, b) -> (s0) { s0 = b * a; }
        node 1 = access S
        node 2 = access dS
        node 3 = access node_sum
        edge 0: node 1 -> node 0.a S[_d0, _d1]
        edge 1: node 2 -> node 0.b dS[_d0, _d1]
        edge 2: node 0.s0 -> node 3 node_sum[_d0, 0] wcr=sum
      }
      node 1 = access S
      node 2 = access dS
      node 3 = access node_sum
      edge 0: node 1 -> node 0.S S[_d0, 0:3]
      edge 1: node 2 -> node 0.dS dS[_d0, 0:3]
      edge 2: node 0.node_sum -> node 3 node_sum[_d0, 0] volume=3 wcr=sum
    }
    node 9 = map "softmax_grad" [_d0 = 0:2, _d1 = 0:3] (S, dS, node_sum) -> (Y) schedule=cpu_parallel {
      node 0 = tasklet "softmax_grad" (a, b, c) -> (y) { y = a * (b - c); }
      node 1 = access S
      node 2 = access dS
      node 3 = access node_sum
      node 4 = access Y
      edge 0: node 1 -> node 0.a S[_d0, _d1]
      edge 1: node 2 -> node 0.b dS[_d0, _d1]
      edge 2: node 3 -> node 0.c node_sum[_d0, 0]
      edge 3: node 0.y -> node 4 Y[_d0, _d1]
    }
    edge 3: node 5.node_sum -> node 4 node_sum[0:2, 0]
    edge 4: node 1 -> node 7.S S[0:2, 0:3] volume=12
    edge 5: node 2 -> node 7.dS dS[0:2, 0:3] volume=12
    edge 6: node 7.node_sum -> node 6 node_sum[0:2, 0] volume=4 wcr=sum
    edge 7: node 1 -> node 9.S S[0:2, 0:3]
    edge 8: node 2 -> node 9.dS dS[0:2, 0:3]
    edge 9: node 6 -> node 9.node_sum node_sum[0:2, 0] volume=6
    edge 11: node 4 -> node 7 empty
    edge 12: node 9.Y -> node 3 Y[0:2, 0:3]
  }
}
)";

// One library node `op` reading X (and dY when given) and writing Y, as a program.
ir::Program single_node(const std::string& op, const std::vector<std::string>& inputs,
                        const ir::Attributes& attributes) {
  ir::ProgramBuilder b("single");
  for (const auto& name : inputs) b.array(name, ir::DType::f64, {2, 3});
  b.array("Y", ir::DType::f64, {2, 3});
  ir::GraphBuilder g = b.state("main");
  std::vector<std::string> conns;
  for (std::size_t k = 0; k < inputs.size(); ++k) conns.push_back("in" + std::to_string(k));
  const ir::NodeId n = g.library("node", op, conns, {"out0"}, attributes);
  for (std::size_t k = 0; k < inputs.size(); ++k)
    g.read(g.access(inputs[k]), "0:2, 0:3", n, conns[k]);
  g.write(n, "out0", g.access("Y"), "0:2, 0:3");
  return b.build();
}

// One pass for the row sums of dY * Y (after their initialization), one for dX.
TEST(NormalizationGradientOps, SoftmaxGradExpandsToARowSumAndOneMap) {
  ir::Program p = single_node("SoftmaxGrad", {"S", "dS"}, {{"axis", std::int64_t{-1}}});
  ops::expand_all(p);
  EXPECT_EQ(ir::print_text(p), kSoftmaxGradExpanded);
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

TEST(NormalizationGradients, RefusesAnAxisOutOfRange) {
  const std::string m = refusal(single_node("Softmax", {"X"}, {{"axis", std::int64_t{2}}}));
  EXPECT_NE(m.find("Softmax 'node': no gradient: attribute 'axis' is 2, out of range for rank 2"),
            std::string::npos)
      << m;
}

// Training mode: the running mean (output 1, here Y) is not differentiated.
TEST(NormalizationGradients, RefusesTheRunningMeanOfBatchNormalizationTrainingMode) {
  ir::ProgramBuilder b("bn");
  b.array("X", ir::DType::f64, {2, 3});
  for (const char* n : {"Scale", "B", "Mean", "Var"}) b.array(n, ir::DType::f64, {3});
  b.array("Z", ir::DType::f64, {2, 3});
  b.array("Y", ir::DType::f64, {3});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId n = g.library("bn", "BatchNormalization", {"in0", "in1", "in2", "in3", "in4"},
                                 {"out0", "out1"}, {{"training_mode", std::int64_t{1}}});
  int k = 0;
  for (const char* name : {"X", "Scale", "B", "Mean", "Var"}) {
    const bool full = k == 0;
    g.read(g.access(name), full ? "0:2, 0:3" : "0:3", n, "in" + std::to_string(k++));
  }
  g.write(n, "out0", g.access("Z"), "0:2, 0:3");
  g.write(n, "out1", g.access("Y"), "0:3");
  const std::string m = refusal(b.build());
  EXPECT_NE(m.find("no gradient: output 1 is differentiated; only output 0 has a gradient"),
            std::string::npos)
      << m;
}

TEST(LossGradients, RefusesAnUnknownReduction) {
  const std::string m =
      refusal(single_node("MSELoss", {"X", "T"}, {{"reduction", std::string("median")}}));
  EXPECT_NE(m.find("attribute 'reduction' is 'median'; expected none, sum or mean"),
            std::string::npos)
      << m;
}

}  // namespace
}  // namespace sluice::autodiff::testing
