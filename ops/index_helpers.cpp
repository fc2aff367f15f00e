#include "ops/index_helpers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "ir/diagnostic.h"
#include "ir/tasklet.h"
#include "ops/low_precision_sums.h"

namespace sluice::ops::index {
namespace {

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

std::string int_literal(std::int64_t v) {
  if (v == std::numeric_limits<std::int64_t>::min()) return "(-9223372036854775807 - 1)";
  return v < 0 ? "(" + std::to_string(v) + ")" : std::to_string(v);
}

std::pair<std::int64_t, std::int64_t> int_limits(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::i8: return {-128, 127};
    case ir::DType::i32:
      return {std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()};
    default:
      return {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()};
  }
}

// The range an index sweeps while `param` runs over its range: exact when the index moves by a
// constant step per iteration, otherwise the whole dimension (as GraphBuilder::mapped_tasklet).
std::optional<ir::Range> sweep(const ir::Range& index, const ir::MapParam& param) {
  const ir::Expr p = ir::Expr::symbol(param.name);
  const ir::Expr step = index.begin.substitute({{param.name, p + param.range.step}}) - index.begin;
  const auto delta = step.constant_value();
  if (!delta) return std::nullopt;
  if (*delta == 0) return index;
  const ir::Expr last = param.range.end - param.range.step;
  const auto at = [&](const ir::Expr& e, const ir::Expr& v) {
    return e.substitute({{param.name, v}});
  };
  if (*delta > 0) return ir::Range{at(index.begin, param.range.begin), at(index.end, last), 1};
  return ir::Range{at(index.begin, last), at(index.end, param.range.begin), 1};
}

ir::Memlet cover(const ir::Memlet& inner, const std::vector<ir::MapParam>& params,
                 const std::vector<ir::Expr>& shape) {
  ir::Memlet out = inner;
  ir::Expr iterations = 1;
  for (const auto& p : params) iterations = iterations * p.range.size();
  for (std::size_t d = 0; d < out.subset.size(); ++d) {
    std::optional<ir::Range> r = out.subset[d];
    for (const auto& p : params)
      if (r) r = sweep(*r, p);
    out.subset[d] = r ? *r : ir::Range{0, shape.at(d), 1};
  }
  out.volume = inner.volume * iterations;
  return out;
}

}  // namespace

std::string cat(std::initializer_list<std::string_view> parts) {
  std::size_t n = 0;
  for (const auto part : parts) n += part.size();
  std::string out;
  out.reserve(n);
  for (const auto part : parts) out += part;
  return out;
}

Point param_exprs(const MapParams& params) {
  Point p;
  for (const auto& name : params.names) p.push_back(ir::Expr::symbol(name));
  return p;
}

std::string subset_text(const Point& point) {
  std::vector<std::string> parts;
  for (const auto& e : point) parts.push_back(e.str());
  return join(parts, ", ");
}

std::string tasklet_text(const ir::Expr& e) {
  const auto& ops = e.operands();
  const auto each = [&] {
    std::vector<std::string> parts;
    for (const auto& o : ops) parts.push_back(tasklet_text(o));
    return parts;
  };
  switch (e.kind()) {
    case ir::ExprKind::Constant: return int_literal(*e.constant_value());
    case ir::ExprKind::Symbol: return e.symbol_name();
    case ir::ExprKind::Add: {
      // A negative constant (canonically last) reads as a subtraction.
      std::string acc = tasklet_text(ops[0]);
      for (std::size_t i = 1; i < ops.size(); ++i) {
        const auto c = ops[i].constant_value();
        if (c && *c < 0 && *c != std::numeric_limits<std::int64_t>::min())
          acc += " - " + std::to_string(-*c);
        else
          acc += " + " + tasklet_text(ops[i]);
      }
      return "(" + acc + ")";
    }
    case ir::ExprKind::Mul: return "(" + join(each(), " * ") + ")";
    case ir::ExprKind::FloorDiv:
      return "(" + tasklet_text(ops[0]) + " / " + tasklet_text(ops[1]) + ")";
    case ir::ExprKind::Mod: return "(" + tasklet_text(ops[0]) + " % " + tasklet_text(ops[1]) + ")";
    case ir::ExprKind::Min:
    case ir::ExprKind::Max: {
      const char* f = e.kind() == ir::ExprKind::Min ? "min(" : "max(";
      std::string acc = tasklet_text(ops[0]);
      for (std::size_t i = 1; i < ops.size(); ++i)
        acc = cat({f, acc, ", ", tasklet_text(ops[i]), ")"});
      return acc;
    }
  }
  SLUICE_CHECK(false, "unknown expression kind");
  return {};
}

