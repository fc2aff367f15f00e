// bias-gelu-fusion (tier 3, from the example plugin): an Add (a bias, typically) followed by a
// GeLU becomes one map that computes both, so the sum and the GeLU's four intermediates are
// never written to memory. The GeLU is either one `Gelu` library node (ONNX opset 20) or the
// chain that torch exports for nn.GELU: Div(t, c0) -> Erf -> Add(., c1) -> Mul(t, .) -> Mul(., c2).
// The chain's constants stay inputs of the fused map (their values are run-time data), so the
// fused tasklet does the same operations in the same order: the result does not change.

#include "plugins/bias_gelu/bias_gelu_fusion.h"

#include <algorithm>
#include <map>
#include <set>
#include <variant>

#include "ir/builder.h"
#include "ir/diagnostic.h"
#include "ops/op_helpers.h"
#include "transforms/rewriter.h"

namespace bias_gelu_plugin {

namespace {

namespace ir = sluice::ir;
namespace tr = sluice::transforms;

/// What the fused map replaces, by role.
struct Chain {
  std::vector<ir::NodeId> ops;            ///< The Add, then the GeLU's library nodes in order.
  std::vector<ir::NodeId> intermediates;  ///< Access nodes of the transients between them.
  std::vector<ir::NodeId> sum_inputs;     ///< The Access nodes the Add reads (in0, in1).
  std::vector<ir::NodeId> constants;      ///< Erf chain: the divisor, addend and factor.
  ir::NodeId output;                      ///< The Access node the GeLU writes.
  std::string approximate;                ///< Gelu node: "none" or "tanh"; erf chain: empty.
  ir::DType dtype = ir::DType::f32;
};

/// Reads a state's top-level graph for one candidate; every check names what it refuses.
class ChainFinder {
public:
  ChainFinder(const ir::Program& program, const ir::Graph& graph) : p_(program), g_(graph) {
    for (const ir::StateId s : program.states.ids()) {
      const ir::Graph& sg = program.states[s].graph;
      for (const ir::NodeId n : sg.node_ids())
        if (const auto* a = std::get_if<ir::AccessNode>(&sg.node(n))) ++access_counts_[a->data];
    }
    for (const ir::ContainerId c : program.containers.ids())
      if (const auto& v = program.containers[c].view) viewed_.insert(v->source);
  }

  /// Whether the node is an Add whose result a GeLU reads (the candidates worth a reason).
  [[nodiscard]] bool is_candidate(ir::NodeId add) const {
    if (!is_op(add, "Add")) return false;
    const auto out = g_.out_edges(add);
    if (out.size() != 1 || !std::holds_alternative<ir::AccessNode>(g_.node(g_.edge(out.front()).dst)))
      return false;
    for (const ir::EdgeId e : g_.out_edges(g_.edge(out.front()).dst)) {
      const ir::NodeId reader = g_.edge(e).dst;
      if (is_op(reader, "Div") || is_op(reader, "Gelu")) return true;
    }
    return false;
  }

