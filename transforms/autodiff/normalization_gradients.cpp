// Gradient rules: normalization ops.

#include "transforms/autodiff/gradient_rules.h"

namespace sluice::autodiff {

void add_normalization_gradients(GradientRuleTable& table) { (void)table; }

}  // namespace sluice::autodiff
