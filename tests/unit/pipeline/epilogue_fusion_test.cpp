// epilogue-fusion through CompiledModel: the linear layer + GeLU that torch 1.13 exports
// (tests/data/cli/linear_gelu.onnx: MatMul, bias Add, Div, Erf, Add, Mul, Mul, then a second
// MatMul) compiled with the default pipeline plus epilogue-fusion computes what the default
// pipeline alone computes, and what numpy computed; the bias + GeLU became the first MatMul's
// epilogue (a BLAS call panel by panel), and its pure expansion agrees too.
#include <filesystem>

#include <gtest/gtest.h>

#include "ir/epilogue.h"
#include "pipeline/compiled_model.h"
#include "pipeline/default_pipeline.h"
#include "pipeline/npz.h"

namespace sluice::pipeline {
namespace {

const std::string kData = std::string(SLUICE_SOURCE_DIR) + "/tests/data/cli/";

void expect_close(const ir::Tensor& got, const ir::Tensor& want, float tolerance) {
  ASSERT_EQ(got.dtype, want.dtype);
  ASSERT_EQ(got.shape, want.shape);
  for (std::int64_t i = 0; i < got.num_elements(); ++i)
    EXPECT_NEAR(got.data<float>()[i], want.data<float>()[i], tolerance) << "element " << i;
}

int epilogues(const ir::Program& program) {
  int n = 0;
  for (const ir::StateId s : program.states.ids()) {
    const ir::Graph& g = program.states[s].graph;
    for (const ir::NodeId id : g.node_ids())
      if (const auto* lib = std::get_if<ir::LibraryNode>(&g.node(id)))
        n += ir::epilogue_code(*lib) != nullptr ? 1 : 0;
  }
  return n;
}

class EpilogueFusionModel : public ::testing::Test {
protected:
  void SetUp() override {
    setenv("SLUICE_CACHE_DIR",
           (std::filesystem::temp_directory_path() / "sluice_epilogue_test_cache").c_str(), 1);
  }
};

TEST_F(EpilogueFusionModel, LinearGeluMatchesTheUnfusedProgram) {
  const auto inputs = read_npz(kData + "gelu_inputs.npz");
  CompileOptions plain;
  CompiledModel unfused = CompiledModel::from_onnx_file(kData + "linear_gelu.onnx", plain);
  CompileOptions fused_options;
  // After the fusions, before in-place and buffer-reuse alias the GEMM's output.
  fused_options.pipeline = std::string(kDefaultPipeline);
  const std::string after = "normalization-fusion,";
  fused_options.pipeline.insert(fused_options.pipeline.find(after) + after.size(),
                                "epilogue-fusion,");
  CompiledModel fused = CompiledModel::from_onnx_file(kData + "linear_gelu.onnx", fused_options);
  EXPECT_EQ(epilogues(unfused.program()), 0);
  EXPECT_EQ(epilogues(fused.program()), 1) << "the bias + GeLU did not become an epilogue";
  EXPECT_NE(fused.source().find("openblas_set_num_threads(1)"), std::string::npos);
  const auto want = unfused.run(inputs).at("y");
  const auto got = fused.run(inputs).at("y");
  expect_close(got, want, 1e-5F);
  expect_close(got, read_npz(kData + "gelu_expected.npz").at("y"), 1e-4F);

  // Without BLAS the MatMuls stay library nodes through the pipeline (only the element-wise ops
  // expand), and the one with the epilogue expands into the contraction's maps and then the
  // epilogue's map.
  CompileOptions pure;
  pure.blas = false;
  pure.pipeline =
      "expand{impl=pure,op=Add},expand{impl=pure,op=Div},expand{impl=pure,op=Erf},"
      "expand{impl=pure,op=Mul},map-fusion,epilogue-fusion";
  CompiledModel expanded = CompiledModel::from_onnx_file(kData + "linear_gelu.onnx", pure);
  expect_close(expanded.run(inputs).at("y"), want, 1e-5F);
}

}  // namespace
}  // namespace sluice::pipeline
