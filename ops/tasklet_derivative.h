#pragma once
/// Symbolic reverse-mode derivative of tasklet code: the building block that autodiff uses for
/// the tasklets inside maps. Given `y = x * exp(x);`, the inputs to differentiate (`x` -> `gx`)
/// and an adjoint per output (`y` -> `gy`), it returns code that reads the forward inputs and
/// the adjoints and assigns the vector-Jacobian product:
///
///   gx = gy * exp(x) + gy * x * exp(x);
///
/// An adjoint or a value that a rule uses twice is bound once to a `let`; the contributions to
/// a name used several times are summed. The forward statements the backward one needs are
/// recomputed as `let`s (outputs included); the rest are dropped. Ops with no derivative (floor,
/// ceil, comparisons, integer ops, indices of subscripts) pass no gradient; `min`/`max` give it to
/// the selected operand (the first on a tie), `select` to the chosen branch.

#include <map>
#include <string>

#include "ir/tasklet.h"

namespace sluice::ops {

/// What to differentiate, and how the result's connectors are called.
struct TaskletDerivativeSpec {
  /// Names the tasklet in errors ("tasklet 'gelu_3'").
  std::string tasklet;
  /// Types of the names the code reads: its input connectors and symbols.
  std::map<std::string, ir::DType> input_types;
  /// Types of the output connectors, when fixed by the node (see `infer_tasklet_types`).
  std::map<std::string, ir::DType> output_types;
  /// Float input connector -> name of the gradient the result assigns (`x` -> `gx`).
  std::map<std::string, std::string> inputs;
  /// Output connector -> name of its adjoint, an input of the result (`y` -> `gy`). An output
  /// without an entry contributes nothing (its adjoint is zero).
  std::map<std::string, std::string> outputs;
};

/// The backward code. It reads the inputs of `code` and the adjoints, and assigns exactly the
/// gradients of `spec.inputs` (each has its input's type; the adjoint of an output has the
/// output's type). Throws `UserError` at "tasklet 'NAME'" for ill-typed code, for a gradient of
/// a name that is not a float input, for a gradient of an input read by subscript (its
/// gradient would be a scatter, which tasklet code cannot write), and for adjoint or gradient
/// names that clash with each other or with names of the code.
ir::TaskletCode differentiate_tasklet(const ir::TaskletCode& code,
                                      const TaskletDerivativeSpec& spec);

}  // namespace sluice::ops
