// buffer-reuse (tier 4): a transient whose whole use comes after another transient's last use
// takes over that one's memory (it becomes a View of it), so the program allocates, and
// touches in cache, less. Only within one state, and only when the graph itself orders every
// use of the earlier buffer before every use of the later one, so no later reordering of
// independent nodes can make them overlap.

#include <map>

#include "ir/analysis/data_movement.h"
#include "transforms/aliasing.h"
#include "transforms/builtins.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

/// The Access nodes of each container's memory (views included) in each state.
struct Accesses {
  std::map<ir::ContainerId, std::map<ir::StateId, std::vector<ir::NodeId>>> of;
};

Accesses collect(const ir::Program& program) {
  Accesses out;
  for (const ir::StateId s : program.states.ids()) {
    const ir::Graph& g = program.states[s].graph;
    for (const ir::NodeId n : g.node_ids())
      if (const auto* a = std::get_if<ir::AccessNode>(&g.node(n)))
        out.of[ir::analysis::view_root(program, a->data)][s].push_back(n);
  }
  return out;
}

class BufferReuse final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "buffer-reuse"; }
  [[nodiscard]] int tier() const override { return 4; }
  [[nodiscard]] std::string_view description() const override {
    return "Let a transient reuse the memory of an earlier transient of the same dtype and size "
           "whose every use the dataflow graph orders before the later one's first use; the "
           "later one becomes a View of the earlier. Saves allocation and cache footprint, not "
           "bytes moved.";
  }
  [[nodiscard]] bool repeat_to_fixpoint() const override { return true; }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& /*params*/) const override {
    const Accesses accesses = collect(program);
    const auto aliased = viewed(program);
    MatchResult result;
    for (const auto& [later, later_states] : accesses.of) {
      const ir::Container& t = program.containers[later];
      if (!t.transient || t.view || aliased.contains(later) || later_states.size() != 1) continue;
      const ir::StateId state = later_states.begin()->first;
      const ir::Graph& g = program.states[state].graph;
      const auto later_users = users(program, g, later);
      if (later_users.empty()) continue;
      const Scope scope{state, {}};
      const ir::NodeId later_node = later_states.begin()->second.front();
      for (const auto& [earlier, earlier_states] : accesses.of) {
        if (earlier == later || !program.containers[earlier].transient ||
            program.containers[earlier].view || earlier_states.size() != 1 ||
            earlier_states.begin()->first != state)
          continue;
        Match m = make_match(
            scope, {later_node, earlier_states.begin()->second.front()},
            "'" + t.name + "' reuses the memory of '" + program.containers[earlier].name + "'");
        std::string why = alias_refusal(program, earlier, later);
        const auto earlier_users = users(program, g, earlier);
        bool ordered = !earlier_users.empty();
        for (const ir::NodeId u : earlier_users) {
          const auto after = descendants(g, u);
          for (const ir::NodeId v : later_users) ordered = ordered && after.contains(v);
          if (!ordered) break;
        }
        if (why.empty() && !ordered)
          why = "'" + program.containers[earlier].name + "' may still be in use when '" + t.name +
                "' is first written";
        if (!why.empty()) {
          result.rejected.push_back({std::move(m), why});
          continue;
        }
        // One partner per transient: the first (by id) that fits.
        result.matches.push_back(std::move(m));
        break;
      }
    }
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& /*params*/) const override {
    const ir::Graph& g = rewriter.graph(match.scope);
    const ir::Program& p = rewriter.program();
    const auto later = ir::analysis::view_root(p, g.get<ir::AccessNode>(match.nodes[0]).data);
    const auto earlier = ir::analysis::view_root(p, g.get<ir::AccessNode>(match.nodes[1]).data);
    alias_memory(rewriter, earlier, later);
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_buffer_reuse() {
  return std::make_shared<BufferReuse>();
}

}  // namespace sluice::transforms
