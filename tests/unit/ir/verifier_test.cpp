// The verifier, documented by example: a valid program verifies clean, and each test breaks one
// thing and shows the exact diagnostic (location: message) that the verifier reports for it.
#include "ir/verifier.h"

#include <functional>
#include <limits>

#include <gtest/gtest.h>

#include "ir/builder.h"
#include "ir/ir_path.h"
#include "samples/sample_programs.h"

namespace sluice::ir {
namespace {

// --- Programs to break -----------------------------------------------------------------------

// containers A 0, B 1, C 2, D 3, AT 4 (permute view of A), T 5
// state 0 'init': node 0 map 'zero' (body: node 0 tasklet 'zero', node 1 C) -> node 1 C
// state 1 'main': node 0 map 'mm' (i, j, k; body: node 0 tasklet 'mm', node 1 A, node 2 B,
//                 node 3 C; edges 0 A->a, 1 B->b, 2 c->C with sum), node 1 A, node 2 B, node 3 C,
//                 node 4 library 'relu', node 5 D, node 6 AT, node 7 T; edges 0 A->mm, 1 B->mm,
//                 2 mm->C (sum), 3 C->relu.X, 4 relu.Y->D, 5 AT->T (a copy)
// transition 0 init -> main if M > 0, t = t + 1
ProgramBuilder model_builder() {
  ProgramBuilder b("model");
  const Expr m = b.symbol("M");
  const Expr n = b.symbol("N");
  const Expr k = b.symbol("K");
  b.symbol("t");
  b.array("A", DType::f32, {m, k});
  b.array("B", DType::f32, {k, n});
  b.array("C", DType::f32, {m, n});
  b.array("D", DType::f32, {m, n});
  b.permute_view("AT", "A", {1, 0});
  b.transient("T", DType::f32, {k, m});
  b.state("init").mapped_tasklet("zero", "i=0:M, j=0:N", {}, "c = 0.0;", {{"c", "C", "i, j"}});
  GraphBuilder g = b.state("main");
  const auto mm =
      g.mapped_tasklet("mm", "i=0:M, j=0:N, k=0:K", {{"a", "A", "i, k"}, {"b", "B", "k, j"}},
                       "c = a * b;", {{"c", "C", "i, j", WriteConflict::Sum}});
  const NodeId relu = g.library("relu", "Relu", {"X"}, {"Y"});
  g.read(mm.outer_outputs.at("C"), "0:M, 0:N", relu, "X");
  g.write(relu, "Y", g.access("D"), "0:M, 0:N");
  const NodeId at = g.access("AT");
  const NodeId tt = g.access("T");
  Memlet copy;
  copy.data = *b.program().find_container("AT");
  copy.subset = parse_subset("0:K, 0:M");
  copy.volume = k * m;
  g.graph().add_edge(at, "", tt, "", copy);
  b.transition("init", "main", "M > 0", {{"t", "t + 1"}});
  return b;
}
Program model() { return model_builder().build(); }

constexpr ContainerId kA{0}, kB{1}, kC{2}, kD{3}, kAT{4}, kT{5};

Graph& main_graph(Program& p) { return p.states[StateId(1)].graph; }
MapNode& mm(Program& p) { return main_graph(p).get<MapNode>(NodeId(0)); }
Graph& mm_body(Program& p) { return *mm(p).body; }
LibraryNode& relu(Program& p) { return main_graph(p).get<LibraryNode>(NodeId(4)); }
TaskletNode& mm_tasklet(Program& p) { return mm_body(p).get<TaskletNode>(NodeId(0)); }

Memlet memlet(const Program& p, const std::string& container, const std::string& subset) {
  Memlet m;
  m.data = *p.find_container(container);
  m.subset = parse_subset(subset);
  m.volume = subset_size(m.subset);
  return m;
}

// Rewrites an edge in place (same id).
void edit_edge(Graph& g, EdgeId id, const std::function<void(Edge&)>& edit) {
  Edge e = g.edge(id);
  g.remove_edge(id);
  edit(e);
  g.insert_edge_at(id, e);
}

// One mapped tasklet "t" over i=0:N in state 's', reading X (f32) or H (f16), writing Y (f32)
// or H: for the tasklet's own diagnostics.
Program one_tasklet(std::vector<TaskletPort> inputs, std::string_view code,
                    std::vector<TaskletPort> outputs) {
  ProgramBuilder b("one");
  const Expr n = b.symbol("N");
  b.array("X", DType::f32, {n});
  b.array("H", DType::f16, {n});
  b.array("Y", DType::f32, {n});
  b.state("s").mapped_tasklet("t", "i=0:N", inputs, code, outputs);
  return b.build();
}
const char* const kTasklet = "state 's' / map 0 't' / node 0 't' (tasklet)";

// Map 'rows' (i=0:N) around map 'cols' (j=0:M) copying X[N, M] to Y.
// state 's': node 0 map 'rows' (body: node 0 map 'cols', node 1 X, node 2 Y), node 1 X, node 2 Y.
Program nested_maps() {
  ProgramBuilder b("maps");
  const Expr n = b.symbol("N");
  const Expr m = b.symbol("M");
  b.array("X", DType::f32, {n, m});
  b.array("Y", DType::f32, {n, m});
  GraphBuilder g = b.state("s");
  const NodeId rows = g.map("rows", "i=0:N");
  g.body(rows).mapped_tasklet("cols", "j=0:M", {{"x", "X", "i, j"}}, "y = x;",
                              {{"y", "Y", "i, j"}});
  g.map_read(g.access("X"), rows, "0:N, 0:M");
  g.map_write(rows, g.access("Y"), "0:N, 0:M");
  return b.build();
}

// A nested program 'scale' (Q = 2 * P over L elements) called on X -> Y with L = N.
// state 's': node 0 X, node 1 nested 'scale', node 2 Y; edges 0 X->P, 1 Q->Y.
Program inner_program() {
  ProgramBuilder b("inner");
  const Expr l = b.symbol("L");
  b.array("P", DType::f32, {l});
  b.array("Q", DType::f32, {l});
  b.transient("Tmp", DType::f32, {l});
  b.state("body").mapped_tasklet("twice", "i=0:L", {{"p", "P", "i"}}, "q = cast<f32>(p) * 2.0;",
                                 {{"q", "Q", "i"}});
  return b.build();
}
Program nested_program(Program inner = inner_program()) {
  ProgramBuilder b("outer");
  const Expr n = b.symbol("N");
  b.array("X", DType::f32, {n});
  b.array("Y", DType::f32, {n});
  GraphBuilder g = b.state("s");
  const NodeId x = g.access("X");
  NestedNode node;
  node.label = "scale";
  node.inputs = {"P"};
  node.outputs = {"Q"};
  node.symbol_mapping = {{"L", n}};
  node.program = std::move(inner);
  const NodeId nested = g.graph().add_node(std::move(node));
  g.read(x, "0:N", nested, "P");
  g.write(nested, "Q", g.access("Y"), "0:N");
  return b.build();
}
const char* const kNested = "state 's' / node 1 'scale' (nested)";

std::vector<std::string> diagnostics(const Program& p) {
  std::vector<std::string> out;
  for (const Diagnostic& d : verify(p)) {
    EXPECT_EQ(d.severity, Severity::Error);
    out.push_back(d.location + ": " + d.message);
  }
  return out;
}

#define EXPECT_DIAGNOSTICS(program, ...) \
  EXPECT_EQ(diagnostics(program), (std::vector<std::string>{__VA_ARGS__}))

// --- Valid programs --------------------------------------------------------------------------

TEST(VerifierValid, ModelWithMatmulLibraryNodeViewAndTransitionIsClean) {
  EXPECT_DIAGNOSTICS(model());
  EXPECT_NO_THROW(verify_or_throw(model()));
}

TEST(VerifierValid, SamplesAreClean) {
  for (const auto& sample : samples::all_samples()) {
    SCOPED_TRACE(sample.name);
    EXPECT_DIAGNOSTICS(sample.make());
  }
}

TEST(VerifierValid, NestedMapsAndNestedProgramsAreClean) {
  EXPECT_DIAGNOSTICS(nested_maps());
  EXPECT_DIAGNOSTICS(nested_program());
}

TEST(VerifierValid, TriangularAndStridedRangesAreClean) {
  ProgramBuilder b("ranges");
  const Expr n = b.symbol("N");
  b.array("X", DType::f32, {n, n});
  b.array("Y", DType::f32, {n});
  GraphBuilder g = b.state("s");
  const NodeId rows = g.map("rows", "i=0:N");
  g.body(rows).mapped_tasklet("upper", "j=i:N", {{"x", "X", "i, j"}}, "y = x;",
                              {{"y", "Y", "i", WriteConflict::Sum}});
  g.map_read(g.access("X"), rows, "0:N, 0:N");
  g.map_write(rows, g.access("Y"), "0:N", WriteConflict::Sum);
  g.mapped_tasklet("even", "i=0:N:2", {{"x", "X", "i, N - 1 - i"}}, "y = x;", {{"y", "Y", "i"}});
  EXPECT_DIAGNOSTICS(b.build());
}

TEST(VerifierValid, TaskletInAStateWritingScalars) {
  ProgramBuilder b("scalars");
  b.scalar("s", DType::f32);
  b.scalar("h", DType::f16, /*transient=*/true);
  GraphBuilder g = b.state("s");
  const NodeId t = g.tasklet("t", {}, {"y", "z"}, "y = 1.0; z = 2.0;");
  g.write(t, "y", g.access("s"), "");
  g.write(t, "z", g.access("h"), "");
  EXPECT_DIAGNOSTICS(b.build());
}

TEST(VerifierValid, UndecidableBoundsAreNotReported) {
  // K may or may not exceed M: nothing is certain, so nothing is reported.
  Program p = model();
  edit_edge(main_graph(p), EdgeId(3), [](Edge& e) { e.memlet.subset = parse_subset("0:K, 0:N"); });
  EXPECT_DIAGNOSTICS(p);
}

TEST(VerifierValid, LargeProgramIsClean) { EXPECT_DIAGNOSTICS(samples::synthetic_chain(200)); }

TEST(VerifierApi, VerifyOrThrowCarriesEveryDiagnostic) {
  Program p = model();
  p.containers[kD].strides.clear();
  relu(p).op.clear();
  try {
    verify_or_throw(p);
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    ASSERT_EQ(e.diagnostics().size(), 2u);
    EXPECT_EQ(e.diagnostics(), verify(p));
    EXPECT_EQ(std::string(e.what()),
              "error: container 'D': the strides of 'D' have rank 0 but its shape has rank 2\n"
              "error: state 'main' / node 4 'relu' (library): the library node has no op");
  }
}

TEST(VerifierApi, OrderIsDeterministic) {
  Program p = model();
  p.containers[kD].strides.clear();
  relu(p).implementation.clear();
  p.interstate_edges[InterstateEdgeId(0)].assignments.push_back({"q", 1});
  p.symbols["2x"] = DType::i64;
  EXPECT_DIAGNOSTICS(
      p, "symbol '2x': symbol name '2x' is not an identifier",
      "container 'D': the strides of 'D' have rank 0 but its shape has rank 2",
      "state 'main' / node 4 'relu' (library): the library node has no implementation",
      "transition 0 (state 'init' -> state 'main'): assignment to 'q', which is not a symbol");
  EXPECT_EQ(verify(p), verify(Program(p)));
}

// --- IR paths --------------------------------------------------------------------------------

TEST(VerifierPath, PrintsScopesNodesEdgesContainersAndTransitions) {
  Program p = model();
  const Graph& g = main_graph(p);
  const IrPath state({state_step(p, StateId(1))});
  EXPECT_EQ((state / node_step(p, g, NodeId(4))).str(), "state 'main' / node 4 'relu' (library)");
  EXPECT_EQ((state / node_step(p, g, NodeId(1))).str(), "state 'main' / node 1 'A' (access)");
  EXPECT_EQ((state / node_step(p, g, NodeId(0)) / edge_step(EdgeId(2))).str(),
            "state 'main' / map 0 'mm' / edge 2");
  EXPECT_EQ((state / node_step(p, g, NodeId(0)) / node_step(p, mm_body(p), NodeId(0))).str(),
            "state 'main' / map 0 'mm' / node 0 'mm' (tasklet)");
  EXPECT_EQ(IrPath({container_step(p, kAT)}).str(), "container 'AT'");
  EXPECT_EQ(IrPath({transition_step(p, InterstateEdgeId(0))}).str(),
            "transition 0 (state 'init' -> state 'main')");
  EXPECT_EQ(IrPath({program_step(p)}).str(), "program 'model'");
  EXPECT_EQ(IrPath({state_step(p, StateId(9))}).str(), "state 9");
}

TEST(VerifierPath, ResolvesToTheGraphItNames) {
  Program p = model();
  const Graph& g = main_graph(p);
  const IrPath in_body =
      IrPath({state_step(p, StateId(1)), node_step(p, g, NodeId(0)), edge_step(EdgeId(1))});
  EXPECT_EQ(resolve_graph(p, in_body), &mm_body(p));
  EXPECT_EQ(resolve_graph(p, IrPath({state_step(p, StateId(1)), node_step(p, g, NodeId(0))})), &g);
  EXPECT_EQ(resolve_graph(p, IrPath({state_step(p, StateId(7))})), nullptr);

  Program n = nested_program();
  const Graph& outer = n.states[StateId(0)].graph;
  const Program& inner = *outer.get<NestedNode>(NodeId(1)).program;
  const IrPath into_inner(
      {state_step(n, StateId(0)), node_step(n, outer, NodeId(1)), state_step(inner, StateId(0))});
  EXPECT_EQ(resolve_program(n, into_inner), &inner);
  EXPECT_EQ(resolve_graph(n, into_inner), &inner.states[StateId(0)].graph);
}

// --- Symbols ---------------------------------------------------------------------------------

TEST(VerifierSymbols, NameIsNotAnIdentifier) {
  Program p = model();
  p.symbols["2x"] = DType::i64;
  EXPECT_DIAGNOSTICS(p, "symbol '2x': symbol name '2x' is not an identifier");
}

TEST(VerifierSymbols, DtypeIsAFloat) {
  Program p = model();
  p.symbols["t"] = DType::f32;
  EXPECT_DIAGNOSTICS(p, "symbol 't': symbol 't' has dtype f32; a symbol is an integer or a bool");
}

// --- Containers ------------------------------------------------------------------------------

TEST(VerifierContainers, EmptyName) {
  Program p = model();
  p.containers[kT].name.clear();
  EXPECT_DIAGNOSTICS(p, "container 5: the container has an empty name");
}

TEST(VerifierContainers, NameIsNotAnIdentifier) {
  Program p = model();
  p.containers[kD].name = "D-1";
  EXPECT_DIAGNOSTICS(p, "container 'D-1': container name 'D-1' is not an identifier");
}

TEST(VerifierContainers, DuplicateName) {
  Program p = model();
  p.containers[kD].name = "C";
  EXPECT_DIAGNOSTICS(p, "container 'C': the name 'C' is already used by container 2");
}

TEST(VerifierContainers, NameOfASymbol) {
  Program p = model();
  p.containers[kD].name = "t";
  EXPECT_DIAGNOSTICS(p, "container 't': the name 't' is also the name of a symbol");
}

TEST(VerifierContainers, ScalarWithAShape) {
  ProgramBuilder b = model_builder();
  const ContainerId s = b.scalar("s", DType::f32);
  b.program().containers[s].shape = {4};
  b.program().containers[s].strides = {1};
  EXPECT_DIAGNOSTICS(b.build(),
                     "container 's': scalar 's' has rank 1; a scalar has an empty shape");
}

TEST(VerifierContainers, StridesOfAnotherRank) {
  Program p = model();
  p.containers[kB].strides.pop_back();
  EXPECT_DIAGNOSTICS(p, "container 'B': the strides of 'B' have rank 1 but its shape has rank 2");
}

TEST(VerifierContainers, ViewWithoutSource) {
  Program p = model();
  p.containers[kAT].view.reset();
  EXPECT_DIAGNOSTICS(p, "container 'AT': view 'AT' does not say what it views (no view source)");
}

TEST(VerifierContainers, ArrayWithAViewSource) {
  Program p = model();
  p.containers[kT].view = ViewOf{kA, ViewKind::Reshape, {}};
  EXPECT_DIAGNOSTICS(p,
                     "container 'T': 'T' is an array but has a view source; only views have one");
}

TEST(VerifierContainers, ViewSourceDoesNotExist) {
  Program p = model();
  p.containers[kAT].view->source = ContainerId(42);
  EXPECT_DIAGNOSTICS(p, "container 'AT': the source of view 'AT' (container 42) does not exist");
}

TEST(VerifierContainers, ViewOfItself) {
  Program p = model();
  p.containers[kAT].view->source = kAT;
  EXPECT_DIAGNOSTICS(p, "container 'AT': view 'AT' views itself");
}

TEST(VerifierContainers, ViewWithAnotherDtype) {
  Program p = model();
  p.containers[kAT].dtype = DType::f16;
  p.containers[kT].dtype = DType::f16;  // so the copy AT -> T keeps its dtype
  EXPECT_DIAGNOSTICS(p, "container 'AT': view 'AT' has dtype f16 but its source 'A' has f32");
}

TEST(VerifierContainers, InvalidPermutation) {
  Program p = model();
  p.containers[kAT].view->permutation = {1, 1};
  EXPECT_DIAGNOSTICS(p,
                     "container 'AT': the permutation [1, 1] of view 'AT' is not a "
                     "permutation of the 2 dimensions of 'A'");
}

TEST(VerifierContainers, PermuteViewOfAnotherRank) {
  ProgramBuilder b = model_builder();
  const ContainerId v = b.permute_view("V", "A", {1, 0});
  b.program().containers[v].shape.push_back(1);
  b.program().containers[v].strides.push_back(1);
  EXPECT_DIAGNOSTICS(b.build(),
                     "container 'V': permute view 'V' has rank 3 but its source 'A' "
                     "has rank 2");
}

TEST(VerifierContainers, PermuteViewShapeDoesNotMatchTheSource) {
  Program p = model();
  p.containers[kAT].shape[0] = Expr::symbol("N");
  EXPECT_DIAGNOSTICS(p,
                     "container 'AT': dimension 0 of permute view 'AT' is N but dimension 1 "
                     "of its source 'A' is K");
}

TEST(VerifierContainers, PermutationOnAReshapeView) {
  Program p = model();
  p.containers[kAT].view->kind = ViewKind::Reshape;
  EXPECT_DIAGNOSTICS(p,
                     "container 'AT': reshape view 'AT' has a permutation; only permute views "
                     "have one");
}

TEST(VerifierContainers, ReshapeChangesTheNumberOfElements) {
  ProgramBuilder b = model_builder();
  b.array("S", DType::f32, {6});
  b.reshape_view("R", "S", {2, 4});
  EXPECT_DIAGNOSTICS(b.build(),
                     "container 'R': reshape view 'R' has 8 elements but its source "
                     "'S' has 6");
}

TEST(VerifierContainers, ViewsFormACycle) {
  ProgramBuilder b = model_builder();
  b.array("S", DType::f32, {8});
  const ContainerId v = b.reshape_view("V", "S", {8});
  const ContainerId w = b.reshape_view("W", "V", {8});
  b.program().containers[v].view->source = w;
  EXPECT_DIAGNOSTICS(b.build(), "container 'V': views form a cycle: 'V' -> 'W' -> 'V'");
}

TEST(VerifierContainers, ShapeUsesAnUndeclaredSymbol) {
  Program p = model();
  p.containers[kB].shape[0] = Expr::symbol("Q");
  EXPECT_DIAGNOSTICS(p, "container 'B': dimension 0 of 'B' uses 'Q', which is not a symbol");
}

TEST(VerifierContainers, StridesUseAnUndeclaredSymbol) {
  Program p = model();
  p.containers[kB].strides[0] = Expr::symbol("Q");
  EXPECT_DIAGNOSTICS(p, "container 'B': stride 0 of 'B' uses 'Q', which is not a symbol");
}

TEST(VerifierContainers, OffsetUsesAnUndeclaredSymbol) {
  Program p = model();
  p.containers[kB].offset = Expr::symbol("Q");
  EXPECT_DIAGNOSTICS(p, "container 'B': the offset of 'B' uses 'Q', which is not a symbol");
}

TEST(VerifierContainers, NegativeDimension) {
  ProgramBuilder b = model_builder();
  b.array("E", DType::f32, {-Expr::symbol("N") - 1});
  EXPECT_DIAGNOSTICS(b.build(), "container 'E': dimension 0 of 'E' (-N - 1) is negative");
}

TEST(VerifierContainers, ArgumentInRegisters) {
  Program p = model();
  p.containers[kD].storage = Storage::Register;
  EXPECT_DIAGNOSTICS(p,
                     "container 'D': argument 'D' has storage register; a program argument "
                     "cannot live in registers or GPU shared memory");
}

// --- Control flow ----------------------------------------------------------------------------

TEST(VerifierStates, NoStartState) {
  Program p = model();
  p.start_state = StateId();
  EXPECT_DIAGNOSTICS(p, "program 'model': the program has states but no start state");
}

TEST(VerifierStates, StartStateDoesNotExist) {
  Program p = model();
  p.start_state = StateId(9);
  EXPECT_DIAGNOSTICS(p, "program 'model': the start state 9 does not exist");
}

TEST(VerifierStates, EmptyLabel) {
  Program p = model();
  p.states[StateId(0)].label.clear();
  EXPECT_DIAGNOSTICS(p, "state 0: the state has an empty label");
}

TEST(VerifierStates, DuplicateLabel) {
  Program p = model();
  p.states[StateId(1)].label = "init";
  EXPECT_DIAGNOSTICS(p, "state 'init': the label 'init' is already used by state 0");
}

TEST(VerifierStates, DataflowCycle) {
  Program p = model();
  main_graph(p).add_edge(NodeId(5), "", NodeId(4), "", Memlet{});  // D -> relu, ordering only
  EXPECT_DIAGNOSTICS(p,
                     "state 'main': the dataflow graph has a cycle: node 4 'relu' (library) "
                     "-> node 5 'D' (access) -> node 4 'relu' (library)");
}

TEST(VerifierStates, DataflowCycleInAMapBody) {
  Program p = model();
  mm_body(p).add_edge(NodeId(3), "", NodeId(0), "", Memlet{});  // C -> tasklet, ordering only
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 0 'mm' (map): the body of map 'mm' has a cycle: node "
                     "0 'mm' (tasklet) -> node 3 'C' (access) -> node 0 'mm' (tasklet)");
}

TEST(VerifierTransitions, SourceStateDoesNotExist) {
  Program p = model();
  p.interstate_edges[InterstateEdgeId(0)].src = StateId(7);
  EXPECT_DIAGNOSTICS(p,
                     "transition 0 (state 7 -> state 'main'): the source state 7 does not "
                     "exist");
}

TEST(VerifierTransitions, DestinationStateDoesNotExist) {
  Program p = model();
  p.interstate_edges[InterstateEdgeId(0)].dst = StateId(7);
  EXPECT_DIAGNOSTICS(p,
                     "transition 0 (state 'init' -> state 7): the destination state 7 does "
                     "not exist");
}

TEST(VerifierTransitions, AssignmentToANonSymbol) {
  Program p = model();
  p.interstate_edges[InterstateEdgeId(0)].assignments.push_back({"q", 1});
  EXPECT_DIAGNOSTICS(p,
                     "transition 0 (state 'init' -> state 'main'): assignment to 'q', which "
                     "is not a symbol");
}

TEST(VerifierTransitions, AssignmentUsesAnUndeclaredSymbol) {
  Program p = model();
  p.interstate_edges[InterstateEdgeId(0)].assignments[0].second = parse_expr("t + Z");
  EXPECT_DIAGNOSTICS(p,
                     "transition 0 (state 'init' -> state 'main'): the assignment "
                     "'t = t + Z' uses 'Z', which is not a symbol");
}

TEST(VerifierTransitions, ConditionUsesAnUndeclaredSymbol) {
  Program p = model();
  p.interstate_edges[InterstateEdgeId(0)].condition = parse_tasklet_expr("Z > 0");
  EXPECT_DIAGNOSTICS(p,
                     "transition 0 (state 'init' -> state 'main'): the condition 'Z > 0' "
                     "uses 'Z', which is not a symbol");
}

TEST(VerifierTransitions, ConditionIsNotBool) {
  Program p = model();
  p.interstate_edges[InterstateEdgeId(0)].condition = parse_tasklet_expr("M + 1");
  EXPECT_DIAGNOSTICS(p,
                     "transition 0 (state 'init' -> state 'main'): the condition 'M + 1' has "
                     "type i64; a condition is bool");
}

TEST(VerifierTransitions, ConditionDoesNotTypeCheck) {
  Program p = model();
  p.interstate_edges[InterstateEdgeId(0)].condition = parse_tasklet_expr("M > 1.5");
  EXPECT_DIAGNOSTICS(p,
                     "transition 0 (state 'init' -> state 'main'): the condition 'M > 1.5' "
                     "does not type-check: operands of '>' have different types i64 and "
                     "float literal");
}

// --- Nodes -----------------------------------------------------------------------------------

TEST(VerifierNodes, AccessToAMissingContainer) {
  Program p = model();
  main_graph(p).add_node(AccessNode{ContainerId(42)});
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 8 (access): the Access node refers to container "
                     "42, which does not exist");
}

