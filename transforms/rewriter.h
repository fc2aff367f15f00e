#pragma once
/// The only way a transformation edits a program: each edit goes through a `Rewriter`, which
/// performs it and logs it (undo, the GUI's highlight of what changed, which analyses to rerun).
///
///   const ir::Graph& g = rewriter.graph(match.scope);           // read
///   rewriter.replace_node(match.scope, consumer, fused_map);    // edit, logged
///   rewriter.remove_node(match.scope, producer);
///
/// Edits name nodes and edges by their stable ids in a scope (transforms/scope.h). An edit that
/// names something that is not there is a bug in the transformation (InternalError).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ir/program.h"
#include "transforms/scope.h"

namespace sluice::transforms {

struct Edit {
  enum class Kind : std::uint8_t {
    AddNode,
    RemoveNode,
    ReplaceNode,
    AddEdge,
    RemoveEdge,
    SetMemlet,
    AddContainer,
    RemoveContainer,
    ReplaceContainer
  };
  Kind kind = Kind::AddNode;
  Scope scope;           ///< Graph edits: where. Container edits: unused.
  std::uint32_t id = 0;  ///< The node, edge or container id.
  bool operator==(const Edit&) const = default;
};

std::string_view edit_kind_name(Edit::Kind kind);
/// `replace node 7 in state 'main'`, `add container 'x_fused'`.
std::string edit_str(const ir::Program& program, const Edit& edit);

class Rewriter {
public:
  explicit Rewriter(ir::Program& program) : program_(&program) {}

  [[nodiscard]] const ir::Program& program() const { return *program_; }
  /// The graph of a scope, for reading.
  [[nodiscard]] const ir::Graph& graph(const Scope& scope) const;

  ir::NodeId add_node(const Scope& scope, ir::Node node);
  void remove_node(const Scope& scope, ir::NodeId id);  ///< And every edge touching it.
  /// Replaces a node's value (its kind, code, a map's whole body); its edges stay.
  void replace_node(const Scope& scope, ir::NodeId id, ir::Node node);
  ir::EdgeId add_edge(const Scope& scope, ir::Edge edge);
  void remove_edge(const Scope& scope, ir::EdgeId id);
  void set_memlet(const Scope& scope, ir::EdgeId id, ir::Memlet memlet);

  ir::ContainerId add_container(ir::Container container);
  void remove_container(ir::ContainerId id);
  void replace_container(ir::ContainerId id, ir::Container container);

  /// For edits made by code that works on the program directly (an op's expansion builds
  /// through ops::ExpansionContext): runs `edit` and logs, by comparing before and after, the
  /// nodes and edges of the state's top-level graph and the containers it added, removed or
  /// changed.
  void edit_state(ir::StateId state, const std::function<void(ir::Program&)>& edit);

  [[nodiscard]] const std::vector<Edit>& edits() const { return edits_; }

private:
  ir::Graph& mutable_graph(const Scope& scope);
  void log(Edit::Kind kind, const Scope& scope, std::uint32_t id) {
    edits_.push_back({kind, scope, id});
  }

  ir::Program* program_;
  std::vector<Edit> edits_;
};

}  // namespace sluice::transforms
