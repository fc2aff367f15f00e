#pragma once
/// `sluice opt`: applying transformations to a model from the command line. Returns the exit
/// code: 0 success, 1 bad input (diagnostics on stderr; no output file is written or changed).

#include <string>
#include <vector>

#include "tools/transform_flags.h"

namespace sluice::tools {

struct OptFlags {
  std::string model;  ///< ONNX file (imported as `sluice run` does) or *.sluice.json/.txt
  TransformFlags transforms;
  std::string output;  ///< -o: the optimized program (*.sluice.json or *.sluice.txt)
  std::string report;  ///< --report: the before/after report as JSON
  std::string record;  ///< --record: what was applied, as a recipe
  std::vector<std::string> symbol_flags;  ///< -s NAME=VALUE for the report's numbers
};

/// `sluice opt MODEL --pipeline P | --recipe R.json [-o OUT] [--report R.json] [--verify-each]
/// [--record NEW.json] [--plugin LIB.so ...]`: applies, verifies, and prints data movement and
/// FLOPs before and after, per kernel and in total.
int opt(const OptFlags& flags);

}  // namespace sluice::tools
