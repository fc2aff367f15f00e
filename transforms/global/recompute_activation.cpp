// recompute-activation (tier 4): the last reader of a stored activation gets its own copy,
// recomputed from the activation's inputs right before it, instead of reading the stored one.
//
// A training step stores forward activations for the backward pass; a cheap one (a bias + GeLU,
// a ReLU) costs less to recompute from a value the backward pass keeps anyway (its input, which
// the activation's gradient reads) than to keep alive from the forward to the backward pass.
// The choice is explicit in the IR: before, the late reader reads X; after, a copy of X's
// producer writes a fresh transient right before it. X then dies after its earlier readers,
// so buffer-reuse can give its memory away, and map-fusion can fuse the copy into a map reader.

#include <algorithm>
#include <set>

#include "ir/analysis/data_movement.h"
#include "transforms/aliasing.h"
#include "transforms/builtins.h"
#include "transforms/fusion/elementwise.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

using ir::ContainerId;
using ir::EdgeId;
using ir::Graph;
using ir::NodeId;

std::string quoted(const std::string& s) { return "'" + s + "'"; }

/// The parts one after the other (a reason sentence).
std::string concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const std::string_view p : parts) out += p;
  return out;
}

/// The distinct top-level nodes that read Access node `access`, in edge order.
std::vector<NodeId> readers_of(const Graph& g, NodeId access) {
  std::vector<NodeId> out;
  for (const EdgeId e : g.out_edges(access))
    if (!g.edge(e).memlet.empty() && std::find(out.begin(), out.end(), g.edge(e).dst) == out.end())
      out.push_back(g.edge(e).dst);
  return out;
}

/// Points every use of container `from` in `body` (and the maps nested in it) at `to`: Access
/// nodes, memlets, and the connectors and container lists of nested maps.
void retarget(Graph& body, ContainerId from, ContainerId to, const std::string& from_name,
              const std::string& to_name) {
  for (const NodeId n : body.node_ids()) {
    ir::Node& node = body.node(n);
    if (auto* a = std::get_if<ir::AccessNode>(&node); a && a->data == from) a->data = to;
    if (auto* m = std::get_if<ir::MapNode>(&node)) {
      std::replace(m->inputs.begin(), m->inputs.end(), from_name, to_name);
      std::replace(m->outputs.begin(), m->outputs.end(), from_name, to_name);
      retarget(*m->body, from, to, from_name, to_name);
    }
  }
  for (const EdgeId e : body.edge_ids()) {
    if (body.edge(e).memlet.data == from) body.memlet(e).data = to;
    // Connectors of nested maps carry container names; an edge's ends are fixed, so re-add it.
    ir::Edge edge = body.edge(e);
    const bool src_conn =
        std::holds_alternative<ir::MapNode>(body.node(edge.src)) && edge.src_conn == from_name;
    const bool dst_conn =
        std::holds_alternative<ir::MapNode>(body.node(edge.dst)) && edge.dst_conn == from_name;
    if (!src_conn && !dst_conn) continue;
    if (src_conn) edge.src_conn = to_name;
    if (dst_conn) edge.dst_conn = to_name;
    body.remove_edge(e);
    body.insert_edge_at(e, std::move(edge));
  }
}

/// A checked candidate: producer P writes X at Access node XA; R reads it last.
struct Candidate {
  ElementwiseMap producer;
  std::string why;  ///< Empty when it applies.
};

