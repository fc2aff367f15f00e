// normalization-fusion (tier 3): fuses two top-level maps that share their leading parameters
// (same names, same ranges) and communicate row by row: every access to what the first writes
// and the second touches is indexed exactly by those parameters in the same dimensions. The
// result is one map over the shared parameters whose body runs the first map's work for the row
// (its remaining parameters become a sequential inner map), then the second's. A LayerNorm's
// init / mean / finalize / variance / normalize maps, or a Softmax's max / sum / normalize
// maps, become one kernel that keeps a row's statistics in cache; a residual add before the
// normalization joins it the same way. Repeats to a fixpoint.

#include <algorithm>
#include <initializer_list>
#include <set>
#include <string_view>

#include "ir/analysis/data_movement.h"
#include "ir/diagnostic.h"
#include "transforms/builtins.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

using ir::ContainerId;
using ir::EdgeId;
using ir::Expr;
using ir::Graph;
using ir::NodeId;

/// The largest row kept in registers (codegen/cpu keeps register transients of at most this
/// many elements as local arrays).
constexpr std::int64_t kMaxRowLocal = 1024;

std::string quoted(const std::string& s) { return "'" + s + "'"; }

/// Concatenation without temporaries (messages built inside loops).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const std::string_view part : parts) out.append(part);
  return out;
}

ir::Subset full_subset(const ir::Container& c) {
  ir::Subset s;
  for (const Expr& d : c.shape) s.push_back({0, d, 1});
  return s;
}

/// For every memlet of `x` in `g` (recursively), the dimension indexed exactly by each of
/// `outer`; false when a memlet lacks one or two memlets disagree.
bool row_dims(const Graph& g, ContainerId x, const std::vector<std::string>& outer,
              std::optional<std::vector<std::size_t>>& dims) {
  for (const EdgeId e : g.edge_ids()) {
    const ir::Memlet& m = g.edge(e).memlet;
    if (m.empty() || m.data != x) continue;
    std::vector<std::size_t> found;
    for (const std::string& p : outer) {
      std::size_t d = 0;
      while (d < m.subset.size() &&
             !(m.subset[d].is_index() && m.subset[d].begin == Expr::symbol(p)))
        ++d;
      if (d == m.subset.size()) return false;
      found.push_back(d);
    }
    if (dims && *dims != found) return false;
    dims = found;
  }
  for (const NodeId n : g.node_ids())
    if (const auto* inner = std::get_if<ir::MapNode>(&g.node(n)))
      if (!row_dims(*inner->body, x, outer, dims)) return false;
  return true;
}

/// Containers a map reads / writes at its boundary.
std::set<ContainerId> boundary(const Graph& g, NodeId n, bool reads) {
  std::set<ContainerId> out;
  for (const EdgeId e : reads ? g.in_edges(n) : g.out_edges(n))
    if (!g.edge(e).memlet.empty()) out.insert(g.edge(e).memlet.data);
  return out;
}

/// Names used as parameters anywhere inside `g`.
void inner_params(const Graph& g, std::set<std::string>& out) {
  for (const NodeId n : g.node_ids())
    if (const auto* m = std::get_if<ir::MapNode>(&g.node(n))) {
      for (const ir::MapParam& p : m->params) out.insert(p.name);
      inner_params(*m->body, out);
    }
}

struct Plan {
  std::size_t shared = 0;          ///< Leading parameters the fused map keeps.
  std::set<ContainerId> internal;  ///< Written by the first, touched by the second only.
  std::set<ContainerId> passed;    ///< Written by the first and still read outside.
};

