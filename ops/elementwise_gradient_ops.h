#pragma once
/// The element-wise ops whose gradient is "<Op>Grad" (elementwise_gradient_ops.cpp): the one
/// list that both the operator library (which registers each "<Op>Grad") and the autodiff rules
/// (transforms/autodiff/elementwise_gradients.cpp, which serve each <Op>) read.

#include <span>
#include <string_view>

namespace sluice::ops {

/// The forward ops, e.g. "Relu"; each has a registered "<Op>Grad".
std::span<const std::string_view> differentiable_elementwise_ops();

}  // namespace sluice::ops
