#pragma once
/// Pipelines: the textual spelling of a sequence of transformations, shared by the CLI, Python,
/// the GUI and the tests.
///
///   expand{impl=pure},map-fusion,dead-dataflow-elimination
///
/// Each step names a transformation and optionally sets parameters in braces; a value holding
/// ',', '}' or spaces is written in double quotes (`change-layout{order="1,0"}`). Running a step
/// applies it everywhere it matches: a transformation that `repeat_to_fixpoint`s (fusion) is
/// re-matched after each application until nothing matches; any other applies each of its
/// original matches that still holds, once. What was applied comes back as a recipe.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/program.h"
#include "transforms/recipe.h"
#include "transforms/registry.h"

namespace sluice::transforms {

struct PipelineStep {
  std::string transformation;
  ParamValues params;  ///< As written; completed with defaults when run.
  bool operator==(const PipelineStep&) const = default;
};

/// Parses a pipeline, checking names and parameters against `registry`. A syntax error, an
/// unknown transformation or parameter, or a value of the wrong type is a UserError naming the
/// column ("pipeline:1:12: unknown transformation 'map-fuse'").
std::vector<PipelineStep> parse_pipeline(std::string_view text, const Registry& registry);
/// The canonical spelling (parameters in name order).
std::string pipeline_str(const std::vector<PipelineStep>& steps);

struct PipelineOptions {
  bool verify_each = false;  ///< Verify after every application (the end is always verified).
  /// Upper bound on applications of one step (a fixpoint that never settles is a bug).
  std::size_t max_applications = 100000;
  /// Called after each application: (step index, transformation name, applications so far).
  std::function<void(std::size_t, std::string_view, std::size_t)> progress;
};

/// Runs the steps on `program`, all or nothing; returns the recipe of what was applied.
Recipe run_pipeline(ir::Program& program, const std::vector<PipelineStep>& steps,
                    const Registry& registry, const PipelineOptions& options = {});

}  // namespace sluice::transforms
