#pragma once
/// An editing session's history: the program, the steps applied to it, undo and redo, and
/// previews (apply on a copy). The GUI's history panel and Python's `Session` are this.
///
/// Undo and redo keep value snapshots (a Program copy is cheap next to re-running the steps),
/// so undoing never depends on a transformation being invertible.

#include <cstddef>
#include <vector>

#include "ir/program.h"
#include "transforms/apply.h"
#include "transforms/pipeline.h"
#include "transforms/recipe.h"

namespace sluice::transforms {

class History {
public:
  explicit History(ir::Program program) : current_(std::move(program)) {}

  [[nodiscard]] const ir::Program& program() const { return current_; }

  /// Applies a match (transactionally, see apply.h) and records it; clears the redo stack.
  ApplyResult apply(const Transformation& transformation, const Match& match,
                    const ParamValues& params = {});
  /// Runs a pipeline as one undoable step per application.
  Recipe apply_pipeline(const std::vector<PipelineStep>& steps, const Registry& registry);
  /// Replays a recipe (all or nothing), one undoable step per recipe step.
  void replay(const Recipe& recipe, const Registry& registry);
  /// The program `match` would give, leaving the history as it is.
  [[nodiscard]] ir::Program preview(const Transformation& transformation, const Match& match,
                                    const ParamValues& params = {}) const;

  [[nodiscard]] bool can_undo() const { return !done_.empty(); }
  [[nodiscard]] bool can_redo() const { return !undone_.empty(); }
  /// False (and nothing changes) when there is nothing to undo / redo.
  bool undo();
  bool redo();

  /// The steps that made the current program from the original one, as a recipe.
  [[nodiscard]] Recipe recipe() const;
  [[nodiscard]] std::size_t size() const { return done_.size(); }

private:
  struct Entry {
    ir::Program before;  ///< The program before the step.
    RecipeStep step;
    ir::Program after;  ///< Kept only while the entry is on the redo stack.
  };
  void push(ir::Program before, RecipeStep step);

  ir::Program current_;
  std::vector<Entry> done_;
  std::vector<Entry> undone_;
};

}  // namespace sluice::transforms
