// Normalizations: Softmax family (max, sum of exponentials, element-wise), the moment-based
// normalizations (mean and variance reductions kept with their reduced dims as 1, then one
// broadcast element-wise map), and LpNormalization.

#include <functional>
#include <string>
#include <vector>

#include "ops/expansion.h"
#include "ops/op_groups.h"
#include "ops/op_helpers.h"
#include "ops/op_registry.h"

namespace sluice::ops {
namespace {

std::string lit(ir::DType t, double v) { return literal(t, v); }

std::vector<std::int64_t> axes_from(std::int64_t first, std::int64_t rank) {
  std::vector<std::int64_t> axes;
  for (std::int64_t d = first; d < rank; ++d) axes.push_back(d);
  return axes;
}

// A transient (or the given container) holding reduce(input over axes), keepdims.
std::string reduced(ExpansionContext& x, const std::string& label, const std::string& input,
                    const std::vector<std::int64_t>& axes, ir::DType dtype, const std::string& init,
                    ir::WriteConflict wcr, const std::string& accumulate,
                    const std::string& finalize,
                    const std::vector<std::pair<std::string, std::string>>& extras = {},
                    const std::string& into = "") {
  const ir::Container in = x.container(input);
  Reduction r;
  r.input = input;
  r.axes = axes;
  r.keepdims = true;
  r.output = into.empty() ? x.transient(label, dtype, reduced_shape(in.shape, axes, true)) : into;
  r.init = init;
  r.wcr = wcr;
  r.accumulate = accumulate;
  r.finalize = finalize;
  r.acc_dtype = dtype;
  r.extras = extras;
  r.label = label;
  reduce(x, r);
  return r.output;
}

// `cast<T>(e)`, or e when it has that type already.
std::string as(ir::DType to, ir::DType from, const std::string& e) {
  return to == from ? e : "cast<" + type_name(to) + ">(" + e + ")";
}

// Mean over `axes` (keepdims), computed in `t`.
std::string mean_of(ExpansionContext& x, const std::string& label, const std::string& input,
                    const std::vector<std::int64_t>& axes, ir::DType t,
                    const std::string& into = "") {
  const ir::Container in = x.container(input);
  return reduced(x, label, input, axes, t, lit(t, 0), ir::WriteConflict::Sum, as(t, in.dtype, "a"),
                 "s / " + count_as(t, reduced_count(in.shape, axes)), {}, into);
}

// E[(x - mean)^2] over `axes`, turned into the stored value by `finalize` (given the
// variance's expression).
std::string variance_of(ExpansionContext& x, const std::string& label, const std::string& input,
                        const std::string& mean, const std::vector<std::int64_t>& axes, ir::DType t,
                        const std::function<std::string(const std::string&)>& finalize,
                        const std::string& into = "") {
  const ir::Container in = x.container(input);
  const std::string v = "(s / " + count_as(t, reduced_count(in.shape, axes)) + ")";
  const std::string a = as(t, in.dtype, "a");
  return reduced(x, label, input, axes, t, lit(t, 0), ir::WriteConflict::Sum,
                 "(" + a + " - m) * (" + a + " - m)", finalize(v), {{"m", mean}}, into);
}

// Softmax, LogSoftmax: opset-13 semantics (one axis, default -1).
ExpandFunction softmax(bool log) {
  return [log](ExpansionContext& x) {
    const ir::Container in = x.input(0);
    const ir::DType t = in.dtype;
    if (!ir::is_float(t)) x.fail("the input must be a floating-point tensor");
    const auto rank = static_cast<std::int64_t>(in.rank());
    const std::int64_t axis = normalize_axis(x, x.attr_int("axis", -1), rank);
    const std::string name = log ? "logsoftmax" : "softmax";
    const std::string m =
        reduced(x, name + "_max", in.name, {axis}, t, lowest(t), ir::WriteConflict::Max, "a", "");
    if (log) {
      const std::string s = reduced(x, name + "_sum", in.name, {axis}, t, lit(t, 0),
                                    ir::WriteConflict::Sum, "exp(a - m)", "", {{"m", m}});
      elementwise_on(x, name, {{"a", in.name}, {"b", m}, {"c", s}}, "y = a - b - log(c);",
                     {{"y", x.output_name(0)}}, in.shape);
      return;
    }
    // Each exponential once: kept, summed, then scaled (fused by normalization-fusion, the
    // kept row stays in registers).
    const std::string e = x.transient(name + "_exp", t, in.shape);
    elementwise_on(x, name + "_exp", {{"a", in.name}, {"b", m}}, "y = exp(a - b);", {{"y", e}},
                   in.shape);
    const std::string s =
        reduced(x, name + "_sum", e, {axis}, t, lit(t, 0), ir::WriteConflict::Sum, "a", "");
    elementwise_on(x, name, {{"a", e}, {"c", s}}, "y = a / c;", {{"y", x.output_name(0)}},
                   in.shape);
  };
}

void expand_hardmax(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  const auto rank = static_cast<std::int64_t>(in.rank());
  const std::int64_t axis = normalize_axis(x, x.attr_int("axis", -1), rank);
  const std::string index =
      x.transient("index", ir::DType::i64, reduced_shape(in.shape, {axis}, true));
  arg_extreme(x, "hardmax", in.name, axis, true, false, index);
  const ir::DType t = x.output(0).dtype;
  elementwise_on(
      x, "hardmax", {{"b", index}},
      "y = select(b == _d" + std::to_string(axis) + ", " + lit(t, 1) + ", " + lit(t, 0) + ");",
      {{"y", x.output_name(0)}}, in.shape);
}

void expand_layer_normalization(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  const ir::DType t = in.dtype;
  if (!ir::is_float(t)) x.fail("the input must be a floating-point tensor");
  const auto rank = static_cast<std::int64_t>(in.rank());
  const std::int64_t axis = normalize_axis(x, x.attr_int("axis", -1), rank);
  const double epsilon = x.attr_float("epsilon", 1e-5);
  // The statistics are kept in the stash type: that of the Mean/InvStdDev outputs when asked
  // for, otherwise at least f32.
  ir::DType stash = (t == ir::DType::f16 || t == ir::DType::bf16) ? ir::DType::f32 : t;
  if (x.has_output(1))
    stash = x.output(1).dtype;
  else if (x.has_output(2))
    stash = x.output(2).dtype;
  const auto axes = axes_from(axis, rank);
  const auto stat_shape = reduced_shape(in.shape, axes, true);
  for (const int k : {1, 2})
    if (x.has_output(k) && x.output(k).shape != stat_shape)
      x.fail("output " + std::to_string(k) + " has the wrong shape");
  const std::string mean =
      mean_of(x, "mean", in.name, axes, stash, x.has_output(1) ? x.output_name(1) : "");
  const std::string inv = variance_of(
      x, "inv_std_dev", in.name, mean, axes, stash,
      [&](const std::string& v) {
        return lit(stash, 1) + " / sqrt(" + v + " + " + lit(stash, epsilon) + ")";
      },
      x.has_output(2) ? x.output_name(2) : "");
  std::vector<std::pair<std::string, std::string>> ins{
      {"a", in.name}, {"b", mean}, {"c", inv}, {"d", x.input_name(1)}};
  std::string code = "y = " + as(t, stash, "(" + as(stash, t, "a") + " - b) * c") + " * d";
  if (x.has_input(2)) {
    ins.emplace_back("e", x.input_name(2));
    code += " + e";
  }
  elementwise_on(x, "layernorm", ins, code + ";", {{"y", x.output_name(0)}}, in.shape);
}

// Parameters of shape [C] read at the channel (dimension 1) of the output point.
void channel_map(ExpansionContext& x, const std::string& label,
                 const std::vector<std::pair<std::string, std::string>>& full,
                 const std::vector<std::pair<std::string, std::string>>& per_channel,
                 const std::string& code) {
  const auto shape = x.output(0).shape;
  const Point p = param_point(x.params(shape));
  std::vector<Port> ins;
  for (const auto& [conn, name] : full)
    ins.push_back({conn, name, point_subset(broadcast_point(x.container(name).shape, p)), {}});
  for (const auto& [conn, name] : per_channel) {
    if (x.container(name).rank() != 1) x.fail("'" + name + "' must have rank 1");
    ins.push_back({conn, name, point_subset({p.at(1)}), {}});
  }
  pointwise(x, label, shape, ins, code, {{"y", x.output_name(0), point_subset(p), {}}});
}

// Training mode: the statistics of this batch, over every dim but the channel (dim 1); the
// population variance, as ONNX's reference computes it. Outputs 1 and 2, when asked for, are the
// running statistics input * momentum + batch * (1 - momentum).
void batch_normalization_training(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  const ir::DType t = in.dtype;
  const auto rank = static_cast<std::int64_t>(in.rank());
  std::vector<std::int64_t> axes{0};
  for (std::int64_t d = 2; d < rank; ++d) axes.push_back(d);
  const std::string mean = mean_of(x, "batch_mean", in.name, axes, t);
  const std::string var =
      variance_of(x, "batch_var", in.name, mean, axes, t, [](const std::string& v) { return v; });
  channel_map(x, "batchnorm", {{"a", in.name}, {"m", mean}, {"v", var}},
              {{"s", x.input_name(1)}, {"b", x.input_name(2)}},
              "y = (a - m) / sqrt(v + " + lit(t, x.attr_float("epsilon", 1e-5)) + ") * s + b;");
  const double momentum = x.attr_float("momentum", 0.9);
  for (const int k : {1, 2}) {
    if (!x.has_output(k)) continue;
    const ir::Container out = x.output(k);
    if (out.shape != std::vector<ir::Expr>{in.shape[1]})
      x.fail("output " + std::to_string(k) + " must have the shape [C]");
    const Point c = param_point(x.params(out.shape));
    Point at(in.rank(), ir::Expr(0));
    at[1] = c[0];
    pointwise(x, k == 1 ? "batchnorm_running_mean" : "batchnorm_running_var", out.shape,
              {{"r", x.input_name(k + 2), point_subset(c), {}},
               {"s", k == 1 ? mean : var, point_subset(at), {}}},
              "y = r * " + lit(t, momentum) + " + s * " + lit(t, 1.0 - momentum) + ";",
              {{"y", out.name, point_subset(c), {}}});
  }
}

void expand_batch_normalization(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  if (in.rank() < 2) x.fail("the input must have rank 2 or more");
  if (x.attr_int("training_mode", 0) != 0) {
    batch_normalization_training(x);
    return;
  }
  const ir::DType t = in.dtype;
  const double epsilon = x.attr_float("epsilon", 1e-5);
  channel_map(x, "batchnorm", {{"a", in.name}},
              {{"s", x.input_name(1)},
               {"b", x.input_name(2)},
               {"m", x.input_name(3)},
               {"v", x.input_name(4)}},
              "y = (a - m) / sqrt(v + " + lit(t, epsilon) + ") * s + b;");
}

void expand_instance_normalization(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  if (in.rank() < 3) x.fail("the input must have rank 3 or more");
  const ir::DType t = in.dtype;
  const auto axes = axes_from(2, static_cast<std::int64_t>(in.rank()));
  const std::string mean = mean_of(x, "mean", in.name, axes, t);
  const std::string inv =
      variance_of(x, "inv_std_dev", in.name, mean, axes, t, [&](const std::string& v) {
        return lit(t, 1) + " / sqrt(" + v + " + " + lit(t, x.attr_float("epsilon", 1e-5)) + ")";
      });
  channel_map(x, "instancenorm", {{"a", in.name}, {"m", mean}, {"v", inv}},
              {{"s", x.input_name(1)}, {"b", x.input_name(2)}}, "y = (a - m) * v * s + b;");
}

void expand_lp_normalization(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  const ir::DType t = in.dtype;
  const std::int64_t axis =
      normalize_axis(x, x.attr_int("axis", -1), static_cast<std::int64_t>(in.rank()));
  const std::int64_t p = x.attr_int("p", 2);
  if (p != 1 && p != 2) x.fail("attribute 'p' is " + std::to_string(p) + "; expected 1 or 2");
  const std::string norm = p == 1 ? reduced(x, "norm", in.name, {axis}, t, lit(t, 0),
                                            ir::WriteConflict::Sum, "abs(a)", "")
                                  : reduced(x, "norm", in.name, {axis}, t, lit(t, 0),
                                            ir::WriteConflict::Sum, "a * a", "sqrt(s)");
  elementwise_on(x, "lpnorm", {{"a", in.name}, {"b", norm}}, "y = a / b;",
                 {{"y", x.output_name(0)}}, in.shape);
}

void expand_mean_variance_normalization(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  const ir::DType t = in.dtype;
  const auto rank = static_cast<std::int64_t>(in.rank());
  const auto axes =
      normalize_axes(x, x.attr_ints("axes", std::vector<std::int64_t>{0, 2, 3}), rank);
  const std::string mean = mean_of(x, "mean", in.name, axes, t);
  const std::string std_dev = variance_of(x, "std_dev", in.name, mean, axes, t,
                                          [](const std::string& v) { return "sqrt(" + v + ")"; });
  elementwise_on(x, "mvn", {{"a", in.name}, {"b", mean}, {"c", std_dev}},
                 "y = (a - b) / (c + " + lit(t, 1e-9) + ");", {{"y", x.output_name(0)}}, in.shape);
}

}  // namespace

void add_normalization_ops(OpTable& table) {
  table.add("BatchNormalization", expand_batch_normalization);
  table.add("Hardmax", expand_hardmax);
  table.add("InstanceNormalization", expand_instance_normalization);
  table.add("LayerNormalization", expand_layer_normalization);
  table.add("LogSoftmax", softmax(true));
  table.add("LpNormalization", expand_lp_normalization);
  table.add("MeanVarianceNormalization", expand_mean_variance_normalization);
  table.add("Softmax", softmax(false));
}

}  // namespace sluice::ops
