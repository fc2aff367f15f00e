// The builder: map parameter parsing and the wiring of mapped tasklets.
#include <gtest/gtest.h>

#include "ir/builder.h"
#include "samples/sample_programs.h"

namespace sluice::ir {
namespace {

TEST(Builder, ParsesMapParams) {
  const auto params = parse_map_params("i=0:N, j = 1:M:2,k=0:min(N, 4)");
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0].name, "i");
  EXPECT_EQ(params[0].range, (Range{0, Expr::symbol("N"), 1}));
  EXPECT_EQ(params[1].name, "j");
  EXPECT_EQ(params[1].range, (Range{1, Expr::symbol("M"), 2}));
  EXPECT_EQ(params[2].range.end, min(Expr::symbol("N"), 4));
  EXPECT_THROW(parse_map_params("i"), UserError);
  EXPECT_THROW(parse_map_params("=0:N"), UserError);
}

TEST(Builder, MappedTaskletCoversTheSweptSubset) {
  ProgramBuilder b("t");
  const Expr n = b.symbol("N");
  const Expr m = b.symbol("M");
  b.array("A", DType::f32, {n, m});
  b.array("B", DType::f32, {n});
  auto g = b.state("main");
  auto mt = g.mapped_tasklet("rowsum", "i=0:N, j=0:M", {{"a", "A", "i, j"}}, "b = a;",
                             {{"b", "B", "i", WriteConflict::Sum}});
  const Graph& graph = g.graph();
  const MapNode& map = graph.get<MapNode>(mt.map);
  EXPECT_EQ(map.inputs, std::vector<std::string>{"A"});
  EXPECT_EQ(map.outputs, std::vector<std::string>{"B"});
  EXPECT_EQ(map.body->num_nodes(), 3u);

  const Memlet& in = graph.edge(graph.in_edges(mt.map).at(0)).memlet;
  EXPECT_EQ(subset_str(in.subset), "0:N, 0:M");
  EXPECT_EQ(in.volume, n * m);
  const Memlet& out = graph.edge(graph.out_edges(mt.map).at(0)).memlet;
  EXPECT_EQ(subset_str(out.subset), "0:N");
  EXPECT_EQ(out.volume, n * m);
  EXPECT_EQ(out.wcr, WriteConflict::Sum);
}

TEST(Builder, SweepOfAffineIndexAndFallbackToWholeDimension) {
  ProgramBuilder b("t");
  const Expr n = b.symbol("N");
  b.array("A", DType::f32, {n * 2});
  b.array("B", DType::f32, {n});
  b.array("C", DType::f32, {n});
  auto g = b.state("main");
  auto mt = g.mapped_tasklet("s", "i=0:N", {{"a", "A", "2*i + 1"}, {"b", "B", "mod(i * i, N)"}},
                             "c = a + b;", {{"c", "C", "N - 1 - i"}});
  const Graph& graph = g.graph();
  const auto& ins = graph.in_edges(mt.map);
  EXPECT_EQ(subset_str(graph.edge(ins.at(0)).memlet.subset), "1:2*N");
  EXPECT_EQ(subset_str(graph.edge(ins.at(1)).memlet.subset), "0:N");
  EXPECT_EQ(subset_str(graph.edge(graph.out_edges(mt.map).at(0)).memlet.subset), "0:N");
}

TEST(Builder, ReadingAContainerTwiceIsRefused) {
  ProgramBuilder b("t");
  b.array("A", DType::f32, {4});
  auto g = b.state("main");
  EXPECT_THROW(g.mapped_tasklet("s", "i=0:4", {{"a", "A", "i"}, {"b", "A", "i"}}, "c = a;", {}),
               UserError);
  EXPECT_THROW(g.access("Q"), UserError);
}

TEST(Builder, FirstStateIsTheStartAndTransitionsResolveLabels) {
  ProgramBuilder b("t");
  b.symbol("i");
  b.state("a");
  b.state("b");
  b.transition("a", "b", "i < 4", {{"i", "i + 1"}});
  const Program& p = b.program();
  EXPECT_EQ(p.states[p.start_state].label, "a");
  const auto edges = p.out_interstate_edges(p.start_state);
  ASSERT_EQ(edges.size(), 1u);
  const InterstateEdge& e = p.interstate_edges[edges[0]];
  EXPECT_EQ(p.states[e.dst].label, "b");
  ASSERT_EQ(e.assignments.size(), 1u);
  EXPECT_EQ(e.assignments[0].second, Expr::symbol("i") + 1);
  EXPECT_TRUE(e.condition.has_value());
  EXPECT_THROW(b.transition("a", "zz"), UserError);
}

TEST(Builder, SamplesBuildAndCopyToEqualValues) {
  for (const auto& sample : samples::all_samples()) {
    const Program p = sample.make();
    const Program copy = p;
    EXPECT_EQ(copy, p) << sample.name;
    EXPECT_EQ(p.name, sample.name);
  }
}

}  // namespace
}  // namespace sluice::ir

namespace sluice::ir {
namespace {

// Regression: adding states grows the state arena; an earlier GraphBuilder must stay usable.
TEST(Builder, GraphBuilderSurvivesLaterStates) {
  ProgramBuilder b("t");
  b.array("A", DType::f32, {4});
  auto first = b.state("s0");
  for (int i = 1; i < 64; ++i) b.state("s" + std::to_string(i));
  const NodeId a = first.access("A");
  EXPECT_TRUE(b.program().states[b.state_id("s0")].graph.has_node(a));
  EXPECT_EQ(b.program().states[b.state_id("s0")].graph.num_nodes(), 1u);
}

}  // namespace
}  // namespace sluice::ir
