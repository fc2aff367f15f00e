// The verifier's checks of dataflow graphs: cycles, nodes, connectors, map bodies, edges and
// memlets. See verifier.h for what is checked and verifier.cpp for the symbolic reasoning.
// Messages and locations are built only when something is wrong: this runs after every
// transformation, on programs of tens of thousands of nodes.

#include <algorithm>
#include <map>
#include <set>

#include "ir/diagnostic.h"
#include "ir/epilogue.h"
#include "ir/verifier.h"
#include "ir/verifier_internal.h"

namespace sluice::ir::verify_detail {
namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// True if names[i] occurs earlier in `names`.
bool repeated(const std::vector<std::string>& names, std::size_t i) {
  return std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), names[i]) !=
         names.begin() + static_cast<std::ptrdiff_t>(i);
}

std::string dtype_str(DType d) { return std::string(dtype_name(d)); }

// "tasklet 'mul'", "map 'mm'", "Access node 'A'": a node as a message names it.
std::string describe(const Program& program, const Graph& graph, NodeId id) {
  const Node& node = graph.node(id);
  if (const auto* a = std::get_if<AccessNode>(&node)) {
    const Container* c = program.containers.find(a->data);
    return "Access node " + quoted(c ? c->name : std::to_string(a->data.value));
  }
  std::string kind(node_kind_name(node));
  if (kind == "library" || kind == "nested") kind += " node";
  return kind + " " + quoted(node_label(node));
}

constexpr const char* kUnknownSymbol =
    ", which is neither a symbol nor a parameter of an enclosing map";

// What is wrong with the epilogue of a library node (ir/epilogue.h), one message each.
std::vector<std::string> epilogue_problems(const Program& program, const Graph& graph, NodeId id,
                                           const LibraryNode& lib) {
  std::vector<std::string> out;
  const auto attribute = lib.attributes.find(std::string(kEpilogueAttribute));
  std::vector<std::string> inputs;
  for (const std::string& c : lib.inputs)
    if (is_epilogue_connector(c)) inputs.push_back(c);
  if (attribute == lib.attributes.end()) {
    if (!inputs.empty())
      out.push_back("input connector " + quoted(inputs.front()) +
                    " belongs to an epilogue, but the node has none");
    return out;
  }
  const std::string* text = std::get_if<std::string>(&attribute->second);
  if (text == nullptr) return {"the attribute 'epilogue' is not a string"};
  if (lib.op != "MatMul" && lib.op != "Gemm")
    out.push_back("an epilogue follows a contraction (MatMul, Gemm), not " + lib.op);
  const Container* y = nullptr;
  std::size_t outputs = 0;
  for (const EdgeId e : graph.out_edges(id))
    if (!graph.edge(e).memlet.empty()) {
      ++outputs;
      y = program.containers.find(graph.edge(e).memlet.data);
    }
  if (outputs != 1 || y == nullptr) {
    out.emplace_back("a node with an epilogue writes exactly one container");
    return out;
  }
  std::map<std::string, DType> types{{std::string(kEpilogueValue), y->dtype}};
  for (const auto& [name, type] : program.symbols) types.emplace(name, type);
  for (const EdgeId e : graph.in_edges(id)) {
    const Edge& edge = graph.edge(e);
    const Container* c = program.containers.find(edge.memlet.data);
    if (!is_epilogue_connector(edge.dst_conn) || edge.memlet.empty() || c == nullptr) continue;
    types[edge.dst_conn] = c->dtype;
    // Broadcast against the output: right-aligned, each extent the output's or a constant 1.
    bool fits = c->rank() <= y->rank();
    for (std::size_t d = 0; fits && d < c->rank(); ++d) {
      const Expr& extent = c->shape[d];
      fits = extent == Expr(1) || extent == y->shape[y->rank() - c->rank() + d];
    }
    if (!fits)
      out.push_back("the epilogue input " + quoted(c->name) + " (" + edge.dst_conn +
                    ") does not broadcast against the output " + quoted(y->name));
  }
  try {
    const TaskletCode code = parse_tasklet(*text);
    for (const std::string& name : tasklet_reads(code))
      if (!types.contains(name))
        out.push_back("the epilogue reads " + quoted(name) + ", which is neither 'acc', an " +
                      "epilogue input connector nor a symbol");
    const std::set<std::string> writes = tasklet_writes(code);
    if (writes != std::set<std::string>{std::string(kEpilogueResult)})
      out.emplace_back("the epilogue must assign 'y' and nothing else");
    if (!tasklet_subscripts(code).empty()) out.emplace_back("the epilogue subscripts a value");
    if (out.empty())
      (void)infer_tasklet_types(code, types, {{std::string(kEpilogueResult), y->dtype}});
  } catch (const UserError& e) {
    out.push_back(std::string("the epilogue does not check: ") + e.what());
  }
  return out;
}

}  // namespace

