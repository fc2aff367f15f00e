// Mixed precision on a training step (transforms/global/mixed_precision.cpp): a small MLP with
// a LayerNorm, a tanh (smooth: a ReLU whose input is within bf16's rounding of 0 may switch
// its gradient between the two runs) and a softmax cross entropy, trained with and without bf16
// activations from the same random start (seed printed; SLUICE_TEST_SEED repeats one): the losses
// and the updated parameters agree within bf16's error, and the master weights, optimizer state and
// gradients stay f32 in the IR.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "ir/text_format.h"
#include "pipeline/compiled_model.h"
#include "pipeline/training_model.h"

namespace sluice::pipeline {
namespace {

constexpr const char* kMlp = R"(program mlp {
  array x: f32[8, 6]
  array w1: f32[6, 16]
  array b1: f32[16]
  array gamma: f32[16]
  array beta: f32[16]
  array w2: f32[16, 3]
  array b2: f32[3]
  array h: f32[8, 16] transient
  array a: f32[8, 16] transient
  array r: f32[8, 16] transient
  array n: f32[8, 16] transient
  array z: f32[8, 3] transient
  array logits: f32[8, 3]
  state 0 "main" start {
    node 0 = access x
    node 1 = access w1
    node 2 = library "fc1" MatMul (in0, in1) -> (out0)
    node 3 = access h
    node 4 = access b1
    node 5 = library "bias1" Add (in0, in1) -> (out0)
    node 6 = access a
    node 9 = access gamma
    node 10 = access beta
    node 11 = library "norm" LayerNormalization (in0, in1, in2) -> (out0) {axis=-1, epsilon=1e-05}
    node 12 = access n
    node 7 = library "act" Tanh (in0) -> (out0)
    node 8 = access r
    node 13 = access w2
    node 14 = library "fc2" MatMul (in0, in1) -> (out0)
    node 15 = access z
    node 16 = access b2
    node 17 = library "bias2" Add (in0, in1) -> (out0)
    node 18 = access logits
    edge 0: node 0 -> node 2.in0 x[0:8, 0:6]
    edge 1: node 1 -> node 2.in1 w1[0:6, 0:16]
    edge 2: node 2.out0 -> node 3 h[0:8, 0:16]
    edge 3: node 3 -> node 5.in0 h[0:8, 0:16]
    edge 4: node 4 -> node 5.in1 b1[0:16]
    edge 5: node 5.out0 -> node 6 a[0:8, 0:16]
    edge 6: node 6 -> node 11.in0 a[0:8, 0:16]
    edge 9: node 9 -> node 11.in1 gamma[0:16]
    edge 10: node 10 -> node 11.in2 beta[0:16]
    edge 11: node 11.out0 -> node 12 n[0:8, 0:16]
    edge 7: node 12 -> node 7.in0 n[0:8, 0:16]
    edge 8: node 7.out0 -> node 8 r[0:8, 0:16]
    edge 12: node 8 -> node 14.in0 r[0:8, 0:16]
    edge 13: node 13 -> node 14.in1 w2[0:16, 0:3]
    edge 14: node 14.out0 -> node 15 z[0:8, 0:3]
    edge 15: node 15 -> node 17.in0 z[0:8, 0:3]
    edge 16: node 16 -> node 17.in1 b2[0:3]
    edge 17: node 17.out0 -> node 18 logits[0:8, 0:3]
  }
})";

unsigned test_seed() {
  if (const char* s = std::getenv("SLUICE_TEST_SEED")) return static_cast<unsigned>(std::stoul(s));
  return std::random_device{}();
}

