// Gradient rules: shape and indexing ops. Their gradients move the adjoint back where the forward
// op took each element from.

#include <cstdint>
#include <vector>

#include "transforms/autodiff/gradient_rules.h"

namespace sluice::autodiff {
namespace {

void identity_gradient(GradientBuilder& g) { g.contribute(0, g.adjoint(0)); }

// dX = transpose(dY) by the inverse permutation.
void transpose_gradient(GradientBuilder& g) {
  const auto rank = static_cast<std::int64_t>(g.input(0).rank());
  std::vector<std::int64_t> perm = g.attr_ints("perm", std::vector<std::int64_t>{});
  if (perm.empty())
    for (std::int64_t d = rank - 1; d >= 0; --d) perm.push_back(d);
  std::vector<std::int64_t> inverse(perm.size());
  for (std::size_t d = 0; d < perm.size(); ++d) inverse.at(perm[d]) = static_cast<std::int64_t>(d);
  g.contribute(0, g.op("Transpose", {g.adjoint(0)}, g.input(0), {{"perm", inverse}}));
}

}  // namespace

void add_shape_gradients(GradientRuleTable& table) {
  table["Identity"] = identity_gradient;
  table["Transpose"] = transpose_gradient;
}

}  // namespace sluice::autodiff
