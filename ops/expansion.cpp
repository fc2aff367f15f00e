// The expansion framework: ExpansionContext (what op code builds with), expand_node and
// expand_all (transactional: they work on a copy and swap it in only on success).
//
// Ordering. A container's current value lives in one Access node (`latest_`). A read hangs off
// that node, so it is ordered after the write that produced it. A second write of a container
// goes to a fresh Access node; once the writer is known (in `finish`), empty edges from the
// previous Access node and from every reader of it to the writer order the new write after the
// old write and after the reads of the old value.

#include "ops/expansion.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "ir/diagnostic.h"
#include "ir/epilogue.h"
#include "ir/ir_path.h"
#include "ir/verifier.h"
#include "ops/op_registry.h"

namespace sluice::ops {
namespace {

// `in7` -> 7; -1 for anything else.
int slot_of(const std::string& conn, std::string_view prefix) {
  if (conn.size() <= prefix.size() || conn.compare(0, prefix.size(), prefix) != 0) return -1;
  int k = 0;
  for (std::size_t i = prefix.size(); i < conn.size(); ++i) {
    if (conn[i] < '0' || conn[i] > '9' || k > 100000) return -1;
    k = k * 10 + (conn[i] - '0');
  }
  return k;
}

// Container names are identifiers; labels come from ONNX node names, which may be anything.
std::string identifier_from(std::string_view text) {
  std::string s;
  for (const char c : text)
    s += (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_') ? c : '_';
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) s = "v_" + s;
  return s;
}

std::string node_location(const ir::Program& program, ir::StateId state, ir::NodeId node) {
  const ir::Graph& g = program.states[state].graph;
  return (ir::IrPath{} / ir::state_step(program, state) / ir::node_step(program, g, node)).str();
}

bool has_edge_between(const ir::Graph& g, ir::NodeId src, ir::NodeId dst) {
  const auto& out = g.out_edges(src);
  return std::any_of(out.begin(), out.end(), [&](ir::EdgeId e) { return g.edge(e).dst == dst; });
}

}  // namespace

ExpansionContext::ExpansionContext(ir::Program& program, ir::StateId state, ir::NodeId node)
    : program_(program),
      state_(state),
      node_id_(node),
      node_(program.states[state].graph.get<ir::LibraryNode>(node)) {
  const ir::Graph& g = program_.states[state_].graph;
  for (const ir::EdgeId e : g.in_edges(node_id_)) {
    const ir::Edge& edge = g.edge(e);
    if (const int epi = slot_of(edge.dst_conn, ir::kEpilogueInputPrefix);
        epi >= 0 && !edge.memlet.empty() &&
        std::holds_alternative<ir::AccessNode>(g.node(edge.src))) {
      epilogue_inputs_[epi] = edge.memlet.data;
      latest_[program_.containers[edge.memlet.data].name] = edge.src;
      attached_.push_back(edge.src);
      continue;
    }
    const int k = slot_of(edge.dst_conn, "in");
    if (k < 0 || edge.memlet.empty()) continue;
    if (!std::holds_alternative<ir::AccessNode>(g.node(edge.src)))
      fail("input " + std::to_string(k) + " does not come from an Access node");
    inputs_[k] = edge.memlet.data;
    latest_[program_.containers[edge.memlet.data].name] = edge.src;
    attached_.push_back(edge.src);
  }
  for (const ir::EdgeId e : g.out_edges(node_id_)) {
    const ir::Edge& edge = g.edge(e);
    const int k = slot_of(edge.src_conn, "out");
    if (k < 0 || edge.memlet.empty()) continue;
    if (!std::holds_alternative<ir::AccessNode>(g.node(edge.dst)))
      fail("output " + std::to_string(k) + " does not go to an Access node");
    if (outputs_.count(k) != 0) fail("output " + std::to_string(k) + " has more than one edge");
    outputs_[k] = edge.memlet.data;
    output_nodes_[k] = edge.dst;
  }
}

int ExpansionContext::num_inputs() const {
  int n = 0;
  for (const std::string& c : node_.inputs) n = std::max(n, slot_of(c, "in") + 1);
  return n;
}

int ExpansionContext::num_outputs() const {
  int n = 0;
  for (const std::string& c : node_.outputs) n = std::max(n, slot_of(c, "out") + 1);
  return n;
}

bool ExpansionContext::has_input(int k) const { return inputs_.count(k) != 0; }
bool ExpansionContext::has_output(int k) const { return outputs_.count(k) != 0; }

const ir::Container& ExpansionContext::input(int k) const {
  const auto it = inputs_.find(k);
  if (it == inputs_.end()) fail("input " + std::to_string(k) + " is missing");
  return program_.containers[it->second];
}

const ir::Container& ExpansionContext::output(int k) const {
  const auto it = outputs_.find(k);
  if (it == outputs_.end()) fail("output " + std::to_string(k) + " is missing");
  return program_.containers[it->second];
}

ir::Container ExpansionContext::container(const std::string& name) const {
  const auto id = program_.find_container(name);
  SLUICE_CHECK(id.has_value(), "no container named '" + name + "'");
  return program_.containers[*id];
}

std::vector<std::pair<std::string, std::string>> ExpansionContext::epilogue_inputs() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(epilogue_inputs_.size());
  for (const auto& [k, data] : epilogue_inputs_)
    out.emplace_back(ir::epilogue_connector(static_cast<std::size_t>(k)),
                     program_.containers[data].name);
  return out;
}