ir::Tensor random_tensor(std::vector<std::int64_t> shape, float scale, std::mt19937& rng) {
  ir::Tensor t = ir::Tensor::zeros(ir::DType::f32, std::move(shape));
  std::normal_distribution<float> normal(0.0F, scale);
  for (std::int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = normal(rng);
  return t;
}

/// The imported-like model: the program above, its parameters random (gamma near 1).
frontends::Model mlp_model(std::mt19937& rng) {
  frontends::Model m;
  m.program = ir::parse_text(kMlp, "mlp");
  m.inputs = {{"x", "x"}};
  m.outputs = {{"logits", "logits"}};
  const std::map<std::string, std::vector<std::int64_t>> shapes{
      {"w1", {6, 16}}, {"b1", {16}}, {"gamma", {16}}, {"beta", {16}}, {"w2", {16, 3}}, {"b2", {3}}};
  for (const auto& [name, shape] : shapes) {
    m.parameters.push_back({name, name});
    m.constants[name] = random_tensor(shape, 0.5F, rng);
  }
  for (std::int64_t i = 0; i < 16; ++i) m.constants["gamma"].data<float>()[i] += 1.0F;
  return m;
}

class MixedPrecisionTraining : public ::testing::Test {
protected:
  void SetUp() override {
    setenv("SLUICE_CACHE_DIR",
           (std::filesystem::temp_directory_path() / "sluice_pipeline_test_cache").c_str(), 1);
  }
};

TEST_F(MixedPrecisionTraining, Bf16StepFollowsF32AndKeepsMasterWeightsF32) {
  const unsigned seed = test_seed();
  std::cout << "[ seed ] SLUICE_TEST_SEED=" << seed << "\n";
  std::mt19937 rng(seed);
  const frontends::Model model = mlp_model(rng);
  TrainingOptions f32;
  // SGD with momentum: its update follows the gradient's error linearly (Adam's normalized one
  // can flip for a gradient near zero), and it keeps a velocity per parameter.
  f32.optimizer = "sgd";
  f32.lr = 0.1;
  f32.momentum = 0.9;
  TrainingOptions bf16 = f32;
  bf16.precision = "bf16";
  const frontends::Model mixed_step = training_step(model, bf16);

  // The IR: activations and their gradients are bf16, what persists is f32.
  const ir::Program& p = mixed_step.program;
  const auto dtype = [&](const std::string& name) {
    const auto id = p.find_container(name);
    EXPECT_TRUE(id.has_value()) << name;
    return id ? p.containers[*id].dtype : ir::DType::boolean;
  };
  for (const char* name : {"h", "a", "r", "n", "z", "logits"})
    EXPECT_EQ(dtype(name), ir::DType::bf16) << name;
  for (const auto& param : model.parameters) {
    EXPECT_EQ(dtype(param.container), ir::DType::f32) << param.container;
    EXPECT_EQ(dtype(param.container + "_grad"), ir::DType::f32) << param.container;
    EXPECT_EQ(dtype(param.container + "_velocity"), ir::DType::f32) << param.container;
  }
  EXPECT_EQ(dtype("loss"), ir::DType::f32);
  EXPECT_EQ(dtype("optimizer_step"), ir::DType::f32);
  EXPECT_EQ(dtype("x"), ir::DType::f32);
  std::size_t casts = 0;
  for (const ir::StateId s : p.states.ids())
    for (const ir::NodeId n : p.states[s].graph.node_ids())
      if (const auto* lib = std::get_if<ir::LibraryNode>(&p.states[s].graph.node(n)))
        casts += lib->op == "Cast" ? 1 : 0;
  EXPECT_GT(casts, 0U);

  CompiledModel reference = CompiledModel::from_model(training_step(model, f32));
  CompiledModel mixed = CompiledModel::from_model(mixed_step);
  for (int step = 0; step < 5; ++step) {
    std::map<std::string, ir::Tensor> feed{{"x", random_tensor({8, 6}, 1.0F, rng)}};
    ir::Tensor target = ir::Tensor::zeros(ir::DType::i64, {8});
    std::uniform_int_distribution<std::int64_t> cls(0, 2);
    for (std::int64_t i = 0; i < 8; ++i) target.data<std::int64_t>()[i] = cls(rng);
    feed["target"] = target;
    const float want = *reference.run(feed).at("loss").data<float>();
    const float got = *mixed.run(feed).at("loss").data<float>();
    EXPECT_NEAR(got, want, 1e-2 * std::abs(want) + 1e-3) << "loss, step " << step;
  }
  // Per tensor, in norm: an element whose gradient is a sum that nearly cancels can differ by
  // more than bf16's 2^-8, the tensor as a whole cannot. The update (after - before) must agree
  // too (within 10%), or a step that barely moved would pass on its own.
  const auto want = reference.parameters();
  const auto got = mixed.parameters();
  for (const auto& [name, tensor] : want) {
    const ir::Tensor& other = got.at(name);
    ASSERT_EQ(other.dtype, ir::DType::f32) << name;
    ASSERT_EQ(other.num_elements(), tensor.num_elements()) << name;
    const ir::Tensor& before = model.constants.at(name);
    double diff = 0;
    double norm = 0;
    double moved = 0;
    for (std::int64_t i = 0; i < tensor.num_elements(); ++i) {
      const double w = tensor.data<float>()[i];
      diff += std::pow(other.data<float>()[i] - w, 2);
      norm += w * w;
      moved += std::pow(w - before.data<float>()[i], 2);
    }
    std::cout << "[ " << name << " ] |mixed - f32| " << std::sqrt(diff) << ", |f32| "
              << std::sqrt(norm) << ", |f32 update| " << std::sqrt(moved) << "\n";
    // (A bias may end up near zero: then its update is the scale.)
    EXPECT_LT(std::sqrt(diff), 1e-2 * std::max(std::sqrt(norm), std::sqrt(moved)))
        << name << " after 5 steps";
    EXPECT_LT(std::sqrt(diff), 1e-1 * std::sqrt(moved)) << name << "'s update over 5 steps";
  }
}

TEST_F(MixedPrecisionTraining, UnknownPrecisionIsRefused) {
  std::mt19937 rng(1);
  TrainingOptions options;
  options.precision = "f64";
  try {
    (void)training_step(mlp_model(rng), options);
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(
        std::string(e.what()).find("--precision f64: unknown precision (known: f32, bf16, f16)"),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sluice::pipeline
