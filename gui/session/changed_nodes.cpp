#include "gui/session/changed_nodes.h"

#include <algorithm>
#include <set>

namespace sluice::gui {

namespace {

using Kind = transforms::Edit::Kind;

void add_edge_endpoints(const ir::Program& program, const transforms::Edit& edit,
                        std::set<NodeRef>& out) {
  const ir::Graph* graph = transforms::resolve(program, edit.scope);
  if (graph == nullptr || !graph->has_edge(ir::EdgeId(edit.id))) return;
  const ir::Edge& edge = graph->edge(ir::EdgeId(edit.id));
  out.insert({edit.scope, edge.src});
  out.insert({edit.scope, edge.dst});
}

void add_accesses_of(const ir::Program& program, ir::ContainerId data, std::set<NodeRef>& out) {
  transforms::for_each_scope(program, [&](const transforms::Scope& scope, const ir::Graph& graph) {
    for (const ir::NodeId n : graph.node_ids())
      if (const auto* a = std::get_if<ir::AccessNode>(&graph.node(n)); a && a->data == data)
        out.insert({scope, n});
  });
}

}  // namespace

std::vector<NodeRef> changed_nodes(const ir::Program& before, const ir::Program& after,
                                   const std::vector<transforms::Edit>& edits) {
  std::set<NodeRef> out;
  for (const transforms::Edit& edit : edits) {
    switch (edit.kind) {
      case Kind::AddNode:
      case Kind::RemoveNode:
      case Kind::ReplaceNode: out.insert({edit.scope, ir::NodeId(edit.id)}); break;
      case Kind::AddEdge:
      case Kind::RemoveEdge:
      case Kind::SetMemlet: {
        std::set<NodeRef> ends;
        add_edge_endpoints(after, edit, ends);
        if (ends.empty()) add_edge_endpoints(before, edit, ends);
        out.insert(ends.begin(), ends.end());
        break;
      }
      case Kind::AddContainer:
      case Kind::RemoveContainer:
      case Kind::ReplaceContainer:
        add_accesses_of(after, ir::ContainerId(edit.id), out);
        add_accesses_of(before, ir::ContainerId(edit.id), out);
        break;
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace sluice::gui
