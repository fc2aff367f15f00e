#pragma once
/// The vector-Jacobian product of an imported model, as one model (forward + backward).
///
///   frontends::Model m = with_gradients(frontends::import_onnx_file(path, {.keep_parameters =
///   true}));
///   // inputs:  x, logits@seed            outputs: logits, fc_weight@grad, x@grad, ...
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

/// Appends the backward pass (transforms/autodiff) to the imported program and extends the
/// model's inputs and outputs as above. Import with `keep_parameters` so that parameters are
/// program values; a parameter that the program does not read gets no gradient. Throws
/// UserError (naming the ops without a gradient rule) when the model cannot be differentiated.
frontends::Model with_gradients(frontends::Model model);

/// The model with its parameters as inputs (after the graph inputs, by ONNX name) instead of
/// constants: the caller passes (and owns) their values.
frontends::Model parameters_as_inputs(frontends::Model model);

}  // namespace sluice::pipeline
