// Transformations on arbitrary programs: the input is a program in the text form. Every
// registered transformation is matched on it, and its first match is applied (on a copy, with
// the verifier on). A transformation must either apply and leave a valid program, or refuse
// with a UserError; a result the verifier rejects, an InternalError or a crash is a finding.
// Applying the first match of every transformation in turn as a recipe, recording it and
// replaying it must also give the same program (recipes are deterministic).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ir/diagnostic.h"
#include "ir/text_format.h"
#include "ir/verifier.h"
#include "transforms/apply.h"
#include "transforms/recipe.h"
#include "transforms/registry.h"

namespace {

bool invalid_result(const sluice::UserError& e) {
  return std::string(e.what()).find("gave an invalid program") != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ir::Program original;
  try {
    original = ir::parse_text(text, "fuzz");
    if (!ir::verify(original).empty()) return 0;
  } catch (const UserError&) {
    return 0;
  }
  const auto& registry = transforms::Registry::global();
  ir::Program chained = original;
  transforms::Recipe recipe;
  for (const auto* t : registry.list()) {
    transforms::MatchResult found;
    try {
      found = transforms::find_matches(chained, *t);
    } catch (const UserError&) {
      continue;  // a program the analyses refuse (e.g. an unbound symbol in a report)
    }
    if (found.matches.empty()) continue;
    ir::Program copy = chained;
    try {
      const auto result = transforms::apply_match(copy, *t, found.matches.front());
      recipe.steps.push_back(transforms::recipe_step(found.matches.front(), result.params));
      chained = std::move(copy);
    } catch (const UserError& e) {
      if (invalid_result(e)) __builtin_trap();
      if (!(copy == chained)) __builtin_trap();  // a failed apply changed the program
    }
  }
  ir::Program replayed = original;
  const auto parsed = transforms::recipe_from_json(transforms::recipe_to_json(recipe), "fuzz");
  transforms::replay(replayed, parsed, registry);
  if (!(replayed == chained)) __builtin_trap();
  return 0;
}
