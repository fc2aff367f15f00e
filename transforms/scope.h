#pragma once
/// Scopes: the dataflow graphs a transformation looks into, named by stable ids.
///
/// A scope is a state's graph, or the body of a map inside it (a path of map node ids from the
/// state's graph inward). Matches and recipe steps name their nodes within a scope, so a recipe
/// written today still names the same nodes when it is replayed on the same input.

#include <functional>
#include <string>
#include <vector>

#include "ir/ir_path.h"
#include "ir/program.h"

namespace sluice::transforms {

struct Scope {
  ir::StateId state;
  std::vector<ir::NodeId> maps;  ///< Map nodes from the state's graph inward; empty: the state.
  auto operator<=>(const Scope&) const = default;
};

/// The graph a scope names, or nullptr when a step does not resolve (a removed node).
const ir::Graph* resolve(const ir::Program& program, const Scope& scope);
ir::Graph* resolve(ir::Program& program, const Scope& scope);

/// Every scope of the top-level control flow: each state's graph (state id order), then the
/// bodies of its maps, depth first in node id order. Nested programs are not entered.
void for_each_scope(const ir::Program& program,
                    const std::function<void(const Scope&, const ir::Graph&)>& visit);

/// `state 'main' / map 4 'mm'`: for diagnostics.
ir::IrPath scope_path(const ir::Program& program, const Scope& scope);
/// `state 'main' / map 4 'mm' / node 7 'add' (map)`.
std::string node_location(const ir::Program& program, const Scope& scope, ir::NodeId node);

}  // namespace sluice::transforms
