#include "transforms/builtins.h"

#include "transforms/registry.h"

namespace sluice::transforms {

void register_builtins(Registry& registry) {
  for (auto&& make : {make_expand, make_dead_dataflow_elimination})
    registry.add(make(), "built-in");
}

}  // namespace sluice::transforms
