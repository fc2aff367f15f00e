#include "ir/analysis/data_movement.h"

#include <unordered_set>
#include <utility>

#include "ir/diagnostic.h"

namespace sluice::ir::analysis {
namespace {

// A (container, subset) pair a kernel has already counted in one direction.
struct Touch {
  ContainerId data;
  const Subset* subset;
  bool operator==(const Touch& other) const {
    return data == other.data && *subset == *other.subset;
  }
};

struct TouchHash {
  std::size_t operator()(const Touch& t) const noexcept {
    // Canonical Exprs are interned, so hashing their addresses is exact and cheap.
    std::size_t h = std::hash<ContainerId>()(t.data);
    for (const Range& r : *t.subset)
      for (const Expr* e : {&r.begin, &r.end, &r.step}) h = h * 1000003u ^ std::hash<Expr>()(*e);
    return h;
  }
};

using TouchSet = std::unordered_set<Touch, TouchHash>;

Expr element_bytes(const Program& program, ContainerId id) {
  return in_memory(program, id) ? Expr(dtype_size(program.containers[id].dtype)) : Expr(0);
}

bool is_view_alias(const Program& program, ContainerId a, ContainerId b) {
  const bool either_view = program.containers[a].kind == ContainerKind::View ||
                           program.containers[b].kind == ContainerKind::View;
  return either_view && view_root(program, a) == view_root(program, b);
}

// Accumulates the terms of one kernel.
class KernelCounter {
public:
  explicit KernelCounter(const Program& program) : program_(program) {}

  Expr count_read(ContainerId data, const Subset& subset) {
    if (!reads_seen_.insert(Touch{data, &subset}).second) return 0;
    Expr bytes = subset_size(subset) * element_bytes(program_, data);
    reads_.push_back(bytes);
    return bytes;
  }
  Expr count_write(ContainerId data, const Subset& subset) {
    if (!writes_seen_.insert(Touch{data, &subset}).second) return 0;
    Expr bytes = subset_size(subset) * element_bytes(program_, data);
    writes_.push_back(bytes);
    return bytes;
  }
  void count_access(const Expr& bytes) { accesses_.push_back(bytes); }