// --- attributes -------------------------------------------------------------------------------

bool ExpansionContext::has_attr(std::string_view name) const {
  return node_.attributes.count(std::string(name)) != 0;
}

namespace {

const char* attribute_kind(const ir::AttributeValue& v) {
  switch (v.index()) {
    case 0: return "an int";
    case 1: return "a float";
    case 2: return "a string";
    case 3: return "a list of ints";
    case 4: return "a list of floats";
    default: return "a list of strings";
  }
}

}  // namespace

// Looks the attribute up; returns the fallback when absent, fails when absent without one.
template <typename T, typename Convert>
T ExpansionContext::attr_as(std::string_view name, std::optional<T> fallback, const char* wanted,
                            Convert convert) const {
  const auto it = node_.attributes.find(std::string(name));
  if (it == node_.attributes.end()) {
    if (fallback) return *std::move(fallback);
    fail("attribute '" + std::string(name) + "' is missing");
  }
  std::optional<T> value = convert(it->second);
  if (!value)
    fail("attribute '" + std::string(name) + "' is " + attribute_kind(it->second) + ", not " +
         wanted);
  return *value;
}

std::int64_t ExpansionContext::attr_int(std::string_view name,
                                        std::optional<std::int64_t> fallback) const {
  return attr_as<std::int64_t>(name, fallback, "an int",
                               [](const ir::AttributeValue& v) -> std::optional<std::int64_t> {
                                 if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
                                 return std::nullopt;
                               });
}

double ExpansionContext::attr_float(std::string_view name, std::optional<double> fallback) const {
  return attr_as<double>(name, fallback, "a float",
                         [](const ir::AttributeValue& v) -> std::optional<double> {
                           if (const auto* f = std::get_if<double>(&v)) return *f;
                           if (const auto* i = std::get_if<std::int64_t>(&v))
                             return static_cast<double>(*i);
                           return std::nullopt;
                         });
}

std::string ExpansionContext::attr_string(std::string_view name,
                                          std::optional<std::string> fallback) const {
  return attr_as<std::string>(name, std::move(fallback), "a string",
                              [](const ir::AttributeValue& v) -> std::optional<std::string> {
                                if (const auto* s = std::get_if<std::string>(&v)) return *s;
                                return std::nullopt;
                              });
}

