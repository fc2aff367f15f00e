#pragma once
/// What the transformations panel lists: every applicable transformation for the selection (or
/// the whole program) with its parameters and the cost model's predicted saving, largest saving
/// first; on request, the candidates each transformation turned down and why.

#include <optional>
#include <string>
#include <vector>

#include "ir/analysis/data_movement.h"
#include "transforms/apply.h"
#include "transforms/registry.h"

namespace sluice::gui {

struct Candidate {
  std::string origin;  ///< "built-in", a plugin, "python"
  int tier = 0;
  transforms::Match match;
  transforms::ParamValues params;  ///< Complete (defaults filled in).
  std::string location;            ///< `nodes 12, 14 in state 'main'`
  std::optional<double> bytes_saved;
  std::optional<double> seconds_saved;
};

struct Refusal {
  std::string transformation;
  std::string location;
  std::string reason;
};

struct Listing {
  std::vector<Candidate> candidates;  ///< Largest predicted saving first.
  std::vector<Refusal> refusals;      ///< Only when asked for.
};

struct ListingOptions {
  const transforms::Selection* selection = nullptr;  ///< Null: the whole program.
  ir::analysis::SymbolValues symbols;
  bool with_refusals = false;
};

/// A transformation that throws while matching becomes a refusal carrying its message.
Listing list_transformations(const ir::Program& program, const transforms::Registry& registry,
                             const ListingOptions& options);

}  // namespace sluice::gui
