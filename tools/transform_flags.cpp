#include "tools/transform_flags.h"

#include <chrono>
#include <iostream>

#include "ir/diagnostic.h"
#include "ir/verifier.h"
#include "transforms/plugin_loader.h"
#include "transforms/registry.h"

namespace sluice::tools {

namespace {

using Clock = std::chrono::steady_clock;

/// Progress lines on stderr, at most one a second, once the work has run for a second.
class Progress {
public:
  void report(const std::string& line) {
    const auto now = Clock::now();
    if (now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    std::cerr << "sluice: " << line << " ("
              << std::chrono::duration<double>(now - start_).count() << " s)\n";
  }

private:
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = start_;
};

}  // namespace

void load_plugins(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) transforms::load_plugin(path);
}

PreparedTransforms prepare_transforms(const TransformFlags& flags) {
  if (!flags.pipeline.empty() && !flags.recipe.empty())
    throw UserError("--pipeline/--recipe", "give a pipeline or a recipe, not both");
  load_plugins(flags.plugins);
  PreparedTransforms prepared;
  prepared.verify_each = flags.verify_each;
  if (!flags.pipeline.empty()) {
    prepared.pipeline =
        transforms::parse_pipeline(flags.pipeline, transforms::Registry::global());
    prepared.source = "pipeline '" + flags.pipeline + "'";
  } else if (!flags.recipe.empty()) {
    prepared.recipe = transforms::load_recipe(flags.recipe);
    // Unknown transformations are reported now, before a model is imported.
    for (std::size_t i = 0; i < prepared.recipe.steps.size(); ++i) {
      const auto& name = prepared.recipe.steps[i].transformation;
      if (transforms::Registry::global().find(name) == nullptr) {
        try {
          (void)transforms::Registry::global().get(name);
        } catch (const UserError& e) {
          throw UserError(flags.recipe + ": step " + std::to_string(i + 1),
                          e.diagnostics().front().message +
                              " (a plugin's transformation needs --plugin)");
        }
      }
    }
    prepared.source = "recipe '" + flags.recipe + "'";
  }
  return prepared;
}

transforms::Recipe PreparedTransforms::apply(ir::Program& program,
                                             std::vector<std::size_t>* per_step) const {
  Progress progress;
  const auto& registry = transforms::Registry::global();
  if (!pipeline.empty()) {
    transforms::PipelineOptions options;
    options.verify_each = verify_each;
    std::vector<std::size_t> counts(pipeline.size(), 0);
    options.progress = [&](std::size_t step, std::string_view name, std::size_t applied) {
      counts[step] = applied;
      progress.report("pipeline step " + std::to_string(step + 1) + " of " +
                      std::to_string(pipeline.size()) + " (" + std::string(name) + "): " +
                      std::to_string(applied) + " applied");
    };
    transforms::Recipe applied = transforms::run_pipeline(program, pipeline, registry, options);
    if (per_step != nullptr) *per_step = std::move(counts);
    return applied;
  }
  transforms::ReplayOptions options;
  options.verify_each = verify_each;
  options.progress = [&](std::size_t index, std::size_t count, const transforms::RecipeStep& s) {
    progress.report("recipe step " + std::to_string(index + 1) + " of " + std::to_string(count) +
                    " (" + s.transformation + ")");
  };
  ir::Program work = program;
  transforms::replay(work, recipe, registry, options);
  if (!verify_each) {
    // Replay verified nothing; the result must still be a valid program.
    const auto diagnostics = ir::verify(work);
    if (!diagnostics.empty()) {
      Diagnostic head{Severity::Error, source,
                      "gave an invalid program; nothing was changed (--verify-each finds the "
                      "step)",
                      {}};
      for (const auto& d : diagnostics) head.notes.push_back(d.location + ": " + d.message);
      throw UserError(head);
    }
  }
  program = std::move(work);
  return recipe;
}

}  // namespace sluice::tools
