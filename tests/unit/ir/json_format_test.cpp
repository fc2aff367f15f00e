// The JSON file format: exact round trips, a golden file, and one test per diagnostic.
#include "ir/json_format.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ir/builder.h"
#include "samples/sample_programs.h"

namespace sluice::ir {
namespace {

// write -> read gives the same program, and writing that again gives the same text.
void expect_round_trip(const Program& p) {
  const std::string text = write_json(p);
  const Program back = read_json(text, "rt.sluice.json");
  EXPECT_TRUE(back == p) << text;
  EXPECT_EQ(write_json(back), text);
}

// The full diagnostic text of reading `text`, or "loaded" when it loads.
std::string error_of(std::string_view text) {
  try {
    (void)read_json(text, "t.sluice.json");
  } catch (const UserError& e) {
    return e.what();
  }
  return "loaded";
}

// Replaces the first occurrence of `from` (which must occur).
std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Program matmul_program() {
  ProgramBuilder b("mm");
  const Expr m = b.symbol("M");
  const Expr n = b.symbol("N");
  const Expr k = b.symbol("K");
  b.array("A", DType::f32, {m, k});
  b.array("B", DType::f32, {k, n});
  b.array("C", DType::f32, {m, n});
  b.state("main").mapped_tasklet("mm", "i=0:M, j=0:N, k=0:K",
                                 {{"a", "A", "i, k"}, {"b", "B", "k, j"}}, "c = a * b;",
                                 {{"c", "C", "i, j", WriteConflict::Sum}});
  return b.build();
}

// The golden program: small enough to read whole.
Program scale_program() {
  ProgramBuilder b("scale");
  const Expr n = b.symbol("N");
  b.array("X", DType::f32, {n});
  b.array("Y", DType::f32, {n});
  b.state("main").mapped_tasklet("scale", "i=0:N", {{"x", "X", "i"}},
                                 "let t: f32 = x * 2.0;\ny = t + 1.0;", {{"y", "Y", "i"}});
  return b.build();
}

constexpr std::string_view kScaleGolden = R"({
  "format": "sluice-program",
  "version": 1,
  "name": "scale",
  "symbols": {"N": "i64"},
  "containers": [
    {"id": 0, "name": "X", "kind": "array", "dtype": "f32", "shape": ["N"]},
    {"id": 1, "name": "Y", "kind": "array", "dtype": "f32", "shape": ["N"]}
  ],
  "states": [
    {
      "id": 0,
      "label": "main",
      "graph": {
        "nodes": [
          {
            "id": 0,
            "kind": "map",
            "label": "scale",
            "params": ["i=0:N"],
            "schedule": "cpu_parallel",
            "inputs": ["X"],
            "outputs": ["Y"],
            "body": {
              "nodes": [
                {
                  "id": 0,
                  "kind": "tasklet",
                  "label": "scale",
                  "inputs": ["x"],
                  "outputs": ["y"],
                  "code": ["let t: f32 = x * 2.0;", "y = t + 1.0;"]
                },
                {"id": 1, "kind": "access", "data": "X"},
                {"id": 2, "kind": "access", "data": "Y"}
              ],
              "edges": [
                {
                  "id": 0,
                  "src": 1,
                  "dst": 0,
                  "dst_conn": "x",
                  "memlet": {"data": "X", "subset": "i"}
                },
                {
                  "id": 1,
                  "src": 0,
                  "src_conn": "y",
                  "dst": 2,
                  "memlet": {"data": "Y", "subset": "i"}
                }
              ]
            }
          },
          {"id": 1, "kind": "access", "data": "X"},
          {"id": 2, "kind": "access", "data": "Y"}
        ],
        "edges": [
          {"id": 0, "src": 1, "dst": 0, "dst_conn": "X", "memlet": {"data": "X", "subset": "0:N"}},
          {"id": 1, "src": 0, "src_conn": "Y", "dst": 2, "memlet": {"data": "Y", "subset": "0:N"}}
        ]
      }
    }
  ],
  "start_state": 0
}
)";

