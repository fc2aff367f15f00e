// Gradient ops of the convolutions and pools (reverse-mode autodiff builds them;
// transforms/autodiff/conv_pool_gradients.cpp).
//
//   ConvGrad(X, W, dY) -> dX, dW, dB     each output optional; attributes strides, dilations,
//                                        pads (explicit, begin and end), group
//   AveragePoolGrad(dY) -> dX            kernel_shape, strides, dilations, pads,
//                                        count_include_pad; no kernel_shape: global
//   MaxPoolGrad(X, Y, dY) -> dX          kernel_shape, strides, dilations, pads; none: global
//
// dX's shape comes from the output container. A tasklet cannot write to a computed place, so
// every dX is a gather: each input element sums, over the kernel taps, the output elements
// whose window reads it through that tap (o = (i + pad - k * dilation) / stride when that
// divides and lands inside the output). dW sums over the batch and the output positions into
// zeros (write-conflict sum). MaxPoolGrad first finds each window's first tap (window order, as
// the forward's Indices) holding the maximum, then sends dY to that tap only.

#include <cstdint>
#include <string>
#include <vector>

#include "ops/conv_window.h"
#include "ops/expansion.h"
#include "ops/index_helpers.h"
#include "ops/op_groups.h"
#include "ops/op_helpers.h"
#include "ops/op_registry.h"

