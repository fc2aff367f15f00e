// The text format: exact golden text of small programs, round trips of every feature (ids with
// gaps and id counters included), one test per kind of parse error with its exact diagnostic,
// and randomized round trips and mutations. Random tests draw a fresh seed and print it; set
// SLUICE_SEED to replay one.
#include "ir/text_format.h"

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ir/builder.h"
#include "samples/sample_programs.h"

namespace sluice::ir {
namespace {

// parse(print(p)) == p, and printing what was parsed gives the same text.
void expect_round_trip(const Program& p) {
  const std::string text = print_text(p);
  Program back;
  try {
    back = parse_text(text, "printed");
  } catch (const UserError& e) {
    FAIL() << e.what() << "\nin:\n" << text;
  }
  EXPECT_TRUE(back == p) << text;
  EXPECT_EQ(print_text(back), text);
}

// The one diagnostic that parsing `text` gives, as `error: LOCATION: MESSAGE`.
std::string parse_error(std::string_view text) {
  try {
    (void)parse_text(text, "t.txt");
  } catch (const UserError& e) {
    EXPECT_EQ(e.diagnostics().size(), 1u);
    return e.diagnostics().front().str();
  }
  ADD_FAILURE() << "parsed without error:\n" << text;
  return {};
}

std::string state_with(std::string_view graph_lines) {
  return "program p {\n  symbol N: i64\n  array A: f32[N]\n  state 0 \"s\" start {\n" +
         std::string(graph_lines) + "  }\n}\n";
}

// --- Golden text --------------------------------------------------------------------------

TEST(TextFormat, GoldenMappedTasklet) {
  ProgramBuilder b("scale");
  b.symbol("N");
  b.array("X", DType::f32, {Expr::symbol("N")});
  b.array("Y", DType::f32, {Expr::symbol("N")});
  b.state("main").mapped_tasklet("scale", "i=0:N", {{"x", "X", "i"}}, "y = 2.0 * x;",
                                 {{"y", "Y", "i"}});
  EXPECT_EQ(print_text(b.build()), R"(program scale {
  symbol N: i64
  array X: f32[N]
  array Y: f32[N]
  state 0 "main" start {
    node 0 = map "scale" [i = 0:N] (X) -> (Y) schedule=cpu_parallel {
      node 0 = tasklet "scale" (x) -> (y) { y = 2.0 * x; }
      node 1 = access X
      node 2 = access Y
      edge 0: node 1 -> node 0.x X[i]
      edge 1: node 0.y -> node 2 Y[i]
    }
    node 1 = access X
    node 2 = access Y
    edge 0: node 1 -> node 0.X X[0:N]
    edge 1: node 0.Y -> node 2 Y[0:N]
  }
}
)");
}

Program layer() {
  ProgramBuilder b("layer");
  const Expr n = b.symbol("N");
  const Expr k = b.symbol("K");
  b.symbol("i", DType::i32);
  b.array("X", DType::f32, {n, k});
  const ContainerId w = b.array("W", DType::bf16, {k, n});
  b.program().containers[w].strides = {1, k};
  b.program().containers[w].offset = 4;
  const ContainerId t = b.transient("T", DType::f32, {n, n});
  b.program().containers[t].storage = Storage::HostHeap;
  b.program().containers[t].lifetime = Lifetime::State;
  b.scalar("alpha", DType::f64);
  b.permute_view("Xt", "X", {1, 0});
  GraphBuilder g = b.state("main");
  const NodeId x = g.access("X");
  const NodeId wa = g.access("W");
  const NodeId ta = g.access("T");
  const NodeId mm = g.library("mm", "MatMul", {"A", "B"}, {"Y"},
                              {{"alpha", 1.0},
                               {"perm", std::vector<std::int64_t>{1, 0}},
                               {"note", std::string("say \"hi\"\n")},
                               {"eps", 1e-5}});
  g.graph().get<LibraryNode>(mm).implementation = "blas";
  g.read(x, "0:N, 0:K", mm, "A");
  g.read(wa, "0:K, 0:N", mm, "B");
  g.write(mm, "Y", ta, "0:N, 0:N");
  const NodeId t2 = g.tasklet("scale", {"a"}, {"b"}, "let h: f32 = a * 0.5;\nb = h + 1.0;");
  const NodeId al = g.access("alpha");
  g.read(ta, "0, 1", t2, "a");
  g.graph().memlet(g.write(t2, "b", al, "")).wcr = WriteConflict::Max;
  b.state("done");
  b.transition("main", "done", "i < N", {{"i", "i + 1"}, {"N", "2*N"}});
  return b.build();
}

TEST(TextFormat, GoldenEveryContainerAndNodeFeature) {
  EXPECT_EQ(print_text(layer()), R"(program layer {
  symbol K: i64
  symbol N: i64
  symbol i: i32
  array X: f32[N, K]
  array W: bf16[K, N] strides=[1, K] offset=4
  array T: f32[N, N] storage=host_heap lifetime=state transient
  scalar alpha: f64
  view Xt: f32[K, N] strides=[1, K] transient = permute(X, [1, 0])
  state 0 "main" start {
    node 0 = access X
    node 1 = access W
    node 2 = access T
    node 3 = library "mm" MatMul (A, B) -> (Y) impl=blas {alpha=1.0, eps=0.00001, note="say \"hi\"\n", perm=[1, 0]}
    node 4 = tasklet "scale" (a) -> (b) {
      let h: f32 = a * 0.5;
      b = h + 1.0;
    }
    node 5 = access alpha
    edge 0: node 0 -> node 3.A X[0:N, 0:K]
    edge 1: node 1 -> node 3.B W[0:K, 0:N]
    edge 2: node 3.Y -> node 2 T[0:N, 0:N]
    edge 3: node 2 -> node 4.a T[0, 1]
    edge 4: node 4.b -> node 5 alpha wcr=max
  }
  state 1 "done" {}
  transition 0: state 0 -> state 1 if (i < N) assign { i = i + 1, N = 2*N }
}
)");
  expect_round_trip(layer());
}

