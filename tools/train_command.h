#pragma once
/// `sluice train`: a training loop over a training-step program (pipeline/training_model.h).

#include <string>

#include "pipeline/training_model.h"
#include "tools/transform_flags.h"

namespace sluice::tools {

struct TrainFlags {
  std::string model;
  std::string data;  ///< .npz: one array per graph input and `target`, samples along axis 0
  int steps = 100;
  int batch_size = 0;  ///< samples per step when the model's batch is symbolic (0: all)
  std::string save;    ///< write the trained model here (ONNX), when given
  int log_every = 0;   ///< print the loss every this many steps (0: ten times in all)
  pipeline::TrainingOptions training;
  /// --pipeline / --recipe / --plugin / --verify-each: applied to the training-step program
  /// instead of the default pipeline.
  TransformFlags transforms;
};

/// `sluice train MODEL.onnx --data DATA.npz --steps N [--loss L] [--optimizer O] [--lr X]
/// [--save OUT.onnx]`: compiles the training step, runs it on successive batches with a progress
/// bar on stderr, prints the loss, and saves the trained initializers. Returns the exit code.
int train_model(const TrainFlags& flags);

}  // namespace sluice::tools
