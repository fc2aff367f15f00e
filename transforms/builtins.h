#pragma once
/// The built-in catalogue: one factory per transformation (each defined in its own file under
/// local/, layout/, fusion/, global/), and the list `register_builtins` adds.

#include <memory>

#include "transforms/transformation.h"

namespace sluice::transforms {

// Tier 1: expansion and local optimization.
std::shared_ptr<const Transformation> make_expand();
std::shared_ptr<const Transformation> make_local_storage();
std::shared_ptr<const Transformation> make_map_collapse();
std::shared_ptr<const Transformation> make_map_expansion();
std::shared_ptr<const Transformation> make_map_interchange();
std::shared_ptr<const Transformation> make_map_tiling();
std::shared_ptr<const Transformation> make_reduction_split();
std::shared_ptr<const Transformation> make_tasklet_fusion();
std::shared_ptr<const Transformation> make_unroll();
std::shared_ptr<const Transformation> make_vectorize();
std::shared_ptr<const Transformation> make_gpu_map();
// Tier 2: data layout.
std::shared_ptr<const Transformation> make_change_layout();
std::shared_ptr<const Transformation> make_layout_select();
std::shared_ptr<const Transformation> make_transpose_absorb();
// Tier 3: fusion.
std::shared_ptr<const Transformation> make_epilogue_fusion();
std::shared_ptr<const Transformation> make_gemm_horizontal_fusion();
std::shared_ptr<const Transformation> make_map_fusion();
std::shared_ptr<const Transformation> make_normalization_fusion();
std::shared_ptr<const Transformation> make_map_fusion_horizontal();
// Tier 4: global data-movement minimization.
std::shared_ptr<const Transformation> make_buffer_reuse();
std::shared_ptr<const Transformation> make_constant_folding();
std::shared_ptr<const Transformation> make_dead_dataflow_elimination();
std::shared_ptr<const Transformation> make_redundant_copy_elimination();
std::shared_ptr<const Transformation> make_in_place();
std::shared_ptr<const Transformation> make_mixed_precision();
std::shared_ptr<const Transformation> make_recompute_activation();

}  // namespace sluice::transforms
