// GradientBuilder: a rule's view of one forward node and the library nodes it adds; the rule
// table, filled once from the rule files.

#include "transforms/autodiff/gradient_builder.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "ir/diagnostic.h"
#include "transforms/autodiff/gradient_rules.h"

namespace sluice::autodiff {
namespace {

// "in3" -> 3; -1 for another spelling.
int slot_of(const std::string& connector, std::string_view prefix) {
  if (!connector.starts_with(prefix)) return -1;
  const std::string digits = connector.substr(prefix.size());
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(c) != 0; }))
    return -1;
  return std::stoi(digits);
}

std::string identifier(const std::string& text) {
  std::string out;
  for (const char c : text) out += (std::isalnum(static_cast<unsigned char>(c)) != 0) ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0])) != 0) out = "n" + out;
  return out;
}

std::string attribute_kind(const ir::AttributeValue& v) {
  constexpr std::array<const char*, 6> kKinds = {
      "an int", "a float", "a string", "a list of ints", "a list of floats", "a list of strings"};
  return kKinds.at(v.index());
}

}  // namespace

ir::NodeId value_node(ir::Program& program, ir::StateId state, const std::string& container) {
  const auto id = program.find_container(container);
  SLUICE_CHECK(id.has_value(), "autodiff: no container '" + container + "'");
  ir::Graph& g = program.states[state].graph;
  std::optional<ir::NodeId> any;
  for (const ir::NodeId n : g.node_ids()) {
    const auto* a = std::get_if<ir::AccessNode>(&g.node(n));
    if (a == nullptr || a->data != *id) continue;
    if (!g.in_edges(n).empty()) return n;
    if (!any) any = n;
  }
  if (any) return *any;
  return g.add_node(ir::AccessNode{*id});
}

GradientBuilder::GradientBuilder(ir::Program& program, ir::StateId state, ir::NodeId node,
                                 std::vector<std::string> adjoints, std::set<int> wanted)
    : program_(program),
      state_(state),
      node_(std::get<ir::LibraryNode>(program.states[state].graph.node(node))),
      adjoints_(std::move(adjoints)),
      wanted_(std::move(wanted)) {
  const ir::Graph& g = program.states[state].graph;
  for (const ir::EdgeId e : g.in_edges(node)) {
    const int k = slot_of(g.edge(e).dst_conn, "in");
    if (k < 0) continue;
    if (static_cast<int>(inputs_.size()) <= k) inputs_.resize(k + 1);
    inputs_[k] = g.edge(e).memlet.data;
  }
  for (const ir::EdgeId e : g.out_edges(node)) {
    const int k = slot_of(g.edge(e).src_conn, "out");
    if (k < 0) continue;
    if (static_cast<int>(outputs_.size()) <= k) outputs_.resize(k + 1);
    outputs_[k] = g.edge(e).memlet.data;
  }
}

int GradientBuilder::num_inputs() const { return static_cast<int>(inputs_.size()); }
int GradientBuilder::num_outputs() const { return static_cast<int>(outputs_.size()); }

bool GradientBuilder::has_input(int k) const {
  return k >= 0 && k < num_inputs() && inputs_[k].has_value();
}

ir::Container GradientBuilder::input(int k) const {
  if (!has_input(k)) fail("input " + std::to_string(k) + " is missing");
  return program_.containers[*inputs_[k]];
}

ir::Container GradientBuilder::output(int k) const {
  if (k < 0 || k >= num_outputs() || !outputs_[k])
    fail("output " + std::to_string(k) + " is missing");
  return program_.containers[*outputs_[k]];
}

bool GradientBuilder::has_adjoint(int j) const {
  return j >= 0 && j < static_cast<int>(adjoints_.size()) && !adjoints_[j].empty();
}

std::string GradientBuilder::adjoint(int j) const {
  if (!has_adjoint(j)) fail("output " + std::to_string(j) + " has no adjoint");
  return adjoints_[j];
}

const ir::AttributeValue* GradientBuilder::find_attr(std::string_view name) const {
  const auto it = node_.attributes.find(std::string(name));
  return it == node_.attributes.end() ? nullptr : &it->second;
}

