// change-layout (tier 2): gives a transient array another order of its dimensions in memory
// (its strides), e.g. column-major for a matrix that is read down its columns. Maps index
// through strides, so no computation changes; only which accesses are contiguous does.
// Library calls and Views assume the layout they were built for, so containers they touch are
// refused.

#include <algorithm>
#include <numeric>
#include <sstream>

#include "ir/analysis/data_movement.h"
#include "transforms/aliasing.h"
#include "transforms/builtins.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

/// "2,0,1" -> {2, 0, 1}; empty text -> the reversed dimensions. Nullopt if not a permutation.
std::optional<std::vector<std::size_t>> parse_order(const std::string& text, std::size_t rank) {
  std::vector<std::size_t> order;
  if (text.empty()) {
    order.resize(rank);
    std::iota(order.rbegin(), order.rend(), 0);
    return order;
  }
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      std::size_t used = 0;
      const long long v = std::stoll(item, &used);
      if (used != item.size() || v < 0) return std::nullopt;
      order.push_back(static_cast<std::size_t>(v));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  std::vector<std::size_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i] != i) return std::nullopt;
  if (order.size() != rank) return std::nullopt;
  return order;
}

/// Strides that store dimension order[0] slowest and order.back() contiguously.
std::vector<ir::Expr> strides_for(const std::vector<ir::Expr>& shape,
                                  const std::vector<std::size_t>& order) {
  std::vector<ir::Expr> strides(shape.size(), ir::Expr(1));
  ir::Expr step = 1;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    strides[*it] = step;
    step = step * shape[*it];
  }
  return strides;
}

class ChangeLayout final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "change-layout"; }
  [[nodiscard]] int tier() const override { return 2; }
  [[nodiscard]] std::string_view description() const override {
    return "Store a transient array's dimensions in another order: `order` lists them from "
           "slowest to fastest varying (empty: reversed, i.e. column-major for a matrix). Maps "
           "index through strides, so results are unchanged; which accesses are contiguous "
           "changes. Refused for arrays that a library call or a View reads.";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"container", ParamType::String, std::string(), "only this container (empty: all)", {}},
            {"order",
             ParamType::String,
             std::string(),
             "dimensions from slowest to fastest, e.g. \"1,0\" (empty: reversed)",
             {}}};
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    const std::string& only = param_string(params, "container");
    const auto aliased = viewed(program);
    MatchResult result;
    std::set<ir::ContainerId> seen;
    for (const ir::StateId s : program.states.ids()) {
      const ir::Graph& g = program.states[s].graph;
      for (const ir::NodeId n : g.node_ids()) {
        const auto* a = std::get_if<ir::AccessNode>(&g.node(n));
        if (!a || !seen.insert(a->data).second) continue;
        const ir::Container& c = program.containers[a->data];
        if (!only.empty() && c.name != only) continue;
        if (!c.transient || c.kind != ir::ContainerKind::Array || c.rank() < 2) continue;
        Match m = make_match({s, {}}, {n}, "'" + c.name + "'");
        std::string why;
        const auto order = parse_order(param_string(params, "order"), c.rank());
        if (!order) {
          why = "'" + param_string(params, "order") + "' is not an order of the " +
                std::to_string(c.rank()) + " dimensions of '" + c.name + "'";
        } else if (aliased.contains(a->data)) {
          why = "a View aliases '" + c.name + "' and assumes its layout";
        } else if (strides_for(c.shape, *order) == c.strides) {
          why = "'" + c.name + "' already has that layout";
        } else {
          for (const ir::StateId s2 : program.states.ids())
            for (const ir::NodeId u : users(program, program.states[s2].graph, a->data))
              if (const auto* lib = std::get_if<ir::LibraryNode>(&program.states[s2].graph.node(u)))
                why = "'" + c.name + "' is used by library node '" + lib->label +
                      "', which assumes its layout";
        }
        if (why.empty())
          result.matches.push_back(std::move(m));
        else
          result.rejected.push_back({std::move(m), why});
      }
    }
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& params) const override {
    const ir::ContainerId id = rewriter.graph(match.scope).get<ir::AccessNode>(match.nodes[0]).data;
    ir::Container c = rewriter.program().containers[id];
    c.strides = strides_for(c.shape, *parse_order(param_string(params, "order"), c.rank()));
    rewriter.replace_container(id, std::move(c));
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_change_layout() {
  return std::make_shared<ChangeLayout>();
}

}  // namespace sluice::transforms
