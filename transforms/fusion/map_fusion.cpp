// map-fusion (tier 3): producer-consumer fusion of two top-level maps through a transient.
//
// The producer writes the intermediate X element-wise (transforms/fusion/elementwise.h), so the
// value of X[e] is the producer's tasklet evaluated with its parameters set to e. Wherever the
// consumer's tasklets read X[e] (also inside nested maps: the reductions of a normalization),
// the producer's code is inlined: its inputs are read at the producer's subsets with the
// parameters substituted (then simplified with the consumer's parameter ranges), its result
// becomes a local of the consumer's tasklet. A copy producer (`y = a`) only redirects the read.
// When nothing else reads X, the producer, X's Access node and X go; when something does, the
// producer stays and the consumer recomputes what it needs, which is only done for a cheap
// producer (few operations, reading at most one intermediate; the rest weights and biases).

#include <algorithm>
#include <set>

#include "ir/analysis/data_movement.h"
#include "ir/diagnostic.h"
#include "transforms/builtins.h"
#include "transforms/fusion/elementwise.h"
#include "transforms/fusion/index_simplify.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

using ir::ContainerId;
using ir::EdgeId;
using ir::Expr;
using ir::Graph;
using ir::NodeId;

/// Producers with at most this many operations per point are cheap enough to recompute.
constexpr std::int64_t kCheapFlops = 4;

std::string quoted(const std::string& s) { return "'" + s + "'"; }

/// Every top-level Access node of a container, over all states: (state, node).
std::map<ContainerId, std::vector<std::pair<ir::StateId, NodeId>>> access_nodes(
    const ir::Program& program) {
  std::map<ContainerId, std::vector<std::pair<ir::StateId, NodeId>>> out;
  for (const ir::StateId s : program.states.ids()) {
    const Graph& g = program.states[s].graph;
    for (const NodeId n : g.node_ids())
      if (const auto* a = std::get_if<ir::AccessNode>(&g.node(n))) out[a->data].emplace_back(s, n);
  }
  return out;
}

bool viewed(const ir::Program& program, ContainerId id) {
  const std::vector<ContainerId> ids = program.containers.ids();
  return std::any_of(ids.begin(), ids.end(), [&](ContainerId c) {
    const auto& v = program.containers[c].view;
    return v && v->source == id;
  });
}

/// `e` in the tasklet language (i64 arithmetic on parameters and symbols).
ir::TaskletExpr to_tasklet(const Expr& e) {
  using ir::TaskletExpr;
  using ir::TaskletOp;
  const auto fold = [&](TaskletOp op) {
    const auto& ops = e.operands();
    TaskletExpr acc = to_tasklet(ops.front());
    for (std::size_t i = 1; i < ops.size(); ++i)
      acc = TaskletExpr::make(op, {std::move(acc), to_tasklet(ops[i])});
    return acc;
  };
  switch (e.kind()) {
    case ir::ExprKind::Constant: return TaskletExpr::integer(*e.constant_value());
    case ir::ExprKind::Symbol: return TaskletExpr::variable(e.symbol_name());
    case ir::ExprKind::Add: return fold(TaskletOp::Add);
    case ir::ExprKind::Mul: return fold(TaskletOp::Mul);
    case ir::ExprKind::FloorDiv: return fold(TaskletOp::Div);
    case ir::ExprKind::Mod: return fold(TaskletOp::Mod);
    case ir::ExprKind::Min: return fold(TaskletOp::Min);
    case ir::ExprKind::Max: return fold(TaskletOp::Max);
  }
  return TaskletExpr::integer(0);
}

ir::Subset full_subset(const ir::Container& c) {
  ir::Subset s;
  for (const Expr& d : c.shape) s.push_back({0, d, 1});
  return s;
}

/// What the consumer does with X: where it reads it and how often.
struct ConsumerReads {
  std::string problem;  ///< Empty when every use is a point read by a tasklet.
  Expr reads = 0;       ///< Tasklet reads of X over the whole consumer.
};

