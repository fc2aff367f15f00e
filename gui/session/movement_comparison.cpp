#include "gui/session/movement_comparison.h"

#include <map>
#include <utility>

namespace sluice::gui {

namespace {

using Key = std::pair<std::uint32_t, std::uint32_t>;  // state, node (a copy: its edge + 2^31)

struct Row {
  std::string label;
  ir::StateId state;
  ir::NodeId node;
  double bytes = 0.0;
};

std::vector<std::pair<Key, Row>> kernel_rows(const ir::Program& program,
                                             const ir::analysis::SymbolValues& symbols) {
  std::vector<std::pair<Key, Row>> rows;
  const ir::analysis::DataMovement movement = ir::analysis::analyze_data_movement(program);
  for (const auto& state : movement.states)
    for (const auto& k : state.kernels) {
      const bool copy = k.kernel.kind == ir::analysis::KernelKind::Copy;
      const Key key{state.state.value,
                    copy ? (k.kernel.edge.value | 0x80000000U) : k.kernel.node.value};
      const double bytes = static_cast<double>((k.reads + k.writes).evaluate(symbols));
      rows.push_back({key, {k.label, state.state, k.kernel.node, bytes}});
    }
  return rows;
}

}  // namespace

MovementComparison compare_movement(const ir::Program& before, const ir::Program& after,
                                    const ir::analysis::SymbolValues& symbols) {
  MovementComparison out;
  try {
    const auto rows_before = kernel_rows(before, symbols);
    const auto rows_after = kernel_rows(after, symbols);
    std::map<Key, const Row*> after_by_key;
    for (const auto& [key, row] : rows_after) after_by_key[key] = &row;
    for (const auto& [key, row] : rows_before) {
      KernelBytes k{row.label, row.state, row.node, row.bytes, 0.0};
      if (const auto it = after_by_key.find(key); it != after_by_key.end()) {
        k.after = it->second->bytes;
        k.label = it->second->label;
        after_by_key.erase(it);
      }
      out.kernels.push_back(k);
    }
    for (const auto& [key, row] : rows_after)
      if (after_by_key.contains(key))
        out.kernels.push_back({row.label, row.state, row.node, 0.0, row.bytes});
    for (const KernelBytes& k : out.kernels) {
      out.total_before += k.before;
      out.total_after += k.after;
    }
  } catch (const std::exception& e) {
    out = {};
    out.error = e.what();
  }
  return out;
}

}  // namespace sluice::gui
