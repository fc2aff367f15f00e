#include "ir/program.h"

namespace sluice::ir {

std::optional<ContainerId> Program::find_container(std::string_view name) const {
  for (ContainerId id : containers.ids())
    if (containers[id].name == name) return id;
  return std::nullopt;
}

std::optional<StateId> Program::find_state(std::string_view label) const {
  for (StateId id : states.ids())
    if (states[id].label == label) return id;
  return std::nullopt;
}

std::vector<InterstateEdgeId> Program::out_interstate_edges(StateId state) const {
  std::vector<InterstateEdgeId> out;
  for (InterstateEdgeId id : interstate_edges.ids())
    if (interstate_edges[id].src == state) out.push_back(id);
  return out;
}

std::vector<ContainerId> Program::arguments() const {
  std::vector<ContainerId> out;
  for (ContainerId id : containers.ids())
    if (!containers[id].transient) out.push_back(id);
  return out;
}

}  // namespace sluice::ir
