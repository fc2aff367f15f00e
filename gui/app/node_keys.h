#pragma once
/// The graph view names nodes by key (`s0/n3`, `s0/n3/n5` inside map 3, `s0/n3/entry`); the
/// session by NodeRef (a scope and a node id). These translate between the two.

#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

#include "gui/session/changed_nodes.h"

namespace sluice::gui {

/// `s0/n3/n5` -> node 5 in map 3's body of state 0. A map's entry or exit box names the map.
/// Nullopt for keys that are not nodes (a state header, an edge) or do not parse.
std::optional<NodeRef> node_ref_from_key(const QString& key);

/// The key the graph view draws `node` under.
QString key_of(const NodeRef& node);
QStringList keys_of(const std::vector<NodeRef>& nodes);

}  // namespace sluice::gui
