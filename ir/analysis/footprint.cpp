#include "ir/analysis/footprint.h"

#include <algorithm>

namespace sluice::ir::analysis {

Expr container_bytes(const Program& program, ContainerId id) {
  const Container& c = program.containers[id];
  if (c.kind == ContainerKind::View || !in_memory(program, id)) return 0;
  return c.size_bytes();
}

Footprint memory_footprint(const Program& program) {
  std::vector<Expr> arguments;
  std::vector<Expr> transients;
  for (ContainerId id : program.containers.ids())
    (program.containers[id].transient ? transients : arguments)
        .push_back(container_bytes(program, id));
  return Footprint{sum(arguments), sum(transients)};
}

PeakMemory peak_transient_memory(const Program& program, const Liveness& liveness,
                                 const SymbolValues& values) {
  PeakMemory peak;
  if (liveness.points.empty() || liveness.intervals.empty()) return peak;
  // Sweep: each interval adds its size at its first point and removes it after its last.
  std::vector<std::int64_t> delta(liveness.points.size() + 1, 0);
  std::vector<std::int64_t> sizes;
  sizes.reserve(liveness.intervals.size());
  for (const LiveInterval& interval : liveness.intervals) {
    sizes.push_back(container_bytes(program, interval.container).evaluate(values));
    delta[interval.first] += sizes.back();
    delta[interval.last + 1] -= sizes.back();
  }
  std::int64_t live = 0;
  for (std::size_t point = 0; point < liveness.points.size(); ++point) {
    live += delta[point];
    if (!peak.point || live > peak.bytes) {
      peak.bytes = live;
      peak.point = point;
    }
  }
  for (std::size_t i = 0; i < liveness.intervals.size(); ++i) {
    const LiveInterval& interval = liveness.intervals[i];
    if (interval.first <= *peak.point && *peak.point <= interval.last && sizes[i] > 0)
      peak.live.push_back(interval.container);
  }
  return peak;
}

}  // namespace sluice::ir::analysis
