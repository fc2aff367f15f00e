#pragma once
/// Properties of one node, memlet or container as text, and edits of them.
///
/// The properties panel lists `list_properties` and sends each edit through
/// `set_property`, which parses the text and changes exactly one field. It does not verify: the
/// session applies edits as the `edit-property` transformation (edit_transformation.h), so
/// the verifier checks the result and a refused edit leaves the program unchanged.

#include <cstdint>
#include <string>
#include <vector>

#include "ir/program.h"
#include "transforms/scope.h"

namespace sluice::gui {

/// What a property edit names: a node or an edge's memlet in a scope, or a container.
struct PropertyTarget {
  enum class Kind : std::uint8_t { Node, Memlet, Container };
  Kind kind = Kind::Node;
  transforms::Scope scope;  ///< Node and memlet targets: where (unused for containers).
  std::uint32_t id = 0;     ///< Node id, edge id or container id.
  bool operator==(const PropertyTarget&) const = default;
};

struct Property {
  std::string name;
  std::string value;
  bool editable = false;
  std::vector<std::string> choices;  ///< Non-empty: the allowed values.
};

/// "node", "memlet", "container" and back (recipes store the kind as text).
std::string target_kind_name(PropertyTarget::Kind kind);
PropertyTarget::Kind parse_target_kind(const std::string& text);

/// `state 'main' / node 7 'add' (map)`, `container 'x'`: how messages name a target.
std::string target_str(const ir::Program& program, const PropertyTarget& target);

/// Throws UserError when the target does not exist.
std::vector<Property> list_properties(const ir::Program& program, const PropertyTarget& target);

/// Sets one field from its text; throws UserError naming the field when the text does not
/// parse, the field is unknown or read-only, or the target does not exist. No verification.
void set_property(ir::Program& program, const PropertyTarget& target, const std::string& field,
                  const std::string& value);

}  // namespace sluice::gui
