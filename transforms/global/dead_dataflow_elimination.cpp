// dead-dataflow-elimination (tier 4): removes computations whose results nobody reads. A node
// is dead when every container it writes is a transient that no other Access node and no View
// refers to, and the Access nodes it writes have no readers; it goes together with those
// Access nodes (and their containers), and input Access nodes left without edges.

#include <algorithm>
#include <set>

#include "transforms/builtins.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

/// How many top-level Access nodes refer to each container, over all states.
std::map<ir::ContainerId, int> access_counts(const ir::Program& program) {
  std::map<ir::ContainerId, int> counts;
  for (const ir::StateId s : program.states.ids()) {
    const ir::Graph& g = program.states[s].graph;
    for (const ir::NodeId n : g.node_ids())
      if (const auto* a = std::get_if<ir::AccessNode>(&g.node(n))) ++counts[a->data];
  }
  return counts;
}

std::set<ir::ContainerId> viewed_containers(const ir::Program& program) {
  std::set<ir::ContainerId> viewed;
  for (const ir::ContainerId c : program.containers.ids())
    if (const auto& v = program.containers[c].view) viewed.insert(v->source);
  return viewed;
}

class DeadDataflowElimination final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "dead-dataflow-elimination"; }
  [[nodiscard]] int tier() const override { return 4; }
  [[nodiscard]] std::string_view description() const override {
    return "Remove a computation whose results nobody reads: every container it writes is a "
           "transient that no other part of the program reads or aliases. The Access nodes it "
           "wrote, their containers, and input Access nodes left unconnected go with it.";
  }
  [[nodiscard]] bool repeat_to_fixpoint() const override { return true; }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& /*params*/) const override {
    const auto counts = access_counts(program);
    const auto viewed = viewed_containers(program);
    MatchResult result;
    for (const ir::StateId s : program.states.ids()) {
      const ir::Graph& g = program.states[s].graph;
      const Scope scope{s, {}};
      for (const ir::NodeId n : g.node_ids()) {
        if (std::holds_alternative<ir::AccessNode>(g.node(n))) {
          // A lone Access node of a dead transient: nothing writes or reads it here.
          const auto& a = std::get<ir::AccessNode>(g.node(n));
          if (g.in_edges(n).empty() && g.out_edges(n).empty() &&
              program.containers[a.data].transient && counts.at(a.data) == 1 &&
              !viewed.contains(a.data))
            result.matches.push_back(make_match(
                scope, {n}, "unused access node '" + program.containers[a.data].name + "'"));
          continue;
        }
        if (g.out_edges(n).empty()) continue;
        std::vector<ir::NodeId> nodes{n};
        std::string why;
        for (const ir::EdgeId e : g.out_edges(n)) {
          const ir::NodeId dst = g.edge(e).dst;
          const auto* a = std::get_if<ir::AccessNode>(&g.node(dst));
          if (!a) {
            why = "it feeds another computation directly";
            break;
          }
          const ir::Container& c = program.containers[a->data];
          if (!c.transient)
            why = "it writes the program argument '" + c.name + "'";
          else if (!g.out_edges(dst).empty())
            why = "'" + c.name + "' is read";
          else if (g.in_edges(dst).size() != 1 &&
                   std::any_of(g.in_edges(dst).begin(), g.in_edges(dst).end(),
                               [&](ir::EdgeId in) { return g.edge(in).src != n; }))
            why = "'" + c.name + "' has another writer";
          else if (counts.at(a->data) > 1)
            why = "'" + c.name + "' is accessed elsewhere";
          else if (viewed.contains(a->data))
            why = "a view aliases '" + c.name + "'";
          if (!why.empty()) break;
          if (std::find(nodes.begin(), nodes.end(), dst) == nodes.end()) nodes.push_back(dst);
        }
        Match m = make_match(scope, nodes,
                             std::string(ir::node_kind_name(g.node(n))) + " '" +
                                 ir::node_label(g.node(n)) + "' is unused");
        if (why.empty())
          result.matches.push_back(std::move(m));
        else
          result.rejected.push_back({std::move(m), why});
      }
    }
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& /*params*/) const override {
    const ir::Graph& g = rewriter.graph(match.scope);
    std::set<ir::NodeId> inputs;
    for (const ir::NodeId n : match.nodes)
      for (const ir::EdgeId e : g.in_edges(n)) inputs.insert(g.edge(e).src);
    std::vector<ir::ContainerId> dead;
    for (const ir::NodeId n : match.nodes)
      if (const auto* a = std::get_if<ir::AccessNode>(&g.node(n))) dead.push_back(a->data);
    for (const ir::NodeId n : match.nodes) rewriter.remove_node(match.scope, n);
    for (const ir::NodeId n : inputs) {
      const ir::Graph& now = rewriter.graph(match.scope);
      if (now.has_node(n) && std::holds_alternative<ir::AccessNode>(now.node(n)) &&
          now.in_edges(n).empty() && now.out_edges(n).empty())
        rewriter.remove_node(match.scope, n);
    }
    for (const ir::ContainerId c : dead) rewriter.remove_container(c);
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_dead_dataflow_elimination() {
  return std::make_shared<DeadDataflowElimination>();
}

}  // namespace sluice::transforms
