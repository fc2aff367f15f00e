// Memlets as the generator sees them: views (permute, reshape), write-conflict resolution (sum,
// max, product; parallel and sequential), subscripts (gather), copies, locals, control flow.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "codegen_test_support.h"
#include "ir/builder.h"

namespace sluice::codegen {
namespace {

using ir::DType;
using ir::Expr;
using ir::ProgramBuilder;
using ir::WriteConflict;
using testing::build;
using testing::expect_near;
using testing::random_floats;

// Y[j, i] = XT[j, i] + 1 where XT is the permuted view of X[N, M]; Z = the reshape of Y to 1-D,
// doubled. Reads through one view and writes through another.
TEST(CpuMemlets, PermuteAndReshapeViews) {
  auto rng = testing::seeded_rng();
  ProgramBuilder b("views");
  const Expr n = b.symbol("N");
  const Expr m = b.symbol("M");
  b.array("X", DType::f32, {n, m});
  b.permute_view("XT", "X", {1, 0});
  b.array("Y", DType::f32, {m, n});
  b.reshape_view("Yflat", "Y", {m * n});
  b.array("Z", DType::f32, {m * n});
  auto g = b.state("main");
  auto t = g.mapped_tasklet("transpose", "j=0:M, i=0:N", {{"x", "XT", "j, i"}}, "y = x + 1.0;",
                            {{"y", "Y", "j, i"}});
  // Yflat is read after Y is written: hang it off the Y node through an empty-memlet edge.
  const ir::NodeId flat = g.access("Yflat");
  g.graph().add_edge(t.outer_outputs.at("Y"), "", flat, "", ir::Memlet{});
  g.mapped_tasklet("double", "l=0:M*N", {{"v", "Yflat", "l", {}, flat}}, "z = 2.0 * v;",
                   {{"z", "Z", "l"}});
  auto built = build(b.build());
  const std::int64_t nv = 7, mv = 5;
  const auto x = random_floats(rng, nv * mv);
  std::vector<float> y(nv * mv), z(nv * mv);
  built.executable.init({{"N", nv}, {"M", mv}});
  ASSERT_EQ(built.source.arguments, (std::vector<std::string>{"X", "Y", "Z"}));
  built.executable.run({const_cast<float*>(x.data()), y.data(), z.data()});
  std::vector<float> ey(nv * mv), ez(nv * mv);
  for (int j = 0; j < mv; ++j)
    for (int i = 0; i < nv; ++i) ey[j * nv + i] = x[i * mv + j] + 1.0f;
  for (int l = 0; l < nv * mv; ++l) ez[l] = 2.0f * ey[l];
  expect_near(y, ey);
  expect_near(z, ez);
}

// Column sums (a conflict over the inner parameter only: parallel over j), a total sum (a
// conflict over every parameter: per-thread copies, see below), a global max (sequential), a
// product over rows.
TEST(CpuMemlets, WriteConflictsSumMaxProduct) {
  auto rng = testing::seeded_rng();
  ProgramBuilder b("reductions");
  const Expr n = b.symbol("N");
  const Expr m = b.symbol("M");
  b.array("X", DType::f32, {n, m});
  b.array("colsum", DType::f64, {m});
  b.array("total", DType::f32, {1});
  b.array("biggest", DType::f32, {1});
  b.array("rowprod", DType::f32, {n});
  auto init = b.state("init");
  init.mapped_tasklet("zero", "j=0:M", {}, "s = 0.0;", {{"s", "colsum", "j"}});
  init.mapped_tasklet("zero_total", "u=0:1", {}, "s = 0.0;", {{"s", "total", "u"}});
  init.mapped_tasklet("lowest", "u=0:1", {}, "s = -inf;", {{"s", "biggest", "u"}});
  init.mapped_tasklet("one", "i=0:N", {}, "p = 1.0;", {{"p", "rowprod", "i"}});
  auto g = b.state("main");
  const ir::NodeId x = g.access("X");
  g.mapped_tasklet("colsum", "j=0:M, i=0:N", {{"x", "X", "i, j", {}, x}}, "s = cast<f64>(x);",
                   {{"s", "colsum", "j", WriteConflict::Sum}});
  g.mapped_tasklet("total", "i=0:N, j=0:M", {{"x", "X", "i, j", {}, x}}, "s = x;",
                   {{"s", "total", "0", WriteConflict::Sum}});
  g.mapped_tasklet("biggest", "i=0:N, j=0:M", {{"x", "X", "i, j", {}, x}}, "s = x;",
                   {{"s", "biggest", "0", WriteConflict::Max}});
  g.mapped_tasklet("rowprod", "i=0:N, j=0:M", {{"x", "X", "i, j", {}, x}}, "p = 1.0 + x * 0.01;",
                   {{"p", "rowprod", "i", WriteConflict::Product}});
  b.transition("init", "main");
  auto built = build(b.build());
  // The generated code parallelizes exactly where updates cannot collide.
  const std::string& code = built.source.code;
  const auto pragma_before = [&](const std::string& kernel) {
    const auto at = code.find(
        "kernel " +
        std::to_string(std::find(built.source.kernels.begin(), built.source.kernels.end(), kernel) -
                       built.source.kernels.begin()) +
        ": " + kernel + "\n");
    EXPECT_NE(at, std::string::npos) << kernel;
    const auto next_kernel = code.find("// kernel", at + 1);
    return code.substr(at, next_kernel - at).find("#pragma omp parallel for") != std::string::npos;
  };
  EXPECT_TRUE(pragma_before("colsum"));
  EXPECT_FALSE(pragma_before("total"));
  EXPECT_FALSE(pragma_before("biggest"));
  EXPECT_TRUE(pragma_before("rowprod"));

  const std::int64_t nv = 3000, mv = 3;  // enough iterations to pass the parallel threshold
  const auto xv = random_floats(rng, nv * mv, -2.0, 2.0);
  std::vector<double> colsum(mv);
  std::vector<float> total(1), biggest(1), rowprod(nv);
  built.executable.init({{"N", nv}, {"M", mv}});
  built.executable.run(
      {const_cast<float*>(xv.data()), colsum.data(), total.data(), biggest.data(), rowprod.data()});
  std::vector<double> ecol(mv, 0.0), eprod(nv, 1.0);
  double etotal = 0, ebig = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < nv; ++i)
    for (int j = 0; j < mv; ++j) {
      const float v = xv[i * mv + j];
      ecol[j] += v;
      etotal += v;
      ebig = std::max(ebig, static_cast<double>(v));
      eprod[i] *= 1.0 + v * 0.01;
    }
  expect_near(colsum, ecol, 1e-9);
  expect_near(total, std::vector<double>{etotal}, 1e-4);  // f32 accumulation of 9000 terms
  expect_near(biggest, std::vector<double>{ebig});
  expect_near(rowprod, eprod);
}

// A bias gradient: every row sums into the same 8 elements, so the rows conflict. The target is
// small and of constant size: each thread sums into a private copy, and the copies are added in
// thread order (the same bits run after run). A target of symbolic size stays sequential.
TEST(CpuMemlets, SmallSumTargetsArePrivatizedPerThread) {
  auto rng = testing::seeded_rng();
  ProgramBuilder b("bias_grad");
  const Expr n = b.symbol("N");
  const Expr m = b.symbol("M");
  b.array("G", DType::f32, {n, 8});
  b.array("db", DType::f32, {8});
  b.array("H", DType::f32, {n, m});
  b.array("dc", DType::f32, {m});
  auto g = b.state("main");
  g.mapped_tasklet("bias_sum", "i=0:N, j=0:8", {{"x", "G", "i, j"}}, "s = x * 2.0;",
                   {{"s", "db", "j", WriteConflict::Sum}});
  g.mapped_tasklet("symbolic_sum", "i=0:N, j=0:M", {{"x", "H", "i, j"}}, "s = x;",
                   {{"s", "dc", "j", WriteConflict::Sum}});
  auto built = build(b.build());
  const std::string& code = built.source.code;
  const auto kernel_code = [&](const std::string& kernel) {
    const auto k = std::find(built.source.kernels.begin(), built.source.kernels.end(), kernel) -
                   built.source.kernels.begin();
    const auto at = code.find("// kernel " + std::to_string(k) + ": " + kernel + "\n");
    EXPECT_NE(at, std::string::npos) << kernel;
    return code.substr(at, code.find("// kernel", at + 1) - at);
  };
  EXPECT_NE(kernel_code("bias_sum").find("float sl_private"), std::string::npos);
  EXPECT_NE(kernel_code("bias_sum").find("#pragma omp for schedule(static)"), std::string::npos);
  EXPECT_EQ(kernel_code("symbolic_sum").find("#pragma omp"), std::string::npos);

  const std::int64_t nv = 5000, mv = 3;
  const auto gv = random_floats(rng, nv * 8, -2.0, 2.0);
  const auto hv = random_floats(rng, nv * mv, -2.0, 2.0);
  built.executable.init({{"N", nv}, {"M", mv}});
  std::vector<float> db_first;
  for (int run = 0; run < 3; ++run) {
    std::vector<float> db(8, 0.5F), dc(mv, 0.0F);  // sums add to what the targets hold
    built.executable.run(
        {const_cast<float*>(gv.data()), db.data(), const_cast<float*>(hv.data()), dc.data()});
    std::vector<double> edb(8, 0.5), edc(mv, 0.0);
    for (std::int64_t i = 0; i < nv; ++i) {
      for (int j = 0; j < 8; ++j) edb[j] += 2.0 * gv[i * 8 + j];
      for (std::int64_t j = 0; j < mv; ++j) edc[j] += hv[i * mv + j];
    }
    expect_near(db, edb, 1e-3);  // f32 sums of 5000 terms
    expect_near(dc, edc, 1e-3);
    if (run == 0) db_first = db;
    EXPECT_EQ(db, db_first) << "run " << run << " summed in another order";
  }
}

// Gather along axis 0 through a subscript: Y[i, j] = D[I[i] (negative counts from the end), j].
TEST(CpuMemlets, GatherThroughASubscript) {
  auto rng = testing::seeded_rng();
  ProgramBuilder b("gather");
  const Expr n = b.symbol("N");
  const Expr m = b.symbol("M");
  const Expr k = b.symbol("K");
  b.array("D", DType::f32, {n, m});
  b.array("I", DType::i64, {k});
  b.array("Y", DType::f32, {k, m});
  b.state("main").mapped_tasklet("gather", "i=0:K, j=0:M", {{"d", "D", "0:N, j"}, {"x", "I", "i"}},
                                 "let r: i64 = select(x < 0, x + N, x);\ny = d[r, 0];",
                                 {{"y", "Y", "i, j"}});
  auto built = build(b.build());
  const std::int64_t nv = 11, mv = 4, kv = 20;
  const auto d = random_floats(rng, nv * mv);
  std::vector<std::int64_t> idx(kv);
  std::uniform_int_distribution<std::int64_t> pick(-nv, nv - 1);
  for (auto& v : idx) v = pick(rng);
  std::vector<float> y(kv * mv);
  built.executable.init({{"N", nv}, {"M", mv}, {"K", kv}});
  built.executable.run({const_cast<float*>(d.data()), idx.data(), y.data()});
  std::vector<float> expected(kv * mv);
  for (int i = 0; i < kv; ++i) {
    const std::int64_t r = idx[i] < 0 ? idx[i] + nv : idx[i];
    for (int j = 0; j < mv; ++j) expected[i * mv + j] = d[r * mv + j];
  }
  expect_near(y, expected);
}

// A copy between two Access nodes (a strided slice into a contiguous array), and a scalar
// transient in Register storage used between two tasklets of a parallel map (one per iteration).
TEST(CpuMemlets, CopiesAndRegisterLocals) {
  auto rng = testing::seeded_rng();
  ProgramBuilder b("copies");
  const Expr n = b.symbol("N");
  b.array("X", DType::f32, {n, 2});
  b.array("C", DType::f32, {n});
  b.array("Y", DType::f32, {n});
  const ir::ContainerId tmp = b.scalar("tmp", DType::f32, /*transient=*/true);
  b.program().containers[tmp].storage = ir::Storage::Register;
  auto g = b.state("main");
  const ir::NodeId xa = g.access("X");
  const ir::NodeId ca = g.access("C");
  ir::Memlet copy;
  copy.data = *b.program().find_container("X");
  copy.subset = ir::parse_subset("0:N, 1");
  copy.other_subset = ir::parse_subset("0:N");
  copy.volume = n;
  g.graph().add_edge(xa, "", ca, "", copy);
  const ir::NodeId map = g.map("twice", "i=0:N", ir::Schedule::CpuParallel);
  g.map_read(ca, map, "0:N");
  const ir::NodeId ya = g.access("Y");
  g.map_write(map, ya, "0:N");
  auto body = g.body(map);
  const ir::NodeId c_in = body.access("C");
  const ir::NodeId t_node = body.access("tmp");
  const ir::NodeId y_out = body.access("Y");
  const ir::NodeId first = body.tasklet("square", {"c"}, {"t"}, "t = c * c;");
  const ir::NodeId second = body.tasklet("plus", {"t"}, {"y"}, "y = t + 1.0;");
  body.read(c_in, "i", first, "c");
  body.write(first, "t", t_node, "");
  body.read(t_node, "", second, "t");
  body.write(second, "y", y_out, "i");
  const ir::Program p = b.build();
  auto built = build(p);
  EXPECT_NE(built.source.code.find("float c_tmp[1] = {};"), std::string::npos);
  const std::int64_t nv = 4096;
  const auto x = random_floats(rng, nv * 2);
  std::vector<float> c(nv), y(nv);
  built.executable.init({{"N", nv}});
  built.executable.run({const_cast<float*>(x.data()), c.data(), y.data()});
  std::vector<float> ec(nv), ey(nv);
  for (int i = 0; i < nv; ++i) {
    ec[i] = x[i * 2 + 1];
    ey[i] = ec[i] * ec[i] + 1.0f;
  }
  expect_near(c, ec);
  expect_near(y, ey);
}

// A loop in the control flow: acc[0] += X[i] for i = t while t < N, with t a symbol.
TEST(CpuMemlets, InterstateLoop) {
  auto rng = testing::seeded_rng();
  ProgramBuilder b("loop");
  const Expr n = b.symbol("N");
  b.symbol("t");
  b.array("X", DType::f64, {n});
  b.array("acc", DType::f64, {1});
  b.state("start").mapped_tasklet("zero", "u=0:1", {}, "a = 0.0;", {{"a", "acc", "u"}});
  auto body = b.state("body");
  body.mapped_tasklet("add", "u=0:1", {{"x", "X", "t"}}, "a = x * cast<f64>(t + 1);",
                      {{"a", "acc", "u", WriteConflict::Sum}});
  b.state("done");
  b.transition("start", "body", "N > 0", {{"t", "0"}});
  b.transition("start", "done");
  b.transition("body", "body", "t + 1 < N", {{"t", "t + 1"}});
  b.transition("body", "done");
  auto built = build(b.build());
  for (const std::int64_t nv : {0, 1, 9}) {
    const auto x = testing::random_doubles(rng, std::max<std::int64_t>(nv, 1));
    std::vector<double> acc(1, 42.0);
    built.executable.init({{"N", nv}, {"t", 0}});
    built.executable.run({const_cast<double*>(x.data()), acc.data()});
    double expected = 0;
    for (int i = 0; i < nv; ++i) expected += x[i] * (i + 1);
    expect_near(acc, std::vector<double>{expected}, 1e-12);
  }
}

// Vectorized maps get `omp simd` on their innermost loop unless a write conflict would make the
// lanes collide (a sum over that loop).
TEST(CpuMemlets, VectorizedMaps) {
  auto rng = testing::seeded_rng();
  ProgramBuilder b("simd");
  const Expr n = b.symbol("N");
  b.array("X", DType::f32, {n});
  b.array("Y", DType::f32, {n});
  b.array("S", DType::f64, {1});
  auto g = b.state("main");
  const ir::NodeId x = g.access("X");
  g.mapped_tasklet("scale", "i=0:N", {{"x", "X", "i", {}, x}}, "y = x * 3.0;", {{"y", "Y", "i"}},
                   ir::Schedule::Vectorized);
  g.mapped_tasklet("sum", "i=0:N", {{"x", "X", "i", {}, x}}, "s = cast<f64>(x);",
                   {{"s", "S", "0", WriteConflict::Sum}}, ir::Schedule::Vectorized);
  auto built = build(b.build());
  const std::string& code = built.source.code;
  const auto simd = code.find("#pragma omp simd");
  ASSERT_NE(simd, std::string::npos);
  EXPECT_EQ(code.find("#pragma omp simd", simd + 1), std::string::npos);  // not on the sum
  EXPECT_LT(code.find("kernel 0: scale"), simd);
  EXPECT_GT(code.find("kernel 1: sum"), simd);
  const std::int64_t nv = 1001;
  const auto xv = random_floats(rng, nv);
  std::vector<float> y(nv);
  std::vector<double> sum{5.0};  // accumulates onto what is there
  built.executable.init({{"N", nv}});
  built.executable.run({const_cast<float*>(xv.data()), y.data(), sum.data()});
  std::vector<float> ey(nv);
  double es = 5.0;
  for (int i = 0; i < nv; ++i) {
    ey[i] = xv[i] * 3.0f;
    es += xv[i];
  }
  expect_near(y, ey);
  expect_near(sum, std::vector<double>{es}, 1e-12);
}

}  // namespace
}  // namespace sluice::codegen
