#include "ops/op_helpers.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

#include "ir/diagnostic.h"
#include "ops/index_helpers.h"
#include "ops/low_precision_sums.h"

namespace sluice::ops {
namespace {

bool names_param(const ir::Expr& e, const std::vector<Param>& params) {
  for (const std::string& s : e.free_symbols())
    for (const Param& p : params)
      if (p.name == s) return true;
  return false;
}

// The range `r` covers while `p` sweeps its range: exact when both ends move by the same
// constant per step, nullopt otherwise.
std::optional<ir::Range> sweep(const ir::Range& r, const Param& p) {
  const ir::Expr s = ir::Expr::symbol(p.name);
  const auto at = [&](const ir::Expr& e, const ir::Expr& v) { return e.substitute({{p.name, v}}); };
  const auto db = (at(r.begin, s + p.range.step) - r.begin).constant_value();
  const auto de = (at(r.end, s + p.range.step) - r.end).constant_value();
  if (!db || !de) return std::nullopt;
  if (*db == 0 && *de == 0) return r;
  const ir::Expr last = p.range.end - p.range.step;
  if (*db >= 0 && *de >= 0) return ir::Range{at(r.begin, p.range.begin), at(r.end, last), 1};
  if (*db <= 0 && *de <= 0) return ir::Range{at(r.begin, last), at(r.end, p.range.begin), 1};
  return std::nullopt;
}

// The memlet of an edge that crosses every map in `params` (innermost last).
ir::Subset cover(const ir::Subset& subset, const std::vector<Param>& params,
                 const std::vector<ir::Expr>& shape) {
  ir::Subset out = subset;
  for (std::size_t d = 0; d < out.size(); ++d) {
    std::optional<ir::Range> r = out[d];
    for (auto p = params.rbegin(); p != params.rend() && r; ++p) r = sweep(*r, *p);
    if (!r || names_param(r->begin, params) || names_param(r->end, params))
      r = ir::Range{0, shape.at(d), 1};
    out[d] = *r;
  }
  return out;
}

std::string ranges_text(const std::vector<Param>& params) {
  std::string s;
  for (std::size_t i = 0; i < params.size(); ++i)
    s += (i > 0 ? ", " : "") + params[i].name + "=" + ir::subset_str({params[i].range});
  return s;
}

std::vector<ir::TaskletPort> tasklet_ports(const std::vector<Port>& ports) {
  std::vector<ir::TaskletPort> out;
  for (const Port& p : ports)
    out.push_back({p.connector, p.container, subset_text(p.subset), p.wcr, {}});
  return out;
}

}  // namespace

ir::Subset point_subset(const Point& point) {
  ir::Subset s;
  for (const ir::Expr& e : point) s.push_back(ir::Range::index(e));
  return s;
}

std::string subset_text(const ir::Subset& subset) { return ir::subset_str(subset); }

Point param_point(const MapParams& params) {
  Point p;
  for (const std::string& n : params.names) p.push_back(ir::Expr::symbol(n));
  return p;
}

Point broadcast_point(const std::vector<ir::Expr>& in_shape, const Point& out) {
  SLUICE_CHECK(in_shape.size() <= out.size(), "broadcast from a higher rank");
  const std::size_t lead = out.size() - in_shape.size();
  Point p;
  for (std::size_t d = 0; d < in_shape.size(); ++d)
    p.push_back(in_shape[d].constant_value() == 1 ? ir::Expr(0) : out[lead + d]);
  return p;
}

std::optional<std::vector<ir::Expr>> broadcast_shapes(
    const std::vector<std::vector<ir::Expr>>& shapes) {
  std::size_t rank = 0;
  for (const auto& s : shapes) rank = std::max(rank, s.size());
  std::vector<ir::Expr> out(rank, ir::Expr(1));
  for (const auto& s : shapes) {
    const std::size_t lead = rank - s.size();
    for (std::size_t d = 0; d < s.size(); ++d) {
      ir::Expr& o = out[lead + d];
      if (s[d].constant_value() == 1) continue;
      if (o.constant_value() == 1) {
        o = s[d];
      } else if (!(o == s[d])) {
        return std::nullopt;
      }
    }
  }
  return out;
}

std::int64_t normalize_axis(const ExpansionContext& x, std::int64_t axis, std::int64_t rank,
                            std::string_view what) {
  if (axis < -rank || axis >= rank)
    x.fail(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " +
           std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

std::vector<std::int64_t> normalize_axes(const ExpansionContext& x,
                                         const std::vector<std::int64_t>& axes, std::int64_t rank,
                                         std::string_view what) {
  std::vector<std::int64_t> out;
  for (const std::int64_t a : axes) out.push_back(normalize_axis(x, a, rank, what));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end())
    x.fail(std::string(what) + " names an axis twice");
  return out;
}

std::string tasklet_text(const ir::Expr& e) { return index::tasklet_text(e); }
std::string literal(ir::DType dtype, double value) { return index::literal(dtype, value); }
std::string lowest(ir::DType dtype) { return index::lowest(dtype); }
std::string highest(ir::DType dtype) { return index::highest(dtype); }
std::string type_name(ir::DType dtype) { return std::string(ir::dtype_name(dtype)); }

std::string count_as(ir::DType dtype, const ir::Expr& count) {
  if (const auto c = count.constant_value()) return literal(dtype, static_cast<double>(*c));
  if (!ir::is_float(dtype)) return tasklet_text(count);
  return "cast<" + type_name(dtype) + ">(" + tasklet_text(count) + ")";
}

std::vector<Param> params_over(const std::vector<ir::Expr>& shape, std::string_view prefix,
                               int first) {
  std::vector<Param> ps;
  for (std::size_t d = 0; d < shape.size(); ++d)
    ps.push_back({std::string(prefix) + std::to_string(first + static_cast<int>(d)),
                  ir::Range{0, shape[d], 1}});
  return ps;
}

namespace {

void nested_map_at_storage_precision(ExpansionContext& x, const std::string& label,
                                     const std::vector<Param>& outer,
                                     const std::vector<Param>& inner,
                                     const std::vector<Port>& inputs, const std::string& code,
                                     const std::vector<Port>& outputs);

}  // namespace

void nested_map(ExpansionContext& x, const std::string& label, const std::vector<Param>& outer,
                const std::vector<Param>& inner, const std::vector<Port>& inputs,
                const std::string& code, const std::vector<Port>& outputs) {
  const auto empty = [](const std::vector<Param>& ps) {
    return std::any_of(ps.begin(), ps.end(),
                       [](const Param& p) { return p.range.size().constant_value() == 0; });
  };
  if (empty(outer) || empty(inner)) return;
  if (outer.empty() && inner.empty()) {
    x.tasklet(label, tasklet_ports(inputs), code, tasklet_ports(outputs));
    return;
  }
  // Sums into f16/bf16 outputs accumulate in f32 (ops/low_precision_sums.h).
  std::vector<ReductionOutput> targets;
  targets.reserve(outputs.size());
  for (const Port& p : outputs) targets.push_back({p.connector, p.container, p.wcr});
  std::string widened_code = code;
  const std::vector<WidenedSum> widened = widen_sums(x, label, widened_code, targets);
  if (widened.empty()) {
    nested_map_at_storage_precision(x, label, outer, inner, inputs, code, outputs);
    return;
  }
  std::vector<Port> widened_outputs = outputs;
  for (std::size_t k = 0; k < outputs.size(); ++k)
    widened_outputs[k].container = targets[k].container;
  nested_map_at_storage_precision(x, label, outer, inner, inputs, widened_code, widened_outputs);
  narrow_sums(x, label, widened);
}

namespace {

void nested_map_at_storage_precision(ExpansionContext& x, const std::string& label,
                                     const std::vector<Param>& outer,
                                     const std::vector<Param>& inner,
                                     const std::vector<Port>& inputs, const std::string& code,
                                     const std::vector<Port>& outputs) {
  if (inner.empty() || outer.empty()) {
    x.mapped_tasklet(label, ranges_text(inner.empty() ? outer : inner), tasklet_ports(inputs), code,
                     tasklet_ports(outputs),
                     inner.empty() ? ir::Schedule::CpuParallel : ir::Schedule::Sequential);
    return;
  }
  std::vector<ir::NodeId> in_nodes;
  std::vector<ir::NodeId> out_nodes;
  for (const Port& p : inputs) in_nodes.push_back(x.read_node(p.container));
  for (const Port& p : outputs) out_nodes.push_back(x.write_node(p.container));
  ir::GraphBuilder g = x.graph();
  const ir::NodeId map = g.map(label, ranges_text(outer), ir::Schedule::CpuParallel);
  ir::GraphBuilder body = g.body(map);
  body.mapped_tasklet(label + "_inner", ranges_text(inner), tasklet_ports(inputs), code,
                      tasklet_ports(outputs), ir::Schedule::Sequential);
  std::vector<Param> all = outer;
  all.insert(all.end(), inner.begin(), inner.end());
  ir::Expr iterations = 1;
  for (const Param& p : outer) iterations = iterations * p.range.size();
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Port& p = inputs[k];
    const ir::Container c = x.container(p.container);
    ir::Memlet m;
    m.subset = cover(p.subset, all, c.shape);
    m.volume = ir::subset_size(m.subset) * iterations;
    g.graph().get<ir::MapNode>(map).inputs.push_back(p.container);
    const ir::EdgeId e = g.read(in_nodes[k], subset_text(m.subset), map, p.container);
    g.graph().memlet(e).volume = m.volume;
  }
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const Port& p = outputs[k];
    const ir::Container c = x.container(p.container);
    const ir::Subset s = cover(p.subset, all, c.shape);
    g.graph().get<ir::MapNode>(map).outputs.push_back(p.container);
    const ir::EdgeId e = g.write(map, p.container, out_nodes[k], subset_text(s), p.wcr);
    g.graph().memlet(e).volume = ir::subset_size(s) * iterations;
  }
}

}  // namespace

