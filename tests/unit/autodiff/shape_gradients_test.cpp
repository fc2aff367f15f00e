// Finite-difference checks (float64) of the shape and indexing ops' gradient rules.

#include <gtest/gtest.h>

#include "gradient_check.h"

namespace sluice::autodiff::testing {
namespace {

TEST(ShapeGradients, Identity) { check_gradient({"Identity", {{"X", {3, 4}}}, {{3, 4}}}); }

TEST(ShapeGradients, Transpose) {
  check_gradient({"Transpose",
                  {{"X", {2, 3, 4}}},
                  {{4, 2, 3}},
                  {{"perm", std::vector<std::int64_t>{2, 0, 1}}}});
}

TEST(ShapeGradients, TransposeWithoutPermReversesTheDims) {
  check_gradient({"Transpose", {{"X", {2, 3, 4}}}, {{4, 3, 2}}});
}

}  // namespace
}  // namespace sluice::autodiff::testing
