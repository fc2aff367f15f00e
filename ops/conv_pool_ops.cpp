// Convolutions and pooling (N-d, NC[D...] layout). Each output element is a reduction over a
// window: a parallel map over the output holds a sequential map over the window (channels and
// kernel offsets) whose tasklet accumulates with a write-conflict sum or max into the output,
// initialized by an earlier map. Padding is either materialized (Conv: a zero-padded copy keeps
// the inner loop's indices affine) or handled by reading a clamped index and selecting the
// neutral value outside the input (pooling, ConvTranspose).

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ops/conv_window.h"
#include "ops/expansion.h"
#include "ops/index_helpers.h"
#include "ops/op_groups.h"
#include "ops/op_registry.h"

namespace sluice::ops {
namespace {

using index::Point;

std::vector<ir::Expr> kernel_from_attribute(const ExpansionContext& x) {
  std::vector<ir::Expr> kernel;
  for (const std::int64_t k : x.attr_ints("kernel_shape")) kernel.emplace_back(k);
  if (kernel.size() + 2 != x.input(0).rank())
    x.fail("'kernel_shape' has " + std::to_string(kernel.size()) +
           " entries but the input has rank " + std::to_string(x.input(0).rank()));
  return kernel;
}

std::string accumulator_dtype_name(ir::DType dtype) {
  return dtype == ir::DType::f16 || dtype == ir::DType::bf16 ? "f32"
                                                             : std::string(ir::dtype_name(dtype));
}

void expand_conv(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  const ir::Container weights = x.input(1);
  const ir::Container out = x.output(0);
  if (in.rank() < 3 || weights.rank() != in.rank()) x.fail("X and W must have the same rank >= 3");
  const std::vector<ir::Expr> kernel(weights.shape.begin() + 2, weights.shape.end());
  if (x.has_attr("kernel_shape") && x.attr_ints("kernel_shape").size() != kernel.size())
    x.fail("'kernel_shape' does not match W");
  const Window w = forward_window(x, kernel);
  const std::int64_t group = x.attr_int("group", 1);
  if (group <= 0) x.fail("group must be positive");
  // Every window must lie inside the padded input (an output shape from elsewhere may not fit).
  for (std::size_t i = 0; i < w.spatial; ++i) {
    const ir::Expr reach =
        (out.shape[2 + i] - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1;
    const ir::Expr room = in.shape[2 + i] + w.pad_begin[i] + w.pad_end[i];
    const auto over = (reach - room).constant_value();
    if (over && *over > 0 && out.shape[2 + i].constant_value() != 0)
      x.fail("output dimension " + std::to_string(2 + i) + " has size " + out.shape[2 + i].str() +
             ", but its last window ends at " + reach.str() + ", past the padded input's " +
             room.str() + " elements");
  }
  if (index::outputs_empty(x)) return;

  // Bias (or zero) first; the window sums accumulate onto it.
  const MapParams p = x.params(out.shape);
  const Point o = index::param_exprs(p);
  if (x.has_input(2)) {
    index::pointwise(x, "conv_bias", out.shape, {{"b", x.input_name(2), o[1].str()}}, "y = b;",
                     {{"y", out.name, p.index}});
  } else {
    index::pointwise(x, "conv_init", out.shape, {}, "y = " + index::literal(out.dtype, 0) + ";",
                     {{"y", out.name, p.index}});
  }

  // A zero-padded copy when any pad is set, so the window's indices stay affine.
  std::string source = in.name;
  std::vector<ir::Expr> source_shape = in.shape;
  std::map<std::string, std::vector<ir::Expr>> shapes;
  Window inner_window = w;
  const bool padded =
      std::any_of(w.pad_begin.begin(), w.pad_begin.end(), [](auto v) { return v != 0; }) ||
      std::any_of(w.pad_end.begin(), w.pad_end.end(), [](auto v) { return v != 0; });
  if (padded) {
    for (std::size_t i = 0; i < w.spatial; ++i)
      source_shape[2 + i] = in.shape[2 + i] + w.pad_begin[i] + w.pad_end[i];
    source = x.transient("padded", in.dtype, source_shape);
    shapes[source] = source_shape;
    const MapParams pp = x.params(source_shape);
    const Point q = index::param_exprs(pp);
    Point src{q[0], q[1]};
    std::string inside;
    for (std::size_t i = 0; i < w.spatial; ++i) {
      const ir::Expr pos = q[2 + i] - w.pad_begin[i];
      src.push_back(ir::min(ir::max(pos, 0), in.shape[2 + i] - 1));
      const std::string t = index::tasklet_text(pos);
      if (!inside.empty()) inside += " && ";
      inside += index::cat({t, " >= 0 && ", t, " < ", index::tasklet_text(in.shape[2 + i])});
    }
    index::pointwise(x, "conv_pad", source_shape, {{"a", in.name, index::subset_text(src)}},
                     "y = select(" + inside + ", a, " + index::literal(in.dtype, 0) + ");",
                     {{"y", source, pp.index}});
    std::fill(inner_window.pad_begin.begin(), inner_window.pad_begin.end(), 0);
  }

  const ir::Expr channels_per_group = weights.shape[1];
  const ir::Expr maps_per_group = ir::floordiv(out.shape[1], group);
  std::vector<ir::Expr> extents{channels_per_group};
  extents.insert(extents.end(), kernel.begin(), kernel.end());
  const index::InnerParams r = index::inner_params(extents);
  const ir::Expr channel =
      group == 1 ? r.exprs[0]
                 : ir::floordiv(o[1], maps_per_group) * channels_per_group + r.exprs[0];
  Point src{o[0], channel};
  Point wpt{o[1], r.exprs[0]};
  for (std::size_t i = 0; i < w.spatial; ++i) {
    src.push_back(o[2 + i] * w.strides[i] + r.exprs[1 + i] * w.dilations[i]);
    wpt.push_back(r.exprs[1 + i]);
  }
  index::reduce_map(
      x, "conv", p.ranges, r.ranges,
      {{"a", source, index::subset_text(src)}, {"w", weights.name, index::subset_text(wpt)}},
      "y = a * w;", {{"y", out.name, p.index, ir::WriteConflict::Sum}}, shapes);
}

/// Conv's "blas" implementation for 2-D convolutions of one group in f32/f64: an im2col map
/// gathers each output pixel's window into a row (zero outside the padding), the weights are laid
/// out as a [C*kH*kW, M] matrix, one BLAS MatMul multiplies them (the batch folds into its rows),
/// and a last map writes the result back in NCHW order with the bias added. Anything else takes
/// the pure expansion.
void expand_conv_blas(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  const ir::Container weights = x.input(1);
  const ir::Container out = x.output(0);
  const bool floating = out.dtype == ir::DType::f32 || out.dtype == ir::DType::f64;
  if (in.rank() != 4 || weights.rank() != 4 || x.attr_int("group", 1) != 1 || !floating ||
      in.dtype != out.dtype || weights.dtype != out.dtype) {
    expand_conv(x);
    return;
  }
  const std::vector<ir::Expr> kernel(weights.shape.begin() + 2, weights.shape.end());
  const Window w = forward_window(x, kernel);
  if (index::outputs_empty(x)) return;
  const ir::Expr& batch = in.shape[0];
  const ir::Expr& channels = in.shape[1];
  const ir::Expr& maps = out.shape[1];
  const ir::Expr& oh = out.shape[2];
  const ir::Expr& ow = out.shape[3];
  const ir::Expr window = kernel[0] * kernel[1];
  const ir::Expr depth = channels * window;

  // col[n, y, x, (c, i, j)] = X[n, c, y*s0 - p0 + i*d0, x*s1 - p1 + j*d1], 0 in the padding.
  const std::string col = x.transient("col", out.dtype, {batch, oh, ow, depth});
  const MapParams cp = x.params({batch, oh, ow, channels, kernel[0], kernel[1]});
  const Point q = index::param_exprs(cp);
  Point src{q[0], q[3]};
  std::string inside;
  for (std::size_t i = 0; i < 2; ++i) {
    const ir::Expr pos = q[1 + i] * w.strides[i] - w.pad_begin[i] + q[4 + i] * w.dilations[i];
    src.push_back(ir::min(ir::max(pos, 0), in.shape[2 + i] - 1));
    const std::string t = index::tasklet_text(pos);
    inside += index::cat({inside.empty() ? "" : " && ", t, " >= 0 && ", t, " < ",
                          index::tasklet_text(in.shape[2 + i])});
  }
  const Point col_point{q[0], q[1], q[2], q[3] * window + q[4] * kernel[1] + q[5]};
  x.mapped_tasklet("conv_im2col", cp.ranges, {{"a", in.name, index::subset_text(src)}},
                   "y = select(" + inside + ", a, " + index::literal(out.dtype, 0) + ");",
                   {{"y", col, index::subset_text(col_point)}});

  // wt[(c, i, j), m] = W[m, c, i, j]
  const std::string wt = x.transient("weights", out.dtype, {depth, maps});
  const MapParams wp = x.params({maps, channels, kernel[0], kernel[1]});
  const Point r = index::param_exprs(wp);
  x.mapped_tasklet(
      "conv_weights", wp.ranges, {{"w", weights.name, wp.index}}, "y = w;",
      {{"y", wt, index::subset_text({r[1] * window + r[2] * kernel[1] + r[3], r[0]})}});

  // yt = col @ wt, a BLAS call.
  const std::string yt = x.transient("product", out.dtype, {batch, oh, ow, maps});
  x.library(x.node().label + "_gemm", "MatMul", {col, wt}, {yt}, "blas");

  // Y[n, m, y, x] = yt[n, y, x, m] (+ B[m])
  const MapParams op = x.params(out.shape);
  const Point o = index::param_exprs(op);
  std::vector<ir::TaskletPort> ports{{"p", yt, index::subset_text({o[0], o[2], o[3], o[1]})}};
  std::string code = "y = p;";
  if (x.has_input(2)) {
    ports.push_back({"b", x.input_name(2), o[1].str()});
    code = "y = p + b;";
  }
  x.mapped_tasklet("conv_layout", op.ranges, ports, code, {{"y", out.name, op.index}});
}

void expand_conv_transpose(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  const ir::Container weights = x.input(1);
  const ir::Container out = x.output(0);
  if (in.rank() < 3 || weights.rank() != in.rank()) x.fail("X and W must have the same rank >= 3");
  const std::size_t spatial = in.rank() - 2;
  Window w;
  w.spatial = spatial;
  w.kernel.assign(weights.shape.begin() + 2, weights.shape.end());
  w.strides = ints_or(x, "strides", spatial, 1);
  w.dilations = ints_or(x, "dilations", spatial, 1);
  const auto output_padding = ints_or(x, "output_padding", spatial, 0);
  const std::int64_t group = x.attr_int("group", 1);
  if (group <= 0) x.fail("group must be positive");
  const std::string auto_pad = x.attr_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER")
    x.fail("unknown auto_pad '" + auto_pad + "'");
  if (x.has_attr("output_shape") || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    // The padding that makes the output as large as it is (onnx's reference convention).
    for (std::size_t i = 0; i < spatial; ++i) {
      const std::int64_t n = index::constant_dim(x, in.shape[2 + i], "the input size");
      const std::int64_t m = index::constant_dim(x, out.shape[2 + i], "the output size");
      const std::int64_t k = index::constant_dim(x, w.kernel[i], "the kernel size");
      const std::int64_t total =
          w.strides[i] * (n - 1) + output_padding[i] + (k - 1) * w.dilations[i] + 1 - m;
      const std::int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);  // floor
      w.pad_begin.push_back(auto_pad == "SAME_UPPER" ? half : total - half);
    }
  } else if (auto_pad == "VALID") {
    w.pad_begin.assign(spatial, 0);
  } else {
    const auto pads = ints_or(x, "pads", 2 * spatial, 0);
    w.pad_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(spatial));
  }
  if (index::outputs_empty(x)) return;