void pointwise(ExpansionContext& x, const std::string& label, const std::vector<ir::Expr>& shape,
               const std::vector<Port>& inputs, const std::string& code,
               const std::vector<Port>& outputs) {
  nested_map(x, label, params_over(shape), {}, inputs, code, outputs);
}

void elementwise_on(ExpansionContext& x, const std::string& label,
                    const std::vector<std::pair<std::string, std::string>>& inputs,
                    std::string_view code,
                    const std::vector<std::pair<std::string, std::string>>& outputs,
                    const std::vector<ir::Expr>& shape) {
  const Point out = param_point(x.params(shape));
  std::vector<Port> ins;
  for (const auto& [conn, name] : inputs) {
    const ir::Container c = x.container(name);
    if (c.rank() > shape.size()) x.fail("input '" + name + "' has a higher rank than the output");
    ins.push_back({conn, name, point_subset(broadcast_point(c.shape, out)), {}});
  }
  std::vector<Port> outs;
  for (const auto& [conn, name] : outputs) outs.push_back({conn, name, point_subset(out), {}});
  pointwise(x, label, shape, ins, std::string(code), outs);
}

void elementwise(ExpansionContext& x, std::string_view code, std::string label) {
  if (label.empty()) {
    for (const char c : x.node().op) label += static_cast<char>(std::tolower(c));
  }
  std::vector<std::pair<std::string, std::string>> ins;
  for (int k = 0; k < x.num_inputs(); ++k)
    if (x.has_input(k))
      ins.emplace_back(std::string(1, static_cast<char>('a' + k)), x.input_name(k));
  static const char* const kOut[] = {"y", "z", "w"};
  std::vector<std::pair<std::string, std::string>> outs;
  for (int k = 0; k < x.num_outputs() && k < 3; ++k)
    if (x.has_output(k)) outs.emplace_back(kOut[k], x.output_name(k));
  const auto shape = x.output(0).shape;
  for (int k = 1; k < x.num_outputs(); ++k)
    if (x.has_output(k) && x.output(k).shape != shape)
      x.fail("output " + std::to_string(k) + " has another shape than output 0");
  elementwise_on(x, label, ins, code, outs, shape);
}

