#pragma once
/// What the graph view draws, before layout: a flat list of boxes, scopes and arrows built
/// from a program's states (no Qt, no Graphviz, so it can be built and tested anywhere).
///
///   DescribeOptions options;
///   options.state = program.start_state;       // one state; nullopt draws every state
///   options.collapsed.insert("s0/n3");          // map node 3 drawn as one box
///   GraphDescription d = describe_program(program, options);
///
/// Keys name what is drawn and survive re-layouts: `s0` a state, `s0/n3` a node of its graph,
/// `s0/n3/n5` node 5 of map 3's body, `s0/n3/entry` / `s0/n3/exit` the map's boundary,
/// `s0/e7` a memlet edge, `t2` an interstate edge. An expanded map is a scope (a Graphviz
/// cluster) holding an entry box, its body and an exit box; a collapsed one is a single box.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/program.h"

namespace sluice::gui {

enum class DrawKind { Access, Tasklet, Library, Nested, Map, MapEntry, MapExit, StateHeader };

struct DrawNode {
  std::string key;
  std::string label;   ///< Shown in the box and matched by search.
  std::string detail;  ///< Second line / tool tip: op, map ranges, container type.
  DrawKind kind = DrawKind::Access;
  int scope = -1;  ///< Index into `scopes`; -1: the top level.
};

struct DrawScope {
  std::string key;
  std::string label;
  bool is_state = false;  ///< A state's frame (all-states mode) rather than a map.
  int parent = -1;
};

struct DrawEdge {
  std::string key;
  int src = 0;  ///< Indices into `nodes`.
  int dst = 0;
  std::string label;        ///< Memlet: `A[0:N, i]  vol N`; interstate: condition.
  bool structural = false;  ///< Map entry -> body / body -> exit links (drawn dashed).
};

struct GraphDescription {
  std::vector<DrawNode> nodes;
  std::vector<DrawScope> scopes;
  std::vector<DrawEdge> edges;
};

struct DescribeOptions {
  std::optional<ir::StateId> state;  ///< Nullopt: all states, each in a frame.
  std::set<std::string> collapsed;   ///< Keys of map nodes drawn as one box.
};

GraphDescription describe_program(const ir::Program& program, const DescribeOptions& options);

/// Keys of top-level nodes and edges of a state (what the analyses report on).
std::string state_key(ir::StateId state);
std::string node_key(ir::StateId state, ir::NodeId node);
std::string edge_key(ir::StateId state, ir::EdgeId edge);

/// A memlet as the view labels it: `A[0:N, i]  vol N` (plus `wcr=sum`, `dynamic`).
std::string memlet_label(const ir::Program& program, const ir::Memlet& memlet);

}  // namespace sluice::gui
