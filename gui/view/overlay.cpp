#include "gui/view/overlay.h"

#include <algorithm>
#include <cstdio>

#include "gui/view/graph_description.h"

namespace sluice::gui {

namespace {

double max_value(const std::map<std::string, double>& values) {
  double best = 0;
  for (const auto& [key, value] : values) best = std::max(best, value);
  return best;
}

std::string kernel_key(const ir::analysis::KernelRef& kernel) {
  return kernel.kind == ir::analysis::KernelKind::Copy ? edge_key(kernel.state, kernel.edge)
                                                       : node_key(kernel.state, kernel.node);
}

}  // namespace

std::string overlay_kind_name(OverlayKind kind) {
  switch (kind) {
    case OverlayKind::None: return "none";
    case OverlayKind::DataMovement: return "data-movement";
    case OverlayKind::Flops: return "flops";
    case OverlayKind::MeasuredTime: return "time";
  }
  return "none";
}

bool parse_overlay_kind(const std::string& name, OverlayKind& kind) {
  for (const OverlayKind candidate : {OverlayKind::None, OverlayKind::DataMovement,
                                      OverlayKind::Flops, OverlayKind::MeasuredTime}) {
    if (overlay_kind_name(candidate) == name) {
      kind = candidate;
      return true;
    }
  }
  return false;
}

double Overlay::max_node_value() const { return max_value(nodes); }
double Overlay::max_edge_value() const { return max_value(edges); }

std::string format_overlay_value(const Overlay& overlay, double value) {
  switch (overlay.kind) {
    case OverlayKind::DataMovement:
      return ir::analysis::format_bytes(static_cast<std::int64_t>(value));
    case OverlayKind::Flops:
      return ir::analysis::format_count(static_cast<std::int64_t>(value)) + " FLOP";
    case OverlayKind::MeasuredTime: {
      char text[32];
      std::snprintf(text, sizeof text, "%.3f ms", value * 1e3);
      return text;
    }
    case OverlayKind::None: break;
  }
  return {};
}

Overlay data_movement_overlay(const ir::analysis::Report& report) {
  Overlay overlay{OverlayKind::DataMovement, {}, {}, "B"};
  for (const ir::analysis::KernelRow& row : report.kernels) {
    const std::string key = kernel_key(row.kernel);
    auto& target =
        row.kernel.kind == ir::analysis::KernelKind::Copy ? overlay.edges : overlay.nodes;
    target[key] = static_cast<double>(row.counts.accessed_bytes);
    for (const ir::analysis::MemletRow& memlet : row.memlets) {
      double& bytes = overlay.edges[edge_key(row.kernel.state, memlet.edge)];
      bytes = std::max(bytes, static_cast<double>(memlet.accessed_bytes));
    }
  }
  return overlay;
}

Overlay flops_overlay(const ir::analysis::Report& report) {
  Overlay overlay{OverlayKind::Flops, {}, {}, "FLOP"};
  for (const ir::analysis::KernelRow& row : report.kernels)
    overlay.nodes[node_key(row.kernel.state, row.kernel.node)] =
        static_cast<double>(row.counts.flop_count);
  return overlay;
}

Overlay kernel_time_overlay(const std::vector<KernelTime>& times) {
  Overlay overlay{OverlayKind::MeasuredTime, {}, {}, "s"};
  for (const KernelTime& time : times)
    overlay.nodes[node_key(time.state, time.node)] += time.seconds;
  return overlay;
}

}  // namespace sluice::gui
