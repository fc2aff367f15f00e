#pragma once
/// The vector-Jacobian product of an imported model, as one model (forward + backward).
///
///   frontends::Model m = with_gradients(frontends::import_onnx_file(path, {.keep_parameters =
///   true}));
///   // inputs:  x, logits@seed            outputs: logits, fc_weight@grad, x@grad, ...
///
/// Or split in two programs at the seam `append_backward` leaves (`split_gradients`): a forward
/// that also returns the forward values the backward reads, and a backward that takes them:
///
///   forward   inputs: x                    outputs: logits, h@saved, ...
///   backward  inputs: x, logits@seed, h@saved, logits@saved, ...   outputs: fc_weight@grad, ...
///
/// A training step runs each once; nothing of the forward is computed twice. Which forward
/// values are stored is explicit: the `@saved` values, exactly the forward containers that
/// backward nodes read (cheap statistics and dropout masks are recomputed by the gradient ops,
/// transforms/autodiff/README.md).
///
/// For loss = sum over the float outputs of (output * seed), the gradient model returns, besides
/// the outputs, d loss / d v for every float parameter (initializer) and every float graph input
/// v. Seeds and gradients are keyed by the ONNX name with a suffix, `kSeedSuffix` and
/// `kGradSuffix`, so the CLI and Python can file them apart (`sluice grad`).

#include <string>
#include <string_view>

#include "frontends/onnx/onnx_importer.h"

namespace sluice::pipeline {

inline constexpr std::string_view kSeedSuffix = "@seed";
inline constexpr std::string_view kGradSuffix = "@grad";
inline constexpr std::string_view kSavedSuffix = "@saved";

/// Appends the backward pass (transforms/autodiff) to the imported program and extends the
/// model's inputs and outputs as above. Import with `keep_parameters` so that parameters are
/// program values; a parameter that the program does not read gets no gradient. Throws
/// UserError (naming the ops without a gradient rule) when the model cannot be differentiated.
frontends::Model with_gradients(frontends::Model model);

/// A forward value the backward reads.
struct SavedValue {
  std::string name;            ///< the backward's input: `<container>@saved` (`<output>@saved`)
  std::string forward_output;  ///< the forward's output holding it: `name`, or the model
                               ///< output's own name when the value is one
  std::string container;
};

/// The gradient model as two programs, composed by passing each saved value from the forward's
/// output to the backward's input.
struct SplitGradients {
  /// The model's inputs; its outputs, then one `<container>@saved` per saved value that is not
  /// an output (those containers are no longer transient, so no buffer reuse overwrites them).
  frontends::Model forward;
  /// Inputs: the graph inputs (and parameters, when inputs) the backward reads, one seed per
  /// float output, the saved values; outputs: the gradients, as `with_gradients` names them. It
  /// holds only the nodes `append_backward` added.
  frontends::Model backward;
  std::vector<SavedValue> saved;  ///< in container order
};

/// `with_gradients`, split: the forward part is the program's nodes before `append_backward`,
/// the backward part the nodes it added; saved = forward-written containers backward nodes read.
/// A relayout (Transpose, Reshape, ...) of parameters, inputs or constants that the backward
/// reads is recomputed there instead (the node is in both programs): stored, it would make the
/// forward materialize what it reads as a view.
SplitGradients split_gradients(frontends::Model model);

/// The model with its parameters as inputs (after the graph inputs, by ONNX name) instead of
/// constants: the caller passes (and owns) their values.
frontends::Model parameters_as_inputs(frontends::Model model);

}  // namespace sluice::pipeline