TEST(VerifierNodes, ConnectorWithAnEmptyName) {
  Program p = model();
  relu(p).inputs.push_back("");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 4 'relu' (library): input connector 1 has an "
                     "empty name");
}

TEST(VerifierNodes, ConnectorDeclaredTwice) {
  Program p = model();
  relu(p).outputs.push_back("Y");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 4 'relu' (library): output connector 'Y' is "
                     "declared more than once");
}

TEST(VerifierNodes, InputConnectorWithoutEdge) {
  Program p = model();
  relu(p).inputs.push_back("S");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 4 'relu' (library): input connector 'S' has no "
                     "incoming edge");
}

TEST(VerifierNodes, InputConnectorWithTwoEdges) {
  Program p = model();
  main_graph(p).add_edge(NodeId(3), "", NodeId(4), "X", memlet(p, "C", "0:M, 0:N"));
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 4 'relu' (library): input connector 'X' has 2 "
                     "incoming edges (edges 3, 6); it takes exactly one");
}

TEST(VerifierNodes, OutputConnectorWithoutEdge) {
  Program p = model();
  relu(p).outputs.push_back("Z");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 4 'relu' (library): output connector 'Z' has no "
                     "outgoing edge");
}

TEST(VerifierNodes, LibraryNodeWithoutOp) {
  Program p = model();
  relu(p).op.clear();
  EXPECT_DIAGNOSTICS(p, "state 'main' / node 4 'relu' (library): the library node has no op");
}

