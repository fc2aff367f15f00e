// Gradient ops of the normalizations, reductions and losses (built by the rules in
// transforms/autodiff/). Each is one library node so that a backward normalization stays one
// unit for fusion: row statistics are recomputed from the forward input instead of being read
// from stored transients, and every pass over the full-size tensors that can share a map does.
//
//   SoftmaxGrad(Y, dY)                  dX = Y * (dY - sum(dY * Y, axis))
//   LogSoftmaxGrad(Y, dY)               dX = dY - exp(Y) * sum(dY, axis)
//   LayerNormalizationGrad(X, Scale, dY)        -> dX, dScale, dB   (each output optional)
//   BatchNormalizationGrad(X, Scale, Mean, Var, dY) -> dX, dScale, dB, dMean, dVar (inference)
//   ChannelNormalizationGrad(X, Scale, dY)      -> dX, dScale, dB   (each output optional):
//                                       statistics over `axes`, Scale per channel (dim 1)
//   MeanVarianceNormalizationGrad(X, dY) -> dX   over `axes`
//   LpNormalizationGrad(X, dY)          -> dX    along `axis`, `p` 1 or 2
//   ReduceGrad(dY [, X [, Y]])          dX of a Reduce* node; `mode` names the reduction
//   NegativeLogLikelihoodLossGrad(dL, Target [, Weight]) -> dX
//   SoftmaxCrossEntropyLossGrad(dL, X, Target [, Weight]) -> dX
//   MSELossGrad(P, T, dL)               -> dP, dT
//
// Arithmetic is in the inputs' dtype.

#include <algorithm>
#include <cctype>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ops/expansion.h"
#include "ops/op_groups.h"
#include "ops/op_helpers.h"
#include "ops/op_registry.h"

