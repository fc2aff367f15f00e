// Constant folding, checked on values: every output of folding_ops.onnx but `y` is computed at
// import, so it is a constant of the model with exactly the value ONNX defines.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "frontends/onnx/onnx_importer.h"

namespace sluice::frontends {
namespace {

class onnx_folding : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    ImportOptions options;
    options.check_supported = false;
    model_ = new Model(import_onnx_file(
        std::string(SLUICE_SOURCE_DIR) + "/tests/data/onnx/folding_ops.onnx", options));
  }
  static void TearDownTestSuite() { delete model_; }

  template <typename T>
  static std::vector<T> values(const std::string& name, ir::DType dtype,
                               const std::vector<std::int64_t>& shape) {
    const auto it = model_->constants.find(name);
    EXPECT_NE(it, model_->constants.end()) << name;
    if (it == model_->constants.end()) return {};
    EXPECT_EQ(it->second.dtype, dtype) << name;
    EXPECT_EQ(it->second.shape, shape) << name;
    return std::vector<T>(it->second.data<T>(), it->second.data<T>() + it->second.num_elements());
  }
  static std::vector<std::int64_t> ints(const std::string& name,
                                        const std::vector<std::int64_t>& shape) {
    return values<std::int64_t>(name, ir::DType::i64, shape);
  }

  static Model* model_;
};
Model* onnx_folding::model_ = nullptr;

using I = std::vector<std::int64_t>;

TEST_F(onnx_folding, OnlyTheRuntimeNodeRemains) {
  const ir::Graph& g = model_->program.states[model_->program.start_state].graph;
  int libraries = 0;
  for (const ir::NodeId id : g.node_ids())
    libraries += std::holds_alternative<ir::LibraryNode>(g.node(id));
  EXPECT_EQ(libraries, 1);
  EXPECT_EQ(model_->outputs.size(), 18u);
  // Folded outputs are arguments whose values come with the model.
  for (const auto& out : model_->outputs) {
    if (out.onnx_name != "y") {
      EXPECT_TRUE(model_->constants.contains(out.container)) << out.onnx_name;
    }
  }
}

TEST_F(onnx_folding, Transpose) { EXPECT_EQ(ints("t", {3, 2}), (I{1, 4, 2, 5, 3, 6})); }
TEST_F(onnx_folding, SliceWithNegativeStep) { EXPECT_EQ(ints("s", {3}), (I{8, 5, 2})); }

TEST_F(onnx_folding, Flatten) {
  const auto f = values<float>("f", ir::DType::f32, {6, 4});
  ASSERT_EQ(f.size(), 24u);
  EXPECT_EQ(f[5], 5.0f);
}

TEST_F(onnx_folding, MinMax) {
  EXPECT_EQ(ints("mn", {3}), (I{1, 2, 3}));
  EXPECT_EQ(ints("mx", {3}), (I{4, 5, 6}));
}

TEST_F(onnx_folding, ModTakesTheDivisorsSignUnlessFmod) {
  EXPECT_EQ(ints("md", {2}), (I{2, -2}));
  EXPECT_EQ(ints("fm", {2}), (I{-1, 1}));
}

TEST_F(onnx_folding, GatherOnAxis1) { EXPECT_EQ(ints("g", {2, 1, 2}), (I{3, 1, 6, 4})); }

TEST_F(onnx_folding, FloatRangeDown) {
  EXPECT_EQ(values<float>("r", ir::DType::f32, {3}), (std::vector<float>{5.0f, 3.5f, 2.0f}));
}

TEST_F(onnx_folding, CastTruncates) { EXPECT_EQ(ints("ci", {2}), (I{1, -1})); }
TEST_F(onnx_folding, Expand) { EXPECT_EQ(ints("e", {2, 3}), (I{1, 1, 1, 2, 2, 2})); }

TEST_F(onnx_folding, SqueezeWithoutAxes) {
  EXPECT_EQ(values<float>("sq", ir::DType::f32, {3}).size(), 3u);
}

TEST_F(onnx_folding, EqualIsBool) {
  EXPECT_EQ(values<std::uint8_t>("eq", ir::DType::boolean, {3}),
            (std::vector<std::uint8_t>{0, 0, 0}));
}

TEST_F(onnx_folding, WhereBroadcastsScalars) { EXPECT_EQ(ints("w", {2}), (I{1, 2})); }
TEST_F(onnx_folding, UnsqueezeNegativeAxis) { EXPECT_EQ(ints("u", {3, 1}), (I{1, 5, 3})); }

TEST_F(onnx_folding, ConstantOfShapeDefaultsToFloatZero) {
  EXPECT_EQ(values<float>("zeros", ir::DType::f32, {2}), (std::vector<float>{0, 0}));
}

TEST_F(onnx_folding, ReshapeCopiesZeroAndInfersMinusOne) {
  EXPECT_EQ(ints("rs", {2, 3}), (I{1, 2, 3, 4, 5, 6}));
}

}  // namespace
}  // namespace sluice::frontends
