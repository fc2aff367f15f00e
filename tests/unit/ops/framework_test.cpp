// The expansion framework: ordering of writes, outputs landing in the consumers' Access node,
// transactions, errors naming the node, and the golden IR of an element-wise expansion.

#include <algorithm>

#include <gtest/gtest.h>

#include "ir/builder.h"
#include "ir/text_format.h"
#include "ir/verifier.h"
#include "op_test_support.h"
#include "ops/expansion.h"
#include "ops/op_helpers.h"
#include "ops/op_registry.h"

namespace sluice::ops::testing {
namespace {

using ir::DType;

TEST(Framework, ReluGolden) {
  const Node n{"Relu", {}, {f32({2, 3})}, {f32({2, 3})}};
  EXPECT_EQ(expanded_text(n), R"(program single_Relu {
  array x0: f32[2, 3]
  array y0: f32[2, 3]
  state 0 "main" start {
    node 1 = access x0
    node 2 = access y0
    node 4 = map "relu" [_d0 = 0:2, _d1 = 0:3] (x0) -> (y0) schedule=cpu_parallel {
      node 0 = tasklet "relu" (a) -> (y) { y = max(a, 0.0); }
      node 1 = access x0
      node 2 = access y0
      edge 0: node 1 -> node 0.a x0[_d0, _d1]
      edge 1: node 0.y -> node 2 y0[_d0, _d1]
    }
    edge 2: node 1 -> node 4.x0 x0[0:2, 0:3]
    edge 4: node 4.y0 -> node 2 y0[0:2, 0:3]
  }
}
)");
}

TEST(Framework, BroadcastingAdd) {
  // [2, 3] + [3] and [2, 1] + [1, 3].
  expect_outputs(
      {"Add", {}, {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3}, {10, 20, 30})}, {f32({2, 3})}},
      {{11, 22, 33, 14, 25, 36}});
  expect_outputs({"Add", {}, {f32({2, 1}, {1, 2}), f32({1, 3}, {10, 20, 30})}, {f32({2, 3})}},
                 {{11, 21, 31, 12, 22, 32}});
  // Rank 0 with rank 0: a bare tasklet.
  expect_outputs({"Mul", {}, {f32({}, {3}), f32({}, {4})}, {f32({})}}, {{12}});
}

// A chain of two library nodes: the first one's output Access node is the second's input.
TEST(Framework, ChainKeepsDataflow) {
  ir::ProgramBuilder b("chain");
  b.array("X", DType::f32, {4});
  b.transient("T", DType::f32, {4});
  b.array("Y", DType::f32, {4});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId neg = g.library("neg", "Neg", {"in0"}, {"out0"});
  const ir::NodeId relu = g.library("relu", "Relu", {"in0"}, {"out0"});
  const ir::NodeId t = g.access("T");
  g.read(g.access("X"), "0:4", neg, "in0");
  g.write(neg, "out0", t, "0:4");
  g.read(t, "0:4", relu, "in0");
  g.write(relu, "out0", g.access("Y"), "0:4");
  ir::Program p = b.build();
  expand_all(p);
  EXPECT_TRUE(ir::verify(p).empty());
  std::map<std::string, Buffer> args{{"X", f32({4}, {1, -2, 3, -4})},
                                     {"Y", f32({4}, {0, 0, 0, 0})}};
  interpret(p, args);
  EXPECT_EQ(args["Y"].values, (std::vector<double>{0, 2, 0, 4}));
}

TEST(Framework, FailureLeavesProgramAndNamesNode) {
  ir::ProgramBuilder b("bad");
  b.array("X", DType::f32, {4});
  b.array("Y", DType::f32, {4});
  b.array("Z", DType::f32, {4});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId ok = g.library("fine", "Relu", {"in0"}, {"out0"});
  const ir::NodeId bad =
      g.library("broken", "Gelu", {"in0"}, {"out0"}, {{"approximate", std::string("cubic")}});
  g.read(g.access("X"), "0:4", ok, "in0");
  g.write(ok, "out0", g.access("Y"), "0:4");
  g.read(g.access("X"), "0:4", bad, "in0");
  g.write(bad, "out0", g.access("Z"), "0:4");
  ir::Program p = b.build();
  const ir::Program before = p;
  try {
    expand_all(p);
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("Gelu 'broken'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cubic"), std::string::npos) << e.what();
  }
  EXPECT_EQ(p, before);
}

TEST(Framework, UnknownOpAndMissingAttribute) {
  ir::Program p = node_program({"NoSuchOp", {}, {f32({2})}, {f32({2})}});
  EXPECT_THROW(expand_all(p), UserError);
  try {
    ir::Program q = node_program({"BitShift", {}, {i64({2}), i64({2})}, {i64({2})}});
    expand_all(q);
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("attribute 'direction' is missing"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("'node'"), std::string::npos) << e.what();
  }
}