  /// The chain that starts at `add`, or why there is none.
  [[nodiscard]] std::variant<Chain, std::string> find(ir::NodeId add) const {
    Chain c;
    std::string why;
    const auto fail = [&](std::string reason) {
      if (why.empty()) why = std::move(reason);
      return false;
    };
    const auto step = [&](ir::NodeId node, ir::NodeId& out) {
      c.ops.push_back(node);
      return plain_io(node, out, why);
    };
    ir::NodeId sum;
    if (!step(add, sum)) return why;
    for (const char* conn : {"in0", "in1"}) c.sum_inputs.push_back(input(add, conn));
    if (!c.sum_inputs[0].valid() || !c.sum_inputs[1].valid()) return "the Add lacks an input";
    c.dtype = container(sum).dtype;
    if (c.dtype != ir::DType::f32 && c.dtype != ir::DType::f64)
      return "'" + container(sum).name + "' is " + std::string(ir::dtype_name(c.dtype)) +
             "; the fusion handles f32 and f64";
    if (container(sum).rank() == 0) return "'" + container(sum).name + "' is a scalar";
    const std::vector<ir::NodeId> readers = readers_of(sum);
    ir::NodeId y;
    if (std::any_of(readers.begin(), readers.end(), [&](ir::NodeId n) { return is_op(n, "Gelu"); })) {
      // Add -> Gelu.
      if (readers.size() != 1)
        return "'" + container(sum).name + "' is also read outside the GeLU";
      const ir::NodeId gelu = readers.front();
      if (!intermediate(sum, 1, c, why) || !step(gelu, y)) return why;
      c.approximate = "none";
      const auto& attrs = std::get<ir::LibraryNode>(g_.node(gelu)).attributes;
      if (const auto it = attrs.find("approximate"); it != attrs.end()) {
        const auto* text = std::get_if<std::string>(&it->second);
        if (text == nullptr || (*text != "none" && *text != "tanh"))
          return "its 'approximate' attribute is neither 'none' nor 'tanh'";
        c.approximate = *text;
      }
    } else {
      // Add -> Div(t, c0) -> Erf -> Add(., c1) -> Mul(t, .) -> Mul(., c2).
      const auto div = std::find_if(readers.begin(), readers.end(),
                                    [&](ir::NodeId n) { return is_op(n, "Div"); });
      if (div == readers.end()) return "no GeLU reads '" + container(sum).name + "'";
      if (readers.size() != 2)
        return "'" + container(sum).name + "' has " + std::to_string(readers.size()) +
               " readers; a GeLU alone reads it twice (Div and Mul)";
      ir::NodeId scaled;
      ir::NodeId erf_out;
      ir::NodeId shifted;
      ir::NodeId product;
      const bool ok =
          intermediate(sum, 2, c, why) && step(*div, scaled) &&
          (input(*div, "in0") == sum || fail("the Div divides something else by the sum")) &&
          constant(*div, "in1", c, why) && intermediate(scaled, 1, c, why) &&
          (is_op(only_reader(scaled), "Erf") || fail("the Div's result is not read by an Erf")) &&
          step(only_reader(scaled), erf_out) && intermediate(erf_out, 1, c, why) &&
          (is_op(only_reader(erf_out), "Add") || fail("the Erf's result is not read by an Add")) &&
          step(only_reader(erf_out), shifted) &&
          constant(only_reader(erf_out), other_conn(only_reader(erf_out), erf_out), c, why) &&
          intermediate(shifted, 1, c, why) &&
          (is_op(only_reader(shifted), "Mul") || fail("the shifted Erf is not read by a Mul")) &&
          (input(only_reader(shifted), other_conn(only_reader(shifted), shifted)) == sum ||
           fail("the Mul after the Erf does not multiply by the sum")) &&
          step(only_reader(shifted), product) && intermediate(product, 1, c, why) &&
          (is_op(only_reader(product), "Mul") || fail("the product is not read by a Mul")) &&
          step(only_reader(product), y) &&
          constant(only_reader(product), other_conn(only_reader(product), product), c, why);
      if (!ok) return why;
    }
    const ir::Container& out = container(y);
    if (out.dtype != c.dtype || out.shape != container(sum).shape)
      return "the GeLU's result '" + out.name + "' differs from the sum in type or shape";
    if (g_.in_edges(y).size() != 1) return "'" + out.name + "' has another writer";
    for (const ir::NodeId in : c.sum_inputs)
      if (container(in).dtype != c.dtype)
        return "the Add mixes types ('" + container(in).name + "' is " +
               std::string(ir::dtype_name(container(in).dtype)) + ")";
    c.output = y;
    return c;
  }

private:
  [[nodiscard]] bool is_op(ir::NodeId n, std::string_view op) const {
    const auto* lib = std::get_if<ir::LibraryNode>(&g_.node(n));
    return lib != nullptr && lib->op == op;
  }
  [[nodiscard]] const ir::Container& container(ir::NodeId access) const {
    return p_.containers[std::get<ir::AccessNode>(g_.node(access)).data];
  }
  /// The Access node feeding connector `conn` of `n` (invalid if none).
  [[nodiscard]] ir::NodeId input(ir::NodeId n, std::string_view conn) const {
    for (const ir::EdgeId e : g_.in_edges(n))
      if (g_.edge(e).dst_conn == conn) return g_.edge(e).src;
    return {};
  }
  /// Of a binary node that reads `access` on one connector, the other connector.
  [[nodiscard]] std::string other_conn(ir::NodeId n, ir::NodeId access) const {
    return input(n, "in0") == access ? "in1" : "in0";
  }
  [[nodiscard]] std::vector<ir::NodeId> readers_of(ir::NodeId access) const {
    std::vector<ir::NodeId> out;
    for (const ir::EdgeId e : g_.out_edges(access)) out.push_back(g_.edge(e).dst);
    return out;
  }
  [[nodiscard]] ir::NodeId only_reader(ir::NodeId access) const {
    return readers_of(access).front();  // `intermediate` checked there is exactly one
  }
  [[nodiscard]] static bool whole(const ir::Memlet& m, const ir::Container& c) {
    if (m.subset.size() != c.rank()) return false;
    for (std::size_t d = 0; d < c.rank(); ++d)
      if (m.subset[d] != ir::Range{0, c.shape[d], 1}) return false;
    return true;
  }