// --- reductions -------------------------------------------------------------------------------

ir::Expr reduced_count(const std::vector<ir::Expr>& in_shape,
                       const std::vector<std::int64_t>& axes) {
  ir::Expr n = 1;
  for (const std::int64_t a : axes) n = n * in_shape.at(static_cast<std::size_t>(a));
  return n;
}

Point reduced_point(const Point& in, const std::vector<std::int64_t>& axes, bool keepdims) {
  Point p;
  for (std::size_t d = 0; d < in.size(); ++d) {
    const bool reduced =
        std::find(axes.begin(), axes.end(), static_cast<std::int64_t>(d)) != axes.end();
    if (!reduced)
      p.push_back(in[d]);
    else if (keepdims)
      p.push_back(0);
  }
  return p;
}

std::vector<ir::Expr> reduced_shape(const std::vector<ir::Expr>& in_shape,
                                    const std::vector<std::int64_t>& axes, bool keepdims) {
  std::vector<ir::Expr> s;
  for (std::size_t d = 0; d < in_shape.size(); ++d) {
    const bool reduced =
        std::find(axes.begin(), axes.end(), static_cast<std::int64_t>(d)) != axes.end();
    if (!reduced)
      s.push_back(in_shape[d]);
    else if (keepdims)
      s.push_back(1);
  }
  return s;
}

