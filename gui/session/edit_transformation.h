#pragma once
/// `edit-property`: a property edit made in the properties panel, as a transformation, so that
/// it is applied like one (on a copy, verified, refused with the reason and no change) and
/// recorded in the history and the recipe like one.
///
///   edit-property{target=memlet,scope="0",id=12,field=subset,value="0:1, 0:16"}
///
/// Its match exists exactly when the target does; it never matches with default parameters, so
/// it stays out of the transformations panel's list.

#include <memory>

#include "gui/session/property_edit.h"
#include "transforms/registry.h"
#include "transforms/transformation.h"

namespace sluice::gui {

inline constexpr std::string_view kEditPropertyName = "edit-property";

std::shared_ptr<const transforms::Transformation> make_edit_property();

/// Adds `edit-property` to `registry` unless it is there (origin "gui").
void register_edit_property(transforms::Registry& registry);

/// The parameters of one edit, and the target they name.
transforms::ParamValues edit_params(const PropertyTarget& target, const std::string& field,
                                    const std::string& value);
PropertyTarget edit_target(const transforms::ParamValues& params);

/// `0` (state 0) or `0/4/9` (state 0, map 4, map 9 inside it) and back.
std::string scope_text(const transforms::Scope& scope);
transforms::Scope parse_scope_text(const std::string& text);

}  // namespace sluice::gui
