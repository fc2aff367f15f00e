#pragma once
/// The layered layout of a `GraphDescription`, computed by Graphviz's dot (libgvc).
///
/// Pure computation with no Qt objects, so it runs on a worker thread (layout_job.h). Graphviz
/// keeps global state, so calls are serialized by a process-wide lock. Boxes are sized from
/// their labels here and handed to dot as fixed sizes; labels are drawn by the view, not dot,
/// which keeps dot fast on large graphs. Coordinates are in points with y growing downwards.

#include <cstddef>
#include <string>
#include <vector>

#include "gui/view/graph_description.h"

namespace sluice::gui {

struct LayoutPoint {
  double x = 0;
  double y = 0;
};

struct LayoutBox {
  double x = 0;  ///< Top-left corner.
  double y = 0;
  double width = 0;
  double height = 0;
};

/// An edge's route: cubic Bézier control points (1 + 3k of them) and the arrow's tip.
struct EdgeRoute {
  std::vector<LayoutPoint> bezier;
  LayoutPoint tip;
  bool has_tip = false;
  LayoutPoint label;  ///< Centre of the label where dot placed it (see dot_places_labels).
  bool has_label = false;
};

/// Whether dot places the edge labels itself (room between ranks, no overlaps): only for small
/// graphs with few map clusters, because labels inside clusters make dot dramatically slower
/// (the expanded sample model, 608 nodes and 60 maps: 13 s with labels, 0.4 s without).
/// Otherwise labels sit at their edge's midpoint.
bool dot_places_labels(const GraphDescription& description);

struct GraphLayout {
  std::vector<LayoutBox> nodes;   ///< Parallel to `GraphDescription::nodes`.
  std::vector<LayoutBox> scopes;  ///< Parallel to `GraphDescription::scopes`.
  std::vector<EdgeRoute> edges;   ///< Parallel to `GraphDescription::edges`.
  double width = 0;
  double height = 0;
  double seconds = 0;  ///< How long dot took.
  std::string error;   ///< Non-empty when Graphviz failed; the rest is then empty.
};

/// The size a node's box gets (points): wide enough for its label and detail lines.
LayoutBox node_size(const DrawNode& node);

GraphLayout layout_graph(const GraphDescription& description);

}  // namespace sluice::gui
