#pragma once
/// Recipes: the replayable history of applied transformations.
///
/// A recipe is a list of steps, each the transformation's name, its parameters (complete, with
/// defaults) and the match it applied to (scope and nodes by stable id). Replaying a recipe on
/// the same input reproduces the same program bit for bit, because matching and ids are
/// deterministic. A step that no longer applies stops the replay with a message naming the step
/// and the reason, and the program is left as it was.
///
///   {"sluice_recipe": 1, "steps": [
///     {"transformation": "map-fusion", "params": {}, "state": 0, "scope": [], "nodes": [12, 14]}
///   ]}

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "transforms/registry.h"
#include "transforms/transformation.h"

namespace sluice::transforms {

inline constexpr int kRecipeFormatVersion = 1;

struct RecipeStep {
  std::string transformation;
  ParamValues params;
  Scope scope;
  std::vector<ir::NodeId> nodes;
  bool operator==(const RecipeStep&) const = default;
};

struct Recipe {
  std::vector<RecipeStep> steps;
  bool operator==(const Recipe&) const = default;
};

RecipeStep recipe_step(const Match& match, ParamValues params);

/// JSON text (two-space indented, one step per line group).
std::string recipe_to_json(const Recipe& recipe);
/// Parses JSON text; `source` names it in errors (a file name). Throws UserError naming the
/// step and field that is wrong.
Recipe recipe_from_json(std::string_view text, const std::string& source);
Recipe load_recipe(const std::filesystem::path& path);
void save_recipe(const Recipe& recipe, const std::filesystem::path& path);

struct ReplayOptions {
  bool verify_each = true;
  /// Called before each step: (index from 0, count, step).
  std::function<void(std::size_t, std::size_t, const RecipeStep&)> progress;
};

/// Replays every step on `program`, all or nothing: the first step that does not apply throws a
/// UserError ("recipe step 3 of 7 (map-fusion on nodes 12, 14 in state 'main'): ...") and
/// `program` is unchanged.
void replay(ir::Program& program, const Recipe& recipe, const Registry& registry,
            const ReplayOptions& options = {});

}  // namespace sluice::transforms