void check_reads(const ir::Program& program, const Graph& g, ContainerId x,
                 const std::string& consumer, const Expr& iterations, ConsumerReads& out) {
  const std::string& xname = program.containers[x].name;
  for (const NodeId n : g.node_ids()) {
    const auto* a = std::get_if<ir::AccessNode>(&g.node(n));
    if (!a || a->data != x || !out.problem.empty()) continue;
    if (!g.in_edges(n).empty()) {
      out.problem = quoted(consumer) + " writes the intermediate " + quoted(xname);
      return;
    }
    for (const EdgeId e : g.out_edges(n)) {
      const ir::Edge& edge = g.edge(e);
      const ir::Node& dst = g.node(edge.dst);
      if (edge.memlet.empty()) {
        out.problem =
            "the intermediate " + quoted(xname) + " orders nodes inside " + quoted(consumer);
      } else if (const auto* t = std::get_if<ir::TaskletNode>(&dst)) {
        const bool points = std::all_of(edge.memlet.subset.begin(), edge.memlet.subset.end(),
                                        [](const ir::Range& r) { return r.is_index(); });
        if (!points || ir::tasklet_subscripts(t->code).contains(edge.dst_conn))
          out.problem = quoted(consumer) + " subscripts the intermediate " + quoted(xname) +
                        " (a data-dependent read)";
        else
          out.reads = out.reads + iterations;
      } else if (const auto* inner = std::get_if<ir::MapNode>(&dst)) {
        Expr more = iterations;
        for (const ir::MapParam& p : inner->params) more = more * p.range.size();
        check_reads(program, *inner->body, x, consumer, more, out);
      } else {
        out.problem = "the intermediate " + quoted(xname) + " is read by a " +
                      std::string(ir::node_kind_name(dst)) + " node inside " + quoted(consumer);
      }
      if (!out.problem.empty()) return;
    }
  }
}

/// A map-fusion candidate, checked.
struct Plan {
  ElementwiseMap producer;
  bool keep_producer = false;  ///< X has other readers: the consumer recomputes.
};

