#pragma once
/// `sluice grad`: the vector-Jacobian product of an ONNX model (pipeline/gradient_model.h).

#include <string>

#include "tools/transform_flags.h"

namespace sluice::tools {

struct GradFlags {
  std::string model;
  std::string inputs;       ///< .npz, one array per graph input keyed by input name
  std::string seed;         ///< .npz, one array per graph output keyed by output name
  std::string output_file;  ///< .npz: one gradient per float initializer and float input
  /// --pipeline / --recipe / --plugin / --verify-each: applied to the forward + backward program
  /// instead of the default pipeline.
  TransformFlags transforms;
  std::string target = "cpu";
};

/// `sluice grad MODEL.onnx --inputs IN.npz --seed SEED.npz --output-file GRADS.npz`: for
/// loss = sum over the outputs of (output * seed), writes d loss / d v for every float
/// initializer and float graph input v, keyed by its ONNX name. Returns the exit code.
int grad_model(const GradFlags& flags);

}  // namespace sluice::tools