void Verifier::check_graph(const Graph& graph, const Scope& scope) {
  // Ids are walked by index rather than through node_ids()/edge_ids(), which allocate.
  check_cycle(graph, scope);
  for (std::uint32_t i = 0; i < graph.node_id_bound(); ++i)
    if (graph.has_node(NodeId(i))) check_node(graph, NodeId(i), scope);
  for (std::uint32_t i = 0; i < graph.edge_id_bound(); ++i)
    if (graph.has_edge(EdgeId(i))) check_edge(graph, EdgeId(i), scope);
}

void Verifier::check_cycle(const Graph& graph, const Scope& scope) {
  // Kahn's algorithm; the nodes it cannot order lie on or behind a cycle. The buffers are
  // reused from graph to graph (this returns before any map body is checked).
  std::vector<std::uint32_t>& pending = pending_;
  std::vector<NodeId>& ready = ready_;
  pending.assign(graph.node_id_bound(), 0);
  ready.clear();
  for (std::uint32_t i = 0; i < graph.node_id_bound(); ++i) {
    if (!graph.has_node(NodeId(i))) continue;
    pending[i] = static_cast<std::uint32_t>(graph.in_edges(NodeId(i)).size());
    if (pending[i] == 0) ready.emplace_back(i);
  }
  std::size_t ordered = 0;
  while (!ready.empty()) {
    const NodeId id = ready.back();
    ready.pop_back();
    ++ordered;
    for (EdgeId e : graph.out_edges(id))
      if (--pending[graph.edge(e).dst.value] == 0) ready.push_back(graph.edge(e).dst);
  }
  if (ordered == graph.num_nodes()) return;

  // Every unordered node has an unordered predecessor: walk back from the smallest until a node
  // repeats; the nodes from its first visit on form a cycle.
  const std::vector<NodeId> nodes = graph.node_ids();
  NodeId at =
      *std::find_if(nodes.begin(), nodes.end(), [&](NodeId id) { return pending[id.value] > 0; });
  std::vector<NodeId> walk;
  std::vector<std::size_t> visited(graph.node_id_bound(), SIZE_MAX);
  while (visited[at.value] == SIZE_MAX) {
    visited[at.value] = walk.size();
    walk.push_back(at);
    for (EdgeId e : graph.in_edges(at)) {
      const NodeId src = graph.edge(e).src;
      if (pending[src.value] > 0) {
        at = src;
        break;
      }
    }
  }
  std::vector<NodeId> cycle(walk.begin() + static_cast<std::ptrdiff_t>(visited[at.value]),
                            walk.end());
  std::reverse(cycle.begin(), cycle.end());  // the walk went against the edges
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  cycle.push_back(cycle.front());
  std::string text;
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    if (i) text += " -> ";
    text += step_str(node_step(program_, graph, cycle[i]));
  }
  const std::string what =
      scope.map ? "the body of map " + quoted(scope.map->label) : std::string("the dataflow graph");
  error(Where{&scope, &graph, Where::Kind::Graph, 0}, what + " has a cycle: " + text);
}