TEST(VerifierNodes, LibraryNodeWithoutImplementation) {
  Program p = model();
  relu(p).implementation.clear();
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 4 'relu' (library): the library node has no "
                     "implementation");
}

// --- Tasklets --------------------------------------------------------------------------------

TEST(VerifierTasklets, ConnectorIsNotAName) {
  EXPECT_DIAGNOSTICS(
      one_tasklet({{"a b", "X", "i"}}, "y = 1.0;", {{"y", "Y", "i"}}),
      std::string(kTasklet) + ": connector 'a b' is not a name of the tasklet language");
}

TEST(VerifierTasklets, ConnectorIsBothInputAndOutput) {
  EXPECT_DIAGNOSTICS(one_tasklet({{"x", "X", "i"}}, "x = x + 1.0;", {{"x", "Y", "i"}}),
                     std::string(kTasklet) + ": 'x' is both an input and an output connector");
}

TEST(VerifierTasklets, ConnectorShadowsASymbol) {
  EXPECT_DIAGNOSTICS(one_tasklet({{"N", "X", "i"}}, "y = N;", {{"y", "Y", "i"}}),
                     std::string(kTasklet) + ": connector 'N' shadows the symbol 'N'");
}

TEST(VerifierTasklets, ConnectorShadowsAMapParameter) {
  EXPECT_DIAGNOSTICS(
      one_tasklet({{"i", "X", "i"}}, "y = i;", {{"y", "Y", "i"}}),
      std::string(kTasklet) + ": connector 'i' shadows the parameter 'i' of map 't'");
}