std::optional<std::string> GradientBuilder::untransposed(
    const std::string& container, const std::vector<std::int64_t>& perm) const {
  const auto id = program_.find_container(container);
  if (!id) return std::nullopt;
  const ir::Graph& g = program_.states[state_].graph;
  for (const ir::NodeId n : g.node_ids()) {
    const auto* a = std::get_if<ir::AccessNode>(&g.node(n));
    if (a == nullptr || a->data != *id) continue;
    for (const ir::EdgeId e : g.in_edges(n)) {
      const auto* t = std::get_if<ir::LibraryNode>(&g.node(g.edge(e).src));
      if (t == nullptr || t->op != "Transpose") continue;
      const auto it = t->attributes.find("perm");
      const auto* before =
          it == t->attributes.end() ? nullptr : std::get_if<std::vector<std::int64_t>>(&it->second);
      if (before == nullptr || before->size() != perm.size()) return std::nullopt;
      // Output dim d of the pair is input dim before[perm[d]].
      for (std::size_t d = 0; d < perm.size(); ++d)
        if (perm[d] < 0 || static_cast<std::size_t>(perm[d]) >= before->size() ||
            (*before)[static_cast<std::size_t>(perm[d])] != static_cast<std::int64_t>(d))
          return std::nullopt;
      for (const ir::EdgeId in : g.in_edges(g.edge(e).src))
        if (g.edge(in).dst_conn == "in0") return program_.containers[g.edge(in).memlet.data].name;
    }
  }
  return std::nullopt;
}

bool GradientBuilder::has_attr(std::string_view name) const { return find_attr(name) != nullptr; }

std::int64_t GradientBuilder::attr_int(std::string_view name,
                                       std::optional<std::int64_t> fallback) const {
  const auto* v = find_attr(name);
  if (v == nullptr) {
    if (fallback) return *fallback;
    fail("attribute '" + std::string(name) + "' is missing");
  }
  if (const auto* i = std::get_if<std::int64_t>(v)) return *i;
  fail("attribute '" + std::string(name) + "' is " + attribute_kind(*v) + ", not an int");
}

double GradientBuilder::attr_float(std::string_view name, std::optional<double> fallback) const {
  const auto* v = find_attr(name);
  if (v == nullptr) {
    if (fallback) return *fallback;
    fail("attribute '" + std::string(name) + "' is missing");
  }
  if (const auto* f = std::get_if<double>(v)) return *f;
  if (const auto* i = std::get_if<std::int64_t>(v)) return static_cast<double>(*i);
  fail("attribute '" + std::string(name) + "' is " + attribute_kind(*v) + ", not a float");
}

std::string GradientBuilder::attr_string(std::string_view name,
                                         std::optional<std::string> fallback) const {
  const auto* v = find_attr(name);
  if (v == nullptr) {
    if (fallback) return *fallback;
    fail("attribute '" + std::string(name) + "' is missing");
  }
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  fail("attribute '" + std::string(name) + "' is " + attribute_kind(*v) + ", not a string");
}

std::vector<std::int64_t> GradientBuilder::attr_ints(
    std::string_view name, std::optional<std::vector<std::int64_t>> fallback) const {
  const auto* v = find_attr(name);
  if (v == nullptr) {
    if (fallback) return *fallback;
    fail("attribute '" + std::string(name) + "' is missing");
  }
  if (const auto* l = std::get_if<std::vector<std::int64_t>>(v)) return *l;
  if (const auto* i = std::get_if<std::int64_t>(v)) return {*i};
  fail("attribute '" + std::string(name) + "' is " + attribute_kind(*v) + ", not a list of ints");
}

void GradientBuilder::fail(const std::string& message) const {
  throw UserError(node_.op + " '" + node_.label + "'", "no gradient: " + message);
}

std::string GradientBuilder::transient(std::string_view hint, ir::DType dtype,
                                       std::vector<ir::Expr> shape) {
  const std::string base = identifier(node_.label) + "_" + std::string(hint);
  std::string name = base;
  for (int k = 2; program_.find_container(name); ++k) name = base + "_" + std::to_string(k);
  ir::Container c;
  c.name = name;
  c.kind = ir::ContainerKind::Array;
  c.dtype = dtype;
  c.strides = ir::contiguous_strides(shape);
  c.shape = std::move(shape);
  c.transient = true;
  program_.containers.add(std::move(c));
  return name;
}

ir::NodeId GradientBuilder::read_node(const std::string& container) {
  return value_node(program_, state_, container);
}