Candidate check(const ir::Program& program, const Graph& g, NodeId p, NodeId reader,
                std::int64_t flops_limit) {
  Candidate out;
  auto analysis = analyze_elementwise(program, g, p);
  if (auto* problem = std::get_if<std::string>(&analysis)) {
    out.why = *problem;
    return out;
  }
  out.producer = std::get<ElementwiseMap>(analysis);
  const ElementwiseMap& info = out.producer;
  const auto& pmap = g.get<ir::MapNode>(p);
  const ir::Container& x = program.containers[info.data];
  const std::string xname = quoted(x.name);
  const std::string rname = quoted(ir::node_label(g.node(reader)));
  const auto aliased = viewed(program);
  if (!x.transient || x.view || aliased.contains(info.data)) {
    out.why = xname + " is not a transient array of its own (an argument, a view or viewed)";
    return out;
  }
  const std::vector<NodeId> readers = readers_of(g, info.access);
  if (readers.size() < 2) {
    out.why = xname + " has one reader: map-fusion fuses its producer into it instead";
    return out;
  }
  const std::set<NodeId> after_reader = descendants(g, reader);
  for (const NodeId other : readers)
    if (other != reader && after_reader.contains(other)) {
      out.why =
          concat({xname, " is read after ", rname, " by ", quoted(ir::node_label(g.node(other))),
                  ": recomputing for an earlier reader keeps it alive just as long"});
      return out;
    }
  std::size_t access_nodes = 0;
  for (const ir::StateId s : program.states.ids())
    for (const NodeId n : program.states[s].graph.node_ids())
      if (const auto* a = std::get_if<ir::AccessNode>(&program.states[s].graph.node(n));
          a && ir::analysis::view_root(program, a->data) == info.data)
        ++access_nodes;
  if (access_nodes != 1) {
    out.why = xname + " has other Access nodes than the one " + quoted(pmap.label) + " writes";
    return out;
  }
  const std::int64_t flops = ir::count_flops(pmap.body->get<ir::TaskletNode>(info.tasklet).code);
  if (flops > flops_limit) {
    out.why = "recomputing " + quoted(pmap.label) + " costs " + std::to_string(flops) +
              " operations per element (flops_limit=" + std::to_string(flops_limit) + ")";
    return out;
  }
  // The producer's inputs must hold the same values at the reader: written nowhere else in the
  // state, not by the reader. A transient input must be alive there anyway (read by the reader
  // or after it), or recomputing would only trade X's lifetime for the input's.
  for (const EdgeId e : g.in_edges(p)) {
    const ir::Edge& edge = g.edge(e);
    if (edge.memlet.empty()) continue;
    const ContainerId root = ir::analysis::view_root(program, edge.memlet.data);
    const std::string iname = quoted(program.containers[edge.memlet.data].name);
    if (!std::holds_alternative<ir::AccessNode>(g.node(edge.src))) {
      out.why = quoted(pmap.label) + " reads " + iname + " from no Access node";
      return out;
    }
    for (const NodeId n : g.node_ids()) {
      const auto* a = std::get_if<ir::AccessNode>(&g.node(n));
      if (!a || n == edge.src || ir::analysis::view_root(program, a->data) != root) continue;
      for (const EdgeId w : g.in_edges(n))
        if (!g.edge(w).memlet.empty()) {
          out.why = iname + ", which " + quoted(pmap.label) + " reads, is written elsewhere in " +
                    "the state";
          return out;
        }
    }
    for (const EdgeId w : g.out_edges(reader))
      if (!g.edge(w).memlet.empty() &&
          ir::analysis::view_root(program, g.edge(w).memlet.data) == root) {
        out.why = concat({rname, " writes ", iname, ", which ", quoted(pmap.label), " reads"});
        return out;
      }
    if (!program.containers[root].transient) continue;
    const std::vector<NodeId> users_of_input = users(program, g, root);
    const bool alive = std::any_of(users_of_input.begin(), users_of_input.end(), [&](NodeId u) {
      return u != p && (u == reader || after_reader.contains(u));
    });
    if (!alive) {
      out.why = concat({"recomputing ", quoted(pmap.label), " would keep ", iname, " alive until ",
                        rname, ", where nothing reads it now"});
      return out;
    }
  }
  return out;
}

