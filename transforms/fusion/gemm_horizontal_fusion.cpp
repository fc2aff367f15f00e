// gemm-horizontal-fusion (tier 3): MatMuls that multiply the same input by weights of one shape
// (the Q, K and V projections of attention) become one MatMul by the weights side by side: the
// input is read once, and one larger GEMM runs instead of several small ones. The weights are
// joined by a Concat node (a copy each run, which the cost model counts: it pays when the input
// is larger than the weights), and each original output becomes a slice View of the joint one.

#include <algorithm>

#include "ir/epilogue.h"
#include "transforms/aliasing.h"
#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

struct Operands {
  ir::NodeId input_access;   ///< in0's Access node
  ir::NodeId weight_access;  ///< in1's Access node
  ir::NodeId output_access;  ///< out0's Access node
  ir::Memlet input;          ///< in0's memlet
};

std::optional<Operands> operands(const ir::Graph& g, ir::NodeId n) {
  Operands o;
  for (const ir::EdgeId e : g.in_edges(n)) {
    const ir::Edge& edge = g.edge(e);
    if (edge.dst_conn == "in0") {
      o.input_access = edge.src;
      o.input = edge.memlet;
    } else if (edge.dst_conn == "in1") {
      o.weight_access = edge.src;
    } else {
      return std::nullopt;
    }
  }
  if (g.out_edges(n).size() != 1) return std::nullopt;
  o.output_access = g.edge(g.out_edges(n).front()).dst;
  for (const ir::NodeId a : {o.input_access, o.weight_access, o.output_access})
    if (!a.valid() || !std::holds_alternative<ir::AccessNode>(g.node(a))) return std::nullopt;
  return o;
}

