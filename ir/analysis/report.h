#pragma once
/// The analysis report: data movement, FLOPs and memory per kernel, per state and in total, for
/// given symbol values. `sluice report`, the Python `Program.report()` and the GUI all read it.
///
///   Report r = build_report(program, {{"M", 64}, {"N", 64}, {"K", 64}});
///   std::cout << r.to_text();     // an aligned table, bytes as "12.0 MiB"
///   nlohmann::json j = r.to_json();  // exact numbers, and every quantity symbolically
///
/// The counting rules are those of data_movement.h, flops.h, footprint.h and liveness.h. Rows
/// are in a deterministic order: kernels by state id, then by their topological position;
/// states by id. Transients are listed in container id order with their live range in program
/// order (liveness.h).
///
/// JSON shape (numbers are evaluated; "symbolic" holds the same quantities as expression text):
///   { "program": str, "symbols": {name: int},
///     "kernels": [{"state", "state_label", "node", "edge" (copies, else null), "position",
///                  "label", "kind", "reads", "writes", "accesses", "flops", "intensity",
///                  "dynamic", "unknown_ops": [str], "symbolic": {...},
///                  "memlets": [{"edge", "container", "read", "written", "accessed"}]}],
///     "states": [{"state", "label", "reads", "writes", "accesses", "flops", "intensity",
///                 "unknown_ops", "symbolic"}],
///     "total": {"reads", "writes", "accesses", "flops", "intensity", "unknown_ops", "symbolic"},
///     "footprint": {"arguments", "transients", "peak_transients",
///                   "peak_point": point or null,
///                   "peak_live": [str], "symbolic": {"arguments", "transients"}},
///     "liveness": [{"container", "bytes", "first": point, "last": point}] }
///   where a point is {"state", "state_label", "node", "position", "label"} of a kernel.
/// `reads`/`writes`/`accesses` are bytes; `intensity` is FLOPs per byte read or written.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ir/analysis/data_movement.h"
#include "ir/analysis/flops.h"
#include "ir/analysis/footprint.h"
#include "ir/analysis/liveness.h"
#include "ir/program.h"

namespace sluice::ir::analysis {

/// Reads, writes, accesses (bytes) and FLOPs, symbolic and evaluated.
struct Counts {
  Expr reads;
  Expr writes;
  Expr accesses;
  Expr flops;
  std::int64_t read_bytes = 0;
  std::int64_t written_bytes = 0;
  std::int64_t accessed_bytes = 0;
  std::int64_t flop_count = 0;
  std::vector<std::string> unknown_ops;  ///< Library ops without a FLOP formula (counted 0).

  /// FLOPs per byte read or written; 0 when nothing moves.
  [[nodiscard]] double intensity() const;
};

/// One boundary memlet of a kernel, evaluated (see `MemletMovement`).
struct MemletRow {
  EdgeId edge;
  std::string container;
  std::int64_t read_bytes = 0;
  std::int64_t written_bytes = 0;
  std::int64_t accessed_bytes = 0;
};

struct KernelRow {
  KernelRef kernel;
  std::string state_label;
  std::string label;
  Counts counts;
  bool dynamic = false;            ///< Some boundary memlet's volume is only an upper bound.
  std::vector<MemletRow> memlets;  ///< In-edges then out-edges, each in edge id order.
};

struct StateRow {
  StateId state;
  std::string label;
  Counts counts;
};

/// A kernel, named for display.
struct KernelPoint {
  KernelRef kernel;
  std::string state_label;
  std::string label;
};

struct TransientRow {
  ContainerId container;
  std::string name;
  Expr bytes;
  std::int64_t byte_count = 0;
  KernelPoint first;  ///< The first kernel where it is live.
  KernelPoint last;   ///< The last.
};

struct Report {
  std::string program;
  SymbolValues symbols;
  std::vector<KernelRow> kernels;
  std::vector<StateRow> states;
  Counts total;
  Footprint footprint;
  std::int64_t argument_bytes = 0;
  std::int64_t transient_bytes = 0;
  PeakMemory peak;
  std::optional<KernelPoint> peak_point;  ///< Where the peak is first reached.
  std::vector<std::string> peak_live;     ///< Names of the transients live there.
  std::vector<TransientRow> transients;

  [[nodiscard]] nlohmann::json to_json() const;
  /// An aligned table of the kernels, a total row, per-state rows when there are several
  /// states, then the footprint and the transients' live ranges.
  [[nodiscard]] std::string to_text() const;
};

/// Analyzes `program` and evaluates every quantity under `symbols`. Throws `UserError` naming a
/// symbol that is needed and missing, or a state whose graph has a cycle.
Report build_report(const Program& program, const SymbolValues& symbols);

/// "0 B", "1023 B", "1.0 KiB", "12.5 MiB" (binary units, one decimal).
std::string format_bytes(std::int64_t bytes);
/// "999", "1.2 K", "3.4 G" (decimal units, one decimal).
std::string format_count(std::int64_t count);

}  // namespace sluice::ir::analysis
