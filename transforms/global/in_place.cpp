// in-place (tier 4): an element-wise map that reads a transient for the last time writes its
// result into that transient's memory: the output becomes a View of the input. Safe because
// each iteration reads the element it then overwrites, and nothing reads the input later.

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
    const auto aliased = viewed(program);
    MatchResult result;
    for (const ir::StateId s : program.states.ids()) {
      const ir::Graph& g = program.states[s].graph;
      const Scope scope{s, {}};
      for (const ir::NodeId n : g.node_ids()) {
        const auto* map = std::get_if<ir::MapNode>(&g.node(n));
        if (!map || g.out_edges(n).size() != 1) continue;
        const ir::NodeId out_node = g.edge(g.out_edges(n).front()).dst;
        const auto* out_access = std::get_if<ir::AccessNode>(&g.node(out_node));
        if (!out_access) continue;
        const ir::ContainerId out = out_access->data;
        const auto accesses = body_accesses(*map->body);
        for (const ir::EdgeId e : g.in_edges(n)) {
          const ir::NodeId in_node = g.edge(e).src;
          const auto* in_access = std::get_if<ir::AccessNode>(&g.node(in_node));
          if (!in_access || in_access->data == out) continue;
          const ir::ContainerId in = in_access->data;
          Match m = make_match(scope, {n, in_node, out_node},
                               "map '" + map->label + "' writes '" + program.containers[out].name +
                                   "' over '" + program.containers[in].name + "'");
          std::string why = alias_refusal(program, in, out);
          if (why.empty() && (aliased.contains(in) || aliased.contains(out) ||
                              program.containers[in].view || program.containers[out].view))
            why = "a view already aliases one of them";
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
          if (why.empty()) {
            for (const ir::NodeId u : users(program, g, in))
              if (u != n && !descendants(g, u).contains(n))
                why = "'" + program.containers[in].name + "' is still read after map '" +
                      map->label + "'";
            for (const ir::NodeId a : g.node_ids()) {
              const auto* access = std::get_if<ir::AccessNode>(&g.node(a));
              if (!access || ir::analysis::view_root(program, access->data) != out) continue;
              for (const ir::EdgeId w : g.in_edges(a))
                if (g.edge(w).src != n)
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
