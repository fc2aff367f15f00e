// transpose-absorb (tier 2): a Transpose library node that swaps the last two dimensions and
// feeds only contractions (MatMul, Gemm operands A and B) goes: its output becomes a Permute
// View of its input, which the contraction reads as a transposed operand (BLAS's trans flag),
// so the transposed copy is never written.

#include <algorithm>

#include "transforms/aliasing.h"
#include "transforms/builtins.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

/// The permutation of a Transpose node (ONNX default: reversed dimensions).
std::vector<std::int64_t> permutation(const ir::LibraryNode& t, std::size_t rank) {
  if (const auto it = t.attributes.find("perm"); it != t.attributes.end())
    if (const auto* p = std::get_if<std::vector<std::int64_t>>(&it->second)) return *p;
  std::vector<std::int64_t> reversed(rank);
  for (std::size_t d = 0; d < rank; ++d) reversed[d] = static_cast<std::int64_t>(rank - 1 - d);
  return reversed;
}

bool swaps_last_two(const std::vector<std::int64_t>& perm) {
  const auto n = static_cast<std::int64_t>(perm.size());
  if (n < 2) return false;
  for (std::int64_t d = 0; d + 2 < n; ++d)
    if (perm[d] != d) return false;
  return perm[n - 2] == n - 1 && perm[n - 1] == n - 2;
}

struct Ends {
  ir::NodeId source;  ///< Access node of the input
  ir::NodeId target;  ///< Access node of the output
};

class TransposeAbsorb final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "transpose-absorb"; }
  [[nodiscard]] int tier() const override { return 2; }
  [[nodiscard]] std::string_view description() const override {
    return "Fold a Transpose that swaps the last two dimensions into the contractions that read "
           "it (MatMul, Gemm A/B): its output becomes a permuted View of its input, read as a "
           "transposed operand, and the transposed copy is never made.";
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& /*params*/) const override {
    const auto aliased = viewed(program);
    std::map<ir::ContainerId, int> accesses;
    for (const ir::StateId s : program.states.ids())
      for (const ir::NodeId n : program.states[s].graph.node_ids())
        if (const auto* a = std::get_if<ir::AccessNode>(&program.states[s].graph.node(n)))
          ++accesses[a->data];
    MatchResult result;
    for (const ir::StateId s : program.states.ids()) {
      const ir::Graph& g = program.states[s].graph;
      for (const ir::NodeId n : g.node_ids()) {
        const auto* t = std::get_if<ir::LibraryNode>(&g.node(n));
        if (!t || t->op != "Transpose") continue;
        Match m = make_match({s, {}}, {n}, "Transpose '" + t->label + "'");
        const std::string why = refusal(program, g, n, *t, aliased, accesses);
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
    const ir::NodeId n = match.nodes[0];
    const auto& t = g.get<ir::LibraryNode>(n);
    const Ends ends = find_ends(g, n);
    const ir::ContainerId source = g.get<ir::AccessNode>(ends.source).data;
    const ir::ContainerId target = g.get<ir::AccessNode>(ends.target).data;
    const ir::Container& src = rewriter.program().containers[source];
    ir::Container view = rewriter.program().containers[target];
    const auto perm = permutation(t, src.rank());
    view.kind = ir::ContainerKind::View;
    view.shape.clear();
    view.strides.clear();
    for (const auto d : perm) {
      view.shape.push_back(src.shape[static_cast<std::size_t>(d)]);
      view.strides.push_back(src.strides[static_cast<std::size_t>(d)]);
    }
    view.offset = src.offset;
    view.view = ir::ViewOf{source, ir::ViewKind::Permute, perm};
    rewriter.replace_container(target, std::move(view));
    rewriter.remove_node(match.scope, n);
    // The contractions still run after the input is complete.
    rewriter.add_edge(match.scope, ir::Edge{ends.source, "", ends.target, "", {}});
  }

private:
  static Ends find_ends(const ir::Graph& g, ir::NodeId n) {
    Ends ends;
    for (const ir::EdgeId e : g.in_edges(n))
      if (g.edge(e).dst_conn == "in0") ends.source = g.edge(e).src;
    for (const ir::EdgeId e : g.out_edges(n))
      if (g.edge(e).src_conn == "out0") ends.target = g.edge(e).dst;
    return ends;
  }

  static std::string refusal(const ir::Program& program, const ir::Graph& g, ir::NodeId n,
                             const ir::LibraryNode& t, const std::set<ir::ContainerId>& aliased,
                             const std::map<ir::ContainerId, int>& accesses) {
    const Ends ends = find_ends(g, n);
    if (!ends.source.valid() || !ends.target.valid() || g.out_edges(n).size() != 1)
      return "the Transpose is not connected as one input and one output";
    const auto* in = std::get_if<ir::AccessNode>(&g.node(ends.source));
    const auto* out = std::get_if<ir::AccessNode>(&g.node(ends.target));
    if (!in || !out) return "the Transpose is not between two Access nodes";
    const ir::Container& src = program.containers[in->data];
    const ir::Container& dst = program.containers[out->data];
    const auto perm = permutation(t, src.rank());
    if (!swaps_last_two(perm))
      return "the permutation moves more than the last two dimensions; a contraction can only "
             "absorb that swap";
    if (!dst.transient || dst.view || aliased.contains(out->data) || accesses.at(out->data) != 1 ||
        g.in_edges(ends.target).size() != 1)
      return "'" + dst.name + "' is used elsewhere than between the Transpose and its readers";
    if (src.dtype != dst.dtype) return "the Transpose changes the dtype";
    for (const ir::EdgeId e : g.out_edges(ends.target)) {
      const ir::Edge& edge = g.edge(e);
      const auto* lib = std::get_if<ir::LibraryNode>(&g.node(edge.dst));
      const bool operand = lib && (lib->op == "MatMul" || lib->op == "Gemm") &&
                           (edge.dst_conn == "in0" || edge.dst_conn == "in1");
      if (!operand)
        return "'" + dst.name + "' is read by " +
               (lib ? lib->op + " '" + lib->label + "'" : std::string("a node")) +
               ", which is not a contraction operand";
    }
    return {};
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_transpose_absorb() {
  return std::make_shared<TransposeAbsorb>();
}

}  // namespace sluice::transforms
