// Finite-difference checks (float64) of the contraction ops' gradient rules, and the sum of the
// contributions of a value that a node reads twice.

#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gradient_check.h"
#include "ir/builder.h"
#include "ops/expansion.h"
#include "program_interpreter.h"
#include "transforms/autodiff/reverse_mode.h"

namespace sluice::autodiff::testing {
namespace {

TEST(ContractionGradients, MatMul2D) {
  check_gradient({"MatMul", {{"A", {3, 4}}, {"B", {4, 5}}}, {{3, 5}}});
}

TEST(ContractionGradients, MatMulBatched) {
  check_gradient({"MatMul", {{"A", {2, 2, 3}}, {"B", {2, 3, 2}}}, {{2, 2, 2}}});
}

TEST(ContractionGradients, MatMulBroadcastBatch) {
  // A's batch dim of 1 and B's missing leading dim are both summed back.
  check_gradient({"MatMul", {{"A", {2, 1, 2, 3}}, {"B", {2, 3, 2}}}, {{2, 2, 2, 2}}});
}

TEST(ContractionGradients, MatMulBatchedTimesMatrix) {
  check_gradient({"MatMul", {{"A", {2, 3, 4}}, {"B", {4, 5}}}, {{2, 3, 5}}});
}

TEST(ContractionGradients, MatMulVectorTimesMatrix) {
  check_gradient({"MatMul", {{"A", {4}}, {"B", {4, 5}}}, {{5}}});
}

TEST(ContractionGradients, MatMulMatrixTimesVector) {
  check_gradient({"MatMul", {{"A", {3, 4}}, {"B", {4}}}, {{3}}});
}

TEST(ContractionGradients, MatMulBatchedTimesVector) {
  check_gradient({"MatMul", {{"A", {2, 3, 4}}, {"B", {4}}}, {{2, 3}}});
}

TEST(ContractionGradients, MatMulVectorTimesBatched) {
  check_gradient({"MatMul", {{"A", {4}}, {"B", {2, 4, 3}}}, {{2, 3}}});
}

TEST(ContractionGradients, MatMulVectorTimesVector) {
  GradientCase c{"MatMul", {{"A", {4}}, {"B", {4}}}, {}};
  c.output_shapes.emplace_back();  // a scalar
  check_gradient(c);
}

TEST(ContractionGradients, MatMulOnlyOneOperandDifferentiated) {
  GradientInput b{"B", {4, 5}};
  b.differentiate = false;
  check_gradient({"MatMul", {{"A", {3, 4}}, b}, {{3, 5}}});
}

TEST(ContractionGradients, Gemm) {
  check_gradient({"Gemm", {{"A", {3, 4}}, {"B", {4, 5}}, {"C", {3, 5}}}, {{3, 5}}});
}

TEST(ContractionGradients, GemmTransA) {
  check_gradient({"Gemm",
                  {{"A", {4, 3}}, {"B", {4, 5}}, {"C", {3, 5}}},
                  {{3, 5}},
                  {{"transA", std::int64_t{1}}}});
}

TEST(ContractionGradients, GemmTransB) {
  check_gradient({"Gemm",
                  {{"A", {3, 4}}, {"B", {5, 4}}, {"C", {3, 5}}},
                  {{3, 5}},
                  {{"transB", std::int64_t{1}}}});
}

TEST(ContractionGradients, GemmTransBothAlphaBetaBroadcastRow) {
  check_gradient(
      {"Gemm",
       {{"A", {4, 3}}, {"B", {5, 4}}, {"C", {5}}},
       {{3, 5}},
       {{"transA", std::int64_t{1}}, {"transB", std::int64_t{1}}, {"alpha", 0.5}, {"beta", 2.0}}});
}

TEST(ContractionGradients, GemmBroadcastColumnC) {
  check_gradient(
      {"Gemm", {{"A", {3, 4}}, {"B", {4, 5}}, {"C", {3, 1}}}, {{3, 5}}, {{"beta", -1.5}}});
}

TEST(ContractionGradients, GemmScalarC) {
  check_gradient({"Gemm", {{"A", {3, 4}}, {"B", {4, 5}}, {"C", {}}}, {{3, 5}}});
}

TEST(ContractionGradients, GemmWithoutC) {
  check_gradient({"Gemm", {{"A", {3, 4}}, {"B", {4, 5}}}, {{3, 5}}, {{"alpha", 3.0}}});
}

TEST(ContractionGradients, GemmBetaZeroGivesCZeros) {
  check_gradient(
      {"Gemm", {{"A", {3, 4}}, {"B", {4, 5}}, {"C", {3, 5}}}, {{3, 5}}, {{"beta", 0.0}}});
}

TEST(ContractionGradients, EinsumBatchedMatMul) {
  check_gradient({"Einsum",
                  {{"A", {2, 2, 3}}, {"B", {2, 3, 4}}},
                  {{2, 4, 2}},
                  {{"equation", std::string("bij, bjk -> bki")}}});
}

TEST(ContractionGradients, EinsumImplicitOutputAndThreeOperands) {
  // Implicit output "ik"; j and l are summed.
  check_gradient({"Einsum",
                  {{"A", {3, 4}}, {"B", {4, 2}}, {"C", {2, 5}}},
                  {{3, 5}},
                  {{"equation", std::string("ij,jl,lk")}}});
}

TEST(ContractionGradients, EinsumTrace) {
  GradientCase c{
      "Einsum", {{"A", {3, 4}}, {"B", {4, 3}}}, {}, {{"equation", std::string("ij,ji->")}}};
  c.output_shapes.emplace_back();  // a scalar
  check_gradient(c);
}

// Y = X @ transpose(X): X is read by both nodes, so dX = dY X + dY^T X, the Sum of the MatMul's
// contribution and the Transpose's. (MatMul(X, X) would say the same, but its pure expansion
// refuses one container on both operands.)
TEST(ContractionGradients, ValueReadTwiceGetsTheSumOfBothContributions) {
  constexpr std::int64_t kN = 3;
  ir::ProgramBuilder b("gram");
  for (const char* name : {"X", "Y", "SY", "GX"}) b.array(name, ir::DType::f64, {kN, kN});
  b.transient("T", ir::DType::f64, {kN, kN});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId tr = g.library("transpose", "Transpose", {"in0"}, {"out0"});
  const ir::NodeId mm = g.library("gram", "MatMul", {"in0", "in1"}, {"out0"});
  const ir::NodeId t = g.access("T");
  g.read(g.access("X"), "0:3, 0:3", tr, "in0");
  g.write(tr, "out0", t, "0:3, 0:3");
  g.read(g.access("X"), "0:3, 0:3", mm, "in0");
  g.read(t, "0:3, 0:3", mm, "in1");
  g.write(mm, "out0", g.access("Y"), "0:3, 0:3");
  ir::Program p = b.build();
  append_backward(p, {{{"Y", "SY"}}, {{"X", "GX"}}});

  int sums = 0;
  const ir::Graph& graph = p.states[p.start_state].graph;
  for (const ir::NodeId n : graph.node_ids())
    if (const auto* lib = std::get_if<ir::LibraryNode>(&graph.node(n)); lib && lib->op == "Sum")
      ++sums;
  EXPECT_EQ(sums, 1);

  ops::expand_all(p);
  const std::uint64_t seed = std::random_device{}();
  std::cout << "gram: seed " << seed << "\n";
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> x(kN * kN), s(kN * kN);
  for (auto& v : x) v = u(rng);
  for (auto& v : s) v = u(rng);
  std::map<std::string, ops::testing::Buffer> args{
      {"X", {ir::DType::f64, {kN, kN}, x}},
      {"SY", {ir::DType::f64, {kN, kN}, s}},
      {"Y", {ir::DType::f64, {kN, kN}, std::vector<double>(kN * kN)}},
      {"GX", {ir::DType::f64, {kN, kN}, std::vector<double>(kN * kN)}}};
  ops::testing::interpret(p, args);
  const auto at = [](const std::vector<double>& m, std::int64_t i, std::int64_t j) {
    return m[static_cast<std::size_t>(i * kN + j)];
  };
  for (std::int64_t i = 0; i < kN; ++i)
    for (std::int64_t j = 0; j < kN; ++j) {
      double expected = 0.0;
      for (std::int64_t k = 0; k < kN; ++k) expected += (at(s, i, k) + at(s, k, i)) * at(x, k, j);
      EXPECT_NEAR(at(args.at("GX").values, i, j), expected, 1e-12)
          << "dX[" << i << ", " << j << "], seed " << seed;
    }
}

}  // namespace
}  // namespace sluice::autodiff::testing
