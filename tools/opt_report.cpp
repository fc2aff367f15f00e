#include "tools/opt_report.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "ir/analysis/flops.h"
#include "ir/analysis/report.h"

namespace sluice::tools {

namespace {

using nlohmann::json;
using Key = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>;  // state, node, copy edge

Key key_of(const ir::analysis::KernelRef& k) {
  return {k.state.value, k.node.value, k.edge.valid() ? k.edge.value : ir::EdgeId::kInvalid};
}

/// The value of `e` under `symbols`, or nullopt when a symbol it needs has none.
std::optional<std::int64_t> value_of(const ir::Expr& e, const ir::analysis::SymbolValues& symbols) {
  for (const std::string& s : e.free_symbols())
    if (!symbols.contains(s)) return std::nullopt;
  return e.evaluate(symbols);
}

std::string bytes_cell(const ir::Expr& e, const ir::analysis::SymbolValues& symbols) {
  const auto v = value_of(e, symbols);
  return v ? ir::analysis::format_bytes(*v) : e.str() + " B";
}

std::string count_cell(const ir::Expr& e, bool partial, const ir::analysis::SymbolValues& symbols) {
  const auto v = value_of(e, symbols);
  return (v ? ir::analysis::format_count(*v) : e.str()) + (partial ? "?" : "");
}

/// `-23.4%`, or the symbolic difference when either side has no value.
std::string change_cell(const ir::Expr& before, const ir::Expr& after,
                        const ir::analysis::SymbolValues& symbols) {
  const auto b = value_of(before, symbols);
  const auto a = value_of(after, symbols);
  if (!a || !b) {
    const ir::Expr diff = after - before;
    const auto c = diff.constant_value();
    return c && *c == 0 ? "0" : (diff.str() + " B");
  }
  if (*a == *b) return "0";
  if (*b == 0) return "new";
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%+.1f%%",
                100.0 * static_cast<double>(*a - *b) / static_cast<double>(*b));
  return buffer.data();
}

json number_or_null(const ir::Expr& e, const ir::analysis::SymbolValues& symbols) {
  const auto v = value_of(e, symbols);
  return v ? json(*v) : json(nullptr);
}

json side_json(const std::optional<KernelCost>& k, const ir::analysis::SymbolValues& symbols) {
  if (!k) return nullptr;
  const ir::Expr bytes = k->reads + k->writes;
  return json{{"label", k->label},
              {"kind", ir::analysis::kernel_kind_name(k->kernel.kind)},
              {"reads", number_or_null(k->reads, symbols)},
              {"writes", number_or_null(k->writes, symbols)},
              {"bytes", number_or_null(bytes, symbols)},
              {"flops", number_or_null(k->flops, symbols)},
              {"flops_partial", k->flops_partial},
              {"symbolic",
               {{"reads", k->reads.str()},
                {"writes", k->writes.str()},
                {"bytes", bytes.str()},
                {"flops", k->flops.str()}}}};
}

json total_json(const ProgramCost& c, const ir::analysis::SymbolValues& symbols) {
  const ir::Expr bytes = c.reads + c.writes;
  return json{{"reads", number_or_null(c.reads, symbols)},
              {"writes", number_or_null(c.writes, symbols)},
              {"bytes", number_or_null(bytes, symbols)},
              {"flops", number_or_null(c.flops, symbols)},
              {"flops_partial", c.flops_partial},
              {"kernels", c.kernels.size()},
              {"symbolic",
               {{"reads", c.reads.str()},
                {"writes", c.writes.str()},
                {"bytes", bytes.str()},
                {"flops", c.flops.str()}}}};
}

// Right-aligned numbers, left-aligned text, columns two spaces apart; an empty row is a rule.
std::string table_str(const std::vector<std::vector<std::string>>& rows,
                      const std::vector<bool>& right) {
  std::vector<std::size_t> width(right.size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::size_t total = 0;
  for (const std::size_t w : width) total += w + 2;
  std::string out;
  for (const auto& row : rows) {
    if (row.empty()) {
      out.append(total - 2, '-').append("\n");
      continue;
    }
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      const std::string pad(width[i] - row[i].size(), ' ');
      if (i > 0) line += "  ";
      line += right[i] ? pad + row[i] : row[i] + (i + 1 < row.size() ? pad : "");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.append(line).append("\n");
  }
  return out;
}

}  // namespace

ProgramCost measure_cost(const ir::Program& program) {
  const ir::analysis::DataMovement movement = ir::analysis::analyze_data_movement(program);
  ProgramCost cost{{}, movement.reads, movement.writes, 0, false};
  std::vector<ir::Expr> flops;
  for (const auto& state : movement.states) {
    for (const auto& k : state.kernels) {
      const ir::analysis::FlopCount f = ir::analysis::kernel_flops(program, k.kernel);
      cost.kernels.push_back({k.kernel, program.states[k.kernel.state].label, k.label, k.reads,
                              k.writes, f.flops, f.unknown()});
      flops.push_back(f.flops);
      cost.flops_partial = cost.flops_partial || f.unknown();
    }
  }
  for (const ir::Expr& f : flops) cost.flops = cost.flops + f;
  return cost;
}

CostComparison compare_costs(const ir::Program& before, const ir::Program& after,
                             const ir::analysis::SymbolValues& symbols) {
  CostComparison c{symbols, measure_cost(before), measure_cost(after), {}};
  std::map<Key, const KernelCost*> remaining;
  for (const KernelCost& k : c.after.kernels) remaining[key_of(k.kernel)] = &k;
  for (const KernelCost& k : c.before.kernels) {
    CostRow row{k, std::nullopt};
    if (const auto it = remaining.find(key_of(k.kernel)); it != remaining.end()) {
      row.after = *it->second;
      remaining.erase(it);
    }
    c.rows.push_back(std::move(row));
  }
  for (const KernelCost& k : c.after.kernels)
    if (remaining.contains(key_of(k.kernel))) c.rows.push_back({std::nullopt, k});
  return c;
}

std::string comparison_text(const CostComparison& c) {
  const auto& s = c.symbols;
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"state", "node", "kernel", "kind", "bytes before", "bytes after", "change",
                  "flops before", "flops after"});
  for (const CostRow& row : c.rows) {
    const KernelCost& k = row.after ? *row.after : *row.before;
    const std::string label =
        row.before && row.after && row.before->label != row.after->label
            ? row.before->label + " -> " + row.after->label
            : k.label;
    const auto bytes = [&](const std::optional<KernelCost>& side) {
      return side ? bytes_cell(side->reads + side->writes, s) : std::string("-");
    };
    const auto flops = [&](const std::optional<KernelCost>& side) {
      return side ? count_cell(side->flops, side->flops_partial, s) : std::string("-");
    };
    std::string change = "removed";
    if (row.before && row.after)
      change = change_cell(row.before->reads + row.before->writes,
                           row.after->reads + row.after->writes, s);
    else if (row.after)
      change = "new";
    rows.push_back({k.state_label, std::to_string(k.kernel.node.value), label,
                    std::string(ir::analysis::kernel_kind_name(k.kernel.kind)), bytes(row.before),
                    bytes(row.after), change, flops(row.before), flops(row.after)});
  }
  rows.emplace_back();
  const ir::Expr bytes_before = c.before.reads + c.before.writes;
  const ir::Expr bytes_after = c.after.reads + c.after.writes;
  rows.push_back({"total", "", std::to_string(c.before.kernels.size()) + " -> " +
                                   std::to_string(c.after.kernels.size()) + " kernels",
                  "", bytes_cell(bytes_before, s), bytes_cell(bytes_after, s),
                  change_cell(bytes_before, bytes_after, s),
                  count_cell(c.before.flops, c.before.flops_partial, s),
                  count_cell(c.after.flops, c.after.flops_partial, s)});
  std::string out = table_str(rows, {false, true, false, false, true, true, true, true, true});
  if (c.before.flops_partial || c.after.flops_partial)
    out += "?: FLOPs leave out library ops without a formula\n";
  return out;
}

