#include "transforms/recipe.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ir/diagnostic.h"
#include "transforms/apply.h"

namespace sluice::transforms {

using nlohmann::json;

RecipeStep recipe_step(const Match& match, ParamValues params) {
  return {match.transformation, std::move(params), match.scope, match.nodes};
}

namespace {

json param_json(const ParamValue& value) {
  switch (value.index()) {
    case 0: return std::get<bool>(value);
    case 1: return std::get<std::int64_t>(value);
    case 2: return std::get<double>(value);
    default: return std::get<std::string>(value);
  }
}

json ids_json(const std::vector<ir::NodeId>& ids) {
  json out = json::array();
  for (const auto id : ids) out.push_back(id.value);
  return out;
}

std::uint32_t read_id(const json& value, const std::string& where) {
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() >= ir::NodeId::kInvalid)
    throw UserError(where,
                    "expected a node or state id (a non-negative integer), got " + value.dump());
  return value.get<std::uint32_t>();
}

std::vector<ir::NodeId> read_ids(const json& value, const std::string& where) {
  if (!value.is_array()) throw UserError(where, "expected an array of node ids");
  std::vector<ir::NodeId> out;
  for (const auto& v : value) out.emplace_back(read_id(v, where));
  return out;
}

}  // namespace

std::string recipe_to_json(const Recipe& recipe) {
  json steps = json::array();
  for (const auto& step : recipe.steps) {
    json params = json::object();
    for (const auto& [key, value] : step.params) params[key] = param_json(value);
    steps.push_back(json{{"transformation", step.transformation},
                         {"params", params},
                         {"state", step.scope.state.value},
                         {"scope", ids_json(step.scope.maps)},
                         {"nodes", ids_json(step.nodes)}});
  }
  return json{{"sluice_recipe", kRecipeFormatVersion}, {"steps", steps}}.dump(2) + "\n";
}

Recipe recipe_from_json(std::string_view text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw UserError(source, std::string("not valid JSON: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("sluice_recipe"))
    throw UserError(source, "not a Sluice recipe (no \"sluice_recipe\" version field)");
  if (doc["sluice_recipe"] != kRecipeFormatVersion)
    throw UserError(source, "recipe format version " + doc["sluice_recipe"].dump() +
                                "; this Sluice reads version " +
                                std::to_string(kRecipeFormatVersion));
  if (!doc.contains("steps") || !doc["steps"].is_array())
    throw UserError(source, "a recipe needs a \"steps\" array");
  Recipe recipe;
  const auto& steps = doc["steps"];
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string where = source + ": step " + std::to_string(i + 1);
    const json& s = steps[i];
    if (!s.is_object()) throw UserError(where, "a step is an object");
    for (const char* field : {"transformation", "state", "nodes"})
      if (!s.contains(field)) throw UserError(where, std::string("missing \"") + field + "\"");
    if (!s["transformation"].is_string())
      throw UserError(where, "\"transformation\" must be a string");
    RecipeStep step;
    step.transformation = s["transformation"].get<std::string>();
    step.scope.state = ir::StateId(read_id(s["state"], where));
    if (s.contains("scope")) step.scope.maps = read_ids(s["scope"], where + " scope");
    step.nodes = read_ids(s["nodes"], where + " nodes");
    if (s.contains("params")) {
      if (!s["params"].is_object()) throw UserError(where, "\"params\" must be an object");
      for (const auto& [key, value] : s["params"].items()) {
        if (value.is_boolean())
          step.params[key] = value.get<bool>();
        else if (value.is_number_integer())
          step.params[key] = value.get<std::int64_t>();
        else if (value.is_number_float())
          step.params[key] = value.get<double>();
        else if (value.is_string())
          step.params[key] = value.get<std::string>();
        else
          throw UserError(where, "parameter '" + key + "' must be a bool, number or string");
      }
    }
    recipe.steps.push_back(std::move(step));
  }
  return recipe;
}

Recipe load_recipe(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path.string(), "cannot open the recipe");
  std::ostringstream text;
  text << in.rdbuf();
  return recipe_from_json(text.str(), path.string());
}

void save_recipe(const Recipe& recipe, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw UserError(path.string(), "cannot write the recipe");
  out << recipe_to_json(recipe);
  if (!out) throw UserError(path.string(), "writing the recipe failed");
}

void replay(ir::Program& program, const Recipe& recipe, const Registry& registry,
            const ReplayOptions& options) {
  ir::Program work = program;
  const std::size_t count = recipe.steps.size();
  for (std::size_t i = 0; i < count; ++i) {
    const RecipeStep& step = recipe.steps[i];
    if (options.progress) options.progress(i, count, step);
    const Match match{step.transformation, step.scope, step.nodes, ""};
    const std::string where = "recipe step " + std::to_string(i + 1) + " of " +
                              std::to_string(count) + " (" + step.transformation + " on " +
                              match_location(work, match) + ")";
    try {
      const Transformation& t = registry.get(step.transformation);
      apply_match(work, t, match, step.params, {.verify = options.verify_each});
    } catch (const UserError& e) {
      std::vector<Diagnostic> diagnostics = e.diagnostics();
      Diagnostic head{Severity::Error, where, "no longer applies", {}};
      for (const auto& d : diagnostics) {
        head.notes.push_back(d.location.empty() ? d.message : d.location + ": " + d.message);
        head.notes.insert(head.notes.end(), d.notes.begin(), d.notes.end());
      }
      throw UserError(head);
    }
  }
  program = std::move(work);
}

}  // namespace sluice::transforms
