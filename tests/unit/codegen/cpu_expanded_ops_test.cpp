// Programs as the pipeline hands them over: ONNX-style library nodes expanded by ops::expand_all
// (MatMul left as "blas"), generated, compiled and run against plain loops.
#include <cmath>
#include <vector>

#include "codegen_test_support.h"
#include "ir/builder.h"
#include "ops/expansion.h"

namespace sluice::codegen {
namespace {

using ir::DType;
using ir::Expr;
using ir::ProgramBuilder;
using testing::build;
using testing::expect_near;

// Y = Softmax(Gather(E, I) @ W, axis=-1): a gather through subscripts, a BLAS call, and the
// reductions of Softmax, in one state.
TEST(CpuExpandedOps, GatherMatMulSoftmax) {
  auto rng = testing::seeded_rng();
  ProgramBuilder b("embed");
  const Expr v = b.symbol("V");
  const Expr t = b.symbol("T");
  const Expr d = b.symbol("D");
  const Expr h = b.symbol("H");
  b.array("E", DType::f32, {v, d});
  b.array("I", DType::i64, {t});
  b.array("W", DType::f32, {d, h});
  b.transient("G", DType::f32, {t, d});
  b.transient("L", DType::f32, {t, h});
  b.array("Y", DType::f32, {t, h});
  auto g = b.state("main");
  const ir::NodeId gather =
      g.library("gather", "Gather", {"in0", "in1"}, {"out0"}, {{"axis", std::int64_t{0}}});
  g.read(g.access("E"), "0:V, 0:D", gather, "in0");
  g.read(g.access("I"), "0:T", gather, "in1");
  const ir::NodeId gn = g.access("G");
  g.write(gather, "out0", gn, "0:T, 0:D");
  const ir::NodeId mm = g.library("mm", "MatMul", {"in0", "in1"}, {"out0"});
  std::get<ir::LibraryNode>(g.graph().node(mm)).implementation = "blas";
  g.read(gn, "0:T, 0:D", mm, "in0");
  g.read(g.access("W"), "0:D, 0:H", mm, "in1");
  const ir::NodeId ln = g.access("L");
  g.write(mm, "out0", ln, "0:T, 0:H");
  const ir::NodeId sm =
      g.library("softmax", "Softmax", {"in0"}, {"out0"}, {{"axis", std::int64_t{-1}}});
  g.read(ln, "0:T, 0:H", sm, "in0");
  g.write(sm, "out0", g.access("Y"), "0:T, 0:H");
  ir::Program program = b.build();
  ops::expand_all(program, {"blas"});
  auto built = build(program);
  EXPECT_TRUE(built.source.uses_blas);

  const std::int64_t vv = 50, tv = 9, dv = 8, hv = 6;
  const auto e = testing::random_floats(rng, vv * dv);
  const auto w = testing::random_floats(rng, dv * hv);
  std::vector<std::int64_t> idx(tv);
  std::uniform_int_distribution<std::int64_t> pick(-vv, vv - 1);
  for (auto& x : idx) x = pick(rng);
  std::vector<float> y(tv * hv);
  built.executable.init({{"V", vv}, {"T", tv}, {"D", dv}, {"H", hv}});
  ASSERT_EQ(built.source.arguments, (std::vector<std::string>{"E", "I", "W", "Y"}));
  built.executable.run(
      {const_cast<float*>(e.data()), idx.data(), const_cast<float*>(w.data()), y.data()});
  std::vector<double> expected(tv * hv);
  for (int i = 0; i < tv; ++i) {
    const std::int64_t row = idx[i] < 0 ? idx[i] + vv : idx[i];
    std::vector<double> logits(hv, 0.0);
    for (int j = 0; j < hv; ++j)
      for (int l = 0; l < dv; ++l)
        logits[j] += static_cast<double>(e[row * dv + l]) * w[l * hv + j];
    double mx = -1e300, sum = 0;
    for (const double x : logits) mx = std::max(mx, x);
    for (const double x : logits) sum += std::exp(x - mx);
    for (int j = 0; j < hv; ++j) expected[i * hv + j] = std::exp(logits[j] - mx) / sum;
  }
  expect_near(y, expected);
}

}  // namespace
}  // namespace sluice::codegen
