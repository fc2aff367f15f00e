// Gradient rules: reduction ops.

#include "transforms/autodiff/gradient_rules.h"

namespace sluice::autodiff {

void add_reduction_gradients(GradientRuleTable& table) { (void)table; }

}  // namespace sluice::autodiff
