// The transformation framework: registry, parameters, pipelines, recipes, transactional apply,
// history and the cost model, exercised with the built-in dead-dataflow-elimination and small
// test-only transformations (one that breaks the program, one that throws half way).

#include <filesystem>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "ir/text_format.h"
#include "transforms/apply.h"
#include "transforms/cost_model.h"
#include "transforms/history.h"
#include "transforms/pipeline.h"
#include "transforms/recipe.h"
#include "transforms/registry.h"

namespace sluice::transforms {
namespace {

// X -> [dead: T = 2x] (T unused);  X -> [live: Y = x + 1].
constexpr std::string_view kDeadMap = R"(program p {
  symbol N: i64
  array X: f32[N]
  array T: f32[N] transient
  array Y: f32[N]
  state 0 "main" start {
    node 0 = map "dead" [i = 0:N] (X) -> (T) {
      node 0 = tasklet "dead" (x) -> (t) { t = x * 2.0; }
      node 1 = access X
      node 2 = access T
      edge 0: node 1 -> node 0.x X[i]
      edge 1: node 0.t -> node 2 T[i]
    }
    node 1 = access X
    node 2 = access T
    node 3 = map "live" [i = 0:N] (X) -> (Y) {
      node 0 = tasklet "live" (x) -> (y) { y = x + 1.0; }
      node 1 = access X
      node 2 = access Y
      edge 0: node 1 -> node 0.x X[i]
      edge 1: node 0.y -> node 2 Y[i]
    }
    node 4 = access X
    node 5 = access Y
    edge 0: node 1 -> node 0.X X[0:N]
    edge 1: node 0.T -> node 2 T[0:N]
    edge 2: node 4 -> node 3.X X[0:N]
    edge 3: node 3.Y -> node 5 Y[0:N]
  }
}
)";

ir::Program dead_map_program() { return ir::parse_text(kDeadMap, "dead_map"); }

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

/// Matches every top-level map; apply removes one Access node the map reads, leaving a dangling
/// connector the verifier rejects.
class BreaksProgram final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "breaks-program"; }
  [[nodiscard]] int tier() const override { return 4; }
  [[nodiscard]] std::string_view description() const override { return "test only"; }
  [[nodiscard]] MatchResult match(const ir::Program& program, const ParamValues&) const override {
    MatchResult r;
    const ir::Graph& g = program.states[program.start_state].graph;
    for (const ir::NodeId n : g.node_ids())
      if (std::holds_alternative<ir::MapNode>(g.node(n)))
        r.matches.push_back(make_match({program.start_state, {}}, {n}, "map"));
    return r;
  }
  void apply(Rewriter& rewriter, const Match& m, const ParamValues&) const override {
    const ir::Graph& g = rewriter.graph(m.scope);
    rewriter.remove_node(m.scope, g.edge(g.in_edges(m.nodes[0]).front()).src);
  }
};

/// Edits, then throws: the edits must not survive.
class ThrowsHalfway final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "throws-halfway"; }
  [[nodiscard]] int tier() const override { return 1; }
  [[nodiscard]] std::string_view description() const override { return "test only"; }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"factor", ParamType::Int, std::int64_t{2}, "a number", {}},
            {"mode", ParamType::String, std::string("a"), "a choice", {"a", "b"}},
            {"scale", ParamType::Float, 1.0, "a float", {}}};
  }
  [[nodiscard]] MatchResult match(const ir::Program& program, const ParamValues&) const override {
    MatchResult r;
    r.matches.push_back(make_match({program.start_state, {}}, {ir::NodeId(0)}, "node 0"));
    return r;
  }
  void apply(Rewriter& rewriter, const Match& m, const ParamValues&) const override {
    rewriter.remove_node(m.scope, ir::NodeId(0));
    throw UserError("throws-halfway", "cannot finish");
  }
};

