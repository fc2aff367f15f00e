#pragma once
/// Dataflow graphs: the acyclic multigraph inside each state and each map.
///
/// Nodes are a closed set (`std::variant`): Access (a container), Tasklet (scalar code), Map (a
/// parametric parallel scope that owns its body graph), Library (a high-level operator with a
/// chosen implementation), Nested (a whole program with a symbol mapping). Edges carry memlets
/// from an output connector to an input connector. Nodes and edges live in per-graph arenas;
/// their ids survive unrelated edits.
///
/// A Map's connectors are named after the containers that cross its boundary: an edge into map
/// connector `A` carries (a superset of) what the body's Access nodes of `A` read.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ir/box.h"
#include "ir/expr.h"
#include "ir/ids.h"
#include "ir/memlet.h"
#include "ir/tasklet.h"

namespace sluice::ir {

class Graph;
struct Program;

enum class Schedule : std::uint8_t { Default, Sequential, CpuParallel, Vectorized, GpuGrid, GpuBlock };
std::string_view schedule_name(Schedule schedule);
std::optional<Schedule> parse_schedule(std::string_view name);

/// A map parameter and the half-open range it sweeps.
struct MapParam {
  std::string name;
  Range range;
  bool operator==(const MapParam&) const = default;
};

using AttributeValue = std::variant<std::int64_t, double, std::string, std::vector<std::int64_t>,
                                    std::vector<double>, std::vector<std::string>>;
using Attributes = std::map<std::string, AttributeValue>;

struct AccessNode {
  ContainerId data;
  bool operator==(const AccessNode&) const = default;
};

struct TaskletNode {
  std::string label;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  TaskletCode code;
  bool operator==(const TaskletNode&) const = default;
};

struct MapNode {
  std::string label;
  std::vector<MapParam> params;
  Schedule schedule = Schedule::Default;
  std::vector<std::string> inputs;   ///< Container names whose data enters the body.
  std::vector<std::string> outputs;  ///< Container names the body writes.
  Box<Graph> body;
  /// Threads per block of a GpuGrid map (the gpu-map transformation sets it); 0: the CUDA
  /// generator's default.
  std::int64_t block_size = 0;
  bool operator==(const MapNode&) const;
};

struct LibraryNode {
  std::string label;
  std::string op;  ///< e.g. "MatMul", "Softmax" (ONNX spelling) or a Sluice op.
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  Attributes attributes;
  std::string implementation = "pure";
  bool operator==(const LibraryNode&) const = default;
};

struct NestedNode {
  std::string label;
  std::vector<std::string> inputs;   ///< Non-transient containers of the nested program.
  std::vector<std::string> outputs;
  std::map<std::string, Expr> symbol_mapping;  ///< Inner symbol -> outer expression.
  Box<Program> program;
  bool operator==(const NestedNode&) const;
};

using Node = std::variant<AccessNode, TaskletNode, MapNode, LibraryNode, NestedNode>;

/// "access", "tasklet", "map", "library", "nested".
std::string_view node_kind_name(const Node& node);
/// The label of a node; for an Access node, empty (callers name it by its container).
const std::string& node_label(const Node& node);
/// Input/output connector names (empty for Access nodes, which take unnamed edges).
const std::vector<std::string>& input_connectors(const Node& node);
const std::vector<std::string>& output_connectors(const Node& node);

struct Edge {
  NodeId src;
  std::string src_conn;  ///< Empty when the source is an Access node.
  NodeId dst;
  std::string dst_conn;  ///< Empty when the destination is an Access node.
  Memlet memlet;
  bool operator==(const Edge&) const = default;
};

class Graph {
public:
  NodeId add_node(Node node);
  /// Places a node at a given id (loaders that preserve ids); the id must be free.
  void insert_node_at(NodeId id, Node node);
  /// Removes a node and every edge touching it.
  void remove_node(NodeId id);

  EdgeId add_edge(Edge edge);
  EdgeId add_edge(NodeId src, std::string src_conn, NodeId dst, std::string dst_conn, Memlet memlet);
  void insert_edge_at(EdgeId id, Edge edge);
  void remove_edge(EdgeId id);

  [[nodiscard]] bool has_node(NodeId id) const { return nodes_.contains(id); }
  [[nodiscard]] bool has_edge(EdgeId id) const { return edges_.contains(id); }
  [[nodiscard]] const Node& node(NodeId id) const { return nodes_[id].node; }
  Node& node(NodeId id) { return nodes_[id].node; }
  [[nodiscard]] const Edge& edge(EdgeId id) const { return edges_[id]; }
  /// The memlet of an edge is editable in place; its endpoints are not (remove and re-add).
  Memlet& memlet(EdgeId id) { return edges_[id].memlet; }

  /// Incident edges in increasing id order.
  [[nodiscard]] const std::vector<EdgeId>& in_edges(NodeId id) const { return nodes_[id].in; }
  [[nodiscard]] const std::vector<EdgeId>& out_edges(NodeId id) const { return nodes_[id].out; }

  [[nodiscard]] std::vector<NodeId> node_ids() const { return nodes_.ids(); }
  [[nodiscard]] std::vector<EdgeId> edge_ids() const { return edges_.ids(); }
  [[nodiscard]] std::size_t num_nodes() const { return nodes_.size(); }
  [[nodiscard]] std::size_t num_edges() const { return edges_.size(); }
  /// One past the largest node/edge id ever handed out.
  [[nodiscard]] std::uint32_t node_id_bound() const { return nodes_.capacity(); }
  [[nodiscard]] std::uint32_t edge_id_bound() const { return edges_.capacity(); }
  /// Makes the next new node/edge id at least `bound` (loaders restore the id counters).
  void reserve_ids(std::uint32_t node_bound, std::uint32_t edge_bound);

  /// Nodes in a deterministic topological order (ties broken by id); nullopt if there is a cycle.
  [[nodiscard]] std::optional<std::vector<NodeId>> topological_order() const;

  /// Typed access: `graph.get<MapNode>(id)`; a wrong kind is an internal error.
  template <typename T>
  const T& get(NodeId id) const {
    const T* p = std::get_if<T>(&node(id));
    SLUICE_CHECK(p != nullptr, "node has a different kind");
    return *p;
  }
  template <typename T>
  T& get(NodeId id) {
    T* p = std::get_if<T>(&node(id));
    SLUICE_CHECK(p != nullptr, "node has a different kind");
    return *p;
  }

  bool operator==(const Graph& other) const;

private:
  struct NodeSlot {
    Node node;
    std::vector<EdgeId> in;
    std::vector<EdgeId> out;
  };
  void link(EdgeId id, const Edge& edge);

  Arena<NodeId, NodeSlot> nodes_;
  Arena<EdgeId, Edge> edges_;
};

}  // namespace sluice::ir