nlohmann::json comparison_json(const CostComparison& c) {
  const auto& s = c.symbols;
  json kernels = json::array();
  for (const CostRow& row : c.rows) {
    const KernelCost& k = row.after ? *row.after : *row.before;
    kernels.push_back(json{{"state", k.kernel.state.value},
                           {"state_label", k.state_label},
                           {"node", k.kernel.node.value},
                           {"edge", k.kernel.edge.valid() ? json(k.kernel.edge.value) : json()},
                           {"before", side_json(row.before, s)},
                           {"after", side_json(row.after, s)}});
  }
  const ir::Expr bytes_before = c.before.reads + c.before.writes;
  const ir::Expr bytes_after = c.after.reads + c.after.writes;
  const auto b = value_of(bytes_before, s);
  const auto a = value_of(bytes_after, s);
  const auto fb = value_of(c.before.flops, s);
  const auto fa = value_of(c.after.flops, s);
  json total{{"before", total_json(c.before, s)},
             {"after", total_json(c.after, s)},
             {"bytes_change", a && b ? json(*a - *b) : json()},
             {"bytes_change_percent",
              a && b && *b != 0
                  ? json(100.0 * static_cast<double>(*a - *b) / static_cast<double>(*b))
                  : json()},
             {"flops_change", fa && fb ? json(*fa - *fb) : json()}};
  return json{{"symbols", s}, {"kernels", kernels}, {"total", total}};
}

}  // namespace sluice::tools
