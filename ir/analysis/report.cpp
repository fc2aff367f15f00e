#include "ir/analysis/report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

namespace sluice::ir::analysis {
namespace {

using nlohmann::json;

void evaluate(Counts& counts, const SymbolValues& symbols) {
  counts.read_bytes = counts.reads.evaluate(symbols);
  counts.written_bytes = counts.writes.evaluate(symbols);
  counts.accessed_bytes = counts.accesses.evaluate(symbols);
  counts.flop_count = counts.flops.evaluate(symbols);
}

// Sums symbolic quantities and merges unknown ops of several rows.
class CountsSum {
public:
  void add(const Counts& c) {
    reads_.push_back(c.reads);
    writes_.push_back(c.writes);
    accesses_.push_back(c.accesses);
    flops_.push_back(c.flops);
    unknown_.insert(c.unknown_ops.begin(), c.unknown_ops.end());
  }
  [[nodiscard]] Counts result() const {
    Counts c;
    c.reads = sum(reads_);
    c.writes = sum(writes_);
    c.accesses = sum(accesses_);
    c.flops = sum(flops_);
    c.unknown_ops.assign(unknown_.begin(), unknown_.end());
    return c;
  }

private:
  std::vector<Expr> reads_, writes_, accesses_, flops_;
  std::set<std::string> unknown_;
};

json counts_json(const Counts& c) {
  return json{{"reads", c.read_bytes},
              {"writes", c.written_bytes},
              {"accesses", c.accessed_bytes},
              {"flops", c.flop_count},
              {"intensity", c.intensity()},
              {"unknown_ops", c.unknown_ops},
              {"symbolic",
               {{"reads", c.reads.str()},
                {"writes", c.writes.str()},
                {"accesses", c.accesses.str()},
                {"flops", c.flops.str()}}}};
}

json point_json(const KernelPoint& p) {
  return json{{"state", p.kernel.state.value},
              {"state_label", p.state_label},
              {"node", p.kernel.node.value},
              {"position", p.kernel.position},
              {"label", p.label}};
}

std::string format_scaled(std::int64_t value, double base, const char* const* units,
                          std::size_t num_units, const char* space) {
  auto scaled = static_cast<double>(value);
  if (std::abs(scaled) < base) return std::to_string(value) + space;
  std::size_t unit = 0;
  // Moves up while the value would print as `base` or more in the current unit.
  while (unit + 1 < num_units && std::abs(scaled) >= base - 0.05) {
    scaled /= base;
    ++unit;
  }
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.1f %s", scaled, units[unit]);
  return buffer.data();
}

std::string format_intensity(double value) {
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.2f", value);
  return buffer.data();
}

std::string format_flops(const Counts& c) {
  return format_count(c.flop_count) + (c.unknown_ops.empty() ? "" : "?");
}

// A text table: right-aligned numbers, left-aligned text, columns two spaces apart.
class Table {
public:
  explicit Table(std::vector<bool> right_aligned) : right_(std::move(right_aligned)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void rule() { rows_.emplace_back(); }

  [[nodiscard]] std::string str() const {
    std::vector<std::size_t> width(right_.size(), 0);
    for (const auto& row : rows_)
      for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    std::size_t total = 0;
    for (std::size_t w : width) total += w + 2;
    std::string out;
    for (const auto& row : rows_) {
      std::string line;
      if (row.empty()) line.assign(total > 2 ? total - 2 : 0, '-');
      for (std::size_t i = 0; i < row.size(); ++i) {
        const std::string pad(width[i] - row[i].size(), ' ');
        line += right_[i] ? pad + row[i] : row[i] + pad;
        if (i + 1 < row.size()) line += "  ";
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    return out;
  }

private:
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace

double Counts::intensity() const {
  const std::int64_t moved = read_bytes + written_bytes;
  return moved == 0 ? 0.0 : static_cast<double>(flop_count) / static_cast<double>(moved);
}

Report build_report(const Program& program, const SymbolValues& symbols) {
  Report report;
  report.program = program.name;
  report.symbols = symbols;

  // Liveness lists every kernel once, grouped by state; reusing it saves a second sort.
  const Liveness liveness = analyze_liveness(program);
  std::vector<std::vector<KernelRef>> kernels_of(program.states.capacity());
  for (const KernelRef& kernel : liveness.points) kernels_of[kernel.state.value].push_back(kernel);

  CountsSum total;
  for (StateId state : program.states.ids()) {
    const std::string& state_label = program.states[state].label;
    CountsSum state_sum;
    for (const KernelRef& kernel : kernels_of[state.value]) {
      KernelMovement movement = kernel_data_movement(program, kernel);
      FlopCount flops = kernel_flops(program, kernel);
      KernelRow row;
      row.kernel = kernel;
      row.state_label = state_label;
      row.label = std::move(movement.label);
      row.dynamic = movement.dynamic;
      row.counts.reads = movement.reads;
      row.counts.writes = movement.writes;
      row.counts.accesses = movement.accesses;
      row.counts.flops = flops.flops;
      row.counts.unknown_ops = std::move(flops.unknown_ops);
      evaluate(row.counts, symbols);
      for (const MemletMovement& m : movement.memlets)
        row.memlets.push_back(MemletRow{m.edge, program.containers[m.data].name,
                                        m.read.evaluate(symbols), m.written.evaluate(symbols),
                                        m.accessed.evaluate(symbols)});
      state_sum.add(row.counts);
      report.kernels.push_back(std::move(row));
    }
    StateRow row{state, state_label, state_sum.result()};
    evaluate(row.counts, symbols);
    total.add(row.counts);
    report.states.push_back(std::move(row));
  }
  report.total = total.result();
  evaluate(report.total, symbols);

  report.footprint = memory_footprint(program);
  report.argument_bytes = report.footprint.argument_bytes.evaluate(symbols);
  report.transient_bytes = report.footprint.transient_bytes.evaluate(symbols);

  const auto point = [&](std::size_t index) {
    const KernelRef& k = liveness.points[index];
    return KernelPoint{k, program.states[k.state].label, kernel_label(program, k)};
  };
  for (const LiveInterval& interval : liveness.intervals) {
    TransientRow row;
    row.container = interval.container;
    row.name = program.containers[interval.container].name;
    row.bytes = container_bytes(program, interval.container);
    row.byte_count = row.bytes.evaluate(symbols);
    row.first = point(interval.first);
    row.last = point(interval.last);
    report.transients.push_back(std::move(row));
  }
  report.peak = peak_transient_memory(program, liveness, symbols);
  if (report.peak.point) report.peak_point = point(*report.peak.point);
  for (ContainerId id : report.peak.live) report.peak_live.push_back(program.containers[id].name);
  return report;
}

json Report::to_json() const {
  json kernel_rows = json::array();
  for (const KernelRow& k : kernels) {
    json row = counts_json(k.counts);
    row["state"] = k.kernel.state.value;
    row["state_label"] = k.state_label;
    row["node"] = k.kernel.node.value;
    row["edge"] = k.kernel.edge.valid() ? json(k.kernel.edge.value) : json(nullptr);
    row["position"] = k.kernel.position;
    row["label"] = k.label;
    row["kind"] = std::string(kernel_kind_name(k.kernel.kind));
    row["dynamic"] = k.dynamic;
    json memlets = json::array();
    for (const MemletRow& m : k.memlets)
      memlets.push_back({{"edge", m.edge.value},
                         {"container", m.container},
                         {"read", m.read_bytes},
                         {"written", m.written_bytes},
                         {"accessed", m.accessed_bytes}});
    row["memlets"] = std::move(memlets);
    kernel_rows.push_back(std::move(row));
  }
  json state_rows = json::array();
  for (const StateRow& s : states) {
    json row = counts_json(s.counts);
    row["state"] = s.state.value;
    row["label"] = s.label;
    state_rows.push_back(std::move(row));
  }
  json live = json::array();
  for (const TransientRow& t : transients)
    live.push_back({{"container", t.name},
                    {"bytes", t.byte_count},
                    {"first", point_json(t.first)},
                    {"last", point_json(t.last)}});
  return json{
      {"program", program},
      {"symbols", symbols},
      {"kernels", std::move(kernel_rows)},
      {"states", std::move(state_rows)},
      {"total", counts_json(total)},
      {"footprint",
       {{"arguments", argument_bytes},
        {"transients", transient_bytes},
        {"peak_transients", peak.bytes},
        {"peak_point", peak_point ? point_json(*peak_point) : json(nullptr)},
        {"peak_live", peak_live},
        {"symbolic",
         {{"arguments", footprint.argument_bytes.str()},
          {"transients", footprint.transient_bytes.str()}}}}},
      {"liveness", std::move(live)},
  };
}

std::string Report::to_text() const {
  std::string out = "program '" + program + "'";
  if (!symbols.empty()) {
    std::string sep = " with ";
    for (const auto& [name, value] : symbols) {
      out += sep + name + "=" + std::to_string(value);
      sep = ", ";
    }
  }
  out += "\n\n";

  Table table({false, true, false, false, true, true, true, true, true});
  table.add({"state", "node", "kernel", "kind", "reads", "writes", "accesses", "flops", "flop/B"});
  const auto numbers = [](const Counts& c) {
    return std::vector<std::string>{format_bytes(c.read_bytes), format_bytes(c.written_bytes),
                                    format_bytes(c.accessed_bytes), format_flops(c),
                                    format_intensity(c.intensity())};
  };
  const auto row = [&](std::vector<std::string> head, const Counts& c) {
    for (auto& cell : numbers(c)) head.push_back(std::move(cell));
    table.add(std::move(head));
  };
  for (const KernelRow& k : kernels)
    row({k.state_label, std::to_string(k.kernel.node.value),
         k.label + (k.dynamic ? " (dynamic)" : ""), std::string(kernel_kind_name(k.kernel.kind))},
        k.counts);
  table.rule();
  if (states.size() > 1)
    for (const StateRow& s : states) row({s.label, "", "", "state"}, s.counts);
  row({"total", "", "", ""}, total);
  out += table.str();

  if (!total.unknown_ops.empty()) {
    out += "?: FLOPs leave out ops without a formula:";
    for (const auto& op : total.unknown_ops) out += " " + op;
    out += "\n";
  }
  out += "\nmemory: arguments " + format_bytes(argument_bytes) + ", transients " +
         format_bytes(transient_bytes) + " (all at once), peak live transients " +
         format_bytes(peak.bytes);
  if (peak_point) out += " at " + peak_point->state_label + " / '" + peak_point->label + "'";
  out += "\n";
  if (!transients.empty()) {
    out += "\n";
    Table live({false, true, false});
    live.add({"transient", "bytes", "live"});
    for (const TransientRow& t : transients) {
      const auto where = [](const KernelPoint& p) {
        return p.state_label + " / '" + p.label + "'";
      };
      live.add({t.name, format_bytes(t.byte_count),
                where(t.first) + (t.first.kernel == t.last.kernel ? "" : " .. " + where(t.last))});
    }
    out += live.str();
  }
  return out;
}

std::string format_bytes(std::int64_t bytes) {
  static constexpr std::array<const char*, 6> kUnits{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  return format_scaled(bytes, 1024.0, kUnits.data(), kUnits.size(), " B");
}

std::string format_count(std::int64_t count) {
  static constexpr std::array<const char*, 6> kUnits{"", "K", "M", "G", "T", "P"};
  return format_scaled(count, 1000.0, kUnits.data(), kUnits.size(), "");
}

}  // namespace sluice::ir::analysis
