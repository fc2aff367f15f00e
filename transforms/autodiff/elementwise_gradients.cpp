// Gradient rules: element-wise ops. Each differentiable op gets one "<Op>Grad" node of the
// operator library (ops/elementwise_gradient_ops.cpp), whose expansion differentiates the op's
// own tasklet: one rule for all of them, so a rule cannot disagree with the op it differentiates.
// Zero-derivative ops (Sign, Floor, Ceil, Round) take the same route and yield zeros; Dropout
// too: its tasklet recomputes the mask from (seed, offset, element index), nothing is stored.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ops/elementwise_gradient_ops.h"
#include "transforms/autodiff/gradient_rules.h"

namespace sluice::autodiff {
namespace {

// The inputs' gradients from one <Op>Grad node: in0.. the forward inputs, in<n> the adjoint of
// output 0, out<k> the gradient of each wanted input k.
void elementwise_gradient(GradientBuilder& g) {
  if (!g.has_adjoint(0)) return;
  const int n = g.num_inputs();
  std::vector<std::string> inputs;
  inputs.reserve(static_cast<std::size_t>(n) + 1);
  for (int k = 0; k < n; ++k) inputs.push_back(g.has_input(k) ? g.input_name(k) : "");
  inputs.push_back(g.adjoint(0));
  std::vector<std::string> outputs(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    if (!g.wants(k)) continue;
    const ir::Container in = g.input(k);
    outputs[static_cast<std::size_t>(k)] =
        g.transient("grad" + std::to_string(k), in.dtype, in.shape);
  }
  ir::Attributes attributes = g.node().attributes;
  attributes["forward_inputs"] = std::int64_t{n};
  g.op(g.node().op + "Grad", inputs, outputs, std::move(attributes));
  for (int k = 0; k < n; ++k)
    if (!outputs[static_cast<std::size_t>(k)].empty())
      g.contribute(k, outputs[static_cast<std::size_t>(k)]);
}

// ONNX's TensorProto.DataType of a float dtype (Cast's `to`).
std::int64_t onnx_float_type(const GradientBuilder& g, ir::DType dtype) {
  switch (dtype) {
    case ir::DType::f32: return 1;
    case ir::DType::f16: return 10;
    case ir::DType::f64: return 11;
    case ir::DType::bf16: return 16;
    default: break;
  }
  g.fail("input 0 has dtype " + std::string(ir::dtype_name(dtype)) + ", not a float type");
}

// Cast (and CastLike, whose input 1 only gives the type): the adjoint cast back to the input's
// dtype. The driver asks only for float inputs, and only a float output has an adjoint, so this
// is float -> float. (The generic route would work too; a plain Cast is what fusion expects.)
void cast_gradient(GradientBuilder& g) {
  if (!g.has_adjoint(0) || !g.wants(0)) return;
  const ir::Container in = g.input(0);
  g.contribute(0, g.op("Cast", {g.adjoint(0)}, in, {{"to", onnx_float_type(g, in.dtype)}}));
}

// Relu: dX = select(Y > 0, dY, 0) from the output, so X need not outlive the forward (Y is read
// by the next op's gradient anyway); matches torch at X = 0 (gradient 0).
void relu_gradient(GradientBuilder& g) {
  if (!g.has_adjoint(0) || !g.wants(0)) return;
  g.contribute(0, g.op("ReluGradFromOutput", {g.output_name(0), g.adjoint(0)}, g.input(0)));
}

}  // namespace

void add_elementwise_gradients(GradientRuleTable& table) {
  // The ops with an "<Op>Grad" in the operator library.
  for (const std::string_view op : ops::differentiable_elementwise_ops())
    table[std::string(op)] = elementwise_gradient;
  table["Relu"] = relu_gradient;
  table["Cast"] = cast_gradient;
  table["CastLike"] = cast_gradient;
}

}  // namespace sluice::autodiff
