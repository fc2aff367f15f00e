// Shape and layout ops: every output element is a copy of one input element (or, for Pad and
// Trilu, a constant), so each expansion is a map over the output whose input subset is the
// source point computed symbolically from the output point.

#include <algorithm>
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

std::int64_t rank_of(const ir::Container& c) { return static_cast<std::int64_t>(c.rank()); }

void expand_identity(ExpansionContext& x) {
  index::copy_map(x, "identity", x.input_name(0), x.output_name(0), x.output(0).shape,
                  [](const Point& p) { return p; });
}

void expand_transpose(ExpansionContext& x) {
  const std::int64_t rank = rank_of(x.input(0));
  std::vector<std::int64_t> perm(static_cast<std::size_t>(rank));
  for (std::int64_t d = 0; d < rank; ++d) perm[static_cast<std::size_t>(d)] = rank - 1 - d;
  perm = x.attr_ints("perm", perm);
  std::vector<bool> seen(perm.size(), false);
  if (static_cast<std::int64_t>(perm.size()) != rank) x.fail("perm has the wrong length");
  for (const std::int64_t d : perm) {
    if (d < 0 || d >= rank || seen[static_cast<std::size_t>(d)])
      x.fail("perm is not a permutation of 0.." + std::to_string(rank - 1));
    seen[static_cast<std::size_t>(d)] = true;
  }
  index::copy_map(x, "transpose", x.input_name(0), x.output_name(0), x.output(0).shape,
                  [&](const Point& p) {
                    Point src(p.size());
                    for (std::size_t d = 0; d < perm.size(); ++d)
                      src[static_cast<std::size_t>(perm[d])] = p[d];
                    return src;
                  });
}

// Reshape, Flatten, Squeeze and Unsqueeze: the same row-major copy; the output shape is known.
void reshape_copy(ExpansionContext& x, const std::string& label) {
  const auto& in_shape = x.input(0).shape;
  const auto& out_shape = x.output(0).shape;
  index::copy_map(x, label, x.input_name(0), x.output_name(0), out_shape,
                  [&](const Point& p) { return index::reshape_source(in_shape, out_shape, p); });
}

void expand_reshape(ExpansionContext& x) {
  const auto shape = x.attr_ints("shape");
  if (shape.size() != x.output(0).rank())
    x.fail("attribute 'shape' has " + std::to_string(shape.size()) +
           " entries but the output has rank " + std::to_string(x.output(0).rank()));
  if (std::count(shape.begin(), shape.end(), -1) > 1) x.fail("'shape' has more than one -1");
  reshape_copy(x, "reshape");
}

void expand_flatten(ExpansionContext& x) {
  const std::int64_t rank = rank_of(x.input(0));
  // Flatten accepts axis == rank (everything goes to the first dimension).
  const std::int64_t axis = x.attr_int("axis", 1);
  if (axis < -rank || axis > rank)
    x.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  reshape_copy(x, "flatten");
}

void expand_squeeze(ExpansionContext& x) {
  const std::int64_t rank = rank_of(x.input(0));
  for (const std::int64_t a : x.attr_ints("axes", std::vector<std::int64_t>{})) {
    const std::int64_t d = normalize_axis(x, a, rank, "axes entry");
    if (x.input(0).shape[static_cast<std::size_t>(d)].constant_value().value_or(1) != 1)
      x.fail("axis " + std::to_string(a) + " has size " +
             x.input(0).shape[static_cast<std::size_t>(d)].str() + ", not 1");
  }
  reshape_copy(x, "squeeze");
}

void expand_unsqueeze(ExpansionContext& x) {
  const std::int64_t out_rank = rank_of(x.output(0));
  const auto axes = x.attr_ints("axes");
  for (const std::int64_t a : axes) normalize_axis(x, a, out_rank, "axes entry");
  reshape_copy(x, "unsqueeze");
}

void expand_expand(ExpansionContext& x) {
  const auto& in_shape = x.input(0).shape;
  const auto& out_shape = x.output(0).shape;
  if (in_shape.size() > out_shape.size()) x.fail("the output has a lower rank than the input");
  const std::size_t lead = out_shape.size() - in_shape.size();
  index::copy_map(x, "expand", x.input_name(0), x.output_name(0), out_shape, [&](const Point& p) {
    Point src;
    for (std::size_t d = 0; d < in_shape.size(); ++d)
      src.push_back(in_shape[d].constant_value() == 1 ? ir::Expr(0) : p[lead + d]);
    return src;
  });
}

