#pragma once
/// The `sluice` subcommands that take a model through the CPU path (pipeline/compiled_model.h).
/// Each returns the process exit code: 0 success, 1 bad input (diagnostics on stderr).

#include <string>

#include "tools/transform_flags.h"

namespace sluice::tools {

struct RunFlags {
  std::string model;
  std::string inputs;       ///< .npz, one array per graph input keyed by input name
  std::string output_file;  ///< .npz, one array per graph output keyed by output name
  /// --pipeline / --recipe / --plugin / --verify-each: applied to the imported program before
  /// code generation, instead of the default pipeline (pipeline/default_pipeline.h).
  TransformFlags transforms;
  std::string target = "cpu";
  bool profile = false;     ///< print per-kernel times
  int repeat = 1;
};

/// `sluice run MODEL.onnx --inputs IN.npz --output-file OUT.npz`.
int run_model(const RunFlags& flags);
/// `sluice compile MODEL.onnx --emit DIR`: writes the imported and expanded programs and the
/// generated C++ into DIR, compiles it, and prints where everything is and how long it took.
int compile_model(const std::string& model, const std::string& emit_dir, const std::string& target);

/// The main job: imports the embedded sample model (samples/models/tiny_transformer.onnx),
/// compiles it, runs it on random tokens, and prints the outputs' summary, timing, and the
/// data-movement report of the compiled program (`json`: the report as JSON).
int demo_model(bool json);

}  // namespace sluice::tools