// --- Round trips ----------------------------------------------------------------------------

TEST(TextFormat, RoundTripsEverySample) {
  for (const auto& sample : samples::all_samples()) {
    SCOPED_TRACE(sample.name);
    expect_round_trip(sample.make());
  }
}

// The checked-in samples/*.sluice.txt are what the printer prints for the sample programs.
TEST(TextFormat, CheckedInSampleTextsAreCurrent) {
  for (const auto& sample : samples::all_samples()) {
    SCOPED_TRACE(sample.name);
    const std::string path =
        std::string(SLUICE_SOURCE_DIR) + "/samples/" + sample.name + ".sluice.txt";
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const Program p = load_text_file(path);
    EXPECT_TRUE(p == sample.make());
    EXPECT_EQ(print_text(p), text);
  }
}

TEST(TextFormat, RoundTripsMatmulWithWriteConflict) {
  const Program p = samples::matmul();
  const std::string text = print_text(p);
  EXPECT_NE(text.find("C[0:M, 0:N] volume=K*M*N wcr=sum"), std::string::npos) << text;
  expect_round_trip(p);
}

TEST(TextFormat, RoundTripsEveryAttributeKind) {
  ProgramBuilder b("attrs");
  GraphBuilder g = b.state("s");
  const NodeId lib = g.library("op", "Custom.Op", {"in put"}, {"empty"},
                               {{"i", std::int64_t{-7}},
                                {"i_min", std::numeric_limits<std::int64_t>::min()},
                                {"i_max", std::numeric_limits<std::int64_t>::max()},
                                {"d", 2.5},
                                {"d_int", 3.0},
                                {"d_neg_zero", -0.0},
                                {"d_tiny", 5e-324},
                                {"d_huge", 1.7976931348623157e308},
                                {"d_inf", std::numeric_limits<double>::infinity()},
                                {"d_ninf", -std::numeric_limits<double>::infinity()},
                                {"s", std::string("tab\tquote\"back\\slash\x01\x7f \xc3\xa9")},
                                {"s_empty", std::string()},
                                {"li", std::vector<std::int64_t>{1, -2, 3}},
                                {"li_empty", std::vector<std::int64_t>{}},
                                {"ld", std::vector<double>{0.1, -1e100, 4.0}},
                                {"ld_empty", std::vector<double>{}},
                                {"ls", std::vector<std::string>{"a", "", "c d"}},
                                {"ls_empty", std::vector<std::string>{}},
                                {"weird key", std::int64_t{0}}});
  g.graph().get<LibraryNode>(lib).implementation = "cublas-lt";
  const Program p = b.build();
  const std::string text = print_text(p);
  EXPECT_NE(text.find("d_int=3.0"), std::string::npos) << text;
  EXPECT_NE(text.find("d_neg_zero=-0.0"), std::string::npos) << text;
  EXPECT_NE(text.find("d_ninf=-inf"), std::string::npos) << text;
  EXPECT_NE(text.find("li_empty=i64[]"), std::string::npos) << text;
  EXPECT_NE(text.find("ld_empty=f64[]"), std::string::npos) << text;
  EXPECT_NE(text.find("ls_empty=str[]"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(s="tab\tquote\"back\\slash\x01\x7f é")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(("in put") -> ("empty") impl="cublas-lt")"), std::string::npos) << text;
  expect_round_trip(p);
  const Program back = parse_text(text);
  const auto& attrs = back.states[StateId(0)].graph.get<LibraryNode>(NodeId(0)).attributes;
  EXPECT_TRUE(std::signbit(std::get<double>(attrs.at("d_neg_zero"))));
  EXPECT_EQ(attrs.at("d_int").index(), 1u);
  EXPECT_EQ(attrs.at("i").index(), 0u);
}

TEST(TextFormat, NanAttributePrintsAndParsesAsNan) {
  ProgramBuilder b("nan");
  b.state("s").library("op", "Op", {}, {}, {{"x", std::numeric_limits<double>::quiet_NaN()}});
  const std::string text = print_text(b.build());
  EXPECT_NE(text.find("{x=nan}"), std::string::npos) << text;
  const Program back = parse_text(text);
  EXPECT_TRUE(std::isnan(std::get<double>(
      back.states[StateId(0)].graph.get<LibraryNode>(NodeId(0)).attributes.at("x"))));
  EXPECT_EQ(print_text(back), text);
}

TEST(TextFormat, RoundTripsViews) {
  ProgramBuilder b("views");
  const Expr n = b.symbol("N");
  b.array("A", DType::f16, {n, 4});
  b.permute_view("At", "A", {1, 0});
  b.reshape_view("Af", "A", {4 * n});
  const Program p = b.build();
  const std::string text = print_text(p);
  EXPECT_NE(text.find("view Af: f16[4*N] transient = reshape(A)"), std::string::npos) << text;
  expect_round_trip(p);
}

TEST(TextFormat, RoundTripsConditionalTransitions) {
  ProgramBuilder b("loop");
  b.symbol("i");
  b.symbol("N");
  b.state("init");
  b.state("body");
  b.state("exit");
  b.transition("init", "body", "", {{"i", "0"}});
  b.transition("body", "body", "i + 1 < N && !(N == 0)", {{"i", "i + 1"}});
  b.transition("body", "exit", "i + 1 >= N");
  const Program p = b.build();
  const std::string text = print_text(p);
  EXPECT_NE(text.find("transition 0: state 0 -> state 1 assign { i = 0 }\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("transition 2: state 1 -> state 2 if (i + 1 >= N)\n"), std::string::npos)
      << text;
  expect_round_trip(p);
}

TEST(TextFormat, RoundTripsNestedPrograms) {
  ProgramBuilder inner("inner");
  inner.symbol("M");
  inner.array("X", DType::f32, {Expr::symbol("M")});
  inner.array("Y", DType::f32, {Expr::symbol("M")});
  inner.state("body").mapped_tasklet("neg", "i=0:M", {{"x", "X", "i"}}, "y = -x;",
                                     {{"y", "Y", "i"}});

  ProgramBuilder b("outer");
  const Expr n = b.symbol("N");
  b.array("A", DType::f32, {2 * n});
  b.array("B", DType::f32, {2 * n});
  GraphBuilder g = b.state("main");
  NestedNode nested;
  nested.label = "call";
  nested.inputs = {"X"};
  nested.outputs = {"Y"};
  nested.symbol_mapping = {{"M", 2 * n}};
  nested.program = inner.build();
  const NodeId a = g.access("A");
  const NodeId call = g.graph().add_node(nested);
  const NodeId bb = g.access("B");
  g.read(a, "0:2*N", call, "X");
  g.write(call, "Y", bb, "0:2*N");
  // A nested program inside a nested program.
  NestedNode twice = nested;
  twice.label = "twice";
  twice.program->states[StateId(0)].graph.add_node(nested);
  g.graph().add_node(twice);
  const Program p = b.build();
  const std::string text = print_text(p);
  EXPECT_NE(text.find("node 1 = nested \"call\" (X) -> (Y) symbols { M = 2*N } program inner {\n"
                      "      symbol M: i64\n"),
            std::string::npos)
      << text;
  expect_round_trip(p);
}

TEST(TextFormat, RoundTripsIdsWithGapsAndCounters) {
  Program p = samples::softmax();
  Graph& g = p.states[StateId(1)].graph;
  g.remove_node(NodeId(0));  // the first node, with its edges
  g.remove_node(NodeId(8));  // the last node
  g.reserve_ids(20, 30);
  g.get<MapNode>(NodeId(3)).body->remove_edge(EdgeId(1));
  Container unused;
  unused.name = "unused";
  unused.kind = ContainerKind::Scalar;
  p.containers.add(unused);
  unused.name = "last";
  p.containers.add(unused);
  p.containers.erase(ContainerId(5));
  p.containers.reserve_ids(9);
  p.states.add(State{"later", {}});
  p.states.erase(StateId(0));
  p.states.reserve_ids(5);
  p.start_state = StateId(1);
  p.interstate_edges.erase(InterstateEdgeId(0));
  p.interstate_edges.reserve_ids(3);
  const std::string text = print_text(p);
  EXPECT_NE(text.find("scalar last: f32 id=6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("reserve nodes=20 edges=30\n"), std::string::npos) << text;
  EXPECT_NE(text.find("reserve containers=9 states=5 transitions=3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("state 1 \"main\" start {"), std::string::npos) << text;
  expect_round_trip(p);
  // An empty graph whose counters moved still says so.
  Program q;
  q.name = "q";
  q.states.add(State{"s", {}});
  q.states[StateId(0)].graph.reserve_ids(3, 0);
  EXPECT_EQ(print_text(q), "program q {\n  state 0 \"s\" {\n    reserve nodes=3\n  }\n}\n");
  expect_round_trip(q);
}

TEST(TextFormat, RoundTripsAmbiguousNamesAndOddSpellings) {
  Program p;
  p.name = "odd name";
  Container c;
  c.name = "dup";
  c.shape = {8};
  c.strides = {1};
  p.containers.add(c);
  p.containers.add(c);
  c.name = "empty";
  p.containers.add(c);
  c.name = "has space";
  c.kind = ContainerKind::Scalar;
  c.shape = {};
  c.strides = {};
  p.containers.add(c);
  Graph g;
  const NodeId a = g.add_node(AccessNode{ContainerId(1)});
  const NodeId e = g.add_node(AccessNode{ContainerId(2)});
  const NodeId s = g.add_node(AccessNode{ContainerId(3)});
  Memlet m;
  m.data = ContainerId(1);
  m.subset = {Range{0, 8, 2}};
  m.other_subset = Subset{Range::index(3)};
  m.volume = 5;
  m.dynamic = true;
  g.add_edge(a, "", e, "", m);
  g.add_edge(e, "", s, "", Memlet{});  // an empty memlet
  Memlet weird;
  weird.subset = {Range::index(1)};
  weird.volume = 2;
  g.add_edge(s, "", a, "", weird);
  p.states.add(State{"", g});
  p.start_state = StateId(0);
  const std::string text = print_text(p);
  EXPECT_NE(text.find("program \"odd name\" {"), std::string::npos) << text;
  EXPECT_NE(text.find("node 0 = access @1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("node 1 = access \"empty\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("edge 0: node 0 -> node 1 @1[0:8:2] other=[3] volume=5 dynamic\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("edge 1: node 1 -> node 2 empty\n"), std::string::npos) << text;
  EXPECT_NE(text.find("edge 2: node 2 -> node 0 empty[1] volume=2\n"), std::string::npos) << text;
  expect_round_trip(p);
}

TEST(TextFormat, RoundTripsALongChain) {
  expect_round_trip(samples::synthetic_chain(300));
}

// --- Reading hand-written text -------------------------------------------------------------

TEST(TextFormat, ReadsHandWrittenTextWithCommentsAndDefaults) {
  const Program p = parse_text(R"(
# A comment before the program.
program scale {   # and after a brace
  symbol N: i64
  array X: f32[N]
  array Y: f32[N] strides=[1]        # the contiguous strides, spelled out
  state 0 main start {
    edge 1: node 1.y -> node 2 Y[i]  # edges may come before their nodes
    node 2 = access Y
    node 0 = access X
    node 1 = tasklet "t" (x) -> (y) {
      // a tasklet comment with a brace }
      y = x;
    }
    edge 0: node 0 -> node 1.x X[0:N] volume=N
  }
}
)");
  EXPECT_EQ(print_text(p), R"(program scale {
  symbol N: i64
  array X: f32[N]
  array Y: f32[N]
  state 0 "main" start {
    node 0 = access X
    node 1 = tasklet "t" (x) -> (y) { y = x; }
    node 2 = access Y
    edge 0: node 0 -> node 1.x X[0:N]
    edge 1: node 1.y -> node 2 Y[i]
  }
}
)");
  EXPECT_EQ(p.containers[ContainerId(1)].strides, std::vector<Expr>{1});
}

TEST(TextFormat, ReadsAnEmptyProgram) {
  const Program p = parse_text("program p {}");
  EXPECT_EQ(p.name, "p");
  EXPECT_EQ(print_text(p), "program p {}\n");
}

TEST(TextFormat, LoadsAFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("sluice_text_format_test_" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(path);
    out << print_text(samples::matmul());
  }
  EXPECT_TRUE(load_text_file(path.string()) == samples::matmul());
  {
    std::ofstream out(path);
    out << "program p {\n  bogus\n}\n";
  }
  try {
    (void)load_text_file(path.string());
    ADD_FAILURE() << "loaded a bad file";
  } catch (const UserError& e) {
    EXPECT_EQ(e.diagnostics().front().location, path.string() + ":2:3");
  }
  std::filesystem::remove(path);
  try {
    (void)load_text_file(path.string());
    ADD_FAILURE() << "loaded a missing file";
  } catch (const UserError& e) {
    EXPECT_EQ(e.diagnostics().front().str(),
              "error: " + path.string() + ": cannot open the file for reading");
  }
}

// --- Parse errors, one test per kind ---------------------------------------------------------

TEST(TextFormatErrors, ExpectedTokenNamesWhatItFound) {
  EXPECT_EQ(parse_error("program p {\n  array A: f32[N strides=[1]\n}\n"),
            "error: t.txt:2:18: expected ',' or ']' in the shape but found 'strides'");
  EXPECT_EQ(parse_error("program p"),
            "error: t.txt:1:10: expected '{' after the program name "
            "but found end of input");
  EXPECT_EQ(parse_error("graph p {}"),
            "error: t.txt:1:1: expected 'program' at the start of the text but found 'graph'");
}

TEST(TextFormatErrors, UnknownItemInAProgram) {
  EXPECT_EQ(parse_error("program p {\n  bogus\n}"),
            "error: t.txt:2:3: expected 'symbol', 'array', 'scalar', 'view', 'state', "
            "'transition', 'reserve' or '}' in a program but found 'bogus'");
}

TEST(TextFormatErrors, UnknownItemInAGraph) {
  EXPECT_EQ(parse_error(state_with("    nodes 0 = access A\n")),
            "error: t.txt:5:5: expected 'node', 'edge', 'reserve' or '}' in a graph but found "
            "'nodes'");
}

TEST(TextFormatErrors, TextAfterTheProgram) {
  EXPECT_EQ(parse_error("program p {}\nprogram q {}"),
            "error: t.txt:2:1: expected end of input after the program but found 'program'");
}

TEST(TextFormatErrors, UnknownContainer) {
  EXPECT_EQ(parse_error(state_with("    node 0 = access Q\n")),
            "error: t.txt:5:21: unknown container 'Q'");
  EXPECT_EQ(parse_error(state_with("    node 0 = access @7\n")),
            "error: t.txt:5:21: unknown container @7");
}

TEST(TextFormatErrors, AmbiguousContainerName) {
  EXPECT_EQ(parse_error("program p {\n  array A: f32[]\n  array A: f32[]\n  state 0 \"s\" {\n"
                        "    node 0 = access A\n  }\n}"),
            "error: t.txt:5:21: container name 'A' is ambiguous (several containers have it); "
            "refer to one as @ID");
}

TEST(TextFormatErrors, UnknownViewSource) {
  EXPECT_EQ(parse_error("program p {\n  view V: f32[4] = reshape(Z)\n}"),
            "error: t.txt:2:28: unknown container 'Z'");
}

TEST(TextFormatErrors, DuplicateIds) {
  EXPECT_EQ(parse_error(state_with("    node 0 = access A\n    node 0 = access A\n")),
            "error: t.txt:6:10: duplicate node id 0");
  EXPECT_EQ(parse_error(state_with("    node 0 = access A\n    edge 3: node 0 -> node 0 A[0]\n"
                                   "    edge 3: node 0 -> node 0 A[1]\n")),
            "error: t.txt:7:10: duplicate edge id 3");
  EXPECT_EQ(parse_error("program p {\n  state 1 \"a\" {}\n  state 1 \"b\" {}\n}"),
            "error: t.txt:3:9: duplicate state id 1");
  EXPECT_EQ(parse_error("program p {\n  array A: f32[] id=2\n  array B: f32[] id=2\n}"),
            "error: t.txt:3:21: duplicate container id 2");
  EXPECT_EQ(parse_error("program p {\n  state 0 \"a\" {}\n  transition 0: state 0 -> state 0\n"
                        "  transition 0: state 0 -> state 0\n}"),
            "error: t.txt:4:14: duplicate transition id 0");
}

TEST(TextFormatErrors, DuplicateSymbolAttributeAndMapping) {
  EXPECT_EQ(parse_error("program p {\n  symbol N: i64\n  symbol N: i32\n}"),
            "error: t.txt:3:10: duplicate symbol 'N'");
  EXPECT_EQ(parse_error(state_with("    node 0 = library \"l\" Op () -> () {a=1, a=2}\n")),
            "error: t.txt:5:44: duplicate attribute 'a'");
  EXPECT_EQ(parse_error("program p {\n  array A: f32[4] transient transient\n}"),
            "error: t.txt:2:29: duplicate 'transient' in the declaration of 'A'");
  EXPECT_EQ(parse_error(state_with("    node 0 = access A\n"
                                   "    edge 0: node 0 -> node 0 A[0] wcr=sum wcr=max\n")),
            "error: t.txt:6:43: duplicate 'wcr' in the memlet");
  EXPECT_EQ(parse_error(state_with("    node 0 = nested \"n\" () -> () symbols { M = 1, M = 2 } "
                                   "program q {}\n")),
            "error: t.txt:5:51: symbol 'M' is mapped twice");
}

TEST(TextFormatErrors, DanglingEdgeEndpoint) {
  EXPECT_EQ(parse_error(state_with("    node 0 = access A\n    edge 0: node 0 -> node 7 A[0]\n")),
            "error: t.txt:6:28: edge 0 refers to node 7, which does not exist");
}

TEST(TextFormatErrors, ConnectorSyntax) {
  EXPECT_EQ(parse_error(state_with("    node 0 = access A\n    edge 0: node 0. -> node 0 A[0]\n")),
            "error: t.txt:6:21: expected a connector name after '.' but found '->'");
  EXPECT_EQ(parse_error(state_with("    node 0 = tasklet \"t\" (a b) -> () {}\n")),
            "error: t.txt:5:29: expected ',' or ')' in the connector list but found 'b'");
}

TEST(TextFormatErrors, MissingMemlet) {
  EXPECT_EQ(parse_error(state_with("    node 0 = access A\n    edge 0: node 0 -> node 0\n  }")),
            "error: t.txt:7:3: expected a container name or 'empty' for the memlet but found '}'");
}

TEST(TextFormatErrors, UnknownStateInTransition) {
  EXPECT_EQ(parse_error("program p {\n  state 0 \"a\" {}\n  transition 0: state 0 -> state 4\n}"),
            "error: t.txt:3:34: state 4 does not exist");
}

TEST(TextFormatErrors, TwoStartStates) {
  EXPECT_EQ(parse_error("program p {\n  state 0 \"a\" start {}\n  state 1 \"b\" start {}\n}"),
            "error: t.txt:3:15: a second start state (state 0 is the start already)");
}

TEST(TextFormatErrors, UnknownNames) {
  EXPECT_EQ(parse_error(state_with("    node 0 = bogus\n")),
            "error: t.txt:5:14: unknown node kind 'bogus' (expected access, tasklet, map, "
            "library or nested)");
  EXPECT_EQ(parse_error("program p {\n  array A: f33[4]\n}"),
            "error: t.txt:2:12: unknown dtype 'f33' (expected f32, f16, bf16, f64, i8, i32, i64 "
            "or bool)");
  EXPECT_EQ(parse_error("program p {\n  array A: f32[4] storage=disk\n}"),
            "error: t.txt:2:27: unknown storage 'disk' (expected default, host_heap, host_stack, "
            "register, gpu_global or gpu_shared)");
  EXPECT_EQ(parse_error(state_with("    node 0 = map \"m\" [] () -> () schedule=fast {}\n")),
            "error: t.txt:5:43: unknown schedule 'fast' (expected default, sequential, "
            "cpu_parallel, vectorized, gpu_grid or gpu_block)");
  EXPECT_EQ(parse_error(state_with("    node 0 = access A\n"
                                   "    edge 0: node 0 -> node 0 A[0] wcr=avg\n")),
            "error: t.txt:6:39: unknown write-conflict resolution 'avg' (expected none, sum, "
            "product, min or max)");
}

TEST(TextFormatErrors, Lexical) {
  EXPECT_EQ(parse_error("program p {\n  state 0 \"abc\n}"),
            "error: t.txt:2:11: unterminated string");
  EXPECT_EQ(parse_error("program \"a\\q\" {}"),
            "error: t.txt:1:11: unknown escape '\\q' in a string (use \\\" \\\\ \\n \\t \\r or "
            "\\xHH)");
  EXPECT_EQ(parse_error("program \"a\\x4\" {}"),
            "error: t.txt:1:11: expected two hex digits after '\\x' in a string");
  EXPECT_EQ(parse_error("program p {\n  $\n}"), "error: t.txt:2:3: unexpected character '$'");
  EXPECT_EQ(parse_error(std::string("program p {\x01}", 14)),
            "error: t.txt:1:12: unexpected character '\\x01'");
}

TEST(TextFormatErrors, ExpressionsAreLocatedInTheText) {
  EXPECT_EQ(parse_error("program p {\n  array A: f32[N + * 2]\n}"),
            "error: t.txt:2:20: expected an operand after '+' in an expression but found '*'");
  EXPECT_EQ(parse_error("program p {\n  array A: f32[min(N]\n}"),
            "error: t.txt:2:21: expected ')' to close a '(' in an expression but found ']'");
  EXPECT_EQ(parse_error("program p {\n  array A: f32[4, floordiv(N, 2, 3)]\n}"),
            "error: t.txt:2:19: in expression 'floordiv(N, 2, 3)': floordiv takes 2 arguments "
            "but was given 3");
  EXPECT_EQ(parse_error("program p {\n  array A: f32[]\n  array B: f32[] offset=]\n}"),
            "error: t.txt:3:25: expected an expression after 'offset=' but found ']'");
  EXPECT_EQ(parse_error(state_with("    node 0 = access A\n"
                                   "    edge 0: node 0 -> node 0 A[9223372036854775807]\n")),
            "error: t.txt:6:32: integer overflow in 9223372036854775807 + 1");
}

TEST(TextFormatErrors, TaskletCodeIsLocatedInTheText) {
  EXPECT_EQ(parse_error(state_with("    node 0 = tasklet \"t\" (x) -> (y) { y = x + ; }\n")),
            "error: t.txt:5:47: in tasklet code: expected an expression, found ';'");
  EXPECT_EQ(parse_error(state_with("    node 0 = tasklet \"t\" (x) -> (y) {\n      y = x;\n"
                                   "      z = ;\n    }\n")),
            "error: t.txt:7:11: in tasklet code: expected an expression, found ';'");
  EXPECT_EQ(
      parse_error("program p {\n  state 0 \"s\" {\n    node 0 = tasklet \"t\" () -> () { y = 1;\n"),
      "error: t.txt:3:35: expected '}' to close this '{' but found end of input");
  EXPECT_EQ(parse_error("program p {\n  state 0 \"a\" {}\n  transition 0: state 0 -> state 0 "
                        "if (i <) \n}"),
            "error: t.txt:3:43: in the condition: expected an expression, found end of input");
}

TEST(TextFormatErrors, Attributes) {
  EXPECT_EQ(parse_error(state_with("    node 0 = library \"l\" Op () -> () {a=[]}\n")),
            "error: t.txt:5:41: an empty list needs its element type: write i64[], f64[] or str[]");
  EXPECT_EQ(parse_error(state_with("    node 0 = library \"l\" Op () -> () {a=[1, 2.0]}\n")),
            "error: t.txt:5:45: expected an integer in the list for attribute 'a' but found a "
            "float");
  EXPECT_EQ(parse_error(state_with("    node 0 = library \"l\" Op () -> () {a=f64[1]}\n")),
            "error: t.txt:5:45: expected a float in the list for attribute 'a' but found an "
            "integer");
  EXPECT_EQ(
      parse_error(state_with("    node 0 = library \"l\" Op () -> () {a=9223372036854775808}\n")),
      "error: t.txt:5:41: integer '9223372036854775808' does not fit in 64 bits");
  EXPECT_EQ(parse_error(state_with("    node 0 = library \"l\" Op () -> () {a=1e999}\n")),
            "error: t.txt:5:41: float '1e999' is out of range");
  EXPECT_EQ(parse_error(state_with("    node 0 = library \"l\" Op () -> () {a=b}\n")),
            "error: t.txt:5:41: expected an attribute value for attribute 'a' but found 'b'");
}

TEST(TextFormatErrors, NestingDepthIsBounded) {
  auto nested_maps = [](int depth) {
    std::string text = "program p {\n  state 0 \"s\" ";
    for (int i = 0; i < depth; ++i) text += "{ node 0 = map \"m\" [] () -> () ";
    text += "{}";
    for (int i = 0; i < depth; ++i) text += " }";
    return text + "\n}\n";
  };
  EXPECT_NO_THROW((void)parse_text(nested_maps(kMaxTextNesting - 2)));
  EXPECT_EQ(parse_error(nested_maps(kMaxTextNesting - 1)),
            "error: t.txt:2:" + std::to_string(15 + 31 * (kMaxTextNesting - 1)) +
                ": nesting deeper than 64 levels");
  std::string programs = "program p {}";
  for (int i = 0; i < 200; ++i)
    programs = "program p { state 0 \"s\" { node 0 = nested \"n\" () -> () " + programs + " } }";
  const std::string error = parse_error(programs);
  EXPECT_EQ(error.substr(error.size() - 29), "nesting deeper than 64 levels") << error;
}

TEST(TextFormatErrors, IdsAreBoundedByTheTextSize) {
  EXPECT_EQ(parse_error(state_with("    node 4000000000 = access A\n")),
            "error: t.txt:5:10: node id 4000000000 is too large for a text of 105 bytes");
  EXPECT_EQ(parse_error(state_with("    reserve nodes=99999999\n")),
            "error: t.txt:5:19: node id 99999998 is too large for a text of 101 bytes");
  EXPECT_EQ(parse_error(state_with("    node 99999999999999999999 = access A\n")),
            "error: t.txt:5:10: integer '99999999999999999999' does not fit in 64 bits");
}

// --- Randomized ---------------------------------------------------------------------------

std::uint64_t test_seed() {
  if (const char* env = std::getenv("SLUICE_SEED")) return std::strtoull(env, nullptr, 10);
  return (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
}

// Random programs that use every feature of the format, valid or not (the format must carry
// any program whose references resolve, not only verified ones).
class RandomProgram {
public:
  explicit RandomProgram(std::uint64_t seed) : rng_(seed) {}

  Program program(int depth) {
    Program p;
    p.name = pick<std::string>({"p", "main", "with space", "empty", "q\"uote"});
    for (const char* s : {"N", "M", "K", "i"})
      if (chance(2)) p.symbols[s] = chance(3) ? DType::i32 : DType::i64;
    const int containers = uniform(0, 6);
    for (int i = 0; i < containers; ++i) p.containers.add(container());
    for (ContainerId id : p.containers.ids())
      if (p.containers[id].kind == ContainerKind::View)
        p.containers[id].view->source = ContainerId(uniform(0, containers - 1));
    for (ContainerId id : p.containers.ids())
      if (chance(6)) p.containers.erase(id);
    const auto live = p.containers.ids();
    for (ContainerId id : live)
      if (p.containers[id].view && !p.containers.contains(p.containers[id].view->source))
        p.containers[id].view->source =
            live[static_cast<std::size_t>(uniform(0, static_cast<int>(live.size()) - 1))];
    if (chance(4)) p.containers.reserve_ids(p.containers.capacity() + uniform(0, 3));
    const int states = uniform(0, 3);
    for (int i = 0; i < states; ++i) {
      const StateId id = p.states.add(State{label(), graph(p, depth)});
      if (chance(3)) p.start_state = id;
    }
    const auto state_ids = p.states.ids();
    for (int i = 0, n = state_ids.empty() ? 0 : uniform(0, 3); i < n; ++i) {
      InterstateEdge e;
      e.src = state_ids[uniform(0, static_cast<int>(state_ids.size()) - 1)];
      e.dst = state_ids[uniform(0, static_cast<int>(state_ids.size()) - 1)];
      if (chance(2))
        e.condition = parse_tasklet_expr(pick<std::string>(
            {"i < N", "true", "i % 2 == 0 && N > 3", "!(i >= max(N, 4))", "(i + 1) * 2 < K"}));
      for (int j = uniform(0, 2); j > 0; --j) e.assignments.emplace_back(symbol(), expr(2));
      p.interstate_edges.add(std::move(e));
    }
    if (chance(3) && !p.states.ids().empty()) p.states.erase(p.states.ids().front());
    if (p.start_state.valid() && !p.states.contains(p.start_state)) p.start_state = StateId();
    if (chance(4)) p.states.reserve_ids(p.states.capacity() + 2);
    if (chance(4)) p.interstate_edges.reserve_ids(p.interstate_edges.capacity() + 2);
    for (InterstateEdgeId id : p.interstate_edges.ids()) {
      const InterstateEdge& e = p.interstate_edges[id];
      if (!p.states.contains(e.src) || !p.states.contains(e.dst) || chance(5))
        p.interstate_edges.erase(id);
    }
    return p;
  }

private:
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(int one_in) { return uniform(1, one_in) == 1; }
  template <typename T>
  T pick(std::vector<T> options) {
    return options[static_cast<std::size_t>(uniform(0, static_cast<int>(options.size()) - 1))];
  }

  std::string symbol() { return pick<std::string>({"N", "M", "K", "i", "j"}); }
  std::string label() {
    return pick<std::string>({"", "a", "main loop", "tab\there", "\"q\"", "back\\", "\xc3\xa9",
                              "line\nbreak", "ctl\x01"});
  }
  std::string connector() { return pick<std::string>({"x", "y", "A", "in 1", "", "empty", "_0"}); }

  Expr expr(int depth) {
    if (depth <= 0 || chance(3)) return chance(2) ? Expr(uniform(-3, 40)) : Expr::symbol(symbol());
    const Expr a = expr(depth - 1);
    const Expr b = expr(depth - 1);
    switch (uniform(0, 6)) {
      case 0: return a + b;
      case 1: return a - b;
      case 2: return a * b;
      case 3: return floordiv(a, Expr(uniform(1, 8)));
      case 4: return mod(a, Expr(uniform(1, 8)));
      case 5: return min(a, b);
      default: return max(a, b);
    }
  }

  Subset subset() {
    Subset s;
    for (int i = uniform(0, 3); i > 0; --i) {
      if (chance(2)) {
        s.push_back(Range::index(expr(2)));
      } else {
        Range r{expr(1), expr(2), 1};
        if (chance(3)) r.step = expr(1);
        s.push_back(r);
      }
    }
    return s;
  }

  Container container() {
    Container c;
    c.name = pick<std::string>({"A", "B", "C", "A", "x.y", "empty", "tmp"});
    c.kind = static_cast<ContainerKind>(uniform(0, 2));
    c.dtype = static_cast<DType>(uniform(0, 7));
    if (c.kind != ContainerKind::Scalar || chance(5))
      for (int i = uniform(0, 3); i > 0; --i) c.shape.push_back(expr(2));
    c.strides = chance(2) ? contiguous_strides(c.shape) : std::vector<Expr>{};
    if (c.strides.empty())
      for (int i = uniform(0, 3); i > 0; --i) c.strides.push_back(expr(1));
    if (chance(3)) c.offset = expr(2);
    c.storage = static_cast<Storage>(uniform(0, 5));
    c.lifetime = static_cast<Lifetime>(uniform(0, 3));
    c.transient = chance(2);
    if (c.kind == ContainerKind::View || chance(10)) {
      ViewOf v;
      v.kind = static_cast<ViewKind>(uniform(0, 2));
      for (int i = uniform(0, 3); i > 0; --i) v.permutation.push_back(uniform(-2, 5));
      c.view = v;
    }
    return c;
  }

  AttributeValue attribute() {
    switch (uniform(0, 5)) {
      case 0: return static_cast<std::int64_t>(rng_());
      case 1: return floating();
      case 2: return label();
      case 3: {
        std::vector<std::int64_t> v;
        for (int i = uniform(0, 3); i > 0; --i) v.push_back(uniform(-100, 100));
        return v;
      }
      case 4: {
        std::vector<double> v;
        for (int i = uniform(0, 3); i > 0; --i) v.push_back(floating());
        return v;
      }
      default: {
        std::vector<std::string> v;
        for (int i = uniform(0, 3); i > 0; --i) v.push_back(label());
        return v;
      }
    }
  }

  double floating() {
    switch (uniform(0, 3)) {
      case 0: return uniform(-40, 40) / 8.0;
      case 1: return std::ldexp(uniform(1, 1 << 20), uniform(-1074, 1000));
      case 2:
        return pick<double>({0.0, -0.0, std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(), 1e16, 1e-5,
                             9.999999999999999e-6, 0.1});
      default: {
        std::uint64_t bits = rng_();
        double v;
        std::memcpy(&v, &bits, sizeof v);
        return std::isnan(v) ? 1.5 : v;
      }
    }
  }

  std::vector<std::string> connectors() {
    std::vector<std::string> v;
    for (int i = uniform(0, 3); i > 0; --i) v.push_back(connector());
    return v;
  }

  Node node(const Program& p, int depth) {
    const auto containers = p.containers.ids();
    switch (uniform(0, depth > 0 ? 4 : 3)) {
      case 0:
        if (containers.empty()) return LibraryNode{};
        return AccessNode{containers[static_cast<std::size_t>(
            uniform(0, static_cast<int>(containers.size()) - 1))]};
      case 1: {
        TaskletNode t{label(), connectors(), connectors(), {}};
        t.code = parse_tasklet(
            pick<std::string>({"", "y = x;", "let t: f32 = exp(x) * 1e-3;\ny = t + cast<f32>(i);",
                               "y = select(x > 0.0, x, 0.0); // relu", "a = -(b - c) * d / 2.5;"}));
        return t;
      }
      case 2: {
        MapNode m;
        m.label = label();
        for (int i = uniform(0, 3); i > 0; --i) {
          Range r{expr(1), expr(2), 1};
          if (chance(3)) r.step = expr(1);
          m.params.push_back({pick<std::string>({"i", "j", "k", "empty"}), r});
        }
        m.schedule = static_cast<Schedule>(uniform(0, 5));
        m.inputs = connectors();
        m.outputs = connectors();
        m.body = graph(p, depth - 1);
        return m;
      }
      case 3: {
        LibraryNode lib;
        lib.label = label();
        lib.op = pick<std::string>({"MatMul", "Softmax", "sluice.Fused", "empty"});
        lib.inputs = connectors();
        lib.outputs = connectors();
        for (int i = uniform(0, 4); i > 0; --i) lib.attributes[connector()] = attribute();
        lib.implementation = pick<std::string>({"pure", "blas", "cublasLt", "my impl"});
        return lib;
      }
      default: {
        NestedNode n;
        n.label = label();
        n.inputs = connectors();
        n.outputs = connectors();
        for (int i = uniform(0, 2); i > 0; --i) n.symbol_mapping[symbol()] = expr(2);
        n.program = program(depth - 1);
        return n;
      }
    }
  }

  Graph graph(const Program& p, int depth) {
    Graph g;
    const int nodes = uniform(0, 6);
    for (int i = 0; i < nodes; ++i) g.add_node(node(p, depth));
    const auto containers = p.containers.ids();
    for (int i = nodes ? uniform(0, 8) : 0; i > 0; --i) {
      Memlet m;
      if (!chance(5)) {
        m.data = containers.empty() ? ContainerId()
                                    : containers[static_cast<std::size_t>(
                                          uniform(0, static_cast<int>(containers.size()) - 1))];
        m.subset = subset();
        m.volume = chance(2) ? subset_size(m.subset) : expr(2);
      } else if (chance(3)) {
        m.subset = subset();
        m.volume = expr(1);
      }
      if (chance(4)) m.other_subset = subset();
      m.wcr = static_cast<WriteConflict>(uniform(0, 4));
      m.dynamic = chance(4);
      g.add_edge(NodeId(uniform(0, nodes - 1)), connector(), NodeId(uniform(0, nodes - 1)),
                 connector(), m);
    }
    for (NodeId id : g.node_ids())
      if (chance(5)) g.remove_node(id);
    for (EdgeId id : g.edge_ids())
      if (chance(6)) g.remove_edge(id);
    if (chance(4))
      g.reserve_ids(g.node_id_bound() + uniform(0, 3), g.edge_id_bound() + uniform(0, 3));
    return g;
  }

  std::mt19937_64 rng_;
};

TEST(TextFormatRandom, RandomProgramsRoundTrip) {
  const std::uint64_t seed = test_seed();
  std::cout << "TextFormatRandom seed: " << seed << " (set SLUICE_SEED to replay)\n";
  RandomProgram random(seed);
  for (int i = 0; i < 100; ++i) {
    const Program p = random.program(2);
    SCOPED_TRACE("seed " + std::to_string(seed) + ", program " + std::to_string(i));
    expect_round_trip(p);
    if (HasFailure()) return;
  }
}

TEST(TextFormatRandom, MutatedTextParsesOrFailsWithADiagnostic) {
  const std::uint64_t seed = test_seed();
  std::cout << "TextFormatRandom seed: " << seed << " (set SLUICE_SEED to replay)\n";
  std::mt19937_64 rng(seed);
  RandomProgram random(seed);
  const auto uniform = [&](std::size_t lo, std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
  };
  static const std::string kPieces[] = {"{",         "}",        "(",  ")",         "[",
                                        "]",         ",",        ":",  "=",         ".",
                                        "@",         "->",       "\"", "\\",        "#",
                                        "node 0 = ", "edge 0: ", "-",  "999999999", "state 1 ",
                                        "empty",     "9e999",    "\n", "//"};
  int parsed = 0;
  for (int i = 0; i < 250; ++i) {
    std::string text = print_text(random.program(1));
    for (std::size_t edits = uniform(1, 4); edits > 0; --edits) {
      const std::size_t at = uniform(0, text.size());
      switch (uniform(0, 3)) {
        case 0: text.erase(at, uniform(1, 8)); break;
        case 1: text.insert(at, kPieces[uniform(0, std::size(kPieces) - 1)]); break;
        case 2: text.insert(at, text.substr(uniform(0, text.size()), uniform(1, 30))); break;
        default:
          if (at < text.size()) text[at] = static_cast<char>(uniform(0, 255));
      }
    }
    try {
      const Program p = parse_text(text);
      ++parsed;
      const std::string printed = print_text(p);
      EXPECT_EQ(print_text(parse_text(printed)), printed) << "seed " << seed;
    } catch (const UserError& e) {
      EXPECT_FALSE(e.diagnostics().empty());
    } catch (const std::exception& e) {
      ADD_FAILURE() << "seed " << seed << ": " << e.what() << "\nfor:\n" << text;
      return;
    }
  }
  std::cout << parsed << " of 250 mutated texts parsed\n";
}

}  // namespace
}  // namespace sluice::ir
