#pragma once
/// The overlays of the graph view: a value per drawn node and edge (by key, see
/// graph_description.h), shown as a heat colour, with the text for tool tips.
///
///   const Report report = build_report(program, {});
///   Overlay heat = data_movement_overlay(report);   // bytes per kernel and per memlet
///   Overlay work = flops_overlay(report);           // FLOPs per kernel
///   Overlay time = kernel_time_overlay(times);      // measured seconds per kernel

#include <map>
#include <string>
#include <vector>

#include "ir/analysis/report.h"

namespace sluice::gui {

enum class OverlayKind { None, DataMovement, Flops, MeasuredTime };

/// "none", "data-movement", "flops", "time"; parse_overlay_kind accepts these.
std::string overlay_kind_name(OverlayKind kind);
bool parse_overlay_kind(const std::string& name, OverlayKind& kind);

struct Overlay {
  OverlayKind kind = OverlayKind::None;
  std::map<std::string, double> nodes;  ///< Key -> value (bytes, FLOPs, seconds).
  std::map<std::string, double> edges;
  std::string unit;  ///< "B", "FLOP", "s".
  [[nodiscard]] bool empty() const { return nodes.empty() && edges.empty(); }
  /// The largest value over nodes and edges, for scaling colours (0 when empty).
  [[nodiscard]] double max_node_value() const;
  [[nodiscard]] double max_edge_value() const;
};

/// A value as the tool tip shows it: "12.0 MiB", "3.4 G FLOP", "1.25 ms".
std::string format_overlay_value(const Overlay& overlay, double value);

/// Bytes each kernel accesses (its boundary memlets' volume bytes) and each top-level memlet
/// moves; a copy kernel is shown on its edge.
Overlay data_movement_overlay(const ir::analysis::Report& report);
/// FLOPs per kernel.
Overlay flops_overlay(const ir::analysis::Report& report);

/// One measured kernel time, e.g. from a profiled run.
struct KernelTime {
  ir::StateId state;
  ir::NodeId node;  ///< For a copy, its destination Access node (analysis::KernelRef::node).
  double seconds = 0;
};
Overlay kernel_time_overlay(const std::vector<KernelTime>& times);

}  // namespace sluice::gui
