#include "ir/graph.h"

#include <algorithm>
#include <array>
#include <queue>

#include "ir/program.h"

namespace sluice::ir {
namespace {

constexpr std::array<std::pair<Schedule, std::string_view>, 6> kScheduleNames{{
    {Schedule::Default, "default"},
    {Schedule::Sequential, "sequential"},
    {Schedule::CpuParallel, "cpu_parallel"},
    {Schedule::Vectorized, "vectorized"},
    {Schedule::GpuGrid, "gpu_grid"},
    {Schedule::GpuBlock, "gpu_block"},
}};

const std::vector<std::string> kNoConnectors;
const std::string kNoLabel;

// Keeps adjacency lists sorted so iteration order never depends on the order of edits.
void insert_sorted(std::vector<EdgeId>& ids, EdgeId id) {
  ids.insert(std::lower_bound(ids.begin(), ids.end(), id), id);
}

void erase_one(std::vector<EdgeId>& ids, EdgeId id) {
  auto it = std::lower_bound(ids.begin(), ids.end(), id);
  SLUICE_CHECK(it != ids.end() && *it == id, "edge missing from adjacency list");
  ids.erase(it);
}

}  // namespace

std::string_view schedule_name(Schedule schedule) {
  for (const auto& [s, name] : kScheduleNames)
    if (s == schedule) return name;
  return "?";
}

std::optional<Schedule> parse_schedule(std::string_view name) {
  for (const auto& [s, n] : kScheduleNames)
    if (n == name) return s;
  return std::nullopt;
}

bool MapNode::operator==(const MapNode& other) const {
  return label == other.label && params == other.params && schedule == other.schedule &&
         inputs == other.inputs && outputs == other.outputs && *body == *other.body &&
         block_size == other.block_size;
}

bool NestedNode::operator==(const NestedNode& other) const {
  return label == other.label && inputs == other.inputs && outputs == other.outputs &&
         symbol_mapping == other.symbol_mapping && *program == *other.program;
}

std::string_view node_kind_name(const Node& node) {
  static constexpr std::array<std::string_view, 5> kNames{"access", "tasklet", "map", "library",
                                                          "nested"};
  return kNames[node.index()];
}

const std::string& node_label(const Node& node) {
  return std::visit(
      [](const auto& n) -> const std::string& {
        if constexpr (std::is_same_v<std::decay_t<decltype(n)>, AccessNode>)
          return kNoLabel;
        else
          return n.label;
      },
      node);
}

const std::vector<std::string>& input_connectors(const Node& node) {
  return std::visit(
      [](const auto& n) -> const std::vector<std::string>& {
        if constexpr (std::is_same_v<std::decay_t<decltype(n)>, AccessNode>)
          return kNoConnectors;
        else
          return n.inputs;
      },
      node);
}

const std::vector<std::string>& output_connectors(const Node& node) {
  return std::visit(
      [](const auto& n) -> const std::vector<std::string>& {
        if constexpr (std::is_same_v<std::decay_t<decltype(n)>, AccessNode>)
          return kNoConnectors;
        else
          return n.outputs;
      },
      node);
}

NodeId Graph::add_node(Node node) { return nodes_.add(NodeSlot{std::move(node), {}, {}}); }

void Graph::insert_node_at(NodeId id, Node node) {
  nodes_.insert_at(id, NodeSlot{std::move(node), {}, {}});
}

void Graph::remove_node(NodeId id) {
  // Copies: remove_edge edits the lists being walked.
  const auto in = nodes_[id].in;
  const auto out = nodes_[id].out;
  for (EdgeId e : in) remove_edge(e);
  for (EdgeId e : out)
    if (edges_.contains(e)) remove_edge(e);  // a self-loop was already removed with `in`
  nodes_.erase(id);
}

void Graph::link(EdgeId id, const Edge& edge) {
  SLUICE_CHECK(nodes_.contains(edge.src) && nodes_.contains(edge.dst),
               "edge endpoint is not a node of this graph");
  insert_sorted(nodes_[edge.src].out, id);
  insert_sorted(nodes_[edge.dst].in, id);
}

EdgeId Graph::add_edge(Edge edge) {
  SLUICE_CHECK(nodes_.contains(edge.src) && nodes_.contains(edge.dst),
               "edge endpoint is not a node of this graph");
  EdgeId id = edges_.add(std::move(edge));
  link(id, edges_[id]);
  return id;
}

EdgeId Graph::add_edge(NodeId src, std::string src_conn, NodeId dst, std::string dst_conn,
                       Memlet memlet) {
  return add_edge(Edge{src, std::move(src_conn), dst, std::move(dst_conn), std::move(memlet)});
}

void Graph::insert_edge_at(EdgeId id, Edge edge) {
  SLUICE_CHECK(nodes_.contains(edge.src) && nodes_.contains(edge.dst),
               "edge endpoint is not a node of this graph");
  edges_.insert_at(id, std::move(edge));
  link(id, edges_[id]);
}

void Graph::remove_edge(EdgeId id) {
  const Edge& e = edges_[id];
  erase_one(nodes_[e.src].out, id);
  erase_one(nodes_[e.dst].in, id);
  edges_.erase(id);
}

void Graph::reserve_ids(std::uint32_t node_bound, std::uint32_t edge_bound) {
  nodes_.reserve_ids(node_bound);
  edges_.reserve_ids(edge_bound);
}

std::optional<std::vector<NodeId>> Graph::topological_order() const {
  // Kahn's algorithm with a min-heap, so ties are broken by id and the order is deterministic.
  std::vector<std::uint32_t> pending(nodes_.capacity(), 0);
  std::priority_queue<NodeId, std::vector<NodeId>, std::greater<>> ready;
  for (NodeId id : nodes_.ids()) {
    pending[id.value] = static_cast<std::uint32_t>(nodes_[id].in.size());
    if (pending[id.value] == 0) ready.push(id);
  }
  std::vector<NodeId> order;
  order.reserve(nodes_.size());
  while (!ready.empty()) {
    NodeId id = ready.top();
    ready.pop();
    order.push_back(id);
    for (EdgeId e : nodes_[id].out)
      if (--pending[edges_[e].dst.value] == 0) ready.push(edges_[e].dst);
  }
  if (order.size() != nodes_.size()) return std::nullopt;
  return order;
}

bool Graph::operator==(const Graph& other) const {
  // Adjacency lists are derived from the edges, so comparing nodes and edges suffices.
  if (nodes_.capacity() != other.nodes_.capacity() || !(edges_ == other.edges_)) return false;
  for (std::uint32_t i = 0; i < nodes_.capacity(); ++i) {
    const NodeId id(i);
    if (nodes_.contains(id) != other.nodes_.contains(id)) return false;
    if (nodes_.contains(id) && !(nodes_[id].node == other.nodes_[id].node)) return false;
  }
  return true;
}

}  // namespace sluice::ir