// --- Nodes -----------------------------------------------------------------------------------

void Verifier::check_node(const Graph& graph, NodeId id, const Scope& scope) {
  const Node& node = graph.node(id);
  const Where where{&scope, &graph, Where::Kind::Node, id.value};
  if (const auto* a = std::get_if<AccessNode>(&node)) {
    if (!container(a->data))
      error(where, "the Access node refers to container " + std::to_string(a->data.value) +
                       ", which does not exist");
    return;
  }
  check_connectors(graph, id, where);
  if (const auto* t = std::get_if<TaskletNode>(&node)) {
    check_tasklet(graph, id, *t, where, scope);
  } else if (const auto* m = std::get_if<MapNode>(&node)) {
    Scope body;
    body.parent = &scope;
    body.parent_graph = &graph;
    body.map_id = id;
    body.map = m;
    body.key = enter_map(scope.key, *m);
    check_map(*m, where, scope);
    check_map_body(*m, where, body);
    check_graph(*m->body, body);
  } else if (const auto* l = std::get_if<LibraryNode>(&node)) {
    if (l->op.empty()) error(where, "the library node has no op");
    if (l->implementation.empty()) error(where, "the library node has no implementation");
    for (std::string& problem : epilogue_problems(program(), graph, id, *l))
      error(where, std::move(problem));
  } else if (const auto* n = std::get_if<NestedNode>(&node)) {
    check_nested(graph, id, *n, where, scope);
  }
}

void Verifier::check_connectors(const Graph& graph, NodeId id, const Where& where) {
  const Node& node = graph.node(id);
  for (const bool input : {true, false}) {
    const auto& names = input ? input_connectors(node) : output_connectors(node);
    const char* dir = input ? "input connector " : "output connector ";
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string& name = names[i];
      if (name.empty()) {
        error(where, dir + std::to_string(i) + " has an empty name");
        continue;
      }
      if (repeated(names, i)) {
        // Reported once, at the second occurrence.
        if (std::count(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), name) == 1)
          error(where, dir + quoted(name) + " is declared more than once");
        continue;
      }
      if (input) {
        const auto& in = graph.in_edges(id);
        const auto feeding = std::count_if(
            in.begin(), in.end(), [&](EdgeId e) { return graph.edge(e).dst_conn == name; });
        if (feeding == 0) {
          error(where, dir + quoted(name) + " has no incoming edge");
        } else if (feeding > 1) {
          std::string ids;
          for (EdgeId e : in)
            if (graph.edge(e).dst_conn == name)
              ids += (ids.empty() ? "" : ", ") + std::to_string(e.value);
          error(where, dir + quoted(name) + " has " + std::to_string(feeding) +
                           " incoming edges (edges " + ids + "); it takes exactly one");
        }
      } else {
        const auto& out = graph.out_edges(id);
        if (std::none_of(out.begin(), out.end(),
                         [&](EdgeId e) { return graph.edge(e).src_conn == name; }))
          error(where, dir + quoted(name) + " has no outgoing edge");
      }
    }
  }
}

