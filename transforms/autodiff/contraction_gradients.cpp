// Gradient rules: contraction ops.

#include "transforms/autodiff/gradient_rules.h"

namespace sluice::autodiff {

void add_contraction_gradients(GradientRuleTable& table) { (void)table; }

}  // namespace sluice::autodiff
