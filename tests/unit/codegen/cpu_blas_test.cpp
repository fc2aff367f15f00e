// Library nodes with the `blas` implementation: MatMul (batch broadcasting, 1-D operands) and
// Gemm (transA, transB, alpha, beta, C broadcast), f32 and f64, against plain loops.
#include <vector>

#include "codegen_test_support.h"
#include "ir/builder.h"

namespace sluice::codegen {
namespace {

using ir::DType;
using ir::Expr;
using ir::ProgramBuilder;
using testing::build;
using testing::expect_near;

/// A one-node program: `op` over containers `inputs` -> `output`, connectors in<k>/out0.
ir::Program one_library_node(ProgramBuilder& b, const std::string& op,
                             const std::vector<std::string>& inputs, const std::string& output,
                             ir::Attributes attributes = {}) {
  auto g = b.state("main");
  std::vector<std::string> conns;
  conns.reserve(inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k) conns.push_back("in" + std::to_string(k));
  const ir::NodeId lib = g.library(op + "_0", op, conns, {"out0"}, std::move(attributes));
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

// Y[b1, b2, i, j] = sum_l A[b1, 0, i, l] * B[b2, l, j]: A broadcasts over b2, B over b1.
TEST(CpuBlas, MatMulBroadcastsBatchDimensions) {
  auto rng = testing::seeded_rng();
  ProgramBuilder b("matmul_batched");
  const Expr m = b.symbol("M");
  const Expr n = b.symbol("N");
  const Expr k = b.symbol("K");
  b.array("A", DType::f32, {2, 1, m, k});
  b.array("B", DType::f32, {3, k, n});
  b.array("Y", DType::f32, {2, 3, m, n});
  auto built = build(one_library_node(b, "MatMul", {"A", "B"}, "Y"));
  const std::int64_t mv = 4, nv = 5, kv = 6;
  const auto a = testing::random_floats(rng, 2 * mv * kv);
  const auto bb = testing::random_floats(rng, 3 * kv * nv);
  std::vector<float> y(6 * mv * nv);
  built.executable.init({{"M", mv}, {"N", nv}, {"K", kv}});
  built.executable.run({const_cast<float*>(a.data()), const_cast<float*>(bb.data()), y.data()});
  std::vector<double> expected(y.size());
  for (int b1 = 0; b1 < 2; ++b1)
    for (int b2 = 0; b2 < 3; ++b2)
      for (int i = 0; i < mv; ++i)
        for (int j = 0; j < nv; ++j) {
          double s = 0;
          for (int l = 0; l < kv; ++l)
            s += static_cast<double>(a[(b1 * mv + i) * kv + l]) * bb[(b2 * kv + l) * nv + j];
          expected[((b1 * 3 + b2) * mv + i) * nv + j] = s;
        }
  expect_near(y, expected);
}

// [K] @ [K, N] -> [N] and [M, K] @ [K] -> [M], in f64.
TEST(CpuBlas, MatMulWithVectors) {
  auto rng = testing::seeded_rng();
  const std::int64_t mv = 7, kv = 9, nv = 5;
  {
    ProgramBuilder b("vm");
    b.array("A", DType::f64, {kv});
    b.array("B", DType::f64, {kv, nv});
    b.array("Y", DType::f64, {nv});
    auto built = build(one_library_node(b, "MatMul", {"A", "B"}, "Y"));
    const auto a = testing::random_doubles(rng, kv);
    const auto bb = testing::random_doubles(rng, kv * nv);
    std::vector<double> y(nv), expected(nv, 0.0);
    built.executable.init({});
    built.executable.run({const_cast<double*>(a.data()), const_cast<double*>(bb.data()), y.data()});
    for (int j = 0; j < nv; ++j)
      for (int l = 0; l < kv; ++l) expected[j] += a[l] * bb[l * nv + j];
    expect_near(y, expected, 1e-12);
  }
  {
    ProgramBuilder b("mv");
    b.array("A", DType::f64, {mv, kv});
    b.array("B", DType::f64, {kv});
    b.array("Y", DType::f64, {mv});
    auto built = build(one_library_node(b, "MatMul", {"A", "B"}, "Y"));
    const auto a = testing::random_doubles(rng, mv * kv);
    const auto bb = testing::random_doubles(rng, kv);
    std::vector<double> y(mv), expected(mv, 0.0);
    built.executable.init({});
    built.executable.run({const_cast<double*>(a.data()), const_cast<double*>(bb.data()), y.data()});
    for (int i = 0; i < mv; ++i)
      for (int l = 0; l < kv; ++l) expected[i] += a[i * kv + l] * bb[l];
    expect_near(y, expected, 1e-12);
  }
}

// Y = alpha * A^T B^T + beta * C with A [K, M], B [N, K], C [N] broadcast over rows.
template <typename T>
void check_gemm(DType dtype, double tolerance) {
  auto rng = testing::seeded_rng();
  ProgramBuilder b("gemm");
  const Expr m = b.symbol("M");
  const Expr n = b.symbol("N");
  const Expr k = b.symbol("K");
  b.array("A", dtype, {k, m});
  b.array("B", dtype, {n, k});
  b.array("C", dtype, {n});
  b.array("Y", dtype, {m, n});
  const double alpha = 0.5, beta = -2.0;
  auto built = build(one_library_node(b, "Gemm", {"A", "B", "C"}, "Y",
                                      {{"transA", std::int64_t{1}},
                                       {"transB", std::int64_t{1}},
                                       {"alpha", alpha},
                                       {"beta", beta}}));
  const std::int64_t mv = 13, nv = 8, kv = 21;
  const auto a64 = testing::random_doubles(rng, kv * mv);
  const auto b64 = testing::random_doubles(rng, nv * kv);
  const auto c64 = testing::random_doubles(rng, nv);
  std::vector<T> a(a64.begin(), a64.end()), bb(b64.begin(), b64.end()), c(c64.begin(), c64.end());
  std::vector<T> y(mv * nv);
  built.executable.init({{"M", mv}, {"N", nv}, {"K", kv}});
  built.executable.run({a.data(), bb.data(), c.data(), y.data()});
  std::vector<double> expected(y.size());
  for (int i = 0; i < mv; ++i)
    for (int j = 0; j < nv; ++j) {
      double s = 0;
      for (int l = 0; l < kv; ++l)
        s += static_cast<double>(a[l * mv + i]) * static_cast<double>(bb[j * kv + l]);
      expected[i * nv + j] = alpha * s + beta * static_cast<double>(c[j]);
    }
  expect_near(y, expected, tolerance);
}

TEST(CpuBlas, GemmF32) { check_gemm<float>(DType::f32, 1e-5); }
TEST(CpuBlas, GemmF64) { check_gemm<double>(DType::f64, 1e-12); }

}  // namespace
}  // namespace sluice::codegen
