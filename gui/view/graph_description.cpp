#include "gui/view/graph_description.h"

#include <map>
#include <utility>
#include <variant>

#include "ir/dtype.h"

namespace sluice::gui {

std::string state_key(ir::StateId state) { return "s" + std::to_string(state.value); }
std::string node_key(ir::StateId state, ir::NodeId node) {
  return state_key(state) + "/n" + std::to_string(node.value);
}
std::string edge_key(ir::StateId state, ir::EdgeId edge) {
  return state_key(state) + "/e" + std::to_string(edge.value);
}

std::string memlet_label(const ir::Program& program, const ir::Memlet& memlet) {
  if (memlet.empty()) return {};
  const ir::Container* container = program.containers.find(memlet.data);
  std::string text = container != nullptr ? container->name : "?";
  text += "[" + ir::subset_str(memlet.subset) + "]";
  if (memlet.other_subset) text += " -> [" + ir::subset_str(*memlet.other_subset) + "]";
  text += "  vol " + memlet.volume.str();
  if (memlet.wcr != ir::WriteConflict::None)
    text += "  wcr=" + std::string(ir::write_conflict_name(memlet.wcr));
  if (memlet.dynamic) text += "  dynamic";
  return text;
}

namespace {

std::string map_ranges(const ir::MapNode& map) {
  std::string text;
  for (const ir::MapParam& param : map.params) {
    if (!text.empty()) text += ", ";
    text += param.name + "=" + param.range.begin.str() + ":" + param.range.end.str();
    if (param.range.step != ir::Expr(1)) text += ":" + param.range.step.str();
  }
  return text;
}

std::string container_detail(const ir::Container& container) {
  std::string text(ir::dtype_name(container.dtype));
  text += "[";
  for (std::size_t d = 0; d < container.shape.size(); ++d)
    text += (d ? ", " : "") + container.shape[d].str();
  text += "]";
  if (container.transient) text += " transient";
  return text;
}

/// Walks the program and appends what it finds; one instance per `describe_program` call.
class Describer {
public:
  Describer(const ir::Program& program, const DescribeOptions& options)
      : program_(program), options_(options) {}

  void state(ir::StateId id, bool framed) {
    int scope = -1;
    if (framed) {
      scope = add_scope(state_key(id), "state " + program_.states[id].label, true, -1);
      state_headers_[id] = add_node(state_key(id) + "/header", program_.states[id].label, "state",
                                    DrawKind::StateHeader, scope);
    }
    graph(program_.states[id].graph, id, state_key(id), scope);
  }

  void interstate_edges() {
    for (const ir::InterstateEdgeId id : program_.interstate_edges.ids()) {
      const ir::InterstateEdge& edge = program_.interstate_edges[id];
      if (!state_headers_.contains(edge.src) || !state_headers_.contains(edge.dst)) continue;
      std::string label = edge.condition ? ir::print_tasklet_expr(*edge.condition) : "";
      for (const auto& [symbol, value] : edge.assignments)
        label += (label.empty() ? "" : "; ") + symbol + " = " + value.str();
      out_.edges.push_back({"t" + std::to_string(id.value), state_headers_[edge.src],
                            state_headers_[edge.dst], label, false});
    }
  }

  GraphDescription take() { return std::move(out_); }

private:
  /// Where edges touching a node attach: a node is one box, an expanded map two.
  struct Ends {
    int in = 0;
    int out = 0;
  };

  int add_scope(std::string key, std::string label, bool is_state, int parent) {
    out_.scopes.push_back({std::move(key), std::move(label), is_state, parent});
    return static_cast<int>(out_.scopes.size()) - 1;
  }
  int add_node(std::string key, std::string label, std::string detail, DrawKind kind, int scope) {
    out_.nodes.push_back({std::move(key), std::move(label), std::move(detail), kind, scope});
    return static_cast<int>(out_.nodes.size()) - 1;
  }