  void finish(KernelMovement& out) {
    out.reads = sum(reads_);
    out.writes = sum(writes_);
    out.accesses = sum(accesses_);
  }

private:
  const Program& program_;
  TouchSet reads_seen_;
  TouchSet writes_seen_;
  std::vector<Expr> reads_;
  std::vector<Expr> writes_;
  std::vector<Expr> accesses_;
};

void count_copy(const Program& program, const Graph& graph, EdgeId id, KernelMovement& out) {
  const Edge& edge = graph.edge(id);
  const Memlet& m = edge.memlet;
  const ContainerId src = graph.get<AccessNode>(edge.src).data;
  const ContainerId dst = graph.get<AccessNode>(edge.dst).data;
  // The memlet's subset addresses its own container; the other subset addresses the other end.
  const Subset& own = m.subset;
  const Subset& other = m.other_subset ? *m.other_subset : m.subset;
  const bool on_dst = m.data == dst && m.data != src;
  const Subset& src_subset = on_dst ? other : own;
  const Subset& dst_subset = on_dst ? own : other;

  KernelCounter counter(program);
  MemletMovement mm{id, m.data, counter.count_read(src, src_subset),
                    counter.count_write(dst, dst_subset), 0};
  std::vector<Expr> accessed{m.volume * element_bytes(program, src),
                             m.volume * element_bytes(program, dst)};
  if (m.wcr != WriteConflict::None) {
    mm.read = mm.read + counter.count_read(dst, dst_subset);
    accessed.push_back(m.volume * element_bytes(program, dst));
  }
  mm.accessed = sum(accessed);
  counter.count_access(mm.accessed);
  out.dynamic = m.dynamic;
  out.memlets.push_back(mm);
  counter.finish(out);
}

void count_node(const Program& program, const Graph& graph, NodeId node, KernelMovement& out) {
  KernelCounter counter(program);
  for (EdgeId id : graph.in_edges(node)) {
    const Memlet& m = graph.edge(id).memlet;
    if (m.empty()) continue;
    out.dynamic = out.dynamic || m.dynamic;
    MemletMovement mm{id, m.data, counter.count_read(m.data, m.subset), 0,
                      memlet_volume_bytes(program, m)};
    counter.count_access(mm.accessed);
    out.memlets.push_back(mm);
  }
  for (EdgeId id : graph.out_edges(node)) {
    const Memlet& m = graph.edge(id).memlet;
    if (m.empty()) continue;
    out.dynamic = out.dynamic || m.dynamic;
    MemletMovement mm{id, m.data, 0, counter.count_write(m.data, m.subset),
                      memlet_volume_bytes(program, m)};
    if (m.wcr != WriteConflict::None) {
      mm.read = counter.count_read(m.data, m.subset);
      mm.accessed = mm.accessed * 2;
    }
    counter.count_access(mm.accessed);
    out.memlets.push_back(mm);
  }
  counter.finish(out);
}

std::string state_location(const Program& program, StateId state) {
  return "state '" + program.states[state].label + "'";
}

}  // namespace

ContainerId view_root(const Program& program, ContainerId id) {
  // Bounded by the number of containers, so a (verifier-rejected) cycle cannot hang us.
  for (std::size_t steps = program.containers.capacity(); steps > 0; --steps) {
    const Container& c = program.containers[id];
    if (!c.view || !program.containers.contains(c.view->source)) return id;
    id = c.view->source;
  }
  return id;
}

bool in_memory(const Program& program, ContainerId id) {
  return program.containers[view_root(program, id)].storage != Storage::Register &&
         program.containers[id].storage != Storage::Register;
}

Expr memlet_volume_bytes(const Program& program, const Memlet& memlet) {
  if (memlet.empty()) return 0;
  return memlet.volume * element_bytes(program, memlet.data);
}

Expr memlet_subset_bytes(const Program& program, const Memlet& memlet) {
  if (memlet.empty()) return 0;
  return subset_size(memlet.subset) * element_bytes(program, memlet.data);
}

std::string_view kernel_kind_name(KernelKind kind) {
  switch (kind) {
    case KernelKind::Map: return "map";
    case KernelKind::Library: return "library";
    case KernelKind::Nested: return "nested";
    case KernelKind::Tasklet: return "tasklet";
    case KernelKind::Copy: return "copy";
  }
  return "?";
}

std::vector<KernelRef> state_kernels(const Program& program, StateId state) {
  const Graph& graph = program.states[state].graph;
  const auto order = graph.topological_order();
  if (!order) throw UserError(state_location(program, state), "the dataflow graph has a cycle");
  std::vector<KernelRef> kernels;
  const auto add = [&](NodeId node, EdgeId edge, KernelKind kind) {
    kernels.push_back(KernelRef{state, node, edge, kind, kernels.size()});
  };
  for (NodeId id : *order) {
    const Node& node = graph.node(id);
    if (std::holds_alternative<MapNode>(node)) add(id, {}, KernelKind::Map);
    if (std::holds_alternative<LibraryNode>(node)) add(id, {}, KernelKind::Library);
    if (std::holds_alternative<NestedNode>(node)) add(id, {}, KernelKind::Nested);
    if (std::holds_alternative<TaskletNode>(node)) add(id, {}, KernelKind::Tasklet);
    if (const auto* dst = std::get_if<AccessNode>(&node)) {
      for (EdgeId e : graph.in_edges(id)) {
        const Edge& edge = graph.edge(e);
        const auto* src = std::get_if<AccessNode>(&graph.node(edge.src));
        if (src == nullptr || edge.memlet.empty()) continue;
        if (is_view_alias(program, src->data, dst->data)) continue;
        add(id, e, KernelKind::Copy);
      }
    }
  }
  return kernels;
}

std::string kernel_label(const Program& program, const KernelRef& kernel) {
  const Graph& graph = program.states[kernel.state].graph;
  if (kernel.kind != KernelKind::Copy) return node_label(graph.node(kernel.node));
  const Edge& edge = graph.edge(kernel.edge);
  return program.containers[graph.get<AccessNode>(edge.src).data].name + " -> " +
         program.containers[graph.get<AccessNode>(edge.dst).data].name;
}

KernelMovement kernel_data_movement(const Program& program, const KernelRef& kernel) {
  const Graph& graph = program.states[kernel.state].graph;
  KernelMovement out;
  out.kernel = kernel;
  out.label = kernel_label(program, kernel);
  if (kernel.kind == KernelKind::Copy)
    count_copy(program, graph, kernel.edge, out);
  else
    count_node(program, graph, kernel.node, out);
  return out;
}

DataMovement analyze_data_movement(const Program& program) {
  DataMovement result;
  std::vector<Expr> reads;
  std::vector<Expr> writes;
  std::vector<Expr> accesses;
  for (StateId state : program.states.ids()) {
    StateMovement sm;
    sm.state = state;
    std::vector<Expr> state_reads;
    std::vector<Expr> state_writes;
    std::vector<Expr> state_accesses;
    for (const KernelRef& kernel : state_kernels(program, state)) {
      KernelMovement km = kernel_data_movement(program, kernel);
      state_reads.push_back(km.reads);
      state_writes.push_back(km.writes);
      state_accesses.push_back(km.accesses);
      sm.kernels.push_back(std::move(km));
    }
    sm.reads = sum(state_reads);
    sm.writes = sum(state_writes);
    sm.accesses = sum(state_accesses);
    reads.push_back(sm.reads);
    writes.push_back(sm.writes);
    accesses.push_back(sm.accesses);
    result.states.push_back(std::move(sm));
  }
  result.reads = sum(reads);
  result.writes = sum(writes);
  result.accesses = sum(accesses);
  return result;
}

}  // namespace sluice::ir::analysis
