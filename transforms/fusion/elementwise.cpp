#include "transforms/fusion/elementwise.h"

#include <algorithm>

namespace sluice::transforms {

std::variant<ElementwiseMap, std::string> analyze_elementwise(const ir::Program& program,
                                                              const ir::Graph& graph,
                                                              ir::NodeId map) {
  const auto& m = graph.get<ir::MapNode>(map);
  const std::string who = "'" + m.label + "'";
  const ir::Graph& body = *m.body;
  ElementwiseMap out;
  bool found = false;
  for (const ir::NodeId n : body.node_ids()) {
    const ir::Node& node = body.node(n);
    if (std::holds_alternative<ir::AccessNode>(node)) continue;
    if (!std::holds_alternative<ir::TaskletNode>(node))
      return who + " holds a " + std::string(ir::node_kind_name(node)) + " node, not one tasklet";
    if (found) return who + " holds more than one tasklet";
    found = true;
    out.tasklet = n;
  }
  if (!found) return who + " holds no tasklet";
  for (const ir::EdgeId e : body.edge_ids()) {
    const ir::Edge& edge = body.edge(e);
    if (edge.memlet.empty()) return who + " orders nodes inside its body";
    if (edge.dst == out.tasklet) {
      out.body_inputs.push_back(e);
    } else if (edge.src == out.tasklet) {
      if (out.body_output.valid()) return who + " writes more than one value per point";
      out.body_output = e;
    } else {
      return who + " copies between Access nodes inside its body";
    }
  }
  if (!out.body_output.valid()) return who + " writes nothing";
  const ir::Memlet& w = body.edge(out.body_output).memlet;
  const ir::Container& x = program.containers[w.data];
  if (w.wcr != ir::WriteConflict::None)
    return who + " combines its writes into '" + x.name +
           "' (wcr=" + std::string(ir::write_conflict_name(w.wcr)) + ")";
  out.data = w.data;
  if (w.subset.size() != m.params.size())
    return who + " does not write '" + x.name + "' element-wise (one parameter per dimension)";
  for (std::size_t d = 0; d < w.subset.size(); ++d) {
    const ir::Range& r = w.subset[d];
    const auto p = std::find_if(m.params.begin(), m.params.end(), [&](const ir::MapParam& q) {
      return r.begin == ir::Expr::symbol(q.name);
    });
    if (!r.is_index() || p == m.params.end() ||
        std::find(out.dim_param.begin(), out.dim_param.end(), p->name) != out.dim_param.end())
      return who + " does not write '" + x.name + "' element-wise (one parameter per dimension)";
    if (p->range.begin != ir::Expr(0) || p->range.step != ir::Expr(1) || p->range.end != x.shape[d])
      return who + " does not write all of '" + x.name + "'";
    out.dim_param.push_back(p->name);
  }
  for (const ir::EdgeId e : graph.out_edges(map)) {
    const ir::Edge& edge = graph.edge(e);
    if (edge.memlet.empty()) return who + " orders other nodes after it";
    if (out.output.valid()) return who + " writes more than one container";
    out.output = e;
    out.access = edge.dst;
  }
  if (!out.output.valid() || graph.edge(out.output).memlet.data != out.data ||
      !std::holds_alternative<ir::AccessNode>(graph.node(out.access)))
    return who + " does not write '" + x.name + "' into an Access node";
  return out;
}

bool is_copy(const ir::MapNode& map, const ElementwiseMap& info) {
  if (info.body_inputs.size() != 1) return false;
  const auto& t = map.body->get<ir::TaskletNode>(info.tasklet);
  const std::string& in = map.body->edge(info.body_inputs.front()).dst_conn;
  if (t.code.statements.size() != 1) return false;
  const ir::TaskletStatement& s = t.code.statements.front();
  return !s.let_type && s.value.op() == ir::TaskletOp::Var && s.value.name() == in &&
         map.body->edge(info.body_inputs.front()).memlet.subset.size() > 0 &&
         std::all_of(map.body->edge(info.body_inputs.front()).memlet.subset.begin(),
                     map.body->edge(info.body_inputs.front()).memlet.subset.end(),
                     [](const ir::Range& r) { return r.is_index(); });
}

}  // namespace sluice::transforms