  /// A library node whose every edge moves a whole container between it and an Access node,
  /// writing one result; `out` is that result's Access node.
  bool plain_io(ir::NodeId n, ir::NodeId& out, std::string& why) const {
    const auto& lib = std::get<ir::LibraryNode>(g_.node(n));
    const auto refuse = [&](const std::string& what) {
      if (why.empty()) why = lib.op + " '" + lib.label + "' " + what;
      return false;
    };
    if (lib.implementation != "pure")
      return refuse("is implemented by '" + lib.implementation + "'");
    for (const ir::EdgeId e : g_.in_edges(n)) {
      const ir::Edge& edge = g_.edge(e);
      if (edge.memlet.empty() || !std::holds_alternative<ir::AccessNode>(g_.node(edge.src)))
        return refuse("has an ordering edge");
      if (!whole(edge.memlet, p_.containers[edge.memlet.data]))
        return refuse("reads part of '" + p_.containers[edge.memlet.data].name + "'");
    }
    const auto& outs = g_.out_edges(n);
    if (outs.size() != 1 || g_.edge(outs.front()).memlet.empty() ||
        !std::holds_alternative<ir::AccessNode>(g_.node(g_.edge(outs.front()).dst)))
      return refuse("does not write exactly one result");
    const ir::Edge& edge = g_.edge(outs.front());
    if (!whole(edge.memlet, p_.containers[edge.memlet.data]))
      return refuse("writes part of '" + p_.containers[edge.memlet.data].name + "'");
    out = edge.dst;
    return true;
  }

  /// `access` holds a transient that only this chain uses: `readers` readers, all here.
  bool intermediate(ir::NodeId access, std::size_t readers, Chain& c, std::string& why) const {
    const ir::ContainerId id = std::get<ir::AccessNode>(g_.node(access)).data;
    const ir::Container& t = p_.containers[id];
    std::string problem;
    if (!t.transient) problem = "'" + t.name + "' is a program argument";
    else if (viewed_.contains(id)) problem = "a view aliases '" + t.name + "'";
    else if (access_counts_.at(id) != 1) problem = "'" + t.name + "' is accessed elsewhere";
    else if (g_.out_edges(access).size() != readers)
      problem = "'" + t.name + "' is also read outside the GeLU";
    else if (!c.intermediates.empty() && t.shape != container(c.intermediates.front()).shape)
      problem = "'" + t.name + "' has another shape than the sum";
    if (!problem.empty()) {
      if (why.empty()) why = std::move(problem);
      return false;
    }
    c.intermediates.push_back(access);
    return true;
  }

  /// Connector `conn` of `n` reads a one-element constant of the chain's type.
  bool constant(ir::NodeId n, const std::string& conn, Chain& c, std::string& why) const {
    const ir::NodeId access = input(n, conn);
    const ir::Container& k = container(access);
    const auto elements = k.num_elements().constant_value();
    if (!elements || *elements != 1 || k.rank() > container(c.intermediates.front()).rank() ||
        k.dtype != c.dtype) {
      if (why.empty())
        why = "'" + k.name + "' is not a one-element " + std::string(ir::dtype_name(c.dtype)) +
              " constant";
      return false;
    }
    c.constants.push_back(access);
    return true;
  }

  const ir::Program& p_;
  const ir::Graph& g_;
  std::map<ir::ContainerId, int> access_counts_;
  std::set<ir::ContainerId> viewed_;
};

/// The fused tasklet's code over connectors `a`, `b` (the Add's inputs) and `k0`... (the
/// constants), writing `y`; `names` maps each input Access node to its connector.
std::string fused_code(const Chain& c, const std::vector<std::string>& names) {
  const std::string type = sluice::ops::type_name(c.dtype);
  const auto lit = [&](double v) { return sluice::ops::literal(c.dtype, v); };
  std::string code = "let t: " + type + " = " + names[0] + " + " + names[1] + "; ";
  if (c.approximate.empty())
    return code + "y = t * (erf(t / " + names[2] + ") + " + names[3] + ") * " + names[4] + ";";
  if (c.approximate == "tanh")
    return code + "y = " + lit(0.5) + " * t * (" + lit(1) + " + tanh(" + lit(0.7978845608028654) +
           " * (t + " + lit(0.044715) + " * t * t * t)));";
  return code + "y = " + lit(0.5) + " * t * (" + lit(1) + " + erf(t * " + lit(0.7071067811865476) +
         "));";
}

class BiasGeluFusion final : public tr::Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "bias-gelu-fusion"; }
  [[nodiscard]] int tier() const override { return 3; }
  [[nodiscard]] std::string_view description() const override {
    return "Fuse an Add (a bias, typically) with the GeLU that reads its result into one map, so "
           "neither the sum nor the GeLU's intermediates are written to memory. The GeLU is a "
           "Gelu node or the Div, Erf, Add, Mul, Mul chain that torch exports for nn.GELU; the "
           "chain's constants stay inputs, so the fused map computes exactly what the nodes "
           "did. From the example plugin (plugins/bias_gelu).";
  }

