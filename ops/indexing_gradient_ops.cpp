// Gradient ops of the indexing ops (reverse-mode autodiff builds them; transforms/autodiff/).
//
//   SliceGrad(dY) -> dX          attributes of the forward Slice (starts, ends, axes, steps);
//                                dX is zero except where the slice read, which gets dY.
//   GatherGrad(dY, indices) -> dX   attribute `axis` of the forward Gather; dX[.., j, ..] is the
//                                sum of the dY elements whose index is j (repeats add up).
//
// The output's shape (the forward input's) comes from the output container. Both zero-fill dX
// first; the context orders the second write after it. A tasklet cannot write to a computed
// place, so GatherGrad's scatter-add is written as a gather, as the scatters in
// indexing_ops.cpp are: each dX element sums, over every index position, the dY element that
// lands on it (write-conflict sum). That is |dX| * |indices| work; a library-backed scatter is
// what an embedding table of real size wants.

#include <cstdint>
#include <string>
#include <vector>

#include "ops/expansion.h"
#include "ops/index_helpers.h"
#include "ops/op_groups.h"
#include "ops/op_helpers.h"
#include "ops/op_registry.h"

namespace sluice::ops {
namespace {

using index::Point;

void expand_slice_grad(ExpansionContext& x) {
  const ir::Container dy = x.input(0);
  const ir::Container dx = x.output(0);
  const auto rank = static_cast<std::int64_t>(dx.rank());
  if (dy.rank() != dx.rank()) x.fail("dY and dX must have the same rank");
  const auto starts = x.attr_ints("starts");
  std::vector<std::int64_t> default_axes;
  for (std::size_t i = 0; i < starts.size(); ++i)
    default_axes.push_back(static_cast<std::int64_t>(i));
  const auto axes = x.attr_ints("axes", default_axes);
  const auto steps = x.attr_ints("steps", std::vector<std::int64_t>(starts.size(), 1));
  if (axes.size() != starts.size() || steps.size() != starts.size())
    x.fail("starts, axes and steps must have the same length");
  Point first(dx.rank(), ir::Expr(0));
  std::vector<std::int64_t> step(dx.rank(), 1);
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const auto d = static_cast<std::size_t>(normalize_axis(x, axes[i], rank, "axes entry"));
    if (steps[i] == 0) x.fail("a step is 0");
    step[d] = steps[i];
    first[d] = index::slice_start(dx.shape[d], starts[i], steps[i]);
  }
  if (index::outputs_empty(x)) return;
  index::fill(x, "slice_grad_zero", dx.name, index::literal(dx.dtype, 0));
  if (index::is_empty(dy.shape)) return;
  const MapParams p = x.params(dy.shape);
  const Point q = index::param_exprs(p);
  Point dst;
  for (std::size_t d = 0; d < q.size(); ++d) dst.push_back(first[d] + q[d] * step[d]);
  index::pointwise(x, "slice_grad", dy.shape, {{"a", dy.name, p.index}}, "y = a;",
                   {{"y", dx.name, index::subset_text(dst)}});
}

// `let j: i64 = <i normalized into [0, n)>;` with Gather's clamping, so that the gradient goes
// where the forward read.
std::string normalized_index(const std::string& value, const ir::Expr& n) {
  const std::string size = index::tasklet_text(n);
  return "let j_raw: i64 = cast<i64>(" + value + ");\nlet j: i64 = min(max(select(j_raw < 0, " +
         "j_raw + " + size + ", j_raw), 0), " + size + " - 1);\n";
}

void expand_gather_grad(ExpansionContext& x) {
  const ir::Container dy = x.input(0);
  const ir::Container ids = x.input(1);
  const ir::Container dx = x.output(0);
  const auto r = static_cast<std::int64_t>(dx.rank());
  const auto axis = static_cast<std::size_t>(normalize_axis(x, x.attr_int("axis", 0), r));
  const std::size_t q = ids.rank();
  if (dy.rank() != dx.rank() + q - 1) x.fail("dY's rank does not match dX and indices");
  if (index::outputs_empty(x)) return;
  const std::string zero = index::literal(dx.dtype, 0);
  if (index::is_empty(ids.shape)) {
    index::fill(x, "gather_grad_zero", dx.name, zero);
    return;
  }
  const MapParams p = x.params(dx.shape);
  const Point o = index::param_exprs(p);
  const std::string hit = "j == " + index::tasklet_text(o[axis]);
  Point before(o.begin(), o.begin() + static_cast<std::ptrdiff_t>(axis));
  const Point after(o.begin() + static_cast<std::ptrdiff_t>(axis + 1), o.end());
  if (q == 0) {  // one index: dY is dX without the axis; no two dY elements meet
    Point g = before;
    g.insert(g.end(), after.begin(), after.end());
    index::pointwise(
        x, "gather_grad", dx.shape, {{"i", ids.name, ""}, {"g", dy.name, index::subset_text(g)}},
        normalized_index("i", dx.shape[axis]) + "y = select(" + hit + ", g, " + zero + ");",
        {{"y", dx.name, p.index}});
    return;
  }
  index::fill(x, "gather_grad_zero", dx.name, zero);
  const index::InnerParams inner = index::inner_params(ids.shape);
  Point g = before;
  g.insert(g.end(), inner.exprs.begin(), inner.exprs.end());
  g.insert(g.end(), after.begin(), after.end());
  index::reduce_map(
      x, "gather_grad", p.ranges, inner.ranges,
      {{"i", ids.name, index::subset_text(inner.exprs)}, {"g", dy.name, index::subset_text(g)}},
      normalized_index("i", dx.shape[axis]) + "y = select(" + hit + ", g, " + zero + ");",
      {{"y", dx.name, p.index, ir::WriteConflict::Sum}});
}

}  // namespace

void add_indexing_gradient_ops(OpTable& table) {
  table.add("GatherGrad", expand_gather_grad);
  table.add("SliceGrad", expand_slice_grad);
}

}  // namespace sluice::ops
