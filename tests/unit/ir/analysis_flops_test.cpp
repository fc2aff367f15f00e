// FLOP counts: tasklets times map iterations, write-conflict combinations, the library op
// formulas, unknown ops, and nested programs with their symbol mapping.
#include <gtest/gtest.h>

#include "ir/analysis/flops.h"
#include "ir/builder.h"

namespace sluice::ir::analysis {
namespace {

const Expr M = Expr::symbol("M");
const Expr N = Expr::symbol("N");
const Expr K = Expr::symbol("K");

// One library node `op` with inputs wired from containers (name, subset) and one output.
struct LibraryCase {
  Program program;
  NodeId node;
};

LibraryCase library_case(const std::string& op,
                         const std::vector<std::pair<std::string, std::string>>& inputs,
                         const std::string& output_subset, Attributes attributes = {}) {
  ProgramBuilder b("lib");
  b.symbol("M");
  b.symbol("N");
  b.symbol("K");
  for (const char* name : {"A", "B", "C", "D"}) b.array(name, DType::f32, {M, N, K, K});
  b.array("Y", DType::f32, {M, N, K, K});
  auto g = b.state("main");
  std::vector<std::string> connectors;
  for (std::size_t i = 0; i < inputs.size(); ++i) connectors.push_back("in" + std::to_string(i));
  const NodeId lib = g.library(op, op, connectors, {"out"}, std::move(attributes));
  for (std::size_t i = 0; i < inputs.size(); ++i)
    g.read(g.access(inputs[i].first), inputs[i].second, lib, connectors[i]);
  g.write(lib, "out", g.access("Y"), output_subset);
  return {b.build(), lib};
}

FlopCount flops_of(const LibraryCase& c) {
  return library_flops(c.program, c.program.states[c.program.start_state].graph, c.node);
}

TEST(AnalysisFlops, MatMulIncludingBatched) {
  EXPECT_EQ(
      flops_of(library_case("MatMul", {{"A", "0:M, 0:K"}, {"B", "0:K, 0:N"}}, "0:M, 0:N")).flops,
      2 * M * N * K);
  // A batch of N products of [M, K] x [K, K].
  EXPECT_EQ(flops_of(library_case("MatMul", {{"A", "0:N, 0:M, 0:K"}, {"B", "0:N, 0:K, 0:K"}},
                                  "0:N, 0:M, 0:K"))
                .flops,
            2 * N * M * K * K);
}

TEST(AnalysisFlops, GemmWithTransposeAndBias) {
  // A is [K, M] with transA = 1; C is the bias.
  const auto c = library_case("Gemm", {{"A", "0:K, 0:M"}, {"B", "0:K, 0:N"}, {"C", "0:M, 0:N"}},
                              "0:M, 0:N", {{"transA", std::int64_t{1}}});
  EXPECT_EQ(flops_of(c).flops, 2 * M * N * K + M * N);
  const auto plain = library_case("Gemm", {{"A", "0:M, 0:K"}, {"B", "0:K, 0:N"}}, "0:M, 0:N");
  EXPECT_EQ(flops_of(plain).flops, 2 * M * N * K);
}

TEST(AnalysisFlops, ConvAndPool) {
  // X[1, K, M, M] * W[N, K, 3, 3] -> Y[1, N, M, M]
  const auto conv = library_case("Conv", {{"A", "0, 0:K, 0:M, 0:M"}, {"B", "0:N, 0:K, 0:3, 0:3"}},
                                 "0, 0:N, 0:M, 0:M");
  EXPECT_EQ(flops_of(conv).flops, 18 * N * K * M * M);
  const auto pool = library_case("MaxPool", {{"A", "0, 0:K, 0:M, 0:M"}}, "0, 0:K, 0:N, 0:N",
                                 {{"kernel_shape", std::vector<std::int64_t>{2, 3}}});
  EXPECT_EQ(flops_of(pool).flops, 6 * K * N * N);
  const auto no_window = library_case("MaxPool", {{"A", "0, 0:K, 0:M, 0:M"}}, "0, 0:K, 0:N, 0:N");
  EXPECT_EQ(flops_of(no_window).unknown_ops, std::vector<std::string>{"MaxPool"});
}

TEST(AnalysisFlops, ElementwiseNormalizationsReductionsAndMovement) {
  EXPECT_EQ(flops_of(library_case("Add", {{"A", "0:M, 0:N"}, {"B", "0:M, 0:N"}}, "0:M, 0:N")).flops,
            M * N);
  EXPECT_EQ(flops_of(library_case("Relu", {{"A", "0:M, 0:N"}}, "0:M, 0:N")).flops, M * N);
  EXPECT_EQ(flops_of(library_case("Gelu", {{"A", "0:M, 0:N"}}, "0:M, 0:N")).flops, 5 * M * N);
  EXPECT_EQ(flops_of(library_case("Softmax", {{"A", "0:M, 0:N"}}, "0:M, 0:N")).flops, 5 * M * N);
  EXPECT_EQ(flops_of(library_case("LayerNormalization", {{"A", "0:M, 0:N"}}, "0:M, 0:N")).flops,
            8 * M * N);
  // Reductions count their input elements.
  EXPECT_EQ(flops_of(library_case("ReduceSum", {{"A", "0:M, 0:N"}}, "0:M")).flops, M * N);
  EXPECT_EQ(flops_of(library_case("Transpose", {{"A", "0:M, 0:N"}}, "0:N, 0:M")).flops, Expr(0));
  EXPECT_FALSE(flops_of(library_case("Transpose", {{"A", "0:M, 0:N"}}, "0:N, 0:M")).unknown());
}

TEST(AnalysisFlops, UnknownOpCountsZeroAndIsNamed) {
  const auto c = library_case("FancyAttention", {{"A", "0:M, 0:N"}}, "0:M, 0:N");
  const FlopCount f = flops_of(c);
  EXPECT_EQ(f.flops, Expr(0));
  EXPECT_TRUE(f.unknown());
  EXPECT_EQ(f.unknown_ops, std::vector<std::string>{"FancyAttention"});
  const FlopCount total = program_flops(c.program);
  EXPECT_EQ(total.unknown_ops, std::vector<std::string>{"FancyAttention"});
  // A known op whose output is not wired cannot be counted either.
  ProgramBuilder b("t");
  b.symbol("N");
  b.array("X", DType::f32, {N});
  auto g = b.state("main");
  const NodeId relu = g.library("relu", "Relu", {"X"}, {"Y"});
  g.read(g.access("X"), "0:N", relu, "X");
  const Program p = b.build();
  EXPECT_EQ(node_flops(p, p.states[p.start_state].graph, relu).unknown_ops,
            std::vector<std::string>{"Relu"});
}

TEST(AnalysisFlops, TaskletsTimesMapIterations) {
  ProgramBuilder b("t");
  b.symbol("N");
  b.symbol("M");
  b.array("X", DType::f32, {N, M});
  b.array("Y", DType::f32, {N});
  b.array("Z", DType::f32, {1});
  auto g = b.state("main");
  // 3 FLOPs per point (mul, add, exp) plus the sum's add: 4 * N * M over a strided range.
  g.mapped_tasklet("rows", "i=0:N, j=0:M:2", {{"x", "X", "i, j"}}, "y = exp(x * x + 1.0);",
                   {{"y", "Y", "i", WriteConflict::Sum}});
  // A top-level tasklet runs once: 2 FLOPs.
  const NodeId t = g.tasklet("scalar", {"a"}, {"z"}, "z = -a * 3.0;");
  g.read(g.access("Z"), "0", t, "a");
  g.write(t, "z", g.access("Z"), "0");
  const Program p = b.build();
  const Expr half = floordiv(M + 1, 2);
  EXPECT_EQ(program_flops(p).flops, 4 * N * half + 2);
  EXPECT_EQ(program_flops(p).flops.evaluate({{"N", 10}, {"M", 7}}), 4 * 10 * 4 + 2);
}

TEST(AnalysisFlops, NestedProgramSubstitutesItsSymbols) {
  ProgramBuilder inner_builder("inner");
  const Expr n = inner_builder.symbol("n");
  inner_builder.array("x", DType::f32, {n});
  inner_builder.array("y", DType::f32, {n});
  inner_builder.state("s").mapped_tasklet("sq", "i=0:n", {{"a", "x", "i"}}, "b = a * a + 1.0;",
                                          {{"b", "y", "i"}});
  ProgramBuilder b("outer");
  b.symbol("N");
  b.array("X", DType::f32, {2 * N});
  b.array("Y", DType::f32, {2 * N});
  auto g = b.state("main");
  NestedNode nested;
  nested.label = "call";
  nested.inputs = {"x"};
  nested.outputs = {"y"};
  nested.symbol_mapping = {{"n", 2 * N}};
  nested.program = inner_builder.build();
  const NodeId call = g.graph().add_node(std::move(nested));
  g.read(g.access("X"), "0:2*N", call, "x");
  g.write(call, "y", g.access("Y"), "0:2*N");
  const Program p = b.build();
  const auto kernels = state_kernels(p, p.start_state);
  ASSERT_EQ(kernels.size(), 1u);
  EXPECT_EQ(kernels[0].kind, KernelKind::Nested);
  EXPECT_EQ(kernel_flops(p, kernels[0]).flops, 4 * N);
  EXPECT_EQ(kernel_data_movement(p, kernels[0]).reads, 8 * N);
  EXPECT_EQ(kernel_data_movement(p, kernels[0]).writes, 8 * N);
}

}  // namespace
}  // namespace sluice::ir::analysis
