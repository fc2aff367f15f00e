#pragma once
/// Finding and applying matches, transactionally.
///
///   auto found = find_matches(program, registry.get("map-fusion"));
///   apply_match(program, registry.get("map-fusion"), found.matches.front());
///
/// `apply_match` works on a copy: the transformation runs, the verifier checks the result, and
/// only then does the copy replace the program. If the match no longer holds, the
/// transformation throws, or the verifier objects, the program is left exactly as it was and
/// the UserError says what went wrong and where.

#include <vector>

#include "ir/program.h"
#include "transforms/rewriter.h"
#include "transforms/transformation.h"

namespace sluice::transforms {

/// Nodes a person picked (the GUI's selection, a Python list): a match is kept when one of its
/// nodes is among them.
struct Selection {
  std::vector<std::pair<Scope, ir::NodeId>> nodes;
  [[nodiscard]] bool contains(const Match& match) const;
};

/// `transformation.match` with `params` completed, optionally narrowed to `selection`.
MatchResult find_matches(const ir::Program& program, const Transformation& transformation,
                         const ParamValues& params = {}, const Selection* selection = nullptr);

struct ApplyOptions {
  bool verify = true;         ///< Run the verifier on the result (off only for trusted replays).
  bool recheck_match = true;  ///< Confirm the match is among `match`'s results first.
};

struct ApplyResult {
  std::vector<Edit> edits;
  ParamValues params;  ///< Completed with defaults: what a recipe records.
};

ApplyResult apply_match(ir::Program& program, const Transformation& transformation,
                        const Match& match, const ParamValues& params = {},
                        const ApplyOptions& options = {});

/// `nodes 12, 14 in state 'main'`: how messages name a match.
std::string match_location(const ir::Program& program, const Match& match);

}  // namespace sluice::transforms
