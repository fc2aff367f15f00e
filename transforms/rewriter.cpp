#include "transforms/rewriter.h"

#include "ir/diagnostic.h"

namespace sluice::transforms {

std::string_view edit_kind_name(Edit::Kind kind) {
  switch (kind) {
    case Edit::Kind::AddNode: return "add node";
    case Edit::Kind::RemoveNode: return "remove node";
    case Edit::Kind::ReplaceNode: return "replace node";
    case Edit::Kind::AddEdge: return "add edge";
    case Edit::Kind::RemoveEdge: return "remove edge";
    case Edit::Kind::SetMemlet: return "set memlet of edge";
    case Edit::Kind::AddContainer: return "add container";
    case Edit::Kind::RemoveContainer: return "remove container";
    case Edit::Kind::ReplaceContainer: return "replace container";
  }
  return "?";
}

std::string edit_str(const ir::Program& program, const Edit& edit) {
  std::string out(edit_kind_name(edit.kind));
  switch (edit.kind) {
    case Edit::Kind::AddContainer:
    case Edit::Kind::RemoveContainer:
    case Edit::Kind::ReplaceContainer: {
      const auto* c = program.containers.find(ir::ContainerId(edit.id));
      return out + (c ? " '" + c->name + "'" : " " + std::to_string(edit.id));
    }
    default:
      return out + " " + std::to_string(edit.id) + " in " + scope_path(program, edit.scope).str();
  }
}

const ir::Graph& Rewriter::graph(const Scope& scope) const {
  const ir::Graph* g = resolve(*program_, scope);
  SLUICE_CHECK(g != nullptr, "rewriter: the scope does not resolve");
  return *g;
}

ir::Graph& Rewriter::mutable_graph(const Scope& scope) {
  ir::Graph* g = resolve(*program_, scope);
  SLUICE_CHECK(g != nullptr, "rewriter: the scope does not resolve");
  return *g;
}

ir::NodeId Rewriter::add_node(const Scope& scope, ir::Node node) {
  const ir::NodeId id = mutable_graph(scope).add_node(std::move(node));
  log(Edit::Kind::AddNode, scope, id.value);
  return id;
}

void Rewriter::remove_node(const Scope& scope, ir::NodeId id) {
  ir::Graph& g = mutable_graph(scope);
  SLUICE_CHECK(g.has_node(id), "rewriter: removing a node that is not there");
  for (const ir::EdgeId e : g.in_edges(id)) log(Edit::Kind::RemoveEdge, scope, e.value);
  for (const ir::EdgeId e : g.out_edges(id)) log(Edit::Kind::RemoveEdge, scope, e.value);
  g.remove_node(id);
  log(Edit::Kind::RemoveNode, scope, id.value);
}

void Rewriter::replace_node(const Scope& scope, ir::NodeId id, ir::Node node) {
  ir::Graph& g = mutable_graph(scope);
  SLUICE_CHECK(g.has_node(id), "rewriter: replacing a node that is not there");
  g.node(id) = std::move(node);
  log(Edit::Kind::ReplaceNode, scope, id.value);
}

ir::EdgeId Rewriter::add_edge(const Scope& scope, ir::Edge edge) {
  const ir::EdgeId id = mutable_graph(scope).add_edge(std::move(edge));
  log(Edit::Kind::AddEdge, scope, id.value);
  return id;
}

void Rewriter::remove_edge(const Scope& scope, ir::EdgeId id) {
  ir::Graph& g = mutable_graph(scope);
  SLUICE_CHECK(g.has_edge(id), "rewriter: removing an edge that is not there");
  g.remove_edge(id);
  log(Edit::Kind::RemoveEdge, scope, id.value);
}

void Rewriter::set_memlet(const Scope& scope, ir::EdgeId id, ir::Memlet memlet) {
  ir::Graph& g = mutable_graph(scope);
  SLUICE_CHECK(g.has_edge(id), "rewriter: editing an edge that is not there");
  g.memlet(id) = std::move(memlet);
  log(Edit::Kind::SetMemlet, scope, id.value);
}

ir::ContainerId Rewriter::add_container(ir::Container container) {
  const ir::ContainerId id = program_->containers.add(std::move(container));
  log(Edit::Kind::AddContainer, {}, id.value);
  return id;
}

void Rewriter::remove_container(ir::ContainerId id) {
  SLUICE_CHECK(program_->containers.contains(id), "rewriter: removing a missing container");
  program_->containers.erase(id);
  log(Edit::Kind::RemoveContainer, {}, id.value);
}

void Rewriter::replace_container(ir::ContainerId id, ir::Container container) {
  SLUICE_CHECK(program_->containers.contains(id), "rewriter: replacing a missing container");
  program_->containers[id] = std::move(container);
  log(Edit::Kind::ReplaceContainer, {}, id.value);
}

void Rewriter::edit_state(ir::StateId state, const std::function<void(ir::Program&)>& edit) {
  SLUICE_CHECK(program_->states.contains(state), "rewriter: editing a missing state");
  const ir::Graph before = program_->states[state].graph;
  const auto containers_before = program_->containers;
  edit(*program_);
  const ir::Graph& after = program_->states[state].graph;
  const Scope scope{state, {}};
  const std::uint32_t node_bound = std::max(before.node_id_bound(), after.node_id_bound());
  for (std::uint32_t i = 0; i < node_bound; ++i) {
    const ir::NodeId id(i);
    if (before.has_node(id) && !after.has_node(id)) log(Edit::Kind::RemoveNode, scope, i);
    if (!before.has_node(id) && after.has_node(id)) log(Edit::Kind::AddNode, scope, i);
    if (before.has_node(id) && after.has_node(id) && !(before.node(id) == after.node(id)))
      log(Edit::Kind::ReplaceNode, scope, i);
  }
  const std::uint32_t edge_bound = std::max(before.edge_id_bound(), after.edge_id_bound());
  for (std::uint32_t i = 0; i < edge_bound; ++i) {
    const ir::EdgeId id(i);
    if (before.has_edge(id) && !after.has_edge(id)) log(Edit::Kind::RemoveEdge, scope, i);
    if (!before.has_edge(id) && after.has_edge(id)) log(Edit::Kind::AddEdge, scope, i);
    if (before.has_edge(id) && after.has_edge(id) && !(before.edge(id) == after.edge(id)))
      log(Edit::Kind::SetMemlet, scope, i);
  }
  const auto& containers_after = program_->containers;
  const std::uint32_t bound = std::max(containers_before.capacity(), containers_after.capacity());
  for (std::uint32_t i = 0; i < bound; ++i) {
    const ir::ContainerId id(i);
    const bool was = containers_before.contains(id);
    const bool is = containers_after.contains(id);
    if (was && !is) log(Edit::Kind::RemoveContainer, {}, i);
    if (!was && is) log(Edit::Kind::AddContainer, {}, i);
    if (was && is && !(containers_before[id] == containers_after[id]))
      log(Edit::Kind::ReplaceContainer, {}, i);
  }
}

}  // namespace sluice::transforms