TEST(JsonFormat, GoldenText) {
  EXPECT_EQ(write_json(scale_program()), kScaleGolden);
  EXPECT_TRUE(read_json(kScaleGolden) == scale_program());
}

TEST(JsonFormat, MatmulWithSumReduction) {
  const Program p = matmul_program();
  expect_round_trip(p);
  const std::string text = write_json(p);
  EXPECT_NE(text.find(R"("wcr": "sum")"), std::string::npos);
  EXPECT_NE(text.find(R"("params": ["i=0:M", "j=0:N", "k=0:K"])"), std::string::npos);
  EXPECT_NE(text.find(R"("code": ["c = a * b;"])"), std::string::npos);
}

TEST(JsonFormat, LibraryNodeWithEveryAttributeType) {
  ProgramBuilder b("lib");
  b.array("X", DType::bf16, {4, 8});
  b.array("Y", DType::bf16, {8, 4});
  auto g = b.state("main");
  const double kMax = std::numeric_limits<double>::max();
  const double kInf = std::numeric_limits<double>::infinity();
  const double kTiny = std::numeric_limits<double>::denorm_min();
  const NodeId lib = g.library("t", "Transpose", {"x"}, {"y"},
                               {{"axis", std::int64_t{-1}},
                                {"big", std::numeric_limits<std::int64_t>::max()},
                                {"small", std::numeric_limits<std::int64_t>::min()},
                                {"alpha", 0.1},
                                {"two", 2.0},  // an integral double stays a double
                                {"eps", 1e-300},
                                {"neg_zero", -0.0},
                                {"inf", kInf},
                                {"text", std::string("h\xc3\xa9llo \"q\"\n\t\\")},
                                {"perm", std::vector<std::int64_t>{1, 0}},
                                {"no_ints", std::vector<std::int64_t>{}},
                                {"scales", std::vector<double>{0.5, -kInf, kMax, kTiny, 3.0}},
                                {"no_floats", std::vector<double>{}},
                                {"names", std::vector<std::string>{"a", "", "c"}},
                                {"no_names", std::vector<std::string>{}}});
  g.graph().get<LibraryNode>(lib).implementation = "blas";
  g.read(g.access("X"), "0:4, 0:8", lib, "x");
  g.write(lib, "y", g.access("Y"), "0:8, 0:4");
  const Program p = b.build();
  expect_round_trip(p);

  const Program back = read_json(write_json(p));
  const auto& attrs = back.states[StateId(0)].graph.get<LibraryNode>(lib).attributes;
  EXPECT_TRUE(std::holds_alternative<double>(attrs.at("two")));
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(attrs.at("axis")));
  EXPECT_TRUE(std::holds_alternative<std::vector<double>>(attrs.at("no_floats")));
  EXPECT_TRUE(std::signbit(std::get<double>(attrs.at("neg_zero"))));
  EXPECT_EQ(std::get<double>(attrs.at("alpha")), 0.1);
  EXPECT_EQ(std::get<double>(attrs.at("eps")), 1e-300);

  const std::string text = write_json(p);
  EXPECT_NE(text.find(R"("two": {"float": 2.0})"), std::string::npos);
  EXPECT_NE(text.find(R"("inf": {"float": "inf"})"), std::string::npos);
  EXPECT_NE(text.find(R"("implementation": "blas")"), std::string::npos);
}

TEST(JsonFormat, NanAttributeReadsBackAsNan) {
  ProgramBuilder b("nan");
  b.state("main").library("l", "Op", {}, {},
                          {{"nan", std::numeric_limits<double>::quiet_NaN()},
                           {"nans", std::vector<double>{std::nan(""), 1.0}}});
  const std::string text = write_json(b.build());
  EXPECT_NE(text.find(R"({"float": "nan"})"), std::string::npos);
  const Program back = read_json(text);
  const auto& attrs = back.states[StateId(0)].graph.get<LibraryNode>(NodeId(0)).attributes;
  EXPECT_TRUE(std::isnan(std::get<double>(attrs.at("nan"))));
  EXPECT_TRUE(std::isnan(std::get<std::vector<double>>(attrs.at("nans"))[0]));
  EXPECT_EQ(write_json(back), text);
}

