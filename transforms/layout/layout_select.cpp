// layout-select (tier 2): chooses the memory layout (dimension order) of every transient array
// at once, to minimize the layout-aware cost of transforms/layout/layout_cost.h over all the
// kernels that touch them. The choice for one array changes the cost of the kernels on both
// sides of it, so arrays are decided together: rounds of coordinate descent, each array taking
// its cheapest order given the others' current ones, until a round changes nothing (for a chain
// of kernels this is the shortest path over their configurations that "Data Movement Is All You
// Need" computes). Arrays read by Views keep their layout.

#include <algorithm>
#include <numeric>

#include "transforms/aliasing.h"
#include "transforms/builtins.h"
#include "transforms/layout/layout_cost.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

std::vector<ir::Expr> strides_in_order(const std::vector<ir::Expr>& shape,
                                       const std::vector<std::size_t>& order) {
  std::vector<ir::Expr> strides(shape.size(), ir::Expr(1));
  ir::Expr step = 1;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    strides[*it] = step;
    step = step * shape[*it];
  }
  return strides;
}

struct Plan {
  std::map<ir::ContainerId, std::vector<ir::Expr>> strides;  ///< Only the arrays that change.
  double before = 0.0;
  double after = 0.0;
  bool feasible = true;
};

Plan choose(const ir::Program& program, std::int64_t rounds) {
  Plan plan;
  const auto movement = ir::analysis::analyze_data_movement(program);
  std::vector<const ir::analysis::KernelMovement*> kernels;
  std::map<ir::ContainerId, std::vector<std::size_t>> touching;
  for (const auto& state : movement.states)
    for (const auto& k : state.kernels) {
      for (const auto& m : k.memlets) {
        auto& list = touching[ir::analysis::view_root(program, m.data)];
        if (list.empty() || list.back() != kernels.size()) list.push_back(kernels.size());
      }
      kernels.push_back(&k);
    }
  ir::Program work = program;
  std::vector<double> cost(kernels.size());
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    const auto c = kernel_layout_cost(work, *kernels[i]);
    if (!c) {
      plan.feasible = false;
      return plan;
    }
    cost[i] = *c;
    plan.before += *c;
  }
  const auto aliased = viewed(program);
  std::vector<ir::ContainerId> candidates;
  for (const auto& [id, list] : touching) {
    const ir::Container& c = program.containers[id];
    if (c.transient && c.kind == ir::ContainerKind::Array && !aliased.contains(id) &&
        c.rank() >= 2 && c.rank() <= 4)
      candidates.push_back(id);
  }
  for (std::int64_t round = 0; round < rounds; ++round) {
    bool changed = false;
    for (const ir::ContainerId id : candidates) {
      ir::Container& c = work.containers[id];
      const auto& list = touching.at(id);
      double current = 0.0;
      for (const auto k : list) current += cost[k];
      std::vector<ir::Expr> best = c.strides;
      double best_cost = current;
      std::vector<std::size_t> order(c.rank());
      std::iota(order.begin(), order.end(), 0);
      do {
        const auto strides = strides_in_order(c.shape, order);
        if (strides == best) continue;
        c.strides = strides;
        double total = 0.0;
        bool ok = true;
        for (const auto k : list) {
          const auto kc = kernel_layout_cost(work, *kernels[k]);
          if (!kc) {
            ok = false;
            break;
          }
          total += *kc;
        }
        if (ok && total < best_cost - 1e-6 * best_cost) {
          best_cost = total;
          best = strides;
        }
      } while (std::next_permutation(order.begin(), order.end()));
      c.strides = best;
      if (best_cost < current) {
        changed = true;
        for (const auto k : list) cost[k] = *kernel_layout_cost(work, *kernels[k]);
      }
    }
    if (!changed) break;
  }
  for (const ir::ContainerId id : candidates)
    if (!(work.containers[id].strides == program.containers[id].strides))
      plan.strides[id] = work.containers[id].strides;
  plan.after = std::accumulate(cost.begin(), cost.end(), 0.0);
  return plan;
}

class LayoutSelect final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "layout-select"; }
  [[nodiscard]] int tier() const override { return 2; }
  [[nodiscard]] std::string_view description() const override {
    return "Choose the dimension order of every transient array together, minimizing the bytes "
           "each kernel touches weighted by how its innermost loop strides through them "
           "(coordinate descent over the arrays until no order improves; BLAS operands keep a "
           "unit-stride dimension). Arrays that Views read keep their layout.";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"rounds", ParamType::Int, std::int64_t{4}, "most rounds of descent", {}}};
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    MatchResult result;
    if (!program.start_state.valid()) return result;
    const Plan plan = choose(program, param_int(params, "rounds"));
    const Scope scope{program.start_state, {}};
    Match m = make_match(scope, {}, "");
    if (!plan.feasible) {
      result.rejected.push_back({m, "the current layouts are infeasible for a library call"});
      return result;
    }
    if (plan.strides.empty()) {
      result.rejected.push_back({m, "every transient array already has its cheapest layout"});
      return result;
    }
    // The match names one Access node of each array that changes (in the start state when it
    // has one), so a recipe records which arrays were relaid.
    for (const auto& [id, strides] : plan.strides)
      for (const ir::StateId s : program.states.ids()) {
        const ir::Graph& g = program.states[s].graph;
        const auto nodes = g.node_ids();
        const auto it = std::find_if(nodes.begin(), nodes.end(), [&](ir::NodeId n) {
          const auto* a = std::get_if<ir::AccessNode>(&g.node(n));
          return a && a->data == id;
        });
        if (it == nodes.end()) continue;
        if (s == scope.state) m.nodes.push_back(*it);
        break;
      }
    m.description = std::to_string(plan.strides.size()) + " layouts; weighted bytes " +
                    std::to_string(static_cast<long long>(plan.before)) + " -> " +
                    std::to_string(static_cast<long long>(plan.after));
    result.matches.push_back(std::move(m));
    return result;
  }

  void apply(Rewriter& rewriter, const Match& /*match*/, const ParamValues& params) const override {
    const Plan plan = choose(rewriter.program(), param_int(params, "rounds"));
    for (const auto& [id, strides] : plan.strides) {
      ir::Container c = rewriter.program().containers[id];
      c.strides = strides;
      rewriter.replace_container(id, std::move(c));
    }
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_layout_select() {
  return std::make_shared<LayoutSelect>();
}

}  // namespace sluice::transforms