TEST(Registry, ListsBuiltinsByTierThenName) {
  const auto list = Registry::global().list();
  ASSERT_GE(list.size(), 2U);
  for (std::size_t i = 1; i < list.size(); ++i) {
    EXPECT_LE(list[i - 1]->tier(), list[i]->tier());
    if (list[i - 1]->tier() == list[i]->tier()) {
      EXPECT_LT(list[i - 1]->name(), list[i]->name());
    }
  }
  EXPECT_NE(Registry::global().find("expand"), nullptr);
  EXPECT_EQ(Registry::global().origin("dead-dataflow-elimination"), "built-in");
}

TEST(Registry, RefusesDuplicatesBadNamesAndUnknownLookups) {
  Registry r;
  r.add(std::make_shared<BreaksProgram>(), "test");
  EXPECT_EQ(message_of([&] { r.add(std::make_shared<BreaksProgram>(), "again"); }),
            "error: again: a transformation named 'breaks-program' is already registered (from "
            "test)");
  EXPECT_EQ(message_of([&] { (void)r.get("map-fuse"); }),
            "error: map-fuse: unknown transformation 'map-fuse'; known: breaks-program");
  EXPECT_TRUE(is_kebab_case("map-fusion"));
  EXPECT_FALSE(is_kebab_case("Map-Fusion"));
  EXPECT_FALSE(is_kebab_case("map--fusion"));
  EXPECT_FALSE(is_kebab_case("map_fusion"));
  EXPECT_FALSE(is_kebab_case("-map"));
}

TEST(Params, CompletesDefaultsAndNamesBadValues) {
  ThrowsHalfway t;
  const ParamValues p =
      complete_params(t, {{"factor", std::int64_t{4}}, {"scale", std::int64_t{3}}});
  EXPECT_EQ(param_int(p, "factor"), 4);
  EXPECT_EQ(param_string(p, "mode"), "a");
  EXPECT_DOUBLE_EQ(param_float(p, "scale"), 3.0);  // an int given for a float converts
  EXPECT_EQ(message_of([&] { complete_params(t, {{"tile", std::int64_t{4}}}); }),
            "error: throws-halfway: unknown parameter 'tile' (parameters: factor, mode, scale)");
  EXPECT_EQ(message_of([&] { complete_params(t, {{"factor", std::string("x")}}); }),
            "error: throws-halfway: parameter 'factor' takes a int, got x");
  EXPECT_EQ(message_of([&] { complete_params(t, {{"mode", std::string("c")}}); }),
            "error: throws-halfway: parameter 'mode' is 'c'; choose one of: a, b");
}

TEST(Pipeline, ParsesAndPrintsCanonically) {
  Registry r;
  r.add(std::make_shared<ThrowsHalfway>(), "test");
  r.add(std::make_shared<BreaksProgram>(), "test");
  const auto steps = parse_pipeline(" throws-halfway{ mode = b , factor=3 }, breaks-program ", r);
  ASSERT_EQ(steps.size(), 2U);
  EXPECT_EQ(param_int(steps[0].params, "factor"), 3);
  EXPECT_EQ(pipeline_str(steps), "throws-halfway{factor=3,mode=b},breaks-program");
  EXPECT_EQ(parse_pipeline(pipeline_str(steps), r), steps);
}