TEST(JsonFormat, ContainersOfEveryKind) {
  ProgramBuilder b("views");
  const Expr n = b.symbol("N");
  b.symbol("flag", DType::boolean);
  b.array("A", DType::f64, {n, 8});
  b.permute_view("At", "A", {1, 0});
  b.reshape_view("Aflat", "A", {n * 8});
  b.scalar("s", DType::i32);
  b.scalar("t", DType::i8, /*transient=*/true);
  const ContainerId odd = b.transient("odd", DType::f16, {n, 4});
  Container& c = b.program().containers[odd];
  c.strides = {1, n};  // column major
  c.offset = n + 2;
  c.storage = Storage::GpuShared;
  c.lifetime = Lifetime::Persistent;
  b.state("main");
  const Program p = b.build();
  expect_round_trip(p);
  const std::string text = write_json(p);
  EXPECT_NE(text.find(R"("view": {"source": "A", "kind": "permute", "permutation": [1, 0]})"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("strides": ["1", "N"],)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("offset": "N + 2",)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"({"id": 3, "name": "s", "kind": "scalar", "dtype": "i32"})"),
            std::string::npos)
      << text;
}

TEST(JsonFormat, DuplicateContainerNamesAreReferencedById) {
  ProgramBuilder b("dups");
  b.array("A", DType::f32, {4});
  b.array("A", DType::f32, {4});
  auto g = b.state("main");
  const NodeId a = g.graph().add_node(AccessNode{ContainerId(1)});
  const NodeId t = g.tasklet("t", {"x"}, {}, "");
  Memlet m;
  m.data = ContainerId(1);
  m.subset = parse_subset("0");
  m.volume = 1;
  g.graph().add_edge(a, "", t, "x", m);
  const Program p = b.build();
  expect_round_trip(p);
  EXPECT_NE(write_json(p).find(R"({"id": 0, "kind": "access", "data": 1})"), std::string::npos);
}

