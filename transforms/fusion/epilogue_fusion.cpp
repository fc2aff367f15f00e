// epilogue-fusion (tier 3): an element-wise map after a contraction becomes the contraction's
// epilogue (ir/epilogue.h).
//
// A MatMul or Gemm library node writes a transient X that one element-wise map M reads, at the
// element M writes, and nothing else reads. M's tasklet becomes the node's `epilogue` attribute
// (M's read of X renamed `acc`, its other inputs `epi<k>`, its output `y`), M's other inputs
// become the node's `epi<k>` connectors (each read broadcast against the output, as a bias or a
// residual is), the node writes M's output, and M, X's Access node and X go. The BLAS call then
// applies the epilogue to each panel of rows while it is in cache (codegen/cpu/blas_calls.cpp);
// the pure expansion is the contraction into a transient followed by the epilogue's map.

#include <algorithm>
#include <set>

#include "ir/analysis/data_movement.h"
#include "ir/diagnostic.h"
#include "ir/epilogue.h"
#include "transforms/aliasing.h"
#include "transforms/builtins.h"
#include "transforms/fusion/elementwise.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

using ir::ContainerId;
using ir::EdgeId;
using ir::Expr;
using ir::Graph;
using ir::NodeId;

std::string quoted(const std::string& s) { return "'" + s + "'"; }

bool is_contraction(const ir::LibraryNode& lib) { return lib.op == "MatMul" || lib.op == "Gemm"; }

/// How many top-level Access nodes of each container the program has, over all states.
std::map<ContainerId, int> access_counts(const ir::Program& program) {
  std::map<ContainerId, int> out;
  for (const ir::StateId s : program.states.ids()) {
    const Graph& g = program.states[s].graph;
    for (const NodeId n : g.node_ids())
      if (const auto* a = std::get_if<ir::AccessNode>(&g.node(n))) ++out[a->data];
  }
  return out;
}

/// A checked candidate: what apply needs.
struct Plan {
  ElementwiseMap map;                 ///< M's analysis.
  std::vector<ContainerId> inputs;    ///< M's other inputs, in connector order epi0, epi1, ...
  std::map<ContainerId, EdgeId> top;  ///< M's top-level in-edge of each of them.
  EdgeId x_edge;                      ///< The contraction's edge into X's Access node.
};

/// True when `subset` reads the element of a container of `shape` that broadcasts (right-
/// aligned, extent-1 dims at 0) to the point `dim_param` of an output of `out_shape`.
bool broadcast_read(const ir::Subset& subset, const std::vector<Expr>& shape,
                    const std::vector<Expr>& out_shape, const std::vector<std::string>& dim_param) {
  if (subset.size() != shape.size() || shape.size() > out_shape.size()) return false;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    const ir::Range& r = subset[d];
    const std::size_t od = out_shape.size() - shape.size() + d;
    if (!r.is_index()) return false;
    if (shape[d] == Expr(1) && r.begin == Expr(0)) continue;
    if (!(shape[d] == out_shape[od]) || r.begin != Expr::symbol(dim_param[od])) return false;
  }
  return true;
}

