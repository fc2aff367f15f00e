#pragma once
/// Library nodes with the `blas` implementation as calls to OpenBLAS's CBLAS: MatMul (ONNX
/// semantics: 1-D operands, broadcast batch dimensions) and Gemm (transA/transB, alpha, beta, C
/// broadcast to the output), f32 through cblas_sgemm and f64 through cblas_dgemm. An operand's
/// matrix (its last two dimensions) needs unit stride in its last dimension, or, for an input, in
/// the dimension before (a permuted view, passed transposed); batch dimensions take any strides.

#include <string>

#include "ir/program.h"

namespace sluice::codegen {

/// The C++ statements of one call; throws UserError for an op or dtype BLAS does not cover.
std::string emit_blas_call(const ir::Program& program, const ir::Graph& graph, ir::NodeId node);

}  // namespace sluice::codegen