TEST(JsonFormat, TwoStatesWithConditionAndAssignments) {
  ProgramBuilder b("loop");
  b.symbol("i");
  b.symbol("N");
  b.state("body");
  b.state("exit");
  b.transition("body", "body", "i + 1 < N && !(i == 7)", {{"i", "i + 1"}, {"N", "N"}});
  b.transition("body", "exit", "i + 1 >= N");
  b.transition("exit", "body", "true");
  const Program p = b.build();
  expect_round_trip(p);
  const std::string text = write_json(p);
  EXPECT_NE(text.find(R"x("condition": "i + 1 < N && !(i == 7)")x"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("assignments": [["i", "i + 1"], ["N", "N"]])"), std::string::npos) << text;
}

TEST(JsonFormat, NestedProgramAndNestedMaps) {
  ProgramBuilder inner_b("inner");
  const Expr n = inner_b.symbol("n");
  inner_b.array("x", DType::f32, {n});
  inner_b.state("s").mapped_tasklet("neg", "i=0:n", {{"a", "x", "i"}}, "b = -a;",
                                    {{"b", "x", "i"}});
  const Program inner = inner_b.build();

  ProgramBuilder b("outer");
  const Expr m = b.symbol("M");
  b.array("X", DType::f32, {m, m});
  auto g = b.state("main");
  NestedNode nested;
  nested.label = "call";
  nested.inputs = {"x"};
  nested.outputs = {"x"};
  nested.symbol_mapping = {{"n", m * 2}};
  nested.program = inner;
  g.graph().add_node(std::move(nested));

  // A map inside a map inside a map.
  const NodeId outer_map = g.map("outer", "i=0:M");
  auto body = g.body(outer_map);
  const NodeId mid = body.map("mid", "j=0:M:2", Schedule::Sequential);
  body.body(mid).mapped_tasklet("leaf", "k=0:1", {{"a", "X", "i, j"}}, "b = a;",
                                {{"b", "X", "i, j"}}, Schedule::GpuBlock);
  const Program p = b.build();
  expect_round_trip(p);
  EXPECT_NE(write_json(p).find(R"("symbol_mapping": {"n": "2*M"})"), std::string::npos);
}

TEST(JsonFormat, IdGapsAndCountersSurvive) {
  ProgramBuilder b("gaps");
  b.array("A", DType::f32, {4});
  b.array("gone", DType::f32, {4});
  b.array("B", DType::f32, {4});
  b.array("gone_too", DType::f32, {4});
  auto g = b.state("main");
  g.mapped_tasklet("copy", "i=0:4", {{"a", "A", "i"}}, "b = a;", {{"b", "B", "i"}});
  const NodeId extra = g.access("A");
  const NodeId last = g.access("B");
  g.graph().add_edge(extra, "", last, "", Memlet{});  // an empty (ordering-only) memlet
  g.graph().remove_node(extra);                       // removes a node and an edge
  g.graph().remove_node(g.access("B"));               // the largest id
  b.state("dropped");
  b.state("kept");
  Program p = b.build();
  p.containers.erase(ContainerId(1));
  p.containers.erase(ContainerId(3));
  p.states.erase(StateId(1));
  p.states.erase(StateId(2));
  p.interstate_edges.reserve_ids(5);
  expect_round_trip(p);
  const std::string text = write_json(p);
  EXPECT_NE(text.find(R"("node_id_bound": 6)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("edge_id_bound": 3)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("container_id_bound": 4)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("state_id_bound": 3)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("interstate_edge_id_bound": 5)"), std::string::npos) << text;
  // The counters are restored: the next ids are the ones the original would hand out.
  Program back = read_json(text);
  EXPECT_EQ(back.states[StateId(0)].graph.add_node(AccessNode{ContainerId(0)}).value, 6u);
  EXPECT_EQ(back.containers.add(Container{}).value, 4u);
}

TEST(JsonFormat, MemletVariants) {
  ProgramBuilder b("memlets");
  const Expr n = b.symbol("N");
  b.array("A", DType::f32, {n});
  b.array("B", DType::f32, {n});
  auto g = b.state("main");
  const NodeId a = g.access("A");
  const NodeId bb = g.access("B");
  Memlet copy;
  copy.data = ContainerId(0);
  copy.subset = parse_subset("1:N");
  copy.other_subset = parse_subset("0:N - 1");
  copy.volume = n - 1;
  g.graph().add_edge(a, "", bb, "", copy);
  Memlet dyn;
  dyn.data = ContainerId(1);
  dyn.subset = parse_subset("0:N:2, floordiv(N, 4)");
  dyn.volume = 7;  // not the subset's size: written out
  dyn.dynamic = true;
  dyn.wcr = WriteConflict::Max;
  g.graph().add_edge(a, "", bb, "", dyn);
  g.graph().add_edge(a, "", bb, "", Memlet{});
  const Program p = b.build();
  expect_round_trip(p);
  const std::string text = write_json(p);
  EXPECT_NE(text.find(R"("other_subset": "0:N - 1")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("volume": "7",)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("wcr": "max",)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("dynamic": true)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"({"id": 2, "src": 0, "dst": 1})"), std::string::npos) << text;
}

TEST(JsonFormat, EverySampleRoundTrips) {
  for (const auto& sample : samples::all_samples()) {
    SCOPED_TRACE(sample.name);
    expect_round_trip(sample.make());
  }
}

TEST(JsonFormat, HandWrittenConveniences) {
  // Integer expressions, code as one string, keys in any order.
  const Program p = read_json(R"({"version": 1, "format": "sluice-program", "name": "h",
    "states": [{"graph": {"nodes": [{"kind": "tasklet", "id": 0, "code": "y = 1.0; z = 2.0;"}]},
                "id": 0}],
    "containers": [{"id": 0, "name": "A", "kind": "array", "dtype": "f32", "shape": [4, "2*4"]}]})");
  EXPECT_EQ(p.containers[ContainerId(0)].shape, (std::vector<Expr>{4, 8}));
  EXPECT_EQ(p.containers[ContainerId(0)].strides, (std::vector<Expr>{8, 1}));
  EXPECT_EQ(p.states[StateId(0)].graph.get<TaskletNode>(NodeId(0)).code.statements.size(), 2u);
}

TEST(JsonFormat, FilesLoadAndSave) {
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("sluice_json_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "mm.sluice.json").string();
  save_json_file(matmul_program(), path);
  EXPECT_TRUE(load_json_file(path) == matmul_program());

  const std::string missing = (dir / "missing.sluice.json").string();
  try {
    (void)load_json_file(missing);
    ADD_FAILURE() << "loaded a missing file";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), "error: " + missing + ": cannot read: no such file");
  }
  try {
    (void)load_json_file(dir.string());
    ADD_FAILURE() << "loaded a directory";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), "error: " + dir.string() + ": cannot read: is a directory");
  }
  {
    std::ofstream bad(dir / "bad.sluice.json");
    bad << "{\"format\": \"sluice-program\", \"version\": 1, \"name\": 3}";
  }
  const std::string bad = (dir / "bad.sluice.json").string();
  try {
    (void)load_json_file(bad);
    ADD_FAILURE() << "loaded a bad file";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()),
              "error: " + bad + "#/name: expected a string, found an integer");
  }
  EXPECT_THROW(save_json_file(matmul_program(), (dir / "no" / "such" / "dir.json").string()),
               UserError);
  std::filesystem::remove_all(dir);
}

