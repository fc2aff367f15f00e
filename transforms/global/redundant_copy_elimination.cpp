// redundant-copy-elimination (tier 4): a copy map (`y = a`, transforms/fusion/elementwise.h)
// whose output is a relayout of its input (a permutation, a reshape, a slice: every element of
// the output sits at an address that is affine in its index) goes, and one side becomes a View
// of the other's memory (ir::ViewOf):
//  - forward: the output X becomes a view of the input S, when every reader of X can take a view
//    (maps, copies; BLAS calls whose operand keeps a unit-stride dimension, see
//    codegen/cpu/blas_calls.h) and nothing writes S afterwards;
//  - reverse: the input S becomes a view of X, when S is a transient written once, by a map or a
//    BLAS call that can write through the view, and the copy is a permutation or a reshape. X
//    may be a program argument (a gradient buffer) when nothing in the copy's state reads X
//    before the copy: X then receives the value earlier in that state, and holds the same value
//    from the copy on.
// Copies are taken from the end of the dataflow backwards, so a reshape after a transpose
// becomes a view first and the transpose's producer then writes in the transposed layout.

#include <algorithm>
#include <ranges>
#include <set>

#include "ir/analysis/data_movement.h"
#include "ir/diagnostic.h"
#include "ir/epilogue.h"
#include "transforms/aliasing.h"
#include "transforms/builtins.h"
#include "transforms/fusion/elementwise.h"
#include "transforms/fusion/index_simplify.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

using ir::Container;
using ir::ContainerId;
using ir::EdgeId;
using ir::Expr;
using ir::Graph;
using ir::NodeId;

std::string quoted(const std::string& s) { return "'" + s + "'"; }