class GemmHorizontalFusion final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "gemm-horizontal-fusion"; }
  [[nodiscard]] int tier() const override { return 3; }
  [[nodiscard]] std::string_view description() const override {
    return "Fuse MatMuls that multiply the same input by 2-D weights of one shape (Q, K, V "
           "projections) into one MatMul by the weights concatenated along their columns; each "
           "original output becomes a slice View of the joint output. The weights are copied "
           "side by side each run, so it pays when the input is larger than the weights.";
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& /*params*/) const override {
    const auto aliased = viewed(program);
    MatchResult result;
    for (const ir::StateId s : program.states.ids()) {
      const ir::Graph& g = program.states[s].graph;
      // MatMuls by the container (and subset) of their first operand, in id order.
      std::map<std::pair<ir::ContainerId, std::string>, std::vector<ir::NodeId>> groups;
      for (const ir::NodeId n : g.node_ids()) {
        const auto* lib = std::get_if<ir::LibraryNode>(&g.node(n));
        // One with an epilogue (ir/epilogue.h) stays apart: the joint MatMul has none.
        if (!lib || lib->op != "MatMul" || ir::epilogue_code(*lib) != nullptr) continue;
        const auto o = operands(g, n);
        if (!o) continue;
        groups[{o->input.data, ir::subset_str(o->input.subset)}].push_back(n);
      }
      for (const auto& [key, nodes] : groups) {
        if (nodes.size() < 2) continue;
        Match m = make_match({s, {}}, nodes, "");
        const std::string why = refusal(program, g, nodes, aliased);
        if (!why.empty()) {
          result.rejected.push_back({std::move(m), why});
          continue;
        }
        m.description = std::to_string(nodes.size()) + " MatMuls reading '" +
                        program.containers[key.first].name + "'";
        result.matches.push_back(std::move(m));
      }
    }
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& /*params*/) const override {
    const Scope& scope = match.scope;
    const ir::Program& program = rewriter.program();
    const ir::Graph& g = rewriter.graph(scope);
    std::vector<Operands> ops;
    for (const ir::NodeId n : match.nodes) ops.push_back(*operands(g, n));
    const auto container_of = [&](ir::NodeId access) { return g.get<ir::AccessNode>(access).data; };
    const ir::Container first_weight = program.containers[container_of(ops[0].weight_access)];
    const ir::Container first_output = program.containers[container_of(ops[0].output_access)];
    const auto k = static_cast<std::int64_t>(ops.size());
    const ir::Expr columns = first_weight.shape[1];
    const ir::LibraryNode first = g.get<ir::LibraryNode>(match.nodes[0]);

    ir::Container weights = first_weight;
    weights.name = fresh_name(program, {}, first_weight.name + "_joint");
    weights.shape[1] = columns * k;
    weights.strides = ir::contiguous_strides(weights.shape);
    weights.offset = 0;
    weights.transient = true;
    weights.lifetime = ir::Lifetime::Scope;
    ir::Container joint = first_output;
    joint.name = fresh_name(program, {}, first_output.name + "_joint");
    joint.shape.back() = columns * k;
    joint.strides = ir::contiguous_strides(joint.shape);
    joint.offset = 0;

    // Each output becomes a slice of the joint one: the same element at column + i * columns.
    std::vector<ir::ContainerId> outputs;
    for (const auto& o : ops) outputs.push_back(container_of(o.output_access));
    const ir::ContainerId weights_id = rewriter.add_container(std::move(weights));
    const ir::ContainerId joint_id = rewriter.add_container(std::move(joint));
    const ir::Container& joint_container = rewriter.program().containers[joint_id];
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      ir::Container slice = rewriter.program().containers[outputs[i]];
      slice.kind = ir::ContainerKind::View;
      slice.strides = joint_container.strides;
      slice.offset = columns * static_cast<std::int64_t>(i);
      slice.view = ir::ViewOf{joint_id, ir::ViewKind::Slice, {}};
      rewriter.replace_container(outputs[i], std::move(slice));
    }

    const auto whole = [](const ir::Container& c) {
      ir::Subset s;
      for (const auto& d : c.shape) s.push_back({0, d, 1});
      return s;
    };
    const auto memlet = [&](ir::ContainerId c) {
      ir::Memlet m;
      m.data = c;
      m.subset = whole(rewriter.program().containers[c]);
      m.volume = ir::subset_size(m.subset);
      return m;
    };
    ir::LibraryNode concat{first.label + "_weights",    "Concat", {}, {"out0"},
                           {{"axis", std::int64_t{1}}}, "pure"};
    for (std::int64_t i = 0; i < k; ++i) concat.inputs.push_back("in" + std::to_string(i));
    const ir::NodeId concat_id = rewriter.add_node(scope, std::move(concat));
    for (std::size_t i = 0; i < ops.size(); ++i)
      rewriter.add_edge(scope, {ops[i].weight_access, "", concat_id, "in" + std::to_string(i),
                                memlet(container_of(ops[i].weight_access))});
    const ir::NodeId weights_access = rewriter.add_node(scope, ir::AccessNode{weights_id});
    rewriter.add_edge(scope, {concat_id, "out0", weights_access, "", memlet(weights_id)});

    ir::LibraryNode fused = first;
    fused.label = first.label + "_joint";
    const ir::NodeId fused_id = rewriter.add_node(scope, std::move(fused));
    rewriter.add_edge(scope, {ops[0].input_access, "", fused_id, "in0", ops[0].input});
    rewriter.add_edge(scope, {weights_access, "", fused_id, "in1", memlet(weights_id)});
    const ir::NodeId joint_access = rewriter.add_node(scope, ir::AccessNode{joint_id});
    rewriter.add_edge(scope, {fused_id, "out0", joint_access, "", memlet(joint_id)});
    for (std::size_t i = 0; i < ops.size(); ++i) {
      rewriter.remove_node(scope, match.nodes[i]);
      // Readers of each slice still run after the joint product.
      rewriter.add_edge(scope, {joint_access, "", ops[i].output_access, "", ir::Memlet{}});
    }
  }

private:
  static std::string refusal(const ir::Program& program, const ir::Graph& g,
                             const std::vector<ir::NodeId>& nodes,
                             const std::set<ir::ContainerId>& aliased) {
    const auto first = *operands(g, nodes[0]);
    const auto& w0 = program.containers[g.get<ir::AccessNode>(first.weight_access).data];
    const std::string impl = g.get<ir::LibraryNode>(nodes[0]).implementation;
    for (const ir::NodeId n : nodes) {
      const auto o = *operands(g, n);
      const auto& lib = g.get<ir::LibraryNode>(n);
      const auto& w = program.containers[g.get<ir::AccessNode>(o.weight_access).data];
      const auto& y = program.containers[g.get<ir::AccessNode>(o.output_access).data];
      if (w.rank() != 2 || !(w.shape == w0.shape) || w.dtype != w0.dtype)
        return "the weights '" + w0.name + "' and '" + w.name + "' differ in shape or dtype";
      if (lib.implementation != impl) return "the MatMuls have different implementations";
      if (!y.transient || y.view || aliased.contains(g.get<ir::AccessNode>(o.output_access).data) ||
          g.in_edges(o.output_access).size() != 1)
        return "the output '" + y.name + "' is not a transient the MatMul alone writes";
    }
    for (std::size_t i = 0; i < nodes.size(); ++i)
      for (std::size_t j = 0; j < nodes.size(); ++j)
        if (i != j && descendants(g, nodes[i]).contains(nodes[j]))
          return "one MatMul depends on another";
    return {};
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_gemm_horizontal_fusion() {
  return std::make_shared<GemmHorizontalFusion>();
}

}  // namespace sluice::transforms