class EpilogueFusion final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "epilogue-fusion"; }
  [[nodiscard]] int tier() const override { return 3; }
  [[nodiscard]] std::string_view description() const override {
    return "Fuse the element-wise map after a contraction (MatMul, Gemm) into it as an "
           "epilogue: the contraction applies the map's code (a bias add, GeLU, a residual) to "
           "each element before storing it, so the product never goes through memory twice. "
           "The BLAS call computes the product panel by panel over rows and runs the epilogue "
           "on each panel while it is in cache; the map's other inputs are read broadcast "
           "against the output.";
  }

  [[nodiscard]] MatchResult match(const ir::Program& program, const ParamValues&) const override {
    MatchResult result;
    const auto counts = access_counts(program);
    for (const ir::StateId s : program.states.ids()) {
      const Graph& g = program.states[s].graph;
      const Scope scope{s, {}};
      for (const NodeId l : g.node_ids()) {
        const auto* lib = std::get_if<ir::LibraryNode>(&g.node(l));
        if (lib == nullptr) continue;
        for (const EdgeId out : g.out_edges(l)) {
          const NodeId x = g.edge(out).dst;
          if (g.edge(out).memlet.empty() || !std::holds_alternative<ir::AccessNode>(g.node(x)))
            continue;
          for (const EdgeId read : g.out_edges(x)) {
            const NodeId m = g.edge(read).dst;
            if (g.edge(read).memlet.empty() || !std::holds_alternative<ir::MapNode>(g.node(m)))
              continue;
            Match match =
                make_match(scope, {l, x, m},
                           "fuse map " + quoted(g.get<ir::MapNode>(m).label) + " into " + lib->op +
                               " " + quoted(lib->label) + " as its epilogue through " +
                               quoted(program.containers[g.edge(out).memlet.data].name));
            std::string why;
            (void)plan(program, g, l, x, m, counts, why);
            if (why.empty())
              result.matches.push_back(std::move(match));
            else
              result.rejected.push_back({std::move(match), "epilogue-fusion: " + why});
          }
        }
      }
    }
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues&) const override {
    const ir::Program& program = rewriter.program();
    const Scope& scope = match.scope;
    const Graph& g = rewriter.graph(scope);
    const NodeId l = match.nodes.at(0);
    const NodeId x_node = match.nodes.at(1);
    const NodeId m = match.nodes.at(2);
    std::string why;
    const std::optional<Plan> checked = plan(program, g, l, x_node, m, access_counts(program), why);
    if (!checked) throw UserError(node_location(program, scope, m), "epilogue-fusion: " + why);
    const ElementwiseMap& info = checked->map;
    const auto& map = g.get<ir::MapNode>(m);
    const ir::Graph& body = *map.body;
    const auto& tasklet = body.get<ir::TaskletNode>(info.tasklet);
    const ContainerId x = g.edge(checked->x_edge).memlet.data;

    // The tasklet's code in the epilogue's names.
    std::map<std::string, std::string> rename;
    std::set<std::string> taken{std::string(ir::kEpilogueValue), std::string(ir::kEpilogueResult)};
    for (const EdgeId e : info.body_inputs) {
      const ir::Edge& edge = body.edge(e);
      if (edge.memlet.data == x) {
        rename[edge.dst_conn] = std::string(ir::kEpilogueValue);
        continue;
      }
      const auto k = std::find(checked->inputs.begin(), checked->inputs.end(), edge.memlet.data) -
                     checked->inputs.begin();
      rename[edge.dst_conn] = ir::epilogue_connector(static_cast<std::size_t>(k));
      taken.insert(rename[edge.dst_conn]);
    }
    rename[body.edge(info.body_output).src_conn] = std::string(ir::kEpilogueResult);
    for (const std::string& local : ir::tasklet_locals(tasklet.code)) {
      std::string name = local;
      for (int i = 2; taken.contains(name) || tasklet_names(tasklet).contains(name); ++i)
        name = local + "_" + std::to_string(i);
      if (name != local) rename[local] = name;
      taken.insert(name);
    }
    ir::LibraryNode fused = g.get<ir::LibraryNode>(l);
    fused.attributes[std::string(ir::kEpilogueAttribute)] =
        ir::print_tasklet(ir::rename_variables(tasklet.code, rename));
    for (std::size_t k = 0; k < checked->inputs.size(); ++k)
      fused.inputs.push_back(ir::epilogue_connector(k));

    // Edges: the contraction reads M's other inputs and writes M's output; M's ordering edges
    // move to it.
    const ir::Edge x_edge = g.edge(checked->x_edge);
    const ir::Edge m_out = g.edge(info.output);
    std::vector<ir::Edge> added;
    for (std::size_t k = 0; k < checked->inputs.size(); ++k) {
      const ir::Edge& in = g.edge(checked->top.at(checked->inputs[k]));
      added.push_back({in.src, "", l, ir::epilogue_connector(k), in.memlet});
    }
    added.push_back({l, x_edge.src_conn, m_out.dst, "", m_out.memlet});
    std::set<NodeId> before;
    std::set<NodeId> after;
    for (const EdgeId e : g.in_edges(l))
      if (g.edge(e).memlet.empty()) before.insert(g.edge(e).src);
    for (const EdgeId e : g.out_edges(l))
      if (g.edge(e).memlet.empty()) after.insert(g.edge(e).dst);
    for (const EdgeId e : g.in_edges(m))
      if (g.edge(e).memlet.empty() && g.edge(e).src != x_node &&
          before.insert(g.edge(e).src).second)
        added.push_back({g.edge(e).src, "", l, "", {}});
    for (const EdgeId e : g.out_edges(m))
      if (g.edge(e).memlet.empty() && after.insert(g.edge(e).dst).second)
        added.push_back({l, "", g.edge(e).dst, "", {}});

    rewriter.remove_node(scope, m);
    rewriter.remove_node(scope, x_node);
    rewriter.remove_container(x);
    rewriter.replace_node(scope, l, std::move(fused));
    for (ir::Edge& edge : added) rewriter.add_edge(scope, std::move(edge));
  }

