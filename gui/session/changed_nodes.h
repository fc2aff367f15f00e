#pragma once
/// The nodes a step changed, from the rewriter's edit log: what the graph view highlights in a
/// preview.

#include <vector>

#include "ir/program.h"
#include "transforms/rewriter.h"

namespace sluice::gui {

struct NodeRef {
  transforms::Scope scope;
  ir::NodeId node;
  auto operator<=>(const NodeRef&) const = default;
};

/// Added, replaced and removed nodes; the endpoints of edges added, removed or given a new
/// memlet (looked up in `after`, else in `before`); the Access nodes of changed containers.
/// Sorted, without repeats.
std::vector<NodeRef> changed_nodes(const ir::Program& before, const ir::Program& after,
                                   const std::vector<transforms::Edit>& edits);

}  // namespace sluice::gui
