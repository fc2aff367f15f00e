#pragma once
/// Small queries and rewrites on maps that several transformations share.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/program.h"

namespace sluice::transforms {

/// Replaces symbols (map parameters) by expressions everywhere in a graph: memlet subsets and
/// volumes, nested map ranges, and the tasklet code that reads them. Nested maps that rebind a
/// replaced name keep their own.
void substitute_in_graph(ir::Graph& graph, const std::map<std::string, ir::Expr>& replacements);

/// The maps directly inside a body, in id order.
std::vector<ir::NodeId> inner_maps(const ir::Graph& body);

/// Every memlet with write-conflict resolution in a body, recursively.
std::vector<const ir::Memlet*> conflicting_writes(const ir::Graph& body);

/// The map's only inner map when its body is exactly Access nodes and that map (the shape
/// map-collapse takes and map-expansion makes).
std::optional<ir::NodeId> sole_inner_map(const ir::Graph& body);

/// `i` is free in `expr`.
bool mentions(const ir::Expr& expr, const std::string& name);
bool mentions(const ir::Subset& subset, const std::string& name);

}  // namespace sluice::transforms

namespace sluice::transforms {

/// A new body for `map` (a node of `parent`) that holds `inner` between Access nodes of the
/// map's containers: each edge between them carries the subset (and write-conflict resolution)
/// of the map's own boundary edge in `parent`, a superset of what `inner` touches in one
/// iteration. `inner` keeps its own body. Used by map-expansion and map-tiling.
ir::Graph wrap_in_body(const ir::Program& program, const ir::Graph& parent, ir::NodeId map,
                       ir::MapNode inner);

/// A name based on `base` that is neither a program symbol nor in `taken`.
std::string fresh_name(const ir::Program& program, const std::set<std::string>& taken,
                       const std::string& base);

}  // namespace sluice::transforms