void expand_concat(ExpansionContext& x) {
  const std::int64_t rank = rank_of(x.output(0));
  const auto axis = static_cast<std::size_t>(normalize_axis(x, x.attr_int("axis"), rank));
  ir::Expr offset = 0;
  for (int k = 0; k < x.num_inputs(); ++k) {
    if (!x.has_input(k)) continue;
    const auto& shape = x.input(k).shape;
    if (shape.size() != x.output(0).rank())
      x.fail("input " + std::to_string(k) + " has another rank");
    const MapParams p = x.params(shape);
    Point dst = index::param_exprs(p);
    dst[axis] = dst[axis] + offset;
    index::pointwise(x, "concat_" + std::to_string(k), shape, {{"a", x.input_name(k), p.index}},
                     "y = a;", {{"y", x.output_name(0), index::subset_text(dst)}});
    offset = offset + shape[axis];
  }
}

void expand_split(ExpansionContext& x) {
  const std::int64_t rank = rank_of(x.input(0));
  const auto axis = static_cast<std::size_t>(normalize_axis(x, x.attr_int("axis", 0), rank));
  // The sizes are on the outputs (shape inference read `split` or divided equally).
  ir::Expr offset = 0;
  for (int k = 0; k < x.num_outputs(); ++k) {
    if (!x.has_output(k)) continue;
    const auto& shape = x.output(k).shape;
    index::copy_map(x, "split_" + std::to_string(k), x.input_name(0), x.output_name(k), shape,
                    [&](const Point& p) {
                      Point src = p;
                      src[axis] = src[axis] + offset;
                      return src;
                    });
    offset = offset + shape[axis];
  }
}

void expand_slice(ExpansionContext& x) {
  const auto& in_shape = x.input(0).shape;
  const std::int64_t rank = rank_of(x.input(0));
  const auto starts = x.attr_ints("starts");
  const auto ends = x.attr_ints("ends");
  std::vector<std::int64_t> default_axes;
  for (std::size_t i = 0; i < starts.size(); ++i)
    default_axes.push_back(static_cast<std::int64_t>(i));
  const auto axes = x.attr_ints("axes", default_axes);
  const auto steps = x.attr_ints("steps", std::vector<std::int64_t>(starts.size(), 1));
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    x.fail("starts, ends, axes and steps must have the same length");
  Point first(in_shape.size(), ir::Expr(0));
  std::vector<std::int64_t> step(in_shape.size(), 1);
  std::vector<bool> seen(in_shape.size(), false);
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const auto d = static_cast<std::size_t>(normalize_axis(x, axes[i], rank, "axes entry"));
    if (seen[d]) x.fail("axis " + std::to_string(axes[i]) + " is sliced twice");
    seen[d] = true;
    if (steps[i] == 0) x.fail("a step is 0");
    step[d] = steps[i];
    first[d] = index::slice_start(in_shape[d], starts[i], steps[i]);
  }
  index::copy_map(x, "slice", x.input_name(0), x.output_name(0), x.output(0).shape,
                  [&](const Point& p) {
                    Point src;
                    for (std::size_t d = 0; d < p.size(); ++d)
                      src.push_back(first[d] + p[d] * step[d]);
                    return src;
                  });
}

void expand_tile(ExpansionContext& x) {
  const auto& in_shape = x.input(0).shape;
  const auto& out_shape = x.output(0).shape;
  if (x.has_attr("repeats") && x.attr_ints("repeats").size() != in_shape.size())
    x.fail("'repeats' must have one entry per input dimension");
  if (out_shape.size() != in_shape.size()) x.fail("the output rank differs from the input rank");
  index::copy_map(x, "tile", x.input_name(0), x.output_name(0), out_shape, [&](const Point& p) {
    Point src;
    for (std::size_t d = 0; d < p.size(); ++d)
      src.push_back(in_shape[d] == out_shape[d] ? p[d] : ir::mod(p[d], in_shape[d]));
    return src;
  });
}

