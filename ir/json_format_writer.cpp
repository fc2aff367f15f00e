// Program -> JSON text (`write_json`).
//
// Every choice here has a mirror in json_format_reader.cpp: a field left out because it holds
// its default must be restored to exactly that default by the reader.
//
// No DOM: the writer emits tokens while rendering the one-line form of everything into one
// buffer, so each array or object knows its one-line width when it closes; the layout pass then
// copies a value whose one-line form fits the line and breaks the others, in linear time.
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "ir/json_format.h"

namespace sluice::ir {
namespace {

constexpr std::size_t kLineWidth = 100;

void append_string(std::string_view s, std::string& out) {
  bool ascii = true;
  for (unsigned char c : s) ascii = ascii && c < 0x80;
  if (!ascii) {  // nlohmann checks the UTF-8 (type_error 316 if it is not)
    out += nlohmann::json(std::string(s)).dump();
    return;
  }
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

/// Builds a JSON document as a token stream; `pretty()` lays it out.
class Emitter {
public:
  void begin_object() { open('{', Kind::Object); }
  void begin_array() { open('[', Kind::Array); }
  void end() {
    Token& t = tokens_[open_.back()];
    flat_ += t.kind == Kind::Object ? '}' : ']';
    t.flat_end = flat_.size();
    t.match = static_cast<std::uint32_t>(tokens_.size());
    tokens_.push_back({Kind::End, flat_.size(), flat_.size(), 0});
    open_.pop_back();
    has_elements_.pop_back();
  }
  void key(std::string_view k) {
    separate();
    const std::size_t begin = flat_.size();
    append_string(k, flat_);
    tokens_.push_back({Kind::Key, begin, flat_.size(), 0});
    flat_ += ": ";
    after_key_ = true;
  }
  void string(std::string_view s) {
    scalar_begin();
    append_string(s, flat_);
    scalar_end();
  }
  void integer(std::int64_t v) {
    scalar_begin();
    char buf[24];
    flat_.append(buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
    scalar_end();
  }
  void boolean(bool v) {
    scalar_begin();
    flat_ += v ? "true" : "false";
    scalar_end();
  }
  // JSON has no infinities or NaN; they travel as strings, which no finite double can be
  // confused with because finite doubles are always numbers with a `.` or an exponent.
  void number(double v) {
    if (std::isnan(v)) return string("nan");
    if (std::isinf(v)) return string(v > 0 ? "inf" : "-inf");
    scalar_begin();
    char buf[32];
    char* end = std::to_chars(buf, buf + sizeof buf, v).ptr;  // shortest exact form
    flat_.append(buf, static_cast<std::size_t>(end - buf));
    if (std::string_view(buf, end).find_first_of(".e") == std::string_view::npos) flat_ += ".0";
    scalar_end();
  }

  // Key/value shorthands.
  void field(std::string_view k, std::string_view v) {
    key(k);
    string(v);
  }
  void field(std::string_view k, const char* v) {
    key(k);
    string(v);
  }
  void field(std::string_view k, std::int64_t v) {
    key(k);
    integer(v);
  }
  void field(std::string_view k, std::uint32_t v) {
    key(k);
    integer(v);
  }
  void field(std::string_view k, bool v) {
    key(k);
    boolean(v);
  }

  [[nodiscard]] std::string pretty() const {
    std::string out;
    out.reserve(flat_.size() + flat_.size() / 2);
    if (!tokens_.empty()) layout(0, out, 0, 0, false);
    out += '\n';
    return out;
  }

private:
  enum class Kind : std::uint8_t { Scalar, Key, Object, Array, End };
  struct Token {
    Kind kind;
    std::size_t flat_begin;  // the token's one-line text in flat_
    std::size_t flat_end;
    std::uint32_t match;  // Object/Array: index of its End
  };

  // Elements after the first are preceded by ", " (a value after a key has its ": ").
  void separate() {
    if (open_.empty()) return;
    if (has_elements_.back()) flat_ += ", ";
    has_elements_.back() = true;
  }
  void scalar_begin() {
    if (!after_key_) separate();
    after_key_ = false;
    scalar_start_ = flat_.size();
  }
  void scalar_end() { tokens_.push_back({Kind::Scalar, scalar_start_, flat_.size(), 0}); }
  void open(char c, Kind kind) {
    if (!after_key_) separate();
    after_key_ = false;
    open_.push_back(static_cast<std::uint32_t>(tokens_.size()));
    has_elements_.push_back(false);
    tokens_.push_back({kind, flat_.size(), 0, 0});
    flat_ += c;
  }

  [[nodiscard]] std::uint32_t after(std::uint32_t i) const {
    const Token& t = tokens_[i];
    return t.kind == Kind::Object || t.kind == Kind::Array ? t.match + 1 : i + 1;
  }

  void layout(std::uint32_t i, std::string& out, std::size_t indent, std::size_t line_start,
              bool comma) const {
    const Token& t = tokens_[i];
    const std::size_t width = t.flat_end - t.flat_begin;
    if (t.kind == Kind::Scalar || out.size() - line_start + width + (comma ? 1 : 0) <= kLineWidth) {
      out.append(flat_, t.flat_begin, width);
      return;
    }
    out += t.kind == Kind::Object ? '{' : '[';
    std::uint32_t j = i + 1;
    while (j < t.match) {
      out += '\n';
      const std::size_t start = out.size();
      out.append(indent + 2, ' ');
      if (tokens_[j].kind == Kind::Key) {
        out.append(flat_, tokens_[j].flat_begin, tokens_[j].flat_end - tokens_[j].flat_begin);
        out += ": ";
        ++j;
      }
      const std::uint32_t next = after(j);
      layout(j, out, indent + 2, start, next < t.match);
      if (next < t.match) out += ',';
      j = next;
    }
    out += '\n';
    out.append(indent, ' ');
    out += t.kind == Kind::Object ? '}' : ']';
  }

  std::string flat_;
  std::vector<Token> tokens_;
  std::vector<std::uint32_t> open_;
  std::vector<bool> has_elements_;
  bool after_key_ = false;
  std::size_t scalar_start_ = 0;
};

std::string range_str(const Range& r) {
  std::string out = r.begin.str() + ":" + r.end.str();
  if (!(r.step == Expr(1))) out += ":" + r.step.str();
  return out;
}

// One past the largest live id; the arena's counter is written only when it is above this.
template <typename IdT>
std::uint32_t max_id_plus_one(const std::vector<IdT>& ids) {
  return ids.empty() ? 0 : ids.back().value + 1;
}

// The reader's default for a missing volume. A subset whose size overflows has no default, so
// its volume is always written.
std::optional<Expr> default_volume(const Memlet& m) {
  if (!m.data.valid()) return Expr(0);
  try {
    return subset_size(m.subset);
  } catch (const UserError&) {
    return std::nullopt;
  }
}

// The reader's default for missing strides; none when they overflow (then they are written).
std::optional<std::vector<Expr>> default_strides(const Container& c) {
  try {
    return contiguous_strides(c.shape);
  } catch (const UserError&) {
    return std::nullopt;
  }
}

class Writer {
public:
  explicit Writer(Emitter& out) : out_(out) {}

  void program(const Program& p, bool header) {
    Scope scope{&p, {}};
    for (ContainerId id : p.containers.ids()) ++scope.name_count[p.containers[id].name];
    scopes_.push_back(std::move(scope));

    out_.begin_object();
    if (header) {
      out_.field("format", "sluice-program");
      out_.field("version", std::int64_t{kJsonFormatVersion});
    }
    out_.field("name", p.name);
    if (!p.symbols.empty()) {
      out_.key("symbols");
      out_.begin_object();
      for (const auto& [name, dtype] : p.symbols) out_.field(name, dtype_name(dtype));
      out_.end();
    }
    const auto container_ids = p.containers.ids();
    out_.key("containers");
    out_.begin_array();
    for (ContainerId id : container_ids) container(id, p.containers[id]);
    out_.end();

    const auto state_ids = p.states.ids();
    out_.key("states");
    out_.begin_array();
    for (StateId id : state_ids) {
      const State& s = p.states[id];
      out_.begin_object();
      out_.field("id", id.value);
      out_.field("label", s.label);
      out_.key("graph");
      graph(s.graph);
      out_.end();
    }
    out_.end();

    const auto edge_ids = p.interstate_edges.ids();
    if (!edge_ids.empty()) {
      out_.key("interstate_edges");
      out_.begin_array();
      for (InterstateEdgeId id : edge_ids) interstate_edge(id, p.interstate_edges[id]);
      out_.end();
    }
    if (p.start_state.valid()) out_.field("start_state", p.start_state.value);
    // Id counters only when erasures left them above the largest live id: tidy files.
    if (p.containers.capacity() > max_id_plus_one(container_ids))
      out_.field("container_id_bound", p.containers.capacity());
    if (p.states.capacity() > max_id_plus_one(state_ids))
      out_.field("state_id_bound", p.states.capacity());
    if (p.interstate_edges.capacity() > max_id_plus_one(edge_ids))
      out_.field("interstate_edge_id_bound", p.interstate_edges.capacity());
    out_.end();

    scopes_.pop_back();
  }

private:
  struct Scope {
    const Program* program;
    std::unordered_map<std::string, int> name_count;
  };

  // By name when that names exactly one container, otherwise by id (dangling ids included, so
  // the reader can report them).
  void container_ref(ContainerId id) {
    const Scope& scope = scopes_.back();
    if (const Container* c = scope.program->containers.find(id)) {
      auto it = scope.name_count.find(c->name);
      if (it != scope.name_count.end() && it->second == 1) return out_.string(c->name);
    }
    out_.integer(id.value);
  }

  void exprs(std::string_view key, const std::vector<Expr>& exprs) {
    out_.key(key);
    out_.begin_array();
    for (const Expr& e : exprs) out_.string(e.str());
    out_.end();
  }

  void strings(std::string_view key, const std::vector<std::string>& strings) {
    out_.key(key);
    out_.begin_array();
    for (const auto& s : strings) out_.string(s);
    out_.end();
  }

  void container(ContainerId id, const Container& c) {
    out_.begin_object();
    out_.field("id", id.value);
    out_.field("name", c.name);
    out_.field("kind", container_kind_name(c.kind));
    out_.field("dtype", dtype_name(c.dtype));
    if (!c.shape.empty()) exprs("shape", c.shape);
    if (c.strides != default_strides(c)) exprs("strides", c.strides);
    if (!(c.offset == Expr(0))) out_.field("offset", c.offset.str());
    if (c.storage != Storage::Default) out_.field("storage", storage_name(c.storage));
    if (c.lifetime != Lifetime::Scope) out_.field("lifetime", lifetime_name(c.lifetime));
    if (c.transient) out_.field("transient", true);
    if (c.view) {
      out_.key("view");
      out_.begin_object();
      out_.key("source");
      container_ref(c.view->source);
      out_.field("kind", view_kind_name(c.view->kind));
      if (!c.view->permutation.empty()) {
        out_.key("permutation");
        out_.begin_array();
        for (auto d : c.view->permutation) out_.integer(d);
        out_.end();
      }
      out_.end();
    }
    out_.end();
  }

  void graph(const Graph& g) {
    out_.begin_object();
    const auto node_ids = g.node_ids();
    out_.key("nodes");
    out_.begin_array();
    for (NodeId id : node_ids) node(id, g.node(id));
    out_.end();
    const auto edge_ids = g.edge_ids();
    out_.key("edges");
    out_.begin_array();
    for (EdgeId id : edge_ids) edge(id, g.edge(id));
    out_.end();
    if (g.node_id_bound() > max_id_plus_one(node_ids))
      out_.field("node_id_bound", g.node_id_bound());
    if (g.edge_id_bound() > max_id_plus_one(edge_ids))
      out_.field("edge_id_bound", g.edge_id_bound());
    out_.end();
  }

  void node(NodeId id, const Node& n) {
    out_.begin_object();
    out_.field("id", id.value);
    out_.field("kind", node_kind_name(n));
    std::visit([&](const auto& v) { node_fields(v); }, n);
    out_.end();
  }

  void node_fields(const AccessNode& n) {
    out_.key("data");
    container_ref(n.data);
  }

  void node_fields(const TaskletNode& n) {
    out_.field("label", n.label);
    strings("inputs", n.inputs);
    strings("outputs", n.outputs);
    // One statement per line, as `print_tasklet` prints it: a list of lines reads far better
    // in a JSON file than one string full of `\n`.
    out_.key("code");
    out_.begin_array();
    const std::string text = print_tasklet(n.code);
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out_.string(std::string_view(text).substr(start, end - start));
      start = end + 1;
    }
    out_.end();
  }

  void node_fields(const MapNode& n) {
    out_.field("label", n.label);
    out_.key("params");
    out_.begin_array();
    for (const auto& p : n.params) out_.string(p.name + "=" + range_str(p.range));
    out_.end();
    if (n.schedule != Schedule::Default) out_.field("schedule", schedule_name(n.schedule));
    if (n.block_size != 0) out_.field("block_size", n.block_size);
    strings("inputs", n.inputs);
    strings("outputs", n.outputs);
    out_.key("body");
    graph(*n.body);
  }

  void node_fields(const LibraryNode& n) {
    out_.field("label", n.label);
    out_.field("op", n.op);
    strings("inputs", n.inputs);
    strings("outputs", n.outputs);
    if (!n.attributes.empty()) {
      out_.key("attributes");
      out_.begin_object();
      for (const auto& [name, value] : n.attributes) {
        out_.key(name);
        attribute(value);
      }
      out_.end();
    }
    if (n.implementation != "pure") out_.field("implementation", n.implementation);
  }

  void node_fields(const NestedNode& n) {
    out_.field("label", n.label);
    strings("inputs", n.inputs);
    strings("outputs", n.outputs);
    if (!n.symbol_mapping.empty()) {
      out_.key("symbol_mapping");
      out_.begin_object();
      for (const auto& [inner, outer] : n.symbol_mapping) out_.field(inner, outer.str());
      out_.end();
    }
    out_.key("program");
    program(*n.program, /*header=*/false);
  }

  // A one-key object named after the value's type: an int64 and a double never meet.
  void attribute(const AttributeValue& value) {
    out_.begin_object();
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::int64_t>) {
            out_.field("int", v);
          } else if constexpr (std::is_same_v<T, double>) {
            out_.key("float");
            out_.number(v);
          } else if constexpr (std::is_same_v<T, std::string>) {
            out_.field("string", v);
          } else {
            using E = typename T::value_type;
            out_.key(std::is_same_v<E, std::int64_t> ? "ints"
                     : std::is_same_v<E, double>     ? "floats"
                                                     : "strings");
            out_.begin_array();
            for (const auto& x : v) {
              if constexpr (std::is_same_v<E, std::int64_t>) out_.integer(x);
              if constexpr (std::is_same_v<E, double>) out_.number(x);
              if constexpr (std::is_same_v<E, std::string>) out_.string(x);
            }
            out_.end();
          }
        },
        value);
    out_.end();
  }

