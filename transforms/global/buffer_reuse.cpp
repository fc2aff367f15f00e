// buffer-reuse (tier 4): a transient whose whole use comes after another transient's last use
// takes over that one's memory (it becomes a View of it), so the program allocates, and
// touches in cache, less. Only within one state, and only when the graph itself orders every
// use of the earlier buffer before every use of the later one, so no later reordering of
// independent nodes can make them overlap. The shared buffer is live from the earlier one's first
// use to the later one's last (liveness cannot see the gap between them), so where sizes are
// known a reuse that would raise the program's peak of live transients is refused: sharing a
// buffer must not cost memory (a training step's forward buffer reused by the backward would
// otherwise hold memory through the whole step).

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>

#include "ir/analysis/data_movement.h"
#include "ir/analysis/footprint.h"
#include "ir/analysis/liveness.h"
#include "ir/diagnostic.h"
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

/// The bytes of live transients at each program point, when every transient's size is a
/// constant (else none: the check is skipped for programs with symbolic sizes).
struct LiveBytes {
  ir::analysis::Liveness liveness;
  std::vector<std::int64_t> at;                  ///< Per point.
  std::map<ir::ContainerId, std::int64_t> size;  ///< Per interval's container.
  std::int64_t peak = 0;
};

std::optional<LiveBytes> live_bytes(const ir::Program& program) {
  LiveBytes out;
  try {
    out.liveness = ir::analysis::analyze_liveness(program);
  } catch (const UserError&) {
    return std::nullopt;  // A cyclic state: nothing to compare against.
  }
  out.at.assign(out.liveness.points.size(), 0);
  for (const ir::analysis::LiveInterval& interval : out.liveness.intervals) {
    const auto bytes = ir::analysis::container_bytes(program, interval.container).constant_value();
    if (!bytes) return std::nullopt;
    out.size[interval.container] = *bytes;
    for (std::size_t p = interval.first; p <= interval.last; ++p) out.at[p] += *bytes;
  }
  for (const std::int64_t b : out.at) out.peak = std::max(out.peak, b);
  return out;
}

/// Why `later` sharing `earlier`'s buffer would raise the peak of live transients, or "".
std::string raises_peak(const ir::Program& program, const LiveBytes& live, ir::ContainerId earlier,
                        ir::ContainerId later) {
  const ir::analysis::LiveInterval* e = live.liveness.find(earlier);
  const ir::analysis::LiveInterval* l = live.liveness.find(later);
  if (e == nullptr || l == nullptr) return "";
  const std::int64_t e_size = live.size.at(earlier);
  const std::int64_t l_size = live.size.at(later);
  const std::size_t first = std::min(e->first, l->first);
  const std::size_t last = std::max(e->last, l->last);
  for (std::size_t p = first; p <= last; ++p) {
    const bool in_e = e->first <= p && p <= e->last;
    const bool in_l = l->first <= p && p <= l->last;
    const std::int64_t now = live.at[p] - (in_e ? e_size : 0) - (in_l ? l_size : 0) + e_size;
    if (now > live.peak)
      return "sharing would keep the buffer of '" + program.containers[earlier].name +
             "' live from its last use to the first use of '" + program.containers[later].name +
             "', raising the peak of live transients from " + std::to_string(live.peak) + " to " +
             std::to_string(now) + " bytes";
  }
  return "";
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
    const std::optional<LiveBytes> live = live_bytes(program);
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
        if (why.empty() && live) why = raises_peak(program, *live, earlier, later);
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
