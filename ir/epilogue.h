#pragma once
/// Epilogues of contractions: element-wise code a MatMul or Gemm library node applies to each
/// element of its result before it stores it (transforms/fusion/epilogue_fusion.cpp makes them).
///
/// Representation, on the library node:
///  - the attribute `epilogue` (a string) holds tasklet code that reads `acc`, the contraction's
///    value at an output element, and `epi0`, `epi1`, ..., and assigns the stored value to `y`:
///    `let t: f32 = acc + epi0;\ny = 0.5 * t * (1.0 + erf(t * 0.7071067811865476));`
///  - each `epi<k>` is also an input connector, fed by an edge that carries a whole container
///    read broadcast against the output (right-aligned, as ONNX broadcasts; a dimension of
///    constant extent 1 reads index 0): a bias [N] under an output [M, N], a residual [M, N].
///
/// Every implementation computes the same thing: `pure` expands into the contraction into a
/// transient, then one element-wise map of the epilogue; `blas` (codegen/cpu/blas_calls.cpp)
/// applies it to each panel of rows right after the GEMM that computed it. A bias broadcast
/// along rows followed by GeLU/ReLU is what cuBLASLt's epilogues (CUBLASLT_EPILOGUE_BIAS,
/// _GELU_BIAS, _RELU_BIAS) compute, so a CUDA generator can pass such an epilogue to
/// cublasLtMatmul by recognizing the code, and run any other one as a kernel after it.

#include <string>
#include <string_view>

#include "ir/graph.h"

namespace sluice::ir {

inline constexpr std::string_view kEpilogueAttribute = "epilogue";
inline constexpr std::string_view kEpilogueValue = "acc";  ///< The contraction's value.
inline constexpr std::string_view kEpilogueResult = "y";   ///< What is stored.
inline constexpr std::string_view kEpilogueInputPrefix = "epi";

/// `epi<k>`: an input connector of an epilogue.
inline bool is_epilogue_connector(std::string_view name) {
  if (name.size() <= kEpilogueInputPrefix.size() || !name.starts_with(kEpilogueInputPrefix))
    return false;
  return name.find_first_not_of("0123456789", kEpilogueInputPrefix.size()) == std::string::npos;
}

inline std::string epilogue_connector(std::size_t k) {
  return std::string(kEpilogueInputPrefix) + std::to_string(k);
}

/// The epilogue code of a library node, or nullptr when it has none (or it is not a string,
/// which the verifier reports).
inline const std::string* epilogue_code(const LibraryNode& lib) {
  const auto it = lib.attributes.find(std::string(kEpilogueAttribute));
  return it == lib.attributes.end() ? nullptr : std::get_if<std::string>(&it->second);
}

}  // namespace sluice::ir
