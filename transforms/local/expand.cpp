// expand (tier 1): choose the implementation of a library node. `pure` replaces the node by
// the maps and tasklets of its op's expansion (ops/); a library-backed implementation ("blas")
// keeps the node and records the choice for the code generator, or, for an op whose library
// implementation is a lowering (Conv: im2col + a BLAS MatMul), expands into that. `auto` takes the
// library when the op has one for the node's data types, else pure.

#include <algorithm>

#include "ir/diagnostic.h"
#include "ops/expansion.h"
#include "ops/op_registry.h"
#include "transforms/builtins.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

bool float_outputs(const ir::Program& program, const ir::Graph& graph, ir::NodeId node) {
  for (const ir::EdgeId e : graph.out_edges(node)) {
    const ir::Memlet& m = graph.edge(e).memlet;
    if (m.empty()) continue;
    const ir::DType t = program.containers[m.data].dtype;
    if (t != ir::DType::f32 && t != ir::DType::f64) return false;
  }
  return true;
}

/// The implementation `impl` stands for at this node ("auto" resolved), or why there is none.
struct Choice {
  std::string impl;  ///< Empty when there is none.
  std::string why_not;
};

Choice resolve_impl(const ir::Program& program, const ir::Graph& graph, ir::NodeId node,
                    const ops::OpDefinition& op, const std::string& impl) {
  const auto offered = op.implementations();
  const auto offers = [&](const std::string& name) {
    return std::find(offered.begin(), offered.end(), name) != offered.end();
  };
  if (impl == "pure") return {impl, {}};
  if (impl == "auto")
    return {offers("blas") && float_outputs(program, graph, node) ? "blas" : "pure", {}};
  if (!offers(impl)) return {{}, "'" + op.name + "' has no implementation '" + impl + "'"};
  return {impl, {}};
}

class Expand final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "expand"; }
  [[nodiscard]] int tier() const override { return 1; }
  [[nodiscard]] std::string_view description() const override {
    return "Choose how a library node is implemented: 'pure' replaces it by the maps and "
           "tasklets of its operator's expansion, exposing every byte it moves to the other "
           "transformations; a library-backed implementation such as 'blas' keeps the node and "
           "has the code generator call the library. 'auto' takes the library when the operator "
           "has one for the node's data types, and pure otherwise.";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"impl",
             ParamType::String,
             std::string("auto"),
             "the implementation: auto, pure, or a library-backed one (blas)",
             {"auto", "pure", "blas"}},
            {"op",
             ParamType::String,
             std::string(),
             "only library nodes of this operator (empty: all)",
             {}}};
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    const std::string& impl = param_string(params, "impl");
    const std::string& only = param_string(params, "op");
    MatchResult result;
    for (const ir::StateId s : program.states.ids()) {
      const ir::Graph& g = program.states[s].graph;
      const Scope scope{s, {}};
      for (const ir::NodeId n : g.node_ids()) {
        const auto* lib = std::get_if<ir::LibraryNode>(&g.node(n));
        if (!lib || (!only.empty() && lib->op != only)) continue;
        Match m = make_match(scope, {n}, "");
        const ops::OpDefinition* op = ops::find_op(lib->op);
        if (!op) {
          result.rejected.push_back(
              {m, "Sluice does not implement the operator '" + lib->op + "'"});
          continue;
        }
        const Choice chosen = resolve_impl(program, g, n, *op, impl);
        if (chosen.impl.empty()) {
          result.rejected.push_back({m, chosen.why_not});
          continue;
        }
        const std::string& target = chosen.impl;
        if (target != "pure" && lib->implementation == target) {
          result.rejected.push_back({m, "already implemented by '" + target + "'"});
          continue;
        }
        m.description = lib->op + " '" + lib->label + "' -> " + target;
        result.matches.push_back(std::move(m));
      }
    }
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& params) const override {
    const ir::Graph& g = rewriter.graph(match.scope);
    const ir::NodeId node = match.nodes.front();
    const auto& lib = g.get<ir::LibraryNode>(node);
    const ops::OpDefinition* op = ops::find_op(lib.op);
    SLUICE_CHECK(op != nullptr, "expand: matched an unknown op");
    const std::string target =
        resolve_impl(rewriter.program(), g, node, *op, param_string(params, "impl")).impl;
    SLUICE_CHECK(!target.empty(), "expand: matched a node without the implementation");
    if (target != "pure" && !op->lowerings.contains(target)) {
      ir::LibraryNode changed = lib;
      changed.implementation = target;
      rewriter.replace_node(match.scope, node, std::move(changed));
      return;
    }
    // Pure, or a lowering into other ops (Conv's "blas": im2col and a BLAS MatMul).
    rewriter.edit_state(match.scope.state, [&](ir::Program& program) {
      ops::expand_node(program, match.scope.state, node, target);
    });
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_expand() { return std::make_shared<Expand>(); }

}  // namespace sluice::transforms
