#include "ir/analysis/liveness.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace sluice::ir::analysis {
namespace {

constexpr std::size_t kUnused = std::numeric_limits<std::size_t>::max();

// Records, per container, the first and last point that uses it.
class UseRecorder {
public:
  explicit UseRecorder(const Program& program)
      : program_(program),
        first_(program.containers.capacity(), kUnused),
        last_(program.containers.capacity(), kUnused) {}

  void use(ContainerId id, std::size_t point) {
    if (!program_.containers.contains(id)) return;
    const ContainerId root = view_root(program_, id);
    if (first_[root.value] == kUnused) first_[root.value] = point;
    last_[root.value] = point;
  }

  void use_edges(const Graph& graph, const std::vector<EdgeId>& edges, std::size_t point) {
    for (EdgeId e : edges) use(graph.edge(e).memlet.data, point);
  }

  // Everything a map body names: its Access nodes and its memlets, recursively.
  void use_body(const Graph& body, std::size_t point) {
    for (NodeId id : body.node_ids()) {
      const Node& node = body.node(id);
      if (const auto* access = std::get_if<AccessNode>(&node)) use(access->data, point);
      if (const auto* map = std::get_if<MapNode>(&node)) use_body(*map->body, point);
    }
    for (EdgeId e : body.edge_ids()) use(body.edge(e).memlet.data, point);
  }

  [[nodiscard]] std::size_t first(ContainerId id) const { return first_[id.value]; }
  [[nodiscard]] std::size_t last(ContainerId id) const { return last_[id.value]; }

private:
  const Program& program_;
  std::vector<std::size_t> first_;
  std::vector<std::size_t> last_;
};

}  // namespace

std::vector<StateId> execution_order(const Program& program) {
  const std::uint32_t bound = program.states.capacity();
  std::vector<std::vector<StateId>> successors(bound);
  for (InterstateEdgeId id : program.interstate_edges.ids()) {
    const InterstateEdge& e = program.interstate_edges[id];
    if (program.states.contains(e.src) && program.states.contains(e.dst))
      successors[e.src.value].push_back(e.dst);
  }
  std::vector<bool> visited(bound, false);
  std::vector<StateId> postorder;
  if (program.states.contains(program.start_state)) {
    // Iterative depth-first walk: (state, index of the next successor to visit).
    std::vector<std::pair<StateId, std::size_t>> stack{{program.start_state, 0}};
    visited[program.start_state.value] = true;
    while (!stack.empty()) {
      auto& [state, next] = stack.back();
      const auto& succ = successors[state.value];
      if (next < succ.size()) {
        const StateId s = succ[next++];
        if (!visited[s.value]) {
          visited[s.value] = true;
          stack.emplace_back(s, 0);
        }
        continue;
      }
      postorder.push_back(state);
      stack.pop_back();
    }
  }
  std::vector<StateId> order(postorder.rbegin(), postorder.rend());
  for (StateId id : program.states.ids())
    if (!visited[id.value]) order.push_back(id);
  return order;
}

const LiveInterval* Liveness::find(ContainerId container) const {
  auto it = std::lower_bound(
      intervals.begin(), intervals.end(), container,
      [](const LiveInterval& interval, ContainerId id) { return interval.container < id; });
  return it != intervals.end() && it->container == container ? &*it : nullptr;
}

Liveness analyze_liveness(const Program& program) {
  Liveness result;
  result.state_order = execution_order(program);
  UseRecorder uses(program);
  // The first and last point of each state, to widen State-lifetime intervals.
  std::vector<std::pair<std::size_t, std::size_t>> state_span(program.states.capacity(),
                                                              {kUnused, kUnused});
  for (StateId state : result.state_order) {
    const Graph& graph = program.states[state].graph;
    for (const KernelRef& kernel : state_kernels(program, state)) {
      const std::size_t point = result.points.size();
      if (kernel.kind == KernelKind::Copy) {
        const Edge& edge = graph.edge(kernel.edge);
        uses.use(graph.get<AccessNode>(edge.src).data, point);
        uses.use(graph.get<AccessNode>(edge.dst).data, point);
        uses.use(edge.memlet.data, point);
      } else {
        uses.use_edges(graph, graph.in_edges(kernel.node), point);
        uses.use_edges(graph, graph.out_edges(kernel.node), point);
        if (const auto* map = std::get_if<MapNode>(&graph.node(kernel.node)))
          uses.use_body(*map->body, point);
      }
      auto& span = state_span[state.value];
      if (span.first == kUnused) span.first = point;
      span.second = point;
      result.points.push_back(kernel);
    }
  }
  if (result.points.empty()) return result;
  const std::size_t end = result.points.size() - 1;

  for (ContainerId id : program.containers.ids()) {
    const Container& c = program.containers[id];
    if (!c.transient || c.kind == ContainerKind::View) continue;
    if (c.lifetime == Lifetime::Program || c.lifetime == Lifetime::Persistent) {
      result.intervals.push_back({id, 0, end});
      continue;
    }
    if (uses.first(id) == kUnused) continue;
    LiveInterval interval{id, uses.first(id), uses.last(id)};
    if (c.lifetime == Lifetime::State) {
      interval.first = state_span[result.points[interval.first].state.value].first;
      interval.last = state_span[result.points[interval.last].state.value].second;
    }
    result.intervals.push_back(interval);
  }
  return result;
}

}  // namespace sluice::ir::analysis