namespace sluice::ops {
namespace {

using index::Point;

// `kernel_shape`, or the whole spatial extent of `in_shape` (global pooling) when absent.
Window pool_window(const ExpansionContext& x, const std::vector<ir::Expr>& in_shape) {
  if (in_shape.size() < 3) x.fail("the input must have rank 3 or more");
  std::vector<ir::Expr> kernel;
  if (!x.has_attr("kernel_shape")) {
    kernel.assign(in_shape.begin() + 2, in_shape.end());
    return forward_window(x, kernel);
  }
  for (const std::int64_t k : x.attr_ints("kernel_shape")) kernel.emplace_back(k);
  if (kernel.size() + 2 != in_shape.size())
    x.fail("'kernel_shape' has " + std::to_string(kernel.size()) +
           " entries but the input has rank " + std::to_string(in_shape.size()));
  return forward_window(x, kernel);
}

void append_condition(std::string& all, const std::string& more) {
  if (more.empty()) return;
  all += (all.empty() ? "" : " && ") + more;
}

// Backward direction: the window o whose tap `k` reads input position i, o = (i + pad - k * d)
// / s, when the division is exact and o is inside the output.
Tap window_of_tap(const Window& w, const std::vector<ir::Expr>& out_shape, Point lead,
                  const Point& i_spatial, const Point& k) {
  Tap read{std::move(lead), {}};
  for (std::size_t i = 0; i < w.spatial; ++i) {
    const ir::Expr t = i_spatial[i] + w.pad_begin[i] - k[i] * w.dilations[i];
    const std::int64_t s = w.strides[i];
    const ir::Expr at = s == 1 ? t : ir::floordiv(t, s);
    const ir::Expr m = out_shape[2 + i];
    read.point.push_back(ir::min(ir::max(at, 0), m - 1));
    const std::string tt = index::tasklet_text(t);
    std::string c =
        index::cat({tt, " >= 0 && ", index::tasklet_text(at), " < ", index::tasklet_text(m)});
    if (s != 1) c += index::cat({" && ", tt, " % ", std::to_string(s), " == 0"});
    append_condition(read.inside, c);
  }
  return read;
}

std::string guarded(const std::string& inside, const std::string& value, ir::DType dtype) {
  if (inside.empty()) return value;
  return "select(" + inside + ", " + value + ", " + index::literal(dtype, 0) + ")";
}

// The row-major number of tap `k` in the window.
ir::Expr tap_number(const Window& w, const Point& k) {
  ir::Expr flat = 0;
  for (std::size_t i = 0; i < w.spatial; ++i) flat = flat * w.kernel[i] + k[i];
  return flat;
}

bool is_global(const ExpansionContext& x) { return !x.has_attr("kernel_shape"); }

// Y[n, m, o] = sum_{c, k} X[n, g * Cg + c, o * s - pad + k * d] * W[m, c, k] with g = m / Mg:
//   dX[n, c, i] = sum_{m', k} dY[n, g * Mg + m', o(i, k)] * W[g * Mg + m', c - g * Cg, k],
//                 g = c / Cg, over the taps k whose window o(i, k) exists;
//   dW[m, c, k] = sum_{n, o} dY[n, m, o] * X[n, g * Cg + c, o * s - pad + k * d], g = m / Mg;
//   dB[m]       = sum_{n, o} dY[n, m, o].
void expand_conv_grad(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  const ir::Container weights = x.input(1);
  const ir::Container dy = x.input(2);
  if (in.rank() < 3 || weights.rank() != in.rank() || dy.rank() != in.rank())
    x.fail("X, W and dY must have the same rank >= 3");
  const Window w =
      forward_window(x, std::vector<ir::Expr>(weights.shape.begin() + 2, weights.shape.end()));
  const std::int64_t group = x.attr_int("group", 1);
  if (group <= 0) x.fail("group must be positive");
  for (const int k : {0, 1})
    if (x.has_output(k) && x.output(k).shape != (k == 0 ? in.shape : weights.shape))
      x.fail("output " + std::to_string(k) + " must have the shape of input " + std::to_string(k));
  if (index::outputs_empty(x)) return;
  const ir::DType t = dy.dtype;
  const std::string zero = index::literal(t, 0);
  const ir::Expr cg = weights.shape[1];
  const ir::Expr mg = ir::floordiv(dy.shape[1], group);
  std::vector<ir::Expr> kernel = w.kernel;

  if (x.has_output(0)) {
    const std::string dx = x.output_name(0);
    index::fill(x, "conv_grad_input_zero", dx, zero);
    const MapParams p = x.params(in.shape);
    const Point o = index::param_exprs(p);
    std::vector<ir::Expr> extents{mg};
    extents.insert(extents.end(), kernel.begin(), kernel.end());
    const index::InnerParams r = index::inner_params(extents);
    const Point k(r.exprs.begin() + 1, r.exprs.end());
    const ir::Expr g = group == 1 ? ir::Expr(0) : ir::floordiv(o[1], cg);
    const ir::Expr m = group == 1 ? r.exprs[0] : g * mg + r.exprs[0];
    const Tap read = window_of_tap(w, dy.shape, {o[0], m}, Point(o.begin() + 2, o.end()), k);
    Point wpt{m, group == 1 ? o[1] : o[1] - g * cg};
    wpt.insert(wpt.end(), k.begin(), k.end());
    index::reduce_map(x, "conv_grad_input", p.ranges, r.ranges,
                      {{"g", dy.name, index::subset_text(read.point)},
                       {"w", weights.name, index::subset_text(wpt)}},
                      "y = " + guarded(read.inside, "g * w", t) + ";",
                      {{"y", dx, p.index, ir::WriteConflict::Sum}});
  }

  if (x.has_output(1)) {
    const std::string dw = x.output_name(1);
    index::fill(x, "conv_grad_weight_zero", dw, zero);
    const MapParams p = x.params(weights.shape);
    const Point q = index::param_exprs(p);
    std::vector<ir::Expr> extents{dy.shape[0]};
    extents.insert(extents.end(), dy.shape.begin() + 2, dy.shape.end());
    const index::InnerParams r = index::inner_params(extents);
    const Point o(r.exprs.begin() + 1, r.exprs.end());
    const ir::Expr channel = group == 1 ? q[1] : ir::floordiv(q[0], mg) * cg + q[1];
    const Tap read =
        window_tap(w, in.shape, {r.exprs[0], channel}, o, Point(q.begin() + 2, q.end()), dy.shape);
    Point gpt{r.exprs[0], q[0]};
    gpt.insert(gpt.end(), o.begin(), o.end());
    index::reduce_map(
        x, "conv_grad_weight", p.ranges, r.ranges,
        {{"g", dy.name, index::subset_text(gpt)}, {"a", in.name, index::subset_text(read.point)}},
        "y = " + guarded(read.inside, "g * a", t) + ";",
        {{"y", dw, p.index, ir::WriteConflict::Sum}});
  }

  if (x.has_output(2)) {
    Reduction bias;
    bias.input = dy.name;
    bias.output = x.output_name(2);
    for (std::size_t d = 0; d < dy.rank(); ++d)
      if (d != 1) bias.axes.push_back(static_cast<std::int64_t>(d));
    bias.keepdims = false;
    bias.init = zero;
    bias.label = "conv_grad_bias";
    reduce(x, bias);
  }
}

// dX[n, c, i] = sum over the windows o that read i of dY[n, c, o] / count(o).
void expand_average_pool_grad(ExpansionContext& x) {
  const ir::Container dy = x.input(0);
  const ir::Container dx = x.output(0);
  const Window w = pool_window(x, dx.shape);
  if (dy.rank() != dx.rank()) x.fail("dY and dX must have the same rank");
  if (index::outputs_empty(x)) return;
  const ir::DType t = dx.dtype;
  const MapParams p = x.params(dx.shape);
  const Point i = index::param_exprs(p);
  if (is_global(x)) {
    Point lead{i[0], i[1]};
    lead.resize(dy.rank(), ir::Expr(0));
    const ir::Expr count = index::num_elements(w.kernel);
    index::pointwise(x, "average_pool_grad", dx.shape, {{"g", dy.name, index::subset_text(lead)}},
                     "y = g / " + count_as(t, count) + ";", {{"y", dx.name, p.index}});
    return;
  }
  const bool count_pad = x.attr_int("count_include_pad", 0) != 0;
  std::vector<ir::Expr> lo;
  std::vector<ir::Expr> hi;
  for (std::size_t d = 0; d < w.spatial; ++d) {
    lo.emplace_back(count_pad ? -w.pad_begin[d] : 0);
    hi.push_back(dx.shape[2 + d] + (count_pad ? w.pad_end[d] : 0));
  }
  const std::string scaled = x.transient("scaled", t, dy.shape);
  const MapParams sp = x.params(dy.shape);
  const Point o = index::param_exprs(sp);
  const ir::Expr count = ir::max(taps_inside(w, Point(o.begin() + 2, o.end()), lo, hi), 1);
  index::pointwise(x, "average_pool_grad_scale", dy.shape, {{"g", dy.name, sp.index}},
                   "s = g / " + count_as(t, count) + ";", {{"s", scaled, sp.index}});
  index::fill(x, "average_pool_grad_zero", dx.name, index::literal(t, 0));
  const index::InnerParams r = index::inner_params(w.kernel);
  const Tap read = window_of_tap(w, dy.shape, {i[0], i[1]}, Point(i.begin() + 2, i.end()), r.exprs);
  index::reduce_map(x, "average_pool_grad", p.ranges, r.ranges,
                    {{"s", scaled, index::subset_text(read.point)}},
                    "y = " + guarded(read.inside, "s", t) + ";",
                    {{"y", dx.name, p.index, ir::WriteConflict::Sum}}, {{scaled, dy.shape}});
}

// The tap that wins each window: the least tap number whose input equals Y. Then
// dX[n, c, i] = sum over the windows o that read i through tap k, when k won o, of dY[n, c, o].
void expand_max_pool_grad(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  const ir::Container y = x.input(1);
  const ir::Container dy = x.input(2);
  const ir::Container dx = x.output(0);
  const Window w = pool_window(x, in.shape);
  if (y.shape != dy.shape || dx.shape != in.shape || y.rank() != in.rank())
    x.fail("Y and dY must have one shape, dX the shape of X");
  if (index::outputs_empty(x)) return;
  const ir::DType t = dx.dtype;
  const std::string zero = index::literal(t, 0);

  const std::string winner = x.transient("winner", ir::DType::i64, dy.shape);
  const std::string none = index::highest(ir::DType::i64);
  const MapParams wp = x.params(dy.shape);
  const Point o = index::param_exprs(wp);
  index::pointwise(x, "max_pool_grad_winner_init", dy.shape, {}, "k = " + none + ";",
                   {{"k", winner, wp.index}});
  {
    const index::InnerParams r = index::inner_params(w.kernel);
    const Tap tap =
        window_tap(w, in.shape, {o[0], o[1]}, Point(o.begin() + 2, o.end()), r.exprs, dy.shape);
    std::string hit = tap.inside;
    append_condition(hit, "a == m");
    index::reduce_map(x, "max_pool_grad_winner", wp.ranges, r.ranges,
                      {{"a", in.name, index::subset_text(tap.point)}, {"m", y.name, wp.index}},
                      "k = select(" + hit + ", " + index::tasklet_text(tap_number(w, r.exprs)) +
                          ", " + none + ");",
                      {{"k", winner, wp.index, ir::WriteConflict::Min}}, {{winner, dy.shape}});
  }

  const MapParams p = x.params(dx.shape);
  const Point i = index::param_exprs(p);
  if (is_global(x)) {  // one window: i wins it or not
    Point lead{i[0], i[1]};
    lead.resize(dy.rank(), ir::Expr(0));
    const Point k(i.begin() + 2, i.end());
    index::pointwise(
        x, "max_pool_grad", dx.shape,
        {{"k", winner, index::subset_text(lead)}, {"g", dy.name, index::subset_text(lead)}},
        "y = select(k == " + index::tasklet_text(tap_number(w, k)) + ", g, " + zero + ");",
        {{"y", dx.name, p.index}});
    return;
  }
  index::fill(x, "max_pool_grad_zero", dx.name, zero);
  const index::InnerParams r = index::inner_params(w.kernel);
  const Tap read = window_of_tap(w, dy.shape, {i[0], i[1]}, Point(i.begin() + 2, i.end()), r.exprs);
  std::string hit = read.inside;
  append_condition(hit, "k == " + index::tasklet_text(tap_number(w, r.exprs)));
  index::reduce_map(x, "max_pool_grad", p.ranges, r.ranges,
                    {{"k", winner, index::subset_text(read.point)},
                     {"g", dy.name, index::subset_text(read.point)}},
                    "y = select(" + hit + ", g, " + zero + ");",
                    {{"y", dx.name, p.index, ir::WriteConflict::Sum}}, {{winner, dy.shape}});
}

}  // namespace

void add_conv_pool_gradient_ops(OpTable& table) {
  table.add("AveragePoolGrad", expand_average_pool_grad);
  table.add("ConvGrad", expand_conv_grad);
  table.add("MaxPoolGrad", expand_max_pool_grad);
}

}  // namespace sluice::ops