std::vector<std::int64_t> ExpansionContext::attr_ints(
    std::string_view name, std::optional<std::vector<std::int64_t>> fallback) const {
  return attr_as<std::vector<std::int64_t>>(
      name, std::move(fallback), "a list of ints",
      [](const ir::AttributeValue& v) -> std::optional<std::vector<std::int64_t>> {
        if (const auto* l = std::get_if<std::vector<std::int64_t>>(&v)) return *l;
        if (const auto* i = std::get_if<std::int64_t>(&v)) return std::vector{*i};
        return std::nullopt;
      });
}

std::vector<double> ExpansionContext::attr_floats(
    std::string_view name, std::optional<std::vector<double>> fallback) const {
  return attr_as<std::vector<double>>(
      name, std::move(fallback), "a list of floats",
      [](const ir::AttributeValue& v) -> std::optional<std::vector<double>> {
        if (const auto* l = std::get_if<std::vector<double>>(&v)) return *l;
        if (const auto* l = std::get_if<std::vector<std::int64_t>>(&v))
          return std::vector<double>(l->begin(), l->end());
        if (const auto* f = std::get_if<double>(&v)) return std::vector{*f};
        return std::nullopt;
      });
}

void ExpansionContext::fail(const std::string& message) const {
  throw UserError(node_location(program_, state_, node_id_),
                  node_.op + " '" + node_.label + "': " + message);
}

// --- building ---------------------------------------------------------------------------------

MapParams ExpansionContext::params(const std::vector<ir::Expr>& shape, int first) const {
  MapParams p;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    const std::string name = "_d" + std::to_string(first + static_cast<int>(d));
    p.ranges += (d > 0 ? ", " : "") + name + "=0:" + shape[d].str();
    p.index += (d > 0 ? ", " : "") + name;
    p.names.push_back(name);
  }
  return p;
}

std::string ExpansionContext::unique_name(std::string_view hint) const {
  const std::string base = identifier_from(node_.label) + "_" + std::string(hint);
  std::string name = base;
  for (int k = 2; program_.find_container(name); ++k) name = base + "_" + std::to_string(k);
  return name;
}

std::string ExpansionContext::transient(std::string_view hint, ir::DType dtype,
                                        std::vector<ir::Expr> shape) {
  ir::Container c;
  c.name = unique_name(hint);
  c.kind = ir::ContainerKind::Array;
  c.dtype = dtype;
  c.strides = ir::contiguous_strides(shape);
  c.shape = std::move(shape);
  c.transient = true;
  std::string name = c.name;
  program_.containers.add(std::move(c));
  return name;
}

std::string ExpansionContext::transient_scalar(std::string_view hint, ir::DType dtype) {
  ir::Container c;
  c.name = unique_name(hint);
  c.kind = ir::ContainerKind::Scalar;
  c.dtype = dtype;
  c.storage = ir::Storage::Register;
  c.transient = true;
  std::string name = c.name;
  program_.containers.add(std::move(c));
  return name;
}

namespace {

// One connector per container and subset: the builder refuses a map that reads a container
// twice, so `Add(x, x)` reads `x` once and the code uses the first connector's name.
void merge_repeated_inputs(std::vector<ir::TaskletPort>& inputs, ir::TaskletCode& code) {
  std::map<std::string, std::string> renames;
  std::vector<ir::TaskletPort> kept;
  for (const ir::TaskletPort& p : inputs) {
    const auto same = std::find_if(kept.begin(), kept.end(), [&](const ir::TaskletPort& q) {
      return q.container == p.container;
    });
    if (same == kept.end()) {
      kept.push_back(p);
      continue;
    }
    SLUICE_CHECK(ir::parse_subset(same->subset) == ir::parse_subset(p.subset),
                 "a mapped tasklet reads '" + p.container + "' at two different subsets");
    renames[p.connector] = same->connector;
  }
  if (renames.empty()) return;
  inputs = std::move(kept);
  std::vector<ir::TaskletStatement> statements;
  for (const ir::TaskletStatement& s : code.statements) {
    ir::TaskletStatement t = s;
    t.value = ir::rename_variables(s.value, renames);
    statements.push_back(std::move(t));
  }
  code.statements = std::move(statements);
}

}  // namespace

