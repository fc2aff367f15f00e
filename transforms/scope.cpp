#include "transforms/scope.h"

namespace sluice::transforms {

namespace {

template <typename ProgramT, typename GraphT>
GraphT* resolve_in(ProgramT& program, const Scope& scope) {
  auto* state = program.states.find(scope.state);
  if (!state) return nullptr;
  GraphT* graph = &state->graph;
  for (const ir::NodeId id : scope.maps) {
    if (!graph->has_node(id)) return nullptr;
    auto* map = std::get_if<ir::MapNode>(&graph->node(id));
    if (!map) return nullptr;
    graph = &*map->body;
  }
  return graph;
}

void visit_bodies(const Scope& scope, const ir::Graph& graph,
                  const std::function<void(const Scope&, const ir::Graph&)>& visit) {
  for (const ir::NodeId id : graph.node_ids()) {
    const auto* map = std::get_if<ir::MapNode>(&graph.node(id));
    if (!map) continue;
    Scope inner = scope;
    inner.maps.push_back(id);
    visit(inner, *map->body);
    visit_bodies(inner, *map->body, visit);
  }
}

}  // namespace

const ir::Graph* resolve(const ir::Program& program, const Scope& scope) {
  return resolve_in<const ir::Program, const ir::Graph>(program, scope);
}

ir::Graph* resolve(ir::Program& program, const Scope& scope) {
  return resolve_in<ir::Program, ir::Graph>(program, scope);
}

void for_each_scope(const ir::Program& program,
                    const std::function<void(const Scope&, const ir::Graph&)>& visit) {
  for (const ir::StateId state : program.states.ids()) {
    const Scope scope{state, {}};
    visit(scope, program.states[state].graph);
    visit_bodies(scope, program.states[state].graph, visit);
  }
}

ir::IrPath scope_path(const ir::Program& program, const Scope& scope) {
  ir::IrPath path({ir::state_step(program, scope.state)});
  const ir::Graph* graph =
      program.states.contains(scope.state) ? &program.states[scope.state].graph : nullptr;
  for (const ir::NodeId id : scope.maps) {
    if (graph && graph->has_node(id)) {
      path.push(ir::node_step(program, *graph, id));
      const auto* map = std::get_if<ir::MapNode>(&graph->node(id));
      graph = map ? &*map->body : nullptr;
    } else {
      path.push({ir::PathStep::Kind::Node, id.value, "", "map"});
      graph = nullptr;
    }
  }
  return path;
}

std::string node_location(const ir::Program& program, const Scope& scope, ir::NodeId node) {
  const ir::Graph* graph = resolve(program, scope);
  ir::PathStep step{ir::PathStep::Kind::Node, node.value, "", ""};
  if (graph && graph->has_node(node)) step = ir::node_step(program, *graph, node);
  return (scope_path(program, scope) / step).str();
}

}  // namespace sluice::transforms
