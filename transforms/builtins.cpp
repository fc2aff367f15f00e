#include "transforms/builtins.h"

#include "transforms/registry.h"

namespace sluice::transforms {

void register_builtins(Registry& registry) {
  for (auto&& make : {make_expand, make_map_collapse, make_map_expansion, make_map_interchange,
                      make_map_tiling, make_vectorize, make_buffer_reuse, make_dead_dataflow_elimination,
                      make_in_place})
    registry.add(make(), "built-in");
  for (auto&& make : {make_map_fusion}) registry.add(make(), "built-in");
}

}  // namespace sluice::transforms