std::string literal(ir::DType dtype, double value) {
  if (dtype == ir::DType::boolean) return value != 0.0 ? "true" : "false";
  if (ir::is_float(dtype)) {
    if (std::isnan(value)) return "(0.0 / 0.0)";
    return "(" + ir::print_tasklet_expr(ir::TaskletExpr::floating(value)) + ")";
  }
  const auto [lo, hi] = int_limits(dtype);
  if (std::isnan(value)) return "0";
  if (value <= static_cast<double>(lo)) return int_literal(lo);
  if (value >= static_cast<double>(hi)) return int_literal(hi);
  return int_literal(static_cast<std::int64_t>(value));
}

std::string lowest(ir::DType dtype) {
  if (dtype == ir::DType::boolean) return "false";
  return literal(dtype, -std::numeric_limits<double>::infinity());
}

std::string highest(ir::DType dtype) {
  if (dtype == ir::DType::boolean) return "true";
  return literal(dtype, std::numeric_limits<double>::infinity());
}

ir::Expr slice_start(const ir::Expr& dim, std::int64_t start, std::int64_t step) {
  if (const auto n = dim.constant_value()) {
    std::int64_t s = start < 0 ? std::max<std::int64_t>(start, -*n) + *n : start;
    s = step > 0 ? std::clamp<std::int64_t>(s, 0, *n) : std::clamp<std::int64_t>(s, 0, *n - 1);
    return s;
  }
  if (start < 0) return ir::max(dim + start, 0);
  return step > 0 ? ir::min(ir::Expr(start), dim) : ir::min(ir::Expr(start), dim - 1);
}

std::int64_t constant_dim(const ExpansionContext& x, const ir::Expr& dim, std::string_view what) {
  const auto v = dim.constant_value();
  if (!v) x.fail(std::string(what) + " must be a known size, not " + dim.str());
  return *v;
}

bool is_empty(const std::vector<ir::Expr>& shape) {
  return std::any_of(shape.begin(), shape.end(),
                     [](const ir::Expr& d) { return d.constant_value() == 0; });
}

ir::Expr num_elements(const std::vector<ir::Expr>& shape) { return ir::product(shape); }

bool outputs_empty(const ExpansionContext& x) {
  for (int k = 0; k < x.num_outputs(); ++k)
    if (x.has_output(k) && !is_empty(x.output(k).shape)) return false;
  return true;
}

void pointwise(ExpansionContext& x, const std::string& label, const std::vector<ir::Expr>& shape,
               const std::vector<ir::TaskletPort>& inputs, const std::string& code,
               const std::vector<ir::TaskletPort>& outputs) {
  if (is_empty(shape)) return;
  if (shape.empty()) {
    x.tasklet(label, inputs, code, outputs);
    return;
  }
  x.mapped_tasklet(label, x.params(shape).ranges, inputs, code, outputs);
}

void copy_map(ExpansionContext& x, const std::string& label, const std::string& in,
              const std::string& out, const std::vector<ir::Expr>& out_shape,
              const std::function<Point(const Point&)>& source) {
  const MapParams p = x.params(out_shape);
  const Point src = source(param_exprs(p));
  pointwise(x, label, out_shape, {{"a", in, subset_text(src)}}, "y = a;", {{"y", out, p.index}});
}