TEST(VerifierTasklets, ReadsAnUnknownName) {
  EXPECT_DIAGNOSTICS(one_tasklet({{"x", "X", "i"}}, "y = x + z;", {{"y", "Y", "i"}}),
                     std::string(kTasklet) +
                         ": the code reads 'z', which is not an input connector, a local, a "
                         "symbol or a parameter of an enclosing map");
}

TEST(VerifierTasklets, ReadsSymbolsParametersAndLocals) {
  EXPECT_DIAGNOSTICS(one_tasklet({{"x", "X", "i"}}, "let s: f32 = cast<f32>(i + N); y = x * s;",
                                 {{"y", "Y", "i"}}));
}

TEST(VerifierTasklets, OutputNeverAssigned) {
  EXPECT_DIAGNOSTICS(
      one_tasklet({{"x", "X", "i"}}, "y = x;", {{"y", "Y", "i"}, {"w", "H", "i"}}),
      std::string(kTasklet) + ": output connector 'w' is never assigned by the code");
}

TEST(VerifierTasklets, AssignsANonOutput) {
  EXPECT_DIAGNOSTICS(one_tasklet({{"x", "X", "i"}}, "y = x; z = x;", {{"y", "Y", "i"}}),
                     std::string(kTasklet) +
                         ": the code assigns 'z', which is not an output connector (a local is "
                         "declared with 'let')");
}

