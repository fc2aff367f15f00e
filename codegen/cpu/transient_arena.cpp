#include "codegen/cpu/transient_arena.h"

#include <set>

#include "ir/analysis/liveness.h"

namespace sluice::codegen {

namespace {

/// States that lie on a cycle of interstate edges (a state can reach itself).
std::set<ir::StateId> states_on_cycles(const ir::Program& program) {
  std::set<ir::StateId> on_cycle;
  for (const ir::StateId start : program.states.ids()) {
    std::set<ir::StateId> seen;
    std::vector<ir::StateId> stack{start};
    while (!stack.empty() && !on_cycle.contains(start)) {
      const ir::StateId s = stack.back();
      stack.pop_back();
      for (const ir::InterstateEdgeId e : program.out_interstate_edges(s)) {
        const ir::StateId next = program.interstate_edges[e].dst;
        if (next == start) on_cycle.insert(start);
        if (seen.insert(next).second) stack.push_back(next);
      }
    }
  }
  return on_cycle;
}

}  // namespace

std::vector<ArenaLifetime> plan_arena_lifetimes(const ir::Program& program,
                                                const std::vector<ir::ContainerId>& transients) {
  const ir::analysis::Liveness liveness = ir::analysis::analyze_liveness(program);
  const std::set<ir::StateId> looping = states_on_cycles(program);
  std::vector<ArenaLifetime> out;
  out.reserve(transients.size());
  for (const ir::ContainerId id : transients) {
    const ir::analysis::LiveInterval* interval = liveness.find(id);
    ArenaLifetime lifetime;
    if (interval != nullptr && program.containers[id].lifetime != ir::Lifetime::Persistent) {
      lifetime = {true, interval->first, interval->last};
      for (std::size_t p = interval->first; p <= interval->last && lifetime.pooled; ++p)
        lifetime.pooled = !looping.contains(liveness.points[p].state);
    }
    out.push_back(lifetime);
  }
  return out;
}

const std::string_view kArenaPlannerSource = R"ARENA(
// Places the transients in `order`, each at the lowest 64-byte-aligned offset clear of every
// placed one whose lifetime [first, last] overlaps its own. Returns the arena's size in bytes.
// `lo` and `hi` are scratch of n elements.
static size_t sl_place_in_order(int n, const size_t* bytes, const int64_t* first,
                                const int64_t* last, const int* order, size_t* offset, size_t* lo,
                                size_t* hi) {
  size_t total = 0;
  for (int k = 0; k < n; ++k) {
    const int i = order[k];
    int m = 0;  // the placed transients live at the same time as i, sorted by offset
    for (int q = 0; q < k; ++q) {
      const int p = order[q];
      if (first[p] > last[i] || first[i] > last[p]) continue;
      int at = m++;
      for (; at > 0 && lo[at - 1] > offset[p]; --at) {
        lo[at] = lo[at - 1];
        hi[at] = hi[at - 1];
      }
      lo[at] = offset[p];
      hi[at] = offset[p] + bytes[p];
    }
    size_t candidate = 0;
    for (int q = 0; q < m; ++q) {
      if (lo[q] >= candidate + bytes[i]) break;
      if (hi[q] > candidate) candidate = (hi[q] + 63) / 64 * 64;
    }
    offset[i] = candidate;
    if (candidate + bytes[i] > total) total = candidate + bytes[i];
  }
  return total;
}

// Places n transients in one arena (codegen/cpu/transient_arena.h): first fit in three orders
// (largest first; largest lifetime area first; earliest first, then largest), keeping the
// smallest arena. Ties go by index, so the plan is deterministic. Returns its size in bytes.
static size_t sl_plan_arena(int n, const size_t* bytes, const int64_t* first, const int64_t* last,
                            size_t* offset) {
  const size_t count = (size_t)(n > 0 ? n : 1);
  int* order = static_cast<int*>(std::malloc(sizeof(int) * count));
  size_t* trial = static_cast<size_t*>(std::malloc(sizeof(size_t) * count));
  size_t* lo = static_cast<size_t*>(std::malloc(sizeof(size_t) * count));
  size_t* hi = static_cast<size_t*>(std::malloc(sizeof(size_t) * count));
  if (!order || !trial || !lo || !hi) {
    std::free(order);
    std::free(trial);
    std::free(lo);
    std::free(hi);
    return (size_t)-1;
  }
  const auto area = [&](int i) { return (double)bytes[i] * (double)(last[i] - first[i] + 1); };
  size_t best = (size_t)-1;
  for (int strategy = 0; strategy < 3; ++strategy) {
    const auto before = [&](int a, int b) {  // a goes before b
      if (strategy == 1 && area(a) != area(b)) return area(a) > area(b);
      if (strategy == 2 && first[a] != first[b]) return first[a] < first[b];
      if (bytes[a] != bytes[b]) return bytes[a] > bytes[b];
      return a < b;
    };
    for (int i = 0; i < n; ++i) order[i] = i;
    for (int i = 1; i < n; ++i)  // insertion sort: a few hundred transients at most
      for (int j = i; j > 0 && before(order[j], order[j - 1]); --j) {
        const int t = order[j];
        order[j] = order[j - 1];
        order[j - 1] = t;
      }
    const size_t total = sl_place_in_order(n, bytes, first, last, order, trial, lo, hi);
    if (total < best) {
      best = total;
      for (int i = 0; i < n; ++i) offset[i] = trial[i];
    }
  }
  std::free(order);
  std::free(trial);
  std::free(lo);
  std::free(hi);
  return n > 0 ? best : 0;
}
)ARENA";

}  // namespace sluice::codegen