void ExpansionContext::mapped_tasklet(std::string label, std::string_view params,
                                      const std::vector<ir::TaskletPort>& inputs,
                                      std::string_view code,
                                      const std::vector<ir::TaskletPort>& outputs,
                                      ir::Schedule schedule) {
  std::vector<ir::TaskletPort> ins = inputs;
  ir::TaskletCode parsed = ir::parse_tasklet(code);
  merge_repeated_inputs(ins, parsed);
  for (ir::TaskletPort& p : ins) p.outer = read_node(p.container);
  std::vector<ir::TaskletPort> outs = outputs;
  for (ir::TaskletPort& p : outs) p.outer = write_node(p.container);
  ir::GraphBuilder g = graph();
  const ir::MappedTasklet built =
      g.mapped_tasklet(std::move(label), params, ins, ir::print_tasklet(parsed), outs, schedule);
  (void)built;
}

void ExpansionContext::tasklet(std::string label, const std::vector<ir::TaskletPort>& inputs,
                               std::string_view code, const std::vector<ir::TaskletPort>& outputs) {
  std::vector<ir::TaskletPort> ins = inputs;
  ir::TaskletCode parsed = ir::parse_tasklet(code);
  merge_repeated_inputs(ins, parsed);
  std::vector<std::string> in_conns;
  std::vector<std::string> out_conns;
  for (const auto& p : ins) in_conns.push_back(p.connector);
  for (const auto& p : outputs) out_conns.push_back(p.connector);
  std::vector<ir::NodeId> sources;
  for (const auto& p : ins) sources.push_back(read_node(p.container));
  std::vector<ir::NodeId> sinks;
  for (const auto& p : outputs) sinks.push_back(write_node(p.container));
  ir::GraphBuilder g = graph();
  const ir::NodeId t = g.tasklet(std::move(label), in_conns, out_conns, ir::print_tasklet(parsed));
  for (std::size_t k = 0; k < ins.size(); ++k)
    g.read(sources[k], ins[k].subset, t, ins[k].connector);
  for (std::size_t k = 0; k < outputs.size(); ++k)
    g.write(t, outputs[k].connector, sinks[k], outputs[k].subset, outputs[k].wcr);
}

ir::GraphBuilder ExpansionContext::graph() { return ir::GraphBuilder(program_, state_); }

void ExpansionContext::library(std::string label, std::string op,
                               const std::vector<std::string>& inputs,
                               const std::vector<std::string>& outputs, std::string implementation,
                               ir::Attributes attributes) {
  const auto whole = [&](const std::string& name) {
    std::string subset;
    for (const ir::Expr& d : container(name).shape)
      subset += (subset.empty() ? "0:" : ", 0:") + d.str();
    return subset;
  };
  std::vector<std::string> in_conns;
  std::vector<std::string> out_conns;
  for (std::size_t k = 0; k < inputs.size(); ++k) in_conns.push_back("in" + std::to_string(k));
  for (std::size_t k = 0; k < outputs.size(); ++k) out_conns.push_back("out" + std::to_string(k));
  ir::GraphBuilder g = graph();
  const ir::NodeId id =
      g.library(std::move(label), std::move(op), in_conns, out_conns, std::move(attributes));
  program_.states[state_].graph.get<ir::LibraryNode>(id).implementation = std::move(implementation);
  for (std::size_t k = 0; k < inputs.size(); ++k)
    g.read(read_node(inputs[k]), whole(inputs[k]), id, in_conns[k]);
  for (std::size_t k = 0; k < outputs.size(); ++k)
    g.write(id, out_conns[k], write_node(outputs[k]), whole(outputs[k]));
}