TEST(VerifierTasklets, CodeDoesNotTypeCheckAgainstConnectorDtypes) {
  EXPECT_DIAGNOSTICS(
      one_tasklet({{"x", "X", "i"}, {"h", "H", "i"}}, "y = x + h;", {{"y", "Y", "i"}}),
      std::string(kTasklet) +
          ": the code does not type-check: statement 1: in 'y = x + h;': "
          "operands of '+' have different types f32 and f16");
}

TEST(VerifierTasklets, OutputTypeFollowsTheContainer) {
  EXPECT_DIAGNOSTICS(one_tasklet({{"x", "X", "i"}}, "h = x;", {{"h", "H", "i"}}),
                     std::string(kTasklet) +
                         ": the code does not type-check: statement 1: in "
                         "'h = x;': 'h' has type f16 but is assigned f32");
}

TEST(VerifierTasklets, OutputWritesContainersOfDifferentDtypes) {
  ProgramBuilder b("scalars");
  b.scalar("s", DType::f32);
  b.scalar("h", DType::f16);
  GraphBuilder g = b.state("s");
  const NodeId t = g.tasklet("t", {}, {"y"}, "y = 1.0;");
  g.write(t, "y", g.access("s"), "");
  g.write(t, "y", g.access("h"), "");
  EXPECT_DIAGNOSTICS(b.build(),
                     "state 's' / node 0 't' (tasklet): output connector 'y' writes "
                     "containers of different dtypes: 's' (f32) and 'h' (f16)");
}

// --- Maps ------------------------------------------------------------------------------------

TEST(VerifierMaps, NoParameters) {
  ProgramBuilder b("m");
  b.scalar("s", DType::f32);
  GraphBuilder g = b.state("s");
  const NodeId map = g.map("m", "");
  GraphBuilder body = g.body(map);
  body.write(body.tasklet("t", {}, {"y"}, "y = 0.0;"), "y", body.access("s"), "");
  g.map_write(map, g.access("s"), "");
  EXPECT_DIAGNOSTICS(b.build(), "state 's' / node 0 'm' (map): the map has no parameters");
}