void Verifier::check_tasklet(const Graph& graph, NodeId id, const TaskletNode& t,
                             const Where& where, const Scope& scope) {
  for (const auto* names : {&t.inputs, &t.outputs}) {
    for (std::size_t i = 0; i < names->size(); ++i) {
      const std::string& name = (*names)[i];
      if (name.empty() || repeated(*names, i)) continue;  // reported with the connectors
      if (!is_tasklet_identifier(name)) {
        error(where, "connector " + quoted(name) + " is not a name of the tasklet language");
      } else if (is_symbol(name)) {
        error(where, "connector " + quoted(name) + " shadows the symbol " + quoted(name));
      } else if (const MapNode* map = scope.map_of_param(name)) {
        error(where, "connector " + quoted(name) + " shadows the parameter " + quoted(name) +
                         " of map " + quoted(map->label));
      }
      if (names == &t.outputs && contains(t.inputs, name))
        error(where, quoted(name) + " is both an input and an output connector");
    }
  }

  // Connector dtypes are those of the containers their edges carry.
  const auto input_type = [&](const std::string& conn) -> std::optional<DType> {
    for (EdgeId e : graph.in_edges(id)) {
      const Edge& edge = graph.edge(e);
      if (edge.dst_conn != conn) continue;
      if (const Container* c = container(edge.memlet.data)) return c->dtype;
    }
    return std::nullopt;
  };
  std::map<std::string, DType> output_types;
  std::vector<std::string> mixed;  // outputs already reported
  for (EdgeId e : graph.out_edges(id)) {
    const Edge& edge = graph.edge(e);
    const Container* c = container(edge.memlet.data);
    if (!c || !contains(t.outputs, edge.src_conn)) continue;
    auto [it, inserted] = output_types.emplace(edge.src_conn, c->dtype);
    if (inserted || it->second == c->dtype || contains(mixed, edge.src_conn)) continue;
    mixed.push_back(edge.src_conn);
    const Container* first = nullptr;  // the container that fixed the connector's dtype
    for (EdgeId f : graph.out_edges(id)) {
      const Edge& earlier = graph.edge(f);
      first = container(earlier.memlet.data);
      if (first && earlier.src_conn == edge.src_conn) break;
    }
    error(where, "output connector " + quoted(edge.src_conn) +
                     " writes containers of different dtypes: " + quoted(first->name) + " (" +
                     dtype_str(first->dtype) + ") and " + quoted(c->name) + " (" +
                     dtype_str(c->dtype) + ")");
  }

  std::map<std::string, DType> env;
  bool typed = true;
  for (const std::string& name : tasklet_reads(t.code)) {
    if (contains(t.inputs, name)) {
      const auto type = input_type(name);
      if (!type)
        typed = false;  // unwired: reported with the connectors
      else
        env.emplace(name, *type);
    } else if (is_param(name, scope.key)) {
      env.emplace(name, DType::i64);
    } else if (auto s = program_.symbols.find(name); s != program_.symbols.end()) {
      env.emplace(name, s->second);
    } else {
      error(where, "the code reads " + quoted(name) +
                       ", which is not an input connector, a local, a symbol or a parameter of "
                       "an enclosing map");
      typed = false;
    }
  }
  const std::set<std::string> writes = tasklet_writes(t.code);
  for (const std::string& out : t.outputs)
    if (!out.empty() && !writes.count(out))
      error(where, "output connector " + quoted(out) + " is never assigned by the code");
  for (const std::string& name : writes) {
    if (!contains(t.outputs, name)) {
      error(where, "the code assigns " + quoted(name) +
                       ", which is not an output connector (a local is declared with 'let')");
      typed = false;
    }
  }
  if (!typed) return;
  try {
    infer_tasklet_types(t.code, env, output_types);
  } catch (const UserError& err) {
    std::string why = err.what();
    if (!err.diagnostics().empty()) {
      const Diagnostic& d = err.diagnostics().front();
      why = d.location.empty() ? d.message : d.location + ": " + d.message;
    }
    error(where, "the code does not type-check: " + why);
  }
}

