// Gradient rules: normalization ops and the losses. Each builds one fused gradient op of the
// operator library (ops/normalization_gradient_ops.cpp), which recomputes the row statistics
// it needs from the forward input.

#include <cstdint>
#include <string>
#include <vector>

#include "transforms/autodiff/gradient_rules.h"

namespace sluice::autodiff {
namespace {

std::int64_t checked_axis(const GradientBuilder& g, std::int64_t axis, std::size_t rank) {
  const auto r = static_cast<std::int64_t>(rank);
  if (axis < -r || axis >= r)
    g.fail("attribute 'axis' is " + std::to_string(axis) + ", out of range for rank " +
           std::to_string(rank));
  return axis < 0 ? axis + r : axis;
}

// Only output 0 of a normalization carries a gradient; saved statistics are recomputed.
void only_output_zero(const GradientBuilder& g) {
  for (int j = 1; j < g.num_outputs(); ++j)
    if (g.has_adjoint(j))
      g.fail("output " + std::to_string(j) + " is differentiated; only output 0 has a gradient");
}

GradientRule softmax_gradient(const std::string& grad_op) {
  return [grad_op](GradientBuilder& g) {
    only_output_zero(g);
    const std::int64_t axis = checked_axis(g, g.attr_int("axis", -1), g.input(0).rank());
    g.contribute(0, g.op(grad_op, {g.output_name(0), g.adjoint(0)}, g.input(0), {{"axis", axis}}));
  };
}

// The output for input k's gradient: a new transient of `shape` when input k is wanted, else "".
std::string wanted_output(GradientBuilder& g, int k, const std::string& hint,
                          std::vector<ir::Expr> shape) {
  if (!g.wants(k)) return "";
  return g.transient(hint, g.input(k).dtype, std::move(shape));
}

void contribute_all(GradientBuilder& g, const std::vector<std::pair<int, std::string>>& grads) {
  for (const auto& [k, value] : grads)
    if (!value.empty()) g.contribute(k, value);
}

// dScale and dB come out shaped like X's normalized dims; `contribute` sums them down to a
// Scale or B that broadcasts.
void layer_normalization_gradient(GradientBuilder& g) {
  only_output_zero(g);
  const ir::Container x = g.input(0);
  const std::int64_t axis = checked_axis(g, g.attr_int("axis", -1), x.rank());
  const std::vector<ir::Expr> params(x.shape.begin() + axis, x.shape.end());
  const std::string dx = wanted_output(g, 0, "dx", x.shape);
  const std::string dscale = wanted_output(g, 1, "dscale", params);
  const std::string db = g.has_input(2) ? wanted_output(g, 2, "db", params) : "";
  g.op("LayerNormalizationGrad", {x.name, g.input_name(1), g.adjoint(0)}, {dx, dscale, db},
       {{"axis", axis}, {"epsilon", g.attr_float("epsilon", 1e-5)}});
  contribute_all(g, {{0, dx}, {1, dscale}, {2, db}});
}

// y = (x - mean) * inv * scale[c] + b[c] with the statistics over `axes` and the parameters
// per channel: one ChannelNormalizationGrad; dScale and dB have the shape [C].
void channel_normalization_gradient(GradientBuilder& g, std::vector<std::int64_t> axes) {
  only_output_zero(g);
  const ir::Container x = g.input(0);
  const std::string dx = wanted_output(g, 0, "dx", x.shape);
  const std::string dscale = wanted_output(g, 1, "dscale", {x.shape[1]});
  const std::string db = wanted_output(g, 2, "db", {x.shape[1]});
  g.op("ChannelNormalizationGrad", {x.name, g.input_name(1), g.adjoint(0)}, {dx, dscale, db},
       {{"axes", std::move(axes)}, {"epsilon", g.attr_float("epsilon", 1e-5)}});
  contribute_all(g, {{0, dx}, {1, dscale}, {2, db}});
}

// Each (n, c) over the spatial dims.
void instance_normalization_gradient(GradientBuilder& g) {
  const auto rank = static_cast<std::int64_t>(g.input(0).rank());
  if (rank < 3) g.fail("the input must have rank 3 or more");
  std::vector<std::int64_t> spatial;
  for (std::int64_t d = 2; d < rank; ++d) spatial.push_back(d);
  channel_normalization_gradient(g, spatial);
}

// The axes explicit (ONNX's default: 0, 2, 3), checked against the rank.
void mean_variance_normalization_gradient(GradientBuilder& g) {
  const ir::Container x = g.input(0);
  std::vector<std::int64_t> axes;
  for (const std::int64_t a : g.attr_ints("axes", std::vector<std::int64_t>{0, 2, 3}))
    axes.push_back(checked_axis(g, a, x.rank()));
  g.contribute(0,
               g.op("MeanVarianceNormalizationGrad", {x.name, g.adjoint(0)}, x, {{"axes", axes}}));
}

void lp_normalization_gradient(GradientBuilder& g) {
  const ir::Container x = g.input(0);
  const std::int64_t p = g.attr_int("p", 2);
  if (p != 1 && p != 2) g.fail("attribute 'p' is " + std::to_string(p) + "; expected 1 or 2");
  g.contribute(0, g.op("LpNormalizationGrad", {x.name, g.adjoint(0)}, x,
                       {{"axis", checked_axis(g, g.attr_int("axis", -1), x.rank())}, {"p", p}}));
}

// Hardmax is piecewise constant (a one-hot of the row's first maximum): its gradient is zero
// almost everywhere, so it contributes nothing and its input's gradient is zeros.
void hardmax_gradient(GradientBuilder& /*g*/) {}

// Inference form: the given mean and variance are inputs like the others, so they get
// gradients too. Training mode normalizes with the batch's statistics, over every dim but the
// channel: the gradient flows through them (ChannelNormalizationGrad) and the given running
// statistics get none (only outputs 1 and 2, which are not differentiated, read them).
void batch_normalization_gradient(GradientBuilder& g) {
  only_output_zero(g);
  const ir::Container x = g.input(0);
  if (x.rank() < 2) g.fail("the input must have rank 2 or more");
  if (g.attr_int("training_mode", 0) != 0) {
    std::vector<std::int64_t> axes{0};
    for (std::int64_t d = 2; d < static_cast<std::int64_t>(x.rank()); ++d) axes.push_back(d);
    channel_normalization_gradient(g, axes);
    return;
  }
  std::vector<std::string> outs{wanted_output(g, 0, "dx", x.shape)};
  for (int k = 1; k <= 4; ++k)
    outs.push_back(wanted_output(g, k, "d" + std::to_string(k), g.input(k).shape));
  g.op("BatchNormalizationGrad",
       {x.name, g.input_name(1), g.input_name(3), g.input_name(4), g.adjoint(0)}, outs,
       {{"epsilon", g.attr_float("epsilon", 1e-5)}});
  contribute_all(g, {{0, outs[0]}, {1, outs[1]}, {2, outs[2]}, {3, outs[3]}, {4, outs[4]}});
}

// --- losses ------------------------------------------------------------------------------------

std::string checked_reduction(const GradientBuilder& g) {
  const std::string reduction = g.attr_string("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    g.fail("attribute 'reduction' is '" + reduction + "'; expected none, sum or mean");
  return reduction;
}

ir::Attributes loss_attributes(const GradientBuilder& g) {
  ir::Attributes a{{"reduction", checked_reduction(g)}};
  if (g.has_attr("ignore_index")) a["ignore_index"] = g.attr_int("ignore_index");
  return a;
}

// The class weights are data, not parameters: no gradient.
void no_weight_gradient(const GradientBuilder& g, int k) {
  if (g.wants(k)) g.fail("the class weights (input " + std::to_string(k) + ") have no gradient");
}

// Scores (input 0), integer labels (input 1), optional weights (input 2) -> loss, optional
// log-probabilities. Both outputs may carry an adjoint; their contributions add up.
void softmax_cross_entropy_gradient(GradientBuilder& g) {
  no_weight_gradient(g, 2);
  const ir::Container x = g.input(0);
  if (x.rank() < 2) g.fail("the scores must have rank 2 or more");
  const std::string weights = g.has_input(2) ? g.input_name(2) : "";
  if (g.has_adjoint(0))
    g.contribute(0, g.op("SoftmaxCrossEntropyLossGrad",
                         {g.adjoint(0), x.name, g.input_name(1), weights}, x, loss_attributes(g)));
  if (g.has_adjoint(1))
    g.contribute(0, g.op("LogSoftmaxGrad", {g.output_name(1), g.adjoint(1)}, x,
                         {{"axis", std::int64_t{1}}}));
}

void negative_log_likelihood_gradient(GradientBuilder& g) {
  no_weight_gradient(g, 2);
  const ir::Container x = g.input(0);
  if (x.rank() < 2) g.fail("input 0 must have rank 2 or more");
  const std::string weights = g.has_input(2) ? g.input_name(2) : "";
  g.contribute(0, g.op("NegativeLogLikelihoodLossGrad", {g.adjoint(0), g.input_name(1), weights}, x,
                       loss_attributes(g)));
}

void mse_loss_gradient(GradientBuilder& g) {
  const std::string dp = wanted_output(g, 0, "dprediction", g.input(0).shape);
  const std::string dt = wanted_output(g, 1, "dtarget", g.input(1).shape);
  g.op("MSELossGrad", {g.input_name(0), g.input_name(1), g.adjoint(0)}, {dp, dt},
       {{"reduction", checked_reduction(g)}});
  contribute_all(g, {{0, dp}, {1, dt}});
}

}  // namespace

void add_normalization_gradients(GradientRuleTable& table) {
  table["BatchNormalization"] = batch_normalization_gradient;
  table["Hardmax"] = hardmax_gradient;
  table["InstanceNormalization"] = instance_normalization_gradient;
  table["LayerNormalization"] = layer_normalization_gradient;
  table["LogSoftmax"] = softmax_gradient("LogSoftmaxGrad");
  table["LpNormalization"] = lp_normalization_gradient;
  table["MeanVarianceNormalization"] = mean_variance_normalization_gradient;
  table["MSELoss"] = mse_loss_gradient;
  table["NegativeLogLikelihoodLoss"] = negative_log_likelihood_gradient;
  table["Softmax"] = softmax_gradient("SoftmaxGrad");
  table["SoftmaxCrossEntropyLoss"] = softmax_cross_entropy_gradient;
}

}  // namespace sluice::autodiff
