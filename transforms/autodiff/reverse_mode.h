#pragma once
/// Reverse-mode automatic differentiation on the IR.
///
/// Given a program at the library level (one state of library nodes, as the frontends import
/// it), the adjoint ("seed") of some of its values and the containers to differentiate with
/// respect to, `append_backward` adds the backward dataflow to the same state: for each forward
/// library node, in reverse topological order, the gradient rule of its op (gradient_builder.h)
/// builds library nodes that compute its inputs' gradient contributions from its outputs'
/// adjoints. An input read by several nodes gets the sum of their contributions. The result is
/// an ordinary program: `expand`, the transformations and the code generators treat the
/// backward nodes like any others.
///
///   BackwardRequest r;
///   r.seeds = {{"logits", "logits_seed"}};           // containers the caller declared
///   r.gradients = {{"fc1_weight", "fc1_weight_grad"}};
///   append_backward(program, r);                      // fc1_weight_grad = d(sum(logits*seed))/dW

#include <map>
#include <string>

#include "ir/program.h"

namespace sluice::autodiff {

struct BackwardRequest {
  /// Value -> the container holding its adjoint (same shape and dtype; declared by the caller).
  std::map<std::string, std::string> seeds;
  /// Container to differentiate with respect to -> the container that receives its gradient
  /// (declared by the caller, same shape and dtype). A container no seeded value depends on
  /// gets a gradient of zeros.
  std::map<std::string, std::string> gradients;
};

/// Appends the backward pass. Throws UserError (and leaves `program` as it was) for a program
/// that is not one state of library nodes, for a seed or gradient that does not name a float
/// container of the right shape, and for ops without a gradient rule: every such op and the
/// nodes that use it, in one message.
void append_backward(ir::Program& program, const BackwardRequest& request);

}  // namespace sluice::autodiff
