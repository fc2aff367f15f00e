#include "transforms/apply.h"

#include <algorithm>

#include "ir/diagnostic.h"
#include "ir/verifier.h"

namespace sluice::transforms {

bool Selection::contains(const Match& match) const {
  return std::any_of(match.nodes.begin(), match.nodes.end(), [&](ir::NodeId id) {
    return std::find(nodes.begin(), nodes.end(), std::pair{match.scope, id}) != nodes.end();
  });
}

MatchResult find_matches(const ir::Program& program, const Transformation& transformation,
                         const ParamValues& params, const Selection* selection) {
  MatchResult result = transformation.match(program, complete_params(transformation, params));
  if (selection) {
    std::erase_if(result.matches, [&](const Match& m) { return !selection->contains(m); });
    std::erase_if(result.rejected,
                  [&](const Rejection& r) { return !selection->contains(r.candidate); });
  }
  return result;
}

std::string match_location(const ir::Program& program, const Match& match) {
  std::string nodes;
  for (const auto id : match.nodes) nodes += (nodes.empty() ? "" : ", ") + std::to_string(id.value);
  return std::string(match.nodes.size() == 1 ? "node " : "nodes ") + nodes + " in " +
         scope_path(program, match.scope).str();
}

ApplyResult apply_match(ir::Program& program, const Transformation& transformation,
                        const Match& match, const ParamValues& params,
                        const ApplyOptions& options) {
  const std::string name(transformation.name());
  ApplyResult result;
  result.params = complete_params(transformation, params);
  if (match.transformation != name)
    throw UserError(name, "the match belongs to '" + match.transformation + "'");
  if (options.recheck_match) {
    const MatchResult current = transformation.match(program, result.params);
    if (std::find(current.matches.begin(), current.matches.end(), match) == current.matches.end()) {
      std::string why = "it is not among the current matches";
      // A rejected candidate is known by its first node (the pattern's root): a rejection may
      // name fewer nodes than a match would.
      for (const auto& r : current.rejected)
        if (r.candidate.scope == match.scope && !r.candidate.nodes.empty() &&
            !match.nodes.empty() && r.candidate.nodes.front() == match.nodes.front())
          why = r.reason;
      throw UserError(name, "does not apply to " + match_location(program, match) + ": " + why);
    }
  }
  ir::Program work = program;
  Rewriter rewriter(work);
  transformation.apply(rewriter, match, result.params);
  if (options.verify) {
    auto diagnostics = ir::verify(work);
    if (!diagnostics.empty()) {
      Diagnostic head{Severity::Error,
                      name,
                      "applying it to " + match_location(program, match) +
                          " gave an invalid program; nothing was changed",
                      {}};
      for (const auto& d : diagnostics) head.notes.push_back(d.location + ": " + d.message);
      throw UserError(head);
    }
  }
  result.edits = rewriter.edits();
  program = std::move(work);
  return result;
}

}  // namespace sluice::transforms
