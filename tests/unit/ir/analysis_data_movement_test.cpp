// Data movement: hand-computed bytes per kernel, per state and in total, symbolically and
// evaluated, for a matmul map, a softmax built from maps, a producer-consumer pair and a
// MatMul library node; then the counting rules one by one.
#include <chrono>
#include <iostream>
#include <string>

#include <gtest/gtest.h>

#include "ir/analysis/data_movement.h"
#include "ir/analysis/flops.h"
#include "ir/builder.h"

namespace sluice::ir::analysis {
namespace {

const Expr M = Expr::symbol("M");
const Expr N = Expr::symbol("N");
const Expr K = Expr::symbol("K");

// C[M, N] += A[M, K] @ B[K, N] as one map over i, j, k with a sum-reducing tasklet.
Program matmul_map() {
  ProgramBuilder b("matmul");
  b.symbol("M");
  b.symbol("N");
  b.symbol("K");
  b.array("A", DType::f32, {M, K});
  b.array("B", DType::f32, {K, N});
  b.array("C", DType::f32, {M, N});
  b.state("main").mapped_tasklet("mm", "i=0:M, j=0:N, k=0:K",
                                 {{"a", "A", "i, k"}, {"b", "B", "k, j"}}, "c = a * b;",
                                 {{"c", "C", "i, j", WriteConflict::Sum}});
  return b.build();
}

TEST(AnalysisDataMovement, MatmulMap) {
  const Program p = matmul_map();
  const DataMovement dm = analyze_data_movement(p);
  ASSERT_EQ(dm.states.size(), 1u);
  ASSERT_EQ(dm.states[0].kernels.size(), 1u);
  const KernelMovement& mm = dm.states[0].kernels[0];
  EXPECT_EQ(mm.label, "mm");
  EXPECT_EQ(mm.kernel.kind, KernelKind::Map);
  // A and B once each; C is read (the sum combines with it) and written.
  EXPECT_EQ(mm.reads, 4 * M * K + 4 * K * N + 4 * M * N);
  EXPECT_EQ(mm.writes, 4 * M * N);
  // Each of the M*N*K iterations moves a, b and (read + write) c.
  EXPECT_EQ(mm.accesses, 16 * M * N * K);
  EXPECT_FALSE(mm.dynamic);
  ASSERT_EQ(mm.memlets.size(), 3u);
  EXPECT_EQ(mm.memlets[2].read, 4 * M * N);
  EXPECT_EQ(mm.memlets[2].written, 4 * M * N);
  EXPECT_EQ(mm.memlets[2].accessed, 8 * M * N * K);
  EXPECT_EQ(dm.reads, mm.reads);
  EXPECT_EQ(dm.writes, mm.writes);
  EXPECT_EQ(dm.accesses, mm.accesses);

  const SymbolValues v{{"M", 64}, {"N", 32}, {"K", 16}};
  EXPECT_EQ(dm.reads.evaluate(v), 4 * (64 * 16 + 16 * 32 + 64 * 32));
  EXPECT_EQ(dm.writes.evaluate(v), 4 * 64 * 32);
  EXPECT_EQ(dm.accesses.evaluate(v), 16 * 64 * 32 * 16);
  // The multiply plus the sum's add, per iteration.
  EXPECT_EQ(program_flops(p).flops, 2 * M * N * K);
  EXPECT_EQ(program_flops(p).flops.evaluate(v), 2 * 64 * 32 * 16);
}

// Row-wise softmax of X[N, M]: init state (max and sum accumulators), then row max, exp with
// row sum, normalize, joined through transients.
Program softmax_maps() {
  ProgramBuilder b("softmax");
  b.symbol("N");
  b.symbol("M");
  b.array("X", DType::f32, {N, M});
  b.array("Y", DType::f32, {N, M});
  b.transient("MX", DType::f32, {N});
  b.transient("S", DType::f32, {N});
  b.transient("E", DType::f32, {N, M});
  auto init = b.state("init");
  init.mapped_tasklet("max_init", "i=0:N", {}, "m = -inf;", {{"m", "MX", "i"}});
  init.mapped_tasklet("sum_init", "i=0:N", {}, "s = 0.0;", {{"s", "S", "i"}});
  auto g = b.state("main");
  const NodeId x = g.access("X");
  auto row_max = g.mapped_tasklet("row_max", "i=0:N, j=0:M", {{"x", "X", "i, j", {}, x}}, "m = x;",
                                  {{"m", "MX", "i", WriteConflict::Max}});
  auto exp_sum = g.mapped_tasklet(
      "exp_sum", "i=0:N, j=0:M",
      {{"x", "X", "i, j", {}, x}, {"m", "MX", "i", {}, row_max.outer_outputs["MX"]}},
      "let t: f32 = exp(x - m); e = t; s = t;",
      {{"e", "E", "i, j"}, {"s", "S", "i", WriteConflict::Sum}});
  g.mapped_tasklet("normalize", "i=0:N, j=0:M",
                   {{"e", "E", "i, j", {}, exp_sum.outer_outputs["E"]},
                    {"s", "S", "i", {}, exp_sum.outer_outputs["S"]}},
                   "y = e / s;", {{"y", "Y", "i, j"}});
  b.transition("init", "main");
  return b.build();
}

TEST(AnalysisDataMovement, SoftmaxMaps) {
  const Program p = softmax_maps();
  const DataMovement dm = analyze_data_movement(p);
  ASSERT_EQ(dm.states.size(), 2u);
  const auto& init = dm.states[0].kernels;
  const auto& main = dm.states[1].kernels;
  ASSERT_EQ(init.size(), 2u);
  ASSERT_EQ(main.size(), 3u);

  // Initialization writes one f32 per row.
  EXPECT_EQ(init[0].label, "max_init");
  EXPECT_EQ(init[0].reads, Expr(0));
  EXPECT_EQ(init[0].writes, 4 * N);
  EXPECT_EQ(init[1].writes, 4 * N);
  EXPECT_EQ(dm.states[0].writes, 8 * N);

  // row_max: X once; MX read (max combines) and written.
  EXPECT_EQ(main[0].label, "row_max");
  EXPECT_EQ(main[0].reads, 4 * N * M + 4 * N);
  EXPECT_EQ(main[0].writes, 4 * N);
  EXPECT_EQ(main[0].accesses, 12 * N * M);
  // exp_sum: X, MX, and S (sum combines); writes E and S.
  EXPECT_EQ(main[1].label, "exp_sum");
  EXPECT_EQ(main[1].reads, 4 * N * M + 8 * N);
  EXPECT_EQ(main[1].writes, 4 * N * M + 4 * N);
  EXPECT_EQ(main[1].accesses, 20 * N * M);
  // normalize: E and S in, Y out.
  EXPECT_EQ(main[2].label, "normalize");
  EXPECT_EQ(main[2].reads, 4 * N * M + 4 * N);
  EXPECT_EQ(main[2].writes, 4 * N * M);
  EXPECT_EQ(main[2].accesses, 12 * N * M);

  EXPECT_EQ(dm.reads, 12 * N * M + 16 * N);
  EXPECT_EQ(dm.writes, 8 * N * M + 16 * N);
  EXPECT_EQ(dm.accesses, 44 * N * M + 8 * N);
  const SymbolValues v{{"N", 128}, {"M", 1000}};
  EXPECT_EQ(dm.reads.evaluate(v), 12 * 128 * 1000 + 16 * 128);
  EXPECT_EQ(dm.writes.evaluate(v), 8 * 128 * 1000 + 16 * 128);

  // -inf is a negation (1 per row); max: 1; exp_sum: sub, exp, the sum's add; normalize: 1.
  EXPECT_EQ(program_flops(p).flops, 5 * N * M + N);
}

// T = X * 2 (T is an f64 transient), Y = T + 1.
Program producer_consumer() {
  ProgramBuilder b("producer_consumer");
  b.symbol("N");
  b.array("X", DType::f32, {N});
  b.transient("T", DType::f64, {N});
  b.array("Y", DType::f32, {N});
  auto g = b.state("main");
  auto produce =
      g.mapped_tasklet("produce", "i=0:N", {{"x", "X", "i"}}, "t = x * 2.0;", {{"t", "T", "i"}});
  g.mapped_tasklet("consume", "i=0:N", {{"t", "T", "i", {}, produce.outer_outputs["T"]}},
                   "y = t + 1.0;", {{"y", "Y", "i"}});
  return b.build();
}

TEST(AnalysisDataMovement, ProducerConsumer) {
  const Program p = producer_consumer();
  const DataMovement dm = analyze_data_movement(p);
  const auto& k = dm.states.at(0).kernels;
  ASSERT_EQ(k.size(), 2u);
  EXPECT_EQ(k[0].label, "produce");
  EXPECT_EQ(k[0].kernel.position, 0u);
  EXPECT_EQ(k[0].reads, 4 * N);
  EXPECT_EQ(k[0].writes, 8 * N);
  EXPECT_EQ(k[1].label, "consume");
  EXPECT_EQ(k[1].kernel.position, 1u);
  EXPECT_EQ(k[1].reads, 8 * N);
  EXPECT_EQ(k[1].writes, 4 * N);
  EXPECT_EQ(dm.reads, 12 * N);
  EXPECT_EQ(dm.writes, 12 * N);
  EXPECT_EQ(dm.accesses, 24 * N);
  EXPECT_EQ(dm.reads.evaluate({{"N", 1000}}), 12000);
  EXPECT_EQ(program_flops(p).flops, 2 * N);
}

// Y[M, N] = A[M, K] @ B[K, N] as one MatMul library node.
Program matmul_library() {
  ProgramBuilder b("matmul_library");
  b.symbol("M");
  b.symbol("N");
  b.symbol("K");
  b.array("A", DType::f32, {M, K});
  b.array("B", DType::f32, {K, N});
  b.array("C", DType::f32, {M, N});
  auto g = b.state("main");
  const NodeId mm = g.library("mm", "MatMul", {"A", "B"}, {"Y"});
  g.read(g.access("A"), "0:M, 0:K", mm, "A");
  g.read(g.access("B"), "0:K, 0:N", mm, "B");
  g.write(mm, "Y", g.access("C"), "0:M, 0:N");
  return b.build();
}

TEST(AnalysisDataMovement, MatmulLibraryNode) {
  const Program p = matmul_library();
  const DataMovement dm = analyze_data_movement(p);
  const auto& k = dm.states.at(0).kernels;
  ASSERT_EQ(k.size(), 1u);
  EXPECT_EQ(k[0].kernel.kind, KernelKind::Library);
  EXPECT_EQ(k[0].reads, 4 * M * K + 4 * K * N);
  EXPECT_EQ(k[0].writes, 4 * M * N);
  EXPECT_EQ(k[0].accesses, 4 * M * K + 4 * K * N + 4 * M * N);
  const FlopCount f = kernel_flops(p, k[0].kernel);
  EXPECT_EQ(f.flops, 2 * M * N * K);
  EXPECT_FALSE(f.unknown());
  EXPECT_EQ(f.flops.evaluate({{"M", 128}, {"N", 256}, {"K", 512}}), 2LL * 128 * 256 * 512);
}

TEST(AnalysisDataMovement, MemletBytes) {
  ProgramBuilder b("t");
  b.symbol("N");
  b.array("A", DType::f16, {N, N});
  const ContainerId r = b.scalar("r", DType::f64, true);
  b.program().containers[r].storage = Storage::Register;
  const Program& p = b.program();
  Memlet m{*p.find_container("A"), parse_subset("0:N, 3"), std::nullopt, 5, WriteConflict::None};
  EXPECT_EQ(memlet_subset_bytes(p, m), 2 * N);
  EXPECT_EQ(memlet_volume_bytes(p, m), Expr(10));
  EXPECT_EQ(memlet_subset_bytes(p, Memlet{}), Expr(0));
  EXPECT_EQ(memlet_volume_bytes(p, Memlet{}), Expr(0));
  const Memlet reg{r, {}, std::nullopt, 1, WriteConflict::None};
  EXPECT_EQ(memlet_volume_bytes(p, reg), Expr(0));
  EXPECT_FALSE(in_memory(p, r));
  EXPECT_TRUE(in_memory(p, *p.find_container("A")));
}

TEST(AnalysisDataMovement, RegisterContainersMoveNothing) {
  ProgramBuilder b("t");
  b.array("X", DType::f32, {1});
  b.array("Y", DType::f32, {1});
  const ContainerId r = b.scalar("r", DType::f32, true);
  b.program().containers[r].storage = Storage::Register;
  auto g = b.state("main");
  const NodeId t1 = g.tasklet("load", {"x"}, {"r"}, "r = x * 2.0;");
  const NodeId t2 = g.tasklet("store", {"r"}, {"y"}, "y = r + 1.0;");
  const NodeId ra = g.access("r");
  g.read(g.access("X"), "0", t1, "x");
  g.write(t1, "r", ra, "");
  g.read(ra, "", t2, "r");
  g.write(t2, "y", g.access("Y"), "0");
  const DataMovement dm = analyze_data_movement(b.build());
  const auto& k = dm.states.at(0).kernels;
  ASSERT_EQ(k.size(), 2u);
  EXPECT_EQ(k[0].kernel.kind, KernelKind::Tasklet);
  EXPECT_EQ(k[0].reads, Expr(4));
  EXPECT_EQ(k[0].writes, Expr(0));
  EXPECT_EQ(k[1].reads, Expr(0));
  EXPECT_EQ(k[1].writes, Expr(4));
}

TEST(AnalysisDataMovement, CopiesAndViews) {
  ProgramBuilder b("t");
  b.symbol("N");
  b.array("A", DType::f32, {N, N});
  b.array("B", DType::f64, {N});
  b.reshape_view("V", "A", {N * N});
  auto g = b.state("main");
  const NodeId a = g.access("A");
  const NodeId bb = g.access("B");
  // A[0, 0:N] -> B[0:N]: the memlet names A, the other subset addresses B.
  Memlet copy{*b.program().find_container("A"), parse_subset("0, 0:N"), parse_subset("0:N"), N,
              WriteConflict::None};
  const EdgeId e = g.graph().add_edge(a, "", bb, "", copy);
  // An alias edge: no copy.
  const NodeId v = g.access("V");
  g.graph().add_edge(a, "", v, "",
                     Memlet{*b.program().find_container("V"), parse_subset("0:N*N"), std::nullopt,
                            N * N, WriteConflict::None});
  // An ordering-only edge: no copy.
  g.graph().add_edge(bb, "", g.access("A"), "", Memlet{});
  const Program p = b.build();
  const auto kernels = state_kernels(p, p.start_state);
  ASSERT_EQ(kernels.size(), 1u);
  EXPECT_EQ(kernels[0].kind, KernelKind::Copy);
  EXPECT_EQ(kernels[0].edge, e);
  EXPECT_EQ(kernels[0].node, bb);
  EXPECT_EQ(kernel_label(p, kernels[0]), "A -> B");
  const KernelMovement km = kernel_data_movement(p, kernels[0]);
  EXPECT_EQ(km.reads, 4 * N);
  EXPECT_EQ(km.writes, 8 * N);
  EXPECT_EQ(km.accesses, 12 * N);

  // The same copy with the memlet on the destination side.
  Program q = p;
  Memlet& m = q.states[q.start_state].graph.memlet(e);
  m = Memlet{*q.find_container("B"), parse_subset("0:N"), parse_subset("0, 0:N"), N,
             WriteConflict::Sum};
  const KernelMovement kq = kernel_data_movement(q, kernels[0]);
  // The sum also reads B.
  EXPECT_EQ(kq.reads, 12 * N);
  EXPECT_EQ(kq.writes, 8 * N);
  EXPECT_EQ(kq.accesses, 20 * N);
  EXPECT_EQ(kernel_flops(q, kernels[0]).flops, N);
}

TEST(AnalysisDataMovement, RepeatedSubsetCountsOnceAndDynamicIsFlagged) {
  ProgramBuilder b("square");
  b.symbol("N");
  b.array("X", DType::f32, {N, N});
  b.array("Y", DType::f32, {N, N});
  auto g = b.state("main");
  const NodeId x = g.access("X");
  const NodeId mm = g.library("sq", "MatMul", {"A", "B"}, {"Y"});
  g.read(x, "0:N, 0:N", mm, "A");
  const EdgeId second = g.read(x, "0:N, 0:N", mm, "B");
  g.write(mm, "Y", g.access("Y"), "0:N, 0:N");
  g.graph().memlet(second).dynamic = true;
  const Program p = b.build();
  const KernelMovement km = kernel_data_movement(p, state_kernels(p, p.start_state).at(0));
  EXPECT_EQ(km.reads, 4 * N * N);
  EXPECT_EQ(km.memlets.at(1).read, Expr(0));
  EXPECT_EQ(km.accesses, 12 * N * N);
  EXPECT_TRUE(km.dynamic);
}

TEST(AnalysisDataMovement, NestedMapsCountOnlyTheBoundary) {
  ProgramBuilder b("t");
  b.symbol("N");
  b.symbol("M");
  b.array("X", DType::f32, {N, M});
  b.array("Y", DType::f32, {N, M});
  auto g = b.state("main");
  const NodeId outer = g.map("rows", "i=0:N");
  g.map_read(g.access("X"), outer, "0:N, 0:M");
  g.map_write(outer, g.access("Y"), "0:N, 0:M");
  auto body = g.body(outer);
  auto inner = body.mapped_tasklet("cols", "j=0:M", {{"x", "X", "i, j"}}, "y = x * x;",
                                   {{"y", "Y", "i, j"}});
  (void)inner;
  const Program p = b.build();
  const DataMovement dm = analyze_data_movement(p);
  ASSERT_EQ(dm.states.at(0).kernels.size(), 1u);
  EXPECT_EQ(dm.reads, 4 * N * M);
  EXPECT_EQ(dm.writes, 4 * N * M);
  EXPECT_EQ(program_flops(p).flops, N * M);
}

TEST(AnalysisDataMovement, MissingSymbolIsNamed) {
  ProgramBuilder b("t");
  b.symbol("width");
  b.array("X", DType::f32, {Expr::symbol("width")});
  b.array("Y", DType::f32, {Expr::symbol("width")});
  b.state("main").mapped_tasklet("copy", "i=0:width", {{"x", "X", "i"}}, "y = x;",
                                 {{"y", "Y", "i"}});
  const DataMovement dm = analyze_data_movement(b.build());
  try {
    (void)dm.reads.evaluate({{"N", 3}});
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'width'"), std::string::npos) << e.what();
  }
}

TEST(AnalysisDataMovement, CycleIsAUserError) {
  ProgramBuilder b("t");
  b.array("X", DType::f32, {1});
  auto g = b.state("loop");
  const NodeId t1 = g.tasklet("a", {"x"}, {"y"}, "y = x;");
  const NodeId t2 = g.tasklet("b", {"x"}, {"y"}, "y = x;");
  g.graph().add_edge(t1, "y", t2, "x", Memlet{});
  g.graph().add_edge(t2, "y", t1, "x", Memlet{});
  EXPECT_THROW(analyze_data_movement(b.build()), UserError);
}

// A chain of 3,000 maps (about 6,000 top-level nodes plus 9,000 in their bodies), each over its
// own size symbol so the totals do not collapse into a few terms: the analysis must stay
// near-linear. (Two containers alternate so that building the program stays cheap.)
TEST(AnalysisDataMovement, LargeChainStaysFast) {
  constexpr int kMaps = 3000;
  ProgramBuilder b("chain");
  b.transient("P", DType::f32, {64});
  b.transient("Q", DType::f32, {64});
  auto g = b.state("main");
  NodeId prev = g.access("P");
  SymbolValues values;
  for (int i = 0; i < kMaps; ++i) {
    const std::string s = "S" + std::to_string(i);
    b.symbol(s);
    values[s] = i;
    const char* in = i % 2 == 0 ? "P" : "Q";
    const char* out = i % 2 == 0 ? "Q" : "P";
    auto mt = g.mapped_tasklet("m" + std::to_string(i), "i=0:" + s, {{"x", in, "i", {}, prev}},
                               "y = x + 1.0;", {{"y", out, "i"}});
    prev = mt.outer_outputs.at(out);
  }
  const Program p = b.build();
  const auto start = std::chrono::steady_clock::now();
  const DataMovement dm = analyze_data_movement(p);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "data movement of " << kMaps << " chained maps: " << seconds * 1e3 << " ms\n";
  EXPECT_EQ(dm.states.at(0).kernels.size(), static_cast<std::size_t>(kMaps));
  // Each map reads and writes 4 * S_i bytes; sum of i for i < kMaps.
  const std::int64_t expected = 4LL * kMaps * (kMaps - 1) / 2;
  EXPECT_EQ(dm.reads.evaluate(values), expected);
  EXPECT_EQ(dm.writes.evaluate(values), expected);
  EXPECT_EQ(dm.reads.operands().size(), static_cast<std::size_t>(kMaps));  // one term per map
}

}  // namespace
}  // namespace sluice::ir::analysis