SoftmaxStats softmax_stats(ExpansionContext& x, const std::string& input,
                           const std::vector<ir::Expr>& shape, ir::DType dtype, std::int64_t axis,
                           const std::string& label) {
  const auto stat_shape = reduced_shape(shape, {axis}, true);
  Reduction m;
  m.input = input;
  m.output = x.transient("max", dtype, stat_shape);
  m.axes = {axis};
  m.init = lowest(dtype);
  m.wcr = ir::WriteConflict::Max;
  m.label = label + "_max";
  reduce(x, m);
  Reduction s = m;
  s.output = x.transient("sum", dtype, stat_shape);
  s.init = literal(dtype, 0);
  s.wcr = ir::WriteConflict::Sum;
  s.accumulate = "exp(a - m)";
  s.extras = {{"m", m.output}};
  s.label = label + "_sum";
  reduce(x, s);
  return {m.output, s.output};
}

Reduction reduction_of(const ExpansionContext& x, bool* noop) {
  Reduction r;
  r.input = x.input_name(0);
  r.output = x.output_name(0);
  const auto rank = static_cast<std::int64_t>(x.input(0).rank());
  r.keepdims = x.attr_int("keepdims", 1) != 0;
  const auto axes = x.attr_ints("axes", std::vector<std::int64_t>{});
  const bool none = axes.empty() && x.attr_int("noop_with_empty_axes", 0) != 0;
  if (noop != nullptr) *noop = none;
  if (axes.empty()) {
    if (!none)
      for (std::int64_t d = 0; d < rank; ++d) r.axes.push_back(d);
  } else {
    r.axes = normalize_axes(x, axes, rank);
  }
  const auto want = reduced_shape(x.input(0).shape, r.axes, r.keepdims);
  if (want.size() != x.output(0).rank())
    x.fail("the output has rank " + std::to_string(x.output(0).rank()) +
           " but the reduction gives " + std::to_string(want.size()));
  std::string label;
  for (const char c : x.node().op) label += static_cast<char>(std::tolower(c));
  r.label = label;
  return r;
}

bool sums_in_memory_order(const std::vector<ir::Expr>& in_shape,
                          const std::vector<std::int64_t>& axes) {
  // As many elements as the generator privatizes in f64 (kMaxPrivateSumBytes / 8).
  constexpr std::int64_t kSmallResult = 8192;
  const auto last = static_cast<std::int64_t>(in_shape.size()) - 1;
  if (axes.empty() || last < 0 || std::find(axes.begin(), axes.end(), last) != axes.end())
    return false;
  std::int64_t kept = 1;
  for (std::int64_t d = 0; d <= last; ++d) {
    if (std::find(axes.begin(), axes.end(), d) != axes.end()) continue;
    const auto size = in_shape[static_cast<std::size_t>(d)].constant_value();
    if (!size) return false;
    kept *= *size;
    if (kept > kSmallResult) return false;
  }
  return true;
}