TEST(VerifierMaps, ParameterIsNotAnIdentifier) {
  Program p = model();
  mm(p).params.push_back({"l m", Range{0, 4, 1}});
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 0 'mm' (map): parameter name 'l m' is not an "
                     "identifier");
}

TEST(VerifierMaps, ParameterDeclaredTwice) {
  Program p = model();
  mm(p).params.push_back({"k", Range{0, Expr::symbol("K"), 1}});
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 0 'mm' (map): parameter 'k' is declared more than "
                     "once");
}

TEST(VerifierMaps, ParameterShadowsASymbol) {
  Program p = model();
  mm(p).params.push_back({"t", Range{0, 4, 1}});
  EXPECT_DIAGNOSTICS(p, "state 'main' / node 0 'mm' (map): parameter 't' shadows the symbol 't'");
}

TEST(VerifierMaps, ParameterShadowsAnEnclosingMapParameter) {
  Program p = nested_maps();
  Graph& rows_body = *p.states[StateId(0)].graph.get<MapNode>(NodeId(0)).body;
  rows_body.get<MapNode>(NodeId(0)).params.push_back({"i", Range{0, 4, 1}});
  EXPECT_DIAGNOSTICS(p,
                     "state 's' / map 0 'rows' / node 0 'cols' (map): parameter 'i' shadows "
                     "the parameter 'i' of enclosing map 'rows'");
}

TEST(VerifierMaps, RangeUsesAnUnknownSymbol) {
  Program p = model();
  mm(p).params[2].range.end = Expr::symbol("Q");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 0 'mm' (map): the range of parameter 'k' uses "
                     "'Q', which is neither a symbol nor a parameter of an enclosing map");
}

TEST(VerifierMaps, RangeUsesAParameterOfTheSameMap) {
  Program p = model();
  mm(p).params[2].range.begin = Expr::symbol("i");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 0 'mm' (map): the range of parameter 'k' uses "
                     "'i', which is neither a symbol nor a parameter of an enclosing map");
}

TEST(VerifierMaps, RangeWithStepZero) {
  Program p = model();
  mm(p).params[2].range.step = 0;
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 0 'mm' (map): the range 0:K:0 of parameter 'k' has "
                     "step 0");
}

TEST(VerifierMaps, RangeEndsBeforeItBegins) {
  Program p = model();
  mm(p).params[2].range = Range{5, 3, 1};
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 0 'mm' (map): the range 5:3 of parameter 'k' ends "
                     "before it begins");
}

TEST(VerifierMaps, ConnectorDoesNotNameAContainer) {
  Program p = model();
  mm(p).inputs.push_back("Q");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 0 'mm' (map): input connector 'Q' has no incoming edge",
                     "state 'main' / node 0 'mm' (map): input connector 'Q' does not name a "
                     "container");
}

TEST(VerifierMaps, BodyReadsWithoutAnInputConnector) {
  Program p = model();
  mm_tasklet(p).inputs.push_back("d");
  const NodeId d = mm_body(p).add_node(AccessNode{kD});
  mm_body(p).add_edge(d, "", NodeId(0), "d", memlet(p, "D", "i, j"));
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / map 0 'mm' / node 4 'D' (access): container 'D' is read "
                     "in the body of map 'mm', which has no input connector 'D'");
}

TEST(VerifierMaps, BodyWritesWithoutAnOutputConnector) {
  Program p = model();
  mm_tasklet(p).outputs.push_back("d");
  mm_tasklet(p).code = parse_tasklet("c = a * b; d = a;");
  const NodeId d = mm_body(p).add_node(AccessNode{kD});
  mm_body(p).add_edge(NodeId(0), "d", d, "", memlet(p, "D", "i, j"));
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / map 0 'mm' / node 4 'D' (access): container 'D' is "
                     "written in the body of map 'mm', which has no output connector 'D'");
}

TEST(VerifierMaps, InputConnectorNotReadInTheBody) {
  Program p = model();
  mm(p).inputs.push_back("D");
  const NodeId d = main_graph(p).add_node(AccessNode{kD});
  main_graph(p).add_edge(d, "", NodeId(0), "D", memlet(p, "D", "0:M, 0:N"));
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 0 'mm' (map): input connector 'D' is not read by "
                     "any Access node of the body");
}

TEST(VerifierMaps, OutputConnectorNotWrittenInTheBody) {
  Program p = model();
  mm(p).outputs.push_back("D");
  const NodeId d = main_graph(p).add_node(AccessNode{kD});
  main_graph(p).add_edge(NodeId(0), "D", d, "", memlet(p, "D", "0:M, 0:N"));
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / node 0 'mm' (map): output connector 'D' is not written "
                     "by any Access node of the body");
}

// --- Nested programs -------------------------------------------------------------------------

NestedNode& scale(Program& p) { return p.states[StateId(0)].graph.get<NestedNode>(NodeId(1)); }

TEST(VerifierNested, InputIsNotAContainerOfTheNestedProgram) {
  Program p = nested_program();
  scale(p).inputs.push_back("R");
  p.states[StateId(0)].graph.add_edge(NodeId(0), "", NodeId(1), "R", memlet(p, "X", "0:N"));
  EXPECT_DIAGNOSTICS(p, std::string(kNested) +
                            ": input 'R' is not a container of the nested "
                            "program");
}

TEST(VerifierNested, InputIsATransientOfTheNestedProgram) {
  Program p = nested_program();
  scale(p).inputs.push_back("Tmp");
  p.states[StateId(0)].graph.add_edge(NodeId(0), "", NodeId(1), "Tmp", memlet(p, "X", "0:N"));
  EXPECT_DIAGNOSTICS(p, std::string(kNested) +
                            ": input 'Tmp' is a transient of the nested "
                            "program; only its arguments connect");
}

TEST(VerifierNested, ArgumentNotConnected) {
  Program inner = inner_program();
  Container z = inner.containers[ContainerId(0)];
  z.name = "Z";
  inner.containers.add(z);
  EXPECT_DIAGNOSTICS(nested_program(inner),
                     std::string(kNested) +
                         ": argument 'Z' of the nested program is neither an input nor an output");
}

TEST(VerifierNested, SymbolNotMapped) {
  Program p = nested_program();
  scale(p).symbol_mapping.clear();
  EXPECT_DIAGNOSTICS(p, std::string(kNested) + ": symbol 'L' of the nested program is not mapped");
}

TEST(VerifierNested, MappingOfANonSymbol) {
  Program p = nested_program();
  scale(p).symbol_mapping["Q2"] = 1;
  EXPECT_DIAGNOSTICS(p, std::string(kNested) +
                            ": the symbol mapping maps 'Q2', which is not a "
                            "symbol of the nested program");
}

