#pragma once
/// Giving one transient's memory to another (buffer-reuse, in-place): the later container
/// becomes a Reshape View of the earlier one, so the code generator allocates one buffer.

#include <set>
#include <vector>

#include "ir/program.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

/// Why `later` cannot alias `earlier`'s memory as a container (dtype, element count, kinds,
/// lifetimes); empty when it can. Says nothing about when the two are used.
std::string alias_refusal(const ir::Program& program, ir::ContainerId earlier,
                          ir::ContainerId later);

/// Makes `later` a Reshape View of `earlier` (same dtype and element count).
void alias_memory(Rewriter& rewriter, ir::ContainerId earlier, ir::ContainerId later);

/// The top-level nodes of `graph` that read or write `container` (through an Access node of it
/// or of a View of it), in id order.
std::vector<ir::NodeId> users(const ir::Program& program, const ir::Graph& graph,
                              ir::ContainerId container);

/// Every node reachable from `from` along edges (not including `from`).
std::set<ir::NodeId> descendants(const ir::Graph& graph, ir::NodeId from);

/// Containers that some View aliases (directly).
std::set<ir::ContainerId> viewed(const ir::Program& program);

}  // namespace sluice::transforms
