// The end-to-end CPU path on small ONNX models (tests/data/cli/, made by make_cli_data.py):
// numbers against numpy's (expected.npz), input checking, caching.
#include "pipeline/compiled_model.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "pipeline/npz.h"

namespace sluice::pipeline {
namespace {

const std::string kData = std::string(SLUICE_SOURCE_DIR) + "/tests/data/cli/";

class CompiledModelTest : public ::testing::Test {
protected:
  void SetUp() override {
    cache_ = std::filesystem::temp_directory_path() / "sluice_pipeline_test_cache";
    setenv("SLUICE_CACHE_DIR", cache_.c_str(), 1);
  }
  std::filesystem::path cache_;
};

void expect_close(const ir::Tensor& got, const ir::Tensor& want, float tolerance) {
  ASSERT_EQ(got.dtype, want.dtype);
  ASSERT_EQ(got.shape, want.shape);
  for (std::int64_t i = 0; i < got.num_elements(); ++i)
    EXPECT_NEAR(got.data<float>()[i], want.data<float>()[i], tolerance) << "element " << i;
}

TEST_F(CompiledModelTest, MatchesNumpy) {
  CompiledModel model = CompiledModel::from_onnx_file(kData + "add_relu_matmul.onnx");
  ASSERT_EQ(model.inputs().size(), 2U);
  EXPECT_EQ(model.inputs()[0].name, "x");
  EXPECT_EQ(model.outputs()[0].name, "out");
  const auto outputs = model.run(read_npz(kData + "inputs.npz"));
  expect_close(outputs.at("out"), read_npz(kData + "expected.npz").at("out"), 1e-5F);
  // A second run on the same executable gives the same numbers.
  expect_close(model.run(read_npz(kData + "inputs.npz")).at("out"), outputs.at("out"), 0.0F);
}

TEST_F(CompiledModelTest, PureMatMulMatchesBlas) {
  CompileOptions pure;
  pure.blas = false;
  CompiledModel model = CompiledModel::from_onnx_file(kData + "add_relu_matmul.onnx", pure);
  const auto outputs = model.run(read_npz(kData + "inputs.npz"));
  expect_close(outputs.at("out"), read_npz(kData + "expected.npz").at("out"), 1e-5F);
}

TEST_F(CompiledModelTest, InputProblemsAreNamed) {
  CompiledModel model = CompiledModel::from_onnx_file(kData + "add_relu_matmul.onnx");
  const auto message = [&](const std::string& file) {
    try {
      model.run(read_npz(kData + file));
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("missing_input.npz").find("input 'bias': missing (expected f32[3])"),
            std::string::npos);
  EXPECT_NE(message("wrong_shape.npz").find("input 'x': expected f32[2, 3], got f32[2, 2]"),
            std::string::npos);
  EXPECT_NE(message("wrong_dtype.npz").find("input 'x': expected f32[2, 3], got f64[2, 3]"),
            std::string::npos);
  EXPECT_NE(message("extra_input.npz").find("input 'z': the model has no such input"),
            std::string::npos);
}

TEST_F(CompiledModelTest, KernelTimesNameEveryKernel) {
  CompiledModel model = CompiledModel::from_onnx_file(kData + "add_relu_matmul.onnx");
  (void)model.run(read_npz(kData + "inputs.npz"));
  const auto times = model.kernel_times();
  ASSERT_FALSE(times.empty());
  std::set<std::string> names;
  for (const auto& k : times) {
    EXPECT_FALSE(k.kernel.empty());
    EXPECT_GE(k.seconds, 0.0);
    names.insert(k.kernel);
  }
  // The default pipeline fuses the Add into the Relu that reads it; MatMul is a BLAS call.
  EXPECT_EQ(names, (std::set<std::string>{"relu", "matmul"}));
}

TEST_F(CompiledModelTest, WithoutPipelineEachNodeIsAKernel) {
  CompileOptions none;
  none.pipeline.clear();
  CompiledModel model = CompiledModel::from_onnx_file(kData + "add_relu_matmul.onnx", none);
  const auto outputs = model.run(read_npz(kData + "inputs.npz"));
  expect_close(outputs.at("out"), read_npz(kData + "expected.npz").at("out"), 1e-5F);
  std::set<std::string> names;
  for (const auto& k : model.kernel_times()) names.insert(k.kernel);
  EXPECT_EQ(names, (std::set<std::string>{"add", "relu", "matmul"}));
}

TEST_F(CompiledModelTest, DefaultPipelineIsTheSampleRecipe) {
  std::ifstream in(std::string(SLUICE_SOURCE_DIR) + "/samples/recipes/default.pipeline");
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, kDefaultPipeline);
  EXPECT_EQ(CompileOptions{}.pipeline, kDefaultPipeline);
}

TEST_F(CompiledModelTest, AnUnknownTransformationIsAUserError) {
  CompileOptions bad;
  bad.pipeline = "expand,map-fuse";
  try {
    (void)CompiledModel::from_onnx_file(kData + "add_relu_matmul.onnx", bad);
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown transformation 'map-fuse'"), std::string::npos)
        << e.what();
  }
}

// A transformer (attention with masks, LayerNorm, GeLU, two blocks) compiled with the default
// pipeline and with none: the same numbers, from fewer kernels.
TEST_F(CompiledModelTest, DefaultPipelineKeepsATransformersNumbers) {
  const std::string path = std::string(SLUICE_SOURCE_DIR) + "/samples/models/tiny_transformer.onnx";
  CompileOptions none;
  none.pipeline.clear();
  CompiledModel plain = CompiledModel::from_onnx_file(path, none);
  CompiledModel fused = CompiledModel::from_onnx_file(path);
  const auto seed = std::random_device{}();
  std::cout << "[ seed ] " << seed << "\n";
  std::mt19937 rng(seed);
  std::map<std::string, ir::Tensor> inputs;
  inputs["tokens"] = ir::Tensor::zeros(ir::DType::i64, {1, 16});
  inputs["mask"] = ir::Tensor::zeros(ir::DType::f32, {1, 16});
  for (int i = 0; i < 16; ++i) {
    inputs["tokens"].data<std::int64_t>()[i] = std::uniform_int_distribution<int>(0, 63)(rng);
    inputs["mask"].data<float>()[i] = i < 12 ? 1.0F : 0.0F;
  }
  const auto want = plain.run(inputs).at("logits");
  const auto got = fused.run(inputs).at("logits");
  expect_close(got, want, 1e-4F);
  EXPECT_LT(fused.kernel_times().size(), plain.kernel_times().size());
}

}  // namespace
}  // namespace sluice::pipeline
