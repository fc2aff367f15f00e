// Gradient rules: conv and pool ops.

#include "transforms/autodiff/gradient_rules.h"

namespace sluice::autodiff {

void add_conv_pool_gradients(GradientRuleTable& table) { (void)table; }

}  // namespace sluice::autodiff
