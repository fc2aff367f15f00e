#include "gui/app/node_keys.h"

namespace sluice::gui {

namespace {

/// `prefix` followed by a decimal number (`s12`, `n3`).
std::optional<std::uint32_t> numbered(const QString& part, QChar prefix) {
  if (part.size() < 2 || part.front() != prefix) return std::nullopt;
  bool ok = false;
  const uint value = part.mid(1).toUInt(&ok);
  return ok ? std::optional<std::uint32_t>(value) : std::nullopt;
}

}  // namespace

std::optional<NodeRef> node_ref_from_key(const QString& key) {
  QStringList parts = key.split('/');
  if (!parts.isEmpty() && (parts.back() == "entry" || parts.back() == "exit")) parts.removeLast();
  if (parts.size() < 2) return std::nullopt;
  const auto state = numbered(parts.front(), 's');
  if (!state) return std::nullopt;
  std::vector<ir::NodeId> path;
  for (qsizetype i = 1; i < parts.size(); ++i) {
    const auto node = numbered(parts[i], 'n');
    if (!node) return std::nullopt;
    path.emplace_back(*node);
  }
  const ir::NodeId node = path.back();
  path.pop_back();
  return NodeRef{{ir::StateId(*state), std::move(path)}, node};
}

QString key_of(const NodeRef& node) {
  QString key = QString("s%1").arg(node.scope.state.value);
  for (const ir::NodeId map : node.scope.maps) key += QString("/n%1").arg(map.value);
  return key + QString("/n%1").arg(node.node.value);
}

QStringList keys_of(const std::vector<NodeRef>& nodes) {
  QStringList keys;
  for (const NodeRef& node : nodes) keys << key_of(node);
  return keys;
}

}  // namespace sluice::gui