  const MapParams p = x.params(out.shape);
  const Point o = index::param_exprs(p);
  if (x.has_input(2)) {
    index::pointwise(x, "conv_transpose_bias", out.shape, {{"b", x.input_name(2), o[1].str()}},
                     "y = b;", {{"y", out.name, p.index}});
  } else {
    index::pointwise(x, "conv_transpose_init", out.shape, {},
                     "y = " + index::literal(out.dtype, 0) + ";", {{"y", out.name, p.index}});
  }

  // y[n, m, o] += x[n, c, i] * w[c, m', k] for every tap with o = i*s - pad + k*d.
  const ir::Expr channels_per_group = ir::floordiv(in.shape[1], group);
  const ir::Expr maps_per_group = weights.shape[1];
  std::vector<ir::Expr> extents{channels_per_group};
  extents.insert(extents.end(), w.kernel.begin(), w.kernel.end());
  const index::InnerParams r = index::inner_params(extents);
  const ir::Expr g = group == 1 ? ir::Expr(0) : ir::floordiv(o[1], maps_per_group);
  const ir::Expr channel = g * channels_per_group + r.exprs[0];
  Point src{o[0], channel};
  Point wpt{channel, group == 1 ? o[1] : ir::mod(o[1], maps_per_group)};
  std::string inside;
  for (std::size_t i = 0; i < spatial; ++i) {
    const ir::Expr t = o[2 + i] + w.pad_begin[i] - r.exprs[1 + i] * w.dilations[i];
    const ir::Expr n = in.shape[2 + i];
    const std::int64_t s = w.strides[i];
    const ir::Expr at = s == 1 ? t : ir::floordiv(t, s);
    src.push_back(ir::min(ir::max(at, 0), n - 1));
    wpt.push_back(r.exprs[1 + i]);
    const std::string tt = index::tasklet_text(t);
    if (!inside.empty()) inside += " && ";
    inside += index::cat({tt, " >= 0 && ", index::tasklet_text(at), " < ", index::tasklet_text(n)});
    if (s != 1) inside += index::cat({" && ", tt, " % ", std::to_string(s), " == 0"});
  }
  index::reduce_map(
      x, "conv_transpose", p.ranges, r.ranges,
      {{"a", in.name, index::subset_text(src)}, {"w", weights.name, index::subset_text(wpt)}},
      "y = select(" + inside + ", a * w, " + index::literal(out.dtype, 0) + ");",
      {{"y", out.name, p.index, ir::WriteConflict::Sum}});
}

// MaxPool and GlobalMaxPool (kernel = whole spatial extent).
void max_pool(ExpansionContext& x, const Window& w, const std::string& label) {
  const ir::Container in = x.input(0);
  const ir::Container out = x.output(0);
  if (index::outputs_empty(x)) return;
  const MapParams p = x.params(out.shape);
  const Point o = index::param_exprs(p);
  const Point o_spatial(o.begin() + 2, o.end());
  index::pointwise(x, label + "_init", out.shape, {}, "y = " + index::lowest(out.dtype) + ";",
                   {{"y", out.name, p.index}});
  const index::InnerParams r = index::inner_params(w.kernel);
  const Tap tap = window_tap(w, in.shape, {o[0], o[1]}, o_spatial, r.exprs, out.shape);
  const std::string value =
      tap.inside.empty() ? "a" : "select(" + tap.inside + ", a, " + index::lowest(out.dtype) + ")";
  index::reduce_map(x, label, p.ranges, r.ranges, {{"a", in.name, index::subset_text(tap.point)}},
                    "y = " + value + ";", {{"y", out.name, p.index, ir::WriteConflict::Max}});

  if (!x.has_output(1)) return;
  // Indices: the smallest flat index (row-major, or column-major over the spatial dims for
  // storage_order 1) whose value equals the maximum.
  const ir::Container indices = x.output(1);
  const bool column_major = x.attr_int("storage_order", 0) != 0;
  index::pointwise(x, label + "_indices_init", out.shape, {},
                   "i = " + index::highest(indices.dtype) + ";", {{"i", indices.name, p.index}});
  ir::Expr flat = o[0] * in.shape[1] + o[1];
  std::vector<ir::Expr> pos;
  for (std::size_t i = 0; i < w.spatial; ++i)
    pos.push_back(o_spatial[i] * w.strides[i] - w.pad_begin[i] + r.exprs[i] * w.dilations[i]);
  for (std::size_t k = 0; k < w.spatial; ++k) {
    const std::size_t i = column_major ? w.spatial - 1 - k : k;
    flat = flat * in.shape[2 + i] + pos[i];
  }
  const std::string hit = (tap.inside.empty() ? "" : tap.inside + " && ") + "a == m";
  index::reduce_map(x, label + "_indices", p.ranges, r.ranges,
                    {{"a", in.name, index::subset_text(tap.point)}, {"m", out.name, p.index}},
                    "i = select(" + hit + ", cast<" + std::string(ir::dtype_name(indices.dtype)) +
                        ">(" + index::tasklet_text(flat) + "), " + index::highest(indices.dtype) +
                        ");",
                    {{"i", indices.name, p.index, ir::WriteConflict::Min}});
}

// AveragePool and GlobalAveragePool: window sums, then a division by the number of taps counted
// (inside the input, or inside the padded input with count_include_pad).
void average_pool(ExpansionContext& x, const Window& w, bool count_pad, const std::string& label) {
  const ir::Container in = x.input(0);
  const ir::Container out = x.output(0);
  if (index::outputs_empty(x)) return;
  const MapParams p = x.params(out.shape);
  const Point o = index::param_exprs(p);
  const Point o_spatial(o.begin() + 2, o.end());
  const std::string acc_type = accumulator_dtype_name(out.dtype);
  const ir::DType acc_dtype = *ir::parse_dtype(acc_type);
  const std::string sum = x.transient("sum", acc_dtype, out.shape);
  index::pointwise(x, label + "_init", out.shape, {}, "s = " + index::literal(acc_dtype, 0) + ";",
                   {{"s", sum, p.index}});
  const index::InnerParams r = index::inner_params(w.kernel);
  const Tap tap = window_tap(w, in.shape, {o[0], o[1]}, o_spatial, r.exprs, out.shape);
  std::string value = acc_dtype == in.dtype ? "a" : "cast<" + acc_type + ">(a)";
  if (!tap.inside.empty())
    value = "select(" + tap.inside + ", " + value + ", " + index::literal(acc_dtype, 0) + ")";
  index::reduce_map(x, label, p.ranges, r.ranges, {{"a", in.name, index::subset_text(tap.point)}},
                    "s = " + value + ";", {{"s", sum, p.index, ir::WriteConflict::Sum}},
                    {{sum, out.shape}});

  std::vector<ir::Expr> lo;
  std::vector<ir::Expr> hi;
  for (std::size_t i = 0; i < w.spatial; ++i) {
    lo.emplace_back(count_pad ? -w.pad_begin[i] : 0);
    hi.push_back(in.shape[2 + i] + (count_pad ? w.pad_end[i] : 0));
  }
  const std::string count = index::tasklet_text(taps_inside(w, o_spatial, lo, hi));
  std::string mean = "s / cast<" + acc_type + ">(max(" + count + ", 1))";
  if (acc_dtype != out.dtype)
    mean = "cast<" + std::string(ir::dtype_name(out.dtype)) + ">(" + mean + ")";
  index::pointwise(x, label + "_mean", out.shape, {{"s", sum, p.index}}, "y = " + mean + ";",
                   {{"y", out.name, p.index}});
}

Window pool_window(const ExpansionContext& x) {
  if (x.input(0).rank() < 3) x.fail("the input must have rank 3 or more");
  Window w = forward_window(x, kernel_from_attribute(x));
  return w;
}

void expand_max_pool(ExpansionContext& x) {
  if (x.attr_int("storage_order", 0) != 0 && x.attr_int("storage_order", 0) != 1)
    x.fail("storage_order must be 0 or 1");
  max_pool(x, pool_window(x), "max_pool");
}

void expand_average_pool(ExpansionContext& x) {
  Window w = pool_window(x);
  average_pool(x, w, x.attr_int("count_include_pad", 0) != 0, "average_pool");
}

Window global_window(const ExpansionContext& x) {
  const ir::Container& in = x.input(0);
  if (in.rank() < 3) x.fail("the input must have rank 3 or more");
  Window w;
  w.spatial = in.rank() - 2;
  w.kernel.assign(in.shape.begin() + 2, in.shape.end());
  w.strides.assign(w.spatial, 1);
  w.dilations.assign(w.spatial, 1);
  w.pad_begin.assign(w.spatial, 0);
  w.pad_end.assign(w.spatial, 0);
  return w;
}

void expand_global_max_pool(ExpansionContext& x) {
  max_pool(x, global_window(x), "global_max_pool");
}

void expand_global_average_pool(ExpansionContext& x) {
  average_pool(x, global_window(x), false, "global_average_pool");
}

}  // namespace

void add_conv_pool_ops(OpTable& table) {
  table.add("AveragePool", expand_average_pool);
  table.add({"Conv", expand_conv, {}, {{"blas", expand_conv_blas}}});
  table.add("ConvTranspose", expand_conv_transpose);
  table.add("GlobalAveragePool", expand_global_average_pool);
  table.add("GlobalMaxPool", expand_global_max_pool);
  table.add("MaxPool", expand_max_pool);
}

}  // namespace sluice::ops
