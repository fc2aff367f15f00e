#pragma once
/// A training step as one program: forward, loss, backward and optimizer update.
///
///   TrainingOptions t;                       // cross entropy on the first output, AdamW
///   frontends::Model step = training_step(frontends::import_onnx_file(path, {.keep_parameters =
///   true}), t);
///   CompiledModel m = CompiledModel::from_model(std::move(step));
///   m.run({{"x", x}, {"target", labels}});   // -> {"loss": ...}; parameters updated in place
///
/// The program has two states. "main" is the imported forward dataflow, a loss library node
/// (`SoftmaxCrossEntropyLoss` over the class axis, or `MSELoss`) writing the `loss` output, and
/// the backward pass (transforms/autodiff) seeded with d loss = 1. "update" counts the step and
/// applies one optimizer node (`SgdUpdate`, `AdamUpdate`, `AdamWUpdate`) per parameter. The
/// parameters and the optimizer state are buffers the model owns (its constants), so they persist
/// from one run to the next; `CompiledModel::parameters` reads them. The gradients are
/// transients `<parameter>_grad`: written by the backward, read by the update, and sharing
/// memory with the other intermediates.

#include <optional>
#include <string>
#include <string_view>

#include "frontends/onnx/onnx_importer.h"

namespace sluice::pipeline {

inline constexpr std::string_view kTargetInput = "target";
inline constexpr std::string_view kLossOutput = "loss";

struct TrainingOptions {
  std::string loss = "cross_entropy";  ///< or "mse"
  std::string output;                  ///< the model output the loss reads; empty: the first
  std::string optimizer = "adamw";     ///< "sgd", "adam" or "adamw"
  double lr = 1e-3;
  double momentum = 0.9;  ///< sgd
  double beta1 = 0.9;     ///< adam, adamw
  double beta2 = 0.999;
  double epsilon = 1e-8;
  std::optional<double> weight_decay;  ///< default: 0.01 for adamw, 0 otherwise
  /// "f32", or "bf16"/"f16": the step gets the `mixed-precision{dtype=...}` transformation
  /// (activations and their gradients stored in 16 bits; weights, optimizer state, gradients
  /// the optimizer reads and the loss stay f32).
  std::string precision = "f32";
};

/// The training-step model: inputs are the model's inputs and `target` (class indices, i64,
/// shaped like the output without its class axis, for cross entropy; the output's shape for
/// mse); the one output is `loss`. Import with `keep_parameters`. Throws UserError for an unknown
/// loss, optimizer, precision or output, an output the loss cannot read, a model without
/// parameters, or ops without a gradient rule.
frontends::Model training_step(frontends::Model model, const TrainingOptions& options);

}  // namespace sluice::pipeline