private:
  static std::set<std::string> tasklet_names(const ir::TaskletNode& t) {
    std::set<std::string> out(t.inputs.begin(), t.inputs.end());
    out.insert(t.outputs.begin(), t.outputs.end());
    return out;
  }

  /// Checks a candidate (contraction `l`, X's Access node `x_node`, map `m`); on failure returns
  /// nullopt and sets `why`.
  static std::optional<Plan> plan(const ir::Program& program, const Graph& g, NodeId l,
                                  NodeId x_node, NodeId m, const std::map<ContainerId, int>& counts,
                                  std::string& why) {
    const auto& lib = g.get<ir::LibraryNode>(l);
    const auto& map = g.get<ir::MapNode>(m);
    Plan plan;
    for (const EdgeId e : g.in_edges(x_node))
      if (g.edge(e).src == l && !g.edge(e).memlet.empty()) plan.x_edge = e;
    const ContainerId x = g.edge(plan.x_edge).memlet.data;
    const ir::Container& xc = program.containers[x];
    const std::string xname = quoted(xc.name);
    if (!is_contraction(lib)) {
      why = xname + " is not written by a contraction (" + lib.op + " " + quoted(lib.label) +
            " writes it)";
      return std::nullopt;
    }
    if (ir::epilogue_code(lib) != nullptr) {
      why = lib.op + " " + quoted(lib.label) + " already has an epilogue";
      return std::nullopt;
    }
    for (const EdgeId e : g.in_edges(l)) {
      const ir::Memlet& in = g.edge(e).memlet;
      if (!in.empty() && (g.edge(e).dst_conn == "in0" || g.edge(e).dst_conn == "in1") &&
          program.containers[in.data].rank() < 2) {
        why = lib.op + " " + quoted(lib.label) + " multiplies a vector (" +
              quoted(program.containers[in.data].name) + ")";
        return std::nullopt;
      }
    }
    if (!xc.transient) {
      why = xname + " is a program argument";
      return std::nullopt;
    }
    if (xc.view || viewed(program).contains(x)) {
      why = xname + " is aliased by a view";
      return std::nullopt;
    }
    if (g.in_edges(x_node).size() != 1) {
      why = xname + " has another writer";
      return std::nullopt;
    }
    if (counts.at(x) != 1) {
      why = xname + " is also used in another Access node";
      return std::nullopt;
    }
    for (const EdgeId e : g.out_edges(x_node)) {
      const NodeId other = g.edge(e).dst;
      if (other == m) continue;
      why = xname + " is also read by " + std::string(ir::node_kind_name(g.node(other))) + " " +
            quoted(ir::node_label(g.node(other)));
      return std::nullopt;
    }
    for (const EdgeId e : g.out_edges(l))
      if (e != plan.x_edge && !g.edge(e).memlet.empty()) {
        why = lib.op + " " + quoted(lib.label) + " writes more than " + xname;
        return std::nullopt;
      }

    const auto analysis = analyze_elementwise(program, g, m);
    if (const auto* reason = std::get_if<std::string>(&analysis)) {
      why = "the map " + *reason;
      return std::nullopt;
    }
    plan.map = std::get<ElementwiseMap>(analysis);
    const ElementwiseMap& info = plan.map;
    const ir::Container& out = program.containers[info.data];
    const std::string mname = quoted(map.label);
    if (out.shape != xc.shape || out.dtype != xc.dtype) {
      why = "the map " + mname + " writes " + quoted(out.name) + ", which differs from " + xname +
            " in shape or dtype";
      return std::nullopt;
    }
    if (out.shape.empty() || out.shape.back() != xc.shape.back() ||
        !(out.strides.back() == Expr(1) || out.shape.back() == Expr(1))) {
      why = "the contraction cannot store into " + quoted(out.name) +
            " (its last dimension needs unit stride)";
      return std::nullopt;
    }
    const auto& tasklet = map.body->get<ir::TaskletNode>(info.tasklet);
    for (const std::string& p : info.dim_param)
      if (ir::tasklet_reads(tasklet.code).contains(p)) {
        why = "the map " + mname + " computes with its parameter " + quoted(p);
        return std::nullopt;
      }
    if (!ir::tasklet_subscripts(tasklet.code).empty()) {
      why = "the map " + mname + " subscripts an input (a data-dependent read)";
      return std::nullopt;
    }
    const ContainerId out_root = ir::analysis::view_root(program, info.data);
    bool reads_x = false;
    for (const EdgeId e : info.body_inputs) {
      const ir::Memlet& r = map.body->edge(e).memlet;
      if (r.data == x) {
        for (std::size_t d = 0; d < r.subset.size(); ++d)
          if (!r.subset[d].is_index() || r.subset[d].begin != Expr::symbol(info.dim_param[d])) {
            why = "the map ";
            why.append(mname).append(" reads ").append(xname);
            why.append(" at another element than it writes");
            return std::nullopt;
          }
        reads_x = true;
        continue;
      }
      const ir::Container& c = program.containers[r.data];
      if (!broadcast_read(r.subset, c.shape, out.shape, info.dim_param)) {
        why = "the map " + mname + " reads " + quoted(c.name) +
              " at an element that does not broadcast against its output";
        return std::nullopt;
      }
      if (c.dtype == ir::DType::f16 || c.dtype == ir::DType::bf16) {
        why = "the map " + mname + " reads " + quoted(c.name) + ", which is " +
              std::string(ir::dtype_name(c.dtype));
        return std::nullopt;
      }
      if (ir::analysis::view_root(program, r.data) == out_root) {
        why = "the map " + mname + " reads " + quoted(c.name) + ", which it overwrites";
        return std::nullopt;
      }
      if (std::find(plan.inputs.begin(), plan.inputs.end(), r.data) == plan.inputs.end())
        plan.inputs.push_back(r.data);
    }
    if (!reads_x) {
      why = "the map " + mname + " does not read " + xname + " in its tasklet";
      return std::nullopt;
    }
    // The map's other inputs: read from Access nodes, holding the same values when the
    // contraction reads them (nothing else in the state writes them), and the contraction does
    // not read what the map writes.
    for (const EdgeId e : g.in_edges(m)) {
      const ir::Edge& edge = g.edge(e);
      if (edge.memlet.empty() || edge.src == x_node) continue;
      if (!std::holds_alternative<ir::AccessNode>(g.node(edge.src))) {
        why = "the map " + mname + " reads " + quoted(program.containers[edge.memlet.data].name) +
              " from no Access node";
        return std::nullopt;
      }
      plan.top[edge.memlet.data] = e;
      const ContainerId root = ir::analysis::view_root(program, edge.memlet.data);
      for (const NodeId n : g.node_ids()) {
        const auto* a = std::get_if<ir::AccessNode>(&g.node(n));
        if (!a || n == edge.src || ir::analysis::view_root(program, a->data) != root) continue;
        const bool written = std::any_of(g.in_edges(n).begin(), g.in_edges(n).end(),
                                         [&](EdgeId i) { return !g.edge(i).memlet.empty(); });
        if (written) {
          why = quoted(program.containers[edge.memlet.data].name) + ", which the map " + mname +
                " reads, is written elsewhere in the state";
          return std::nullopt;
        }
      }
    }
    for (const ContainerId c : plan.inputs)
      if (!plan.top.contains(c)) {
        why =
            "the map " + mname + " has no top-level edge of " + quoted(program.containers[c].name);
        return std::nullopt;
      }
    for (const EdgeId e : g.in_edges(l)) {
      const ir::Memlet& in = g.edge(e).memlet;
      if (!in.empty() && ir::analysis::view_root(program, in.data) == out_root) {
        why = lib.op + " " + quoted(lib.label) + " reads " + quoted(out.name) + ", which the map " +
              mname + " writes";
        return std::nullopt;
      }
    }
    return plan;
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_epilogue_fusion() {
  return std::make_shared<EpilogueFusion>();
}

}  // namespace sluice::transforms
