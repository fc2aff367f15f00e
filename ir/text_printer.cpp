// Prints a Program in the text form that text_parser.cpp reads (docs/ir-text-format.md).
//
// Printing is canonical: ids are always explicit where the parser cannot infer them, and every
// field equal to the default the parser assumes is left out, so print(parse(print(p))) is
// print(p) byte for byte.
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ir/text_format.h"

namespace sluice::ir {
namespace {

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  const auto alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

class Printer {
public:
  std::string take() { return std::move(out_); }

  void program(const Program& p, int indent) {
    out_ += "program ";
    name(p.name);
    const std::size_t body_start = out_.size();
    out_ += " {\n";
    const Refs refs = container_refs(p);

    for (const auto& [symbol, dtype] : p.symbols) {
      line(indent + 1);
      out_ += "symbol ";
      name(symbol);
      out_ += ": ";
      out_ += dtype_name(dtype);
      out_ += '\n';
    }
    std::uint32_t next_container = 0;
    for (ContainerId id : p.containers.ids()) {
      line(indent + 1);
      container(p.containers[id], id, next_container, refs);
      next_container = id.value + 1;
    }
    const auto state_ids = p.states.ids();
    for (StateId id : state_ids) {
      const State& s = p.states[id];
      line(indent + 1);
      out_ += "state ";
      integer(id.value);
      out_ += ' ';
      quoted(s.label);
      if (id == p.start_state) out_ += " start";
      out_ += ' ';
      graph(s.graph, refs, indent + 1);
      out_ += '\n';
    }
    const std::uint32_t next_state = state_ids.empty() ? 0 : state_ids.back().value + 1;
    const auto transitions = p.interstate_edges.ids();
    for (InterstateEdgeId id : transitions) {
      line(indent + 1);
      transition(p.interstate_edges[id], id);
    }
    const std::uint32_t next_transition = transitions.empty() ? 0 : transitions.back().value + 1;
    std::string reserve;
    reserve_entry(reserve, "containers", p.containers.capacity(), next_container);
    reserve_entry(reserve, "states", p.states.capacity(), next_state);
    reserve_entry(reserve, "transitions", p.interstate_edges.capacity(), next_transition);
    if (!reserve.empty()) {
      line(indent + 1);
      out_ += "reserve";
      out_ += reserve;
      out_ += '\n';
    }
    if (out_.size() == body_start + 3) {
      out_.resize(body_start);
      out_ += " {}";
      return;
    }
    line(indent);
    out_ += '}';
  }

private:
  // How each container is named in references: by name when the name is unique in its
  // program, otherwise as `@id`.
  struct Refs {
    const Program* program;
    std::vector<char> by_name;
  };

  static Refs container_refs(const Program& p) {
    std::unordered_map<std::string_view, int> counts;
    const auto ids = p.containers.ids();
    for (ContainerId id : ids) ++counts[p.containers[id].name];
    Refs refs{&p, std::vector<char>(p.containers.capacity(), 0)};
    for (ContainerId id : ids)
      refs.by_name[id.value] = static_cast<char>(counts[p.containers[id].name] == 1);
    return refs;
  }

  void line(int indent) { out_.append(static_cast<std::size_t>(indent) * 2, ' '); }

  void integer(std::int64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }

  // Shortest text that reads back as the same double, always recognizably a float: fixed
  // notation for ordinary magnitudes, an exponent without '+' or leading zeros otherwise (the
  // same spelling as tasklet literals).
  void floating(double v) {
    if (std::isnan(v)) {
      out_ += "nan";
      return;
    }
    if (std::signbit(v)) out_ += '-';
    v = std::fabs(v);
    if (std::isinf(v)) {
      out_ += "inf";
      return;
    }
    if (v == 0.0) {
      out_ += "0.0";
      return;
    }
    char buf[64];
    const bool fixed = v >= 1e-5 && v < 1e16;
    const auto r = std::to_chars(buf, buf + sizeof buf, v,
                                 fixed ? std::chars_format::fixed : std::chars_format::scientific);
    const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
    if (fixed) {
      out_ += text;
      if (text.find('.') == std::string_view::npos) out_ += ".0";
      return;
    }
    const std::size_t e = text.find('e');
    out_ += text.substr(0, e);
    out_ += 'e';
    std::string_view exponent = text.substr(e + 1);
    if (exponent.front() == '-') out_ += '-';
    if (exponent.front() == '-' || exponent.front() == '+') exponent.remove_prefix(1);
    while (exponent.size() > 1 && exponent.front() == '0') exponent.remove_prefix(1);
    out_ += exponent;
  }