void fill(ExpansionContext& x, const std::string& label, const std::string& out,
          const std::string& value) {
  for (int k = 0; k < x.num_outputs(); ++k) {
    if (!x.has_output(k) || x.output_name(k) != out) continue;
    const MapParams p = x.params(x.output(k).shape);
    pointwise(x, label, x.output(k).shape, {}, "y = " + value + ";", {{"y", out, p.index}});
    return;
  }
  SLUICE_CHECK(false, "fill: '" + out + "' is not an output of the node");
}

Point reshape_source(const std::vector<ir::Expr>& in_shape, const std::vector<ir::Expr>& out_shape,
                     const Point& out_point) {
  // Dimensions of size 1 carry no information: skip them on both sides.
  std::vector<std::size_t> in_dims;
  std::vector<std::size_t> out_dims;
  for (std::size_t i = 0; i < in_shape.size(); ++i)
    if (in_shape[i].constant_value() != 1) in_dims.push_back(i);
  for (std::size_t j = 0; j < out_shape.size(); ++j)
    if (out_shape[j].constant_value() != 1) out_dims.push_back(j);

  Point source(in_shape.size(), ir::Expr(0));
  // Emits one group: out dims [oj0, oj1) and in dims [ii0, ii1) of equal element counts.
  const auto group = [&](std::size_t oj0, std::size_t oj1, std::size_t ii0, std::size_t ii1) {
    if (oj1 - oj0 == 1 && ii1 - ii0 == 1) {
      source[in_dims[ii0]] = out_point[out_dims[oj0]];
      return;
    }
    ir::Expr linear = 0;
    for (std::size_t j = oj0; j < oj1; ++j)
      linear = linear * out_shape[out_dims[j]] + out_point[out_dims[j]];
    ir::Expr stride = 1;
    for (std::size_t i = ii1; i-- > ii0;) {
      const ir::Expr& n = in_shape[in_dims[i]];
      ir::Expr v = stride.constant_value() == 1 ? linear : ir::floordiv(linear, stride);
      if (i != ii0) v = ir::mod(v, n);
      source[in_dims[i]] = v;
      stride = stride * n;
    }
  };

  std::size_t i = 0;
  std::size_t j = 0;
  while (i < in_dims.size() && j < out_dims.size()) {
    const std::size_t i0 = i;
    const std::size_t j0 = j;
    ir::Expr in_count = in_shape[in_dims[i++]];
    ir::Expr out_count = out_shape[out_dims[j++]];
    // Grow the smaller side until both cover the same elements; give up on symbolic mismatch.
    bool matched = true;
    while (!(in_count == out_count)) {
      const auto a = in_count.constant_value();
      const auto b = out_count.constant_value();
      if (a && b) {
        if (*a < *b && i < in_dims.size())
          in_count = in_count * in_shape[in_dims[i++]];
        else if (*b < *a && j < out_dims.size())
          out_count = out_count * out_shape[out_dims[j++]];
        else {
          matched = false;
          break;
        }
      } else {
        matched = false;
        break;
      }
    }
    if (!matched) {
      group(j0, out_dims.size(), i0, in_dims.size());
      return source;
    }
    group(j0, j, i0, i);
  }
  return source;
}

InnerParams inner_params(const std::vector<ir::Expr>& extents, std::string_view prefix) {
  InnerParams r;
  std::vector<std::string> parts;
  for (std::size_t k = 0; k < extents.size(); ++k) {
    const std::string name = std::string(prefix) + std::to_string(k);
    parts.push_back(name + "=0:" + extents[k].str());
    r.exprs.push_back(ir::Expr::symbol(name));
  }
  r.ranges = join(parts, ", ");
  return r;
}

