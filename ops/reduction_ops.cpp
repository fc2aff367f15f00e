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
  r.finalize = ir::is_float(t) ? "sqrt(s)"
                               : "cast<" + type_name(t) + ">(sqrt(cast<f64>(s)))";
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

}  // namespace

void add_reduction_ops(OpTable& table) {
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
