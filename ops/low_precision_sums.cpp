#include "ops/low_precision_sums.h"

#include "ir/tasklet.h"
#include "ops/op_helpers.h"

namespace sluice::ops {

bool accumulates_wider(ir::DType dtype) {
  return dtype == ir::DType::f16 || dtype == ir::DType::bf16;
}

namespace {

/// Every element of `shape`, as the ports of a copy map over it.
Port whole_point(const std::string& connector, const std::string& container, const Point& point) {
  return {connector, container, point_subset(point), {}};
}

}  // namespace

std::vector<WidenedSum> widen_sums(ExpansionContext& x, const std::string& label, std::string& code,
                                   std::vector<ReductionOutput>& outputs) {
  std::vector<WidenedSum> widened;
  ir::TaskletCode parsed;
  bool changed = false;
  for (ReductionOutput& out : outputs) {
    if (out.wcr != ir::WriteConflict::Sum && out.wcr != ir::WriteConflict::Product) continue;
    const ir::Container low = x.container(out.container);
    if (!accumulates_wider(low.dtype)) continue;
    if (!changed) parsed = ir::parse_tasklet(code);
    changed = true;
    const std::string wide = x.transient(label + "_acc_f32", ir::DType::f32, low.shape);
    const Point at = param_point(x.params(low.shape));
    pointwise(x, label + "_acc_init", low.shape, {whole_point("a", low.name, at)},
              "s = cast<f32>(a);", {whole_point("s", wide, at)});
    for (ir::TaskletStatement& s : parsed.statements)
      if (!s.let_type && s.target == out.connector)
        s.value = ir::TaskletExpr::cast(ir::DType::f32, s.value);
    widened.push_back({low.name, wide});
    out.container = wide;
  }
  if (changed) code = ir::print_tasklet(parsed);
  return widened;
}

void narrow_sums(ExpansionContext& x, const std::string& label,
                 const std::vector<WidenedSum>& widened) {
  for (const WidenedSum& w : widened) {
    const ir::Container low = x.container(w.low);
    const Point at = param_point(x.params(low.shape));
    pointwise(x, label + "_acc_store", low.shape, {whole_point("s", w.wide, at)},
              "y = cast<" + std::string(ir::dtype_name(low.dtype)) + ">(s);",
              {whole_point("y", low.name, at)});
  }
}

}  // namespace sluice::ops
