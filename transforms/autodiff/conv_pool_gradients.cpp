// Gradient rules: convolutions and pools. Conv and the pools build the gradient ops of
// ops/conv_pool_gradient_ops.cpp with auto_pad resolved into explicit pads; ConvTranspose is the
// adjoint of a Conv, so its dX is a Conv of dY and its dW is ConvGrad's dW with the roles of X
// and dY exchanged.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "transforms/autodiff/gradient_rules.h"

namespace sluice::autodiff {
namespace {

using Ints = std::vector<std::int64_t>;

Ints ints_or(const GradientBuilder& g, const char* name, std::size_t n, std::int64_t fallback) {
  Ints v = g.attr_ints(name, Ints(n, fallback));
  if (v.size() != n)
    g.fail("'" + std::string(name) + "' has " + std::to_string(v.size()) + " entries; expected " +
           std::to_string(n));
  return v;
}

std::int64_t known(const GradientBuilder& g, const ir::Expr& dim, const std::string& what) {
  const auto n = dim.constant_value();
  if (!n) g.fail(what + " is symbolic (" + dim.str() + ")");
  return *n;
}

// strides, dilations and explicit pads (begin..., end...) of a Conv or pool, as the forward
// expansion resolves auto_pad.
ir::Attributes window_attributes(const GradientBuilder& g, const std::vector<ir::Expr>& kernel) {
  const std::size_t spatial = kernel.size();
  const Ints strides = ints_or(g, "strides", spatial, 1);
  const Ints dilations = ints_or(g, "dilations", spatial, 1);
  for (std::size_t i = 0; i < spatial; ++i)
    if (strides[i] <= 0 || dilations[i] <= 0) g.fail("strides and dilations must be positive");
  const std::string auto_pad = g.attr_string("auto_pad", "NOTSET");
  Ints pads;
  if (auto_pad == "NOTSET") {
    pads = ints_or(g, "pads", 2 * spatial, 0);
  } else if (auto_pad == "VALID") {
    pads.assign(2 * spatial, 0);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    Ints end;
    for (std::size_t i = 0; i < spatial; ++i) {
      const std::int64_t in = known(g, g.input(0).shape[2 + i], "a SAME-padded input size");
      const std::int64_t out = known(g, g.output(0).shape[2 + i], "a SAME-padded output size");
      const std::int64_t k = known(g, kernel[i], "the kernel size");
      const std::int64_t total =
          std::max<std::int64_t>((out - 1) * strides[i] + (k - 1) * dilations[i] + 1 - in, 0);
      pads.push_back(auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2);
      end.push_back(total - pads.back());
    }
    pads.insert(pads.end(), end.begin(), end.end());
  } else {
    g.fail("unknown auto_pad '" + auto_pad + "'");
  }
  return {{"strides", strides}, {"dilations", dilations}, {"pads", pads}};
}

std::string wanted_output(GradientBuilder& g, int k, const std::string& hint) {
  if (!g.has_input(k) || !g.wants(k)) return "";
  const ir::Container x = g.input(k);
  return g.transient(hint, x.dtype, x.shape);
}

void contribute_all(GradientBuilder& g, const std::vector<std::string>& grads) {
  for (std::size_t k = 0; k < grads.size(); ++k)
    if (!grads[k].empty()) g.contribute(static_cast<int>(k), grads[k]);
}

void check_ranks(const GradientBuilder& g) {
  const ir::Container x = g.input(0);
  if (x.rank() < 3 || g.input(1).rank() != x.rank()) g.fail("X and W must have the same rank >= 3");
}

void conv_gradient(GradientBuilder& g) {
  check_ranks(g);
  const ir::Container w = g.input(1);
  ir::Attributes attributes =
      window_attributes(g, std::vector<ir::Expr>(w.shape.begin() + 2, w.shape.end()));
  const std::int64_t group = g.attr_int("group", 1);
  if (group <= 0) g.fail("group must be positive");
  attributes["group"] = group;
  const std::vector<std::string> grads{wanted_output(g, 0, "dx"), wanted_output(g, 1, "dw"),
                                       wanted_output(g, 2, "db")};
  g.op("ConvGrad", {g.input_name(0), w.name, g.adjoint(0)}, grads, std::move(attributes));
  contribute_all(g, grads);
}

// y[n, m, t] += x[n, c, i] * W[c, m', k] at t = i * s - pad + k * d: dX[n, c, i] sums dY over
// the same taps, which is Conv(dY, W); dW[c, m', k] sums x[n, c, i] * dY[n, m, i * s - pad + k *
// d], ConvGrad's dW with X = dY and dY = x.
void conv_transpose_gradient(GradientBuilder& g) {
  check_ranks(g);
  const ir::Container x = g.input(0);
  const ir::Container w = g.input(1);
  const ir::Container y = g.output(0);
  const std::size_t spatial = x.rank() - 2;
  const Ints strides = ints_or(g, "strides", spatial, 1);
  const Ints dilations = ints_or(g, "dilations", spatial, 1);
  const Ints output_padding = ints_or(g, "output_padding", spatial, 0);
  const std::int64_t group = g.attr_int("group", 1);
  if (group <= 0) g.fail("group must be positive");
  const std::string auto_pad = g.attr_string("auto_pad", "NOTSET");
  Ints begin;
  Ints end;
  for (std::size_t i = 0; i < spatial; ++i) {
    const std::int64_t n = known(g, x.shape[2 + i], "the input size");
    const std::int64_t m = known(g, y.shape[2 + i], "the output size");
    const std::int64_t k = known(g, w.shape[2 + i], "the kernel size");
    const std::int64_t reach = strides[i] * (n - 1) + (k - 1) * dilations[i] + 1;
    std::int64_t b = 0;
    if (g.has_attr("output_shape") || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const std::int64_t total = reach + output_padding[i] - m;
      const std::int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
      b = auto_pad == "SAME_UPPER" ? half : total - half;
    } else if (auto_pad == "NOTSET") {
      b = ints_or(g, "pads", 2 * spatial, 0)[i];
    } else if (auto_pad != "VALID") {
      g.fail("unknown auto_pad '" + auto_pad + "'");
    }
    if (b < 0) g.fail("a negative pad (" + std::to_string(b) + ") has no gradient rule");
    begin.push_back(b);
    // As much padding at the end as the last tap of the last input position reaches.
    end.push_back(std::max<std::int64_t>(reach - m - b, 0));
  }
  Ints pads = begin;
  pads.insert(pads.end(), end.begin(), end.end());
  const ir::Attributes attributes{
      {"strides", strides}, {"dilations", dilations}, {"pads", pads}, {"group", group}};
  std::vector<std::string> grads(3);
  if (g.wants(0)) grads[0] = g.op("Conv", {g.adjoint(0), w.name}, x, attributes);
  if (g.wants(1)) {
    grads[1] = wanted_output(g, 1, "dw");
    g.op("ConvGrad", {g.adjoint(0), w.name, x.name}, {"", grads[1]}, attributes);
  }
  if (g.has_input(2) && g.wants(2)) {
    Ints axes{0};
    for (std::size_t i = 0; i < spatial; ++i) axes.push_back(static_cast<std::int64_t>(2 + i));
    grads[2] = g.op("ReduceSum", {g.adjoint(0)}, g.input(2),
                    {{"axes", axes}, {"keepdims", std::int64_t{0}}});
  }
  contribute_all(g, grads);
}

std::vector<ir::Expr> kernel_of(const GradientBuilder& g) {
  std::vector<ir::Expr> kernel;
  for (const std::int64_t k : g.attr_ints("kernel_shape")) kernel.emplace_back(k);
  if (kernel.size() + 2 != g.input(0).rank())
    g.fail("'kernel_shape' has " + std::to_string(kernel.size()) +
           " entries but the input has rank " + std::to_string(g.input(0).rank()));
  return kernel;
}

void only_output_zero(const GradientBuilder& g) {
  for (int j = 1; j < g.num_outputs(); ++j)
    if (g.has_adjoint(j))
      g.fail("output " + std::to_string(j) + " is differentiated; only output 0 has a gradient");
}

void max_pool_gradient(GradientBuilder& g) {
  only_output_zero(g);
  const std::vector<ir::Expr> kernel = kernel_of(g);
  ir::Attributes attributes = window_attributes(g, kernel);
  attributes["kernel_shape"] = g.attr_ints("kernel_shape");
  g.contribute(0, g.op("MaxPoolGrad", {g.input_name(0), g.output_name(0), g.adjoint(0)}, g.input(0),
                       std::move(attributes)));
}

void average_pool_gradient(GradientBuilder& g) {
  const std::vector<ir::Expr> kernel = kernel_of(g);
  ir::Attributes attributes = window_attributes(g, kernel);
  attributes["kernel_shape"] = g.attr_ints("kernel_shape");
  attributes["count_include_pad"] = g.attr_int("count_include_pad", 0);
  g.contribute(0, g.op("AveragePoolGrad", {g.adjoint(0)}, g.input(0), std::move(attributes)));
}

// The gradient ops without kernel_shape pool over the whole spatial extent.
void global_max_pool_gradient(GradientBuilder& g) {
  if (g.input(0).rank() < 3) g.fail("the input must have rank 3 or more");
  g.contribute(0,
               g.op("MaxPoolGrad", {g.input_name(0), g.output_name(0), g.adjoint(0)}, g.input(0)));
}

void global_average_pool_gradient(GradientBuilder& g) {
  if (g.input(0).rank() < 3) g.fail("the input must have rank 3 or more");
  g.contribute(0, g.op("AveragePoolGrad", {g.adjoint(0)}, g.input(0)));
}

}  // namespace

void add_conv_pool_gradients(GradientRuleTable& table) {
  table["AveragePool"] = average_pool_gradient;
  table["Conv"] = conv_gradient;
  table["ConvTranspose"] = conv_transpose_gradient;
  table["GlobalAveragePool"] = global_average_pool_gradient;
  table["GlobalMaxPool"] = global_max_pool_gradient;
  table["MaxPool"] = max_pool_gradient;
}

}  // namespace sluice::autodiff