  [[nodiscard]] tr::MatchResult match(const ir::Program& program,
                                      const tr::ParamValues& /*params*/) const override {
    tr::MatchResult result;
    for (const ir::StateId s : program.states.ids()) {
      const ir::Graph& g = program.states[s].graph;
      const ChainFinder finder(program, g);
      for (const ir::NodeId n : g.node_ids()) {
        if (!finder.is_candidate(n)) continue;
        const auto found = finder.find(n);
        const std::string& label = std::get<ir::LibraryNode>(g.node(n)).label;
        if (const auto* why = std::get_if<std::string>(&found)) {
          result.rejected.push_back({make_match({s, {}}, {n}, "Add '" + label + "'"), *why});
          continue;
        }
        const auto& c = std::get<Chain>(found);
        const auto& y = std::get<ir::AccessNode>(g.node(c.output));
        result.matches.push_back(make_match(
            {s, {}}, c.ops,
            "fuse Add '" + label + "' and the GeLU after it into one map writing '" +
                program.containers[y.data].name + "'"));
      }
    }
    return result;
  }

  void apply(tr::Rewriter& rewriter, const tr::Match& match,
             const tr::ParamValues& /*params*/) const override {
    const ir::StateId state = match.scope.state;
    rewriter.edit_state(state, [&](ir::Program& program) {
      const ChainFinder finder(program, program.states[state].graph);
      auto found = finder.find(match.nodes.front());
      SLUICE_CHECK(std::holds_alternative<Chain>(found), "bias-gelu-fusion: the match is gone");
      const Chain c = std::get<Chain>(std::move(found));
      SLUICE_CHECK(c.ops == match.nodes, "bias-gelu-fusion: the match names other nodes");

      ir::GraphBuilder builder(program, state);
      const ir::Graph& g = builder.graph();
      const auto data = [&](ir::NodeId access) { return std::get<ir::AccessNode>(g.node(access)).data; };
      const ir::Container sum = program.containers[data(c.intermediates.front())];
      sluice::ops::MapParams params;
      for (std::size_t d = 0; d < sum.rank(); ++d) {
        params.names.push_back("_d" + std::to_string(d));
        params.ranges += (d > 0 ? ", " : "") + params.names.back() + "=0:" + sum.shape[d].str();
      }
      const sluice::ops::Point point = sluice::ops::param_point(params);
      // One connector per container read (an Add of x and x reads x once).
      std::vector<ir::NodeId> operands = c.sum_inputs;
      operands.insert(operands.end(), c.constants.begin(), c.constants.end());
      std::vector<ir::TaskletPort> inputs;
      std::map<ir::ContainerId, std::string> connector;
      std::vector<std::string> names;
      for (std::size_t i = 0; i < operands.size(); ++i) {
        const ir::ContainerId id = data(operands[i]);
        if (!connector.contains(id)) {
          const std::string conn = i < 2 ? std::string(1, static_cast<char>('a' + i))
                                         : "k" + std::to_string(i - 2);
          connector[id] = conn;
          const ir::Container& in = program.containers[id];
          inputs.push_back({conn, in.name,
                            sluice::ops::subset_text(sluice::ops::point_subset(
                                sluice::ops::broadcast_point(in.shape, point))),
                            ir::WriteConflict::None, operands[i]});
        }
        names.push_back(connector[id]);
      }
      const ir::Container& y = program.containers[data(c.output)];
      builder.mapped_tasklet(
          "bias_gelu", params.ranges, inputs, fused_code(c, names),
          {{"y", y.name, sluice::ops::subset_text(sluice::ops::point_subset(point)),
            ir::WriteConflict::None, c.output}});
      std::vector<ir::ContainerId> dead;
      dead.reserve(c.intermediates.size());
      for (const ir::NodeId n : c.intermediates) dead.push_back(data(n));
      for (const ir::NodeId n : c.ops) builder.graph().remove_node(n);
      for (const ir::NodeId n : c.intermediates) builder.graph().remove_node(n);
      for (const ir::ContainerId id : dead) program.containers.erase(id);
    });
  }
};

}  // namespace

std::shared_ptr<const sluice::transforms::Transformation> make_bias_gelu_fusion() {
  return std::make_shared<BiasGeluFusion>();
}

}  // namespace bias_gelu_plugin