// ----- Diagnostics --------------------------------------------------------------------------

TEST(JsonFormatErrors, TruncatedText) {
  const std::string text(kScaleGolden.substr(0, 60));
  EXPECT_EQ(error_of(text),
            "error: t.sluice.json:4:13: syntax error while parsing value - invalid string: "
            "missing closing quote; last read: '\"s'");
  EXPECT_EQ(error_of(""),
            "error: t.sluice.json:1:1: syntax error while parsing value - unexpected end of "
            "input; expected '[', '{', or a literal");
}

TEST(JsonFormatErrors, EveryPrefixAndMutationIsRefusedCleanly) {
  // Each input either loads or throws UserError: never anything else.
  const std::string text = write_json(samples::small_layer());
  for (std::size_t n = 0; n < text.size(); n += 7) {
    const std::string prefix = text.substr(0, n);
    EXPECT_NE(error_of(prefix), "loaded");
  }
  const unsigned seed = std::random_device{}();
  std::printf("mutation seed %u\n", seed);
  std::mt19937 rng(seed);
  const std::string_view alphabet = "{}[]\":,0123456789-.eE abcdefgnrstu\\/x";
  for (int round = 0; round < 400; ++round) {
    std::string mutated = text;
    for (int k = 0; k < 3; ++k) {
      const std::size_t at = rng() % mutated.size();
      mutated[at] = alphabet[rng() % alphabet.size()];
    }
    try {
      (void)read_json(mutated);
    } catch (const UserError&) {
    }
  }
}

TEST(JsonFormatErrors, NotAProgram) {
  EXPECT_EQ(error_of("[]"), "error: t.sluice.json: expected an object, found an array");
  EXPECT_EQ(error_of(R"({"version": 1})"),
            "error: t.sluice.json: missing key 'format': not a Sluice program (expected "
            "\"format\": \"sluice-program\")");
  EXPECT_EQ(error_of(R"({"format": "onnx", "version": 1})"),
            "error: t.sluice.json#/format: unknown format 'onnx' (expected 'sluice-program')");
}

TEST(JsonFormatErrors, WrongVersion) {
  const std::string text =
      replaced(std::string(kScaleGolden), R"("version": 1)", R"("version": 2)");
  EXPECT_EQ(error_of(text),
            "error: t.sluice.json#/version: unsupported version 2 (this build reads version 1)");
  EXPECT_EQ(error_of(R"({"format": "sluice-program"})"),
            "error: t.sluice.json: missing key 'version'");
}

TEST(JsonFormatErrors, UnknownDtype) {
  const std::string text =
      replaced(std::string(kScaleGolden), R"("dtype": "f32")", R"("dtype": "f33")");
  EXPECT_EQ(error_of(text),
            "error: t.sluice.json#/containers/0/dtype: unknown dtype 'f33' (expected one of f32, "
            "f16, bf16, f64, i8, i32, i64, bool)");
}