class NormalizationFusion final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "normalization-fusion"; }
  [[nodiscard]] int tier() const override { return 3; }
  [[nodiscard]] std::string_view description() const override {
    return "Fuse two maps that share their leading parameters and pass data row by row (what "
           "the first writes, the second touches only in the same row) into one map over the "
           "shared parameters, the rest of each becoming a sequential inner map: a "
           "normalization's statistics, finalization and scaling maps (LayerNorm, Softmax) and "
           "an element-wise map before them become one kernel working on a row in cache.";
  }
  [[nodiscard]] bool repeat_to_fixpoint() const override { return true; }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& /*params*/) const override {
    MatchResult result;
    for (const ir::StateId s : program.states.ids()) {
      const Graph& g = program.states[s].graph;
      for (const NodeId p : g.node_ids()) {
        if (!std::holds_alternative<ir::MapNode>(g.node(p))) continue;
        std::set<NodeId> seen;
        for (const EdgeId out : g.out_edges(p)) {
          const NodeId a = g.edge(out).dst;
          if (!std::holds_alternative<ir::AccessNode>(g.node(a))) continue;
          for (const EdgeId read : g.out_edges(a)) {
            const NodeId c = g.edge(read).dst;
            if (!std::holds_alternative<ir::MapNode>(g.node(c)) || !seen.insert(c).second) continue;
            const auto& pm = g.get<ir::MapNode>(p);
            const auto& cm = g.get<ir::MapNode>(c);
            if (pm.params.empty() || cm.params.empty() || !(pm.params[0] == cm.params[0]))
              continue;  // nothing shared: not a candidate
            Match m = make_match(
                Scope{s, {}}, {p, c},
                "fuse map " + quoted(pm.label) + " into map " + quoted(cm.label) + " row by row");
            std::string why;
            if (plan(program, g, p, c, why))
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
    const ir::Program& program = rewriter.program();
    const NodeId p = match.nodes.at(0);
    const NodeId c = match.nodes.at(1);
    std::string why;
    const std::optional<Plan> checked = plan(program, rewriter.graph(match.scope), p, c, why);
    if (!checked) throw UserError(node_location(program, match.scope, c), why);
    const Graph& g = rewriter.graph(match.scope);
    const auto& pm = g.get<ir::MapNode>(p);
    const auto& cm = g.get<ir::MapNode>(c);

    ir::MapNode fused;
    fused.label = cm.label;
    fused.params.assign(pm.params.begin(),
                        pm.params.begin() + static_cast<std::ptrdiff_t>(checked->shared));
    fused.schedule = cm.schedule == ir::Schedule::CpuParallel ? cm.schedule : pm.schedule;
    Graph& body = *fused.body;
    std::map<ContainerId, NodeId> latest;  // where the first part leaves each container
    add_part(program, g, p, checked->shared, body, latest);
    add_part(program, g, c, checked->shared, body, latest);
    // Connectors: what the body reads from outside, what leaves it.
    std::set<ContainerId> ins;
    std::set<ContainerId> outs;
    for (const ContainerId y : boundary(g, p, true)) ins.insert(y);
    for (const ContainerId y : boundary(g, c, true))
      if (!latest.contains(y)) ins.insert(y);
    for (const ContainerId z : boundary(g, c, false)) outs.insert(z);
    for (const ContainerId z : checked->passed) outs.insert(z);
    for (const ContainerId y : ins) fused.inputs.push_back(program.containers[y].name);
    for (const ContainerId z : outs) fused.outputs.push_back(program.containers[z].name);
    // What only the fused map uses becomes one row's worth of registers (a local array of each
    // iteration): the row's statistics and intermediates never go to memory.
    std::vector<std::string> outer;
    outer.reserve(fused.params.size());
    for (const ir::MapParam& q : fused.params) outer.push_back(q.name);
    std::vector<std::pair<ContainerId, ir::Container>> shrunk;
    for (const ContainerId x : checked->internal)
      if (auto local = row_local(program, body, x, outer))
        shrunk.emplace_back(x, std::move(*local));

    // Top-level edges, collected before editing.
    struct Wire {
      NodeId other;
      ir::Memlet memlet;
      std::string conn;
    };
    std::vector<Wire> p_in;
    std::vector<Wire> p_out;
    std::vector<EdgeId> c_internal;  // the second map's edges from the first's Access nodes
    std::map<std::string, EdgeId> c_in;
    std::set<NodeId> c_ordered;
    std::set<NodeId> p_access;
    for (const EdgeId e : g.in_edges(p)) p_in.push_back({g.edge(e).src, g.edge(e).memlet, ""});
    for (const EdgeId e : g.out_edges(p)) {
      p_out.push_back({g.edge(e).dst, g.edge(e).memlet, g.edge(e).src_conn});
      p_access.insert(g.edge(e).dst);
    }
    for (const EdgeId e : g.in_edges(c)) {
      const ir::Edge& edge = g.edge(e);
      if (p_access.contains(edge.src) || edge.src == p) {
        c_internal.push_back(e);
        continue;
      }
      if (edge.memlet.empty())
        c_ordered.insert(edge.src);
      else
        c_in[edge.dst_conn] = e;
    }

    rewriter.replace_node(match.scope, c, std::move(fused));
    for (auto& [x, local] : shrunk) rewriter.replace_container(x, std::move(local));
    for (const EdgeId e : c_internal) rewriter.remove_edge(match.scope, e);
    for (const Wire& w : p_in) {
      if (w.memlet.empty()) {
        if (c_ordered.insert(w.other).second)
          rewriter.add_edge(match.scope, ir::Edge{w.other, "", c, "", {}});
        continue;
      }
      const std::string& y = program.containers[w.memlet.data].name;
      if (const auto it = c_in.find(y); it != c_in.end()) {
        const ir::Edge existing = rewriter.graph(match.scope).edge(it->second);
        ir::Memlet widened = existing.memlet;
        if (widened.subset != w.memlet.subset)
          widened.subset = full_subset(program.containers[w.memlet.data]);
        widened.volume = widened.volume + w.memlet.volume;
        rewriter.set_memlet(match.scope, it->second, std::move(widened));
        if (existing.src != w.other && c_ordered.insert(w.other).second)
          rewriter.add_edge(match.scope, ir::Edge{w.other, "", c, "", {}});
        continue;
      }
      rewriter.add_edge(match.scope, ir::Edge{w.other, "", c, y, w.memlet});
    }
    for (const Wire& w : p_out) {
      if (w.memlet.empty()) {
        if (w.other != c) rewriter.add_edge(match.scope, ir::Edge{c, "", w.other, "", {}});
        continue;
      }
      if (checked->passed.contains(w.memlet.data))
        rewriter.add_edge(match.scope, ir::Edge{c, w.conn, w.other, "", w.memlet});
    }
    // The first part overwrites what the second then combines into: the fused map's write is
    // no longer a combination with what was there before.
    for (const Wire& w : p_out) {
      if (w.memlet.empty() || w.memlet.wcr != ir::WriteConflict::None) continue;
      for (const EdgeId e : rewriter.graph(match.scope).out_edges(c)) {
        const ir::Memlet& m = rewriter.graph(match.scope).edge(e).memlet;
        if (m.empty() || m.data != w.memlet.data || m.wcr == ir::WriteConflict::None) continue;
        ir::Memlet plain = m;
        plain.wcr = ir::WriteConflict::None;
        rewriter.set_memlet(match.scope, e, std::move(plain));
      }
    }
    rewriter.remove_node(match.scope, p);
    for (const NodeId a : p_access) {
      const Graph& now = rewriter.graph(match.scope);
      if (now.has_node(a) && now.in_edges(a).empty() && now.out_edges(a).empty())
        rewriter.remove_node(match.scope, a);
    }
  }

private:
  /// Checks a candidate; on failure returns nullopt and says why.
  static std::optional<Plan> plan(const ir::Program& program, const Graph& g, NodeId p, NodeId c,
                                  std::string& why) {
    const auto& pm = g.get<ir::MapNode>(p);
    const auto& cm = g.get<ir::MapNode>(c);
    const std::string pn = quoted(pm.label);
    const std::string cn = quoted(cm.label);
    std::size_t shared = 0;
    while (shared < pm.params.size() && shared < cm.params.size() &&
           pm.params[shared] == cm.params[shared])
      ++shared;
    // What the first writes and the second touches must stay in its row.
    const std::set<ContainerId> written = boundary(g, p, false);
    const std::set<ContainerId> c_reads = boundary(g, c, true);
    const std::set<ContainerId> c_writes = boundary(g, c, false);
    std::set<ContainerId> touched;
    for (const ContainerId x : written)
      if (c_reads.contains(x) || c_writes.contains(x)) touched.insert(x);
    for (; shared > 0; --shared) {
      std::vector<std::string> outer;
      outer.reserve(shared);
      for (std::size_t i = 0; i < shared; ++i) outer.push_back(pm.params[i].name);
      const bool rows = std::all_of(touched.begin(), touched.end(), [&](ContainerId x) {
        std::optional<std::vector<std::size_t>> dims;
        return row_dims(*pm.body, x, outer, dims) && row_dims(*cm.body, x, outer, dims);
      });
      if (rows) break;
    }
    if (shared == 0) {
      why = cn + " reads what " + pn + " writes outside the row it computes";
      return std::nullopt;
    }
    // The shared parameters stay visible inside: no inner map may reuse their names.
    std::set<std::string> nested;
    inner_params(*pm.body, nested);
    inner_params(*cm.body, nested);
    for (std::size_t i = 0; i < shared; ++i)
      if (nested.contains(pm.params[i].name)) {
        why = "an inner map reuses the parameter " + quoted(pm.params[i].name);
        return std::nullopt;
      }

    Plan plan;
    plan.shared = shared;
    // The second map reads what the first wrote only from the first's Access nodes.
    std::set<NodeId> p_access;
    for (const EdgeId e : g.out_edges(p)) {
      const NodeId a = g.edge(e).dst;
      if (!std::holds_alternative<ir::AccessNode>(g.node(a))) {
        why = pn + " feeds a " + std::string(ir::node_kind_name(g.node(a))) + " node directly";
        return std::nullopt;
      }
      p_access.insert(a);
    }
    for (const EdgeId e : g.in_edges(c)) {
      const ir::Edge& edge = g.edge(e);
      if (!edge.memlet.empty() && written.contains(edge.memlet.data) &&
          !p_access.contains(edge.src)) {
        why = cat({cn, " reads ", quoted(program.containers[edge.memlet.data].name),
                   " from an Access node ", pn, " does not write"});
        return std::nullopt;
      }
    }
    // Nothing the second writes may be read or written by the first (rows run one after the
    // other, the first's next row after the second's last).
    const std::set<ContainerId> p_reads = boundary(g, p, true);
    for (const ContainerId z : c_writes) {
      const ContainerId root = ir::analysis::view_root(program, z);
      for (const ContainerId y : p_reads)
        if (ir::analysis::view_root(program, y) == root) {
          why = cat({cn, " writes ", quoted(program.containers[z].name), ", which ", pn, " reads"});
          return std::nullopt;
        }
      if (written.contains(z) && !touched.contains(z)) {
        why = "both write " + quoted(program.containers[z].name);
        return std::nullopt;
      }
    }
    // No other path from the first to the second (the fused map would depend on itself).
    std::vector<NodeId> work;
    std::set<NodeId> reached;
    for (const EdgeId e : g.out_edges(p)) work.push_back(g.edge(e).dst);
    while (!work.empty()) {
      const NodeId v = work.back();
      work.pop_back();
      if (v == c || !reached.insert(v).second) continue;
      for (const EdgeId e : g.out_edges(v)) {
        const NodeId w = g.edge(e).dst;
        if (w == c && !p_access.contains(v)) {
          why = cat({"another computation runs between ", pn, " and ", cn});
          return std::nullopt;
        }
        work.push_back(w);
      }
    }
    // What the first writes: internal to the fused map when only the second touches it there,
    // else it still leaves the map (then the second must not overwrite it).
    for (const EdgeId e : g.out_edges(p)) {
      const ir::Edge& edge = g.edge(e);
      if (edge.memlet.empty()) continue;
      const ContainerId x = edge.memlet.data;
      const ir::Container& xc = program.containers[x];
      // Read elsewhere: by another node from the first's Access node, or through another
      // Access node of its memory (here or in another state) that the second does not write.
      bool elsewhere = false;
      for (const EdgeId r : g.out_edges(edge.dst)) elsewhere = elsewhere || g.edge(r).dst != c;
      std::set<NodeId> c_written;
      for (const EdgeId w : g.out_edges(c)) c_written.insert(g.edge(w).dst);
      const ContainerId root = ir::analysis::view_root(program, x);
      for (const ir::StateId s : program.states.ids()) {
        const Graph& sg = program.states[s].graph;
        for (const NodeId n : sg.node_ids()) {
          const auto* a = std::get_if<ir::AccessNode>(&sg.node(n));
          if (!a || ir::analysis::view_root(program, a->data) != root) continue;
          const bool ours = &sg == &g && (n == edge.dst || c_written.contains(n));
          elsewhere = elsewhere || !ours;
        }
      }
      if (c_writes.contains(x)) {
        if (elsewhere) {
          why =
              cat({quoted(xc.name), " is read between ", pn, " and ", cn, ", which overwrites it"});
          return std::nullopt;
        }
      } else if (elsewhere || !xc.transient) {
        plan.passed.insert(x);
      } else {
        plan.internal.insert(x);
      }
    }
    return plan;
  }

  /// What the body of a part wrapped as inner map `inner` touches of `data` in one row: each
  /// dimension as the body's memlets give it when they agree and do not use the inner map's
  /// own parameters, else the whole dimension.
  static ir::Subset row_subset(const ir::MapNode& inner, const ir::Container& c, ContainerId data) {
    std::set<std::string> own;
    for (const ir::MapParam& p : inner.params) own.insert(p.name);
    const auto uses_own = [&](const ir::Range& r) {
      for (const Expr* e : {&r.begin, &r.end, &r.step})
        for (const std::string& s : e->free_symbols())
          if (own.contains(s)) return true;
      return false;
    };
    const ir::Subset full = full_subset(c);
    std::optional<ir::Subset> out;
    const Graph& body = *inner.body;
    for (const EdgeId e : body.edge_ids()) {
      const ir::Memlet& m = body.edge(e).memlet;
      if (m.empty() || m.data != data) continue;
      ir::Subset here = m.subset;
      for (std::size_t d = 0; d < here.size(); ++d)
        if (uses_own(here[d])) here[d] = full[d];
      if (!out) {
        out = here;
        continue;
      }
      for (std::size_t d = 0; d < here.size(); ++d)
        if ((*out)[d] != here[d]) (*out)[d] = full[d];
    }
    return out ? *out : full;
  }

  /// Shrinks `x`, used only inside the fused body and there only at the rows of `outer`, to one
  /// row in register storage (the dimensions `outer` index become size 1, indexed at 0), when a
  /// row has a constant size small enough for a local array (codegen/cpu: at most 1024
  /// elements). Rewrites the body's memlets; returns the new container, or nullopt.
  static std::optional<ir::Container> row_local(const ir::Program& program, Graph& body,
                                                ContainerId x,
                                                const std::vector<std::string>& outer) {
    const ir::Container& c = program.containers[x];
    if (c.view || !c.transient || c.kind != ir::ContainerKind::Array) return std::nullopt;
    std::optional<std::vector<std::size_t>> dims;
    if (!row_dims(body, x, outer, dims) || !dims) return std::nullopt;
    ir::Container local = c;
    for (const std::size_t d : *dims) local.shape[d] = 1;
    const auto elements = local.num_elements().constant_value();
    if (!elements || *elements > kMaxRowLocal) return std::nullopt;
    local.strides = ir::contiguous_strides(local.shape);
    local.offset = 0;
    local.storage = ir::Storage::Register;
    reindex(body, x, *dims);
    return local;
  }

  static void reindex(Graph& g, ContainerId x, const std::vector<std::size_t>& dims) {
    for (const EdgeId e : g.edge_ids()) {
      ir::Memlet& m = g.memlet(e);
      if (m.empty() || m.data != x) continue;
      for (const std::size_t d : dims) m.subset[d] = ir::Range::index(0);
      m.volume = ir::subset_size(m.subset);
    }
    for (const NodeId n : g.node_ids())
      if (auto* inner = std::get_if<ir::MapNode>(&g.node(n))) reindex(*inner->body, x, dims);
  }

  /// An Access node of `data` in `body` that nothing writes, made if needed.
  static NodeId source_node(Graph& body, ContainerId data) {
    for (const NodeId n : body.node_ids()) {
      const auto* a = std::get_if<ir::AccessNode>(&body.node(n));
      if (a && a->data == data && body.in_edges(n).empty()) return n;
    }
    return body.add_node(ir::AccessNode{data});
  }

  /// Adds one map's work for a row to `body`: its remaining parameters as an inner map, or its
  /// body's nodes when none remain. Reads of containers in `latest` come from there; what the
  /// part writes is recorded in `latest`.
  static void add_part(const ir::Program& program, const Graph& g, NodeId n, std::size_t shared,
                       Graph& body, std::map<ContainerId, NodeId>& latest) {
    const auto& m = g.get<ir::MapNode>(n);
    const auto& containers = program.containers;
    std::map<ContainerId, NodeId> written;
    if (m.params.size() > shared) {
      ir::MapNode inner = m;
      inner.params.erase(inner.params.begin(),
                         inner.params.begin() + static_cast<std::ptrdiff_t>(shared));
      inner.schedule = ir::Schedule::Sequential;
      const NodeId node = body.add_node(std::move(inner));
      std::set<ContainerId> read;
      for (const EdgeId e : g.in_edges(n)) {
        const ir::Memlet& mem = g.edge(e).memlet;
        if (mem.empty()) continue;
        read.insert(mem.data);
        const auto it = latest.find(mem.data);
        const NodeId from = it != latest.end() ? it->second : source_node(body, mem.data);
        ir::Memlet copy = mem;
        copy.subset = row_subset(body.get<ir::MapNode>(node), containers[mem.data], mem.data);
        copy.volume = ir::subset_size(copy.subset);
        body.add_edge(from, "", node, g.edge(e).dst_conn, std::move(copy));
      }
      for (const EdgeId e : g.out_edges(n)) {
        const ir::Memlet& mem = g.edge(e).memlet;
        if (mem.empty()) continue;
        // Writing after the first part's value of the same container: keep the order.
        if (const auto it = latest.find(mem.data); it != latest.end() && !read.contains(mem.data))
          body.add_edge(it->second, "", node, "", {});
        const NodeId to = body.add_node(ir::AccessNode{mem.data});
        ir::Memlet copy = mem;
        copy.subset = row_subset(body.get<ir::MapNode>(node), containers[mem.data], mem.data);
        copy.volume = ir::subset_size(copy.subset);
        body.add_edge(node, g.edge(e).src_conn, to, "", std::move(copy));
        written[mem.data] = to;
      }
    } else {
      const Graph& from = *m.body;
      std::map<NodeId, NodeId> ids;
      for (const NodeId v : from.node_ids()) {
        const auto* a = std::get_if<ir::AccessNode>(&from.node(v));
        const bool source = a && from.in_edges(v).empty();
        if (source && latest.contains(a->data)) {
          ids[v] = latest.at(a->data);
          continue;
        }
        ids[v] = body.add_node(from.node(v));
        if (a && !from.in_edges(v).empty()) written[a->data] = ids[v];
      }
      for (const EdgeId e : from.edge_ids()) {
        ir::Edge edge = from.edge(e);
        edge.src = ids.at(edge.src);
        edge.dst = ids.at(edge.dst);
        body.add_edge(std::move(edge));
      }
      // Writers of a container the first part left: after its value.
      for (const auto& [data, node] : written)
        if (const auto it = latest.find(data); it != latest.end())
          for (const EdgeId e : body.in_edges(node)) {
            const NodeId writer = body.edge(e).src;
            bool reads = false;
            for (const EdgeId r : body.in_edges(writer))
              reads = reads || body.edge(r).src == it->second;
            if (!reads) body.add_edge(it->second, "", writer, "", {});
          }
    }
    for (const auto& [data, node] : written) latest[data] = node;
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_normalization_fusion() {
  return std::make_shared<NormalizationFusion>();
}

}  // namespace sluice::transforms
