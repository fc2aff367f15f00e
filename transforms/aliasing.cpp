#include "transforms/aliasing.h"

#include <algorithm>

#include "ir/analysis/data_movement.h"

namespace sluice::transforms {

std::string alias_refusal(const ir::Program& program, ir::ContainerId earlier,
                          ir::ContainerId later) {
  const ir::Container& a = program.containers[earlier];
  const ir::Container& b = program.containers[later];
  if (!b.transient) return "'" + b.name + "' is a program argument";
  if (!a.transient) return "'" + a.name + "' is a program argument";
  if (a.kind != ir::ContainerKind::Array || b.kind != ir::ContainerKind::Array)
    return "only arrays with memory of their own can share it";
  if (a.dtype != b.dtype) return "'" + a.name + "' and '" + b.name + "' have different dtypes";
  if (!(a.num_elements() == b.num_elements()))
    return "'" + a.name + "' has " + a.num_elements().str() + " elements and '" + b.name +
           "' has " + b.num_elements().str();
  if (a.storage != b.storage)
    return "'" + a.name + "' and '" + b.name + "' live in different storage";
  for (const auto* c : {&a, &b})
    if (c->lifetime == ir::Lifetime::Program || c->lifetime == ir::Lifetime::Persistent)
      return "'" + c->name + "' lives for the whole program";
  return {};
}

void alias_memory(Rewriter& rewriter, ir::ContainerId earlier, ir::ContainerId later) {
  ir::Container c = rewriter.program().containers[later];
  c.kind = ir::ContainerKind::View;
  c.view = ir::ViewOf{earlier, ir::ViewKind::Reshape, {}};
  c.strides = ir::contiguous_strides(c.shape);
  c.offset = 0;
  rewriter.replace_container(later, std::move(c));
}

std::vector<ir::NodeId> users(const ir::Program& program, const ir::Graph& graph,
                              ir::ContainerId container) {
  std::set<ir::NodeId> out;
  for (const ir::NodeId n : graph.node_ids()) {
    const auto* a = std::get_if<ir::AccessNode>(&graph.node(n));
    if (!a || ir::analysis::view_root(program, a->data) != container) continue;
    for (const ir::EdgeId e : graph.in_edges(n)) out.insert(graph.edge(e).src);
    for (const ir::EdgeId e : graph.out_edges(n)) out.insert(graph.edge(e).dst);
  }
  // Access nodes of the same memory are not users; one of another container is the other end
  // of a copy, which is a kernel (at its destination).
  std::erase_if(out, [&](ir::NodeId n) {
    const auto* a = std::get_if<ir::AccessNode>(&graph.node(n));
    return a && ir::analysis::view_root(program, a->data) == container;
  });
  return {out.begin(), out.end()};
}

std::set<ir::NodeId> descendants(const ir::Graph& graph, ir::NodeId from) {
  std::set<ir::NodeId> seen;
  std::vector<ir::NodeId> stack{from};
  while (!stack.empty()) {
    const ir::NodeId n = stack.back();
    stack.pop_back();
    for (const ir::EdgeId e : graph.out_edges(n))
      if (seen.insert(graph.edge(e).dst).second) stack.push_back(graph.edge(e).dst);
  }
  return seen;
}

std::set<ir::ContainerId> viewed(const ir::Program& program) {
  std::set<ir::ContainerId> out;
  for (const ir::ContainerId c : program.containers.ids())
    if (program.containers[c].view) out.insert(program.containers[c].view->source);
  return out;
}

}  // namespace sluice::transforms
