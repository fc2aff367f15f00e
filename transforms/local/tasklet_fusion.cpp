// tasklet-fusion (tier 1): a tasklet whose only result goes, through a transient used nowhere
// else, to one other tasklet is merged into it: the value becomes a local of the consumer's
// code (a register), and the transient, its Access node and the write and read go.

#include <algorithm>

#include "ir/analysis/data_movement.h"
#include "transforms/aliasing.h"
#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

/// How many Access nodes, in every graph of the program, name each container.
std::map<ir::ContainerId, int> access_counts(const ir::Program& program) {
  std::map<ir::ContainerId, int> counts;
  for_each_scope(program, [&](const Scope&, const ir::Graph& g) {
    for (const ir::NodeId n : g.node_ids())
      if (const auto* a = std::get_if<ir::AccessNode>(&g.node(n))) ++counts[a->data];
  });
  return counts;
}

/// The Access node between `producer` and its single consumer tasklet, or why there is none.
struct Link {
  ir::NodeId access;
  ir::NodeId consumer;
  std::string why_not;
};

Link find_link(const ir::Program& program, const ir::Graph& g, ir::NodeId producer,
               const std::map<ir::ContainerId, int>& counts) {
  const auto& t = g.get<ir::TaskletNode>(producer);
  if (t.outputs.size() != 1 || g.out_edges(producer).size() != 1)
    return {{}, {}, "tasklet '" + t.label + "' has more than one result"};
  const ir::Edge& write = g.edge(g.out_edges(producer).front());
  const auto* a = std::get_if<ir::AccessNode>(&g.node(write.dst));
  if (!a) return {{}, {}, "tasklet '" + t.label + "' writes no container"};
  const ir::Container& c = program.containers[a->data];
  const std::string name = "'" + c.name + "'";
  if (!c.transient) return {{}, {}, name + " is a program argument"};
  if (c.view || counts.at(a->data) != 1 || viewed(program).contains(a->data))
    return {{}, {}, name + " is used elsewhere"};
  if (g.in_edges(write.dst).size() != 1 || g.out_edges(write.dst).size() != 1)
    return {{}, {}, name + " has other readers or writers"};
  const ir::Edge& read = g.edge(g.out_edges(write.dst).front());
  const auto* consumer = std::get_if<ir::TaskletNode>(&g.node(read.dst));
  if (!consumer) return {{}, {}, name + " is read by a node that is not a tasklet"};
  if (write.memlet.wcr != ir::WriteConflict::None)
    return {{}, {}, "tasklet '" + t.label + "' combines into " + name};
  if (!(write.memlet.subset == read.memlet.subset) ||
      ir::subset_size(write.memlet.subset).constant_value() != 1)
    return {{}, {}, name + " is read at another element than written"};
  return {write.dst, read.dst, {}};
}

class TaskletFusion final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "tasklet-fusion"; }
  [[nodiscard]] int tier() const override { return 1; }
  [[nodiscard]] std::string_view description() const override {
    return "Merge a tasklet into the one tasklet that reads its result, when the result passes "
           "through a transient used nowhere else: the value becomes a local of the merged "
           "code, and the transient goes.";
  }
  [[nodiscard]] bool repeat_to_fixpoint() const override { return true; }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& /*params*/) const override {
    const auto counts = access_counts(program);
    MatchResult result;
    for_each_scope(program, [&](const Scope& scope, const ir::Graph& g) {
      for (const ir::NodeId n : g.node_ids()) {
        const auto* t = std::get_if<ir::TaskletNode>(&g.node(n));
        if (!t) continue;
        const Link link = find_link(program, g, n, counts);
        if (!link.why_not.empty()) {
          result.rejected.push_back(
              {make_match(scope, {n}, "tasklet '" + t->label + "'"), link.why_not});
          continue;
        }
        result.matches.push_back(make_match(scope, {n, link.access, link.consumer},
                                            "tasklet '" + t->label + "' into tasklet '" +
                                                g.get<ir::TaskletNode>(link.consumer).label + "'"));
      }
    });
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& /*params*/) const override {
    const Scope& scope = match.scope;
    const ir::Graph& g = rewriter.graph(scope);
    const ir::NodeId p_id = match.nodes[0];
    const ir::NodeId access = match.nodes[1];
    const ir::NodeId c_id = match.nodes[2];
    const ir::TaskletNode producer = g.get<ir::TaskletNode>(p_id);
    ir::TaskletNode consumer = g.get<ir::TaskletNode>(c_id);
    const ir::ContainerId value = g.get<ir::AccessNode>(access).data;
    const ir::DType dtype = rewriter.program().containers[value].dtype;
    const std::string& in_conn = g.edge(g.out_edges(access).front()).dst_conn;

    // The producer's names, renamed apart from the consumer's.
    std::set<std::string> taken(consumer.inputs.begin(), consumer.inputs.end());
    taken.insert(consumer.outputs.begin(), consumer.outputs.end());
    for (const auto& l : ir::tasklet_locals(consumer.code)) taken.insert(l);
    std::map<std::string, std::string> renames;
    std::set<std::string> names(producer.inputs.begin(), producer.inputs.end());
    names.insert(producer.outputs.begin(), producer.outputs.end());
    for (const auto& l : ir::tasklet_locals(producer.code)) names.insert(l);
    for (const auto& n : names) {
      const std::string fresh = fresh_name(rewriter.program(), taken, n);
      taken.insert(fresh);
      renames[n] = fresh;
    }
    ir::TaskletCode code = ir::rename_variables(producer.code, renames);
    const std::string result = renames.at(producer.outputs.front());
    bool declared = false;
    for (auto& statement : code.statements)
      if (statement.target == result && !declared) {
        statement.let_type = dtype;
        declared = true;
      }
    const ir::TaskletCode rest = ir::rename_variables(consumer.code, {{in_conn, result}});
    code.statements.insert(code.statements.end(), rest.statements.begin(), rest.statements.end());
    consumer.code = std::move(code);
    std::erase(consumer.inputs, in_conn);
    for (const auto& i : producer.inputs) consumer.inputs.push_back(renames.at(i));
    consumer.label = producer.label + "_" + consumer.label;

    std::vector<ir::Edge> feeds;
    for (const ir::EdgeId e : g.in_edges(p_id)) {
      ir::Edge edge = g.edge(e);
      edge.dst = c_id;
      edge.dst_conn = renames.at(edge.dst_conn);
      feeds.push_back(std::move(edge));
    }
    rewriter.remove_node(scope, p_id);
    rewriter.remove_node(scope, access);
    rewriter.replace_node(scope, c_id, std::move(consumer));
    for (auto& edge : feeds) rewriter.add_edge(scope, std::move(edge));
    rewriter.remove_container(value);
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_tasklet_fusion() {
  return std::make_shared<TaskletFusion>();
}

}  // namespace sluice::transforms
