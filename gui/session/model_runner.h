#pragma once
/// Compile and run for the run panel: the model the session opened, once unoptimized and once
/// with the session's recipe, through the CPU pipeline (pipeline/compiled_model.h), on the same
/// random inputs; per-kernel times of the optimized one and the largest difference of outputs.
/// Blocking: the run panel calls it off the GUI thread (QtConcurrent).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "transforms/recipe.h"

namespace sluice::gui {

struct RunRequest {
  std::string model_path;  ///< An ONNX model.
  transforms::Recipe recipe;
  std::uint64_t seed = 0;
  int repeats = 3;  ///< Timed runs of the optimized program.
};

struct KernelSeconds {
  std::string kernel;
  double seconds = 0.0;  ///< Per run.
};

struct RunReport {
  bool ok = false;
  std::string diagnostic;  ///< The compile or run failure, when not ok.
  std::vector<KernelSeconds> kernel_times;
  double max_error = 0.0;  ///< Over every float output element, absolute.
  double compile_seconds = 0.0;
  std::uint64_t seed = 0;
};

/// `progress(step, steps, what)` before each stage.
using RunProgress = std::function<void(int, int, const std::string&)>;

/// Never throws: failures become `diagnostic`.
RunReport compile_and_compare(const RunRequest& request, const RunProgress& progress = {});

}  // namespace sluice::gui
