// Gradient ops of the element-wise ops: "<Op>Grad" for every differentiable element-wise <Op>.
//
// Connectors: in0 .. in{n-1} are the forward op's inputs (same slots; absent ones stay absent),
// in{n} is the adjoint of output 0, where n is the attribute `forward_inputs`; the other
// attributes are the forward node's. out<k> receives the gradient of input k, for the wanted k.
//
// One expansion serves them all, the general rule for maps and tasklets: expand the forward op
// on a scratch program, take its one map and one tasklet, differentiate the tasklet
// symbolically (tasklet_derivative.h) and emit one map over the forward output that reads the
// forward inputs at the same points, and the adjoint, and writes each gradient. An input that
// the forward map broadcasts (its point misses a map parameter) receives one contribution per
// output element: it is zeroed first and accumulated with a write-conflict sum. Recomputing the
// forward tasklet instead of storing anything is what lets Dropout's gradient regenerate its
// mask from (seed, offset, element index).
//
// ReluGradFromOutput(Y, dY) -> dX = select(Y > 0, dY, 0): Relu's gradient from its output, so
// the backward keeps Y (which the next layer's backward reads anyway) instead of X alive. Y > 0
// exactly when X > 0; at X = 0 the gradient is 0, torch's convention (threshold_backward on the
// result), where ReluGrad's derivative of max(x, 0) takes 1.

#include "ops/elementwise_gradient_ops.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ir/builder.h"
#include "ir/diagnostic.h"
#include "ops/expansion.h"
#include "ops/op_groups.h"
#include "ops/op_helpers.h"
#include "ops/op_registry.h"
#include "ops/tasklet_derivative.h"