class RecomputeActivation final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "recompute-activation"; }
  [[nodiscard]] int tier() const override { return 4; }
  [[nodiscard]] std::string_view description() const override {
    return "Recompute a cheap element-wise activation for its last reader (in a training step, "
           "the backward pass) from inputs that stay alive anyway, instead of storing it until "
           "then: a copy of the producer writes a fresh transient right before that reader, so "
           "the stored activation dies after its earlier readers.";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"flops_limit",
             ParamType::Int,
             std::int64_t{16},
             "the most operations per element worth recomputing",
             {}}};
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    MatchResult result;
    const std::int64_t limit = param_int(params, "flops_limit");
    for (const ir::StateId s : program.states.ids()) {
      const Graph& g = program.states[s].graph;
      const Scope scope{s, {}};
      for (const NodeId p : g.node_ids()) {
        const auto* pmap = std::get_if<ir::MapNode>(&g.node(p));
        if (!pmap) continue;
        for (const EdgeId out : g.out_edges(p)) {
          const NodeId x = g.edge(out).dst;
          const auto* access = std::get_if<ir::AccessNode>(&g.node(x));
          if (!access || g.edge(out).memlet.empty()) continue;
          for (const NodeId r : readers_of(g, x)) {
            Match m =
                make_match(scope, {p, x, r},
                           "recompute " + quoted(program.containers[access->data].name) + " (map " +
                               quoted(pmap->label) + ") for " + quoted(ir::node_label(g.node(r))));
            std::string why = check(program, g, p, r, limit).why;
            if (why.empty())
              result.matches.push_back(std::move(m));
            else
              result.rejected.push_back({std::move(m), std::move(why)});
          }
        }
      }
    }
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& /*params*/) const override {
    const Scope& scope = match.scope;
    const NodeId p = match.nodes[0];
    const NodeId x = match.nodes[1];
    const NodeId reader = match.nodes[2];
    const Graph& g = rewriter.graph(scope);
    const ContainerId x_id = g.get<ir::AccessNode>(x).data;
    const ir::Container& original = rewriter.program().containers[x_id];
    const std::string x_name = original.name;

    ir::Container copy = original;
    copy.name = fresh_name(rewriter.program(), {}, x_name + "_recomputed");
    const std::string copy_name = copy.name;
    const ContainerId copy_id = rewriter.add_container(std::move(copy));

    // The producer's copy reads the same Access nodes and writes the fresh transient.
    ir::MapNode producer = g.get<ir::MapNode>(p);
    producer.label = fresh_label(g, producer.label + "_recompute");
    retarget(*producer.body, x_id, copy_id, x_name, copy_name);
    std::replace(producer.outputs.begin(), producer.outputs.end(), x_name, copy_name);
    const std::vector<ir::Edge> inputs = edges_of(g, g.in_edges(p));
    const std::vector<ir::Edge> outputs = edges_of(g, g.out_edges(p));
    const std::vector<EdgeId> reads = g.out_edges(x);

    const NodeId p2 = rewriter.add_node(scope, std::move(producer));
    const NodeId x2 = rewriter.add_node(scope, ir::AccessNode{copy_id});
    for (ir::Edge e : inputs) {
      e.dst = p2;
      rewriter.add_edge(scope, std::move(e));
    }
    for (ir::Edge e : outputs) {
      if (e.dst != x) continue;
      e.src = p2;
      e.dst = x2;
      e.memlet.data = copy_id;
      if (e.src_conn == x_name) e.src_conn = copy_name;
      rewriter.add_edge(scope, std::move(e));
    }
    // The reader reads the fresh transient instead of X.
    for (const EdgeId e : reads) {
      ir::Edge edge = rewriter.graph(scope).edge(e);
      if (edge.dst != reader) continue;
      rewriter.remove_edge(scope, e);
      edge.src = x2;
      edge.memlet.data = copy_id;
      if (std::holds_alternative<ir::MapNode>(rewriter.graph(scope).node(reader)) &&
          edge.dst_conn == x_name)
        edge.dst_conn = copy_name;
      rewriter.add_edge(scope, std::move(edge));
    }
    if (const auto* rmap = std::get_if<ir::MapNode>(&rewriter.graph(scope).node(reader))) {
      ir::MapNode renamed = *rmap;
      retarget(*renamed.body, x_id, copy_id, x_name, copy_name);
      std::replace(renamed.inputs.begin(), renamed.inputs.end(), x_name, copy_name);
      rewriter.replace_node(scope, reader, std::move(renamed));
    }
  }

private:
  static std::vector<ir::Edge> edges_of(const Graph& g, const std::vector<EdgeId>& ids) {
    std::vector<ir::Edge> out;
    out.reserve(ids.size());
    for (const EdgeId e : ids) out.push_back(g.edge(e));
    return out;
  }

  static std::string fresh_label(const Graph& g, const std::string& base) {
    std::set<std::string> labels;
    for (const NodeId n : g.node_ids()) labels.insert(ir::node_label(g.node(n)));
    std::string label = base;
    for (int i = 2; labels.contains(label); ++i) label = base + "_" + std::to_string(i);
    return label;
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_recompute_activation() {
  return std::make_shared<RecomputeActivation>();
}

}  // namespace sluice::transforms
