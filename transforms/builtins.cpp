#include "transforms/builtins.h"

#include "transforms/registry.h"

namespace sluice::transforms {

void register_builtins(Registry& registry) {
  // Tier 1, 2, 3, 4; the registry lists them by tier and name whatever the order here.
  for (auto&& make : {make_expand,
                      make_gpu_map,
                      make_local_storage,
                      make_map_collapse,
                      make_map_expansion,
                      make_map_interchange,
                      make_map_tiling,
                      make_reduction_split,
                      make_tasklet_fusion,
                      make_unroll,
                      make_vectorize,
                      make_change_layout,
                      make_layout_select,
                      make_transpose_absorb,
                      make_epilogue_fusion,
                      make_gemm_horizontal_fusion,
                      make_map_fusion,
                      make_map_fusion_horizontal,
                      make_buffer_reuse,
                      make_constant_folding,
                      make_dead_dataflow_elimination,
                      make_in_place})
    registry.add(make(), "built-in");
  for (auto&& make : {make_normalization_fusion, make_redundant_copy_elimination,
                      make_recompute_activation, make_mixed_precision})
    registry.add(make(), "built-in");
}

}  // namespace sluice::transforms
