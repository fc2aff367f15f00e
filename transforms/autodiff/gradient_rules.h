#pragma once
/// The gradient rules, one file per family of ops; each file adds its rules to the table. The
/// table is filled once, on first use, by explicit calls (a static library would drop
/// unreferenced registrar objects). A new rule file adds its line here and in
/// gradient_builder.cpp.

#include <map>
#include <string>

#include "transforms/autodiff/gradient_builder.h"

namespace sluice::autodiff {

using GradientRuleTable = std::map<std::string, GradientRule, std::less<>>;

void add_elementwise_gradients(GradientRuleTable& table);    // elementwise_gradients.cpp
void add_contraction_gradients(GradientRuleTable& table);    // contraction_gradients.cpp
void add_shape_gradients(GradientRuleTable& table);          // shape_gradients.cpp
void add_normalization_gradients(GradientRuleTable& table);  // normalization_gradients.cpp
void add_reduction_gradients(GradientRuleTable& table);      // reduction_gradients.cpp
void add_conv_pool_gradients(GradientRuleTable& table);      // conv_pool_gradients.cpp

}  // namespace sluice::autodiff
