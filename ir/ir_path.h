#pragma once
/// `IrPath`: how Sluice names a place in a program, for diagnostics, the GUI, transformations
/// and the CLI.
///
/// A path is a list of steps from the program's root. Each step keeps the id (what a tool
/// resolves) and the name it had when the path was made (what a person reads):
///
///   state 'main' / node 4 'mul' (tasklet)           a node of a state
///   state 'main' / map 2 'mm' / edge 3              an edge in the body of map 2
///   state 'main' / nested 5 'inner' / container 'X' a container of a nested program
///   container 'A'                                   transition 0 (state 'a' -> state 'b')
///
/// A node step followed by more steps is a scope (a map's body, a nested program) and prints
/// as `map 2 'mm'`; as the last step it prints as `node 2 'mm' (map)`. An Access node is named
/// by its container.

#include <cstdint>
#include <string>
#include <vector>

#include "ir/program.h"

namespace sluice::ir {

struct PathStep {
  enum class Kind : std::uint8_t { Program, Symbol, Container, State, Transition, Node, Edge };
  Kind kind = Kind::State;
  std::uint32_t id = 0;  ///< Container, state, transition, node or edge id; unused for symbols.
  std::string name;      ///< Program, symbol or container name, state label, node label.
  std::string detail;    ///< Node: its kind ("map"); transition: "state 'a' -> state 'b'".
  bool operator==(const PathStep&) const = default;
};

class IrPath {
public:
  IrPath() = default;
  explicit IrPath(std::vector<PathStep> steps) : steps_(std::move(steps)) {}

  [[nodiscard]] const std::vector<PathStep>& steps() const { return steps_; }
  [[nodiscard]] bool empty() const { return steps_.empty(); }

  /// This path with one more step (the receiver is unchanged).
  [[nodiscard]] IrPath operator/(PathStep step) const;
  IrPath& push(PathStep step);
  void pop();

  /// `state 'main' / map 2 'mm' / edge 3`.
  [[nodiscard]] std::string str() const;
  bool operator==(const IrPath&) const = default;

private:
  std::vector<PathStep> steps_;
};

/// `program 'name'`: the whole program (a diagnostic about no part in particular).
PathStep program_step(const Program& program);
/// Steps for the parts of `program` (names read from it; ids that do not exist still name
/// something readable, such as `state 7`).
PathStep symbol_step(const std::string& name);
PathStep container_step(const Program& program, ContainerId id);
PathStep state_step(const Program& program, StateId id);
PathStep transition_step(const Program& program, InterstateEdgeId id);
/// A node of `graph`, whose Access nodes are named after containers of `program`.
PathStep node_step(const Program& program, const Graph& graph, NodeId id);
PathStep edge_step(EdgeId id);

/// The text of one step as it would print at the end of a path.
std::string step_str(const PathStep& step);

/// The graph a path leads into: the state's graph, a map's body, or a graph of a nested
/// program, following every State and scope Node step (a trailing node or edge step names a
/// place inside the graph returned). Nullptr if a step does not resolve.
const Graph* resolve_graph(const Program& program, const IrPath& path);
/// The program a path leads into (`program` itself unless it passes through nested nodes).
const Program* resolve_program(const Program& program, const IrPath& path);

}  // namespace sluice::ir