TEST(Pipeline, QuotedValuesHoldCommasAndPrintQuoted) {
  const Registry& r = Registry::global();
  const auto steps = parse_pipeline(R"(change-layout{order="1,0", container=T})", r);
  EXPECT_EQ(param_string(steps[0].params, "order"), "1,0");
  EXPECT_EQ(pipeline_str(steps), R"(change-layout{container=T,order="1,0"})");
  EXPECT_EQ(parse_pipeline(pipeline_str(steps), r), steps);
  EXPECT_EQ(message_of([&] { parse_pipeline(R"(change-layout{order="1,0)", r); }),
            "error: pipeline:1:21: unclosed '\"' in the value of 'order'");
}

TEST(Pipeline, ErrorsNameTheColumn) {
  Registry r;
  r.add(std::make_shared<ThrowsHalfway>(), "test");
  EXPECT_EQ(message_of([&] { parse_pipeline("throws-halfway,map-fuse", r); }),
            "error: pipeline:1:16: unknown transformation 'map-fuse'; known: throws-halfway");
  EXPECT_EQ(message_of([&] { parse_pipeline("throws-halfway{tile=4}", r); }),
            "error: pipeline:1:16: 'throws-halfway' has no parameter 'tile' (parameters: factor, "
            "mode, scale)");
  EXPECT_EQ(message_of([&] { parse_pipeline("throws-halfway{factor=x}", r); }),
            "error: pipeline:1:23: 'x' is not an integer (parameter 'factor' of 'throws-halfway' "
            "takes a int)");
  EXPECT_EQ(message_of([&] { parse_pipeline("throws-halfway{factor=2", r); }),
            "error: pipeline:1:24: unclosed '{' after 'throws-halfway'");
  EXPECT_EQ(message_of([&] { parse_pipeline("throws-halfway,", r); }),
            "error: pipeline:1:16: expected a transformation name at the end");
  EXPECT_EQ(message_of([&] { parse_pipeline("", r); }),
            "error: pipeline:1:1: the pipeline is empty");
}

TEST(Apply, AnInvalidResultLeavesTheProgramAsItWas) {
  ir::Program p = dead_map_program();
  const ir::Program before = p;
  BreaksProgram t;
  const auto found = find_matches(p, t);
  ASSERT_EQ(found.matches.size(), 2U);
  const std::string message = message_of([&] { apply_match(p, t, found.matches[0]); });
  EXPECT_NE(message.find("breaks-program: applying it to node 0 in state 'main' gave an invalid "
                         "program; nothing was changed"),
            std::string::npos)
      << message;
  EXPECT_EQ(p, before);
}

TEST(Apply, AThrowingTransformationLeavesTheProgramAsItWas) {
  ir::Program p = dead_map_program();
  const ir::Program before = p;
  ThrowsHalfway t;
  const auto found = find_matches(p, t);
  EXPECT_EQ(message_of([&] { apply_match(p, t, found.matches[0]); }),
            "error: throws-halfway: cannot finish");
  EXPECT_EQ(p, before);
}

TEST(Apply, AStaleMatchIsRefusedWithTheReason) {
  ir::Program p = dead_map_program();
  const Transformation& dde = Registry::global().get("dead-dataflow-elimination");
  const auto found = find_matches(p, dde);
  ASSERT_EQ(found.matches.size(), 1U);
  EXPECT_EQ(found.matches[0].nodes, (std::vector<ir::NodeId>{ir::NodeId(0), ir::NodeId(2)}));
  const auto edits = apply_match(p, dde, found.matches[0]).edits;
  EXPECT_FALSE(edits.empty());
  EXPECT_FALSE(p.find_container("T").has_value());
  // The live map is a candidate only; asking for it names the reason.
  Match live = found.matches[0];
  live.nodes = {ir::NodeId(3), ir::NodeId(5)};
  EXPECT_EQ(message_of([&] { apply_match(p, dde, live); }),
            "error: dead-dataflow-elimination: does not apply to nodes 3, 5 in state 'main': it "
            "writes the program argument 'Y'");
}

TEST(Apply, SelectionKeepsMatchesTouchingIt) {
  const ir::Program p = dead_map_program();
  BreaksProgram t;
  Selection selection{{{Scope{p.start_state, {}}, ir::NodeId(3)}}};
  const auto found = find_matches(p, t, {}, &selection);
  ASSERT_EQ(found.matches.size(), 1U);
  EXPECT_EQ(found.matches[0].nodes[0], ir::NodeId(3));
}

TEST(Recipe, RoundTripsThroughJsonAndReplaysBitForBit) {
  ir::Program original = dead_map_program();
  ir::Program optimized = original;
  const Registry& r = Registry::global();
  const Recipe recipe = run_pipeline(optimized, parse_pipeline("dead-dataflow-elimination", r), r);
  ASSERT_EQ(recipe.steps.size(), 1U);
  const std::string json = recipe_to_json(recipe);
  EXPECT_EQ(recipe_from_json(json, "r.json"), recipe);
  ir::Program replayed = original;
  replay(replayed, recipe_from_json(json, "r.json"), r);
  EXPECT_EQ(ir::print_text(replayed), ir::print_text(optimized));
  EXPECT_EQ(replayed, optimized);
}

TEST(Recipe, AStepThatNoLongerAppliesNamesTheStepAndLeavesTheProgram) {
  ir::Program p = dead_map_program();
  const ir::Program before = p;
  Recipe recipe;
  recipe.steps.push_back(
      {"dead-dataflow-elimination", {}, {ir::StateId(0), {}}, {ir::NodeId(0), ir::NodeId(2)}});
  recipe.steps.push_back(recipe.steps[0]);  // the same nodes again: gone after step 1
  const std::string message = message_of([&] { replay(p, recipe, Registry::global()); });
  EXPECT_NE(message.find("error: recipe step 2 of 2 (dead-dataflow-elimination on nodes 0, 2 in "
                         "state 'main'): no longer applies"),
            std::string::npos)
      << message;
  EXPECT_EQ(p, before);
}

TEST(Recipe, MalformedJsonNamesTheProblem) {
  EXPECT_EQ(
      message_of([] { recipe_from_json("{", "r.json"); }).rfind("error: r.json: not valid JSON", 0),
      0U);
  EXPECT_EQ(message_of([] { recipe_from_json(R"({"steps": []})", "r.json"); }),
            "error: r.json: not a Sluice recipe (no \"sluice_recipe\" version field)");
  EXPECT_EQ(message_of([] { recipe_from_json(R"({"sluice_recipe": 9, "steps": []})", "r.json"); }),
            "error: r.json: recipe format version 9; this Sluice reads version 1");
  EXPECT_EQ(message_of([] {
              recipe_from_json(
                  R"({"sluice_recipe": 1, "steps": [{"transformation": "x", "state": 0}]})",
                  "r.json");
            }),
            "error: r.json: step 1: missing \"nodes\"");
  EXPECT_EQ(
      message_of([] {
        recipe_from_json(
            R"({"sluice_recipe": 1, "steps": [{"transformation": "x", "state": -1, "nodes": []}]})",
            "r.json");
      }),
      "error: r.json: step 1: expected a node or state id (a non-negative integer), got -1");
}

TEST(History, UndoRedoAndPreview) {
  History h(dead_map_program());
  const ir::Program original = h.program();
  const Transformation& dde = Registry::global().get("dead-dataflow-elimination");
  const Match m = find_matches(h.program(), dde).matches.at(0);
  const ir::Program preview = h.preview(dde, m);
  EXPECT_EQ(h.program(), original);  // a preview changes nothing
  h.apply(dde, m);
  EXPECT_EQ(h.program(), preview);
  EXPECT_EQ(h.recipe().steps.size(), 1U);
  EXPECT_TRUE(h.undo());
  EXPECT_EQ(h.program(), original);
  EXPECT_FALSE(h.undo());
  EXPECT_TRUE(h.redo());
  EXPECT_EQ(h.program(), preview);
  EXPECT_FALSE(h.redo());
}

TEST(CostModel, PredictsTheBytesADeadMapMoved) {
  const ir::Program p = dead_map_program();
  const Transformation& dde = Registry::global().get("dead-dataflow-elimination");
  const Match m = find_matches(p, dde).matches.at(0);
  const Prediction pred = predict(p, dde, m, {}, {{"N", 1000}});
  // The dead map read X (4000 bytes) and wrote T (4000 bytes).
  ASSERT_TRUE(pred.bytes_saved.has_value());
  EXPECT_DOUBLE_EQ(*pred.bytes_saved, 8000.0);
  ASSERT_TRUE(pred.seconds_saved.has_value());
  EXPECT_NEAR(*pred.seconds_saved, 8000.0 / Machine{}.bytes_per_second, 1e-12);
  // Without a value for N the saving stays symbolic.
  EXPECT_FALSE(predict(p, dde, m).bytes_saved.has_value());
  EXPECT_EQ((pred.bytes_before - pred.bytes_after).str(), "8*N");
}

}  // namespace
}  // namespace sluice::transforms