  void edge(EdgeId id, const Edge& e) {
    out_.begin_object();
    out_.field("id", id.value);
    out_.field("src", e.src.value);
    if (!e.src_conn.empty()) out_.field("src_conn", e.src_conn);
    out_.field("dst", e.dst.value);
    if (!e.dst_conn.empty()) out_.field("dst_conn", e.dst_conn);
    memlet(e.memlet);
    out_.end();
  }

  // Left out entirely when every field is at its default (an empty memlet).
  void memlet(const Memlet& m) {
    const bool volume = !(m.volume == default_volume(m));
    if (!m.data.valid() && m.subset.empty() && !m.other_subset && !volume &&
        m.wcr == WriteConflict::None && !m.dynamic)
      return;
    out_.key("memlet");
    out_.begin_object();
    if (m.data.valid()) {
      out_.key("data");
      container_ref(m.data);
    }
    if (!m.subset.empty()) out_.field("subset", subset_str(m.subset));
    if (m.other_subset) out_.field("other_subset", subset_str(*m.other_subset));
    if (volume) out_.field("volume", m.volume.str());
    if (m.wcr != WriteConflict::None) out_.field("wcr", write_conflict_name(m.wcr));
    if (m.dynamic) out_.field("dynamic", true);
    out_.end();
  }

