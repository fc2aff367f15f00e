// BLAS calls on views (what redundant-copy-elimination leaves): rows of a MatMul's A laid out
// out of order, an operand whose unit stride is in the dimension before the last (passed
// transposed), an output written through a permuted view; against plain loops.
#include <vector>

#include "codegen_test_support.h"
#include "ir/builder.h"

namespace sluice::codegen {
namespace {

using ir::DType;
using ir::ProgramBuilder;
using testing::build;
using testing::expect_near;

/// One blas library node `op` reading `inputs` (in0, in1, ...) and writing `output` (out0).
ir::Program blas_node(ProgramBuilder& b, const std::string& op,
                      const std::vector<std::string>& inputs, const std::string& output,
                      ir::Attributes attributes = {}) {
  auto g = b.state("main");
  std::vector<std::string> conns;
  conns.reserve(inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k) conns.push_back("in" + std::to_string(k));
  const ir::NodeId lib = g.library(op, op, conns, {"out0"}, std::move(attributes));
  std::get<ir::LibraryNode>(g.graph().node(lib)).implementation = "blas";
  const auto whole = [&](const std::string& name) {
    const auto& c = b.program().containers[*b.program().find_container(name)];
    std::string subset;
    for (std::size_t d = 0; d < c.shape.size(); ++d)
      subset += (d ? ", 0:" : "0:") + c.shape[d].str();
    return subset;
  };
  for (std::size_t k = 0; k < inputs.size(); ++k)
    g.read(g.access(inputs[k]), whole(inputs[k]), lib, conns[k]);
  g.write(lib, "out0", g.access(output), whole(output));
  return b.build();
}

// Y[s, b, n] = sum_k X[b, s, k] * W[k, n], A = X permuted: the rows do not fold into one GEMM.
TEST(CpuBlasViews, MatMulReadsPermutedRows) {
  auto rng = testing::seeded_rng();
  const std::int64_t bv = 3, sv = 5, kv = 4, nv = 6;
  ProgramBuilder b("permuted_rows");
  b.array("X", DType::f32, {bv, sv, kv});
  b.array("W", DType::f32, {kv, nv});
  b.array("Y", DType::f32, {sv, bv, nv});
  b.permute_view("A", "X", {1, 0, 2});
  auto built = build(blas_node(b, "MatMul", {"A", "W"}, "Y"));
  EXPECT_NE(built.source.code.find("for (int64_t sl_b1"), std::string::npos) << built.source.code;
  const auto x = testing::random_floats(rng, bv * sv * kv);
  const auto w = testing::random_floats(rng, kv * nv);
  std::vector<float> y(sv * bv * nv);
  built.executable.init({});
  built.executable.run({const_cast<float*>(x.data()), const_cast<float*>(w.data()), y.data()});
  std::vector<double> expected(y.size(), 0.0);
  for (int s = 0; s < sv; ++s)
    for (int bb = 0; bb < bv; ++bb)
      for (int n = 0; n < nv; ++n)
        for (int k = 0; k < kv; ++k)
          expected[(s * bv + bb) * nv + n] +=
              static_cast<double>(x[(bb * sv + s) * kv + k]) * w[k * nv + n];
  expect_near(y, expected);
}

// Y = A @ K^T per batch, with K^T a permuted view (unit stride in its rows: passed transposed)
// and Y a permuted view of the output argument.
TEST(CpuBlasViews, BatchedMatMulTransposedOperandAndPermutedOutput) {
  auto rng = testing::seeded_rng();
  const std::int64_t bv = 2, mv = 3, kv = 4, nv = 6;
  ProgramBuilder b("transposed_operand");
  b.array("A", DType::f64, {bv, mv, kv});
  b.array("K", DType::f64, {bv, nv, kv});
  b.array("Z", DType::f64, {mv, bv, nv});
  b.permute_view("KT", "K", {0, 2, 1});
  b.permute_view("Y", "Z", {1, 0, 2});
  auto built = build(blas_node(b, "MatMul", {"A", "KT"}, "Y"));
  const auto a = testing::random_doubles(rng, bv * mv * kv);
  const auto k = testing::random_doubles(rng, bv * nv * kv);
  std::vector<double> z(mv * bv * nv);
  built.executable.init({});
  built.executable.run({const_cast<double*>(a.data()), const_cast<double*>(k.data()), z.data()});
  std::vector<double> expected(z.size(), 0.0);
  for (int bb = 0; bb < bv; ++bb)
    for (int i = 0; i < mv; ++i)
      for (int j = 0; j < nv; ++j)
        for (int l = 0; l < kv; ++l)
          expected[(i * bv + bb) * nv + j] += a[(bb * mv + i) * kv + l] * k[(bb * nv + j) * kv + l];
  expect_near(z, expected, 1e-12);
}

// Gemm with transA = 1 on an A that is itself a transposed view: the two cancel.
TEST(CpuBlasViews, GemmOnTransposedView) {
  auto rng = testing::seeded_rng();
  const std::int64_t mv = 5, kv = 7, nv = 3;
  ProgramBuilder b("gemm_view");
  b.array("P", DType::f32, {mv, kv});
  b.array("B", DType::f32, {kv, nv});
  b.array("Y", DType::f32, {mv, nv});
  b.permute_view("A", "P", {1, 0});  // [K, M], unit stride in dim 0
  auto built = build(blas_node(b, "Gemm", {"A", "B"}, "Y", {{"transA", std::int64_t{1}}}));
  const auto p = testing::random_floats(rng, mv * kv);
  const auto bb = testing::random_floats(rng, kv * nv);
  std::vector<float> y(mv * nv);
  built.executable.init({});
  built.executable.run({const_cast<float*>(p.data()), const_cast<float*>(bb.data()), y.data()});
  std::vector<double> expected(y.size(), 0.0);
  for (int i = 0; i < mv; ++i)
    for (int j = 0; j < nv; ++j)
      for (int l = 0; l < kv; ++l)
        expected[i * nv + j] += static_cast<double>(p[i * kv + l]) * bb[l * nv + j];
  expect_near(y, expected);
}

}  // namespace
}  // namespace sluice::codegen
