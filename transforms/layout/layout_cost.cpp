#include "transforms/layout/layout_cost.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "ir/diagnostic.h"

namespace sluice::transforms {

namespace {

std::int64_t value_of(const ir::Expr& e, const ir::analysis::SymbolValues& symbols) {
  ir::analysis::SymbolValues values = symbols;
  for (const auto& s : e.free_symbols())
    if (!values.contains(s)) values[s] = 64;
  return e.evaluate(values);
}

/// The stride, in elements, with which `subset` moves through `c` when `param` steps by one.
std::int64_t stride_along(const ir::Container& c, const ir::Subset& subset,
                          const std::string& param, const ir::analysis::SymbolValues& symbols) {
  std::int64_t stride = 0;
  const ir::Expr next = ir::Expr::symbol(param) + 1;
  for (std::size_t d = 0; d < subset.size() && d < c.strides.size(); ++d) {
    const ir::Expr delta = subset[d].begin.substitute({{param, next}}) - subset[d].begin;
    stride += value_of(delta, symbols) * value_of(c.strides[d], symbols);
  }
  return std::abs(stride);
}

/// Per container, the worst penalty of the accesses in `body` (tasklet edges) along the
/// innermost parameter `inner` of the loops around them.
void penalties(const ir::Program& program, const ir::Graph& body, const std::string& inner,
               const ir::analysis::SymbolValues& symbols, std::map<ir::ContainerId, double>& out) {
  for (const ir::EdgeId e : body.edge_ids()) {
    const ir::Memlet& m = body.edge(e).memlet;
    if (m.empty() || inner.empty()) continue;
    const ir::Container& own = program.containers[m.data];
    const auto s = stride_along(own, m.subset, inner, symbols);
    const double penalty = s <= 1 ? 1.0 : static_cast<double>(std::min<std::int64_t>(s, 16));
    auto& slot = out[ir::analysis::view_root(program, m.data)];
    slot = std::max(slot, penalty);
  }
  for (const ir::NodeId n : body.node_ids())
    if (const auto* map = std::get_if<ir::MapNode>(&body.node(n)))
      penalties(program, *map->body, map->params.empty() ? inner : map->params.back().name, symbols,
                out);
}

bool blas_ready(const ir::Container& c, const ir::analysis::SymbolValues& symbols) {
  if (c.rank() < 2) return true;
  const auto last = value_of(c.strides[c.rank() - 1], symbols);
  const auto before = value_of(c.strides[c.rank() - 2], symbols);
  return last == 1 || before == 1;
}

}  // namespace

std::optional<double> kernel_layout_cost(const ir::Program& program,
                                         const ir::analysis::KernelMovement& kernel,
                                         const ir::analysis::SymbolValues& symbols) {
  const ir::Graph& g = program.states[kernel.kernel.state].graph;
  std::map<ir::ContainerId, double> weight;
  if (kernel.kernel.kind == ir::analysis::KernelKind::Map) {
    const auto& map = g.get<ir::MapNode>(kernel.kernel.node);
    penalties(program, *map.body, map.params.empty() ? "" : map.params.back().name, symbols,
              weight);
  }
  if (kernel.kernel.kind == ir::analysis::KernelKind::Library) {
    const auto& lib = g.get<ir::LibraryNode>(kernel.kernel.node);
    if (lib.implementation != "pure")
      for (const auto& m : kernel.memlets)
        if (!blas_ready(program.containers[m.data], symbols)) return std::nullopt;
  }
  double total = 0.0;
  for (const auto& m : kernel.memlets) {
    const auto root = ir::analysis::view_root(program, m.data);
    const double w = weight.contains(root) ? weight.at(root) : 1.0;
    total += w * static_cast<double>(value_of(m.read + m.written, symbols));
  }
  return total;
}

std::optional<double> layout_cost(const ir::Program& program,
                                  const ir::analysis::SymbolValues& symbols) {
  double total = 0.0;
  for (const auto& state : ir::analysis::analyze_data_movement(program).states)
    for (const auto& kernel : state.kernels) {
      const auto cost = kernel_layout_cost(program, kernel, symbols);
      if (!cost) return std::nullopt;
      total += *cost;
    }
  return total;
}

}  // namespace sluice::transforms
