// Losses: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (= LogSoftmax over the class
// axis, then the negative log-likelihood), and the Sluice op MSELoss. The per-element loss reads
// the log-probability of the target class through a tasklet subscript (the memlet spans the class
// axis); the reductions `sum` and `mean` (weighted by the target classes' weights) follow.

#include <string>
#include <vector>

#include "ops/expansion.h"
#include "ops/op_groups.h"
#include "ops/op_helpers.h"
#include "ops/op_registry.h"

namespace sluice::ops {
namespace {

std::vector<std::int64_t> all_axes(std::size_t rank) {
  std::vector<std::int64_t> axes;
  for (std::size_t d = 0; d < rank; ++d) axes.push_back(static_cast<std::int64_t>(d));
  return axes;
}

// The sum of `input` over every axis into `output` (rank 0).
void total(ExpansionContext& x, const std::string& label, const std::string& input,
           const std::string& output) {
  Reduction r;
  r.input = input;
  r.output = output;
  r.axes = all_axes(x.container(input).rank());
  r.keepdims = false;
  r.init = literal(x.container(output).dtype, 0);
  r.label = label;
  reduce(x, r);
}

// -logp[n, target[n, d..], d..] * weight[target] with the reduction of the node's attributes;
// `logp` has the shape [N, C, d..] of the node's input 0 and `weight` is input 2 if present.
void negative_log_likelihood(ExpansionContext& x, const std::string& logp) {
  const ir::Container in = x.container(logp);
  const ir::Container target = x.input(1);
  const ir::Container out = x.output(0);
  const ir::DType t = in.dtype;
  if (!ir::is_float(t)) x.fail("input 0 must be a floating-point tensor");
  if (in.rank() < 2) x.fail("input 0 must have rank 2 or more");
  if (target.rank() + 1 != in.rank())
    x.fail("the target must have one dimension less than input 0");
  if (ir::is_float(target.dtype)) x.fail("the target must hold integers");
  const std::string reduction = x.attr_string("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    x.fail("attribute 'reduction' is '" + reduction + "'; expected none, sum or mean");
  if (reduction == "none" ? out.shape != target.shape : out.rank() != 0)
    x.fail("output 0 has the wrong shape for reduction '" + reduction + "'");
  const bool weighted = x.has_input(2);
  const bool ignoring = x.has_attr("ignore_index");
  const std::int64_t ignore = ignoring ? x.attr_int("ignore_index") : 0;

  // Per element of the target: the point p = (n, d..) reads logp[n, 0:C, d..].
  const Point p = param_point(x.params(target.shape));
  ir::Subset row;
  row.push_back(ir::Range::index(p[0]));
  row.push_back(ir::Range{0, in.shape[1], 1});
  for (std::size_t d = 1; d < p.size(); ++d) row.push_back(ir::Range::index(p[d]));
  std::string at = "0, k";
  for (std::size_t d = 1; d < p.size(); ++d) at += ", 0";
  std::vector<Port> ins{{"g", target.name, point_subset(p), {}}, {"x", in.name, row, {}}};
  if (weighted) ins.push_back({"w", x.input_name(2), {ir::Range{0, in.shape[1], 1}}, {}});
  const std::string weight = weighted ? "w[k]" : literal(t, 1);
  std::string code = "let c: i64 = cast<i64>(g); let ok: bool = " +
                     (ignoring ? "c != " + literal(ir::DType::i64, static_cast<double>(ignore))
                               : std::string("true")) +
                     "; let k: i64 = select(ok, c, 0); l = select(ok, -x[" + at + "] * " + weight +
                     ", " + literal(t, 0) + ");";
  std::vector<Port> outs;
  std::string loss = out.name;
  if (reduction != "none") loss = x.transient("loss", t, target.shape);
  outs.push_back({"l", loss, point_subset(p), {}});
  std::string weights;
  if (reduction == "mean") {
    weights = x.transient("weight", t, target.shape);
    code += " v = select(ok, " + weight + ", " + literal(t, 0) + ");";
    outs.push_back({"v", weights, point_subset(p), {}});
  }
  pointwise(x, "nll", target.shape, ins, code, outs);
  if (reduction == "sum") total(x, "nll_sum", loss, out.name);
  if (reduction != "mean") return;
  const std::string sum = x.transient("sum", t, {});
  const std::string count = x.transient("count", t, {});
  total(x, "nll_sum", loss, sum);
  total(x, "nll_count", weights, count);
  pointwise(x, "nll_mean", {}, {{"s", sum, {}, {}}, {"n", count, {}, {}}}, "y = s / n;",
            {{"y", out.name, {}, {}}});
}

void expand_nll_loss(ExpansionContext& x) { negative_log_likelihood(x, x.input_name(0)); }

void expand_softmax_cross_entropy_loss(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  const ir::DType t = in.dtype;
  if (!ir::is_float(t)) x.fail("input 0 must be a floating-point tensor");
  if (in.rank() < 2) x.fail("input 0 must have rank 2 or more");
  // log_softmax over the class axis 1.
  const std::string logp =
      x.has_output(1) ? x.output_name(1) : x.transient("log_prob", t, in.shape);
  const SoftmaxStats stats = softmax_stats(x, in.name, in.shape, t, 1, "sce");
  elementwise_on(x, "log_softmax", {{"a", in.name}, {"b", stats.max}, {"c", stats.sum}},
                 "y = a - b - log(c);", {{"y", logp}}, in.shape);
  negative_log_likelihood(x, logp);
}

// MSELoss (a Sluice op): (p - t)^2 per element, or its sum or mean over every element
// (attribute `reduction`, default mean). One sweep: the squares accumulate straight into the
// scalar.
void expand_mse_loss(ExpansionContext& x) {
  const ir::Container pred = x.input(0);
  const ir::Container target = x.input(1);
  const ir::Container out = x.output(0);
  const ir::DType t = pred.dtype;
  if (!ir::is_float(t)) x.fail("input 0 must be a floating-point tensor");
  if (target.shape != pred.shape || target.dtype != t)
    x.fail("the target must have the prediction's shape and dtype");
  const std::string reduction = x.attr_string("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    x.fail("attribute 'reduction' is '" + reduction + "'; expected none, sum or mean");
  if (reduction == "none" ? out.shape != pred.shape : out.rank() != 0)
    x.fail("output 0 has the wrong shape for reduction '" + reduction + "'");
  const Point p = param_point(x.params(pred.shape));
  const std::vector<Port> ins{{"a", pred.name, point_subset(p), {}},
                              {"b", target.name, point_subset(p), {}}};
  const std::string square = "(a - b) * (a - b)";
  if (reduction == "none") {
    pointwise(x, "mse", pred.shape, ins, "y = " + square + ";",
              {{"y", out.name, point_subset(p), {}}});
    return;
  }
  const std::string sum = reduction == "sum" ? out.name : x.transient("sum", t, {});
  pointwise(x, "mse_init", {}, {}, "s = " + literal(t, 0) + ";", {{"s", sum, {}, {}}});
  nested_map(x, "mse", {}, params_over(pred.shape), ins, "s = " + square + ";",
             {{"s", sum, {}, ir::WriteConflict::Sum}});
  if (reduction == "sum") return;
  pointwise(x, "mse_mean", {}, {{"s", sum, {}, {}}},
            "y = s / " + count_as(t, reduced_count(pred.shape, all_axes(pred.rank()))) + ";",
            {{"y", out.name, {}, {}}});
}

}  // namespace

void add_loss_ops(OpTable& table) {
  table.add("MSELoss", expand_mse_loss);
  table.add("NegativeLogLikelihoodLoss", expand_nll_loss);
  table.add("SoftmaxCrossEntropyLoss", expand_softmax_cross_entropy_loss);
}

}  // namespace sluice::ops