TEST(JsonFormatErrors, DanglingEdge) {
  const std::string text =
      replaced(std::string(kScaleGolden), R"({"id": 1, "src": 0, "src_conn": "Y", "dst": 2,)",
               R"({"id": 1, "src": 0, "src_conn": "Y", "dst": 9,)");
  EXPECT_EQ(error_of(text),
            "error: t.sluice.json#/states/0/graph/edges/1/dst: edge 1 refers to node 9, which does "
            "not exist");
}

TEST(JsonFormatErrors, DuplicateIds) {
  const std::string nodes =
      replaced(std::string(kScaleGolden), R"({"id": 2, "kind": "access", "data": "Y"})",
               R"({"id": 1, "kind": "access", "data": "Y"})");
  EXPECT_EQ(
      error_of(nodes),
      "error: t.sluice.json#/states/0/graph/nodes/0/body/nodes/2/id: duplicate node id 1 (also "
      "at index 1)");
  const std::string containers =
      replaced(std::string(kScaleGolden), R"({"id": 1, "name": "Y")", R"({"id": 0, "name": "Y")");
  EXPECT_EQ(error_of(containers),
            "error: t.sluice.json#/containers/1/id: duplicate container id 0 (also at index 0)");
}

TEST(JsonFormatErrors, WrongTypes) {
  const std::string base(kScaleGolden);
  EXPECT_EQ(error_of(replaced(base, R"("id": 1, "name": "Y")", R"("id": "1", "name": "Y")")),
            "error: t.sluice.json#/containers/1/id: expected an integer, found a string");
  EXPECT_EQ(error_of(replaced(base, R"("id": 1, "name": "Y")", R"("id": 1.5, "name": "Y")")),
            "error: t.sluice.json#/containers/1/id: expected an integer, found a number with a "
            "fraction or exponent");
  EXPECT_EQ(error_of(replaced(base, R"("id": 1, "name": "Y")", R"("id": -1, "name": "Y")")),
            "error: t.sluice.json#/containers/1/id: id -1 is out of range (0 to 4294967294)");
  EXPECT_EQ(error_of(replaced(base, R"("inputs": ["X"])", R"("inputs": ["X", 3])")),
            "error: t.sluice.json#/states/0/graph/nodes/0/inputs/1: expected a string, found an "
            "integer");
  EXPECT_EQ(error_of(replaced(base, R"("nodes": [)", R"("nodes": {"a": 1}, "x": [)")),
            "error: t.sluice.json#/states/0/graph: unknown key 'x' (expected one of nodes, "
            "edges, node_id_bound, edge_id_bound)");
  EXPECT_EQ(error_of(replaced(base, R"("dtype": "f32", "shape": ["N"])",
                              R"("dtype": "f32", "shape": "N")")),
            "error: t.sluice.json#/containers/0/shape: expected an array, found a string");
}

TEST(JsonFormatErrors, UnknownKeysAndKinds) {
  const std::string base(kScaleGolden);
  EXPECT_EQ(error_of(replaced(base, R"("kind": "array", "dtype": "f32", "shape": ["N"])",
                              R"("kind": "array", "dtype": "f32", "trasient": true)")),
            "error: t.sluice.json#/containers/0: unknown key 'trasient' (expected one of id, "
            "name, kind, dtype, shape, strides, offset, storage, lifetime, transient, view)");
  EXPECT_EQ(error_of(replaced(base, R"("kind": "map")", R"("kind": "loop")")),
            "error: t.sluice.json#/states/0/graph/nodes/0/kind: unknown node kind 'loop' "
            "(expected one of access, tasklet, map, library, nested)");
  EXPECT_EQ(error_of(replaced(base, R"("schedule": "cpu_parallel")", R"("schedule": "omp")")),
            "error: t.sluice.json#/states/0/graph/nodes/0/schedule: unknown schedule 'omp' "
            "(expected one of default, sequential, cpu_parallel, vectorized, gpu_grid, gpu_block)");
}

