// Gradient rules: shape and indexing ops. Their gradients move the adjoint back where the forward
// op took each element from: a reshape back, a slice of the adjoint (Concat, Pad), a concat of
// the adjoints (Split), a sum over copies (Expand, Tile), or a gradient op that scatters into
// zeros (SliceGrad, GatherGrad: ops/indexing_gradient_ops.cpp).

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "transforms/autodiff/gradient_rules.h"

namespace sluice::autodiff {
namespace {

using Ints = std::vector<std::int64_t>;

void identity_gradient(GradientBuilder& g) { g.contribute(0, g.adjoint(0)); }

// dX = transpose(dY) by the inverse permutation.
void transpose_gradient(GradientBuilder& g) {
  const auto rank = static_cast<std::int64_t>(g.input(0).rank());
  std::vector<std::int64_t> perm = g.attr_ints("perm", std::vector<std::int64_t>{});
  if (perm.empty())
    for (std::int64_t d = rank - 1; d >= 0; --d) perm.push_back(d);
  std::vector<std::int64_t> inverse(perm.size());
  for (std::size_t d = 0; d < perm.size(); ++d) inverse.at(perm[d]) = static_cast<std::int64_t>(d);
  // The adjoint itself a Transpose of some D by `perm` (a linear layer's weight gradient): D.
  if (auto source = g.untransposed(g.adjoint(0), inverse)) {
    g.contribute(0, *source);
    return;
  }
  g.contribute(0, g.op("Transpose", {g.adjoint(0)}, g.input(0), {{"perm", inverse}}));
}

std::int64_t normalized_axis(const GradientBuilder& g, std::int64_t axis, std::size_t rank) {
  const auto r = static_cast<std::int64_t>(rank);
  if (axis < -r || axis >= r)
    g.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(r));
  return axis < 0 ? axis + r : axis;
}

// A Reshape of `value` to `shape`; its `shape` attribute spells one symbolic dimension as -1.
std::string reshape(GradientBuilder& g, const std::string& value, ir::DType dtype,
                    const std::vector<ir::Expr>& shape) {
  Ints attr;
  bool symbolic = false;
  for (const ir::Expr& d : shape) {
    if (const auto n = d.constant_value()) {
      attr.push_back(*n);
      continue;
    }
    if (symbolic) g.fail("reshaping the adjoint back to a shape with two symbolic dimensions");
    symbolic = true;
    attr.push_back(-1);
  }
  return g.op("Reshape", {value}, dtype, shape, {{"shape", attr}});
}

// Reshape, Flatten, Squeeze, Unsqueeze: the same elements in another shape.
void reshape_gradient(GradientBuilder& g) {
  const ir::Container x = g.input(0);
  g.contribute(0, reshape(g, g.adjoint(0), x.dtype, x.shape));
}

// The adjoint is broadcast to the output; contribute sums it back down.
void expand_gradient(GradientBuilder& g) { g.contribute(0, g.adjoint(0)); }

void slice_gradient(GradientBuilder& g) {
  ir::Attributes attributes;
  for (const char* name : {"starts", "ends", "axes", "steps"})
    if (g.has_attr(name)) attributes[name] = g.attr_ints(name);
  g.contribute(0, g.op("SliceGrad", {g.adjoint(0)}, g.input(0), std::move(attributes)));
}

// A Slice of `value` along `axes`, [starts, ends), shaped like `like`.
std::string slice(GradientBuilder& g, const std::string& value, const ir::Container& like,
                  Ints starts, Ints ends, Ints axes) {
  return g.op(
      "Slice", {value}, like,
      {{"starts", std::move(starts)}, {"ends", std::move(ends)}, {"axes", std::move(axes)}});
}

// Input k is the part of the output at [offset, offset + size) along the axis.
void concat_gradient(GradientBuilder& g) {
  const auto axis = normalized_axis(g, g.attr_int("axis"), g.output(0).rank());
  const auto d = static_cast<std::size_t>(axis);
  ir::Expr offset = 0;
  for (int k = 0; k < g.num_inputs(); ++k) {
    if (!g.has_input(k)) continue;
    const ir::Container x = g.input(k);
    const ir::Expr end = offset + x.shape[d];
    if (g.wants(k)) {
      const auto first = offset.constant_value();
      const auto last = end.constant_value();
      if (!first || !last)
        g.fail("input " + std::to_string(k) + " starts at the symbolic offset " + offset.str());
      g.contribute(k, slice(g, g.adjoint(0), x, {*first}, {*last}, {axis}));
    }
    offset = end;
  }
}

// dX = the outputs' adjoints side by side; an output nothing depends on contributes zeros.
void split_gradient(GradientBuilder& g) {
  const ir::Container x = g.input(0);
  const auto axis = normalized_axis(g, g.attr_int("axis", 0), x.rank());
  std::vector<std::string> parts;
  for (int j = 0; j < g.num_outputs(); ++j) {
    if (g.has_adjoint(j)) {
      parts.push_back(g.adjoint(j));
      continue;
    }
    const ir::Container y = g.output(j);
    ir::Attributes zeros{{"value", 0.0}};
    Ints shape;
    for (const ir::Expr& d : y.shape)
      if (const auto n = d.constant_value()) shape.push_back(*n);
    if (shape.size() == y.rank()) zeros["shape"] = shape;  // as the importer spells it
    parts.push_back(g.op("ConstantOfShape", {}, y, std::move(zeros)));
  }
  g.contribute(0, g.op("Concat", parts, x, {{"axis", axis}}));
}

void gather_gradient(GradientBuilder& g) {
  if (!g.wants(0)) return;
  g.contribute(0, g.op("GatherGrad", {g.adjoint(0), g.input_name(1)}, g.input(0),
                       {{"axis", g.attr_int("axis", 0)}}));
}

// Output dim d holds repeats[d] copies of input dim d: reshape [r0*n0, ...] to [r0, n0, ...]
// and sum over the copies.
void tile_gradient(GradientBuilder& g) {
  const ir::Container x = g.input(0);
  const ir::Container y = g.output(0);
  Ints repeats;
  if (g.has_attr("repeats")) {
    repeats = g.attr_ints("repeats");
  } else {
    for (std::size_t d = 0; d < x.rank(); ++d) {
      const auto n = x.shape[d].constant_value();
      const auto m = y.shape[d].constant_value();
      if (x.shape[d] == y.shape[d]) {
        repeats.push_back(1);
      } else if (n && m && *n != 0) {
        repeats.push_back(*m / *n);
      } else {
        g.fail("the repeats of dimension " + std::to_string(d) + " are unknown");
      }
    }
  }
  if (repeats.size() != x.rank()) g.fail("'repeats' must have one entry per input dimension");
  std::vector<ir::Expr> split;
  Ints copies;
  for (std::size_t d = 0; d < x.rank(); ++d) {
    if (repeats[d] != 1) {
      copies.push_back(static_cast<std::int64_t>(split.size()));
      split.emplace_back(repeats[d]);
    }
    split.push_back(x.shape[d]);
  }
  if (copies.empty()) {
    g.contribute(0, g.adjoint(0));
    return;
  }
  const std::string parts = reshape(g, g.adjoint(0), y.dtype, split);
  g.contribute(0, g.op("ReduceSum", {parts}, x, {{"axes", copies}, {"keepdims", std::int64_t{0}}}));
}

// Constant padding: dX is the middle of dY. The ends count from the back so that a symbolic
// dimension needs no number.
void pad_gradient(GradientBuilder& g) {
  const ir::Container x = g.input(0);
  const std::string mode = g.attr_string("mode", "constant");
  if (mode != "constant") g.fail("mode '" + mode + "' (only constant padding has a gradient rule)");
  const Ints pads = g.attr_ints("pads");
  Ints all_axes;
  for (std::size_t d = 0; d < x.rank(); ++d) all_axes.push_back(static_cast<std::int64_t>(d));
  const Ints axes = g.attr_ints("axes", all_axes);
  if (pads.size() != 2 * axes.size())
    g.fail("'pads' has " + std::to_string(pads.size()) + " entries; expected " +
           std::to_string(2 * axes.size()));
  Ints starts;
  Ints ends;
  Ints sliced;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const std::int64_t before = pads[i];
    const std::int64_t after = pads[i + axes.size()];
    if (before < 0 || after < 0) g.fail("negative pads (cropping) have no gradient rule");
    if (before == 0 && after == 0) continue;
    starts.push_back(before);
    ends.push_back(after > 0 ? -after : std::numeric_limits<std::int64_t>::max());
    sliced.push_back(normalized_axis(g, axes[i], x.rank()));
  }
  if (sliced.empty()) {
    g.contribute(0, g.adjoint(0));
    return;
  }
  g.contribute(0, slice(g, g.adjoint(0), x, starts, ends, sliced));
}

}  // namespace

void add_shape_gradients(GradientRuleTable& table) {
  table["Concat"] = concat_gradient;
  table["Expand"] = expand_gradient;
  table["Flatten"] = reshape_gradient;
  table["Gather"] = gather_gradient;
  table["Identity"] = identity_gradient;
  table["Pad"] = pad_gradient;
  table["Reshape"] = reshape_gradient;
  table["Slice"] = slice_gradient;
  table["Split"] = split_gradient;
  table["Squeeze"] = reshape_gradient;
  table["Tile"] = tile_gradient;
  table["Transpose"] = transpose_gradient;
  table["Unsqueeze"] = reshape_gradient;
}

}  // namespace sluice::autodiff
