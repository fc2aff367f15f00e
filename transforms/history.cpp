#include "transforms/history.h"

#include "transforms/pipeline.h"

namespace sluice::transforms {

void History::push(ir::Program before, RecipeStep step) {
  done_.push_back({std::move(before), std::move(step), {}});
  undone_.clear();
}

ApplyResult History::apply(const Transformation& transformation, const Match& match,
                           const ParamValues& params) {
  ir::Program before = current_;
  ApplyResult result = apply_match(current_, transformation, match, params);
  push(std::move(before), recipe_step(match, result.params));
  return result;
}

Recipe History::apply_pipeline(const std::vector<PipelineStep>& steps, const Registry& registry) {
  ir::Program work = current_;
  const Recipe applied = run_pipeline(work, steps, registry);
  // Re-run step by step so that each application is its own undo entry; replaying the recipe
  // the pipeline produced reproduces the same program (deterministic ids).
  replay(applied, registry);
  return applied;
}

void History::replay(const Recipe& recipe, const Registry& registry) {
  ir::Program check = current_;
  transforms::replay(check, recipe, registry);  // all or nothing before touching the history
  for (const auto& step : recipe.steps) {
    ir::Program before = current_;
    const Match match{step.transformation, step.scope, step.nodes, ""};
    apply_match(current_, registry.get(step.transformation), match, step.params,
                {.verify = false, .recheck_match = false});
    push(std::move(before), step);
  }
}

ir::Program History::preview(const Transformation& transformation, const Match& match,
                             const ParamValues& params) const {
  ir::Program copy = current_;
  apply_match(copy, transformation, match, params);
  return copy;
}

bool History::undo() {
  if (done_.empty()) return false;
  Entry entry = std::move(done_.back());
  done_.pop_back();
  entry.after = std::exchange(current_, std::move(entry.before));
  undone_.push_back(std::move(entry));
  return true;
}

bool History::redo() {
  if (undone_.empty()) return false;
  Entry entry = std::move(undone_.back());
  undone_.pop_back();
  entry.before = std::exchange(current_, std::move(entry.after));
  entry.after = {};
  done_.push_back(std::move(entry));
  return true;
}

Recipe History::recipe() const {
  Recipe out;
  for (const auto& e : done_) out.steps.push_back(e.step);
  return out;
}

}  // namespace sluice::transforms
