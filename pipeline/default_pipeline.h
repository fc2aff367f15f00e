#pragma once
/// The transformations `CompiledModel` applies when the caller names none (CompileOptions::
/// pipeline): choose each library node's implementation (BLAS for f32/f64 contractions), fuse
/// the element-wise chains between contractions, fuse each normalization's maps into one pass
/// over its rows, turn the remaining transposes and reshapes into views, drop what nobody reads. samples/recipes/default.pipeline holds the same text for the
/// CLI and scripts (a pipeline test keeps the two equal).

#include <string_view>

namespace sluice::pipeline {

inline constexpr std::string_view kDefaultPipeline =
    "expand,map-fusion,normalization-fusion,redundant-copy-elimination,dead-dataflow-elimination";

}  // namespace sluice::pipeline