TEST(JsonFormatErrors, BadReferences) {
  const std::string base(kScaleGolden);
  EXPECT_EQ(error_of(replaced(base, R"({"id": 1, "kind": "access", "data": "X"})",
                              R"({"id": 1, "kind": "access", "data": "Z"})")),
            "error: t.sluice.json#/states/0/graph/nodes/0/body/nodes/1/data: no container named "
            "'Z'");
  EXPECT_EQ(error_of(replaced(base, R"({"id": 1, "kind": "access", "data": "X"})",
                              R"({"id": 1, "kind": "access", "data": 5})")),
            "error: t.sluice.json#/states/0/graph/nodes/0/body/nodes/1/data: container 5 does not "
            "exist");
  EXPECT_EQ(error_of(replaced(base, R"("start_state": 0)", R"("start_state": 3)")),
            "error: t.sluice.json#/start_state: start state 3 does not exist");
  EXPECT_EQ(error_of(replaced(base, R"("start_state": 0)",
                              R"("interstate_edges": [{"id": 0, "src": 0, "dst": 4}])")),
            "error: t.sluice.json#/interstate_edges/0/dst: interstate edge 0 refers to state 4, "
            "which does not exist");
  EXPECT_EQ(error_of(replaced(base, R"("name": "Y")", R"("name": "X")")),
            "error: t.sluice.json#/states/0/graph/nodes/0/body/nodes/1/data: container name 'X' "
            "is ambiguous (several containers have it); refer to the container by id");
}

TEST(JsonFormatErrors, BadEmbeddedText) {
  const std::string base(kScaleGolden);
  const std::string expr = error_of(replaced(base, R"("shape": ["N"])", R"("shape": ["N +"])"));
  EXPECT_TRUE(expr.starts_with("error: t.sluice.json#/containers/0/shape/0: expression 'N +': "))
      << expr;
  const std::string code = error_of(replaced(base, R"("y = t + 1.0;")", R"("y = t +;")"));
  EXPECT_TRUE(code.starts_with(
      "error: t.sluice.json#/states/0/graph/nodes/0/body/nodes/0/code: tasklet code: line 2"))
      << code;
  const std::string param = error_of(replaced(base, R"("i=0:N")", R"("0:N")"));
  EXPECT_EQ(param,
            "error: t.sluice.json#/states/0/graph/nodes/0/params/0: expected a parameter "
            "'name=begin:end[:step]', found '0:N'");
}

TEST(JsonFormatErrors, AttributeMustBeTyped) {
  const std::string text = R"({"format": "sluice-program", "version": 1, "states": [{"id": 0,
    "graph": {"nodes": [{"id": 0, "kind": "library", "attributes": {"axis": 1}}]}}]})";
  EXPECT_EQ(error_of(text),
            "error: t.sluice.json#/states/0/graph/nodes/0/attributes/axis: expected an object, "
            "found an integer");
  const std::string wrong = replaced(text, R"({"axis": 1})", R"({"axis": {"double": 1}})");
  EXPECT_EQ(error_of(wrong),
            "error: t.sluice.json#/states/0/graph/nodes/0/attributes/axis: unknown attribute type "
            "'double' (expected one of int, float, string, ints, floats, strings)");
  const std::string bad_float = replaced(text, R"({"axis": 1})", R"({"axis": {"float": "big"}})");
  EXPECT_EQ(error_of(bad_float),
            "error: t.sluice.json#/states/0/graph/nodes/0/attributes/axis/float: expected a "
            "number (or \"inf\", \"-inf\", \"nan\"), found 'big'");
}

