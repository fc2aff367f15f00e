// Every ONNX backend node test of the compute ops (inputs and expected outputs from onnx's own
// reference; tests/unit/ops/data/onnx_compute_cases.txt, made by make_onnx_compute_cases.py),
// expanded, verified and run by the reference interpreter.

#include <cmath>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "ir/tasklet.h"
#include "op_case_util.h"
#include "ops/expansion.h"

namespace sluice::ops::testing {
namespace {

// Random Dropout masks and batch statistics: training mode (with a ratio of zero, Dropout in
// training mode is the identity and runs).
bool training(const OpCase& c) {
  return c.name.find("training") != std::string::npos &&
         c.name.find("zero_ratio") == std::string::npos;
}

std::vector<OpCase> all_cases() {
  return load_cases(std::string(SLUICE_SOURCE_DIR) + "/tests/unit/ops/data/onnx_compute_cases.txt");
}

// Dropout and BatchNormalization in training mode are checked below.
std::vector<OpCase> compute_cases() {
  std::vector<OpCase> cases;
  for (OpCase& c : all_cases()) {
    if (training(c)) continue;
    // f16 results are rounded to half precision by onnx; the interpreter computes in double.
    for (const auto& out : c.outputs)
      if (out.dtype == ir::DType::f16) c.tolerance = 2e-3;
    cases.push_back(std::move(c));
  }
  return cases;
}

class OnnxComputeCase : public ::testing::TestWithParam<OpCase> {};

TEST_P(OnnxComputeCase, MatchesReference) { check_case(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Onnx, OnnxComputeCase, ::testing::ValuesIn(compute_cases()),
                         [](const ::testing::TestParamInfo<OpCase>& info) {
                           return info.param.name.substr(5);  // drop "test_"
                         });

// Dropout in training mode draws its mask from philox_uniform(seed, offset, element), not from
// numpy's generator as onnx's reference does: the expected values are recomputed here from the
// generator, so the case checks the mask rule, the scaling and the mask output.
TEST(OnnxComputeCases, TrainingDropoutUsesPhilox) {
  int checked = 0;
  for (OpCase c : all_cases()) {
    if (!training(c) || c.op != "Dropout") continue;
    const double ratio = std::get<double>(c.attributes.at("ratio"));
    const std::int64_t seed = std::get<std::int64_t>(c.attributes.at("seed"));
    const double threshold = std::ceil(ratio * 16777216.0) / 16777216.0;
    const auto scale = static_cast<double>(static_cast<float>(1.0 / (1.0 - ratio)));
    const std::vector<double>& a = c.inputs.at(0)->values;
    for (std::size_t e = 0; e < a.size(); ++e) {
      const bool keep = ir::philox_uniform(seed, 0, static_cast<std::int64_t>(e)) >= threshold;
      c.outputs[0].values[e] = keep ? static_cast<double>(static_cast<float>(a[e] * scale)) : 0.0;
      if (c.outputs.size() > 1) c.outputs[1].values[e] = keep ? 1.0 : 0.0;
    }
    c.tolerance = 1e-6;  // the interpreter and this loop round a * scale alike, or nearly
    check_case(c);
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

// Training mode normalizes with the batch's statistics and updates the running ones.
TEST(OnnxComputeCases, TrainingBatchNormalizationMatchesReference) {
  int checked = 0;
  for (const OpCase& c : all_cases()) {
    if (!training(c) || c.op == "Dropout") continue;
    SCOPED_TRACE(c.name);
    check_case(c);
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

}  // namespace
}  // namespace sluice::ops::testing
