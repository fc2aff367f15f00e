#include "ir/builder.h"

#include <algorithm>

namespace sluice::ir {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// The range an index expression sweeps when `param` runs over `range`: exact when the
// expression moves by a constant step per iteration, nullopt when that is not known.
std::optional<Range> sweep(const Range& index, const MapParam& param) {
  const Expr p = Expr::symbol(param.name);
  const Expr last = param.range.end - param.range.step;
  const Expr step = index.begin.substitute({{param.name, p + param.range.step}}) - index.begin;
  const auto delta = step.constant_value();
  if (!delta) return std::nullopt;
  if (*delta == 0) return index;
  const auto at = [&](const Expr& e, const Expr& v) { return e.substitute({{param.name, v}}); };
  if (*delta > 0) return Range{at(index.begin, param.range.begin), at(index.end, last), 1};
  return Range{at(index.begin, last), at(index.end, param.range.begin), 1};
}

}  // namespace

std::vector<MapParam> parse_map_params(std::string_view text) {
  std::vector<MapParam> params;
  std::string_view rest = text;
  while (!trim(rest).empty()) {
    // Parameters are separated by commas that are followed by `name=`.
    std::size_t eq = rest.find('=');
    if (eq == std::string_view::npos)
      throw UserError("map parameters '" + std::string(text) + "'", "expected 'name=begin:end'");
    std::string name(trim(rest.substr(0, eq)));
    std::string_view after = rest.substr(eq + 1);
    std::size_t next = after.find('=');
    std::size_t cut = after.size();
    if (next != std::string_view::npos) {
      cut = after.rfind(',', next);
      if (cut == std::string_view::npos)
        throw UserError("map parameters '" + std::string(text) + "'",
                        "expected ',' between parameters");
    }
    Subset range = parse_subset(after.substr(0, cut));
    if (range.size() != 1 || name.empty())
      throw UserError("map parameters '" + std::string(text) + "'",
                      "expected 'name=begin:end[:step]' for parameter '" + name + "'");
    params.push_back({name, range[0]});
    rest = cut < after.size() ? after.substr(cut + 1) : std::string_view{};
  }
  return params;
}

ContainerId GraphBuilder::container(std::string_view name) const {
  auto id = program_->find_container(name);
  if (!id) throw UserError("builder", "no container named '" + std::string(name) + "'");
  return *id;
}

Memlet GraphBuilder::memlet_for(ContainerId data, std::string_view subset,
                                WriteConflict wcr) const {
  Memlet m;
  m.data = data;
  m.subset = parse_subset(subset);
  m.volume = subset_size(m.subset);
  m.wcr = wcr;
  return m;
}

NodeId GraphBuilder::access(std::string_view name) {
  return graph().add_node(AccessNode{container(name)});
}

NodeId GraphBuilder::tasklet(std::string label, std::vector<std::string> inputs,
                             std::vector<std::string> outputs, std::string_view code) {
  return graph().add_node(
      TaskletNode{std::move(label), std::move(inputs), std::move(outputs), parse_tasklet(code)});
}

NodeId GraphBuilder::library(std::string label, std::string op, std::vector<std::string> inputs,
                             std::vector<std::string> outputs, Attributes attributes) {
  LibraryNode node;
  node.label = std::move(label);
  node.op = std::move(op);
  node.inputs = std::move(inputs);
  node.outputs = std::move(outputs);
  node.attributes = std::move(attributes);
  return graph().add_node(std::move(node));
}

NodeId GraphBuilder::map(std::string label, std::string_view params, Schedule schedule) {
  MapNode node;
  node.label = std::move(label);
  node.params = parse_map_params(params);
  node.schedule = schedule;
  return graph().add_node(std::move(node));
}

GraphBuilder GraphBuilder::body(NodeId map) {
  return GraphBuilder(*program_, *graph().get<MapNode>(map).body);
}

EdgeId GraphBuilder::read(NodeId access, std::string_view subset, NodeId dst,
                          std::string dst_conn) {
  const ContainerId data = graph().get<AccessNode>(access).data;
  return graph().add_edge(access, "", dst, std::move(dst_conn),
                          memlet_for(data, subset, WriteConflict::None));
}

