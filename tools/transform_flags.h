#pragma once
/// The transformation flags that `sluice opt`, `sluice run` and `sluice transforms` share:
/// plugins to load (`--plugin`), and a pipeline (`--pipeline`) or a recipe (`--recipe`) to
/// apply to a program, with progress on stderr while it runs.
///
///   const PreparedTransforms t = prepare_transforms(flags);   // plugins, parse: fails early
///   const transforms::Recipe applied = t.apply(program);       // all or nothing

#include <cstddef>
#include <string>
#include <vector>

#include "ir/program.h"
#include "transforms/pipeline.h"
#include "transforms/recipe.h"

namespace sluice::tools {

struct TransformFlags {
  std::string pipeline;              ///< Textual pipeline (transforms/pipeline.h).
  std::string recipe;                ///< Recipe file (JSON).
  std::vector<std::string> plugins;  ///< Shared libraries to load first.
  bool verify_each = false;          ///< Verify after every application.
};

/// Loads each plugin into the global registry; a UserError names the one that fails.
void load_plugins(const std::vector<std::string>& paths);

/// A parsed pipeline or a loaded recipe, ready to apply.
struct PreparedTransforms {
  std::vector<transforms::PipelineStep> pipeline;  ///< Empty when a recipe is given.
  transforms::Recipe recipe;
  std::string source;  ///< "pipeline 'a,b'" or "recipe 'r.json'", for messages.
  bool verify_each = false;

  /// Whether there is anything to apply.
  [[nodiscard]] bool empty() const { return pipeline.empty() && recipe.steps.empty(); }
  /// Applies the pipeline or replays the recipe on `program` (all or nothing: on a UserError
  /// the program is unchanged). Returns what was applied, as a recipe; `per_step`, when given,
  /// receives the number of applications of each pipeline step. Prints progress to stderr when
  /// the work takes longer than a second.
  transforms::Recipe apply(ir::Program& program, std::vector<std::size_t>* per_step = nullptr) const;
};

/// Loads the plugins, then parses the pipeline or loads the recipe (not both: a UserError).
PreparedTransforms prepare_transforms(const TransformFlags& flags);

}  // namespace sluice::tools
