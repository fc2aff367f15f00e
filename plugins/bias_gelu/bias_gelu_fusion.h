#pragma once
/// bias-gelu-fusion, the example plugin's transformation (bias_gelu_fusion.cpp says what it does).

#include <memory>

#include "transforms/transformation.h"

namespace bias_gelu_plugin {

std::shared_ptr<const sluice::transforms::Transformation> make_bias_gelu_fusion();

}  // namespace bias_gelu_plugin