void Verifier::check_map(const MapNode& m, const Where& where, const Scope& scope) {
  if (m.params.empty()) error(where, "the map has no parameters");
  for (std::size_t i = 0; i < m.params.size(); ++i) {
    const MapParam& p = m.params[i];
    const auto name = [&] { return quoted(p.name); };
    if (!is_identifier(p.name)) error(where, "parameter name " + name() + " is not an identifier");
    if (std::any_of(m.params.begin(), m.params.begin() + static_cast<std::ptrdiff_t>(i),
                    [&](const MapParam& q) { return q.name == p.name; }))
      error(where, "parameter " + name() + " is declared more than once");
    if (is_symbol(p.name)) error(where, "parameter " + name() + " shadows the symbol " + name());
    if (const MapNode* outer = scope.map_of_param(p.name))
      error(where, "parameter " + name() + " shadows the parameter " + name() +
                       " of enclosing map " + quoted(outer->label));
    std::optional<std::string> unknown;
    for (const Expr* e : {&p.range.begin, &p.range.end, &p.range.step})
      if (!unknown) unknown = unknown_symbol(*e, scope.key);
    if (unknown) {
      error(where,
            "the range of parameter " + name() + " uses " + quoted(*unknown) + kUnknownSymbol);
      continue;
    }
    switch (check_range(p.range, nullptr, scope.key).verdict) {
      case RangeVerdict::StepZero:
        error(where,
              "the range " + subset_str({p.range}) + " of parameter " + name() + " has step 0");
        break;
      case RangeVerdict::Reversed:
        error(where, "the range " + subset_str({p.range}) + " of parameter " + name() +
                         " ends before it begins");
        break;
      default: break;
    }
  }
  for (const auto* names : {&m.inputs, &m.outputs})
    for (const std::string& c : *names)
      if (!c.empty() && !container_named(c))
        error(where, std::string(names == &m.inputs ? "input" : "output") + " connector " +
                         quoted(c) + " does not name a container");
}

void Verifier::check_map_body(const MapNode& m, const Where& where, const Scope& body) {
  // Data crosses a map's boundary only through its connectors, which are named after the
  // containers: a body Access node that only reads (no incoming data) needs an input connector,
  // and one that is written needs an output connector. A transient written in the body and not
  // an output is local to the body.
  const Graph& g = *m.body;
  const auto carries_data = [&](const std::vector<EdgeId>& edges) {
    return std::any_of(edges.begin(), edges.end(),
                       [&](EdgeId e) { return !g.edge(e).memlet.empty(); });
  };
  // Reused buffers: this returns before the body's own maps are checked.
  auto& sources = sources_;
  auto& sinks = sinks_;  // written nodes
  sources.clear();
  sinks.clear();
  for (std::uint32_t i = 0; i < g.node_id_bound(); ++i) {
    const NodeId id(i);
    if (!g.has_node(id)) continue;
    const auto* a = std::get_if<AccessNode>(&g.node(id));
    const Container* c = a ? container(a->data) : nullptr;
    if (!c) continue;
    if (carries_data(g.in_edges(id)))
      sinks.emplace_back(id, c);
    else if (carries_data(g.out_edges(id)))
      sources.emplace_back(id, c);
  }
  const auto among = [](const auto& nodes, const std::string& name) {
    return std::any_of(nodes.begin(), nodes.end(),
                       [&](const auto& n) { return n.second->name == name; });
  };
  for (const auto& [id, c] : sources) {
    if (contains(m.inputs, c->name) || (c->transient && among(sinks, c->name))) continue;
    error(Where{&body, &g, Where::Kind::Node, id.value},
          "container " + quoted(c->name) + " is read in the body of map " + quoted(m.label) +
              ", which has no input connector " + quoted(c->name));
  }
  for (const auto& [id, c] : sinks) {
    if (c->transient || contains(m.outputs, c->name)) continue;
    error(Where{&body, &g, Where::Kind::Node, id.value},
          "container " + quoted(c->name) + " is written in the body of map " + quoted(m.label) +
              ", which has no output connector " + quoted(c->name));
  }
  for (const std::string& c : m.inputs)
    if (!c.empty() && !among(sources, c) && container_named(c))
      error(where, "input connector " + quoted(c) + " is not read by any Access node of the body");
  for (const std::string& c : m.outputs)
    if (!c.empty() && !among(sinks, c) && container_named(c))
      error(where,
            "output connector " + quoted(c) + " is not written by any Access node of the body");
}