EdgeId GraphBuilder::write(NodeId src, std::string src_conn, NodeId access,
                           std::string_view subset, WriteConflict wcr) {
  const ContainerId data = graph().get<AccessNode>(access).data;
  return graph().add_edge(src, std::move(src_conn), access, "", memlet_for(data, subset, wcr));
}

EdgeId GraphBuilder::map_read(NodeId access, NodeId map, std::string_view subset) {
  const std::string& name = program_->containers[graph().get<AccessNode>(access).data].name;
  auto& inputs = graph().get<MapNode>(map).inputs;
  if (std::find(inputs.begin(), inputs.end(), name) == inputs.end()) inputs.push_back(name);
  return read(access, subset, map, name);
}

EdgeId GraphBuilder::map_write(NodeId map, NodeId access, std::string_view subset,
                               WriteConflict wcr) {
  const std::string& name = program_->containers[graph().get<AccessNode>(access).data].name;
  auto& outputs = graph().get<MapNode>(map).outputs;
  if (std::find(outputs.begin(), outputs.end(), name) == outputs.end()) outputs.push_back(name);
  return write(map, name, access, subset, wcr);
}

MappedTasklet GraphBuilder::mapped_tasklet(std::string label, std::string_view params,
                                    const std::vector<TaskletPort>& inputs, std::string_view code,
                                    const std::vector<TaskletPort>& outputs, Schedule schedule) {
  std::vector<std::string> in_conns;
  std::vector<std::string> out_conns;
  for (const auto& p : inputs) in_conns.push_back(p.connector);
  for (const auto& p : outputs) out_conns.push_back(p.connector);

  MappedTasklet result;
  const NodeId map_id = map(label, params, schedule);
  result.map = map_id;
  const std::vector<MapParam> map_params = graph().get<MapNode>(map_id).params;
  Expr iterations = 1;
  for (const auto& p : map_params) iterations = iterations * p.range.size();

  GraphBuilder inner = body(map_id);
  const NodeId t = inner.tasklet(std::move(label), in_conns, out_conns, code);

  // The outer subset covers every point the inner subset touches over the whole map.
  const auto outer_memlet = [&](const Memlet& in) {
    Memlet out = in;
    const Container& c = program_->containers[in.data];
    for (std::size_t d = 0; d < out.subset.size(); ++d) {
      std::optional<Range> r = out.subset[d];
      for (const auto& p : map_params)
        if (r) r = sweep(*r, p);
      out.subset[d] = r && d < c.shape.size() ? *r : Range{0, d < c.shape.size() ? c.shape[d] : 1, 1};
    }
    out.volume = in.volume * iterations;
    return out;
  };

  for (const auto& p : inputs) {
    const NodeId in_access = inner.access(p.container);
    const EdgeId inner_edge = inner.read(in_access, p.subset, t, p.connector);
    const NodeId outer_access = p.outer.valid() ? p.outer : access(p.container);
    result.outer_inputs[p.container] = outer_access;
    auto& node = graph().get<MapNode>(map_id);
    if (std::find(node.inputs.begin(), node.inputs.end(), p.container) != node.inputs.end())
      throw UserError("builder", "mapped tasklet '" + node.label + "' reads '" + p.container +
                                     "' twice; read it once and use one connector");
    node.inputs.push_back(p.container);
    graph().add_edge(outer_access, "", map_id, p.container,
                     outer_memlet(inner.graph().edge(inner_edge).memlet));
  }
  for (const auto& p : outputs) {
    const NodeId out_access = inner.access(p.container);
    const EdgeId inner_edge = inner.write(t, p.connector, out_access, p.subset, p.wcr);
    const NodeId outer_access = p.outer.valid() ? p.outer : access(p.container);
    result.outer_outputs[p.container] = outer_access;
    auto& node = graph().get<MapNode>(map_id);
    if (std::find(node.outputs.begin(), node.outputs.end(), p.container) != node.outputs.end())
      throw UserError("builder", "mapped tasklet '" + node.label + "' writes '" + p.container +
                                     "' twice; write it once and use one connector");
    node.outputs.push_back(p.container);
    graph().add_edge(map_id, p.container, outer_access, "",
                     outer_memlet(inner.graph().edge(inner_edge).memlet));
  }
  return result;
}

