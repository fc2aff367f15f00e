#pragma once
/// FLOP counts: floating-point (and integer arithmetic) operations a node or program performs.
///
/// Counting rules:
///  - A tasklet performs `count_flops(code)` (see ir/tasklet.h) per execution, plus one per
///    element it writes through a memlet with write-conflict resolution (the combining `+`,
///    `max`, ... is work too: a matmul map `c = a * b` with `wcr=sum` counts 2*M*N*K). The same
///    wcr rule holds for library nodes and copies; a map's own boundary memlets add nothing
///    (its body's memlets already did).
///  - A map executes its body once per point of its parameter ranges (product of the ranges'
///    sizes), recursively through nested maps.
///  - A nested program counts its whole program, with the node's symbol mapping substituted.
///  - A library node counts by the formula for its op, from the shapes of its connected memlets'
///    subsets (inputs in connector order A, B, C...; outputs likewise):
///      MatMul: 2 * numel(Y) * K, K the last dim of input 0 (batched matmuls included).
///      Gemm: 2 * M * N * K (+ M * N with a bias input 2), K from input 0 and attribute transA.
///      Conv: 2 * numel(Y) * numel(W) / W.dims[0] (+ numel(Y) with a bias input 2).
///      Element-wise (Add, Sub, Mul, Div, Relu, Exp, Tanh, Sigmoid, Max, Min, ...): 1 per output
///      element; Gelu 5, Dropout 2, Clip 2, LeakyRelu 2, PRelu 2.
///      Normalizations: Softmax 5, LogSoftmax 5, LayerNormalization 8, BatchNormalization 4
///      per output element.
///      Reductions (ReduceSum, ReduceMean, ReduceMax, ...): 1 per input element; ReduceSumSquare
///      and ReduceL2 2.
///      Pure data movement (Identity, Transpose, Reshape, Concat, Gather, Cast, ...): 0.
///    Any other op, or a formula whose memlets are missing, counts 0 and is reported unknown.
///  - States count once each (loops are not multiplied by their trip counts).

#include <string>
#include <vector>

#include "ir/analysis/data_movement.h"
#include "ir/expr.h"
#include "ir/program.h"

namespace sluice::ir::analysis {

struct FlopCount {
  Expr flops;
  /// Ops of library nodes that had no formula (sorted, unique); the count leaves them out.
  std::vector<std::string> unknown_ops;
  [[nodiscard]] bool unknown() const { return !unknown_ops.empty(); }
};

/// FLOPs of one execution of a node of `graph` (a map: all its iterations).
FlopCount node_flops(const Program& program, const Graph& graph, NodeId node);
/// FLOPs of one library node from its op's formula.
FlopCount library_flops(const Program& program, const Graph& graph, NodeId node);
/// FLOPs of a kernel (a copy: its wcr combinations, if any).
FlopCount kernel_flops(const Program& program, const KernelRef& kernel);
/// FLOPs of a whole graph, a state, or the program.
FlopCount graph_flops(const Program& program, const Graph& graph);
FlopCount program_flops(const Program& program);

}  // namespace sluice::ir::analysis
