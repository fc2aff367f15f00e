// Liveness of transients and the memory footprint: intervals over program points, lifetimes,
// views, execution order of states, and the peak of live transients.
#include <gtest/gtest.h>

#include "ir/analysis/footprint.h"
#include "ir/analysis/liveness.h"
#include "ir/builder.h"

namespace sluice::ir::analysis {
namespace {

const Expr N = Expr::symbol("N");

ContainerId id_of(const Program& p, const std::string& name) { return *p.find_container(name); }

// X -> produce -> T -> consume -> Y, with T an f64 transient.
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

TEST(AnalysisLiveness, ProducerConsumer) {
  const Program p = producer_consumer();
  const Liveness live = analyze_liveness(p);
  ASSERT_EQ(live.points.size(), 2u);
  EXPECT_EQ(node_label(p.states[live.points[0].state].graph.node(live.points[0].node)), "produce");
  ASSERT_EQ(live.intervals.size(), 1u);
  EXPECT_EQ(live.intervals[0], (LiveInterval{id_of(p, "T"), 0, 1}));
  EXPECT_EQ(live.find(id_of(p, "T")), &live.intervals[0]);
  EXPECT_EQ(live.find(id_of(p, "X")), nullptr);

  const Footprint f = memory_footprint(p);
  EXPECT_EQ(f.argument_bytes, 8 * N);
  EXPECT_EQ(f.transient_bytes, 8 * N);
  const PeakMemory peak = peak_transient_memory(p, live, {{"N", 100}});
  EXPECT_EQ(peak.bytes, 800);
  EXPECT_EQ(peak.point, std::optional<std::size_t>(0));
  EXPECT_EQ(peak.live, std::vector<ContainerId>{id_of(p, "T")});
}

// X -> a -> T1 -> b -> T2 -> c -> T3 -> d -> Y: each transient lives for two kernels, so the peak
// is the largest adjacent pair.
TEST(AnalysisLiveness, ChainPeakIsTheLargestOverlap) {
  ProgramBuilder b("chain");
  b.symbol("N");
  b.array("X", DType::f32, {N});
  b.transient("T1", DType::f32, {N});
  b.transient("T2", DType::f64, {N});
  b.transient("T3", DType::f32, {N * 4});
  b.array("Y", DType::f32, {N});
  auto g = b.state("main");
  auto a = g.mapped_tasklet("a", "i=0:N", {{"x", "X", "i"}}, "y = x;", {{"y", "T1", "i"}});
  auto bb = g.mapped_tasklet("b", "i=0:N", {{"x", "T1", "i", {}, a.outer_outputs["T1"]}}, "y = x;",
                             {{"y", "T2", "i"}});
  auto c = g.mapped_tasklet("c", "i=0:N", {{"x", "T2", "i", {}, bb.outer_outputs["T2"]}}, "y = x;",
                            {{"y", "T3", "4*i"}});
  g.mapped_tasklet("d", "i=0:N", {{"x", "T3", "4*i", {}, c.outer_outputs["T3"]}}, "y = x;",
                   {{"y", "Y", "i"}});
  const Program p = b.build();
  const Liveness live = analyze_liveness(p);
  ASSERT_EQ(live.intervals.size(), 3u);
  EXPECT_EQ(live.intervals[0], (LiveInterval{id_of(p, "T1"), 0, 1}));
  EXPECT_EQ(live.intervals[1], (LiveInterval{id_of(p, "T2"), 1, 2}));
  EXPECT_EQ(live.intervals[2], (LiveInterval{id_of(p, "T3"), 2, 3}));
  // Point 0: 4N; 1: 4N + 8N; 2: 8N + 16N; 3: 16N.
  const PeakMemory peak = peak_transient_memory(p, live, {{"N", 10}});
  EXPECT_EQ(peak.bytes, 240);
  EXPECT_EQ(peak.point, std::optional<std::size_t>(2));
  EXPECT_EQ(peak.live, (std::vector<ContainerId>{id_of(p, "T2"), id_of(p, "T3")}));
  EXPECT_EQ(memory_footprint(p).transient_bytes, 28 * N);
  EXPECT_THROW(peak_transient_memory(p, live, {}), UserError);
}

TEST(AnalysisLiveness, ExecutionOrderFollowsTheStateGraph) {
  ProgramBuilder b("t");
  b.state("start");
  b.state("exit");
  b.state("body");
  b.state("unreachable");
  b.transition("start", "body");
  b.transition("body", "body", "i < 10", {{"i", "i + 1"}});
  b.transition("body", "exit", "i >= 10");
  const Program p = b.build();
  EXPECT_EQ(execution_order(p),
            (std::vector<StateId>{b.state_id("start"), b.state_id("body"), b.state_id("exit"),
                                  b.state_id("unreachable")}));
}

// Two states, created out of execution order, with transients of every lifetime and a view.
TEST(AnalysisLiveness, LifetimesViewsAndStates) {
  ProgramBuilder b("t");
  b.symbol("N");
  b.array("X", DType::f32, {N});
  b.array("Y", DType::f32, {N});
  b.transient("scoped", DType::f32, {N});
  b.transient("per_state", DType::f32, {N});
  b.transient("whole", DType::f32, {N});
  b.transient("unused", DType::f32, {N});
  b.transient("aliased", DType::f32, {N});
  b.reshape_view("alias", "aliased", {N});
  Program& prog = b.program();
  prog.containers[id_of(prog, "per_state")].lifetime = Lifetime::State;
  prog.containers[id_of(prog, "whole")].lifetime = Lifetime::Persistent;

  // Fill each state before creating the next: a GraphBuilder points into the state arena.
  // "third" is created before "second" but runs after it.
  auto first = b.state("first");
  // Points 0, 1.
  first.mapped_tasklet("f0", "i=0:N", {{"x", "X", "i"}}, "y = x;", {{"y", "Y", "i"}});
  first.mapped_tasklet("f1", "i=0:N", {{"x", "X", "i"}}, "y = x;", {{"y", "scoped", "i"}});
  auto third = b.state("third");
  // Points 5, 6.
  third.mapped_tasklet("t0", "i=0:N", {{"x", "aliased", "i"}}, "y = x;", {{"y", "Y", "i"}});
  third.mapped_tasklet("t1", "i=0:N", {{"x", "X", "i"}}, "y = x;", {{"y", "Y", "i"}});
  auto second = b.state("second");
  // Points 2, 3, 4.
  second.mapped_tasklet("s0", "i=0:N", {{"x", "X", "i"}}, "y = x;", {{"y", "Y", "i"}});
  second.mapped_tasklet("s1", "i=0:N", {{"x", "scoped", "i"}}, "y = x;", {{"y", "per_state", "i"}});
  second.mapped_tasklet("s2", "i=0:N", {{"x", "X", "i"}}, "y = x;", {{"y", "alias", "i"}});
  b.transition("first", "second");
  b.transition("second", "third");
  const Program p = b.build();

  const Liveness live = analyze_liveness(p);
  ASSERT_EQ(live.points.size(), 7u);
  EXPECT_EQ(live.state_order,
            (std::vector<StateId>{b.state_id("first"), b.state_id("second"), b.state_id("third")}));
  EXPECT_EQ(live.points[2].state, b.state_id("second"));
  EXPECT_EQ(live.points[5].state, b.state_id("third"));
  ASSERT_NE(live.find(id_of(p, "scoped")), nullptr);
  EXPECT_EQ(*live.find(id_of(p, "scoped")), (LiveInterval{id_of(p, "scoped"), 1, 3}));
  // Widened to the whole of state "second".
  EXPECT_EQ(*live.find(id_of(p, "per_state")), (LiveInterval{id_of(p, "per_state"), 2, 4}));
  EXPECT_EQ(*live.find(id_of(p, "whole")), (LiveInterval{id_of(p, "whole"), 0, 6}));
  EXPECT_EQ(live.find(id_of(p, "unused")), nullptr);
  // The view's use keeps what it aliases alive; the view itself has no interval.
  EXPECT_EQ(*live.find(id_of(p, "aliased")), (LiveInterval{id_of(p, "aliased"), 4, 5}));
  EXPECT_EQ(live.find(id_of(p, "alias")), nullptr);

  // Views occupy nothing of their own.
  EXPECT_EQ(container_bytes(p, id_of(p, "alias")), Expr(0));
  EXPECT_EQ(memory_footprint(p).transient_bytes, 20 * N);
  EXPECT_EQ(memory_footprint(p).argument_bytes, 8 * N);
  // Point 4: per_state, whole, aliased (scoped ended at 3).
  const PeakMemory peak = peak_transient_memory(p, live, {{"N", 1}});
  EXPECT_EQ(peak.bytes, 12);
  EXPECT_EQ(peak.point, std::optional<std::size_t>(2));
}

TEST(AnalysisLiveness, RegisterTransientsAndEmptyPrograms) {
  ProgramBuilder b("t");
  b.array("X", DType::f32, {4});
  const ContainerId r = b.transient("R", DType::f32, {4});
  b.program().containers[r].storage = Storage::Register;
  b.state("main").mapped_tasklet("m", "i=0:4", {{"x", "X", "i"}}, "y = x;", {{"y", "R", "i"}});
  const Program p = b.build();
  const Liveness live = analyze_liveness(p);
  ASSERT_EQ(live.intervals.size(), 1u);  // live, but not memory
  EXPECT_EQ(memory_footprint(p).transient_bytes, Expr(0));
  EXPECT_EQ(peak_transient_memory(p, live, {}).bytes, 0);

  const Program empty = ProgramBuilder("empty").build();
  const Liveness none = analyze_liveness(empty);
  EXPECT_TRUE(none.points.empty());
  const PeakMemory peak = peak_transient_memory(empty, none, {});
  EXPECT_EQ(peak.bytes, 0);
  EXPECT_FALSE(peak.point.has_value());
}

}  // namespace
}  // namespace sluice::ir::analysis