class MapFusion final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "map-fusion"; }
  [[nodiscard]] int tier() const override { return 3; }
  [[nodiscard]] std::string_view description() const override {
    return "Fuse a map that writes a transient element-wise into a map that reads it: the "
           "consumer computes the producer's value where it reads it (the producer's inputs "
           "read at composed indices), so the intermediate never goes through memory. A "
           "transpose, reshape or slice followed by an element-wise map becomes one map reading "
           "the original data; chains fuse by repetition. When the intermediate has other "
           "readers the producer stays, and the consumer recomputes only a cheap producer.";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"recompute",
             ParamType::Bool,
             true,
             "fuse into one reader of an intermediate that others read too, recomputing a cheap "
             "producer (the producer stays for the others)",
             {}},
            {"copy_chains",
             ParamType::Bool,
             false,
             "also fuse a copy into a copy (the composed copy may no longer be expressible as a "
             "view; by default redundant-copy-elimination handles such pairs)",
             {}}};
  }
  [[nodiscard]] bool repeat_to_fixpoint() const override { return true; }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    MatchResult result;
    const auto accesses = access_nodes(program);
    for (const ir::StateId s : program.states.ids()) {
      const Graph& g = program.states[s].graph;
      const Scope scope{s, {}};
      for (const NodeId p : g.node_ids()) {
        if (!std::holds_alternative<ir::MapNode>(g.node(p))) continue;
        // Candidates: map -> Access node -> map, by node ids.
        for (const EdgeId out : g.out_edges(p)) {
          const NodeId x = g.edge(out).dst;
          if (g.edge(out).memlet.empty() || !std::holds_alternative<ir::AccessNode>(g.node(x)))
            continue;
          for (const EdgeId read : g.out_edges(x)) {
            const NodeId c = g.edge(read).dst;
            if (g.edge(read).memlet.empty() || !std::holds_alternative<ir::MapNode>(g.node(c)))
              continue;
            Match m = make_match(scope, {p, x, c},
                                 "fuse map " + quoted(g.get<ir::MapNode>(p).label) + " into map " +
                                     quoted(g.get<ir::MapNode>(c).label) + " through " +
                                     quoted(program.containers[g.edge(out).memlet.data].name));
            std::string why;
            (void)plan(program, g, s, p, x, c, params, accesses, why);
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

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& params) const override {
    const ir::Program& program = rewriter.program();
    const Graph& g = rewriter.graph(match.scope);
    const NodeId p = match.nodes.at(0);
    const NodeId x_node = match.nodes.at(1);
    const NodeId c = match.nodes.at(2);
    std::string why;
    const std::optional<Plan> checked =
        plan(program, g, match.scope.state, p, x_node, c, params, access_nodes(program), why);
    if (!checked) throw UserError(match_where(program, match), why);
    const ElementwiseMap& info = checked->producer;
    const auto& pmap = g.get<ir::MapNode>(p);
    const ContainerId x = info.data;

    // The producer's inputs at the top level: container -> (Access node, subset), and how many
    // of the tasklet's reads each takes.
    struct Source {
      NodeId access;
      ir::Subset subset;
      int reads = 0;
    };
    std::map<ContainerId, Source> sources;
    for (const EdgeId e : g.in_edges(p)) {
      const ir::Edge& edge = g.edge(e);
      if (!edge.memlet.empty()) sources[edge.memlet.data] = {edge.src, edge.memlet.subset, 0};
    }
    for (const EdgeId e : info.body_inputs) ++sources.at(pmap.body->edge(e).memlet.data).reads;

    Inliner inliner{program, pmap, info, sources_view(sources)};
    ir::MapNode fused = g.get<ir::MapNode>(c);
    IndexRanges ranges;
    add_param_ranges(fused.params, ranges);
    inliner.rewrite(*fused.body, ranges);
    replace_connector(fused.inputs, program.containers[x].name, sources_view(sources), program);

    // Top-level edges: the consumer now reads the producer's inputs instead of X.
    EdgeId x_edge;
    std::map<std::string, EdgeId> existing;  // consumer in-edges by connector
    std::set<NodeId> ordered_after;          // sources of the consumer's empty in-edges
    for (const EdgeId e : g.in_edges(c)) {
      const ir::Edge& edge = g.edge(e);
      if (edge.memlet.empty())
        ordered_after.insert(edge.src);
      else if (edge.src == x_node && edge.memlet.data == x)
        x_edge = e;
      else
        existing[edge.dst_conn] = e;
    }
    SLUICE_CHECK(x_edge.valid(), "map-fusion: the consumer's edge from the intermediate");
    const Expr x_volume = g.edge(x_edge).memlet.volume;
    std::vector<NodeId> empty_sources;
    for (const EdgeId e : g.in_edges(p))
      if (g.edge(e).memlet.empty()) empty_sources.push_back(g.edge(e).src);

    rewriter.replace_node(match.scope, c, std::move(fused));
    rewriter.remove_edge(match.scope, x_edge);
    for (const auto& [y, src] : sources) {
      const ir::Container& yc = program.containers[y];
      const Expr volume = x_volume * Expr(src.reads);
      if (const auto it = existing.find(yc.name); it != existing.end()) {
        const ir::Edge edge = rewriter.graph(match.scope).edge(it->second);
        ir::Memlet widened = edge.memlet;
        if (widened.subset != src.subset) widened.subset = full_subset(yc);
        widened.volume = widened.volume + volume;
        rewriter.set_memlet(match.scope, it->second, std::move(widened));
        if (edge.src != src.access && !ordered_after.contains(src.access)) {
          rewriter.add_edge(match.scope, ir::Edge{src.access, "", c, "", {}});
          ordered_after.insert(src.access);
        }
      } else {
        ir::Memlet m;
        m.data = y;
        m.subset = src.subset;
        m.volume = volume;
        rewriter.add_edge(match.scope, ir::Edge{src.access, "", c, yc.name, std::move(m)});
      }
    }
    for (const NodeId s : empty_sources)
      if (!ordered_after.contains(s)) {
        rewriter.add_edge(match.scope, ir::Edge{s, "", c, "", {}});
        ordered_after.insert(s);
      }
    if (checked->keep_producer) return;

    // Nothing else reads X: the producer, X's Access node and X go, and Access nodes that fed
    // only the producer.
    std::set<NodeId> inputs;
    for (const EdgeId e : rewriter.graph(match.scope).in_edges(p))
      inputs.insert(rewriter.graph(match.scope).edge(e).src);
    rewriter.remove_node(match.scope, p);
    rewriter.remove_node(match.scope, x_node);
    rewriter.remove_container(x);
    for (const NodeId n : inputs) {
      const Graph& now = rewriter.graph(match.scope);
      if (now.has_node(n) && std::holds_alternative<ir::AccessNode>(now.node(n)) &&
          now.in_edges(n).empty() && now.out_edges(n).empty())
        rewriter.remove_node(match.scope, n);
    }
  }

private:
  struct SourceInfo {
    ContainerId data;
    ir::Subset subset;  ///< The producer's top-level subset (valid in every scope).
    int reads = 0;
  };

  template <typename Map>
  static std::vector<SourceInfo> sources_view(const Map& sources) {
    std::vector<SourceInfo> out;
    out.reserve(sources.size());
    for (const auto& [y, src] : sources) out.push_back({y, src.subset, src.reads});
    return out;
  }

  /// A map's input connectors with X's replaced, in place, by the producer's inputs it lacks.
  static void replace_connector(std::vector<std::string>& inputs, const std::string& x,
                                const std::vector<SourceInfo>& sources,
                                const ir::Program& program) {
    std::vector<std::string> added;
    for (const SourceInfo& src : sources) {
      const std::string& name = program.containers[src.data].name;
      if (std::find(inputs.begin(), inputs.end(), name) == inputs.end()) added.push_back(name);
    }
    auto at = std::find(inputs.begin(), inputs.end(), x);
    SLUICE_CHECK(at != inputs.end(), "map-fusion: the consumer's connector of the intermediate");
    at = inputs.erase(at);
    inputs.insert(at, added.begin(), added.end());
  }

  static std::string match_where(const ir::Program& program, const Match& match) {
    return node_location(program, match.scope, match.nodes.at(2));
  }

  /// Checks a candidate; on failure returns nullopt and sets `why`.
  static std::optional<Plan> plan(
      const ir::Program& program, const Graph& g, ir::StateId state, NodeId p, NodeId x_node,
      NodeId c, const ParamValues& params,
      const std::map<ContainerId, std::vector<std::pair<ir::StateId, NodeId>>>& accesses,
      std::string& why) {
    const auto analysis = analyze_elementwise(program, g, p);
    if (const auto* reason = std::get_if<std::string>(&analysis)) {
      why = *reason;
      return std::nullopt;
    }
    Plan plan{std::get<ElementwiseMap>(analysis), false};
    const ElementwiseMap& info = plan.producer;
    const auto& pmap = g.get<ir::MapNode>(p);
    const auto& cmap = g.get<ir::MapNode>(c);
    const ContainerId x = info.data;
    const ir::Container& xc = program.containers[x];
    const std::string xname = quoted(xc.name);
    if (info.access != x_node) {
      why = quoted(pmap.label) + " does not write the Access node the consumer reads";
      return std::nullopt;
    }
    if (!xc.transient) {
      why = "the intermediate " + xname + " is a program argument";
      return std::nullopt;
    }
    if (xc.view || viewed(program, x)) {
      why = "the intermediate " + xname + " is aliased by a view";
      return std::nullopt;
    }
    if (xc.dtype == ir::DType::f16 || xc.dtype == ir::DType::bf16) {
      why = "the intermediate " + xname + " is " + std::string(ir::dtype_name(xc.dtype)) +
            ": inlining would skip its rounding";
      return std::nullopt;
    }
    if (g.in_edges(x_node).size() != 1) {
      why = "the intermediate " + xname + " has another writer";
      return std::nullopt;
    }
    if (!param_bool(params, "copy_chains") && is_copy(pmap, info)) {
      const auto consumer = analyze_elementwise(program, g, c);
      if (const auto* ci = std::get_if<ElementwiseMap>(&consumer); ci && is_copy(cmap, *ci)) {
        why = quoted(pmap.label) + " and " + quoted(cmap.label) +
              " both only copy (redundant-copy-elimination can make them views; "
              "copy_chains=true fuses them)";
        return std::nullopt;
      }
    }
    ConsumerReads reads;
    Expr iterations = 1;
    for (const ir::MapParam& q : cmap.params) iterations = iterations * q.range.size();
    check_reads(program, *cmap.body, x, cmap.label, iterations, reads);
    if (!reads.problem.empty()) {
      why = reads.problem;
      return std::nullopt;
    }

    // The producer's inputs must hold the same values when the consumer reads them: in this
    // state nothing writes them but into the Access nodes the producer reads, and the consumer
    // does not write them.
    std::set<ContainerId> input_roots;
    for (const EdgeId e : g.in_edges(p)) {
      const ir::Edge& edge = g.edge(e);
      if (edge.memlet.empty()) continue;
      if (!std::holds_alternative<ir::AccessNode>(g.node(edge.src))) {
        why = quoted(pmap.label) + " reads " + quoted(program.containers[edge.memlet.data].name) +
              " from no Access node";
        return std::nullopt;
      }
      const ContainerId root = ir::analysis::view_root(program, edge.memlet.data);
      input_roots.insert(root);
      for (const NodeId n : g.node_ids()) {
        const auto* a = std::get_if<ir::AccessNode>(&g.node(n));
        if (!a || n == edge.src || ir::analysis::view_root(program, a->data) != root) continue;
        const bool written = std::any_of(g.in_edges(n).begin(), g.in_edges(n).end(),
                                         [&](EdgeId i) { return !g.edge(i).memlet.empty(); });
        if (written) {
          why = quoted(program.containers[edge.memlet.data].name) + ", which " +
                quoted(pmap.label) + " reads, is written elsewhere in the state";
          return std::nullopt;
        }
      }
    }
    for (const EdgeId e : g.out_edges(c)) {
      const ir::Memlet& m = g.edge(e).memlet;
      if (!m.empty() && input_roots.contains(ir::analysis::view_root(program, m.data))) {
        why = quoted(cmap.label) + " writes " + quoted(program.containers[m.data].name) +
              ", which " + quoted(pmap.label) + " reads";
        return std::nullopt;
      }
    }

    // Other readers of X keep the producer alive.
    std::string other;
    for (const EdgeId e : g.out_edges(x_node))
      if (g.edge(e).dst != c) {
        other = "also read by " + std::string(ir::node_kind_name(g.node(g.edge(e).dst))) + " " +
                quoted(ir::node_label(g.node(g.edge(e).dst)));
        break;
      }
    if (other.empty()) {
      for (const auto& [s, n] : accesses.at(x))
        if (!(s == state && n == x_node)) {
          other = "read after the second map";
          break;
        }
    }
    const auto& ptasklet = pmap.body->get<ir::TaskletNode>(info.tasklet);
    const std::int64_t flops = ir::count_flops(ptasklet.code);
    if (!other.empty()) {
      if (!param_bool(params, "recompute")) {
        why = "the intermediate " + xname + " is " + other + " (recompute=false)";
        return std::nullopt;
      }
      // Cheap: few operations, and at most one intermediate read (the others are the
      // program's arguments: weights, biases). Recomputing from several intermediates would
      // keep them all alive where X alone would do.
      std::set<ContainerId> intermediates;
      for (const EdgeId e : info.body_inputs) {
        const ContainerId y = pmap.body->edge(e).memlet.data;
        if (program.containers[ir::analysis::view_root(program, y)].transient)
          intermediates.insert(ir::analysis::view_root(program, y));
      }
      const auto large = intermediates.size();
      if (flops > kCheapFlops || large > 1) {
        why = "the intermediate " + xname + " is " + other + ", and recomputing " +
              quoted(pmap.label) + " in " + quoted(cmap.label) + " costs more than reading it";
        return std::nullopt;
      }
      plan.keep_producer = true;
    }
    // A consumer that reads each element many times would repeat the producer's work.
    if (flops > 0) {
      const auto r = reads.reads.constant_value();
      const auto n = xc.num_elements().constant_value();
      const bool once = reads.reads == xc.num_elements() || (r && n && *r <= *n);
      if (!once) {
        why = quoted(cmap.label) + " reads the intermediate " + xname +
              " more than once per element; inlining would repeat " + quoted(pmap.label) +
              "'s work";
        return std::nullopt;
      }
    }
    return plan;
  }

  /// Rewrites a consumer's body: every read of X becomes the producer's computation.
  struct Inliner {
    const ir::Program& program;
    const ir::MapNode& producer;
    const ElementwiseMap& info;
    std::vector<SourceInfo> sources;

    void rewrite(Graph& g, const IndexRanges& ranges) const {
      for (const NodeId n : g.node_ids()) {
        const auto* a = std::get_if<ir::AccessNode>(&g.node(n));
        if (!a || a->data != info.data) continue;
        const std::vector<EdgeId> outs = g.out_edges(n);
        for (const EdgeId e : outs) {
          if (std::holds_alternative<ir::TaskletNode>(g.node(g.edge(e).dst)))
            inline_at(g, e, ranges);
          else
            into_map(g, e, ranges);
        }
        if (g.in_edges(n).empty() && g.out_edges(n).empty()) g.remove_node(n);
      }
    }

    /// An Access node of `data` in `g` to read from (one that nothing writes), made if needed.
    static NodeId source_node(Graph& g, ContainerId data) {
      for (const NodeId n : g.node_ids()) {
        const auto* a = std::get_if<ir::AccessNode>(&g.node(n));
        if (a && a->data == data && g.in_edges(n).empty()) return n;
      }
      return g.add_node(ir::AccessNode{data});
    }

    void into_map(Graph& g, EdgeId e, const IndexRanges& ranges) const {
      const ir::Edge edge = g.edge(e);
      ir::MapNode inner = g.get<ir::MapNode>(edge.dst);
      g.remove_edge(e);
      replace_connector(inner.inputs, program.containers[info.data].name, sources, program);
      for (const SourceInfo& src : sources) {
        const ir::Container& y = program.containers[src.data];
        const Expr volume = edge.memlet.volume * Expr(src.reads);
        EdgeId existing;
        for (const EdgeId in : g.in_edges(edge.dst))
          if (g.edge(in).dst_conn == y.name) existing = in;
        if (existing.valid()) {
          ir::Memlet& m = g.memlet(existing);
          if (m.subset != src.subset) m.subset = full_subset(y);
          m.volume = m.volume + volume;
          continue;
        }
        ir::Memlet m;
        m.data = src.data;
        m.subset = src.subset;
        m.volume = volume;
        g.add_edge(source_node(g, src.data), "", edge.dst, y.name, std::move(m));
      }
      IndexRanges inner_ranges = ranges;
      add_param_ranges(inner.params, inner_ranges);
      rewrite(*inner.body, inner_ranges);
      g.node(edge.dst) = std::move(inner);
    }

    void inline_at(Graph& g, EdgeId e, const IndexRanges& ranges) const {
      const ir::Edge edge = g.edge(e);
      const NodeId tn = edge.dst;
      ir::TaskletNode t = g.get<ir::TaskletNode>(tn);
      const std::string& c = edge.dst_conn;
      const Graph& pbody = *producer.body;
      const auto& pt = pbody.get<ir::TaskletNode>(info.tasklet);

      // The producer's parameters at this read.
      std::map<std::string, Expr> at;
      for (std::size_t d = 0; d < info.dim_param.size(); ++d)
        at[info.dim_param[d]] = simplify_indices(edge.memlet.subset[d].begin, ranges);

      std::set<std::string> used(t.inputs.begin(), t.inputs.end());
      used.insert(t.outputs.begin(), t.outputs.end());
      for (const std::string& n : ir::tasklet_locals(t.code)) used.insert(n);
      for (const std::string& n : ir::tasklet_reads(t.code)) used.insert(n);
      for (const auto& [n, iv] : ranges) used.insert(n);
      for (const auto& [n, type] : program.symbols) used.insert(n);
      for (const ir::MapParam& q : producer.params) used.insert(q.name);
      const auto fresh = [&](const std::string& base) {
        std::string name = base;
        for (int i = 2; used.contains(name); ++i) name = base + "_" + std::to_string(i);
        used.insert(name);
        return name;
      };

      const bool copy = is_copy(producer, info);
      g.remove_edge(e);
      auto position = std::find(t.inputs.begin(), t.inputs.end(), c);
      SLUICE_CHECK(position != t.inputs.end(), "map-fusion: the read connector");
      position = t.inputs.erase(position);
      std::map<std::string, std::string> rename;
      std::vector<std::string> added;
      for (const EdgeId pe : info.body_inputs) {
        const ir::Edge& in = pbody.edge(pe);
        std::string base = c;
        base.append("_").append(in.dst_conn);
        const std::string name = copy ? c : fresh(base);
        rename[in.dst_conn] = name;
        added.push_back(name);
        ir::Memlet m = in.memlet;
        for (ir::Range& r : m.subset) {
          r.begin = simplify_indices(r.begin.substitute(at), ranges);
          r.end = simplify_indices(r.end.substitute(at), ranges);
          r.step = simplify_indices(r.step.substitute(at), ranges);
        }
        const NodeId from = source_node(g, m.data);
        g.add_edge(from, "", tn, name, std::move(m));
      }
      t.inputs.insert(position, added.begin(), added.end());
      if (!copy) {
        for (const std::string& local : ir::tasklet_locals(pt.code)) {
          std::string base = c;
          base.append("_").append(local);
          rename[local] = fresh(base);
        }
        const std::string& y = pbody.edge(info.body_output).src_conn;
        rename[y] = c;
        ir::TaskletCode code = ir::rename_variables(pt.code, rename);
        std::map<std::string, ir::TaskletExpr> params;
        for (const auto& [name, value] : at) params.emplace(name, to_tasklet(value));
        bool declared = false;
        for (ir::TaskletStatement& s : code.statements) {
          s.value = ir::substitute_variables(s.value, params);
          if (s.target == c && !declared) {
            s.let_type = program.containers[info.data].dtype;
            declared = true;
          }
        }
        t.code.statements.insert(t.code.statements.begin(), code.statements.begin(),
                                 code.statements.end());
      }
      g.node(tn) = std::move(t);
    }
  };
};

}  // namespace

std::shared_ptr<const Transformation> make_map_fusion() { return std::make_shared<MapFusion>(); }

}  // namespace sluice::transforms