ProgramBuilder::ProgramBuilder(std::string name) { program_.name = std::move(name); }

Expr ProgramBuilder::symbol(std::string name, DType dtype) {
  Expr e = Expr::symbol(name);
  program_.symbols[std::move(name)] = dtype;
  return e;
}

ContainerId ProgramBuilder::array(std::string name, DType dtype, std::vector<Expr> shape) {
  Container c;
  c.name = std::move(name);
  c.kind = ContainerKind::Array;
  c.dtype = dtype;
  c.strides = contiguous_strides(shape);
  c.shape = std::move(shape);
  return program_.containers.add(std::move(c));
}

ContainerId ProgramBuilder::transient(std::string name, DType dtype, std::vector<Expr> shape) {
  ContainerId id = array(std::move(name), dtype, std::move(shape));
  program_.containers[id].transient = true;
  return id;
}

ContainerId ProgramBuilder::scalar(std::string name, DType dtype, bool transient) {
  Container c;
  c.name = std::move(name);
  c.kind = ContainerKind::Scalar;
  c.dtype = dtype;
  c.transient = transient;
  return program_.containers.add(std::move(c));
}

ContainerId ProgramBuilder::permute_view(std::string name, std::string_view source,
                                         std::vector<std::int64_t> permutation) {
  auto src_id = program_.find_container(source);
  if (!src_id) throw UserError("builder", "no container named '" + std::string(source) + "'");
  const Container& src = program_.containers[*src_id];
  if (permutation.size() != src.rank())
    throw UserError("builder", "permutation rank does not match '" + src.name + "'");
  Container c;
  c.name = std::move(name);
  c.kind = ContainerKind::View;
  c.dtype = src.dtype;
  c.offset = src.offset;
  c.transient = true;
  for (auto d : permutation) {
    if (d < 0 || static_cast<std::size_t>(d) >= src.rank())
      throw UserError("builder", "permutation entry out of range for '" + src.name + "'");
    c.shape.push_back(src.shape[d]);
    c.strides.push_back(src.strides[d]);
  }
  c.view = ViewOf{*src_id, ViewKind::Permute, std::move(permutation)};
  return program_.containers.add(std::move(c));
}

ContainerId ProgramBuilder::reshape_view(std::string name, std::string_view source,
                                         std::vector<Expr> shape) {
  auto src_id = program_.find_container(source);
  if (!src_id) throw UserError("builder", "no container named '" + std::string(source) + "'");
  const Container& src = program_.containers[*src_id];
  Container c;
  c.name = std::move(name);
  c.kind = ContainerKind::View;
  c.dtype = src.dtype;
  c.offset = src.offset;
  c.transient = true;
  c.strides = contiguous_strides(shape);
  c.shape = std::move(shape);
  c.view = ViewOf{*src_id, ViewKind::Reshape, {}};
  return program_.containers.add(std::move(c));
}

GraphBuilder ProgramBuilder::state(std::string label) {
  StateId id = program_.states.add(State{std::move(label), {}});
  if (!program_.start_state.valid()) program_.start_state = id;
  return GraphBuilder(program_, id);
}

StateId ProgramBuilder::state_id(std::string_view label) const {
  auto id = program_.find_state(label);
  if (!id) throw UserError("builder", "no state labelled '" + std::string(label) + "'");
  return *id;
}

InterstateEdgeId ProgramBuilder::transition(
    std::string_view from, std::string_view to, std::string_view condition,
    const std::vector<std::pair<std::string, std::string>>& assignments) {
  InterstateEdge e;
  e.src = state_id(from);
  e.dst = state_id(to);
  if (!trim(condition).empty()) e.condition = parse_tasklet_expr(condition);
  for (const auto& [symbol, value] : assignments)
    e.assignments.emplace_back(symbol, parse_expr(value));
  return program_.interstate_edges.add(std::move(e));
}

}  // namespace sluice::ir