void Verifier::check_nested(const Graph& graph, NodeId id, const NestedNode& n, const Where& where,
                            const Scope& scope) {
  const Program& inner = *n.program;
  std::unordered_map<std::string, ContainerId> inner_names;
  for (ContainerId c : inner.containers.ids()) inner_names.emplace(inner.containers[c].name, c);
  const auto inner_container = [&](const std::string& name) -> const Container* {
    auto it = inner_names.find(name);
    return it == inner_names.end() ? nullptr : &inner.containers[it->second];
  };

  for (const auto* names : {&n.inputs, &n.outputs}) {
    const std::string dir = names == &n.inputs ? "input " : "output ";
    for (const std::string& name : *names) {
      if (name.empty()) continue;
      const Container* c = inner_container(name);
      if (!c)
        error(where, dir + quoted(name) + " is not a container of the nested program");
      else if (c->transient)
        error(where, dir + quoted(name) +
                         " is a transient of the nested program; only its arguments connect");
    }
  }
  for (ContainerId c : inner.arguments()) {
    const std::string& name = inner.containers[c].name;
    if (!contains(n.inputs, name) && !contains(n.outputs, name))
      error(where, "argument " + quoted(name) +
                       " of the nested program is neither an input nor an output");
  }
  for (const auto& [symbol, dtype] : inner.symbols)
    if (!n.symbol_mapping.count(symbol))
      error(where, "symbol " + quoted(symbol) + " of the nested program is not mapped");
  for (const auto& [symbol, value] : n.symbol_mapping) {
    if (!inner.symbols.count(symbol))
      error(where, "the symbol mapping maps " + quoted(symbol) +
                       ", which is not a symbol of the nested program");
    if (auto s = unknown_symbol(value, scope.key))
      error(where,
            "the mapping of symbol " + quoted(symbol) + " uses " + quoted(*s) + kUnknownSymbol);
  }

  // What an edge carries is what the nested program sees under the connector's name.
  for (const bool input : {true, false}) {
    for (EdgeId e : input ? graph.in_edges(id) : graph.out_edges(id)) {
      const Edge& edge = graph.edge(e);
      const std::string& conn = input ? edge.dst_conn : edge.src_conn;
      const Container* outer = container(edge.memlet.data);
      const Container* mine = inner_container(conn);
      if (!outer || !mine || !contains(input ? n.inputs : n.outputs, conn)) continue;
      if (outer->dtype != mine->dtype)
        error(Where{&scope, &graph, Where::Kind::Edge, e.value},
              "connector " + quoted(conn) + " carries " + quoted(outer->name) + " (" +
                  dtype_str(outer->dtype) + ") but the nested program's " + quoted(conn) + " is " +
                  dtype_str(mine->dtype));
    }
  }

  Verifier(inner, path(where), out_).run();
}

// --- Edges -----------------------------------------------------------------------------------

bool Verifier::check_subset(const Subset& subset, const Container& c, const char* what,
                            const Where& where, int scope, bool* points) {
  const auto text = [&] {
    return std::string(what) + " " + c.name + "[" + subset_str(subset) + "]";
  };
  const auto name = [&] { return quoted(c.name); };
  *points = true;
  if (subset.size() != c.rank()) {
    error(where, "the " + text() + " has rank " + std::to_string(subset.size()) + " but " + name() +
                     " has rank " + std::to_string(c.rank()));
    return false;
  }
  bool ok = true;
  for (std::size_t d = 0; d < subset.size(); ++d) {
    const Range& r = subset[d];
    std::optional<std::string> unknown;
    for (const Expr* e : {&r.begin, &r.end, &r.step})
      if (!unknown) unknown = unknown_symbol(*e, scope);
    if (unknown) {
      error(where, "the " + text() + " uses " + quoted(*unknown) + kUnknownSymbol);
      *points = false;
      ok = false;
      continue;
    }
    const RangeFacts facts = check_range(r, &c.shape[d], scope);
    *points = *points && facts.point;
    if (facts.verdict != RangeVerdict::Ok) ok = false;
    const auto dim = [&] { return std::to_string(d); };
    switch (facts.verdict) {
      case RangeVerdict::Ok: break;
      case RangeVerdict::StepZero:
        error(where, "dimension " + dim() + " of the " + text() + " has step 0");
        break;
      case RangeVerdict::Reversed:
        error(where, "dimension " + dim() + " of the " + text() + " ends before it begins");
        break;
      case RangeVerdict::BelowZero:
        error(where, "the " + text() + " starts below 0 in dimension " + dim() + " of " + name());
        break;
      case RangeVerdict::Exceeds:
        error(where, "the " + text() + " exceeds dimension " + dim() + " of " + name() + " (size " +
                         c.shape[d].str() + ")");
        break;
    }
  }
  return ok;
}