namespace {

std::vector<ir::Expr> shape_of(const ExpansionContext& x, const std::string& name,
                               const std::map<std::string, std::vector<ir::Expr>>& known) {
  if (const auto it = known.find(name); it != known.end()) return it->second;
  for (int k = 0; k < x.num_inputs(); ++k)
    if (x.has_input(k) && x.input_name(k) == name) return x.input(k).shape;
  for (int k = 0; k < x.num_outputs(); ++k)
    if (x.has_output(k) && x.output_name(k) == name) return x.output(k).shape;
  SLUICE_CHECK(false, "reduce_map: the shape of '" + name + "' is not known");
  return {};
}

void reduce_map_at_storage_precision(ExpansionContext& x, const std::string& label,
                                     const std::string& outer_ranges,
                                     const std::string& inner_ranges,
                                     const std::vector<ir::TaskletPort>& inputs,
                                     const std::string& code,
                                     const std::vector<ir::TaskletPort>& outputs,
                                     const std::map<std::string, std::vector<ir::Expr>>& shapes) {
  if (inner_ranges.empty()) {
    x.mapped_tasklet(label, outer_ranges, inputs, code, outputs);
    return;
  }
  std::vector<ir::NodeId> in_nodes;
  std::vector<ir::NodeId> out_nodes;
  for (const auto& p : inputs) in_nodes.push_back(x.read_node(p.container));
  for (const auto& p : outputs) out_nodes.push_back(x.write_node(p.container));

  ir::GraphBuilder g = x.graph();
  const ir::NodeId outer = g.map(label, outer_ranges, ir::Schedule::CpuParallel);
  ir::GraphBuilder body = g.body(outer);
  const ir::MappedTasklet inner = body.mapped_tasklet(label + "_inner", inner_ranges, inputs, code,
                                                      outputs, ir::Schedule::Sequential);
  const std::vector<ir::MapParam> params = g.graph().get<ir::MapNode>(outer).params;
  const ir::Graph& inside = body.graph();
  // Each body Access node has exactly one edge to or from the inner map: widen its memlet over
  // the outer parameters for the edge that crosses the outer map.
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const std::string& name = inputs[k].container;
    const ir::NodeId a = inner.outer_inputs.at(name);
    const ir::Memlet& m = inside.edge(inside.out_edges(a).at(0)).memlet;
    ir::Memlet wide = cover(m, params, shape_of(x, name, shapes));
    g.graph().get<ir::MapNode>(outer).inputs.push_back(name);
    g.graph().add_edge(in_nodes[k], "", outer, name, std::move(wide));
  }
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const std::string& name = outputs[k].container;
    const ir::NodeId a = inner.outer_outputs.at(name);
    const ir::Memlet& m = inside.edge(inside.in_edges(a).at(0)).memlet;
    ir::Memlet wide = cover(m, params, shape_of(x, name, shapes));
    g.graph().get<ir::MapNode>(outer).outputs.push_back(name);
    g.graph().add_edge(outer, name, out_nodes[k], "", std::move(wide));
  }
}

}  // namespace

void reduce_map(ExpansionContext& x, const std::string& label, const std::string& outer_ranges,
                const std::string& inner_ranges, const std::vector<ir::TaskletPort>& inputs,
                const std::string& code, const std::vector<ir::TaskletPort>& outputs,
                const std::map<std::string, std::vector<ir::Expr>>& shapes) {
  // Sums into f16/bf16 outputs accumulate in f32 (ops/low_precision_sums.h).
  std::vector<ReductionOutput> targets;
  targets.reserve(outputs.size());
  for (const auto& p : outputs) targets.push_back({p.connector, p.container, p.wcr});
  std::string widened_code = code;
  const std::vector<WidenedSum> widened = widen_sums(x, label, widened_code, targets);
  if (widened.empty()) {
    reduce_map_at_storage_precision(x, label, outer_ranges, inner_ranges, inputs, code, outputs,
                                    shapes);
    return;
  }
  std::vector<ir::TaskletPort> widened_outputs = outputs;
  std::map<std::string, std::vector<ir::Expr>> widened_shapes = shapes;
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    if (targets[k].container == outputs[k].container) continue;
    widened_outputs[k].container = targets[k].container;
    widened_shapes[targets[k].container] = x.container(targets[k].container).shape;
  }
  reduce_map_at_storage_precision(x, label, outer_ranges, inner_ranges, inputs, widened_code,
                                  widened_outputs, widened_shapes);
  narrow_sums(x, label, widened);
}

}  // namespace sluice::ops::index