  void quoted(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_ += '"';
    for (char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\t': out_ += "\\t"; break;
        case '\r': out_ += "\\r"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out_ += "\\x";
            out_ += kHex[c >> 4];
            out_ += kHex[c & 15];
          } else {
            out_ += ch;
          }
      }
    }
    out_ += '"';
  }

  // `empty` is quoted because a memlet may start with either a container name or `empty`.
  void name(std::string_view s) {
    if (is_identifier(s) && s != "empty")
      out_ += s;
    else
      quoted(s);
  }

  void names(const std::vector<std::string>& list) {
    out_ += '(';
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (i) out_ += ", ";
      name(list[i]);
    }
    out_ += ')';
  }

  void ref(ContainerId id, const Refs& refs) {
    if (id.valid() && id.value < refs.by_name.size() && refs.by_name[id.value]) {
      name(refs.program->containers[id].name);
      return;
    }
    out_ += '@';
    integer(id.value);
  }

  void exprs(const std::vector<Expr>& list) {
    out_ += '[';
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (i) out_ += ", ";
      out_ += list[i].str();
    }
    out_ += ']';
  }

  // Expression arithmetic throws on int64 overflow; the printer then spells the value out
  // instead of comparing it with a default it cannot compute.
  template <typename F>
  static auto try_compute(F&& f) -> std::optional<decltype(f())> {
    try {
      return f();
    } catch (const UserError&) {
      return std::nullopt;
    }
  }

  // A subset as `subset_str` spells it (an index alone, else begin:end[:step]).
  void subset(const Subset& s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (i) out_ += ", ";
      const Range& r = s[i];
      const auto next = try_compute([&] { return r.begin + 1; });
      if (r.step == Expr(1) && next && r.end == *next)
        out_ += r.begin.str();
      else
        range(r);
    }
  }

  void range(const Range& r) {
    out_ += r.begin.str();
    out_ += ':';
    out_ += r.end.str();
    if (!(r.step == Expr(1))) {
      out_ += ':';
      out_ += r.step.str();
    }
  }

  static void reserve_entry(std::string& out, std::string_view what, std::uint32_t bound,
                            std::uint32_t implied) {
    if (bound <= implied) return;
    out += ' ';
    out += what;
    out += '=';
    out += std::to_string(bound);
  }

  void container(const Container& c, ContainerId id, std::uint32_t implied_id, const Refs& refs) {
    out_ += container_kind_name(c.kind);
    out_ += ' ';
    name(c.name);
    out_ += ": ";
    out_ += dtype_name(c.dtype);
    if (c.kind != ContainerKind::Scalar || !c.shape.empty()) exprs(c.shape);
    const auto contiguous = try_compute([&] { return contiguous_strides(c.shape); });
    if (!contiguous || c.strides != *contiguous) {
      out_ += " strides=";
      exprs(c.strides);
    }
    if (!(c.offset == Expr(0))) {
      out_ += " offset=";
      out_ += c.offset.str();
    }
    if (c.storage != Storage::Default) {
      out_ += " storage=";
      out_ += storage_name(c.storage);
    }
    if (c.lifetime != Lifetime::Scope) {
      out_ += " lifetime=";
      out_ += lifetime_name(c.lifetime);
    }
    if (c.transient) out_ += " transient";
    if (id.value != implied_id) {
      out_ += " id=";
      integer(id.value);
    }
    if (c.view) {
      out_ += " = ";
      out_ += view_kind_name(c.view->kind);
      out_ += '(';
      ref(c.view->source, refs);
      if (!c.view->permutation.empty()) {
        out_ += ", [";
        for (std::size_t i = 0; i < c.view->permutation.size(); ++i) {
          if (i) out_ += ", ";
          integer(c.view->permutation[i]);
        }
        out_ += ']';
      }
      out_ += ')';
    }
    out_ += '\n';
  }

  void transition(const InterstateEdge& e, InterstateEdgeId id) {
    out_ += "transition ";
    integer(id.value);
    out_ += ": state ";
    integer(e.src.value);
    out_ += " -> state ";
    integer(e.dst.value);
    if (e.condition) {
      out_ += " if (";
      out_ += print_tasklet_expr(*e.condition);
      out_ += ')';
    }
    if (!e.assignments.empty()) {
      out_ += " assign {";
      for (std::size_t i = 0; i < e.assignments.size(); ++i) {
        if (i) out_ += ',';
        out_ += ' ';
        name(e.assignments[i].first);
        out_ += " = ";
        out_ += e.assignments[i].second.str();
      }
      out_ += " }";
    }
    out_ += '\n';
  }

  // `{ ... }` holding the graph's nodes, edges and id counters; `{}` when there is none.
  void graph(const Graph& g, const Refs& refs, int indent) {
    const auto node_ids = g.node_ids();
    const auto edge_ids = g.edge_ids();
    const std::uint32_t next_node = node_ids.empty() ? 0 : node_ids.back().value + 1;
    const std::uint32_t next_edge = edge_ids.empty() ? 0 : edge_ids.back().value + 1;
    std::string reserve;
    reserve_entry(reserve, "nodes", g.node_id_bound(), next_node);
    reserve_entry(reserve, "edges", g.edge_id_bound(), next_edge);
    if (node_ids.empty() && edge_ids.empty() && reserve.empty()) {
      out_ += "{}";
      return;
    }
    out_ += "{\n";
    for (NodeId id : node_ids) {
      line(indent + 1);
      out_ += "node ";
      integer(id.value);
      out_ += " = ";
      node(g.node(id), refs, indent + 1);
      out_ += '\n';
    }
    for (EdgeId id : edge_ids) {
      line(indent + 1);
      edge(g.edge(id), id, refs);
      out_ += '\n';
    }
    if (!reserve.empty()) {
      line(indent + 1);
      out_ += "reserve";
      out_ += reserve;
      out_ += '\n';
    }
    line(indent);
    out_ += '}';
  }

  void node(const Node& n, const Refs& refs, int indent) {
    if (const auto* access = std::get_if<AccessNode>(&n)) {
      out_ += "access ";
      ref(access->data, refs);
    } else if (const auto* t = std::get_if<TaskletNode>(&n)) {
      out_ += "tasklet ";
      quoted(t->label);
      out_ += ' ';
      names(t->inputs);
      out_ += " -> ";
      names(t->outputs);
      out_ += ' ';
      code(print_tasklet(t->code), indent);
    } else if (const auto* m = std::get_if<MapNode>(&n)) {
      out_ += "map ";
      quoted(m->label);
      out_ += " [";
      for (std::size_t i = 0; i < m->params.size(); ++i) {
        if (i) out_ += ", ";
        name(m->params[i].name);
        out_ += " = ";
        range(m->params[i].range);
      }
      out_ += "] ";
      names(m->inputs);
      out_ += " -> ";
      names(m->outputs);
      if (m->schedule != Schedule::Default) {
        out_ += " schedule=";
        out_ += schedule_name(m->schedule);
      }
      if (m->block_size != 0) {
        out_ += " block_size=";
        out_ += std::to_string(m->block_size);
      }
      out_ += ' ';
      graph(*m->body, refs, indent);
    } else if (const auto* lib = std::get_if<LibraryNode>(&n)) {
      out_ += "library ";
      quoted(lib->label);
      out_ += ' ';
      name(lib->op);
      out_ += ' ';
      names(lib->inputs);
      out_ += " -> ";
      names(lib->outputs);
      if (lib->implementation != "pure") {
        out_ += " impl=";
        name(lib->implementation);
      }
      if (!lib->attributes.empty()) attributes(lib->attributes);
    } else if (const auto* nested = std::get_if<NestedNode>(&n)) {
      out_ += "nested ";
      quoted(nested->label);
      out_ += ' ';
      names(nested->inputs);
      out_ += " -> ";
      names(nested->outputs);
      if (!nested->symbol_mapping.empty()) {
        out_ += " symbols {";
        bool first = true;
        for (const auto& [symbol, value] : nested->symbol_mapping) {
          out_ += first ? " " : ", ";
          first = false;
          name(symbol);
          out_ += " = ";
          out_ += value.str();
        }
        out_ += " }";
      }
      out_ += ' ';
      program(*nested->program, indent);
    }
  }

  // Tasklet code between braces: on one line when it is one statement, else one per line.
  void code(const std::string& text, int indent) {
    if (text.empty()) {
      out_ += "{}";
      return;
    }
    if (text.find('\n') == std::string::npos) {
      out_ += "{ ";
      out_ += text;
      out_ += " }";
      return;
    }
    out_ += "{\n";
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      line(indent + 1);
      out_.append(text, start, end - start);
      out_ += '\n';
      start = end + 1;
    }
    line(indent);
    out_ += '}';
  }

  void attributes(const Attributes& attrs) {
    out_ += " {";
    bool first = true;
    for (const auto& [key, value] : attrs) {
      if (!first) out_ += ", ";
      first = false;
      name(key);
      out_ += '=';
      attribute(value);
    }
    out_ += '}';
  }

  template <typename T, typename F>
  void list(const std::vector<T>& values, std::string_view empty_spelling, F&& element) {
    if (values.empty()) {
      out_ += empty_spelling;
      return;
    }
    out_ += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) out_ += ", ";
      element(values[i]);
    }
    out_ += ']';
  }

  void attribute(const AttributeValue& value) {
    switch (value.index()) {
      case 0: integer(std::get<0>(value)); break;
      case 1: floating(std::get<1>(value)); break;
      case 2: quoted(std::get<2>(value)); break;
      case 3: list(std::get<3>(value), "i64[]", [&](std::int64_t v) { integer(v); }); break;
      case 4: list(std::get<4>(value), "f64[]", [&](double v) { floating(v); }); break;
      case 5: list(std::get<5>(value), "str[]", [&](const std::string& v) { quoted(v); }); break;
      default: break;
    }
  }

  void edge(const Edge& e, EdgeId id, const Refs& refs) {
    out_ += "edge ";
    integer(id.value);
    out_ += ": node ";
    integer(e.src.value);
    if (!e.src_conn.empty()) {
      out_ += '.';
      name(e.src_conn);
    }
    out_ += " -> node ";
    integer(e.dst.value);
    if (!e.dst_conn.empty()) {
      out_ += '.';
      name(e.dst_conn);
    }
    out_ += ' ';
    const Memlet& m = e.memlet;
    if (m.empty())
      out_ += "empty";
    else
      ref(m.data, refs);
    if (!m.subset.empty()) {
      out_ += '[';
      subset(m.subset);
      out_ += ']';
    }
    if (m.other_subset) {
      out_ += " other=[";
      subset(*m.other_subset);
      out_ += ']';
    }
    const auto implied_volume =
        m.empty() ? std::optional<Expr>(0) : try_compute([&] { return subset_size(m.subset); });
    if (!implied_volume || !(m.volume == *implied_volume)) {
      out_ += " volume=";
      out_ += m.volume.str();
    }
    if (m.wcr != WriteConflict::None) {
      out_ += " wcr=";
      out_ += write_conflict_name(m.wcr);
    }
    if (m.dynamic) out_ += " dynamic";
  }

  std::string out_;
};

}  // namespace

std::string print_text(const Program& program) {
  Printer printer;
  printer.program(program, 0);
  std::string out = printer.take();
  out += '\n';
  return out;
}

}  // namespace sluice::ir