/// Every top-level Access node of every container, over all states.
using AccessIndex = std::map<ContainerId, std::vector<std::pair<ir::StateId, NodeId>>>;
AccessIndex access_nodes(const ir::Program& program) {
  AccessIndex out;
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

bool writes_data(const Graph& g, NodeId n) {
  return std::any_of(g.in_edges(n).begin(), g.in_edges(n).end(),
                     [&](EdgeId e) { return !g.edge(e).memlet.empty(); });
}

/// a >= b for every value of the symbols (sizes are >= 0).
bool at_least(const Expr& a, const Expr& b, const ir::Program& program) {
  std::map<std::string, ir::Interval> sizes;
  for (const auto& [name, type] : program.symbols) sizes[name] = {0, std::nullopt};
  const ir::Interval iv = ir::bounds(a - b, sizes);
  return iv.lo && *iv.lo >= 0;
}

/// Whether a BLAS operand can be `view` (mirrors codegen/cpu/blas_calls.cpp): unit stride in the
/// last dimension (leading dimension no smaller than a row), or for an input in the one before.
bool blas_takes(const Container& view, bool input, const ir::Program& program) {
  const std::size_t r = view.rank();
  if (r == 0) return false;
  if (r == 1) return view.strides[0] == Expr(1);
  if (view.strides[r - 1] == Expr(1))
    return view.shape[r - 2] == Expr(1) ||
           at_least(view.strides[r - 2], view.shape[r - 1], program);
  if (!input || view.strides[r - 2] != Expr(1)) return false;
  return view.shape[r - 1] == Expr(1) || at_least(view.strides[r - 1], view.shape[r - 2], program);
}

bool rows_contiguous(const Container& c) {
  for (std::size_t d = 0; d + 2 < c.rank(); ++d)
    if (!(c.strides[d] == c.strides[d + 1] * c.shape[d + 1])) return false;
  return true;
}

/// True when `view` as A of MatMul `node` (a 2-D B shared by all rows) would lose the single
/// GEMM over all rows that the copy's contiguous output allows (codegen/cpu/blas_calls.cpp).
bool splits_rows(const ir::Program& program, const Graph& g, NodeId node, const std::string& conn,
                 const Container& view) {
  if (conn != "in0" || view.rank() < 3 || rows_contiguous(view)) return false;
  const Container* b = nullptr;
  const Container* y = nullptr;
  for (const EdgeId e : g.in_edges(node))
    if (g.edge(e).dst_conn == "in1" && !g.edge(e).memlet.empty())
      b = &program.containers[g.edge(e).memlet.data];
  for (const EdgeId e : g.out_edges(node))
    if (g.edge(e).src_conn == "out0" && !g.edge(e).memlet.empty())
      y = &program.containers[g.edge(e).memlet.data];
  return b && y && b->rank() == 2 && y->rank() == view.rank() && rows_contiguous(*y);
}

/// Why the node at the other end of `e` (reading or writing the container through it) cannot
/// take `view` instead, or "".
std::string refuses_view(const ir::Program& program, const Graph& g, EdgeId e, bool reading,
                         const Container& view) {
  const ir::Edge& edge = g.edge(e);
  const ir::Node& node = g.node(reading ? edge.dst : edge.src);
  if (std::holds_alternative<ir::MapNode>(node) || std::holds_alternative<ir::TaskletNode>(node) ||
      std::holds_alternative<ir::AccessNode>(node) || edge.memlet.empty())
    return "";
  if (const auto* lib = std::get_if<ir::LibraryNode>(&node)) {
    const bool gemm = lib->op == "MatMul" || lib->op == "Gemm";
    if (lib->implementation == "blas" && gemm) {
      const std::string& conn = reading ? edge.dst_conn : edge.src_conn;
      // Gemm's C (in2) and an epilogue's inputs are read element by element: any layout.
      if (reading && (conn == "in2" || ir::is_epilogue_connector(conn))) return "";
      if (!blas_takes(view, reading, program))
        return "the BLAS call " + quoted(lib->label) + " cannot take the layout of the view";
      if (reading && lib->op == "MatMul" && splits_rows(program, g, edge.dst, conn, view))
        return "the view would split the BLAS call " + quoted(lib->label) +
               " (one GEMM over all rows) into one per row block";
      return "";
    }
    return "library node " + quoted(lib->label) + " (" + lib->op + ") is not known to take views";
  }
  return std::string(ir::node_kind_name(node)) + " " + quoted(ir::node_label(node)) +
         " is not known to take views";
}

/// Checks every Access node of `data` (all states): its readers, and when `writers` its writers,
/// can take `view`; `except` is the copy map itself.
std::string check_users(const ir::Program& program, const AccessIndex& accesses, ContainerId data,
                        const Container& view, bool writers, NodeId except, ir::StateId state) {
  const auto it = accesses.find(data);
  if (it == accesses.end()) return "";
  for (const auto& [s, n] : it->second) {
    const Graph& g = program.states[s].graph;
    for (const EdgeId e : g.out_edges(n)) {
      if (s == state && g.edge(e).dst == except) continue;
      if (std::string why = refuses_view(program, g, e, true, view); !why.empty()) return why;
    }
    if (!writers) continue;
    for (const EdgeId e : g.in_edges(n)) {
      if (s == state && g.edge(e).src == except) continue;
      if (std::string why = refuses_view(program, g, e, false, view); !why.empty()) return why;
    }
  }
  return "";
}

/// True when every reader of `data` (over all its Access nodes) is a library node.
bool read_by_libraries_only(const ir::Program& program, const AccessIndex& accesses,
                            ContainerId data) {
  const auto it = accesses.find(data);
  if (it == accesses.end()) return false;
  bool any = false;
  for (const auto& [s, n] : it->second) {
    const Graph& g = program.states[s].graph;
    for (const EdgeId e : g.out_edges(n)) {
      if (!std::holds_alternative<ir::LibraryNode>(g.node(g.edge(e).dst))) return false;
      any = true;
    }
  }
  return any;
}

/// What a copy map becomes.
struct Decision {
  ContainerId target;    ///< The container that becomes a view.
  Container view;        ///< Its new description.
  NodeId source_access;  ///< The copy's input Access node (the view's data is ready there).
  bool forward = true;
};

std::variant<Decision, std::string> decide(const ir::Program& program, const Graph& g,
                                           ir::StateId state, NodeId map,
                                           const AccessIndex& accesses) {
  const auto analysis = analyze_elementwise(program, g, map);
  if (const auto* why = std::get_if<std::string>(&analysis)) return *why;
  const auto& info = std::get<ElementwiseMap>(analysis);
  const auto& m = g.get<ir::MapNode>(map);
  if (!is_copy(m, info)) return quoted(m.label) + " is not a copy";
  const ir::Edge& in = m.body->edge(info.body_inputs.front());
  const ContainerId s_id = in.memlet.data;
  const ContainerId x_id = info.data;
  const Container& s = program.containers[s_id];
  const Container& x = program.containers[x_id];
  NodeId source;
  for (const EdgeId e : g.in_edges(map))
    if (g.edge(e).memlet.data == s_id) source = g.edge(e).src;
  if (!source.valid() || !std::holds_alternative<ir::AccessNode>(g.node(source)))
    return quoted(m.label) + " reads " + quoted(s.name) + " from no Access node";
  // X has no other writer anywhere.
  for (const auto& [st, n] : accesses.at(x_id)) {
    const Graph& sg = program.states[st].graph;
    const bool other_writer =
        std::any_of(sg.in_edges(n).begin(), sg.in_edges(n).end(), [&](EdgeId e) {
          return !sg.edge(e).memlet.empty() && !(st == state && sg.edge(e).src == map);
        });
    if (other_writer) return quoted(x.name) + " has another writer";
  }

  // Where each element of X lives in S's memory, as a function of the map's parameters.
  IndexRanges ranges;
  add_param_ranges(m.params, ranges);
  Expr address = s.offset;
  for (std::size_t k = 0; k < s.rank(); ++k)
    address = address + in.memlet.subset[k].begin * s.strides[k];
  address = simplify_indices(address, ranges);
  std::vector<std::string> params;
  params.reserve(m.params.size());
  for (const ir::MapParam& p : m.params) params.push_back(p.name);
  const std::optional<Affine> affine = affine_in(address, params);
  if (!affine)
    return quoted(m.label) + " is not a relayout: the address it reads, " + address.str() +
           ", is not affine in its parameters";

  // Is the copy a permutation (S dim k read at exactly one parameter, all of them)?
  std::vector<std::int64_t> permutation;  // X dim d is S dim permutation[d]
  if (s.rank() == x.rank()) {
    for (std::size_t d = 0; d < x.rank(); ++d) {
      for (std::size_t k = 0; k < s.rank(); ++k)
        if (in.memlet.subset[k].begin == Expr::symbol(info.dim_param[d]) &&
            s.shape[k] == x.shape[d])
          permutation.push_back(static_cast<std::int64_t>(k));
    }
    std::vector<std::int64_t> sorted = permutation;
    std::sort(sorted.begin(), sorted.end());
    if (sorted.size() != x.rank() ||
        std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      permutation.clear();
  }
  const bool same_size = x.num_elements() == s.num_elements();

  // Forward: X aliases S.
  std::string forward_why;
  {
    Container view = x;
    view.kind = ir::ContainerKind::View;
    view.offset = affine->constant;
    for (std::size_t d = 0; d < x.rank(); ++d) {
      const auto c = affine->coefficients.find(info.dim_param[d]);
      view.strides[d] = c == affine->coefficients.end() ? Expr(0) : c->second;
    }
    ir::ViewOf of{s_id, ir::ViewKind::Slice, {}};
    if (!permutation.empty())
      of = {s_id, ir::ViewKind::Permute, permutation};
    else if (same_size)
      of.kind = ir::ViewKind::Reshape;
    view.view = of;
    const ContainerId s_root = ir::analysis::view_root(program, s_id);
    if (!x.transient) {
      forward_why = quoted(m.label) + " writes the program argument " + quoted(x.name);
    } else if (x.view || viewed(program, x_id)) {
      forward_why = quoted(x.name) + " is itself aliased";
    } else {
      // Nothing may write S's memory but into the Access node the copy reads.
      for (const auto& [c, nodes] : accesses) {
        if (ir::analysis::view_root(program, c) != s_root) continue;
        for (const auto& [st, n] : nodes)
          if (!(st == state && n == source) && writes_data(program.states[st].graph, n))
            forward_why = quoted(s.name) + " is written again";
      }
    }
    if (forward_why.empty())
      forward_why = check_users(program, accesses, x_id, view, false, map, state);
    if (forward_why.empty()) return Decision{x_id, std::move(view), source, true};
  }

  // Reverse: S aliases X, for a permutation or a reshape between contiguous layouts.
  const auto refuse = [&](const std::string& why) {
    return quoted(m.label) + " stays: " + forward_why + ", and " + why;
  };
  if (!s.transient || s.view || viewed(program, s_id))
    return refuse(quoted(s.name) + " is not a transient of its own");
  if (x.strides != ir::contiguous_strides(x.shape) || x.offset != Expr(0))
    return refuse(quoted(x.name) + " is not contiguous");
  Container view = s;
  view.kind = ir::ContainerKind::View;
  view.offset = x.offset;
  if (!permutation.empty()) {
    std::vector<std::int64_t> inverse(permutation.size());
    for (std::size_t d = 0; d < permutation.size(); ++d) {
      inverse[static_cast<std::size_t>(permutation[d])] = static_cast<std::int64_t>(d);
      view.strides[static_cast<std::size_t>(permutation[d])] = x.strides[d];
    }
    view.view = ir::ViewOf{x_id, ir::ViewKind::Permute, inverse};
  } else {
    bool reshape =
        same_size && s.strides == ir::contiguous_strides(s.shape) && affine->constant == s.offset;
    const std::vector<Expr> contiguous = ir::contiguous_strides(x.shape);
    for (std::size_t d = 0; reshape && d < x.rank(); ++d) {
      const auto c = affine->coefficients.find(info.dim_param[d]);
      reshape = (c == affine->coefficients.end() ? Expr(0) : c->second) == contiguous[d] ||
                x.shape[d] == Expr(1);
    }
    if (!reshape) return refuse("the copy is neither a permutation nor a reshape");
    view.strides = ir::contiguous_strides(s.shape);
    view.view = ir::ViewOf{x_id, ir::ViewKind::Reshape, {}};
  }
  // An argument X (a gradient the program returns) gets S's value earlier than the copy wrote
  // it, but in the same state: nothing there may read X before the copy, and X has no alias.
  if (!x.transient) {
    if (x.view || viewed(program, x_id)) return refuse(quoted(x.name) + " is aliased");
    const std::set<NodeId> after_copy = descendants(g, map);
    for (const auto& [st, n] : accesses.at(x_id)) {
      if (st != state) continue;
      for (const EdgeId e : g.out_edges(n))
        if (!after_copy.contains(g.edge(e).dst))
          return refuse("the program argument " + quoted(x.name) + " is read before the copy");
    }
  }
  // S is written once, into the Access node the copy reads, by something that takes the view.
  for (const auto& [st, n] : accesses.at(s_id))
    if (!(st == state && n == source) && writes_data(program.states[st].graph, n))
      return refuse(quoted(s.name) + " is written more than once");
  if (std::string why = check_users(program, accesses, s_id, view, true, map, state); !why.empty())
    return refuse(why);
  return Decision{s_id, std::move(view), source, false};
}

class RedundantCopyElimination final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "redundant-copy-elimination"; }
  [[nodiscard]] int tier() const override { return 4; }
  [[nodiscard]] std::string_view description() const override {
    return "Remove a copy map whose output is a relayout of its input (a transpose, a reshape, "
           "a slice): its output becomes a view of its input's memory when every reader can "
           "read through the view, or else its input becomes a view of the output's memory, so "
           "that whatever wrote the input writes the copied layout directly.";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"library_readers",
             ParamType::Bool,
             false,
             "only copies whose output only library calls read (before map-fusion, which "
             "handles copies that maps read)",
             {}}};
  }
  [[nodiscard]] bool repeat_to_fixpoint() const override { return true; }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    const bool library_only = param_bool(params, "library_readers");
    MatchResult result;
    const AccessIndex accesses = access_nodes(program);
    for (const ir::StateId s : program.states.ids()) {
      const Graph& g = program.states[s].graph;
      const auto order = g.topological_order();
      if (!order) continue;
      for (const NodeId n : std::ranges::reverse_view(*order)) {
        const auto* m = std::get_if<ir::MapNode>(&g.node(n));
        if (!m) continue;
        const auto analysis = analyze_elementwise(program, g, n);
        const auto* info = std::get_if<ElementwiseMap>(&analysis);
        if (!info || !is_copy(*m, *info)) continue;
        if (library_only && !read_by_libraries_only(program, accesses, info->data)) continue;
        const auto decision = decide(program, g, s, n, accesses);
        Match match = make_match(Scope{s, {}}, {n, info->access}, "");
        if (const auto* d = std::get_if<Decision>(&decision)) {
          match.description = "copy " + quoted(m->label) + ": " +
                              quoted(program.containers[d->target].name) + " becomes a view";
          result.matches.push_back(std::move(match));
        } else {
          result.rejected.push_back({std::move(match), std::get<std::string>(decision)});
        }
      }
    }
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& /*params*/) const override {
    const ir::Program& program = rewriter.program();
    const Graph& g = rewriter.graph(match.scope);
    const NodeId map = match.nodes.at(0);
    const NodeId x_access = match.nodes.at(1);
    auto decision = decide(program, g, match.scope.state, map, access_nodes(program));
    if (const auto* why = std::get_if<std::string>(&decision))
      throw UserError(node_location(program, match.scope, map), *why);
    auto& d = std::get<Decision>(decision);
    rewriter.replace_container(d.target, std::move(d.view));
    rewriter.remove_node(match.scope, map);
    // Readers of X still run after S is complete.
    rewriter.add_edge(match.scope, ir::Edge{d.source_access, "", x_access, "", {}});
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_redundant_copy_elimination() {
  return std::make_shared<RedundantCopyElimination>();
}

}  // namespace sluice::transforms
