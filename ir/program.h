#pragma once
/// A Sluice program: containers, symbols, and a control flow of states.
///
/// `Program` is a value: copying it makes an independent snapshot (undo, previews and
/// differential tests rely on that). The control flow is a graph of states joined by interstate
/// edges (an optional condition over symbols, symbol assignments); execution starts at
/// `start_state` and follows the first edge, in id order, whose condition holds.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ir/data.h"
#include "ir/graph.h"
#include "ir/tasklet.h"

namespace sluice::ir {

struct State {
  std::string label;
  Graph graph;
  bool operator==(const State&) const = default;
};

struct InterstateEdge {
  StateId src;
  StateId dst;
  std::optional<TaskletExpr> condition;  ///< Unconditional when absent.
  std::vector<std::pair<std::string, Expr>> assignments;  ///< Symbol := expression, in order.
  bool operator==(const InterstateEdge&) const = default;
};

struct Program {
  std::string name;
  std::map<std::string, DType> symbols;  ///< Free symbols (shape sizes, loop counters).
  Arena<ContainerId, Container> containers;
  Arena<StateId, State> states;
  Arena<InterstateEdgeId, InterstateEdge> interstate_edges;
  StateId start_state;

  /// The container with this name, if any (names are unique; the verifier checks it).
  [[nodiscard]] std::optional<ContainerId> find_container(std::string_view name) const;
  /// The state with this label, if any.
  [[nodiscard]] std::optional<StateId> find_state(std::string_view label) const;
  /// Interstate edges leaving `state`, in id order.
  [[nodiscard]] std::vector<InterstateEdgeId> out_interstate_edges(StateId state) const;
  /// Non-transient containers in id order: the program's arguments.
  [[nodiscard]] std::vector<ContainerId> arguments() const;

  bool operator==(const Program&) const = default;
};

}  // namespace sluice::ir