namespace sluice::ops {
namespace {

constexpr std::string_view kGradSuffix = "Grad";

// The forward op's expansion, reduced to what the gradient needs.
struct ForwardTasklet {
  std::vector<ir::MapParam> params;  // empty for a rank-0 output (a bare tasklet)
  ir::TaskletCode code;
  std::map<std::string, int> slots;           // input connector -> forward input slot
  std::map<std::string, ir::Subset> subsets;  // connector -> its point, over `params`
  std::string output;                         // the connector writing output 0
  std::string label;
};

std::string scratch_input(int k) { return "fwd_in" + std::to_string(k); }
constexpr const char* kScratchOutput = "fwd_out";

std::string whole(const std::vector<ir::Expr>& shape) {
  std::string s;
  for (std::size_t d = 0; d < shape.size(); ++d) s += (d ? ", 0:" : "0:") + shape[d].str();
  return s;
}

// Expands the forward op (on a scratch program holding copies of the containers) and returns
// its single tasklet; nullopt when the expansion computes nothing (an output without elements).
std::optional<ForwardTasklet> forward_tasklet(const ExpansionContext& x, const std::string& op,
                                              int n) {
  ir::ProgramBuilder b("gradient_scratch");
  const auto declare = [&](const std::string& name, const ir::Container& c) {
    for (const ir::Expr& d : c.shape)
      for (const std::string& s : d.free_symbols()) b.symbol(s);
    b.array(name, c.dtype, c.shape);
  };
  std::vector<std::string> ins;
  for (int k = 0; k < n; ++k) {
    if (!x.has_input(k)) continue;
    declare(scratch_input(k), x.input(k));
    ins.push_back("in" + std::to_string(k));
  }
  const ir::Container& adjoint = x.input(n);
  declare(kScratchOutput, adjoint);
  ir::Attributes attributes = x.node().attributes;
  attributes.erase("forward_inputs");
  ir::GraphBuilder g = b.state("forward");
  const ir::NodeId lib = g.library(x.node().label, op, ins, {"out0"}, attributes);
  for (int k = 0; k < n; ++k)
    if (x.has_input(k))
      g.read(g.access(scratch_input(k)), whole(x.input(k).shape), lib, "in" + std::to_string(k));
  g.write(lib, "out0", g.access(kScratchOutput), whole(adjoint.shape));
  ir::Program scratch = b.build();
  try {
    expand_node(scratch, scratch.start_state, lib);
  } catch (const UserError& e) {
    x.fail("the forward op does not expand: " + std::string(e.what()));
  }

  const std::string not_one = op + "'s expansion is not one map with one tasklet; the generic " +
                              x.node().op + " cannot differentiate it (it needs its own rule)";
  const ir::Graph& top = scratch.states[scratch.start_state].graph;
  const ir::Graph* graph = &top;
  ForwardTasklet f;
  int maps = 0;
  int tasklets = 0;
  for (const ir::NodeId id : top.node_ids()) {
    const ir::Node& node = top.node(id);
    if (std::holds_alternative<ir::AccessNode>(node)) continue;
    if (const auto* m = std::get_if<ir::MapNode>(&node)) {
      ++maps;
      f.params = m->params;
      graph = &*m->body;
    } else if (std::holds_alternative<ir::TaskletNode>(node)) {
      ++tasklets;
    } else {
      x.fail(not_one);
    }
  }
  if (maps + tasklets == 0) return std::nullopt;
  if (maps + tasklets != 1) x.fail(not_one);
  std::optional<ir::NodeId> tasklet;
  for (const ir::NodeId id : graph->node_ids()) {
    const ir::Node& node = graph->node(id);
    if (std::holds_alternative<ir::AccessNode>(node)) continue;
    if (!std::holds_alternative<ir::TaskletNode>(node) || tasklet) x.fail(not_one);
    tasklet = id;
  }
  if (!tasklet) x.fail(not_one);
  const auto& t = graph->get<ir::TaskletNode>(*tasklet);
  f.code = t.code;
  f.label = t.label;
  std::map<std::string, int> slot_of;
  for (int k = 0; k < n; ++k) slot_of[scratch_input(k)] = k;
  for (const ir::EdgeId e : graph->in_edges(*tasklet)) {
    const ir::Edge& edge = graph->edge(e);
    if (edge.memlet.empty()) continue;
    const std::string& data = scratch.containers[edge.memlet.data].name;
    SLUICE_CHECK(slot_of.contains(data), "forward tasklet reads '" + data + "'");
    if (std::any_of(f.slots.begin(), f.slots.end(),
                    [&](const auto& s) { return s.second == slot_of.at(data); }))
      x.fail(not_one + ": input " + std::to_string(slot_of.at(data)) + " is read twice");
    f.slots[edge.dst_conn] = slot_of.at(data);
    f.subsets[edge.dst_conn] = edge.memlet.subset;
  }
  for (const ir::EdgeId e : graph->out_edges(*tasklet)) {
    const ir::Edge& edge = graph->edge(e);
    if (edge.memlet.empty()) continue;
    if (edge.memlet.wcr != ir::WriteConflict::None) x.fail(not_one + ": it accumulates");
    f.output = edge.src_conn;
    f.subsets[edge.src_conn] = edge.memlet.subset;
  }
  if (f.output.empty()) x.fail(not_one + ": the tasklet writes nothing");
  return f;
}

// `base`, or `base_2`, ..., whichever `taken` does not hold; then taken.
std::string fresh_name(const std::string& base, std::set<std::string>& taken) {
  std::string name = base;
  for (int i = 2; taken.contains(name); ++i) name = base + "_" + std::to_string(i);
  taken.insert(name);
  return name;
}

// Whether some map parameter that sweeps more than one value is missing from `subset`: then one
// element of the input feeds several output elements.
bool broadcast(const ir::Subset& subset, const std::vector<ir::MapParam>& params) {
  std::set<std::string> used;
  for (const ir::Range& r : subset)
    for (const ir::Expr& e : {r.begin, r.end})
      for (const std::string& s : e.free_symbols()) used.insert(s);
  return std::any_of(params.begin(), params.end(), [&](const ir::MapParam& p) {
    return p.range.size().constant_value() != 1 && !used.contains(p.name);
  });
}

void zero(ExpansionContext& x, const std::string& label, const std::string& container) {
  const ir::Container c = x.container(container);
  pointwise(x, label, c.shape, {}, "g = " + literal(c.dtype, 0.0) + ";",
            {{"g", container, point_subset(param_point(x.params(c.shape))), {}}});
}

void expand_elementwise_gradient(ExpansionContext& x) {
  const std::string& grad_op = x.node().op;
  const std::string op = grad_op.substr(0, grad_op.size() - kGradSuffix.size());
  const auto n = static_cast<int>(x.attr_int("forward_inputs"));
  if (n < 1 || n != x.num_inputs() - 1)
    x.fail("attribute 'forward_inputs' is " + std::to_string(n) + " but the last input is in" +
           std::to_string(x.num_inputs() - 1) + "; it must be the adjoint, in<forward_inputs>");
  for (int k = 0; k < x.num_outputs(); ++k) {
    if (!x.has_output(k)) continue;
    if (k >= n || !x.has_input(k))
      x.fail("output " + std::to_string(k) + " is the gradient of an absent input");
    if (x.output(k).shape != x.input(k).shape || x.output(k).dtype != x.input(k).dtype)
      x.fail("output " + std::to_string(k) + " must have the shape and dtype of input " +
             std::to_string(k));
  }
  std::string label;
  for (const char c : op) label += static_cast<char>(std::tolower(c));
  label += "_grad";

  const std::optional<ForwardTasklet> f = forward_tasklet(x, op, n);
  if (!f) {  // The output has no elements: nothing flows back.
    for (int k = 0; k < x.num_outputs(); ++k)
      if (x.has_output(k)) zero(x, label + "_zero", x.output_name(k));
    return;
  }

  std::set<std::string> taken = ir::tasklet_reads(f->code);
  for (const auto& w : ir::tasklet_writes(f->code)) taken.insert(w);
  for (const auto& l : ir::tasklet_locals(f->code)) taken.insert(l);
  TaskletDerivativeSpec spec;
  spec.tasklet = f->label;
  for (const std::string& name : ir::tasklet_reads(f->code))
    spec.input_types[name] = ir::DType::i64;  // map parameters and program symbols
  for (const auto& [conn, k] : f->slots) spec.input_types[conn] = x.input(k).dtype;
  const ir::Container adjoint = x.input(n);
  spec.output_types[f->output] = adjoint.dtype;
  const std::string adjoint_conn = fresh_name("grad_" + f->output, taken);
  spec.outputs[f->output] = adjoint_conn;
  std::map<std::string, std::string> gradient_conn;  // forward input connector -> gradient
  for (const auto& [conn, k] : f->slots)
    if (k < x.num_outputs() && x.has_output(k)) {
      gradient_conn[conn] = fresh_name("grad_" + conn, taken);
      spec.inputs[conn] = gradient_conn[conn];
    }
  for (int k = 0; k < x.num_outputs(); ++k) {
    const bool read =
        std::any_of(f->slots.begin(), f->slots.end(), [&](const auto& s) { return s.second == k; });
    if (x.has_output(k) && !read)
      x.fail("the forward tasklet does not read input " + std::to_string(k));
  }
  const ir::TaskletCode code = differentiate_tasklet(f->code, spec);

  const std::set<std::string> reads = ir::tasklet_reads(code);
  std::vector<Port> ins;
  for (const auto& [conn, k] : f->slots)
    if (reads.contains(conn)) ins.push_back({conn, x.input_name(k), f->subsets.at(conn), {}});
  if (reads.contains(adjoint_conn))
    ins.push_back({adjoint_conn, adjoint.name, f->subsets.at(f->output), {}});
  std::vector<Port> outs;
  for (const auto& [conn, grad] : gradient_conn) {
    const std::string out = x.output_name(f->slots.at(conn));
    const ir::Subset& subset = f->subsets.at(conn);
    ir::WriteConflict wcr = ir::WriteConflict::None;
    if (broadcast(subset, f->params)) {
      zero(x, label + "_zero", out);
      wcr = ir::WriteConflict::Sum;
    }
    outs.push_back({grad, out, subset, wcr});
  }
  std::vector<Param> params;
  for (const ir::MapParam& p : f->params) params.push_back({p.name, p.range});
  nested_map(x, label, params, {}, ins, ir::print_tasklet(code), outs);
}

void expand_relu_grad_from_output(ExpansionContext& x) {
  const ir::Container y = x.input(0);
  const ir::Container dy = x.input(1);
  if (!ir::is_float(y.dtype)) x.fail("input 0 must be a float value");
  if (y.shape != dy.shape || y.dtype != dy.dtype)
    x.fail("'" + y.name + "' and '" + dy.name + "' must have one shape and dtype");
  const std::string zero = literal(y.dtype, 0.0);
  elementwise_on(x, "relu_grad", {{"a", y.name}, {"b", dy.name}},
                 "y = select(a > " + zero + ", b, " + zero + ");", {{"y", x.output_name(0)}},
                 y.shape);
}

}  // namespace

// The element-wise ops the generic gradient op serves: one map with one tasklet each.
std::span<const std::string_view> differentiable_elementwise_ops() {
  static constexpr std::string_view kDifferentiable[] = {
      "Abs",         "Acos",      "Acosh",     "Add",        "Asin",
      "Asinh",       "Atan",      "Atanh",     "Ceil",       "Celu",
      "Clip",        "Cos",       "Cosh",      "Div",        "Dropout",
      "Elu",         "Erf",       "Exp",       "Floor",      "Gelu",
      "HardSigmoid", "HardSwish", "LeakyRelu", "Log",        "Max",
      "Mean",        "Min",       "Mish",      "Mod",        "Mul",
      "Neg",         "Pow",       "PRelu",     "Reciprocal", "Relu",
      "Round",       "Selu",      "Shrink",    "Sigmoid",    "Sign",
      "Sin",         "Sinh",      "Softplus",  "Softsign",   "Sqrt",
      "Sub",         "Sum",       "Tan",       "Tanh",       "ThresholdedRelu",
      "Where"};
  return kDifferentiable;
}

void add_elementwise_gradient_ops(OpTable& table) {
  for (const std::string_view op : differentiable_elementwise_ops())
    table.add(std::string(op) + std::string(kGradSuffix), expand_elementwise_gradient);
  table.add("ReluGradFromOutput", expand_relu_grad_from_output);
}

}  // namespace sluice::ops
