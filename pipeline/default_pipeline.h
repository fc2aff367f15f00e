#pragma once
/// The transformations `CompiledModel` applies when the caller names none (CompileOptions::
/// pipeline): choose each library node's implementation (BLAS for f32/f64 contractions), make
/// the transposes and reshapes that only contractions read views the BLAS calls read, fuse the
/// element-wise chains between contractions, fuse each normalization's maps into one pass over
/// its rows, turn the remaining relayouts into views, drop what nobody reads, and let
/// intermediates share memory (in place, then by liveness) so a forward touches less of it.
/// samples/recipes/default.pipeline holds the same text for the CLI and scripts (a pipeline test
/// keeps the two equal).

#include <string_view>

namespace sluice::pipeline {

inline constexpr std::string_view kDefaultPipeline =
    "expand,redundant-copy-elimination{library_readers=true},map-fusion,normalization-fusion,"
    "redundant-copy-elimination,dead-dataflow-elimination,in-place,buffer-reuse";

}  // namespace sluice::pipeline