namespace sluice::ops {
namespace {

using Ins = std::vector<std::pair<std::string, std::string>>;  // (connector, container)

std::vector<std::int64_t> range_axes(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> axes;
  for (std::int64_t d = first; d < last; ++d) axes.push_back(d);
  return axes;
}

// Whether `code` reads the name `name` (an identifier token, not a part of one).
bool mentions(const std::string& code, const std::string& name) {
  const auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (std::size_t i = 0; i < code.size();) {
    if (!ident(code[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < code.size() && ident(code[j])) ++j;
    if (code.compare(i, j - i, name) == 0 && j - i == name.size()) return true;
    i = j;
  }
  return false;
}

// Several sums over `axes` of one sweep over `shape`: sums[i].second (an expression of the
// inputs' connectors, each input read broadcast to `shape`) accumulates into sums[i].first,
// which has the reduced shape (reduced dims kept as 1 with `keepdims`, dropped otherwise).
// Inputs the code does not read are left out.
void accumulate(ExpansionContext& x, const std::string& label, const std::vector<ir::Expr>& shape,
                const std::vector<std::int64_t>& axes, bool keepdims, const Ins& inputs,
                const std::string& prelude, const Ins& sums) {
  const std::vector<Param> all = params_over(shape);
  const auto [outer, inner] = reduction_loops(shape, axes, true);
  Point p;
  for (const Param& param : all) p.push_back(ir::Expr::symbol(param.name));
  const auto acc_shape = reduced_shape(shape, axes, keepdims);
  const Point acc_point = param_point(x.params(acc_shape));
  std::string init;
  std::string code = prelude;
  std::vector<Port> init_outs;
  std::vector<Port> outs;
  for (std::size_t i = 0; i < sums.size(); ++i) {
    const std::string s = "s" + std::to_string(i);
    const ir::DType t = x.container(sums[i].first).dtype;
    init += s + " = " + literal(t, 0) + "; ";
    code += " " + s + " = " + sums[i].second + ";";
    init_outs.push_back({s, sums[i].first, point_subset(acc_point), {}});
    outs.push_back(
        {s, sums[i].first, point_subset(reduced_point(p, axes, keepdims)), ir::WriteConflict::Sum});
  }
  pointwise(x, label + "_init", acc_shape, {}, init, init_outs);
  std::vector<Port> ins;
  for (const auto& [conn, name] : inputs)
    if (mentions(code, conn))
      ins.push_back({conn, name, point_subset(broadcast_point(x.container(name).shape, p)), {}});
  nested_map(x, label, outer, inner, ins, code, outs);
}

// mean and `spread(var)` of `input` over `axes` (keepdims), two passes as the forward ops
// compute them; the spread is named `spread_name`.
std::pair<std::string, std::string> mean_and_spread(
    ExpansionContext& x, const std::string& input, const std::vector<std::int64_t>& axes,
    const std::string& spread_name, const std::function<std::string(const std::string&)>& spread) {
  const ir::Container in = x.container(input);
  const ir::DType t = in.dtype;
  const std::string n = count_as(t, reduced_count(in.shape, axes));
  const auto stat_shape = reduced_shape(in.shape, axes, true);
  Reduction m;
  m.input = input;
  m.output = x.transient("mean", t, stat_shape);
  m.axes = axes;
  m.init = literal(t, 0);
  m.finalize = "s / " + n;
  m.label = "mean";
  reduce(x, m);
  Reduction v = m;
  v.output = x.transient(spread_name, t, stat_shape);
  v.accumulate = "(a - m) * (a - m)";
  v.finalize = spread("(s / " + n + ")");
  v.extras = {{"m", m.output}};
  v.label = spread_name;
  reduce(x, v);
  return {m.output, v.output};
}

// mean and 1 / sqrt(var + epsilon) (LayerNormalization, InstanceNormalization).
std::pair<std::string, std::string> moments(ExpansionContext& x, const std::string& input,
                                            const std::vector<std::int64_t>& axes, double epsilon) {
  const ir::DType t = x.container(input).dtype;
  return mean_and_spread(x, input, axes, "inv_std_dev", [&](const std::string& var) {
    return literal(t, 1) + " / sqrt(" + var + " + " + literal(t, epsilon) + ")";
  });
}

void check_float(const ExpansionContext& x, int k) {
  if (!ir::is_float(x.input(k).dtype))
    x.fail("input " + std::to_string(k) + " must be a floating-point tensor");
}

void check_same_shape(const ExpansionContext& x, const ir::Container& a, const ir::Container& b) {
  if (a.shape != b.shape) x.fail("'" + a.name + "' and '" + b.name + "' must have one shape");
}

// Softmax: s = sum(dy * y); dx = y * (dy - s). LogSoftmax: s = sum(dy); dx = dy - exp(y) * s.
ExpandFunction softmax_grad(bool log) {
  return [log](ExpansionContext& x) {
    check_float(x, 0);
    const ir::Container y = x.input(0);
    const ir::Container dy = x.input(1);
    check_same_shape(x, y, dy);
    const auto rank = static_cast<std::int64_t>(y.rank());
    const std::int64_t axis = normalize_axis(x, x.attr_int("axis", -1), rank);
    const std::string label = log ? "logsoftmax_grad" : "softmax_grad";
    const std::string s = x.transient("sum", y.dtype, reduced_shape(y.shape, {axis}, true));
    accumulate(x, label + "_sum", y.shape, {axis}, true, {{"a", y.name}, {"b", dy.name}}, "",
               {{s, log ? "b" : "b * a"}});
    elementwise_on(x, label, {{"a", y.name}, {"b", dy.name}, {"c", s}},
                   log ? "y = b - exp(a) * c;" : "y = a * (b - c);", {{"y", x.output_name(0)}},
                   y.shape);
  };
}

// With xhat = (x - mean) * inv and g = dy * scale over the normalized dims D = [axis, rank):
//   dx = inv * (g - mean_D(g) - xhat * mean_D(g * xhat))
//   dscale = sum over the leading dims of dy * xhat;  db = sum over the leading dims of dy.
void expand_layer_normalization_grad(ExpansionContext& x) {
  check_float(x, 0);
  const ir::Container in = x.input(0);
  const ir::Container scale = x.input(1);
  const ir::Container dy = x.input(2);
  check_same_shape(x, in, dy);
  const ir::DType t = in.dtype;
  const auto rank = static_cast<std::int64_t>(in.rank());
  const std::int64_t axis = normalize_axis(x, x.attr_int("axis", -1), rank);
  const auto normalized = range_axes(axis, rank);
  const auto leading = range_axes(0, axis);
  const std::vector<ir::Expr> param_shape(in.shape.begin() + axis, in.shape.end());
  if (scale.rank() > param_shape.size()) x.fail("the scale has a higher rank than normalized");
  for (const int k : {1, 2})
    if (x.has_output(k) && x.output(k).shape != param_shape)
      x.fail("output " + std::to_string(k) + " must have the normalized dims' shape");
  const auto [mean, inv] = moments(x, in.name, normalized, x.attr_float("epsilon", 1e-5));
  const Ins row{{"a", in.name}, {"b", dy.name}, {"c", scale.name}, {"m", mean}, {"v", inv}};
  if (x.has_output(0)) {
    const auto stat_shape = reduced_shape(in.shape, normalized, true);
    const std::string sg = x.transient("sum_g", t, stat_shape);
    const std::string sgx = x.transient("sum_g_xhat", t, stat_shape);
    accumulate(x, "layernorm_grad_sums", in.shape, normalized, true, row,
               "let g: " + type_name(t) + " = b * c;", {{sg, "g"}, {sgx, "g * (a - m) * v"}});
    Ins ins = row;
    ins.emplace_back("p", sg);
    ins.emplace_back("q", sgx);
    const std::string n = count_as(t, reduced_count(in.shape, normalized));
    elementwise_on(x, "layernorm_grad", ins,
                   "y = v * (b * c - p / " + n + " - (a - m) * v * q / " + n + ");",
                   {{"y", x.output_name(0)}}, in.shape);
  }
  Ins sums;
  if (x.has_output(1)) sums.emplace_back(x.output_name(1), "b * (a - m) * v");
  if (x.has_output(2)) sums.emplace_back(x.output_name(2), "b");
  if (!sums.empty())
    accumulate(x, "layernorm_grad_params", in.shape, leading, false, row, "", sums);
}

// y = (x - mean) * inv * scale[c] + b[c], the statistics over `axes` (InstanceNormalization:
// the spatial dims; BatchNormalization in training mode: the batch and the spatial dims), the
// parameters per channel (dim 1). With g = dy * scale[c] and means over `axes`,
//   dx = inv * (g - mean(g) - xhat * mean(g * xhat))
//   dscale[c] = sum over every dim but 1 of dy * xhat;  db[c] = sum over those of dy.
void expand_channel_normalization_grad(ExpansionContext& x) {
  check_float(x, 0);
  const ir::Container in = x.input(0);
  const ir::Container scale = x.input(1);
  const ir::Container dy = x.input(2);
  check_same_shape(x, in, dy);
  if (in.rank() < 2) x.fail("the input must have rank 2 or more");
  if (scale.shape != std::vector<ir::Expr>{in.shape[1]})
    x.fail("the scale must have the shape [C]");
  for (const int k : {1, 2})
    if (x.has_output(k) && x.output(k).shape != scale.shape)
      x.fail("output " + std::to_string(k) + " must have the shape [C]");
  const ir::DType t = in.dtype;
  const auto rank = static_cast<std::int64_t>(in.rank());
  const auto axes = normalize_axes(x, x.attr_ints("axes"), rank);
  if (std::find(axes.begin(), axes.end(), 1) != axes.end())
    x.fail("'axes' includes the channel dim 1");
  const auto [mean, inv] = moments(x, in.name, axes, x.attr_float("epsilon", 1e-5));
  const Ins row{{"a", in.name}, {"b", dy.name}, {"m", mean}, {"v", inv}};
  if (x.has_output(0)) {
    const auto stat_shape = reduced_shape(in.shape, axes, true);
    const std::string sg = x.transient("sum_g", t, stat_shape);
    const std::string sgx = x.transient("sum_g_xhat", t, stat_shape);
    accumulate(x, "channelnorm_grad_sums", in.shape, axes, true, row, "",
               {{sg, "b"}, {sgx, "b * (a - m) * v"}});
    // The scale is read at the channel (a [C] container would broadcast against the last dim).
    const Point p = param_point(x.params(in.shape));
    const Point at = reduced_point(p, axes, true);
    const std::string n = count_as(t, reduced_count(in.shape, axes));
    pointwise(x, "channelnorm_grad", in.shape,
              {{"a", in.name, point_subset(p), {}},
               {"b", dy.name, point_subset(p), {}},
               {"c", scale.name, point_subset({p.at(1)}), {}},
               {"m", mean, point_subset(at), {}},
               {"v", inv, point_subset(at), {}},
               {"p", sg, point_subset(at), {}},
               {"q", sgx, point_subset(at), {}}},
              "y = c * v * (b - p / " + n + " - (a - m) * v * q / " + n + ");",
              {{"y", x.output_name(0), point_subset(p), {}}});
  }
  Ins sums;
  if (x.has_output(1)) sums.emplace_back(x.output_name(1), "b * (a - m) * v");
  if (x.has_output(2)) sums.emplace_back(x.output_name(2), "b");
  std::vector<std::int64_t> all_but_channel{0};
  for (std::int64_t d = 2; d < rank; ++d) all_but_channel.push_back(d);
  if (!sums.empty())
    accumulate(x, "channelnorm_grad_params", in.shape, all_but_channel, false, row, "", sums);
}

// MeanVarianceNormalization: y = (x - mean) / (sd + 1e-9) over `axes`, sd = sqrt(var). With
// D = sd + 1e-9 and c = mean(dy * (x - mean)),
//   dx = (dy - mean(dy)) / D - c * (x - mean) / (sd * D^2)
// (the second term is 0 where sd is 0: the forward output is 0 there whatever x does).
void expand_mean_variance_normalization_grad(ExpansionContext& x) {
  check_float(x, 0);
  const ir::Container in = x.input(0);
  const ir::Container dy = x.input(1);
  check_same_shape(x, in, dy);
  const ir::DType t = in.dtype;
  const auto rank = static_cast<std::int64_t>(in.rank());
  const auto axes = normalize_axes(x, x.attr_ints("axes"), rank);
  const auto [mean, sd] = mean_and_spread(
      x, in.name, axes, "std_dev", [](const std::string& var) { return "sqrt(" + var + ")"; });
  const auto stat_shape = reduced_shape(in.shape, axes, true);
  const std::string sg = x.transient("sum_g", t, stat_shape);
  const std::string sgd = x.transient("sum_g_dev", t, stat_shape);
  const Ins row{{"a", in.name}, {"b", dy.name}, {"m", mean}};
  accumulate(x, "mvn_grad_sums", in.shape, axes, true, row, "", {{sg, "b"}, {sgd, "b * (a - m)"}});
  const std::string n = count_as(t, reduced_count(in.shape, axes));
  const std::string zero = literal(t, 0);
  elementwise_on(x, "mvn_grad",
                 {{"a", in.name}, {"b", dy.name}, {"m", mean}, {"s", sd}, {"p", sg}, {"q", sgd}},
                 "let d: " + type_name(t) + " = s + " + literal(t, 1e-9) + ";\n" + "y = (b - p / " +
                     n + ") / d - select(s == " + zero + ", " + zero + ", q / " + n +
                     " * (a - m) / (s * d * d));",
                 {{"y", x.output_name(0)}}, in.shape);
}

// LpNormalization: y = x / |x|_p along `axis`. With s = sum(dy * x) along the axis,
//   p = 2: dx = dy / n - x * s / n^3;   p = 1: dx = dy / n - sign(x) * s / n^2.
void expand_lp_normalization_grad(ExpansionContext& x) {
  check_float(x, 0);
  const ir::Container in = x.input(0);
  const ir::Container dy = x.input(1);
  check_same_shape(x, in, dy);
  const ir::DType t = in.dtype;
  const auto rank = static_cast<std::int64_t>(in.rank());
  const std::int64_t axis = normalize_axis(x, x.attr_int("axis", -1), rank);
  const std::int64_t p = x.attr_int("p", 2);
  if (p != 1 && p != 2) x.fail("attribute 'p' is " + std::to_string(p) + "; expected 1 or 2");
  const auto stat_shape = reduced_shape(in.shape, {axis}, true);
  const std::string acc = x.transient("norm_acc", t, stat_shape);
  const std::string sgx = x.transient("sum_g_x", t, stat_shape);
  const Ins row{{"a", in.name}, {"b", dy.name}};
  accumulate(x, "lpnorm_grad_sums", in.shape, {axis}, true, row, "",
             {{acc, p == 1 ? "abs(a)" : "a * a"}, {sgx, "b * a"}});
  const std::string zero = literal(t, 0);
  const std::string code =
      p == 1 ? "y = b / n - select(a > " + zero + ", " + literal(t, 1) + ", select(a < " + zero +
                   ", " + literal(t, -1) + ", " + zero + ")) * s / (n * n);"
             : "let r: " + type_name(t) + " = sqrt(n);\ny = b / r - a * s / (r * r * r);";
  elementwise_on(x, "lpnorm_grad", {{"a", in.name}, {"b", dy.name}, {"n", acc}, {"s", sgx}}, code,
                 {{"y", x.output_name(0)}}, in.shape);
}

// Inference form, y = (x - mean) * inv * scale + b with inv = 1 / sqrt(var + epsilon) per
// channel (dim 1): dx = dy * scale * inv, and per channel, with S = sum(dy), T = sum(dy * (x -
// mean)) over every other dim: dscale = T * inv, db = S, dmean = -S * scale * inv,
// dvar = -T * scale * inv^3 / 2.
void expand_batch_normalization_grad(ExpansionContext& x) {
  check_float(x, 0);
  const ir::Container in = x.input(0);
  const ir::Container dy = x.input(4);
  check_same_shape(x, in, dy);
  if (in.rank() < 2) x.fail("the input must have rank 2 or more");
  const ir::DType t = in.dtype;
  for (const int k : {1, 2, 3})
    if (x.input(k).shape != std::vector<ir::Expr>{in.shape[1]})
      x.fail("input " + std::to_string(k) + " must have the shape [C]");
  const std::string eps = literal(t, x.attr_float("epsilon", 1e-5));
  const std::string inv = "(" + literal(t, 1) + " / sqrt(v + " + eps + "))";
  // Parameters of shape [C]: a rank-1 container broadcasts against the last dim, so read them
  // through explicit channel ports instead.
  const Point p = param_point(x.params(in.shape));
  const auto channel = [&](const std::string& conn, int k) {
    return Port{conn, x.input_name(k), point_subset({p.at(1)}), {}};
  };
  if (x.has_output(0))
    pointwise(x, "batchnorm_grad", in.shape,
              {{"b", dy.name, point_subset(p), {}}, channel("c", 1), channel("v", 3)},
              "y = b * c * " + inv + ";", {{"y", x.output_name(0), point_subset(p), {}}});
  const bool stats = x.has_output(1) || x.has_output(2) || x.has_output(3) || x.has_output(4);
  if (!stats) return;
  const std::vector<ir::Expr> c_shape{in.shape[1]};
  const std::string s = x.transient("sum_dy", t, c_shape);
  const std::string tt = x.transient("sum_dy_x", t, c_shape);
  const std::vector<Param> all = params_over(in.shape);
  std::vector<Param> outer{all[1]};
  std::vector<Param> inner;
  for (std::size_t d = 0; d < all.size(); ++d)
    if (d != 1) inner.push_back(all[d]);
  pointwise(x, "batchnorm_grad_init", c_shape, {},
            "s0 = " + literal(t, 0) + "; s1 = " + literal(t, 0) + ";",
            {{"s0", s, point_subset({ir::Expr::symbol("_d0")}), {}},
             {"s1", tt, point_subset({ir::Expr::symbol("_d0")}), {}}});
  nested_map(
      x, "batchnorm_grad_sums", outer, inner,
      {{"a", in.name, point_subset(p), {}}, {"b", dy.name, point_subset(p), {}}, channel("m", 2)},
      "s0 = b; s1 = b * (a - m);",
      {{"s0", s, point_subset({p.at(1)}), ir::WriteConflict::Sum},
       {"s1", tt, point_subset({p.at(1)}), ir::WriteConflict::Sum}});
  const Point c = {ir::Expr::symbol("_d0")};
  std::vector<Port> ins{{"p", s, point_subset(c), {}},
                        {"q", tt, point_subset(c), {}},
                        {"c", x.input_name(1), point_subset(c), {}},
                        {"v", x.input_name(3), point_subset(c), {}}};
  std::string code = "let inv: " + type_name(t) + " = " + inv + ";";
  std::vector<Port> outs;
  const std::vector<std::pair<int, std::string>> per_channel{
      {1, "q * inv"},
      {2, "p"},
      {3, "-p * c * inv"},
      {4, "-q * c * inv * inv * inv * " + literal(t, 0.5)}};
  for (const auto& [k, e] : per_channel) {
    if (!x.has_output(k)) continue;
    const std::string conn = "o" + std::to_string(k);
    code += " ";
    code += conn;
    code += " = ";
    code += e;
    code += ";";
    outs.push_back({conn, x.output_name(k), point_subset(c), {}});
  }
  pointwise(x, "batchnorm_grad_params", c_shape, ins, code, outs);
}

// dX of Reduce<mode> over the explicit `axes` (empty: nothing reduced) with `keepdims`; dY is
// read at the reduced point of each element. ReduceMax/ReduceMin split dY evenly among the
// elements equal to the extreme (PyTorch's amax does the same): a subgradient, and the
// derivative wherever the extreme is unique.
void expand_reduce_grad(ExpansionContext& x) {
  const std::string mode = x.attr_string("mode");
  const ir::Container out = x.output(0);
  const ir::Container dy = x.input(0);
  const ir::DType t = out.dtype;
  if (!ir::is_float(t)) x.fail("the output must be a floating-point tensor");
  const auto rank = static_cast<std::int64_t>(out.rank());
  const auto axes = normalize_axes(x, x.attr_ints("axes"), rank);
  const bool keepdims = x.attr_int("keepdims", 1) != 0;
  if (dy.shape != reduced_shape(out.shape, axes, keepdims))
    x.fail("input 0 does not have the reduced shape");
  const std::string n = count_as(t, reduced_count(out.shape, axes));
  const std::string zero = literal(t, 0);
  std::string code;
  bool reads_x = true;
  bool reads_y = false;
  if (mode == "sum") {
    code = "d";
    reads_x = false;
  } else if (mode == "mean") {
    code = "d / " + n;
    reads_x = false;
  } else if (mode == "sum_square") {
    code = literal(t, 2) + " * a * d";
  } else if (mode == "l1") {
    code = "select(a > " + zero + ", d, select(a < " + zero + ", -d, " + zero + "))";
  } else if (mode == "l2") {
    code = "select(b == " + zero + ", " + zero + ", a / b * d)";
    reads_y = true;
  } else if (mode == "log_sum") {
    code = "d / exp(b)";
    reads_x = false;
    reads_y = true;
  } else if (mode == "log_sum_exp") {
    code = "exp(a - b) * d";
    reads_y = true;
  } else if (mode == "max" || mode == "min") {
    reads_y = true;
  } else if (mode == "prod") {
    code = "";  // below: from the zero count and the product of the non-zero elements
  } else {
    x.fail("attribute 'mode' is '" + mode +
           "'; expected sum, mean, sum_square, l1, l2, log_sum, log_sum_exp, max, min or prod");
  }
  if (reads_x && (!x.has_input(1) || x.input(1).shape != out.shape))
    x.fail("mode '" + mode + "' reads the forward input (input 1), shaped like the output");
  if (reads_y && (!x.has_input(2) || x.input(2).shape != dy.shape))
    x.fail("mode '" + mode + "' reads the forward output (input 2), shaped like input 0");
  Ins ins{{"d", dy.name}};
  if (reads_x) ins.emplace_back("a", x.input_name(1));
  if (reads_y) ins.emplace_back("b", x.input_name(2));
  // keepdims=0 drops the reduced dims: read dY and Y at the reduced point, not broadcast.
  const Point p = param_point(x.params(out.shape));
  const Point at = reduced_point(p, axes, keepdims);
  if (mode == "max" || mode == "min") {
    const std::string ties = x.transient("ties", t, dy.shape);
    const std::vector<Param> all = params_over(out.shape);
    std::vector<Param> outer;
    std::vector<Param> inner;
    for (std::size_t d = 0; d < all.size(); ++d)
      (std::find(axes.begin(), axes.end(), static_cast<std::int64_t>(d)) != axes.end() ? inner
                                                                                       : outer)
          .push_back(all[d]);
    const Point acc = param_point(x.params(dy.shape));
    pointwise(x, "reduce_grad_ties_init", dy.shape, {}, "s = " + zero + ";",
              {{"s", ties, point_subset(acc), {}}});
    nested_map(
        x, "reduce_grad_ties", outer, inner,
        {{"a", x.input_name(1), point_subset(p), {}}, {"b", x.input_name(2), point_subset(at), {}}},
        "s = select(a == b, " + literal(t, 1) + ", " + zero + ");",
        {{"s", ties, point_subset(at), ir::WriteConflict::Sum}});
    ins.emplace_back("c", ties);
    code = "select(a == b, d / c, " + zero + ")";
  }
  if (mode == "prod") {
    // d prod / d a_i is the product of the other elements of the row: q / a_i without zeros
    // in the row, q (the product of the non-zero ones) at the only zero, 0 with more zeros.
    // Dividing Y by a_i would give nan at a zero.
    const std::string one = literal(t, 1);
    Reduction zeros;
    zeros.input = x.input_name(1);
    zeros.output = x.transient("zeros", t, dy.shape);
    zeros.axes = axes;
    zeros.keepdims = keepdims;
    zeros.init = zero;
    zeros.accumulate = "select(a == " + zero + ", " + one + ", " + zero + ")";
    zeros.label = "reduce_grad_zeros";
    reduce(x, zeros);
    Reduction nonzero = zeros;
    nonzero.output = x.transient("nonzero_prod", t, dy.shape);
    nonzero.init = one;
    nonzero.accumulate = "select(a == " + zero + ", " + one + ", a)";
    nonzero.wcr = ir::WriteConflict::Product;
    nonzero.label = "reduce_grad_nonzero_prod";
    reduce(x, nonzero);
    ins.emplace_back("z", zeros.output);
    ins.emplace_back("q", nonzero.output);
    code = "d * select(z == " + zero + ", q / a, select(z == " + one + " && a == " + zero +
           ", q, " + zero + "))";
  }
  std::vector<Port> ports;
  for (const auto& [conn, name] : ins)
    ports.push_back({conn, name, point_subset(conn == "a" ? p : at), {}});
  pointwise(x, "reduce_grad", out.shape, ports, "y = " + code + ";",
            {{"y", out.name, point_subset(p), {}}});
}

// --- losses ------------------------------------------------------------------------------------

// The factor f[n, d..] by which the loss at each target element scales its log-probability:
// dL (per element for 'none', else the scalar) * weight[target], 0 where the target is
// ignored, divided by the total weight of the kept elements for 'mean'. Returns the transient
// holding it (shaped like the target).
std::string loss_factor(ExpansionContext& x, int dl_slot, int target_slot, int weight_slot,
                        ir::DType t) {
  const ir::Container target = x.input(target_slot);
  const ir::Container dl = x.input(dl_slot);
  if (ir::is_float(target.dtype)) x.fail("the target must hold integers");
  const std::string reduction = x.attr_string("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    x.fail("attribute 'reduction' is '" + reduction + "'; expected none, sum or mean");
  if (reduction == "none" ? dl.shape != target.shape : dl.rank() != 0)
    x.fail("the loss's adjoint has the wrong shape for reduction '" + reduction + "'");
  const bool weighted = x.has_input(weight_slot);
  const std::string ok =
      x.has_attr("ignore_index")
          ? "c != " + literal(ir::DType::i64, static_cast<double>(x.attr_int("ignore_index")))
          : std::string("true");
  const std::string zero = literal(t, 0);
  const std::string head = "let c: i64 = cast<i64>(g); let ok: bool = " + ok + ";" +
                           (weighted ? " let k: i64 = select(ok, c, 0);" : "");
  const std::string weight = weighted ? "w[k]" : literal(t, 1);
  const Point p = param_point(x.params(target.shape));
  const ir::Expr classes = x.output(0).shape.at(1);
  std::vector<Port> ins{{"g", target.name, point_subset(p), {}}};
  if (weighted) ins.push_back({"w", x.input_name(weight_slot), {ir::Range{0, classes, 1}}, {}});
  const std::string f = x.transient("factor", t, target.shape);
  std::string code = head + " y = select(ok, l * " + weight + ", " + zero + ")";
  if (reduction == "mean") {
    const std::string kept = x.transient("kept_weight", t, target.shape);
    pointwise(x, "loss_grad_weight", target.shape, ins,
              head + " y = select(ok, " + weight + ", " + zero + ");",
              {{"y", kept, point_subset(p), {}}});
    const std::string total = x.transient("total_weight", t, {});
    Reduction r;
    r.input = kept;
    r.output = total;
    r.axes = range_axes(0, static_cast<std::int64_t>(target.rank()));
    r.keepdims = false;
    r.init = zero;
    r.label = "loss_grad_total";
    reduce(x, r);
    ins.push_back({"n", total, {}, {}});
    code += " / n";
  }
  ins.push_back({"l", dl.name, point_subset(reduction == "none" ? p : Point{}), {}});
  pointwise(x, "loss_grad_factor", target.shape, ins, code + ";", {{"y", f, point_subset(p), {}}});
  return f;
}

// The target's point for the element p = (n, c, d..) of the scores: (n, d..).
Point target_point(const Point& p) {
  Point q{p[0]};
  q.insert(q.end(), p.begin() + 2, p.end());
  return q;
}

void check_scores(const ExpansionContext& x, const ir::Container& scores, int target_slot) {
  if (scores.rank() < 2) x.fail("the scores must have rank 2 or more");
  if (x.input(target_slot).rank() + 1 != scores.rank())
    x.fail("the target must have one dimension less than the scores");
}

// dX[n, c, d..] = -f[n, d..] where c is the target class, 0 elsewhere.
void expand_nll_loss_grad(ExpansionContext& x) {
  const ir::Container out = x.output(0);
  const ir::DType t = out.dtype;
  if (!ir::is_float(t)) x.fail("the output must be a floating-point tensor");
  check_scores(x, out, 1);
  const std::string f = loss_factor(x, 0, 1, 2, t);
  const Point p = param_point(x.params(out.shape));
  pointwise(x, "nll_grad", out.shape,
            {{"g", x.input_name(1), point_subset(target_point(p)), {}},
             {"f", f, point_subset(target_point(p)), {}}},
            "y = select(cast<i64>(g) == _d1, -f, " + literal(t, 0) + ");",
            {{"y", out.name, point_subset(p), {}}});
}

// dX[n, c, d..] = (softmax(X)[n, c, d..] - [c is the target]) * f[n, d..]; softmax over the
// class axis 1, recomputed from the scores.
void expand_softmax_cross_entropy_loss_grad(ExpansionContext& x) {
  check_float(x, 1);
  const ir::Container in = x.input(1);
  const ir::DType t = in.dtype;
  check_scores(x, in, 2);
  if (x.output(0).shape != in.shape) x.fail("the output must be shaped like the scores");
  const std::string f = loss_factor(x, 0, 2, 3, t);
  const SoftmaxStats stats = softmax_stats(x, in.name, in.shape, t, 1, "sce_grad");
  const Point p = param_point(x.params(in.shape));
  const Point row = reduced_point(p, {1}, true);
  pointwise(x, "sce_grad", in.shape,
            {{"a", in.name, point_subset(p), {}},
             {"m", stats.max, point_subset(row), {}},
             {"s", stats.sum, point_subset(row), {}},
             {"g", x.input_name(2), point_subset(target_point(p)), {}},
             {"f", f, point_subset(target_point(p)), {}}},
            "y = (exp(a - m) / s - select(cast<i64>(g) == _d1, " + literal(t, 1) + ", " +
                literal(t, 0) + ")) * f;",
            {{"y", x.output_name(0), point_subset(p), {}}});
}

// d/dp of (p - t)^2 (summed, or averaged over the N elements) is 2 (p - t) dL (/ N).
void expand_mse_loss_grad(ExpansionContext& x) {
  check_float(x, 0);
  const ir::Container pred = x.input(0);
  const ir::Container target = x.input(1);
  const ir::Container dl = x.input(2);
  check_same_shape(x, pred, target);
  const ir::DType t = pred.dtype;
  const std::string reduction = x.attr_string("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    x.fail("attribute 'reduction' is '" + reduction + "'; expected none, sum or mean");
  if (reduction == "none" ? dl.shape != pred.shape : dl.rank() != 0)
    x.fail("the loss's adjoint has the wrong shape for reduction '" + reduction + "'");
  const Point p = param_point(x.params(pred.shape));
  std::string scale = literal(t, 2);
  if (reduction == "mean")
    scale +=
        " / " + count_as(t, reduced_count(pred.shape,
                                          range_axes(0, static_cast<std::int64_t>(pred.rank()))));
  std::string code = "let d: " + type_name(t) + " = " + scale + " * (a - b) * l;";
  std::vector<Port> outs;
  if (x.has_output(0)) {
    code += " y = d;";
    outs.push_back({"y", x.output_name(0), point_subset(p), {}});
  }
  if (x.has_output(1)) {
    code += " z = -d;";
    outs.push_back({"z", x.output_name(1), point_subset(p), {}});
  }
  pointwise(x, "mse_loss_grad", pred.shape,
            {{"a", pred.name, point_subset(p), {}},
             {"b", target.name, point_subset(p), {}},
             {"l", dl.name, point_subset(reduction == "none" ? p : Point{}), {}}},
            code, outs);
}

}  // namespace

void add_normalization_gradient_ops(OpTable& table) {
  table.add("BatchNormalizationGrad", expand_batch_normalization_grad);
  table.add("LayerNormalizationGrad", expand_layer_normalization_grad);
  table.add("LogSoftmaxGrad", softmax_grad(true));
  table.add("MSELossGrad", expand_mse_loss_grad);
  table.add("NegativeLogLikelihoodLossGrad", expand_nll_loss_grad);
  table.add("ChannelNormalizationGrad", expand_channel_normalization_grad);
  table.add("LpNormalizationGrad", expand_lp_normalization_grad);
  table.add("MeanVarianceNormalizationGrad", expand_mean_variance_normalization_grad);
  table.add("ReduceGrad", expand_reduce_grad);
  table.add("SoftmaxCrossEntropyLossGrad", expand_softmax_cross_entropy_loss_grad);
  table.add("SoftmaxGrad", softmax_grad(false));
}

}  // namespace sluice::ops
