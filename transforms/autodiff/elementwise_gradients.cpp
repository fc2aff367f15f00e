// Gradient rules: elementwise ops.

#include "transforms/autodiff/gradient_rules.h"

namespace sluice::autodiff {

void add_elementwise_gradients(GradientRuleTable& table) { (void)table; }

}  // namespace sluice::autodiff