ir::NodeId ExpansionContext::read_node(const std::string& container) {
  if (const auto it = latest_.find(container); it != latest_.end()) return it->second;
  const ir::NodeId id = graph().access(container);
  latest_[container] = id;
  return id;
}

ir::NodeId ExpansionContext::write_node(const std::string& container) {
  const ir::NodeId id = graph().access(container);
  if (const auto it = latest_.find(container); it != latest_.end())
    pending_orders_.emplace_back(it->second, id);
  latest_[container] = id;
  written_.insert(container);
  return id;
}

void ExpansionContext::order_writes() {
  ir::Graph& g = program_.states[state_].graph;
  const auto order = [&](ir::NodeId before, ir::NodeId after) {
    if (before != after && !has_edge_between(g, before, after))
      g.add_edge(before, "", after, "", ir::Memlet{});
  };
  for (const auto& [previous, next] : pending_orders_) {
    std::vector<ir::NodeId> writers;
    for (const ir::EdgeId e : g.in_edges(next)) writers.push_back(g.edge(e).src);
    std::vector<ir::NodeId> readers;
    for (const ir::EdgeId e : g.out_edges(previous))
      if (g.edge(e).dst != node_id_) readers.push_back(g.edge(e).dst);
    for (const ir::NodeId w : writers) {
      order(previous, w);
      for (const ir::NodeId r : readers) order(r, w);
    }
  }
  pending_orders_.clear();
}

void ExpansionContext::finish() {
  order_writes();
  ir::Graph& g = program_.states[state_].graph;
  // The last write of each output moves into the Access node the consumers read.
  for (const auto& [k, data] : outputs_) {
    const std::string& name = program_.containers[data].name;
    const ir::NodeId target = output_nodes_.at(k);
    const auto it = latest_.find(name);
    if (it == latest_.end() || written_.count(name) == 0) {
      // An output without elements needs no write.
      const auto& shape = program_.containers[data].shape;
      if (std::any_of(shape.begin(), shape.end(),
                      [](const ir::Expr& d) { return d.constant_value() == 0; }))
        continue;
      fail("the expansion does not write output " + std::to_string(k));
    }
    const ir::NodeId last = it->second;
    if (last == target) continue;
    for (const ir::EdgeId e : std::vector(g.in_edges(last))) {
      ir::Edge edge = g.edge(e);
      g.remove_edge(e);
      edge.dst = target;
      g.add_edge(std::move(edge));
    }
    for (const ir::EdgeId e : std::vector(g.out_edges(last))) {
      ir::Edge edge = g.edge(e);
      g.remove_edge(e);
      edge.src = target;
      if (edge.dst != target) g.add_edge(std::move(edge));
    }
    g.remove_node(last);
    latest_[name] = target;
  }
  g.remove_node(node_id_);
  // Input Access nodes that fed only the library node are left without edges: drop them.
  for (const ir::NodeId a : attached_)
    if (g.has_node(a) && g.in_edges(a).empty() && g.out_edges(a).empty()) g.remove_node(a);
}

// --- expand_node / expand_all -----------------------------------------------------------------

