#include "gui/session/transformation_listing.h"

#include <algorithm>

#include "gui/session/edit_transformation.h"
#include "ir/diagnostic.h"
#include "transforms/cost_model.h"

namespace sluice::gui {

namespace {

void add_refusal(Listing& listing, const ir::Program& program, const transforms::Rejection& r) {
  std::string location;
  try {
    location = transforms::match_location(program, r.candidate);
  } catch (const std::exception&) {
    location = "(somewhere no longer in the program)";
  }
  listing.refusals.push_back({r.candidate.transformation, location, r.reason});
}

}  // namespace

Listing list_transformations(const ir::Program& program, const transforms::Registry& registry,
                             const ListingOptions& options) {
  Listing listing;
  for (const transforms::Transformation* t : registry.list()) {
    if (t->name() == kEditPropertyName) continue;  // edits come from the properties panel
    const std::string name(t->name());
    try {
      const transforms::ParamValues params = transforms::complete_params(*t, {});
      const transforms::MatchResult found =
          transforms::find_matches(program, *t, params, options.selection);
      for (const transforms::RankedMatch& ranked :
           transforms::rank_matches(program, *t, found.matches, params, options.symbols))
        listing.candidates.push_back({registry.origin(name), t->tier(), ranked.match, params,
                                      transforms::match_location(program, ranked.match),
                                      ranked.prediction.bytes_saved,
                                      ranked.prediction.seconds_saved});
      if (options.with_refusals)
        for (const transforms::Rejection& r : found.rejected) add_refusal(listing, program, r);
    } catch (const std::exception& e) {
      if (options.with_refusals) listing.refusals.push_back({name, "(while matching)", e.what()});
    }
  }
  // Registry order (tier, name) and match order break ties: stable sort on the saving only.
  std::stable_sort(listing.candidates.begin(), listing.candidates.end(),
                   [](const Candidate& a, const Candidate& b) {
                     return a.bytes_saved.value_or(-1e300) > b.bytes_saved.value_or(-1e300);
                   });
  return listing;
}

}  // namespace sluice::gui