// The loops of a sum: a column sum into few elements (a bias gradient) runs in memory order, one
// flat map, so its inner loop is contiguous; a row sum keeps the kept dims outside and the
// reduced dims in a nested map; a column sum into many elements stays nested too.
TEST(Framework, SumLoopsFollowMemoryOrderWhenTheResultIsSmall) {
  const auto accumulate_map = [](std::vector<std::int64_t> axes, std::vector<std::int64_t> in,
                                 std::vector<std::int64_t> out) {
    const ir::Program p = expand_node_program(
        {"ReduceSum", {{"axes", axes}, {"keepdims", std::int64_t{0}}}, {f32(in)}, {f32(out)}});
    const ir::Graph& g = p.states[p.start_state].graph;
    for (const ir::NodeId id : g.node_ids())
      if (const auto* m = std::get_if<ir::MapNode>(&g.node(id)); m && m->label == "reducesum")
        return *m;
    ADD_FAILURE() << "no map 'reducesum'";
    return ir::MapNode{};
  };
  const auto params = [](const ir::MapNode& m) {
    std::vector<std::string> names;
    for (const ir::MapParam& p : m.params) names.push_back(p.name);
    return names;
  };
  const auto nested = [](const ir::MapNode& m) {
    const auto ids = m.body->node_ids();
    return std::any_of(ids.begin(), ids.end(), [&](ir::NodeId n) {
      return std::holds_alternative<ir::MapNode>(m.body->node(n));
    });
  };
  const ir::MapNode columns = accumulate_map({0, 1}, {4, 6, 8}, {8});
  EXPECT_EQ(params(columns), (std::vector<std::string>{"_d0", "_d1", "_d2"}));
  EXPECT_FALSE(nested(columns));
  const ir::MapNode rows = accumulate_map({2}, {4, 6, 8}, {4, 6});
  EXPECT_EQ(params(rows), (std::vector<std::string>{"_d0", "_d1"}));
  EXPECT_TRUE(nested(rows));
  const ir::MapNode wide = accumulate_map({0}, {4, 9000}, {9000});
  EXPECT_EQ(params(wide), (std::vector<std::string>{"_d1"}));
  EXPECT_TRUE(nested(wide));
}

// Init then accumulate: the second write of the output is ordered after the first.
TEST(Framework, ReductionOrdersInitBeforeAccumulate) {
  const ir::Program p =
      expand_node_program({"ReduceSum",
                           {{"axes", std::vector<std::int64_t>{1}}, {"keepdims", std::int64_t{0}}},
                           {f32({2, 3})},
                           {f32({2})}});
  const ir::Graph& g = p.states[p.start_state].graph;
  const auto order = g.topological_order();
  ASSERT_TRUE(order.has_value());
  std::vector<std::string> maps;
  for (const ir::NodeId id : *order)
    if (const auto* m = std::get_if<ir::MapNode>(&g.node(id))) maps.push_back(m->label);
  EXPECT_EQ(maps, (std::vector<std::string>{"reducesum_init", "reducesum"}));
}

TEST(Framework, ExpandNodeChoosesLibraryImplementation) {
  ir::Program p = node_program({"MatMul", {}, {f32({2, 3}), f32({3, 4})}, {f32({2, 4})}});
  const ir::StateId s = p.start_state;
  const ir::NodeId node(0);
  expand_node(p, s, node, "blas");
  EXPECT_EQ(p.states[s].graph.get<ir::LibraryNode>(node).implementation, "blas");
  // expand_all keeps what `keep` names, and expands it otherwise.
  ir::Program kept = p;
  expand_all(kept, {"blas"});
  EXPECT_TRUE(std::holds_alternative<ir::LibraryNode>(kept.states[s].graph.node(node)));
  EXPECT_THROW(expand_node(p, s, node, "cublas"), UserError);
  expand_all(p);
  EXPECT_FALSE(p.states[s].graph.has_node(node));
}

// Building directly with the context: write T, read it, write T again. The second write must
// come after the first write and after the read of the first value.
TEST(Framework, SecondWriteIsOrderedAfterReadsOfTheFirst) {
  ir::Program p = node_program({"Relu", {}, {f32({4})}, {f32({4})}});
  ExpansionContext x(p, p.start_state, ir::NodeId(0));
  const std::string t = x.transient("t", DType::f32, {4});
  x.mapped_tasklet("first", "_d0=0:4", {{"a", "x0", "_d0"}}, "y = a;", {{"y", t, "_d0"}});
  x.mapped_tasklet("read", "_d0=0:4", {{"a", t, "_d0"}}, "y = a * 2.0;", {{"y", "y0", "_d0"}});
  x.mapped_tasklet("second", "_d0=0:4", {}, "y = 0.0;", {{"y", t, "_d0"}});
  x.finish();
  EXPECT_TRUE(ir::verify(p).empty());
  const ir::Graph& g = p.states[p.start_state].graph;
  std::map<std::string, std::size_t> position;
  const auto order = g.topological_order();
  ASSERT_TRUE(order.has_value());
  for (std::size_t i = 0; i < order->size(); ++i)
    if (const auto* m = std::get_if<ir::MapNode>(&g.node((*order)[i]))) position[m->label] = i;
  EXPECT_LT(position.at("first"), position.at("read"));
  EXPECT_LT(position.at("read"), position.at("second"));
  // A container the expansion reads twice at one subset is read once.
  ir::Program q = node_program({"Add", {}, {f32({3})}, {f32({3})}});
  ExpansionContext y(q, q.start_state, ir::NodeId(0));
  y.mapped_tasklet("twice", "_d0=0:3", {{"a", "x0", "_d0"}, {"b", "x0", "_d0"}}, "y = a + b;",
                   {{"y", "y0", "_d0"}});
  y.finish();
  EXPECT_TRUE(ir::verify(q).empty());
  EXPECT_NE(ir::print_text(q).find("{ y = a + a; }"), std::string::npos) << ir::print_text(q);
}

TEST(Helpers, BroadcastPointAndShapes) {
  const ir::Expr n = ir::Expr::symbol("N");
  const Point out{ir::Expr::symbol("i"), ir::Expr::symbol("j"), ir::Expr::symbol("k")};
  EXPECT_EQ(subset_text(point_subset(broadcast_point({1, n}, out))), "0, k");
  EXPECT_EQ(subset_text(point_subset(broadcast_point({}, out))), "");
  const auto s = broadcast_shapes({{n, 1, 3}, {4, 1}});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(subset_text(point_subset(*s)), "N, 4, 3");
  EXPECT_FALSE(broadcast_shapes({{2}, {3}}).has_value());
}

}  // namespace
}  // namespace sluice::ops::testing
