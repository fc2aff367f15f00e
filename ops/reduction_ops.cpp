// Reductions (ReduceSum ... ReduceSumSquare, ArgMax/ArgMin) and CumSum, built from `reduce`:
// initialize an accumulator, accumulate with a write-conflict resolution over the reduced axes
// (an inner sequential map inside a parallel map over the kept axes), then finalize.

#include <string>
#include <vector>

#include "ops/expansion.h"
#include "ops/op_groups.h"
#include "ops/op_helpers.h"
#include "ops/op_registry.h"

namespace sluice::ops {
namespace {

std::string lit(const ExpansionContext& x, double v) { return literal(x.output(0).dtype, v); }

void expand_reduce_sum(ExpansionContext& x) {
  Reduction r = reduction_of(x);
  r.init = lit(x, 0);
  reduce(x, r);
}

void expand_reduce_sum_square(ExpansionContext& x) {
  Reduction r = reduction_of(x);
  r.init = lit(x, 0);
  r.accumulate = "a * a";
  reduce(x, r);
}

void expand_reduce_l1(ExpansionContext& x) {
  Reduction r = reduction_of(x);
  r.init = lit(x, 0);
  r.accumulate = "abs(a)";
  reduce(x, r);
}

void expand_reduce_l2(ExpansionContext& x) {
  Reduction r = reduction_of(x);
  r.init = lit(x, 0);
  r.accumulate = "a * a";
  const ir::DType t = x.output(0).dtype;
  r.finalize = ir::is_float(t) ? "sqrt(s)" : "cast<" + type_name(t) + ">(sqrt(cast<f64>(s)))";
  reduce(x, r);
}

void expand_reduce_mean(ExpansionContext& x) {
  Reduction r = reduction_of(x);
  r.init = lit(x, 0);
  r.finalize = "s / " + count_as(x.output(0).dtype, reduced_count(x.input(0).shape, r.axes));
  reduce(x, r);
}

void expand_reduce_max(ExpansionContext& x) {
  Reduction r = reduction_of(x);
  r.init = lowest(x.output(0).dtype);
  r.wcr = ir::WriteConflict::Max;
  reduce(x, r);
}

void expand_reduce_min(ExpansionContext& x) {
  Reduction r = reduction_of(x);
  r.init = highest(x.output(0).dtype);
  r.wcr = ir::WriteConflict::Min;
  reduce(x, r);
}

void expand_reduce_prod(ExpansionContext& x) {
  Reduction r = reduction_of(x);
  r.init = lit(x, 1);
  r.wcr = ir::WriteConflict::Product;
  reduce(x, r);
}

void expand_reduce_log_sum(ExpansionContext& x) {
  Reduction r = reduction_of(x);
  r.init = lit(x, 0);
  r.finalize = "log(s)";
  reduce(x, r);
}

// log(sum(exp(a - m))) + m with m the maximum: no overflow for large inputs.
void expand_reduce_log_sum_exp(ExpansionContext& x) {
  const Reduction base = reduction_of(x);
  const ir::DType t = x.output(0).dtype;
  Reduction m = base;
  m.output = x.transient("max", t, x.output(0).shape);
  m.init = lowest(t);
  m.wcr = ir::WriteConflict::Max;
  m.label = base.label + "_max";
  reduce(x, m);
  Reduction r = base;
  r.init = lit(x, 0);
  r.extras = {{"m", m.output}};
  // An all -inf slice keeps m = -inf; exp(a - m) would be NaN there.
  r.accumulate = "select(m == " + lowest(t) + ", " + lit(x, 0) + ", exp(a - m))";
  r.finalize = "select(m == " + lowest(t) + ", m, log(s) + m)";
  reduce(x, r);
}

ExpandFunction arg(bool max) {
  return [max](ExpansionContext& x) {
    const auto rank = static_cast<std::int64_t>(x.input(0).rank());
    const std::int64_t axis = normalize_axis(x, x.attr_int("axis", 0), rank);
    const bool keepdims = x.attr_int("keepdims", 1) != 0;
    if (x.output(0).rank() != x.input(0).rank() - (keepdims ? 0 : 1))
      x.fail("the output rank does not match keepdims");
    arg_extreme(x, max ? "argmax" : "argmin", x.input_name(0), axis, max,
                x.attr_int("select_last_index", 0) != 0, x.output_name(0));
  };
}

// out[.., i, ..] = sum of in[.., j, ..] over j <= i (j < i exclusive; j >= i reversed): a
// sequential inner map over j whose range depends on i.
void expand_cum_sum(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  const auto rank = static_cast<std::int64_t>(in.rank());
  const auto axis = static_cast<std::size_t>(normalize_axis(x, x.attr_int("axis"), rank));
  const bool exclusive = x.attr_int("exclusive", 0) != 0;
  const bool reverse = x.attr_int("reverse", 0) != 0;
  const std::vector<Param> outer = params_over(in.shape);
  const Point out = param_point(x.params(in.shape));
  const ir::Expr i = out[axis];
  const ir::Expr n = in.shape[axis];
  const ir::Range r =
      reverse ? ir::Range{exclusive ? i + 1 : i, n, 1} : ir::Range{0, exclusive ? i : i + 1, 1};
  Point src = out;
  src[axis] = ir::Expr::symbol("_r0");
  pointwise(x, "cumsum_init", in.shape, {}, "y = " + lit(x, 0) + ";",
            {{"y", x.output_name(0), point_subset(out), {}}});
  nested_map(x, "cumsum", outer, {{"_r0", r}}, {{"a", x.input_name(0), point_subset(src), {}}},
             "y = a;", {{"y", x.output_name(0), point_subset(out), ir::WriteConflict::Sum}});
}

}  // namespace

void add_reduction_ops(OpTable& table) {
  table.add("ArgMax", arg(true));
  table.add("ArgMin", arg(false));
  table.add("CumSum", expand_cum_sum);
  table.add("ReduceL1", expand_reduce_l1);
  table.add("ReduceL2", expand_reduce_l2);
  table.add("ReduceLogSum", expand_reduce_log_sum);
  table.add("ReduceLogSumExp", expand_reduce_log_sum_exp);
  table.add("ReduceMax", expand_reduce_max);
  table.add("ReduceMean", expand_reduce_mean);
  table.add("ReduceMin", expand_reduce_min);
  table.add("ReduceProd", expand_reduce_prod);
  table.add("ReduceSum", expand_reduce_sum);
  table.add("ReduceSumSquare", expand_reduce_sum_square);
}

}  // namespace sluice::ops
