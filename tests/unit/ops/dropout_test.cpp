// Dropout in training mode, run by the reference interpreter: the mask is a function of
// (seed, offset, element index), reproducible and fresh per offset; the offset comes from the
// attribute or from input 3, which takes precedence.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ir/tasklet.h"
#include "op_test_support.h"

namespace sluice::ops::testing {
namespace {

Node dropout(const std::vector<double>& x, std::int64_t seed, std::int64_t offset,
             double ratio = 0.5) {
  const auto n = static_cast<std::int64_t>(x.size());
  return {
      "Dropout",
      {{"ratio", ratio}, {"training_mode", std::int64_t{1}}, {"seed", seed}, {"offset", offset}},
      {f32({2, n / 2}, x)},
      {f32({2, n / 2}), boolean({2, n / 2})}};
}

std::vector<double> ramp(std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 1.0 + static_cast<double>(i);
  return v;
}

TEST(Dropout, MaskFollowsPhiloxAndScales) {
  const auto x = ramp(200);
  const auto out = run_node(dropout(x, 3, 11, 0.25));
  const auto scale = static_cast<double>(static_cast<float>(1.0 / 0.75));
  int kept = 0;
  for (std::size_t e = 0; e < x.size(); ++e) {
    const bool keep = ir::philox_uniform(3, 11, static_cast<std::int64_t>(e)) >= 0.25F;
    EXPECT_EQ(out[1][e], keep ? 1.0 : 0.0) << e;
    EXPECT_EQ(out[0][e], keep ? static_cast<double>(static_cast<float>(x[e] * scale)) : 0.0) << e;
    kept += keep ? 1 : 0;
  }
  EXPECT_GT(kept, 100);
  EXPECT_LT(kept, 200);
}

TEST(Dropout, SameSeedAndOffsetSameMaskOtherOffsetOtherMask) {
  const auto x = ramp(256);
  const auto a = run_node(dropout(x, 42, 0));
  const auto b = run_node(dropout(x, 42, 0));
  const auto c = run_node(dropout(x, 42, 1));
  const auto d = run_node(dropout(x, 43, 0));
  EXPECT_EQ(a, b);
  EXPECT_NE(a[1], c[1]);
  EXPECT_NE(a[1], d[1]);
}

TEST(Dropout, OffsetInputTakesPrecedence) {
  const auto x = ramp(64);
  Node from_input = dropout(x, 5, 0);
  from_input.inputs = {f32({2, 32}, x), absent(), absent(), i64({1}, {9})};
  EXPECT_EQ(run_node(from_input), run_node(dropout(x, 5, 9)));
  EXPECT_NE(run_node(from_input)[1], run_node(dropout(x, 5, 0))[1]);
  from_input.inputs[3] = i64({}, {9});  // a scalar works too
  EXPECT_EQ(run_node(from_input), run_node(dropout(x, 5, 9)));
}

TEST(Dropout, InferenceAndZeroRatioAreTheIdentity) {
  const auto x = ramp(8);
  Node inference = dropout(x, 1, 2);
  inference.attributes.erase("training_mode");
  EXPECT_EQ(run_node(inference), (std::vector<std::vector<double>>{x, std::vector<double>(8, 1)}));
  Node zero = dropout(x, 1, 2, 0.0);
  EXPECT_EQ(run_node(zero), (std::vector<std::vector<double>>{x, std::vector<double>(8, 1)}));
}

}  // namespace
}  // namespace sluice::ops::testing
