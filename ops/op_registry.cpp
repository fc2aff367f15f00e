#include "ops/op_registry.h"

#include <algorithm>

#include "ir/diagnostic.h"
#include "ops/op_groups.h"

namespace sluice::ops {

std::vector<std::string> OpDefinition::implementations() const {
  std::vector<std::string> out = library_backed;
  for (const auto& [name, expand] : lowerings) out.push_back(name);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void OpTable::add(OpDefinition definition) {
  const auto at = std::lower_bound(
      ops_.begin(), ops_.end(), definition.name,
      [](const OpDefinition& op, const std::string& name) { return op.name < name; });
  SLUICE_CHECK(at == ops_.end() || at->name != definition.name,
               "op '" + definition.name + "' is defined twice");
  SLUICE_CHECK(static_cast<bool>(definition.pure),
               "op '" + definition.name + "' has no pure implementation");
  ops_.insert(at, std::move(definition));
}

const OpDefinition* OpTable::find(std::string_view name) const {
  const auto at =
      std::lower_bound(ops_.begin(), ops_.end(), name,
                       [](const OpDefinition& op, std::string_view n) { return op.name < n; });
  return at != ops_.end() && at->name == name ? &*at : nullptr;
}

std::vector<std::string> OpTable::names() const {
  std::vector<std::string> names;
  names.reserve(ops_.size());
  for (const OpDefinition& op : ops_) names.push_back(op.name);
  return names;
}

namespace {

const OpTable& builtin_ops() {
  static const OpTable table = [] {
    OpTable t;
    add_elementwise_ops(t);
    add_elementwise_gradient_ops(t);
    add_reduction_ops(t);
    add_normalization_ops(t);
    add_contraction_ops(t);
    add_loss_ops(t);
    add_shape_ops(t);
    add_conv_pool_ops(t);
    add_indexing_ops(t);
    add_indexing_gradient_ops(t);
    add_misc_ops(t);
    add_optimizer_ops(t);
    add_normalization_gradient_ops(t);
    add_conv_pool_gradient_ops(t);
    return t;
  }();
  return table;
}

}  // namespace

const OpDefinition* find_op(std::string_view name) { return builtin_ops().find(name); }

std::vector<std::string> supported_ops() { return builtin_ops().names(); }

}  // namespace sluice::ops