TEST(VerifierNested, MappingUsesAnUnknownSymbol) {
  Program p = nested_program();
  scale(p).symbol_mapping["L"] = Expr::symbol("Z");
  EXPECT_DIAGNOSTICS(p, std::string(kNested) +
                            ": the mapping of symbol 'L' uses 'Z', which is "
                            "neither a symbol nor a parameter of an enclosing "
                            "map");
}

TEST(VerifierNested, ConnectorDtypeDiffersFromTheNestedContainer) {
  Program inner = inner_program();
  inner.containers[ContainerId(0)].dtype = DType::f16;
  EXPECT_DIAGNOSTICS(nested_program(inner),
                     "state 's' / edge 0: connector 'P' carries 'X' (f32) but the nested "
                     "program's 'P' is f16");
}

TEST(VerifierNested, DiagnosticsInsideTheNestedProgramArePrefixed) {
  Program inner = inner_program();
  inner.containers[ContainerId(1)].shape[0] = Expr::symbol("W");
  Graph& body = *inner.states[StateId(0)].graph.get<MapNode>(NodeId(0)).body;
  body.get<TaskletNode>(NodeId(0)).code = parse_tasklet("q = cast<f64>(p);");
  EXPECT_DIAGNOSTICS(nested_program(inner),
                     "state 's' / nested 1 'scale' / container 'Q': dimension 0 of 'Q' uses 'W', "
                     "which is not a symbol",
                     "state 's' / nested 1 'scale' / state 'body' / map 0 'twice' / node 0 'twice' "
                     "(tasklet): the code does not type-check: statement 1: in "
                     "'q = cast<f64>(p);': 'q' has type f32 but is assigned f64");
}

// --- Edges: connectors -----------------------------------------------------------------------

TEST(VerifierEdges, SourceConnectorOnAnAccessNode) {
  Program p = model();
  edit_edge(main_graph(p), EdgeId(3), [](Edge& e) { e.src_conn = "x"; });
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 3: the source is Access node 'C', which has no "
                     "connectors, but the edge names source connector 'x'");
}

TEST(VerifierEdges, DestinationConnectorOnAnAccessNode) {
  Program p = model();
  edit_edge(main_graph(p), EdgeId(4), [](Edge& e) { e.dst_conn = "y"; });
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 4: the destination is Access node 'D', which has no "
                     "connectors, but the edge names destination connector 'y'");
}

TEST(VerifierEdges, DataWithoutSourceConnector) {
  Program p = model();
  main_graph(p).add_edge(NodeId(4), "", NodeId(5), "", memlet(p, "D", "0:M, 0:N"));
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 6: the edge carries data from library node 'relu' "
                     "but names no source connector");
}

TEST(VerifierEdges, DataWithoutDestinationConnector) {
  Program p = model();
  main_graph(p).add_edge(NodeId(3), "", NodeId(4), "", memlet(p, "C", "0:M, 0:N"));
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 6: the edge carries data to library node 'relu' but "
                     "names no destination connector");
}

TEST(VerifierEdges, SourceConnectorIsNotAnOutput) {
  Program p = model();
  main_graph(p).add_edge(NodeId(4), "Z", NodeId(5), "", memlet(p, "D", "0:M, 0:N"));
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 6: source connector 'Z' is not an output connector "
                     "of library node 'relu'");
}

TEST(VerifierEdges, DestinationConnectorIsNotAnInput) {
  Program p = model();
  main_graph(p).add_edge(NodeId(3), "", NodeId(4), "W", memlet(p, "C", "0:M, 0:N"));
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 6: destination connector 'W' is not an input "
                     "connector of library node 'relu'");
}

TEST(VerifierEdges, ConnectorWithAnEmptyMemlet) {
  Program p = model();
  main_graph(p).add_edge(NodeId(4), "Y", NodeId(5), "", Memlet{});
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 6: the edge names connector 'Y' but carries no "
                     "data");
}

TEST(VerifierEdges, EmptyMemletWithWriteConflictResolution) {
  Program p = model();
  Memlet m;
  m.wcr = WriteConflict::Sum;
  main_graph(p).add_edge(NodeId(4), "", NodeId(5), "", m);
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 6: the memlet is empty but has write-conflict "
                     "resolution 'sum'");
}

// --- Edges: memlets --------------------------------------------------------------------------

TEST(VerifierEdges, MemletOfAMissingContainer) {
  Program p = model();
  main_graph(p).memlet(EdgeId(5)).data = ContainerId(42);
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 5: the memlet refers to container 42, which does "
                     "not exist");
}

TEST(VerifierEdges, MemletLeavingAnAccessNodeCarriesAnotherContainer) {
  Program p = model();
  main_graph(p).memlet(EdgeId(3)).data = kD;
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 3: the memlet carries 'D' but the edge leaves "
                     "Access node 'C'");
}

TEST(VerifierEdges, MemletEnteringAnAccessNodeCarriesAnotherContainer) {
  Program p = model();
  main_graph(p).memlet(EdgeId(4)).data = kC;
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 4: the memlet carries 'C' but the edge enters "
                     "Access node 'D'");
}

TEST(VerifierEdges, CopyCarriesAThirdContainer) {
  Program p = model();
  main_graph(p).memlet(EdgeId(5)).data = kA;
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 5: the memlet carries 'A' but the edge copies 'AT' "
                     "to 'T'");
}

TEST(VerifierEdges, MapInputConnectorCarriesAnotherContainer) {
  Program p = model();
  main_graph(p).memlet(EdgeId(0)).data = kB;
  EXPECT_DIAGNOSTICS(
      p, "state 'main' / edge 0: the memlet carries 'B' but the edge leaves Access node 'A'",
      "state 'main' / edge 0: the edge enters map 'mm' at connector 'A' but carries 'B'");
}

TEST(VerifierEdges, MapOutputConnectorCarriesAnotherContainer) {
  Program p = model();
  main_graph(p).memlet(EdgeId(2)).data = kD;
  EXPECT_DIAGNOSTICS(
      p, "state 'main' / edge 2: the memlet carries 'D' but the edge enters Access node 'C'",
      "state 'main' / edge 2: the edge leaves map 'mm' at connector 'C' but carries 'D'");
}

TEST(VerifierEdges, SubsetOfAnotherRank) {
  Program p = model();
  main_graph(p).memlet(EdgeId(3)).subset = parse_subset("0:M");
  EXPECT_DIAGNOSTICS(p, "state 'main' / edge 3: the subset C[0:M] has rank 1 but 'C' has rank 2");
}

