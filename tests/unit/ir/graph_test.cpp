// Graph editing: stable ids, adjacency, removal, topological order, value semantics.
#include <gtest/gtest.h>

#include "ir/graph.h"
#include "ir/program.h"

namespace sluice::ir {
namespace {

Memlet memlet_of(ContainerId data) {
  Memlet m;
  m.data = data;
  m.subset = {Range::index(0)};
  m.volume = 1;
  return m;
}

TEST(Arena, IdsAreNeverReused) {
  Arena<NodeId, int> arena;
  const NodeId a = arena.add(1);
  const NodeId b = arena.add(2);
  arena.erase(a);
  const NodeId c = arena.add(3);
  EXPECT_EQ(a.value, 0u);
  EXPECT_EQ(b.value, 1u);
  EXPECT_EQ(c.value, 2u);
  EXPECT_FALSE(arena.contains(a));
  EXPECT_EQ(arena.ids(), (std::vector<NodeId>{b, c}));
  EXPECT_EQ(arena.size(), 2u);
}

TEST(Arena, MissingIdIsAnInternalError) {
  Arena<NodeId, int> arena;
  EXPECT_THROW((void)arena[NodeId(3)], InternalError);
  EXPECT_THROW(arena.insert_at(NodeId(0), 1); arena.insert_at(NodeId(0), 2), InternalError);
}

TEST(Arena, ReserveIdsMovesTheCounter) {
  Arena<EdgeId, int> arena;
  arena.reserve_ids(5);
  EXPECT_EQ(arena.add(7).value, 5u);
}

TEST(Graph, AdjacencyFollowsEdits) {
  Graph g;
  const NodeId a = g.add_node(AccessNode{ContainerId(0)});
  const NodeId t = g.add_node(TaskletNode{"t", {"x"}, {"y"}, {}});
  const NodeId b = g.add_node(AccessNode{ContainerId(1)});
  const EdgeId e1 = g.add_edge(a, "", t, "x", memlet_of(ContainerId(0)));
  const EdgeId e2 = g.add_edge(t, "y", b, "", memlet_of(ContainerId(1)));
  EXPECT_EQ(g.out_edges(a), std::vector<EdgeId>{e1});
  EXPECT_EQ(g.in_edges(t), std::vector<EdgeId>{e1});
  EXPECT_EQ(g.out_edges(t), std::vector<EdgeId>{e2});
  EXPECT_EQ(g.in_edges(b), std::vector<EdgeId>{e2});

  g.remove_node(t);
  EXPECT_FALSE(g.has_node(t));
  EXPECT_FALSE(g.has_edge(e1));
  EXPECT_FALSE(g.has_edge(e2));
  EXPECT_TRUE(g.out_edges(a).empty());
  EXPECT_TRUE(g.in_edges(b).empty());
  EXPECT_EQ(g.num_nodes(), 2u);
  EXPECT_EQ(g.num_edges(), 0u);
  // A new node does not take the erased id.
  EXPECT_EQ(g.add_node(AccessNode{ContainerId(2)}).value, 3u);
}

TEST(Graph, EdgeToMissingNodeIsAnInternalError) {
  Graph g;
  const NodeId a = g.add_node(AccessNode{ContainerId(0)});
  EXPECT_THROW(g.add_edge(a, "", NodeId(9), "", Memlet{}), InternalError);
  EXPECT_EQ(g.num_edges(), 0u);
}

TEST(Graph, TopologicalOrderBreaksTiesById) {
  Graph g;
  const NodeId n0 = g.add_node(AccessNode{ContainerId(0)});
  const NodeId n1 = g.add_node(AccessNode{ContainerId(1)});
  const NodeId n2 = g.add_node(TaskletNode{"t", {"a", "b"}, {"c"}, {}});
  const NodeId n3 = g.add_node(AccessNode{ContainerId(2)});
  g.add_edge(n1, "", n2, "b", memlet_of(ContainerId(1)));
  g.add_edge(n0, "", n2, "a", memlet_of(ContainerId(0)));
  g.add_edge(n2, "c", n3, "", memlet_of(ContainerId(2)));
  auto order = g.topological_order();
  ASSERT_TRUE(order.has_value());
  EXPECT_EQ(*order, (std::vector<NodeId>{n0, n1, n2, n3}));
}

TEST(Graph, TopologicalOrderDetectsCycles) {
  Graph g;
  const NodeId a = g.add_node(TaskletNode{"a", {"i"}, {"o"}, {}});
  const NodeId b = g.add_node(TaskletNode{"b", {"i"}, {"o"}, {}});
  g.add_edge(a, "o", b, "i", Memlet{});
  g.add_edge(b, "o", a, "i", Memlet{});
  EXPECT_FALSE(g.topological_order().has_value());
}

TEST(Graph, CopiesAreIndependentSnapshots) {
  Graph g;
  MapNode map;
  map.label = "m";
  map.body->add_node(AccessNode{ContainerId(0)});
  const NodeId m = g.add_node(std::move(map));
  Graph copy = g;
  EXPECT_EQ(copy, g);
  g.get<MapNode>(m).body->add_node(AccessNode{ContainerId(1)});
  EXPECT_EQ(copy.get<MapNode>(m).body->num_nodes(), 1u);
  EXPECT_EQ(g.get<MapNode>(m).body->num_nodes(), 2u);
  EXPECT_FALSE(copy == g);
}

TEST(Graph, WrongKindIsAnInternalError) {
  Graph g;
  const NodeId a = g.add_node(AccessNode{ContainerId(0)});
  EXPECT_THROW((void)g.get<MapNode>(a), InternalError);
}

TEST(Graph, NodeHelpersCoverEveryKind) {
  const Node access = AccessNode{ContainerId(0)};
  const Node lib = LibraryNode{"mm", "MatMul", {"A", "B"}, {"Y"}, {}, "pure"};
  EXPECT_EQ(node_kind_name(access), "access");
  EXPECT_EQ(node_kind_name(lib), "library");
  EXPECT_EQ(node_label(lib), "mm");
  EXPECT_TRUE(input_connectors(access).empty());
  EXPECT_EQ(input_connectors(lib), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(output_connectors(lib), (std::vector<std::string>{"Y"}));
}

TEST(Graph, ScheduleNamesRoundTrip) {
  for (auto s : {Schedule::Default, Schedule::Sequential, Schedule::CpuParallel,
                 Schedule::Vectorized, Schedule::GpuGrid, Schedule::GpuBlock})
    EXPECT_EQ(parse_schedule(schedule_name(s)), s);
  EXPECT_FALSE(parse_schedule("gpu").has_value());
}

TEST(Program, NestedProgramIsCopiedDeeply) {
  Program inner;
  inner.name = "inner";
  Program outer;
  StateId s = outer.states.add(State{"main", {}});
  NestedNode nested;
  nested.label = "call";
  nested.program = inner;
  const NodeId n = outer.states[s].graph.add_node(std::move(nested));
  Program copy = outer;
  outer.states[s].graph.get<NestedNode>(n).program->name = "changed";
  EXPECT_EQ(copy.states[s].graph.get<NestedNode>(n).program->name, "inner");
}

}  // namespace
}  // namespace sluice::ir
