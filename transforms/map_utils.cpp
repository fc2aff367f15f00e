#include "transforms/map_utils.h"

#include <algorithm>

namespace sluice::transforms {

namespace {

ir::Range substitute(const ir::Range& r, const std::map<std::string, ir::Expr>& m) {
  return {r.begin.substitute(m), r.end.substitute(m), r.step.substitute(m)};
}

ir::Subset substitute(const ir::Subset& s, const std::map<std::string, ir::Expr>& m) {
  ir::Subset out;
  out.reserve(s.size());
  for (const auto& r : s) out.push_back(substitute(r, m));
  return out;
}

ir::TaskletExpr fold(ir::TaskletOp op, const std::vector<ir::Expr>& operands);

/// An integer expression as tasklet code. Floor division and modulo become the tasklet's `/`
/// and `%`, which agree with them on the non-negative values indices take.
ir::TaskletExpr as_tasklet(const ir::Expr& e) {
  switch (e.kind()) {
    case ir::ExprKind::Constant: {
      const std::int64_t v = *e.constant_value();
      return v >= 0 ? ir::TaskletExpr::integer(v)
                    : ir::TaskletExpr::make(ir::TaskletOp::Neg, {ir::TaskletExpr::integer(-v)});
    }
    case ir::ExprKind::Symbol: return ir::TaskletExpr::variable(e.str());
    case ir::ExprKind::Add: return fold(ir::TaskletOp::Add, e.operands());
    case ir::ExprKind::Mul: return fold(ir::TaskletOp::Mul, e.operands());
    case ir::ExprKind::FloorDiv: return fold(ir::TaskletOp::Div, e.operands());
    case ir::ExprKind::Mod: return fold(ir::TaskletOp::Mod, e.operands());
    case ir::ExprKind::Min: return fold(ir::TaskletOp::Min, e.operands());
    case ir::ExprKind::Max: return fold(ir::TaskletOp::Max, e.operands());
  }
  return ir::TaskletExpr::integer(0);
}

ir::TaskletExpr fold(ir::TaskletOp op, const std::vector<ir::Expr>& operands) {
  ir::TaskletExpr out = as_tasklet(operands.front());
  for (std::size_t i = 1; i < operands.size(); ++i)
    out = ir::TaskletExpr::make(op, {out, as_tasklet(operands[i])});
  return out;
}

ir::TaskletCode substitute(const ir::TaskletCode& code,
                           const std::map<std::string, ir::TaskletExpr>& replacements) {
  ir::TaskletCode out = code;
  for (auto& statement : out.statements)
    statement.value = ir::substitute_variables(statement.value, replacements);
  return out;
}

}  // namespace

void substitute_in_graph(ir::Graph& graph, const std::map<std::string, ir::Expr>& replacements) {
  if (replacements.empty()) return;
  for (const ir::EdgeId e : graph.edge_ids()) {
    ir::Memlet& m = graph.memlet(e);
    if (m.empty()) continue;
    m.subset = substitute(m.subset, replacements);
    if (m.other_subset) m.other_subset = substitute(*m.other_subset, replacements);
    m.volume = m.volume.substitute(replacements);
  }
  std::map<std::string, ir::TaskletExpr> tasklet_replacements;
  for (const auto& [name, expr] : replacements)
    tasklet_replacements.emplace(name, as_tasklet(expr));
  for (const ir::NodeId n : graph.node_ids()) {
    ir::Node& node = graph.node(n);
    if (auto* t = std::get_if<ir::TaskletNode>(&node)) {
      t->code = substitute(t->code, tasklet_replacements);
    } else if (auto* map = std::get_if<ir::MapNode>(&node)) {
      std::map<std::string, ir::Expr> inner = replacements;
      for (auto& p : map->params) {
        p.range = substitute(p.range, inner);  // ranges see the outer names
        inner.erase(p.name);
      }
      substitute_in_graph(*map->body, inner);
    }
  }
}

std::vector<ir::NodeId> inner_maps(const ir::Graph& body) {
  std::vector<ir::NodeId> out;
  for (const ir::NodeId n : body.node_ids())
    if (std::holds_alternative<ir::MapNode>(body.node(n))) out.push_back(n);
  return out;
}

std::vector<const ir::Memlet*> conflicting_writes(const ir::Graph& body) {
  std::vector<const ir::Memlet*> out;
  for (const ir::EdgeId e : body.edge_ids())
    if (body.edge(e).memlet.wcr != ir::WriteConflict::None) out.push_back(&body.edge(e).memlet);
  for (const ir::NodeId n : inner_maps(body)) {
    auto inner = conflicting_writes(*body.get<ir::MapNode>(n).body);
    out.insert(out.end(), inner.begin(), inner.end());
  }
  return out;
}

std::optional<ir::NodeId> sole_inner_map(const ir::Graph& body) {
  std::optional<ir::NodeId> found;
  for (const ir::NodeId n : body.node_ids()) {
    const ir::Node& node = body.node(n);
    if (std::holds_alternative<ir::AccessNode>(node)) continue;
    if (!std::holds_alternative<ir::MapNode>(node) || found) return std::nullopt;
    found = n;
  }
  if (!found) return std::nullopt;
  // Every Access node must touch only the inner map (no copies between them).
  for (const ir::EdgeId e : body.edge_ids()) {
    const ir::Edge& edge = body.edge(e);
    if (edge.src != *found && edge.dst != *found) return std::nullopt;
  }
  return found;
}

bool mentions(const ir::Expr& expr, const std::string& name) {
  const auto symbols = expr.free_symbols();
  return std::find(symbols.begin(), symbols.end(), name) != symbols.end();
}

bool mentions(const ir::Subset& subset, const std::string& name) {
  return std::any_of(subset.begin(), subset.end(), [&](const ir::Range& r) {
    return mentions(r.begin, name) || mentions(r.end, name) || mentions(r.step, name);
  });
}

}  // namespace sluice::transforms

namespace sluice::transforms {

ir::Graph wrap_in_body(const ir::Program& program, const ir::Graph& parent, ir::NodeId map,
                       ir::MapNode inner) {
  ir::Graph body;
  const ir::NodeId inner_id = body.add_node(std::move(inner));
  for (const ir::EdgeId e : parent.in_edges(map)) {
    const ir::Edge& edge = parent.edge(e);
    if (edge.memlet.empty()) continue;
    const ir::NodeId access = body.add_node(ir::AccessNode{edge.memlet.data});
    body.add_edge(access, "", inner_id, program.containers[edge.memlet.data].name, edge.memlet);
  }
  for (const ir::EdgeId e : parent.out_edges(map)) {
    const ir::Edge& edge = parent.edge(e);
    if (edge.memlet.empty()) continue;
    const ir::NodeId access = body.add_node(ir::AccessNode{edge.memlet.data});
    body.add_edge(inner_id, program.containers[edge.memlet.data].name, access, "", edge.memlet);
  }
  return body;
}

std::string fresh_name(const ir::Program& program, const std::set<std::string>& taken,
                       const std::string& base) {
  std::string name = base;
  for (int k = 1; program.symbols.contains(name) || taken.contains(name) ||
                  program.find_container(name).has_value();
       ++k)
    name = base + "_" + std::to_string(k);
  return name;
}

}  // namespace sluice::transforms
