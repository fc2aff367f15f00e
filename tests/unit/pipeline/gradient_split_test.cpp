// The gradient program split in two (pipeline/gradient_model.h, split_gradients): the saving
// forward and the backward from saved values, composed, give the combined program's gradients
// on random inputs; the backward holds none of the forward's nodes; recipes in CompileOptions.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "frontends/onnx/onnx_importer.h"
#include "ir/diagnostic.h"
#include "pipeline/compiled_model.h"
#include "pipeline/gradient_model.h"
#include "transforms/pipeline.h"
#include "transforms/registry.h"

namespace sluice::pipeline {
namespace {

// A linear layer, GeLU (as torch exports it: Div, Erf, Add, Mul, Mul), a second MatMul.
const std::string kModel = std::string(SLUICE_SOURCE_DIR) + "/tests/data/cli/linear_gelu.onnx";

class GradientSplitTest : public ::testing::Test {
protected:
  void SetUp() override {
    cache_ = std::filesystem::temp_directory_path() / "sluice_pipeline_test_cache";
    setenv("SLUICE_CACHE_DIR", cache_.c_str(), 1);
  }
  std::filesystem::path cache_;
};

std::uint64_t fresh_seed() {
  if (const char* s = std::getenv("SLUICE_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

ir::Tensor random_tensor(std::vector<std::int64_t> shape, std::mt19937_64& rng) {
  ir::Tensor t = ir::Tensor::zeros(ir::DType::f32, std::move(shape));
  std::normal_distribution<float> normal;
  for (std::int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = normal(rng);
  return t;
}

std::size_t count_library_nodes(const ir::Program& program, const std::string& op = "") {
  std::size_t n = 0;
  for (const ir::StateId s : program.states.ids()) {
    const ir::Graph& g = program.states[s].graph;
    for (const ir::NodeId id : g.node_ids()) {
      const auto* lib = std::get_if<ir::LibraryNode>(&g.node(id));
      n += lib != nullptr && (op.empty() || lib->op == op) ? 1 : 0;
    }
  }
  return n;
}

void expect_near(const ir::Tensor& got, const ir::Tensor& want, const std::string& name) {
  ASSERT_EQ(got.shape, want.shape) << name;
  for (std::int64_t i = 0; i < got.num_elements(); ++i) {
    const float w = want.data<float>()[i];
    EXPECT_NEAR(got.data<float>()[i], w, 1e-5F * (1.0F + std::abs(w))) << name << " element " << i;
  }
}

frontends::Model import_model() {
  frontends::ImportOptions options;
  options.keep_parameters = true;
  return frontends::import_onnx_file(kModel, options);
}

TEST_F(GradientSplitTest, SavedValuesAreWhatTheBackwardReadsAndNoForwardNodeIsLeft) {
  const frontends::Model model = import_model();
  const frontends::Model combined = with_gradients(model);
  const SplitGradients split = split_gradients(model);
  const std::size_t forward_nodes = count_library_nodes(model.program);
  EXPECT_EQ(count_library_nodes(split.forward.program), forward_nodes);
  EXPECT_EQ(count_library_nodes(split.backward.program),
            count_library_nodes(combined.program) - forward_nodes);
  // The forward's two MatMuls are not recomputed: the backward's MatMuls are the gradients'.
  EXPECT_EQ(count_library_nodes(split.backward.program, "MatMul"),
            count_library_nodes(combined.program, "MatMul") - 2);
  ASSERT_FALSE(split.saved.empty());
  for (const SavedValue& s : split.saved) {
    EXPECT_TRUE(s.name.ends_with(kSavedSuffix)) << s.name;
    const auto& outs = split.forward.outputs;
    EXPECT_TRUE(std::any_of(outs.begin(), outs.end(),
                            [&](const frontends::ModelValue& v) {
                              return v.onnx_name == s.forward_output && v.container == s.container;
                            }))
        << s.name << " is not an output of the forward";
    const auto& ins = split.backward.inputs;
    EXPECT_TRUE(std::any_of(ins.begin(), ins.end(),
                            [&](const frontends::ModelValue& v) {
                              return v.onnx_name == s.name && v.container == s.container;
                            }))
        << s.name << " is not an input of the backward";
  }
}

TEST_F(GradientSplitTest, ForwardThenBackwardGivesTheCombinedGradients) {
  const std::uint64_t seed = fresh_seed();
  std::cout << "GradientSplitTest seed: " << seed << "\n";
  SCOPED_TRACE("SLUICE_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const bool parameters_as_inputs : {false, true}) {
    SCOPED_TRACE(parameters_as_inputs ? "parameters as inputs" : "parameters as constants");
    CompileOptions options;
    options.parameters_as_inputs = parameters_as_inputs;
    options.gradients = Gradients::Combined;
    CompiledModel combined = CompiledModel::from_onnx_file(kModel, options);
    options.gradients = Gradients::SavingForward;
    CompiledModel forward = CompiledModel::from_onnx_file(kModel, options);
    options.gradients = Gradients::BackwardFromSaved;
    CompiledModel backward = CompiledModel::from_onnx_file(kModel, options);

    std::map<std::string, ir::Tensor> given;
    for (const ValueInfo& v : combined.inputs()) {
      std::vector<std::int64_t> shape;
      for (const ir::Expr& d : v.shape) shape.push_back(d.evaluate({}));
      given.emplace(v.name, random_tensor(shape, rng));
    }
    const auto want = combined.run(given);

    std::map<std::string, ir::Tensor> forward_feed;
    for (const ValueInfo& v : forward.inputs()) forward_feed.emplace(v.name, given.at(v.name));
    const auto forward_out = forward.run(forward_feed);
    for (const auto& [name, tensor] : forward_out) {
      if (name.ends_with(kSavedSuffix)) continue;
      expect_near(tensor, want.at(name), name);
    }

    std::map<std::string, ir::Tensor> backward_feed;
    for (const ValueInfo& v : backward.inputs()) {
      if (!v.name.ends_with(kSavedSuffix)) {
        backward_feed.emplace(v.name, given.at(v.name));
        continue;
      }
      const std::string stripped = v.name.substr(0, v.name.size() - kSavedSuffix.size());
      backward_feed.emplace(
          v.name, forward_out.contains(v.name) ? forward_out.at(v.name) : forward_out.at(stripped));
    }
    const auto got = backward.run(backward_feed);
    std::size_t gradients = 0;
    for (const auto& [name, tensor] : want) {
      if (!name.ends_with(kGradSuffix)) continue;
      ++gradients;
      ASSERT_TRUE(got.contains(name)) << name;
      expect_near(got.at(name), tensor, name);
    }
    EXPECT_EQ(got.size(), gradients);
    EXPECT_GE(gradients, 4U);  // x, w1, b1, w2 (and GeLU's constants)
  }
}

TEST_F(GradientSplitTest, ARecordedRecipeReplaysAndAStepThatDoesNotApplyIsNamed) {
  // Record the default pipeline on the backward's imported program, replay it at compile time.
  CompileOptions options;
  options.gradients = Gradients::BackwardFromSaved;
  frontends::Model backward = split_gradients(import_model()).backward;
  ir::Program work = backward.program;
  const auto& registry = transforms::Registry::global();
  const transforms::Recipe recipe = transforms::run_pipeline(
      work, transforms::parse_pipeline(std::string(kDefaultPipeline), registry), registry);
  ASSERT_FALSE(recipe.steps.empty());
  options.recipe = recipe;
  CompiledModel replayed = CompiledModel::from_onnx_file(kModel, options);
  EXPECT_EQ(replayed.program(), CompiledModel::from_onnx_file(kModel,
                                                              [] {
                                                                CompileOptions o;
                                                                o.gradients =
                                                                    Gradients::BackwardFromSaved;
                                                                return o;
                                                              }())
                                    .program());
  // The backward's recipe does not fit the forward: the error names the step.
  options.gradients = Gradients::SavingForward;
  try {
    (void)CompiledModel::from_onnx_file(kModel, options);
    ADD_FAILURE() << "a recipe recorded on another program replayed";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("recipe step"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sluice::pipeline