namespace {

// Expands in place (not transactional): the callers work on a copy.
void expand_in_place(ir::Program& program, ir::StateId state, ir::NodeId node,
                     std::string_view impl) {
  const ir::Graph& g = program.states[state].graph;
  const auto* lib = std::get_if<ir::LibraryNode>(&g.node(node));
  if (lib == nullptr)
    throw UserError(node_location(program, state, node), "the node is not a library node");
  const std::string prefix = lib->op + " '" + lib->label + "': ";
  const OpDefinition* op = find_op(lib->op);
  if (op == nullptr)
    throw UserError(node_location(program, state, node),
                    prefix + "Sluice does not implement the operator '" + lib->op + "'");
  const auto lowering = op->lowerings.find(std::string(impl));
  if (impl != "pure" && lowering == op->lowerings.end()) {
    if (std::find(op->library_backed.begin(), op->library_backed.end(), impl) ==
        op->library_backed.end())
      throw UserError(node_location(program, state, node),
                      prefix + "there is no implementation '" + std::string(impl) + "'");
    program.states[state].graph.get<ir::LibraryNode>(node).implementation = std::string(impl);
    return;
  }
  const ExpandFunction& expand = impl == "pure" ? op->pure : lowering->second;
  const std::string location = node_location(program, state, node);
  try {
    ExpansionContext x(program, state, node);
    expand(x);
    x.finish();
  } catch (const UserError& e) {
    // Errors raised by `fail` already name the node; others (a tasklet that does not parse, a
    // bad subset) get its name added.
    const auto& ds = e.diagnostics();
    if (!ds.empty() && ds.front().message.rfind(prefix, 0) == 0) throw;
    std::string why = ds.empty() ? e.what() : ds.front().message;
    if (!ds.empty() && !ds.front().location.empty()) why = ds.front().location + ": " + why;
    throw UserError(location, prefix + "the expansion failed: " + why);
  }
}

std::vector<std::pair<ir::StateId, ir::NodeId>> library_nodes(const ir::Program& program,
                                                              const std::set<std::string>& keep) {
  std::vector<std::pair<ir::StateId, ir::NodeId>> nodes;
  for (const ir::StateId s : program.states.ids()) {
    const ir::Graph& g = program.states[s].graph;
    for (const ir::NodeId n : g.node_ids())
      if (const auto* lib = std::get_if<ir::LibraryNode>(&g.node(n)); lib != nullptr) {
        // Kept only when the code generator calls the library for it (a lowering such as
        // Conv's "blas" is an expansion, not a call).
        const OpDefinition* op = find_op(lib->op);
        const bool called =
            op != nullptr && std::find(op->library_backed.begin(), op->library_backed.end(),
                                       lib->implementation) != op->library_backed.end();
        if (!(keep.count(lib->implementation) != 0 && called)) nodes.emplace_back(s, n);
      }
  }
  return nodes;
}

}  // namespace

void expand_node(ir::Program& program, ir::StateId state, ir::NodeId node, std::string_view impl) {
  ir::Program copy = program;
  expand_in_place(copy, state, node, impl);
  program = std::move(copy);
}

void expand_all(ir::Program& program, const std::set<std::string>& keep) {
  ir::Program copy = program;
  const auto nodes = library_nodes(program, keep);
  for (const auto& [state, node] : nodes) expand_in_place(copy, state, node, "pure");
  std::vector<Diagnostic> problems = ir::verify(copy);
  if (problems.empty()) {
    program = std::move(copy);
    return;
  }
  // Find the first expansion after which the program verifies worse than before (this replays
  // the expansions, which costs time only when something is wrong).
  ir::Program replay = program;
  std::size_t before = ir::verify(replay).size();
  for (const auto& [state, node] : nodes) {
    const std::string location = node_location(replay, state, node);
    const auto& lib = replay.states[state].graph.get<ir::LibraryNode>(node);
    const std::string name = lib.op + " '" + lib.label + "'";
    expand_in_place(replay, state, node, "pure");
    std::vector<Diagnostic> now = ir::verify(replay);
    if (now.size() > before) {
      Diagnostic d{Severity::Error, location, name + ": the expanded program does not verify", {}};
      for (const Diagnostic& p : now) d.notes.push_back(p.str());
      throw UserError(std::move(d));
    }
    before = now.size();
  }
  Diagnostic d{Severity::Error, ir::IrPath{}.str(), "the expanded program does not verify", {}};
  for (const Diagnostic& p : problems) d.notes.push_back(p.str());
  throw UserError(std::move(d));
}

}  // namespace sluice::ops