std::pair<std::vector<Param>, std::vector<Param>> reduction_loops(
    const std::vector<ir::Expr>& shape, const std::vector<std::int64_t>& axes, bool sum) {
  std::vector<Param> all = params_over(shape);
  if (sum && sums_in_memory_order(shape, axes)) return {all, {}};
  std::vector<Param> outer;
  std::vector<Param> inner;
  for (std::size_t d = 0; d < all.size(); ++d) {
    const bool reduced =
        std::find(axes.begin(), axes.end(), static_cast<std::int64_t>(d)) != axes.end();
    (reduced ? inner : outer).push_back(all[d]);
  }
  return {outer, inner};
}

void reduce(ExpansionContext& x, const Reduction& r) {
  const ir::Container in = x.container(r.input);
  const ir::Container out = x.container(r.output);
  const auto acc_shape = reduced_shape(in.shape, r.axes, r.keepdims);
  const std::string acc =
      r.finalize.empty()
          ? r.output
          : x.transient(r.label + "_acc", r.acc_dtype.value_or(out.dtype), acc_shape);
  // Initialize.
  const Point acc_point = param_point(x.params(acc_shape));
  pointwise(x, r.label + "_init", acc_shape, {}, "s = " + r.init + ";",
            {{"s", acc, point_subset(acc_point), {}}});
  // Accumulate: the kept dims outside (parallel), the reduced dims inside (sequential).
  const std::vector<Param> all = params_over(in.shape);
  const auto [outer, inner] = reduction_loops(in.shape, r.axes, r.wcr == ir::WriteConflict::Sum);
  Point in_point;
  for (const Param& p : all) in_point.push_back(ir::Expr::symbol(p.name));
  const Point at = reduced_point(in_point, r.axes, r.keepdims);
  std::vector<Port> ins{{"a", r.input, point_subset(in_point), {}}};
  for (const auto& [conn, name] : r.extras) ins.push_back({conn, name, point_subset(at), {}});
  nested_map(x, r.label, outer, inner, ins, "s = " + r.accumulate + ";",
             {{"s", acc, point_subset(at), r.wcr}});
  if (r.finalize.empty()) return;
  std::vector<Port> fin{{"s", acc, point_subset(acc_point), {}}};
  for (const auto& [conn, name] : r.extras)
    fin.push_back({conn, name, point_subset(acc_point), {}});
  pointwise(x, r.label + "_final", acc_shape, fin, "y = " + r.finalize + ";",
            {{"y", r.output, point_subset(acc_point), {}}});
}

void arg_extreme(ExpansionContext& x, const std::string& label, const std::string& input,
                 std::int64_t axis, bool max, bool last, const std::string& output) {
  const ir::Container in = x.container(input);
  const ir::Container out = x.container(output);
  Reduction r;
  r.input = input;
  r.axes = {axis};
  r.keepdims = out.rank() == in.rank();
  SLUICE_CHECK(r.keepdims || out.rank() + 1 == in.rank(), "arg_extreme: output rank");
  // The extreme value.
  Reduction v = r;
  v.output = x.transient(label + "_value", in.dtype, out.shape);
  v.init = max ? lowest(in.dtype) : highest(in.dtype);
  v.wcr = max ? ir::WriteConflict::Max : ir::WriteConflict::Min;
  v.label = label + "_value";
  reduce(x, v);
  // The first (last) index holding it.
  Reduction i = r;
  i.output = output;
  const std::string none = last ? "(-1)" : literal(ir::DType::i64, 9.0e18);
  i.init = none;
  i.wcr = last ? ir::WriteConflict::Max : ir::WriteConflict::Min;
  i.accumulate = "select(a == m, _d" + std::to_string(axis) + ", " + none + ")";
  i.extras = {{"m", v.output}};
  i.label = label + "_index";
  reduce(x, i);
}

}  // namespace sluice::ops