TEST(JsonFormatErrors, BadNumbersAndText) {
  const std::string base(kScaleGolden);
  const std::string overflow = error_of(replaced(base, R"("version": 1)", R"("version": 1e400)"));
  EXPECT_TRUE(overflow.starts_with("error: t.sluice.json:3:")) << overflow;
  EXPECT_NE(overflow.find("number overflow"), std::string::npos) << overflow;
  EXPECT_EQ(error_of(replaced(base, R"("version": 1)", R"("version": 99999999999999999999)")),
            "error: t.sluice.json#/version: expected an integer, found a number with a fraction "
            "or exponent");
  const std::string utf8 = error_of(replaced(base, R"("name": "scale")", "\"name\": \"\xff\""));
  EXPECT_TRUE(utf8.starts_with("error: t.sluice.json:4:")) << utf8;
  EXPECT_EQ(error_of(base + "x"),
            "error: t.sluice.json:67:1: syntax error while parsing value - invalid literal; last "
            "read: '0<U+000A>}<U+000A>x'; expected end of input");
}

TEST(JsonFormatErrors, WritingInvalidUtf8IsAUserError) {
  ProgramBuilder b("bad\xff");
  EXPECT_THROW((void)write_json(b.build()), UserError);
}

TEST(JsonFormat, DocumentApi) {
  const Program p = matmul_program();
  const nlohmann::ordered_json doc = program_to_json(p);
  EXPECT_EQ(doc.at("format"), "sluice-program");
  EXPECT_EQ(doc.at("containers").size(), 3u);
  EXPECT_TRUE(program_from_json(doc) == p);
}

// `depth` maps, each the only node of the previous one's body.
std::string nested_maps(int depth) {
  std::string text = R"({"format": "sluice-program", "version": 1, "states": [{"id": 0, "graph": )";
  for (int i = 0; i < depth; ++i) text += R"({"nodes": [{"id": 0, "kind": "map", "body": )";
  text += "{}";
  for (int i = 0; i < depth; ++i) text += "}]}";
  return text + "}]}";
}

TEST(JsonFormatErrors, ExcessiveDepth) {
  EXPECT_EQ(error_of(nested_maps(64)), "loaded");
  const std::string deep = error_of(nested_maps(65));
  EXPECT_TRUE(deep.starts_with("error: t.sluice.json#/states/0/graph/nodes/0/body/nodes/0/body/"))
      << deep;
  EXPECT_TRUE(deep.ends_with("/body: maps and nested programs are nested more than 64 deep"))
      << deep;
  EXPECT_EQ(error_of(std::string(100000, '[')),
            "error: t.sluice.json:1:513: arrays and objects are nested more than 512 deep");
}

TEST(JsonFormatErrors, IdsBeyondTheBudget) {
  const std::string text = R"({"format": "sluice-program", "version": 1, "states": [{"id": 0,
    "graph": {"nodes": [{"id": 4000000000, "kind": "access", "data": 0}]}}]})";
  EXPECT_EQ(error_of(text),
            "error: t.sluice.json#/states/0/graph/nodes/0/data: container 0 does not exist");
  const std::string big = R"({"format": "sluice-program", "version": 1, "states": [{"id": 0,
    "graph": {"nodes": [{"id": 4000000000, "kind": "tasklet"}]}}]})";
  const std::string message = error_of(big);
  EXPECT_TRUE(
      message.starts_with("error: t.sluice.json#/states/0/graph/nodes: too many node ids: "
                          "4000000001 slots would pass what an input of "))
      << message;
  const std::string bound = replaced(std::string(kScaleGolden), R"("start_state": 0)",
                                     R"("start_state": 0, "state_id_bound": 0)");
  EXPECT_EQ(error_of(bound),
            "error: t.sluice.json#/state_id_bound: state_id_bound 0 is not above the largest "
            "state id 0");
}

TEST(JsonFormat, TenThousandNodeRoundTripTime) {
  const Program p = samples::synthetic_chain(2000);
  const auto start = std::chrono::steady_clock::now();
  const std::string text = write_json(p);
  const auto mid = std::chrono::steady_clock::now();
  const Program back = read_json(text);
  const auto end = std::chrono::steady_clock::now();
  EXPECT_TRUE(back == p);
  using ms = std::chrono::duration<double, std::milli>;
  std::printf("10k-node program (%zu bytes): write %.1f ms, read %.1f ms\n", text.size(),
              ms(mid - start).count(), ms(end - mid).count());
}

}  // namespace
}  // namespace sluice::ir