void expand_pad(ExpansionContext& x) {
  const auto& in_shape = x.input(0).shape;
  const std::int64_t rank = rank_of(x.input(0));
  const std::string mode = x.attr_string("mode", "constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect" && mode != "wrap")
    x.fail("unknown mode '" + mode + "'");
  const auto pads = x.attr_ints("pads");
  std::vector<std::int64_t> default_axes;
  for (std::int64_t d = 0; d < rank; ++d) default_axes.push_back(d);
  const auto axes = x.attr_ints("axes", default_axes);
  if (pads.size() != 2 * axes.size())
    x.fail("'pads' has " + std::to_string(pads.size()) + " entries; expected " +
           std::to_string(2 * axes.size()));
  std::vector<std::int64_t> before(in_shape.size(), 0);
  for (std::size_t i = 0; i < axes.size(); ++i)
    before[static_cast<std::size_t>(normalize_axis(x, axes[i], rank, "axes entry"))] = pads[i];

  const MapParams p = x.params(x.output(0).shape);
  const Point out = index::param_exprs(p);
  Point src;
  std::vector<std::string> inside;
  for (std::size_t d = 0; d < in_shape.size(); ++d) {
    const ir::Expr n = in_shape[d];
    const ir::Expr q = out[d] - before[d];
    if (before[d] == 0 && x.output(0).shape[d] == n) {
      src.push_back(out[d]);
      continue;
    }
    const ir::Expr last = n - 1;
    if (mode == "constant") {
      src.push_back(ir::min(ir::max(q, 0), last));
      inside.push_back(index::tasklet_text(q) + " >= 0 && " + index::tasklet_text(q) + " < " +
                       index::tasklet_text(n));
    } else if (mode == "edge") {
      src.push_back(ir::min(ir::max(q, 0), last));
    } else if (mode == "reflect") {
      if (n.constant_value() == 1) {
        src.emplace_back(0);
      } else {
        const ir::Expr a = ir::max(q, -q);
        const ir::Expr b = last - a;
        src.push_back(last - ir::max(b, -b));
      }
    } else {  // wrap
      src.push_back(ir::mod(q, n));
    }
  }
  std::string code = "y = a;";
  if (!inside.empty()) {
    std::string cond;
    for (const auto& c : inside) cond += (cond.empty() ? "" : " && ") + c;
    code = "y = select(" + cond + ", a, " +
           index::literal(x.output(0).dtype, x.attr_float("constant_value", 0.0)) + ");";
  }
  index::pointwise(x, "pad", x.output(0).shape, {{"a", x.input_name(0), index::subset_text(src)}},
                   code, {{"y", x.output_name(0), p.index}});
}

void expand_trilu(ExpansionContext& x) {
  const auto& shape = x.output(0).shape;
  if (shape.size() < 2) x.fail("the input must have rank 2 or more");
  const bool upper = x.attr_int("upper", 1) != 0;
  const MapParams p = x.params(shape);
  const std::string& i = p.names[shape.size() - 2];
  const std::string& j = p.names[shape.size() - 1];
  std::vector<ir::TaskletPort> inputs{{"a", x.input_name(0), p.index}};
  std::string k;
  if (x.has_input(1)) {
    inputs.push_back({"k", x.input_name(1), x.input(1).rank() == 0 ? "" : "0"});
    k = "cast<i64>(k)";
  } else {
    k = index::literal(ir::DType::i64, static_cast<double>(x.attr_int("k", 0)));
  }
  const std::string keep = j + " - " + i + (upper ? " >= " : " <= ") + k;
  index::pointwise(x, "trilu", shape, inputs,
                   "y = select(" + keep + ", a, " + index::literal(x.output(0).dtype, 0) + ");",
                   {{"y", x.output_name(0), p.index}});
}

void expand_depth_to_space(ExpansionContext& x) {
  if (x.input(0).rank() != 4) x.fail("the input must have rank 4");
  const std::int64_t b = x.attr_int("blocksize");
  if (b <= 0) x.fail("blocksize must be positive");
  const std::string mode = x.attr_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") x.fail("unknown mode '" + mode + "'");
  const ir::Expr c_out = x.output(0).shape[1];
  index::copy_map(x, "depth_to_space", x.input_name(0), x.output_name(0), x.output(0).shape,
                  [&](const Point& p) {
                    const ir::Expr i = ir::mod(p[2], b);
                    const ir::Expr j = ir::mod(p[3], b);
                    const ir::Expr c =
                        mode == "DCR" ? (i * b + j) * c_out + p[1] : p[1] * (b * b) + i * b + j;
                    return Point{p[0], c, ir::floordiv(p[2], b), ir::floordiv(p[3], b)};
                  });
}

void expand_space_to_depth(ExpansionContext& x) {
  if (x.input(0).rank() != 4) x.fail("the input must have rank 4");
  const std::int64_t b = x.attr_int("blocksize");
  if (b <= 0) x.fail("blocksize must be positive");
  const ir::Expr c_in = x.input(0).shape[1];
  index::copy_map(x, "space_to_depth", x.input_name(0), x.output_name(0), x.output(0).shape,
                  [&](const Point& p) {
                    const ir::Expr block = ir::floordiv(p[1], c_in);
                    return Point{p[0], ir::mod(p[1], c_in), p[2] * b + ir::floordiv(block, b),
                                 p[3] * b + ir::mod(block, b)};
                  });
}

}  // namespace

void add_shape_ops(OpTable& table) {
  table.add("Concat", expand_concat);
  table.add("DepthToSpace", expand_depth_to_space);
  table.add("Expand", expand_expand);
  table.add("Flatten", expand_flatten);
  table.add("Identity", expand_identity);
  table.add("Pad", expand_pad);
  table.add("Reshape", expand_reshape);
  table.add("Slice", expand_slice);
  table.add("SpaceToDepth", expand_space_to_depth);
  table.add("Split", expand_split);
  table.add("Squeeze", expand_squeeze);
  table.add("Tile", expand_tile);
  table.add("Transpose", expand_transpose);
  table.add("Trilu", expand_trilu);
  table.add("Unsqueeze", expand_unsqueeze);
}

}  // namespace sluice::ops
