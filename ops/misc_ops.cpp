// Generators and resampling: Shape, Size, ConstantOfShape, EyeLike, Range (values computed from
// the output position), and Resize/Upsample (each output element computes its source
// coordinate in f64 in the tasklet and reads its neighbours through a subscript).

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ops/expansion.h"
#include "ops/index_helpers.h"
#include "ops/op_groups.h"
#include "ops/op_registry.h"

namespace sluice::ops {
namespace {

using index::Point;

std::string dtype_str(ir::DType dtype) { return std::string(ir::dtype_name(dtype)); }

void expand_shape(ExpansionContext& x) {
  const auto& shape = x.input(0).shape;
  const auto rank = static_cast<std::int64_t>(shape.size());
  const auto clamp = [&](std::int64_t v) {
    if (v < 0) v += rank;
    return std::min(std::max<std::int64_t>(v, 0), rank);
  };
  const std::int64_t start = clamp(x.attr_int("start", 0));
  const std::int64_t end = clamp(x.attr_int("end", rank));
  const ir::Container out = x.output(0);
  if (out.rank() != 1) x.fail("the output must have rank 1");
  if (index::outputs_empty(x)) return;
  // One map: a chain of selects over the position picks the dimension.
  const MapParams p = x.params(out.shape);
  std::string value = "cast<" + dtype_str(out.dtype) + ">(" +
                      index::tasklet_text(shape[static_cast<std::size_t>(end - 1)]) + ")";
  for (std::int64_t d = end - 2; d >= start; --d)
    value = index::cat(
        {"select(", p.names[0], " == ", std::to_string(d - start), ", cast<", dtype_str(out.dtype),
         ">(", index::tasklet_text(shape[static_cast<std::size_t>(d)]), "), ", value, ")"});
  index::pointwise(x, "shape", out.shape, {}, "y = " + value + ";", {{"y", out.name, p.index}});
}

void expand_size(ExpansionContext& x) {
  const ir::Container out = x.output(0);
  const MapParams p = x.params(out.shape);
  index::pointwise(x, "size", out.shape, {},
                   "y = cast<" + dtype_str(out.dtype) + ">(" +
                       index::tasklet_text(index::num_elements(x.input(0).shape)) + ");",
                   {{"y", out.name, p.index}});
}

void expand_constant_of_shape(ExpansionContext& x) {
  const ir::Container out = x.output(0);
  index::fill(x, "constant_of_shape", out.name,
              index::literal(out.dtype, x.attr_float("value", 0.0)));
}

void expand_eye_like(ExpansionContext& x) {
  const ir::Container out = x.output(0);
  if (out.rank() != 2) x.fail("the input must have rank 2");
  const std::int64_t k = x.attr_int("k", 0);
  const MapParams p = x.params(out.shape);
  index::pointwise(x, "eye_like", out.shape, {},
                   "y = select(" + p.names[1] + " - " + p.names[0] +
                       " == " + index::literal(ir::DType::i64, static_cast<double>(k)) + ", " +
                       index::literal(out.dtype, 1) + ", " + index::literal(out.dtype, 0) + ");",
                   {{"y", out.name, p.index}});
}

// Range with a static output length (the frontend knows it): out[i] = start + i * delta.
void expand_range(ExpansionContext& x) {
  const ir::Container out = x.output(0);
  if (out.rank() != 1) x.fail("the output must have rank 1");
  for (int k = 0; k < 3; ++k)
    if (x.input(k).rank() != 0) x.fail("start, limit and delta must be scalars");
  const MapParams p = x.params(out.shape);
  index::pointwise(x, "range", out.shape, {{"s", x.input_name(0), ""}, {"d", x.input_name(2), ""}},
                   "y = s + cast<" + dtype_str(out.dtype) + ">(" + p.names[0] + ") * d;",
                   {{"y", out.name, p.index}});
}

// --- Resize ------------------------------------------------------------------------------------

struct ResizeMode {
  std::string mode;       // nearest, linear, cubic
  std::string transform;  // coordinate_transformation_mode
  std::string nearest;    // nearest_mode
  double cubic_a = -0.75;
  bool exclude_outside = false;
  double extrapolation = 0.0;
};

std::string f64(double v) { return index::literal(ir::DType::f64, v); }

// One resized dimension: its size, scale and crop box.
struct ResizeDim {
  std::size_t d = 0;
  std::string param;  // the output position's map parameter
  std::int64_t n = 0;
  double scale = 1.0;
  double roi_lo = 0.0;
  double roi_hi = 1.0;
};

// The tasklet lines that compute one dimension's source coordinate and taps.
struct DimCode {
  std::string code;
  std::string outside;  // tf_crop_and_resize: the coordinate is outside the input
  std::vector<std::pair<std::string, std::string>> taps;  // (index variable, weight; "" = 1)
};

// The source coordinate `x<d>` of the output position (onnx's reference formulas; the output
// width is scale * size there, not the rounded size).
std::string source_coordinate(const ExpansionContext& x, const ResizeMode& m, const ResizeDim& dim,
                              DimCode& out) {
  const std::string xo = index::cat({"cast<f64>(", dim.param, ")"});
  const double width = dim.scale * static_cast<double>(dim.n);
  const std::string scale = f64(dim.scale);
  if (m.transform == "half_pixel") return index::cat({"(", xo, " + 0.5) / ", scale, " - 0.5"});
  if (m.transform == "pytorch_half_pixel")
    return width == 1.0 ? "-0.5" : index::cat({"(", xo, " + 0.5) / ", scale, " - 0.5"});
  if (m.transform == "align_corners")
    return width == 1.0 ? "0.0"
                        : index::cat({xo, " * ", f64(static_cast<double>(dim.n - 1)), " / ",
                                      f64(width - 1.0)});
  if (m.transform == "asymmetric") return index::cat({xo, " / ", scale});
  if (m.transform == "tf_half_pixel_for_nn") return index::cat({"(", xo, " + 0.5) / ", scale});
  if (m.transform == "tf_crop_and_resize") {
    const auto span = static_cast<double>(dim.n - 1);
    const std::string v = std::to_string(dim.d);
    out.outside = index::cat({"x", v, " < 0.0 || x", v, " > ", f64(span)});
    const std::string start = f64(dim.roi_lo * span);
    if (width == 1.0)
      return index::cat({f64((dim.roi_hi - dim.roi_lo) * span / 2.0), " + ", start});
    return index::cat({xo, " * ", f64(dim.roi_hi - dim.roi_lo), " * ", f64(span), " / ",
                       f64(width - 1.0), " + ", start});
  }
  x.fail("unknown coordinate_transformation_mode '" + m.transform + "'");
}

// Cubic convolution weights (Keys, parameter a) for |distance| in [1, 2] and in [0, 1].
std::string cubic_outer(const std::string& a, const std::string& t) {
  return index::cat(
      {"((", a, " * ", t, " - 5.0 * ", a, ") * ", t, " + 8.0 * ", a, ") * ", t, " - 4.0 * ", a});
}
std::string cubic_inner(const std::string& a, const std::string& t) {
  return index::cat({"((", a, " + 2.0) * ", t, " - (", a, " + 3.0)) * ", t, " * ", t, " + 1.0"});
}

// One tap: its clamped index variable and weight variable.
void add_tap(const ResizeMode& m, const ResizeDim& dim, std::size_t t, int offset,
             const std::string& weight, DimCode& out) {
  const std::string v = std::to_string(dim.d);
  const std::string idx = index::cat({"b", v, " + ", index::literal(ir::DType::i64, offset)});
  const std::string w = index::cat({"w", v, "_", std::to_string(t)});
  const std::string i = index::cat({"i", v, "_", std::to_string(t)});
  const std::string kept = m.exclude_outside
                               ? index::cat({"select(", idx, " >= 0 && ", idx, " < ",
                                             std::to_string(dim.n), ", ", weight, ", 0.0)"})
                               : weight;
  out.code += index::cat({"let ", w, ": f64 = ", kept, ";\n"});
  out.code +=
      index::cat({"let ", i, ": i64 = min(max(", idx, ", 0), ", std::to_string(dim.n - 1), ");\n"});
  out.taps.emplace_back(i, w);
}

DimCode resize_dim(const ExpansionContext& x, const ResizeMode& m, const ResizeDim& dim) {
  DimCode out;
  const std::string v = std::to_string(dim.d);
  const std::string xv = "x" + v;
  out.code = index::cat({"let ", xv, ": f64 = ", source_coordinate(x, m, dim, out), ";\n"});
  if (m.mode == "nearest") {
    std::string rounded;
    if (m.nearest == "round_prefer_floor")
      rounded = index::cat({"ceil(", xv, " - 0.5)"});
    else if (m.nearest == "round_prefer_ceil")
      rounded = index::cat({"floor(", xv, " + 0.5)"});
    else if (m.nearest == "floor")
      rounded = index::cat({"floor(", xv, ")"});
    else if (m.nearest == "ceil")
      rounded = index::cat({"ceil(", xv, ")"});
    else
      x.fail("unknown nearest_mode '" + m.nearest + "'");
    // An integral coordinate is itself (every mode agrees there).
    out.code +=
        index::cat({"let i", v, ": i64 = min(max(cast<i64>(select(floor(", xv, ") == ", xv, ", ",
                    xv, ", ", rounded, ")), 0), ", std::to_string(dim.n - 1), ");\n"});
    out.taps.emplace_back("i" + v, "");
    return out;
  }
  const std::string r = "r" + v;
  out.code += index::cat({"let f", v, ": f64 = floor(", xv, ");\nlet ", r, ": f64 = ", xv, " - f",
                          v, ";\nlet b", v, ": i64 = cast<i64>(f", v, ");\n"});
  if (m.mode == "linear") {
    add_tap(m, dim, 0, 0, "1.0 - " + r, out);
    add_tap(m, dim, 1, 1, r, out);
  } else {
    const std::string a = f64(m.cubic_a);
    add_tap(m, dim, 0, -1, cubic_outer(a, index::cat({"(", r, " + 1.0)"})), out);
    add_tap(m, dim, 1, 0, cubic_inner(a, r), out);
    add_tap(m, dim, 2, 1, cubic_inner(a, index::cat({"(1.0 - ", r, ")"})), out);
    add_tap(m, dim, 3, 2, cubic_outer(a, index::cat({"(2.0 - ", r, ")"})), out);
  }
  if (m.exclude_outside) {
    std::string total;
    for (const auto& tap : out.taps) {
      if (!total.empty()) total += " + ";
      total += tap.second;
    }
    out.code += index::cat({"let s", v, ": f64 = ", total, ";\n"});
    for (auto& tap : out.taps) tap.second = index::cat({"(", tap.second, " / s", v, ")"});
  }
  return out;
}

void resize(ExpansionContext& x, const ResizeMode& m, const std::vector<double>& scales_attr) {
  const ir::Container in = x.input(0);
  const ir::Container out = x.output(0);
  const std::size_t rank = in.rank();
  if (out.rank() != rank) x.fail("the output rank differs from the input rank");
  if (!scales_attr.empty() && scales_attr.size() != rank)
    x.fail("'scales' must have one entry per dimension");
  const auto roi = x.attr_floats("roi", std::vector<double>{});
  const bool crop = m.transform == "tf_crop_and_resize";
  if (m.transform != "half_pixel" && m.transform != "pytorch_half_pixel" &&
      m.transform != "align_corners" && m.transform != "asymmetric" &&
      m.transform != "tf_half_pixel_for_nn" && !crop)
    x.fail("unknown coordinate_transformation_mode '" + m.transform + "'");
  if (crop && roi.size() != 2 * rank) x.fail("tf_crop_and_resize needs 'roi' with 2*rank entries");
  if (m.mode != "nearest" && m.mode != "linear" && m.mode != "cubic")
    x.fail("unknown mode '" + m.mode + "'");
  if (index::outputs_empty(x)) return;

  const MapParams p = x.params(out.shape);
  const Point o = index::param_exprs(p);
  std::vector<bool> resized(rank, false);
  Point dpt;
  for (std::size_t d = 0; d < rank; ++d) {
    const double scale = scales_attr.empty() ? 1.0 : scales_attr[d];
    const bool cropped = crop && (roi[d] != 0.0 || roi[rank + d] != 1.0);
    resized[d] = !(in.shape[d] == out.shape[d]) || scale != 1.0 || cropped;
    dpt.push_back(resized[d] ? ir::Expr(0) : o[d]);
  }
  std::string subset;
  for (std::size_t d = 0; d < rank; ++d) {
    if (d > 0) subset += ", ";
    subset += resized[d] ? "0:" + in.shape[d].str() : dpt[d].str();
  }

  std::string code;
  std::string outside;  // tf_crop_and_resize: some coordinate falls outside the input
  // Per resized dim: the taps (index variable, weight variable).
  std::vector<std::vector<std::pair<std::string, std::string>>> taps(rank);
  for (std::size_t d = 0; d < rank; ++d) {
    if (!resized[d]) continue;
    ResizeDim dim;
    dim.d = d;
    dim.param = p.names[d];
    dim.n = index::constant_dim(x, in.shape[d], "a resized input size");
    const std::int64_t len = index::constant_dim(x, out.shape[d], "a resized output size");
    dim.scale = scales_attr.empty() ? static_cast<double>(len) / static_cast<double>(dim.n)
                                    : scales_attr[d];
    if (dim.scale <= 0.0) x.fail("scales must be positive");
    if (crop) {
      dim.roi_lo = roi[d];
      dim.roi_hi = roi[rank + d];
    }
    DimCode c = resize_dim(x, m, dim);
    code += c.code;
    if (!c.outside.empty()) outside += (outside.empty() ? "" : " || ") + c.outside;
    taps[d] = std::move(c.taps);
  }

  // The weighted sum over every combination of taps, outer dims outermost (the reference
  // interpolates the innermost dimension first).
  std::vector<std::string> sub(rank, "0");
  std::function<std::string(std::size_t)> value = [&](std::size_t d) -> std::string {
    if (d == rank) {
      std::string read = "d[";
      for (std::size_t k = 0; k < rank; ++k) {
        if (k > 0) read += ", ";
        read += sub[k];
      }
      read += "]";
      return m.mode == "nearest" ? read : "cast<f64>(" + read + ")";
    }
    if (!resized[d]) return value(d + 1);
    std::string sum;
    for (const auto& [idx, w] : taps[d]) {
      sub[d] = idx;
      const std::string inner = value(d + 1);
      if (!sum.empty()) sum += " + ";
      sum += w.empty() ? inner : index::cat({w, " * ", inner});
    }
    return taps[d].size() > 1 ? "(" + sum + ")" : sum;
  };
  std::string result = value(0);
  if (m.mode != "nearest") result = "cast<" + dtype_str(out.dtype) + ">(" + result + ")";
  if (!outside.empty())
    result = "select(" + outside + ", " + index::literal(out.dtype, m.extrapolation) + ", " +
             result + ")";
  code += "y = " + result + ";";
  index::pointwise(x, "resize", out.shape, {{"d", in.name, subset}}, code,
                   {{"y", out.name, p.index}});
}

void expand_resize(ExpansionContext& x) {
  ResizeMode m;
  m.mode = x.attr_string("mode", "nearest");
  m.transform = x.attr_string("coordinate_transformation_mode", "half_pixel");
  m.nearest = x.attr_string("nearest_mode", "round_prefer_floor");
  m.cubic_a = x.attr_float("cubic_coeff_a", -0.75);
  m.exclude_outside = x.attr_int("exclude_outside", 0) != 0;
  m.extrapolation = x.attr_float("extrapolation_value", 0.0);
  std::vector<double> scales = x.attr_floats("scales", std::vector<double>{});
  // With `sizes` the scale is the size ratio (onnx's reference does the same).
  if (x.has_attr("sizes") && !x.attr_ints("sizes").empty()) scales.clear();
  resize(x, m, scales);
}

// Upsample (deprecated): asymmetric coordinates, nearest rounds down.
void expand_upsample(ExpansionContext& x) {
  ResizeMode m;
  m.mode = x.attr_string("mode", "nearest");
  m.transform = "asymmetric";
  m.nearest = "floor";
  resize(x, m, x.attr_floats("scales"));
}

}  // namespace

void add_misc_ops(OpTable& table) {
  table.add("ConstantOfShape", expand_constant_of_shape);
  table.add("EyeLike", expand_eye_like);
  table.add("Range", expand_range);
  table.add("Resize", expand_resize);
  table.add("Shape", expand_shape);
  table.add("Size", expand_size);
  table.add("Upsample", expand_upsample);
}

}  // namespace sluice::ops