TEST(VerifierEdges, SubsetUsesAnUnknownSymbol) {
  Program p = model();
  main_graph(p).memlet(EdgeId(3)).subset = parse_subset("0:M, 0:Q");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 3: the subset C[0:M, 0:Q] uses 'Q', which is "
                     "neither a symbol nor a parameter of an enclosing map");
}

TEST(VerifierEdges, SubsetOutsideTheMapUsesItsParameter) {
  Program p = model();
  main_graph(p).memlet(EdgeId(0)).subset = parse_subset("i, 0:K");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 0: the subset A[i, 0:K] uses 'i', which is neither "
                     "a symbol nor a parameter of an enclosing map");
}

TEST(VerifierEdges, SubsetExceedsTheContainer) {
  Program p = model();
  main_graph(p).memlet(EdgeId(3)).subset = parse_subset("0:M + 1, 0:N");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 3: the subset C[0:M + 1, 0:N] exceeds dimension 0 "
                     "of 'C' (size M)");
}

TEST(VerifierEdges, SubsetInAMapExceedsTheContainerAtTheLastIteration) {
  Program p = model();
  mm_body(p).memlet(EdgeId(1)).subset = parse_subset("k + 1, j");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / map 0 'mm' / edge 1: the subset B[k + 1, j] exceeds "
                     "dimension 0 of 'B' (size K)");
}

TEST(VerifierEdges, SubsetInAMapStartsBelowZeroAtTheFirstIteration) {
  Program p = model();
  mm_body(p).memlet(EdgeId(0)).subset = parse_subset("i - 1, k");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / map 0 'mm' / edge 0: the subset A[i - 1, k] starts "
                     "below 0 in dimension 0 of 'A'");
}

TEST(VerifierEdges, SubsetInNestedMapsUsesEveryEnclosingRange) {
  Program p = nested_maps();
  Graph& rows_body = *p.states[StateId(0)].graph.get<MapNode>(NodeId(0)).body;
  Graph& cols_body = *rows_body.get<MapNode>(NodeId(0)).body;
  cols_body.memlet(EdgeId(0)).subset = parse_subset("i + 1, j");
  EXPECT_DIAGNOSTICS(p,
                     "state 's' / map 0 'rows' / map 0 'cols' / edge 0: the subset X[i + 1, j] "
                     "exceeds dimension 0 of 'X' (size N)");
}

TEST(VerifierEdges, SubsetRangeEndsBeforeItBegins) {
  Program p = model();
  main_graph(p).memlet(EdgeId(3)).subset = parse_subset("5:3, 0:N");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 3: dimension 0 of the subset C[5:3, 0:N] ends "
                     "before it begins");
}

TEST(VerifierEdges, SubsetRangeWithStepZero) {
  Program p = model();
  main_graph(p).memlet(EdgeId(3)).subset = parse_subset("0:M:0, 0:N");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 3: dimension 0 of the subset C[0:M:0, 0:N] has "
                     "step 0");
}

TEST(VerifierEdges, OverflowingArithmeticLeavesBoundsUndecided) {
  // end - begin does not fit in int64: nothing can be decided, and nothing is thrown.
  Program p = model();
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  main_graph(p).memlet(EdgeId(3)).subset[0] = Range{-big, big, 1};
  EXPECT_DIAGNOSTICS(p);
}

TEST(VerifierEdges, VolumeUsesAnUnknownSymbol) {
  Program p = model();
  main_graph(p).memlet(EdgeId(3)).volume = Expr::symbol("Q");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 3: the volume Q uses 'Q', which is neither a symbol "
                     "nor a parameter of an enclosing map");
}

TEST(VerifierEdges, NegativeVolume) {
  Program p = model();
  main_graph(p).memlet(EdgeId(3)).volume = -1;
  EXPECT_DIAGNOSTICS(p, "state 'main' / edge 3: the volume -1 is negative");
}

TEST(VerifierEdges, WriteConflictResolutionOnARead) {
  Program p = model();
  main_graph(p).memlet(EdgeId(3)).wcr = WriteConflict::Sum;
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 3: write-conflict resolution 'sum' on an edge that "
                     "does not write into an Access node");
}

TEST(VerifierEdges, TaskletConnectorTakesOneElement) {
  Program p = model();
  mm_body(p).memlet(EdgeId(0)).subset = parse_subset("i, 0:2");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / map 0 'mm' / edge 0: tasklet connector 'a' takes one "
                     "element but the subset A[i, 0:2] has 2");
}

TEST(VerifierEdges, OtherSubsetOutsideACopy) {
  Program p = model();
  main_graph(p).memlet(EdgeId(3)).other_subset = parse_subset("0:M, 0:N");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 3: the memlet has an other subset, which only a "
                     "copy between two Access nodes has");
}

TEST(VerifierEdges, CopyChangesTheDtype) {
  Program p = model();
  p.containers[kT].dtype = DType::f16;
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 5: the copy from 'AT' (f32) to 'T' (f16) changes "
                     "the dtype");
}

TEST(VerifierEdges, OtherSubsetOfAnotherRank) {
  Program p = model();
  main_graph(p).memlet(EdgeId(5)).other_subset = parse_subset("0:K");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 5: the other subset T[0:K] has rank 1 but 'T' has "
                     "rank 2");
}

TEST(VerifierEdges, OtherSubsetExceedsTheOtherContainer) {
  Program p = model();
  main_graph(p).memlet(EdgeId(5)).other_subset = parse_subset("0:K, 0:M + 1");
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 5: the other subset T[0:K, 0:M + 1] exceeds "
                     "dimension 1 of 'T' (size M)");
}

TEST(VerifierEdges, CopyMovesDifferentNumbersOfElements) {
  ProgramBuilder b = model_builder();
  b.array("S4", DType::f32, {4});
  b.array("S5", DType::f32, {5});
  Program p = b.build();
  Memlet m = memlet(p, "S4", "0:4");
  m.other_subset = parse_subset("0:5");
  const NodeId s4 = main_graph(p).add_node(AccessNode{*p.find_container("S4")});
  const NodeId s5 = main_graph(p).add_node(AccessNode{*p.find_container("S5")});
  main_graph(p).add_edge(s4, "", s5, "", m);
  EXPECT_DIAGNOSTICS(p,
                     "state 'main' / edge 6: the copy moves 4 elements of 'S4' into 5 "
                     "elements of 'S5'");
}

}  // namespace
}  // namespace sluice::ir
