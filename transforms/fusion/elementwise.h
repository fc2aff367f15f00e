#pragma once
/// Element-wise maps: the producers that map-fusion inlines and the copies that
/// redundant-copy-elimination turns into views.
///
/// A top-level map is element-wise when its body is one tasklet (plus Access nodes) that writes
/// one container X, without write-conflict resolution, at `X[p_s(0), ..., p_s(n-1)]`: one
/// parameter per dimension, each sweeping `0:shape` with step 1, so every element of X is
/// written exactly once and the value at an index is the tasklet evaluated at the matching
/// parameters.

#include <string>
#include <variant>
#include <vector>

#include "ir/program.h"

namespace sluice::transforms {

struct ElementwiseMap {
  ir::NodeId tasklet;                   ///< In the map's body.
  ir::EdgeId body_output;               ///< Body edge tasklet -> X.
  std::vector<ir::EdgeId> body_inputs;  ///< Body edges into the tasklet that carry data.
  ir::ContainerId data;                 ///< X.
  std::vector<std::string> dim_param;   ///< The parameter that indexes each dimension of X.
  ir::EdgeId output;                    ///< The top-level edge map -> Access node of X.
  ir::NodeId access;                    ///< That Access node.
};

/// The analysis of top-level map `map` of `graph`, or why it is not element-wise (a sentence
/// naming the map: "'relu' holds a nested map").
std::variant<ElementwiseMap, std::string> analyze_elementwise(const ir::Program& program,
                                                              const ir::Graph& graph,
                                                              ir::NodeId map);

/// True when the tasklet only moves its one input to its output (`y = a;`).
bool is_copy(const ir::MapNode& map, const ElementwiseMap& info);

}  // namespace sluice::transforms
