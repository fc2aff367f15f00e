#include "ir/ir_path.h"

#include <variant>

namespace sluice::ir {
namespace {

std::string quoted(const std::string& name) { return "'" + name + "'"; }

// `state 'main'`, or `state 3` when the label is empty (or the state does not exist).
std::string named(std::string_view what, std::uint32_t id, const std::string& name) {
  std::string out(what);
  out += ' ';
  out += name.empty() ? std::to_string(id) : quoted(name);
  return out;
}

std::string scope_str(const PathStep& step) {
  std::string out = step.detail + " " + std::to_string(step.id);
  if (!step.name.empty()) out += " " + quoted(step.name);
  return out;
}

struct Place {
  const Program* program = nullptr;
  const Graph* graph = nullptr;
};

Place walk(const Program& root, const IrPath& path) {
  Place at{&root, nullptr};
  const auto& steps = path.steps();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const PathStep& step = steps[i];
    const bool last = i + 1 == steps.size();
    switch (step.kind) {
      case PathStep::Kind::State: {
        const State* state = at.program->states.find(StateId(step.id));
        if (!state) return {};
        at.graph = &state->graph;
        break;
      }
      case PathStep::Kind::Node: {
        if (!at.graph || !at.graph->has_node(NodeId(step.id))) return {};
        if (last) break;
        const Node& node = at.graph->node(NodeId(step.id));
        if (const auto* map = std::get_if<MapNode>(&node)) {
          at.graph = &*map->body;
        } else if (const auto* nested = std::get_if<NestedNode>(&node)) {
          at.program = &*nested->program;
          at.graph = nullptr;
        } else {
          return {};
        }
        break;
      }
      case PathStep::Kind::Edge:
        if (!at.graph || !at.graph->has_edge(EdgeId(step.id))) return {};
        break;
      case PathStep::Kind::Program:
      case PathStep::Kind::Symbol:
      case PathStep::Kind::Container:
      case PathStep::Kind::Transition: break;
    }
  }
  return at;
}

}  // namespace

IrPath IrPath::operator/(PathStep step) const {
  IrPath out = *this;
  out.steps_.push_back(std::move(step));
  return out;
}

IrPath& IrPath::push(PathStep step) {
  steps_.push_back(std::move(step));
  return *this;
}

void IrPath::pop() { steps_.pop_back(); }

std::string step_str(const PathStep& step) {
  switch (step.kind) {
    case PathStep::Kind::Program: return "program " + quoted(step.name);
    case PathStep::Kind::Symbol: return "symbol " + quoted(step.name);
    case PathStep::Kind::Container: return named("container", step.id, step.name);
    case PathStep::Kind::State: return named("state", step.id, step.name);
    case PathStep::Kind::Transition:
      return "transition " + std::to_string(step.id) + " (" + step.detail + ")";
    case PathStep::Kind::Node: {
      std::string out = "node " + std::to_string(step.id);
      if (!step.name.empty()) out += " " + quoted(step.name);
      return out + " (" + step.detail + ")";
    }
    case PathStep::Kind::Edge: return "edge " + std::to_string(step.id);
  }
  return "?";
}

std::string IrPath::str() const {
  std::string out;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    if (i) out += " / ";
    const PathStep& step = steps_[i];
    const bool scope = step.kind == PathStep::Kind::Node && i + 1 < steps_.size();
    out += scope ? scope_str(step) : step_str(step);
  }
  return out;
}

PathStep program_step(const Program& program) {
  return {PathStep::Kind::Program, 0, program.name, {}};
}

PathStep symbol_step(const std::string& name) { return {PathStep::Kind::Symbol, 0, name, {}}; }

PathStep container_step(const Program& program, ContainerId id) {
  const Container* c = program.containers.find(id);
  return {PathStep::Kind::Container, id.value, c ? c->name : std::string(), {}};
}

PathStep state_step(const Program& program, StateId id) {
  const State* s = program.states.find(id);
  return {PathStep::Kind::State, id.value, s ? s->label : std::string(), {}};
}

PathStep transition_step(const Program& program, InterstateEdgeId id) {
  std::string detail;
  if (const InterstateEdge* e = program.interstate_edges.find(id)) {
    detail = step_str(state_step(program, e->src)) + " -> " + step_str(state_step(program, e->dst));
  }
  return {PathStep::Kind::Transition, id.value, {}, std::move(detail)};
}

PathStep node_step(const Program& program, const Graph& graph, NodeId id) {
  PathStep step{PathStep::Kind::Node, id.value, {}, "missing"};
  if (!graph.has_node(id)) return step;
  const Node& node = graph.node(id);
  step.detail = std::string(node_kind_name(node));
  if (const auto* access = std::get_if<AccessNode>(&node)) {
    if (const Container* c = program.containers.find(access->data)) step.name = c->name;
  } else {
    step.name = node_label(node);
  }
  return step;
}

PathStep edge_step(EdgeId id) { return {PathStep::Kind::Edge, id.value, {}, {}}; }

const Graph* resolve_graph(const Program& program, const IrPath& path) {
  return walk(program, path).graph;
}

const Program* resolve_program(const Program& program, const IrPath& path) {
  return walk(program, path).program;
}

}  // namespace sluice::ir
