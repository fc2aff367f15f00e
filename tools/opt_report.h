#pragma once
/// The report of `sluice opt`: data movement (bytes read + written) and FLOPs of a program
/// before and after its transformations, per kernel and in total, as a terminal table or JSON.
///
///   const CostComparison c = compare_costs(original, optimized, {{"N", 512}});
///   std::cout << comparison_text(c);
///
/// The numbers are those of `sluice report` (ir/analysis/data_movement.h, flops.h). A kernel
/// before and a kernel after are the same row when they are the same node (state, node id and,
/// for a copy, edge id): ids survive unrelated edits, so a row shows what happened to one node;
/// removed kernels keep their rows with nothing after, new ones come last with nothing before.
/// A quantity whose symbols have no value prints as its expression (`8*N`) and is null in JSON.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ir/analysis/data_movement.h"
#include "ir/program.h"

namespace sluice::tools {

/// One kernel's cost in one version of the program.
struct KernelCost {
  ir::analysis::KernelRef kernel;
  std::string state_label;
  std::string label;
  ir::Expr reads;
  ir::Expr writes;
  ir::Expr flops;
  bool flops_partial = false;  ///< Some library op has no FLOP formula (counted 0).
};

struct ProgramCost {
  std::vector<KernelCost> kernels;  ///< In report order (state, then topological position).
  ir::Expr reads;
  ir::Expr writes;
  ir::Expr flops;
  bool flops_partial = false;
};

ProgramCost measure_cost(const ir::Program& program);

struct CostRow {
  std::optional<KernelCost> before;
  std::optional<KernelCost> after;
};

struct CostComparison {
  ir::analysis::SymbolValues symbols;
  ProgramCost before;
  ProgramCost after;
  std::vector<CostRow> rows;
};

CostComparison compare_costs(const ir::Program& before, const ir::Program& after,
                             const ir::analysis::SymbolValues& symbols);

/// An aligned table: state, node, kernel, kind, bytes before/after, change, FLOPs before/after,
/// and a total row.
std::string comparison_text(const CostComparison& comparison);
/// {"symbols", "kernels": [{"state", "state_label", "node", "edge", "before", "after"}],
///  "total": {"before", "after", "bytes_change", "bytes_change_percent", "flops_change"}}
/// where each side is null or {"label", "kind", "reads", "writes", "bytes", "flops",
/// "flops_partial", "symbolic": {"reads", "writes", "bytes", "flops"}}.
nlohmann::json comparison_json(const CostComparison& comparison);

}  // namespace sluice::tools