void Verifier::check_edge(const Graph& graph, EdgeId id, const Scope& scope) {
  const Edge& edge = graph.edge(id);
  const Where where{&scope, &graph, Where::Kind::Edge, id.value};
  if (!graph.has_node(edge.src) || !graph.has_node(edge.dst)) {
    for (const NodeId n : {edge.src, edge.dst})
      if (!graph.has_node(n))
        error(where, std::string(n == edge.src ? "the source" : "the destination") + " node " +
                         std::to_string(n.value) + " does not exist");
    return;
  }
  const Node& src = graph.node(edge.src);
  const Node& dst = graph.node(edge.dst);
  const Memlet& m = edge.memlet;

  // Connectors: named on the side of every node but an Access node, and declared there.
  bool conns_ok = true;
  for (const bool source : {true, false}) {
    const Node& node = source ? src : dst;
    const std::string& conn = source ? edge.src_conn : edge.dst_conn;
    const char* side = source ? "source" : "destination";
    const auto who = [&] { return describe(program_, graph, source ? edge.src : edge.dst); };
    if (std::holds_alternative<AccessNode>(node)) {
      if (conn.empty()) continue;
      error(where, std::string("the ") + side + " is " + who() +
                       ", which has no connectors, but the edge names " + side + " connector " +
                       quoted(conn));
      conns_ok = false;
    } else if (conn.empty()) {
      if (m.empty()) continue;
      error(where, std::string("the edge carries data ") + (source ? "from " : "to ") + who() +
                       " but names no " + side + " connector");
      conns_ok = false;
    } else if (!contains(source ? output_connectors(node) : input_connectors(node), conn)) {
      error(where, side + (" connector " + quoted(conn)) + " is not an " +
                       (source ? "output" : "input") + " connector of " + who());
      conns_ok = false;
    }
  }

  if (m.empty()) {
    if (m.wcr != WriteConflict::None)
      error(where, "the memlet is empty but has write-conflict resolution " +
                       quoted(std::string(write_conflict_name(m.wcr))));
    if (conns_ok)
      for (const std::string* conn : {&edge.src_conn, &edge.dst_conn})
        if (!conn->empty())
          error(where, "the edge names connector " + quoted(*conn) + " but carries no data");
    return;
  }
  const Container* c = container(m.data);
  if (!c) {
    error(where, "the memlet refers to container " + std::to_string(m.data.value) +
                     ", which does not exist");
    return;
  }
  const auto name = [&] { return quoted(c->name); };

  // An edge touching an Access node moves that node's container (a copy: one of the two).
  const auto* src_access = std::get_if<AccessNode>(&src);
  const auto* dst_access = std::get_if<AccessNode>(&dst);
  const auto name_of = [&](ContainerId id) {
    const Container* x = container(id);
    return quoted(x ? x->name : std::to_string(id.value));
  };
  bool carries_ok = true;
  if (src_access && dst_access) {
    if (m.data != src_access->data && m.data != dst_access->data) {
      error(where, "the memlet carries " + name() + " but the edge copies " +
                       name_of(src_access->data) + " to " + name_of(dst_access->data));
      carries_ok = false;
    }
  } else if (src_access && m.data != src_access->data) {
    error(where, "the memlet carries " + name() + " but the edge leaves Access node " +
                     name_of(src_access->data));
    carries_ok = false;
  } else if (dst_access && m.data != dst_access->data) {
    error(where, "the memlet carries " + name() + " but the edge enters Access node " +
                     name_of(dst_access->data));
    carries_ok = false;
  }
  // A map connector is named after the container that crosses the boundary there.
  if (const auto* map = std::get_if<MapNode>(&dst); map && conns_ok && edge.dst_conn != c->name)
    error(where, "the edge enters map " + quoted(map->label) + " at connector " +
                     quoted(edge.dst_conn) + " but carries " + name());
  if (const auto* map = std::get_if<MapNode>(&src); map && conns_ok && edge.src_conn != c->name)
    error(where, "the edge leaves map " + quoted(map->label) + " at connector " +
                     quoted(edge.src_conn) + " but carries " + name());

  bool points = false;
  const bool subset_ok = check_subset(m.subset, *c, "subset", where, scope.key, &points);
  if (auto s = unknown_symbol(m.volume, scope.key)) {
    error(where, "the volume " + m.volume.str() + " uses " + quoted(*s) + kUnknownSymbol);
  } else if (const Interval iv = bounds_in(m.volume, scope.key); iv.hi && *iv.hi < 0) {
    error(where, "the volume " + m.volume.str() + " is negative");
  }
  if (m.wcr != WriteConflict::None && !dst_access)
    error(where, "write-conflict resolution " + quoted(std::string(write_conflict_name(m.wcr))) +
                     " on an edge that does not write into an Access node");

  // Tasklets compute on scalars: each connector moves one element, except an input the code
  // subscripts, which takes one index per dimension of its subset.
  const bool to_tasklet = std::holds_alternative<TaskletNode>(dst);
  std::optional<std::set<std::size_t>> subscript_ranks;
  if (to_tasklet) {
    auto subscripts = tasklet_subscripts(std::get<TaskletNode>(dst).code);
    if (auto it = subscripts.find(edge.dst_conn); it != subscripts.end())
      subscript_ranks = std::move(it->second);
  }
  if (subscript_ranks) {
    for (const std::size_t rank : *subscript_ranks)
      if (rank != m.subset.size())
        error(where, "tasklet connector " + quoted(edge.dst_conn) + " is subscripted with " +
                         std::to_string(rank) + " indices but the subset " + c->name + "[" +
                         subset_str(m.subset) + "] has " + std::to_string(m.subset.size()) +
                         " dimensions");
  } else if (subset_ok && !points && (to_tasklet || std::holds_alternative<TaskletNode>(src))) {
    const auto size = size_of(m.subset);
    if (size && provably_different(*size, 1, scope.key))
      error(where, "tasklet connector " + quoted(to_tasklet ? edge.dst_conn : edge.src_conn) +
                       " takes one element but the subset " + c->name + "[" + subset_str(m.subset) +
                       "] has " + size->str());
  }

  // Copies between two Access nodes.
  const bool copy = src_access && dst_access;
  if (m.other_subset && !copy)
    error(where, "the memlet has an other subset, which only a copy between two Access nodes has");
  if (!copy || !carries_ok) return;
  const Container* from = container(src_access->data);
  const Container* to = container(dst_access->data);
  if (!from || !to) return;
  if (from->dtype != to->dtype)
    error(where, "the copy from " + quoted(from->name) + " (" + dtype_str(from->dtype) + ") to " +
                     quoted(to->name) + " (" + dtype_str(to->dtype) + ") changes the dtype");
  if (m.other_subset) {
    const Container& other = m.data == src_access->data ? *to : *from;
    bool other_points = false;
    if (check_subset(*m.other_subset, other, "other subset", where, scope.key, &other_points) &&
        subset_ok) {
      const auto mine = size_of(m.subset);
      const auto theirs = size_of(*m.other_subset);
      if (mine && theirs && provably_different(*mine, *theirs, scope.key))
        error(where, "the copy moves " + mine->str() + " elements of " + name() + " into " +
                         theirs->str() + " elements of " + quoted(other.name));
    }
  }
}

}  // namespace sluice::ir::verify_detail