void GradientBuilder::op(std::string op, const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs, ir::Attributes attributes) {
  ir::LibraryNode lib;
  lib.label = node_.label + "/grad/" + op + (ops_ == 0 ? "" : "_" + std::to_string(ops_));
  ++ops_;
  lib.op = std::move(op);
  lib.attributes = std::move(attributes);
  for (std::size_t k = 0; k < inputs.size(); ++k)
    if (!inputs[k].empty()) lib.inputs.push_back("in" + std::to_string(k));
  for (std::size_t k = 0; k < outputs.size(); ++k)
    if (!outputs[k].empty()) lib.outputs.push_back("out" + std::to_string(k));
  // Readers first: a value written by an earlier backward node is read from that node's output.
  std::vector<std::pair<std::string, ir::NodeId>> sources;
  for (std::size_t k = 0; k < inputs.size(); ++k)
    if (!inputs[k].empty()) sources.emplace_back("in" + std::to_string(k), read_node(inputs[k]));
  ir::Graph& g = program_.states[state_].graph;
  const ir::NodeId n = g.add_node(std::move(lib));
  for (const auto& [conn, src] : sources) {
    const ir::ContainerId data = std::get<ir::AccessNode>(g.node(src)).data;
    g.add_edge(src, "", n, conn, ir::whole_memlet(data, program_.containers[data].shape));
  }
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    if (outputs[k].empty()) continue;
    const auto id = program_.find_container(outputs[k]);
    SLUICE_CHECK(id.has_value(), "autodiff: no container '" + outputs[k] + "'");
    const ir::NodeId out = g.add_node(ir::AccessNode{*id});
    g.add_edge(n, "out" + std::to_string(k), out, "",
               ir::whole_memlet(*id, program_.containers[*id].shape));
  }
}

std::string GradientBuilder::op(std::string op, const std::vector<std::string>& inputs,
                                const ir::Container& like, ir::Attributes attributes) {
  return this->op(std::move(op), inputs, like.dtype, like.shape, std::move(attributes));
}

std::string GradientBuilder::op(std::string op, const std::vector<std::string>& inputs,
                                ir::DType dtype, std::vector<ir::Expr> shape,
                                ir::Attributes attributes) {
  std::string hint = op;
  for (char& c : hint) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string out = transient("g" + hint, dtype, std::move(shape));
  this->op(std::move(op), inputs, std::vector<std::string>{out}, std::move(attributes));
  return out;
}

void GradientBuilder::contribute(int k, const std::string& value) {
  if (!wants(k)) return;
  const ir::Container target = input(k);
  const auto id = program_.find_container(value);
  SLUICE_CHECK(id.has_value(), "autodiff: no container '" + value + "'");
  const std::vector<ir::Expr> shape = program_.containers[*id].shape;
  const ir::DType dtype = program_.containers[*id].dtype;
  if (shape == target.shape) {
    contributions_.emplace_back(k, value);
    return;
  }
  // Numpy broadcasting: leading dims were added, dims of size 1 were stretched. Sum both away.
  if (shape.size() < target.rank())
    fail("a contribution to input " + std::to_string(k) + " has rank " +
         std::to_string(shape.size()) + ", below the input's " + std::to_string(target.rank()));
  const std::size_t lead = shape.size() - target.rank();
  std::string current = value;
  std::vector<ir::Expr> current_shape = shape;
  if (lead > 0) {
    std::vector<std::int64_t> axes;
    for (std::size_t d = 0; d < lead; ++d) axes.push_back(static_cast<std::int64_t>(d));
    current_shape.erase(current_shape.begin(), current_shape.begin() + static_cast<long>(lead));
    current = op("ReduceSum", {current}, dtype, current_shape,
                 {{"axes", axes}, {"keepdims", std::int64_t{0}}});
  }
  std::vector<std::int64_t> stretched;
  for (std::size_t d = 0; d < target.rank(); ++d) {
    if (current_shape[d] == target.shape[d]) continue;
    if (target.shape[d] != ir::Expr(1))
      fail("a contribution to input " + std::to_string(k) + " does not broadcast to its shape");
    stretched.push_back(static_cast<std::int64_t>(d));
  }
  if (!stretched.empty())
    current = op("ReduceSum", {current}, dtype, target.shape,
                 {{"axes", stretched}, {"keepdims", std::int64_t{1}}});
  contributions_.emplace_back(k, current);
}

namespace {

const GradientRuleTable& rule_table() {
  static const GradientRuleTable table = [] {
    GradientRuleTable t;
    add_elementwise_gradients(t);
    add_contraction_gradients(t);
    add_shape_gradients(t);
    add_normalization_gradients(t);
    add_reduction_gradients(t);
    add_conv_pool_gradients(t);
    return t;
  }();
  return table;
}

}  // namespace

const GradientRule* find_gradient_rule(std::string_view op) {
  const auto& table = rule_table();
  const auto it = table.find(op);
  return it == table.end() ? nullptr : &it->second;
}

std::vector<std::string> differentiable_ops() {
  std::vector<std::string> out;
  for (const auto& [name, rule] : rule_table()) out.push_back(name);
  return out;
}

}  // namespace sluice::autodiff