  /// Appends a graph's nodes and edges; returns where each of its nodes attaches.
  std::vector<Ends> graph(const ir::Graph& graph, ir::StateId state, const std::string& prefix,
                          int scope) {
    std::map<ir::NodeId, Ends> ends;
    for (const ir::NodeId id : graph.node_ids())
      ends[id] = node(graph, id, state, prefix + "/n" + std::to_string(id.value), scope);
    for (const ir::EdgeId id : graph.edge_ids()) {
      const ir::Edge& edge = graph.edge(id);
      out_.edges.push_back({prefix + "/e" + std::to_string(id.value), ends[edge.src].out,
                            ends[edge.dst].in, memlet_label(program_, edge.memlet), false});
    }
    std::vector<Ends> result;
    result.reserve(ends.size());
    for (const auto& [id, end] : ends) result.push_back(end);
    return result;
  }

  Ends node(const ir::Graph& graph, ir::NodeId id, ir::StateId state, const std::string& key,
            int scope) {
    const ir::Node& node = graph.node(id);
    if (const auto* access = std::get_if<ir::AccessNode>(&node)) {
      const ir::Container* container = program_.containers.find(access->data);
      const int index =
          add_node(key, container ? container->name : "?",
                   container ? container_detail(*container) : "", DrawKind::Access, scope);
      return {index, index};
    }
    if (const auto* map = std::get_if<ir::MapNode>(&node)) return map_node(*map, state, key, scope);
    DrawKind kind = DrawKind::Tasklet;
    std::string detail;
    if (const auto* library = std::get_if<ir::LibraryNode>(&node)) {
      kind = DrawKind::Library;
      detail = library->op + " (" + library->implementation + ")";
    } else if (std::holds_alternative<ir::NestedNode>(node)) {
      kind = DrawKind::Nested;
      detail = "nested program";
    } else {
      detail = ir::print_tasklet(std::get<ir::TaskletNode>(node).code);
    }
    const int index = add_node(key, ir::node_label(node), detail, kind, scope);
    return {index, index};
  }

  Ends map_node(const ir::MapNode& map, ir::StateId state, const std::string& key, int scope) {
    const std::string ranges =
        "[" + map_ranges(map) + "] " + std::string(ir::schedule_name(map.schedule));
    if (options_.collapsed.contains(key)) {
      const int index = add_node(key, map.label, ranges, DrawKind::Map, scope);
      return {index, index};
    }
    const int inner = add_scope(key, map.label + " " + ranges, false, scope);
    const int entry = add_node(key + "/entry", map.label, ranges, DrawKind::MapEntry, inner);
    const std::size_t first_body_edge = out_.edges.size();
    const std::vector<Ends> body = graph(*map.body, state, key, inner);
    // Structural links keep the body between entry and exit in the layered layout.
    std::vector<bool> has_in(out_.nodes.size(), false);
    std::vector<bool> has_out(out_.nodes.size(), false);
    for (std::size_t e = first_body_edge; e < out_.edges.size(); ++e) {
      has_out[out_.edges[e].src] = true;
      has_in[out_.edges[e].dst] = true;
    }
    const int exit = add_node(key + "/exit", map.label, ranges, DrawKind::MapExit, inner);
    int link = 0;
    for (const Ends& end : body) {
      if (!has_in[end.in])
        out_.edges.push_back({key + "/l" + std::to_string(link++), entry, end.in, "", true});
      if (!has_out[end.out])
        out_.edges.push_back({key + "/l" + std::to_string(link++), end.out, exit, "", true});
    }
    if (body.empty()) out_.edges.push_back({key + "/l0", entry, exit, "", true});
    return {entry, exit};
  }

  const ir::Program& program_;
  const DescribeOptions& options_;
  GraphDescription out_;
  std::map<ir::StateId, int> state_headers_;
};

}  // namespace

GraphDescription describe_program(const ir::Program& program, const DescribeOptions& options) {
  Describer describer(program, options);
  if (options.state) {
    if (program.states.contains(*options.state)) describer.state(*options.state, false);
  } else {
    const bool framed = program.states.size() > 1;
    for (const ir::StateId id : program.states.ids()) describer.state(id, framed);
    describer.interstate_edges();
  }
  return describer.take();
}

}  // namespace sluice::gui
