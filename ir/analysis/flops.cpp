#include "ir/analysis/flops.h"

#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

namespace sluice::ir::analysis {
namespace {

enum class Rule : std::uint8_t { Zero, PerOutput, PerInput, MatMul, Gemm, Conv, Pool };

struct OpRule {
  Rule rule;
  int per_element = 0;
};

const std::map<std::string_view, OpRule>& op_rules() {
  static const std::map<std::string_view, OpRule> kRules = [] {
    std::map<std::string_view, OpRule> rules{
        {"MatMul", {Rule::MatMul}},
        {"Gemm", {Rule::Gemm}},
        {"Conv", {Rule::Conv}},
        {"MaxPool", {Rule::Pool}},
        {"AveragePool", {Rule::Pool}},
        {"GlobalAveragePool", {Rule::PerInput, 1}},
        {"GlobalMaxPool", {Rule::PerInput, 1}},
        {"Gelu", {Rule::PerOutput, 5}},
        {"Dropout", {Rule::PerOutput, 2}},
        {"Clip", {Rule::PerOutput, 2}},
        {"LeakyRelu", {Rule::PerOutput, 2}},
        {"PRelu", {Rule::PerOutput, 2}},
        {"Softplus", {Rule::PerOutput, 3}},
        {"Softmax", {Rule::PerOutput, 5}},
        {"LogSoftmax", {Rule::PerOutput, 5}},
        {"LayerNormalization", {Rule::PerOutput, 8}},
        {"BatchNormalization", {Rule::PerOutput, 4}},
        {"ReduceSumSquare", {Rule::PerInput, 2}},
        {"ReduceL2", {Rule::PerInput, 2}},
    };
    for (std::string_view op :
         {"Add",  "Sub",   "Mul",  "Div",     "Neg",         "Abs",
          "Relu", "Exp",   "Log",  "Sqrt",    "Reciprocal",  "Pow",
          "Max",  "Min",   "Sum",  "Mean",    "Sigmoid",     "Tanh",
          "Erf",  "Sin",   "Cos",  "Floor",   "Ceil",        "Round",
          "Sign", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"})
      rules.emplace(op, OpRule{Rule::PerOutput, 1});
    for (std::string_view op :
         {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ArgMax", "ArgMin"})
      rules.emplace(op, OpRule{Rule::PerInput, 1});
    for (std::string_view op :
         {"Identity", "Copy",  "Reshape", "Transpose", "Flatten",         "Squeeze", "Unsqueeze",
          "Concat",   "Split", "Slice",   "Gather",    "GatherElements",  "Expand",  "Cast",
          "Pad",      "Tile",  "Shape",   "Constant",  "ConstantOfShape", "Where"})
      rules.emplace(op, OpRule{Rule::Zero, 0});
    return rules;
  }();
  return kRules;
}

// Accumulates FLOP terms and the ops that had no formula.
struct Tally {
  std::vector<Expr> terms;
  std::set<std::string> unknown;

  void add(const FlopCount& count, const Expr& times = 1) {
    terms.push_back(count.flops * times);
    unknown.insert(count.unknown_ops.begin(), count.unknown_ops.end());
  }
  FlopCount result() const {
    return FlopCount{sum(terms), std::vector<std::string>(unknown.begin(), unknown.end())};
  }
};

// Sizes of what a connector's memlet moves; nullopt when the connector is not wired.
std::optional<std::vector<Expr>> memlet_dims(const Program& program, const Memlet& m) {
  if (m.empty()) return std::nullopt;
  if (m.subset.empty()) return program.containers[m.data].shape;
  std::vector<Expr> dims;
  for (const Range& r : m.subset) dims.push_back(r.size());
  return dims;
}

std::optional<std::vector<Expr>> connector_dims(const Program& program, const Graph& graph,
                                                NodeId node, std::size_t index, bool output) {
  const auto& names =
      output ? output_connectors(graph.node(node)) : input_connectors(graph.node(node));
  if (index >= names.size()) return std::nullopt;
  for (EdgeId e : output ? graph.out_edges(node) : graph.in_edges(node)) {
    const Edge& edge = graph.edge(e);
    if ((output ? edge.src_conn : edge.dst_conn) == names[index])
      return memlet_dims(program, edge.memlet);
  }
  return std::nullopt;
}

Expr numel(const std::vector<Expr>& dims) { return product(dims); }

std::int64_t int_attribute(const Attributes& attributes, const std::string& name,
                           std::int64_t fallback) {
  auto it = attributes.find(name);
  if (it == attributes.end()) return fallback;
  if (const auto* v = std::get_if<std::int64_t>(&it->second)) return *v;
  return fallback;
}

// One FLOP per element written with write-conflict resolution by this node.
Expr wcr_flops(const Graph& graph, NodeId node) {
  std::vector<Expr> terms;
  for (EdgeId e : graph.out_edges(node)) {
    const Memlet& m = graph.edge(e).memlet;
    if (!m.empty() && m.wcr != WriteConflict::None) terms.push_back(m.volume);
  }
  return sum(terms);
}

// FLOPs of the copies into an Access node that combine with wcr.
Expr copy_wcr_flops(const Graph& graph, EdgeId e) {
  const Edge& edge = graph.edge(e);
  if (edge.memlet.empty() || edge.memlet.wcr == WriteConflict::None) return 0;
  if (!std::holds_alternative<AccessNode>(graph.node(edge.src))) return 0;
  return edge.memlet.volume;
}

std::optional<Expr> formula(const Program& program, const Graph& graph, NodeId node,
                            const LibraryNode& lib, const OpRule& rule) {
  const auto in = [&](std::size_t i) { return connector_dims(program, graph, node, i, false); };
  const auto out = [&](std::size_t i) { return connector_dims(program, graph, node, i, true); };
  switch (rule.rule) {
    case Rule::Zero: return Expr(0);
    case Rule::PerOutput: {
      auto y = out(0);
      if (!y) return std::nullopt;
      return numel(*y) * rule.per_element;
    }
    case Rule::PerInput: {
      auto x = in(0);
      if (!x) return std::nullopt;
      return numel(*x) * rule.per_element;
    }
    case Rule::MatMul: {
      auto a = in(0);
      auto y = out(0);
      if (!a || !y || a->empty()) return std::nullopt;
      return numel(*y) * a->back() * 2;
    }
    case Rule::Gemm: {
      auto a = in(0);
      auto y = out(0);
      if (!a || !y || a->size() != 2) return std::nullopt;
      const Expr k = int_attribute(lib.attributes, "transA", 0) != 0 ? (*a)[0] : (*a)[1];
      Expr flops = numel(*y) * k * 2;
      if (in(2)) flops = flops + numel(*y);
      return flops;
    }
    case Rule::Conv: {
      auto w = in(1);
      auto y = out(0);
      if (!w || !y || w->empty()) return std::nullopt;
      const std::vector<Expr> per_output(w->begin() + 1, w->end());
      Expr flops = numel(*y) * numel(per_output) * 2;
      if (in(2)) flops = flops + numel(*y);
      return flops;
    }
    case Rule::Pool: {
      auto y = out(0);
      auto it = lib.attributes.find("kernel_shape");
      if (!y || it == lib.attributes.end()) return std::nullopt;
      const auto* shape = std::get_if<std::vector<std::int64_t>>(&it->second);
      if (shape == nullptr) return std::nullopt;
      Expr window = 1;
      for (std::int64_t k : *shape) window = window * k;
      return numel(*y) * window;
    }
  }
  return std::nullopt;
}

}  // namespace

FlopCount library_flops(const Program& program, const Graph& graph, NodeId node) {
  const auto& lib = graph.get<LibraryNode>(node);
  const auto& rules = op_rules();
  const auto it = rules.find(lib.op);
  std::optional<Expr> flops;
  if (it != rules.end()) flops = formula(program, graph, node, lib, it->second);
  if (!flops) return FlopCount{0, {lib.op}};
  return FlopCount{*flops, {}};
}

FlopCount node_flops(const Program& program, const Graph& graph, NodeId node) {
  const Node& n = graph.node(node);
  if (const auto* t = std::get_if<TaskletNode>(&n))
    return FlopCount{Expr(count_flops(t->code)) + wcr_flops(graph, node), {}};
  if (const auto* map = std::get_if<MapNode>(&n)) {
    std::vector<Expr> sizes;
    sizes.reserve(map->params.size());
    for (const MapParam& p : map->params) sizes.push_back(p.range.size());
    Tally tally;
    tally.add(graph_flops(program, *map->body), product(sizes));
    return tally.result();
  }
  if (std::holds_alternative<LibraryNode>(n)) {
    FlopCount count = library_flops(program, graph, node);
    count.flops = count.flops + wcr_flops(graph, node);
    return count;
  }
  if (const auto* nested = std::get_if<NestedNode>(&n)) {
    FlopCount count = program_flops(*nested->program);
    count.flops = count.flops.substitute(nested->symbol_mapping);
    return count;
  }
  // An Access node: the copies into it that combine with wcr.
  std::vector<Expr> terms;
  for (EdgeId e : graph.in_edges(node)) terms.push_back(copy_wcr_flops(graph, e));
  return FlopCount{sum(terms), {}};
}

FlopCount kernel_flops(const Program& program, const KernelRef& kernel) {
  const Graph& graph = program.states[kernel.state].graph;
  if (kernel.kind == KernelKind::Copy) return FlopCount{copy_wcr_flops(graph, kernel.edge), {}};
  return node_flops(program, graph, kernel.node);
}

FlopCount graph_flops(const Program& program, const Graph& graph) {
  Tally tally;
  for (NodeId id : graph.node_ids()) tally.add(node_flops(program, graph, id));
  return tally.result();
}

FlopCount program_flops(const Program& program) {
  Tally tally;
  for (StateId id : program.states.ids()) tally.add(graph_flops(program, program.states[id].graph));
  return tally.result();
}

}  // namespace sluice::ir::analysis