  void interstate_edge(InterstateEdgeId id, const InterstateEdge& e) {
    out_.begin_object();
    out_.field("id", id.value);
    out_.field("src", e.src.value);
    out_.field("dst", e.dst.value);
    if (e.condition) out_.field("condition", print_tasklet_expr(*e.condition));
    if (!e.assignments.empty()) {
      out_.key("assignments");
      out_.begin_array();
      for (const auto& [symbol, value] : e.assignments) {
        out_.begin_array();
        out_.string(symbol);
        out_.string(value.str());
        out_.end();
      }
      out_.end();
    }
    out_.end();
  }

  Emitter& out_;
  std::vector<Scope> scopes_;
};

}  // namespace

std::string write_json(const Program& program) {
  Emitter emitter;
  try {
    Writer(emitter).program(program, /*header=*/true);
  } catch (const nlohmann::json::exception& e) {
    throw UserError(
        program.name.empty() ? "program" : "program '" + program.name + "'",
        std::string("cannot write JSON: a name or label is not valid UTF-8 (") + e.what() + ")");
  }
  return emitter.pretty();
}

nlohmann::ordered_json program_to_json(const Program& program) {
  return nlohmann::ordered_json::parse(write_json(program));
}

void save_json_file(const Program& program, const std::string& path) {
  const std::string text = write_json(program);
  // Write a sibling file and rename it over the target, so a failure never truncates a good file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw UserError(path, std::string("cannot write: ") + std::strerror(errno));
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    f.close();
    if (!f) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw UserError(path, "cannot write: write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw UserError(path, "cannot write: " + ec.message());
  }
}

}  // namespace sluice::ir
