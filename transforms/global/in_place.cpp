// in-place (tier 4): an element-wise map that reads a transient for the last time writes its
// result into that transient's memory: the output becomes a View of the input. Safe because
// each iteration reads the element it then overwrites, and nothing reads the input later. A map
// with several outputs (an element-wise result beside a fused reduction) qualifies for each
// output that it writes element-wise.

#include <algorithm>

#include "ir/analysis/data_movement.h"
#include "transforms/aliasing.h"
#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

/// The subsets at which a map's body reads and writes each container (top level of the body).
struct BodyAccess {
  std::vector<ir::Subset> reads;
  std::vector<ir::Subset> writes;
  bool combined = false;  ///< A write with write-conflict resolution.
};

std::map<ir::ContainerId, BodyAccess> body_accesses(const ir::Graph& body) {
  std::map<ir::ContainerId, BodyAccess> out;
  for (const ir::EdgeId e : body.edge_ids()) {
    const ir::Memlet& m = body.edge(e).memlet;
    if (m.empty()) continue;
    const bool write = std::holds_alternative<ir::AccessNode>(body.node(body.edge(e).dst));
    auto& access = out[m.data];
    (write ? access.writes : access.reads).push_back(m.subset);
    access.combined = access.combined || m.wcr != ir::WriteConflict::None;
  }
  return out;
}

/// True when, in a map body, every node reading `in` comes before (reaches) the Access node that
/// `out` is written into, or is that write's source itself: an iteration reads its element of
/// `in` before it overwrites it (several tasklets of a fused body run in dataflow order).
bool reads_before_write(const ir::Graph& body, ir::ContainerId in, ir::ContainerId out) {
  std::vector<ir::NodeId> writes;
  for (const ir::NodeId a : body.node_ids()) {
    const auto* access = std::get_if<ir::AccessNode>(&body.node(a));
    if (access && access->data == out && !body.in_edges(a).empty()) writes.push_back(a);
  }
  for (const ir::EdgeId e : body.edge_ids()) {
    const ir::Edge& edge = body.edge(e);
    if (edge.memlet.empty() || edge.memlet.data != in ||
        !std::holds_alternative<ir::AccessNode>(body.node(edge.src)))
      continue;
    const auto after = descendants(body, edge.dst);
    for (const ir::NodeId w : writes)
      if (!after.contains(w)) return false;
  }
  return true;
}

/// True when a map body names a View of `in` or `out` (not the two themselves): its element-wise
/// accesses would then not all be seen under those two names.
bool touches_an_alias(const ir::Program& program, const ir::Graph& body, ir::ContainerId in,
                      ir::ContainerId out) {
  for (const ir::EdgeId e : body.edge_ids()) {
    const ir::Memlet& m = body.edge(e).memlet;
    if (m.empty() || m.data == in || m.data == out) continue;
    const ir::ContainerId root = ir::analysis::view_root(program, m.data);
    if (root == in || root == out) return true;
  }
  return false;
}

class InPlace final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "in-place"; }
  [[nodiscard]] int tier() const override { return 4; }
  [[nodiscard]] std::string_view description() const override {
    return "Let an element-wise map write its output into the memory of a transient input that "
           "it reads for the last time, at the same element it writes. The output becomes a "
           "View of the input: one buffer instead of two.";
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& /*params*/) const override {
    MatchResult result;
    for (const ir::StateId s : program.states.ids()) {
      const ir::Graph& g = program.states[s].graph;
      const Scope scope{s, {}};
      for (const ir::NodeId n : g.node_ids()) {
        const auto* map = std::get_if<ir::MapNode>(&g.node(n));
        if (!map) continue;
        // Each output of the map (a map may also write others, e.g. a fused reduction):
        // the other outputs are other containers, and the input is no view's root (below),
        // so only this output's writes can touch the input's memory.
        std::vector<ir::NodeId> out_nodes;
        for (const ir::EdgeId oe : g.out_edges(n)) {
          const ir::NodeId d = g.edge(oe).dst;
          if (std::holds_alternative<ir::AccessNode>(g.node(d)) &&
              std::find(out_nodes.begin(), out_nodes.end(), d) == out_nodes.end())
            out_nodes.push_back(d);
        }
        if (out_nodes.size() != g.out_edges(n).size()) continue;
        for (const ir::NodeId out_node : out_nodes) {
          const ir::ContainerId out = g.get<ir::AccessNode>(out_node).data;
          const auto accesses = body_accesses(*map->body);
          for (const ir::EdgeId e : g.in_edges(n)) {
            const ir::NodeId in_node = g.edge(e).src;
            const auto* in_access = std::get_if<ir::AccessNode>(&g.node(in_node));
            if (!in_access || in_access->data == out) continue;
            const ir::ContainerId in = in_access->data;
            Match m =
                make_match(scope, {n, in_node, out_node},
                           "map '" + map->label + "' writes '" + program.containers[out].name +
                               "' over '" + program.containers[in].name + "'");
            std::string why = alias_refusal(program, in, out);
            // Views of either (a reshape a BLAS call reads) are fine: users() and the writer
            // check below follow them to their memory; the map itself must name the two.
            if (why.empty() && (program.containers[in].view || program.containers[out].view))
              why = "one of them is a view";
            if (why.empty() && touches_an_alias(program, *map->body, in, out))
              why = "map '" + map->label + "' reads or writes a view of one of them";
            if (why.empty()) {
              const auto it_in = accesses.find(in);
              const auto it_out = accesses.find(out);
              if (!inner_maps(*map->body).empty() || it_in == accesses.end() ||
                  it_out == accesses.end() || it_out->second.writes.size() != 1 ||
                  it_out->second.combined || !it_out->second.reads.empty())
                why = "map '" + map->label + "' is not element-wise in '" +
                      program.containers[out].name + "'";
              else
                for (const auto& r : it_in->second.reads)
                  if (!(r == it_out->second.writes.front()) || !it_in->second.writes.empty())
                    why = "map '" + map->label + "' reads '" + program.containers[in].name +
                          "' at other elements than it writes";
            }
            if (why.empty() && !reads_before_write(*map->body, in, out))
              why = "in map '" + map->label + "', a read of '" + program.containers[in].name +
                    "' is not ordered before the write of '" + program.containers[out].name + "'";
            if (why.empty()) {
              for (const ir::NodeId u : users(program, g, in))
                if (u != n && !descendants(g, u).contains(n))
                  why = "'" + program.containers[in].name + "' is still read after map '" +
                        map->label + "'";
              for (const ir::NodeId a : g.node_ids()) {
                const auto* access = std::get_if<ir::AccessNode>(&g.node(a));
                if (!access || ir::analysis::view_root(program, access->data) != out) continue;
                for (const ir::EdgeId w : g.in_edges(a))
                  if (g.edge(w).src != n && !g.edge(w).memlet.empty())  // not an ordering edge
                    why = "'" + program.containers[out].name + "' has another writer";
              }
            }
            if (why.empty())
              result.matches.push_back(std::move(m));
            else
              result.rejected.push_back({std::move(m), why});
          }
        }
      }
    }
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& /*params*/) const override {
    const ir::Graph& g = rewriter.graph(match.scope);
    alias_memory(rewriter, g.get<ir::AccessNode>(match.nodes[1]).data,
                 g.get<ir::AccessNode>(match.nodes[2]).data);
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_in_place() { return std::make_shared<InPlace>(); }

}  // namespace sluice::transforms
