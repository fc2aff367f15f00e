// Data-dependent indexing: the tasklet reads an index, normalizes it (negative counts from the
// end; out-of-range is clamped so a bad index cannot read outside the tensor) and reads the data
// through a tasklet subscript `d[...]` over a memlet that spans the indexed dimension.
//
// Tasklets cannot write to a computed place, so the scatters are written as gathers: each
// output element looks at every update that could land on it (a sequential inner map over the
// indexed dimension) and combines those that do with a write-conflict resolution; for reduction
// `none` the last matching update wins (its position is found first, then gathered).

#include <cstdint>
#include <string>
#include <vector>

#include "ops/expansion.h"
#include "ops/index_helpers.h"
#include "ops/op_helpers.h"
#include "ops/op_groups.h"
#include "ops/op_registry.h"

namespace sluice::ops {
namespace {

using index::Point;

// `let <name>: i64 = <index i normalized into [0, n)>;`
std::string normalized_index(const std::string& name, const std::string& value, const ir::Expr& n) {
  const std::string size = index::tasklet_text(n);
  return "let " + name + "_raw: i64 = cast<i64>(" + value + ");\nlet " + name +
         ": i64 = min(max(select(" + name + "_raw < 0, " + name + "_raw + " + size + ", " + name +
         "_raw), 0), " + size + " - 1);\n";
}

// The same without clamping: an index that lands outside [0, n) matches nothing.
std::string wrapped_index(const std::string& name, const std::string& value, const ir::Expr& n) {
  const std::string size = index::tasklet_text(n);
  return "let " + name + "_raw: i64 = cast<i64>(" + value + ");\nlet " + name + ": i64 = select(" +
         name + "_raw < 0, " + name + "_raw + " + size + ", " + name + "_raw);\n";
}

// A subset with single indices except ranges `0:n` where `range_dims` says, and the matching
// subscript: 0 for single indices (the subscript is relative to the subset's start).
struct Spanned {
  std::string subset;
  std::vector<std::string> subscript;  // per dimension; fill the spanned ones in
};

Spanned spanned(const Point& point, const std::vector<ir::Expr>& shape,
                const std::vector<bool>& range_dims) {
  Spanned s;
  for (std::size_t d = 0; d < point.size(); ++d) {
    if (d > 0) s.subset += ", ";
    if (range_dims[d]) {
      s.subset += "0:" + shape[d].str();
    } else {
      s.subset += point[d].str();
    }
    s.subscript.emplace_back("0");
  }
  return s;
}

std::string subscript(const std::string& connector, const std::vector<std::string>& indices) {
  std::string out = connector + "[";
  for (std::size_t i = 0; i < indices.size(); ++i) out += (i > 0 ? ", " : "") + indices[i];
  return out + "]";
}

void expand_gather(ExpansionContext& x) {
  const ir::Container data = x.input(0);
  const ir::Container ids = x.input(1);
  const ir::Container out = x.output(0);
  const auto r = static_cast<std::int64_t>(data.rank());
  const auto axis = static_cast<std::size_t>(normalize_axis(x, x.attr_int("axis", 0), r));
  const std::size_t q = ids.rank();
  if (out.rank() != data.rank() + q - 1) x.fail("the output rank does not match data and indices");
  const MapParams p = x.params(out.shape);
  const Point o = index::param_exprs(p);
  const Point ind(o.begin() + static_cast<std::ptrdiff_t>(axis),
                  o.begin() + static_cast<std::ptrdiff_t>(axis + q));
  Point dpt(o.begin(), o.begin() + static_cast<std::ptrdiff_t>(axis));
  dpt.emplace_back(0);
  dpt.insert(dpt.end(), o.begin() + static_cast<std::ptrdiff_t>(axis + q), o.end());
  std::vector<bool> range_dims(data.rank(), false);
  range_dims[axis] = true;
  Spanned s = spanned(dpt, data.shape, range_dims);
  s.subscript[axis] = "j";
  const std::string code =
      normalized_index("j", "i", data.shape[axis]) + "y = " + subscript("d", s.subscript) + ";";
  index::pointwise(x, "gather", out.shape,
                   {{"i", ids.name, index::subset_text(ind)}, {"d", data.name, s.subset}}, code,
                   {{"y", out.name, p.index}});
}

void expand_gather_elements(ExpansionContext& x) {
  const ir::Container data = x.input(0);
  const ir::Container ids = x.input(1);
  const ir::Container out = x.output(0);
  const auto r = static_cast<std::int64_t>(data.rank());
  const auto axis = static_cast<std::size_t>(normalize_axis(x, x.attr_int("axis", 0), r));
  if (ids.rank() != data.rank()) x.fail("data and indices must have the same rank");
  const MapParams p = x.params(out.shape);
  const Point o = index::param_exprs(p);
  std::vector<bool> range_dims(data.rank(), false);
  range_dims[axis] = true;
  Spanned s = spanned(o, data.shape, range_dims);
  s.subscript[axis] = "j";
  const std::string code =
      normalized_index("j", "i", data.shape[axis]) + "y = " + subscript("d", s.subscript) + ";";
  index::pointwise(x, "gather_elements", out.shape,
                   {{"i", ids.name, p.index}, {"d", data.name, s.subset}}, code,
                   {{"y", out.name, p.index}});
}

// GatherND: out[b, p, r] = data[b, indices[b, p, 0:k], r] with b the batch_dims leading dims.
void expand_gather_nd(ExpansionContext& x) {
  const ir::Container data = x.input(0);
  const ir::Container ids = x.input(1);
  const ir::Container out = x.output(0);
  const std::int64_t b = x.attr_int("batch_dims", 0);
  if (ids.rank() < 1) x.fail("indices must have rank 1 or more");
  const std::int64_t k = index::constant_dim(x, ids.shape.back(), "the last dimension of indices");
  const auto q = static_cast<std::int64_t>(ids.rank());
  const auto r = static_cast<std::int64_t>(data.rank());
  if (b < 0 || b >= q || k < 1 || b + k > r) x.fail("batch_dims and indices do not fit the data");
  if (static_cast<std::int64_t>(out.rank()) != q - 1 + r - b - k)
    x.fail("the output has the wrong rank");
  const MapParams p = x.params(out.shape);
  const Point o = index::param_exprs(p);
  const auto at = [](const Point& v, std::int64_t from, std::int64_t to) {
    return Point(v.begin() + from, v.begin() + to);
  };
  Point ipt = at(o, 0, q - 1);
  ipt.emplace_back(0);
  std::vector<bool> irange(ids.rank(), false);
  irange.back() = true;
  const Spanned is = spanned(ipt, ids.shape, irange);
  Point dpt = at(o, 0, b);
  for (std::int64_t t = 0; t < k; ++t) dpt.emplace_back(0);
  const Point rest = at(o, q - 1, static_cast<std::int64_t>(o.size()));
  dpt.insert(dpt.end(), rest.begin(), rest.end());
  std::vector<bool> drange(data.rank(), false);
  for (std::int64_t t = 0; t < k; ++t) drange[static_cast<std::size_t>(b + t)] = true;
  Spanned ds = spanned(dpt, data.shape, drange);
  std::string code;
  for (std::int64_t t = 0; t < k; ++t) {
    std::vector<std::string> sub = is.subscript;
    sub.back() = std::to_string(t);
    const std::string name = "j" + std::to_string(t);
    code +=
        normalized_index(name, subscript("i", sub), data.shape[static_cast<std::size_t>(b + t)]);
    ds.subscript[static_cast<std::size_t>(b + t)] = name;
  }
  index::pointwise(x, "gather_nd", out.shape,
                   {{"i", ids.name, is.subset}, {"d", data.name, ds.subset}},
                   code + "y = " + subscript("d", ds.subscript) + ";", {{"y", out.name, p.index}});
}

struct Reduction {
  ir::WriteConflict wcr = ir::WriteConflict::None;
  std::string neutral;  // the value that leaves the accumulator unchanged
};

Reduction scatter_reduction(const ExpansionContext& x, ir::DType dtype) {
  const std::string r = x.attr_string("reduction", "none");
  if (r == "none") return {};
  if (r == "add") return {ir::WriteConflict::Sum, index::literal(dtype, 0)};
  if (r == "mul") return {ir::WriteConflict::Product, index::literal(dtype, 1)};
  if (r == "max") return {ir::WriteConflict::Max, index::lowest(dtype)};
  if (r == "min") return {ir::WriteConflict::Min, index::highest(dtype)};
  x.fail("unknown reduction '" + r + "'");
}

// ScatterElements (and the deprecated Scatter): out = data, then every update u[p] goes to
// out[p with axis := indices[p]].
void expand_scatter_elements(ExpansionContext& x) {
  const ir::Container data = x.input(0);
  const ir::Container ids = x.input(1);
  const ir::Container updates = x.input(2);
  const ir::Container out = x.output(0);
  const auto r = static_cast<std::int64_t>(data.rank());
  const auto axis = static_cast<std::size_t>(normalize_axis(x, x.attr_int("axis", 0), r));
  if (ids.rank() != data.rank() || updates.rank() != data.rank())
    x.fail("data, indices and updates must have the same rank");
  const Reduction red = scatter_reduction(x, out.dtype);
  if (index::outputs_empty(x)) return;
  if (red.wcr != ir::WriteConflict::None || index::is_empty(ids.shape))
    index::copy_map(x, "scatter_copy", data.name, out.name, out.shape,
                    [](const Point& q) { return q; });
  if (index::is_empty(ids.shape)) return;

  const MapParams p = x.params(out.shape);
  const Point o = index::param_exprs(p);
  // Candidate updates for out[o]: indices/updates at (o with axis := _r0), when o lies inside
  // the indices' shape along the other axes.
  const index::InnerParams inner = index::inner_params({ids.shape[axis]});
  Point at = o;
  at[axis] = inner.exprs[0];
  std::string inside;
  for (std::size_t d = 0; d < at.size(); ++d) {
    if (d == axis || ids.shape[d] == out.shape[d]) continue;
    at[d] = ir::min(o[d], ids.shape[d] - 1);
    inside += " && " + index::tasklet_text(o[d]) + " < " + index::tasklet_text(ids.shape[d]);
  }
  const std::string hit = "j == " + o[axis].str() + inside;
  std::vector<ir::TaskletPort> inputs{{"i", ids.name, index::subset_text(at)}};
  if (red.wcr != ir::WriteConflict::None) {
    inputs.push_back({"u", updates.name, index::subset_text(at)});
    index::reduce_map(x, "scatter", p.ranges, inner.ranges, inputs,
                      wrapped_index("j", "i", data.shape[axis]) + "y = select(" + hit + ", u, " +
                          red.neutral + ");",
                      {{"y", out.name, p.index, red.wcr}});
    return;
  }
  // reduction none: the last matching update position, then a gather of it.
  const std::string last = x.transient("last", ir::DType::i64, out.shape);
  index::pointwise(x, "scatter_last_init", out.shape, {}, "k = -1;", {{"k", last, p.index}});
  index::reduce_map(x, "scatter_last", p.ranges, inner.ranges, inputs,
                    wrapped_index("j", "i", data.shape[axis]) + "k = select(" + hit + ", " +
                        inner.exprs[0].str() + ", -1);",
                    {{"k", last, p.index, ir::WriteConflict::Max}}, {{last, out.shape}});
  std::vector<bool> range_dims(data.rank(), false);
  range_dims[axis] = true;
  Point upt = at;
  upt[axis] = 0;
  Spanned s = spanned(upt, updates.shape, range_dims);
  s.subscript[axis] = "max(k, 0)";
  index::pointwise(x, "scatter", out.shape,
                   {{"k", last, p.index}, {"u", updates.name, s.subset}, {"a", data.name, p.index}},
                   "y = select(k >= 0, " + subscript("u", s.subscript) + ", a);",
                   {{"y", out.name, p.index}});
}

// ScatterND: indices [B..., k] address out[indices[b], ...]; updates are [B..., data[k:]...].
void expand_scatter_nd(ExpansionContext& x) {
  const ir::Container data = x.input(0);
  const ir::Container ids = x.input(1);
  const ir::Container updates = x.input(2);
  const ir::Container out = x.output(0);
  if (ids.rank() < 1) x.fail("indices must have rank 1 or more");
  const std::int64_t k = index::constant_dim(x, ids.shape.back(), "the last dimension of indices");
  if (k < 1 || k > static_cast<std::int64_t>(data.rank()))
    x.fail("indices address too many dimensions");
  const std::size_t nb = ids.rank() - 1;
  if (updates.rank() != nb + data.rank() - static_cast<std::size_t>(k))
    x.fail("updates have the wrong rank");
  const Reduction red = scatter_reduction(x, out.dtype);
  if (index::outputs_empty(x)) return;
  if (red.wcr != ir::WriteConflict::None || index::is_empty(ids.shape))
    index::copy_map(x, "scatter_nd_copy", data.name, out.name, out.shape,
                    [](const Point& q) { return q; });
  if (index::is_empty(ids.shape)) return;

  const MapParams p = x.params(out.shape);
  const Point o = index::param_exprs(p);
  const std::vector<ir::Expr> batch(ids.shape.begin(), ids.shape.end() - 1);
  const index::InnerParams inner = index::inner_params(batch);
  // indices[b, 0:k] through a subscript; the update at [b, o[k:]].
  Point ipt = inner.exprs;
  ipt.emplace_back(0);
  std::vector<bool> range_dims(ids.rank(), false);
  range_dims.back() = true;
  const Spanned is = spanned(ipt, ids.shape, range_dims);
  std::string code;
  std::string hit;
  for (std::int64_t t = 0; t < k; ++t) {
    std::vector<std::string> sub = is.subscript;
    sub.back() = std::to_string(t);
    const std::string name = "j" + std::to_string(t);
    code += wrapped_index(name, subscript("i", sub), data.shape[static_cast<std::size_t>(t)]);
    hit += (t > 0 ? " && " : "") + name + " == " + o[static_cast<std::size_t>(t)].str();
  }
  if (red.wcr != ir::WriteConflict::None) {
    Point upt = inner.exprs;
    upt.insert(upt.end(), o.begin() + k, o.end());
    index::reduce_map(x, "scatter_nd", p.ranges, inner.ranges,
                      {{"i", ids.name, is.subset}, {"u", updates.name, index::subset_text(upt)}},
                      code + "y = select(" + hit + ", u, " + red.neutral + ");",
                      {{"y", out.name, p.index, red.wcr}});
    return;
  }
  // reduction none: the last matching batch position (row-major over B), then a gather.
  ir::Expr flat = 0;
  for (std::size_t d = 0; d < nb; ++d) flat = flat * batch[d] + inner.exprs[d];
  const std::string last = x.transient("last", ir::DType::i64, out.shape);
  index::pointwise(x, "scatter_nd_last_init", out.shape, {}, "n = -1;", {{"n", last, p.index}});
  index::reduce_map(x, "scatter_nd_last", p.ranges, inner.ranges, {{"i", ids.name, is.subset}},
                    code + "n = select(" + hit + ", " + index::tasklet_text(flat) + ", -1);",
                    {{"n", last, p.index, ir::WriteConflict::Max}}, {{last, out.shape}});
  Point upt(nb, ir::Expr(0));
  upt.insert(upt.end(), o.begin() + k, o.end());
  std::vector<bool> urange(updates.rank(), false);
  for (std::size_t d = 0; d < nb; ++d) urange[d] = true;
  Spanned us = spanned(upt, updates.shape, urange);
  ir::Expr stride = 1;
  for (std::size_t d = nb; d-- > 0;) {
    us.subscript[d] =
        "(max(n, 0) / " + index::tasklet_text(stride) + ") % " + index::tasklet_text(batch[d]);
    stride = stride * batch[d];
  }
  index::pointwise(
      x, "scatter_nd", out.shape,
      {{"n", last, p.index}, {"u", updates.name, us.subset}, {"a", data.name, p.index}},
      "y = select(n >= 0, " + subscript("u", us.subscript) + ", a);", {{"y", out.name, p.index}});
}

void expand_one_hot(ExpansionContext& x) {
  const ir::Container ids = x.input(0);
  const ir::Container out = x.output(0);
  const auto rank = static_cast<std::int64_t>(out.rank());
  const auto axis =
      static_cast<std::size_t>(normalize_axis(x, x.attr_int("axis", -1), rank));
  const ir::Expr depth = out.shape[axis];
  const MapParams p = x.params(out.shape);
  Point o = index::param_exprs(p);
  const ir::Expr position = o[axis];
  o.erase(o.begin() + static_cast<std::ptrdiff_t>(axis));
  std::vector<ir::TaskletPort> inputs{{"i", ids.name, index::subset_text(o)}};
  std::string off;
  std::string on;
  if (x.has_input(2)) {
    inputs.push_back({"v", x.input_name(2), "0:2"});
    off = "v[0]";
    on = "v[1]";
  } else {
    const auto values = x.attr_floats("values", std::vector<double>{0.0, 1.0});
    if (values.size() != 2) x.fail("'values' must have two entries (off, on)");
    off = index::literal(out.dtype, values[0]);
    on = index::literal(out.dtype, values[1]);
  }
  index::pointwise(x, "one_hot", out.shape, inputs,
                   wrapped_index("j", "i", depth) + "y = select(j == " + position.str() + ", " +
                       on + ", " + off + ");",
                   {{"y", out.name, p.index}});
}

// TopK by counting: rank_i = #{j : x_j before x_i} (larger first, ties by index), then output
// position q takes the element whose rank is q.
void expand_top_k(ExpansionContext& x) {
  const ir::Container in = x.input(0);
  const ir::Container values = x.output(0);
  const auto r = static_cast<std::int64_t>(in.rank());
  const auto axis = static_cast<std::size_t>(normalize_axis(x, x.attr_int("axis", -1), r));
  const bool largest = x.attr_int("largest", 1) != 0;
  if (x.has_attr("k") && x.attr_int("k") < 0) x.fail("k must not be negative");
  if (index::outputs_empty(x)) return;
  const ir::Expr n = in.shape[axis];

  const std::string rank = x.transient("rank", ir::DType::i64, in.shape);
  const MapParams p = x.params(in.shape);
  const Point o = index::param_exprs(p);
  index::pointwise(x, "top_k_rank_init", in.shape, {}, "c = 0;", {{"c", rank, p.index}});
  const index::InnerParams inner = index::inner_params({n});
  std::vector<bool> range_dims(in.rank(), false);
  range_dims[axis] = true;
  Point dpt = o;
  dpt[axis] = 0;
  Spanned s = spanned(dpt, in.shape, range_dims);
  std::vector<std::string> mine = s.subscript;
  mine[axis] = o[axis].str();
  std::vector<std::string> other = s.subscript;
  other[axis] = inner.exprs[0].str();
  const std::string a = subscript("d", mine);
  const std::string b = subscript("d", other);
  const std::string before = "(" + b + (largest ? " > " : " < ") + a + " || (" + b + " == " + a +
                             " && " + inner.exprs[0].str() + " < " + o[axis].str() + "))";
  index::reduce_map(x, "top_k_rank", p.ranges, inner.ranges, {{"d", in.name, s.subset}},
                    "c = select(" + before + ", 1, 0);",
                    {{"c", rank, p.index, ir::WriteConflict::Sum}}, {{rank, in.shape}});

  // values[q] / indices[q] = the element of rank q (exactly one: ranks are distinct).
  const MapParams vp = x.params(values.shape);
  const Point v = index::param_exprs(vp);
  Point at = v;
  at[axis] = inner.exprs[0];
  index::pointwise(x, "top_k_values_init", values.shape, {},
                   "y = " + index::literal(values.dtype, 0) + ";", {{"y", values.name, vp.index}});
  const std::string match = "c == " + v[axis].str();
  std::vector<ir::TaskletPort> outs{{"y", values.name, vp.index, ir::WriteConflict::Sum}};
  std::string code = "y = select(" + match + ", a, " + index::literal(values.dtype, 0) + ");";
  if (x.has_output(1)) {
    const ir::Container indices = x.output(1);
    index::pointwise(x, "top_k_indices_init", values.shape, {}, "i = 0;",
                     {{"i", indices.name, vp.index}});
    outs.push_back({"i", indices.name, vp.index, ir::WriteConflict::Sum});
    code += "\ni = select(" + match + ", cast<" + std::string(ir::dtype_name(indices.dtype)) +
            ">(" + inner.exprs[0].str() + "), 0);";
  }
  index::reduce_map(x, "top_k_select", vp.ranges, inner.ranges,
                    {{"c", rank, index::subset_text(at)}, {"a", in.name, index::subset_text(at)}},
                    code, outs, {{rank, in.shape}});
}

}  // namespace

void add_indexing_ops(OpTable& table) {
  table.add("Gather", expand_gather);
  table.add("GatherElements", expand_gather_elements);
  table.add("GatherND", expand_gather_nd);
  table.add("OneHot", expand_one_hot);
  table.add("Scatter", expand_scatter_elements);
  table.add("ScatterElements", expand_scatter_elements);
  table.add("ScatterND", expand_scatter_nd);
  table.add("TopK", expand_top_k);
}

}  // namespace sluice::ops
