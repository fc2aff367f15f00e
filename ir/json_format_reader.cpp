// JSON -> Program. Any input either loads or throws UserError naming where (a JSON pointer) and
// what; nothing that comes from the file reaches a SLUICE_CHECK in the Graph or Arena API,
// because every id and reference is checked here first. Fuzzed by someone else: keep it so.
#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <sstream>
#include <system_error>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "ir/json_format.h"
#include "ir/json_format_dom.h"

namespace sluice::ir {
namespace {

using json_dom::Member;
using json_dom::Value;

/// Maps and nested programs inside each other. Deeper is refused (the reader recurses).
constexpr int kMaxNesting = 64;
/// Arrays and objects inside each other in the text, refused before anything is built (64
/// nested maps need about 200 levels, 64 nested programs about 320).
constexpr int kMaxJsonDepth = 512;
/// Id slots (largest id + 1, or a declared bound, summed over every arena) that an input may
/// make the reader allocate: a fixed allowance plus some per byte of text, so a tiny file cannot
/// ask for a billion empty slots. A real file with erasures needs a small fraction of this.
constexpr std::uint64_t kIdBudgetBase = 1 << 18;
constexpr std::uint64_t kIdBudgetPerByte = 64;

// ---------------------------------------------------------------------------------------------
// Where in the document: a chain of stack frames, turned into a JSON pointer only on failure.

struct Where {
  const Where* parent = nullptr;  // null only for the document root
  std::string_view key;
  std::size_t index = 0;
  bool is_index = false;

  [[nodiscard]] Where operator/(std::string_view k) const { return {this, k, 0, false}; }
  [[nodiscard]] Where operator[](std::size_t i) const { return {this, {}, i, true}; }

  [[nodiscard]] std::string pointer() const {
    std::vector<const Where*> chain;
    for (const Where* w = this; w->parent != nullptr; w = w->parent) chain.push_back(w);
    std::reverse(chain.begin(), chain.end());
    std::string out;
    for (const Where* w : chain) {
      out += '/';
      if (w->is_index) {
        out += std::to_string(w->index);
        continue;
      }
      for (char c : w->key) {  // RFC 6901 escapes
        if (c == '~')
          out += "~0";
        else if (c == '/')
          out += "~1";
        else
          out += c;
      }
    }
    return out;
  }
};

std::string type_phrase(Value j) {
  switch (j.type()) {
    case json_dom::Type::Null: return "null";
    case json_dom::Type::Boolean: return "a boolean";
    case json_dom::Type::String: return "a string";
    case json_dom::Type::Array: return "an array";
    case json_dom::Type::Object: return "an object";
    case json_dom::Type::Integer:
    case json_dom::Type::Unsigned: return "an integer";
    case json_dom::Type::Float: return "a number with a fraction or exponent";
  }
  return "something else";
}

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string join(std::span<const std::string_view> names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  return out;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// Every name an enum can be spelled with, from the enum's own name function.
template <typename E>
std::vector<std::string_view> enum_names(std::string_view (*name)(E), int count) {
  std::vector<std::string_view> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) out.push_back(name(static_cast<E>(i)));
  return out;
}

// The keys each object may have. Unknown keys are refused so a typo is never silently ignored.
constexpr std::string_view kProgramKeys[] = {"format",
                                             "version",
                                             "name",
                                             "symbols",
                                             "containers",
                                             "states",
                                             "interstate_edges",
                                             "start_state",
                                             "container_id_bound",
                                             "state_id_bound",
                                             "interstate_edge_id_bound"};
constexpr std::span<const std::string_view> kTopProgramKeys{kProgramKeys};
constexpr std::span<const std::string_view> kNestedProgramKeys = kTopProgramKeys.subspan(2);
constexpr std::string_view kContainerKeys[] = {"id",       "name",      "kind",   "dtype",
                                               "shape",    "strides",   "offset", "storage",
                                               "lifetime", "transient", "view"};
constexpr std::string_view kViewKeys[] = {"source", "kind", "permutation"};
constexpr std::string_view kStateKeys[] = {"id", "label", "graph"};
constexpr std::string_view kInterstateKeys[] = {"id", "src", "dst", "condition", "assignments"};
constexpr std::string_view kGraphKeys[] = {"nodes", "edges", "node_id_bound", "edge_id_bound"};
constexpr std::string_view kEdgeKeys[] = {"id", "src", "src_conn", "dst", "dst_conn", "memlet"};
constexpr std::string_view kMemletKeys[] = {"data",   "subset", "other_subset",
                                            "volume", "wcr",    "dynamic"};
constexpr std::string_view kNodeKinds[] = {"access", "tasklet", "map", "library", "nested"};
constexpr std::string_view kAccessKeys[] = {"id", "kind", "data"};
constexpr std::string_view kTaskletKeys[] = {"id", "kind", "label", "inputs", "outputs", "code"};
constexpr std::string_view kMapKeys[] = {"id",     "kind",    "label", "params",    "schedule",
                                         "inputs", "outputs", "body",  "block_size"};
constexpr std::string_view kLibraryKeys[] = {"id",     "kind",    "label",      "op",
                                             "inputs", "outputs", "attributes", "implementation"};
constexpr std::string_view kNestedKeys[] = {"id",      "kind",           "label",  "inputs",
                                            "outputs", "symbol_mapping", "program"};
constexpr std::string_view kAttributeKinds[] = {"int",  "float",  "string",
                                                "ints", "floats", "strings"};

// The containers a graph's memlets and Access nodes may name: those of the enclosing program.
struct Scope {
  const Program* program;
  std::unordered_map<std::string_view, ContainerId> by_name;  // invalid id: ambiguous name
};

class Reader {
public:
  Reader(std::string_view source, std::uint64_t id_budget, std::uint64_t input_bytes)
      : source_(source), budget_(id_budget), input_bytes_(input_bytes) {}

  Program document(Value j) {
    const Where root;
    Value format;
    Value version;
    for (const Member& m : object(j, root)) {
      if (j.key(m) == "format") format = j[m];
      if (j.key(m) == "version") version = j[m];
    }
    // The header first: a file of another version or kind may well have keys we do not know.
    if (!format)
      fail(root,
           R"(missing key 'format': not a Sluice program (expected "format": "sluice-program"))");
    if (const std::string_view f = string(format, root / "format"); f != "sluice-program")
      fail(root / "format", "unknown format " + squote(f) + " (expected 'sluice-program')");
    if (!version) fail(root, "missing key 'version'");
    const std::int64_t v = int64(version, root / "version");
    if (v != kJsonFormatVersion)
      fail(root / "version", "unsupported version " + std::to_string(v) +
                                 " (this build reads version " +
                                 std::to_string(kJsonFormatVersion) + ")");
    return program(j, root, 0, kTopProgramKeys);
  }

private:
  // An object's fields: unknown keys refused at construction, then looked up by name.
  class Fields {
  public:
    Fields(const Reader& r, Value j, const Where& w, std::span<const std::string_view> known)
        : reader_(&r), object_(j), members_(r.object(j, w)), where_(&w) {
      for (const Member& m : members_) {
        const std::string_view key = j.key(m);
        if (std::find(known.begin(), known.end(), key) == known.end())
          r.fail(w, "unknown key " + squote(key) + " (expected one of " + join(known) + ")");
      }
    }
    [[nodiscard]] Value find(std::string_view key) const {
      for (const Member& m : members_)
        if (object_.key(m) == key) return object_[m];
      return {};
    }
    [[nodiscard]] Value need(std::string_view key) const {
      const Value j = find(key);
      if (!j) reader_->fail(*where_, "missing key " + squote(key));
      return j;
    }

  private:
    const Reader* reader_;
    Value object_;
    std::span<const Member> members_;
    const Where* where_;
  };

  [[noreturn]] void fail(const Where& w, std::string message) const {
    std::string location(source_);
    if (w.parent != nullptr) location += "#" + w.pointer();
    throw UserError(std::move(location), std::move(message));
  }

  // A sub-parser's UserError (expressions, subsets, tasklet code) re-thrown at this path.
  template <typename F>
  auto nested(const Where& w, const std::string& what, F&& parse) const {
    try {
      return parse();
    } catch (const UserError& e) {
      if (e.diagnostics().empty()) fail(w, what + ": " + e.what());
      const Diagnostic& d = e.diagnostics().front();
      std::string message = what + ": ";
      if (!d.location.empty() && d.location != what) message += d.location + ": ";
      fail(w, message + d.message);
    }
  }

  // ----- Primitive values ---------------------------------------------------------------------

  [[nodiscard]] std::span<const Member> object(Value j, const Where& w) const {
    if (!j.is_object()) fail(w, "expected an object, found " + type_phrase(j));
    return j.members();
  }
  [[nodiscard]] std::span<const Member> array(Value j, const Where& w) const {
    if (!j.is_array()) fail(w, "expected an array, found " + type_phrase(j));
    return j.members();
  }
  [[nodiscard]] std::string_view string(Value j, const Where& w) const {
    if (!j.is_string()) fail(w, "expected a string, found " + type_phrase(j));
    return j.string();
  }
  [[nodiscard]] bool boolean(Value j, const Where& w) const {
    if (!j.is_boolean()) fail(w, "expected true or false, found " + type_phrase(j));
    return j.boolean();
  }
  [[nodiscard]] std::int64_t int64(Value j, const Where& w) const {
    if (j.is_unsigned()) {
      const std::uint64_t u = j.unsigned_integer();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        fail(w, "integer " + std::to_string(u) + " does not fit in 64 bits");
      return static_cast<std::int64_t>(u);
    }
    if (!j.is_integer()) fail(w, "expected an integer, found " + type_phrase(j));
    return j.integer();
  }
  [[nodiscard]] double float64(Value j, const Where& w) const {
    if (j.is_float()) return j.floating();
    if (j.is_integer()) return static_cast<double>(int64(j, w));
    if (j.is_string()) {
      const std::string_view s = j.string();
      if (s == "inf") return std::numeric_limits<double>::infinity();
      if (s == "-inf") return -std::numeric_limits<double>::infinity();
      if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    }
    fail(w, R"(expected a number (or "inf", "-inf", "nan"), found )" +
                (j.is_string() ? squote(j.string()) : type_phrase(j)));
  }
  // An id or id bound: 0 .. 2^32 - 2 (2^32 - 1 is the invalid id).
  [[nodiscard]] std::uint32_t id_value(Value j, const Where& w) const {
    const std::int64_t v = int64(j, w);
    if (v < 0 || v >= static_cast<std::int64_t>(Id<NodeTag>::kInvalid))
      fail(w, "id " + std::to_string(v) + " is out of range (0 to " +
                  std::to_string(Id<NodeTag>::kInvalid - 1) + ")");
    return static_cast<std::uint32_t>(v);
  }
  [[nodiscard]] std::vector<std::string> strings(Value j, const Where& w) const {
    const auto a = array(j, w);
    std::vector<std::string> out;
    out.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) out.emplace_back(string(j[a[i]], w[i]));
    return out;
  }
  [[nodiscard]] Expr expr(Value j, const Where& w) const {
    if (j.is_integer()) return Expr::constant(int64(j, w));  // hand-written shapes: [4, "N"]
    const std::string_view text = string(j, w);
    return nested(w, "expression " + squote(text), [&] { return parse_expr(text); });
  }
  [[nodiscard]] std::vector<Expr> exprs(Value j, const Where& w) const {
    const auto a = array(j, w);
    std::vector<Expr> out;
    out.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) out.push_back(expr(j[a[i]], w[i]));
    return out;
  }
  [[nodiscard]] Subset subset(Value j, const Where& w) const {
    const std::string_view text = string(j, w);
    return nested(w, "subset " + squote(text), [&] { return parse_subset(text); });
  }
  template <typename E>
  [[nodiscard]] E enumerated(Value j, const Where& w, std::string_view what,
                             std::optional<E> (*parse)(std::string_view),
                             std::string_view (*name)(E), int count) const {
    const std::string_view s = string(j, w);
    if (auto e = parse(s)) return *e;
    fail(w, "unknown " + std::string(what) + " " + squote(s) + " (expected one of " +
                join(enum_names(name, count)) + ")");
  }

  // ----- Ids --------------------------------------------------------------------------------

  // Every id slot an arena will hold is paid for before it is allocated.
  void charge(std::uint64_t slots, const Where& w, std::string_view what) {
    if (slots > budget_)
      fail(w, "too many " + std::string(what) + " ids: " + std::to_string(slots) +
                  " slots would pass what an input of " + std::to_string(input_bytes_) +
                  " bytes may allocate (" + std::to_string(budget_) + " more)");
    budget_ -= slots;
  }

  // Orders the elements read from `array_where` by id (so arenas and adjacency lists fill in
  // order), refuses duplicate ids, and returns the arena size to reserve: the largest id + 1,
  // or the declared bound when the file gives one.
  template <typename IdT, typename T>
  std::uint32_t settle_ids(const std::vector<std::pair<IdT, T>>& items,
                           std::vector<std::uint32_t>& order, const Where& array_where, Value bound,
                           const Where& bound_where, std::string_view what) {
    order.resize(items.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      return std::pair(items[a].first.value, a) < std::pair(items[b].first.value, b);
    });
    for (std::size_t k = 1; k < order.size(); ++k)
      if (items[order[k]].first == items[order[k - 1]].first)
        fail(array_where[order[k]] / "id", "duplicate " + std::string(what) + " id " +
                                               std::to_string(items[order[k]].first.value) +
                                               " (also at index " + std::to_string(order[k - 1]) +
                                               ")");
    std::uint64_t size = order.empty() ? 0 : std::uint64_t{items[order.back()].first.value} + 1;
    if (bound) {
      const std::uint32_t b = id_value(bound, bound_where);
      if (b < size)
        fail(bound_where, std::string(bound_where.key) + " " + std::to_string(b) +
                              " is not above the largest " + std::string(what) + " id " +
                              std::to_string(size - 1));
      size = b;
    }
    charge(size, bound ? bound_where : array_where, what);
    return static_cast<std::uint32_t>(size);
  }

  // Reads an array of objects that carry ids into `(id, value)` pairs.
  template <typename IdT, typename T, typename ReadOne>
  std::vector<std::pair<IdT, T>> elements(Value j, const Where& w, ReadOne&& read_one) {
    std::vector<std::pair<IdT, T>> items;
    if (!j) return items;
    const auto a = array(j, w);
    items.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) items.push_back(read_one(j[a[i]], w[i]));
    return items;
  }

  // ----- Containers ---------------------------------------------------------------------------

  [[nodiscard]] ContainerId container_ref(Value j, const Where& w, const Scope& scope) const {
    if (j.is_string()) {
      const std::string_view name = j.string();
      auto it = scope.by_name.find(name);
      if (it == scope.by_name.end()) fail(w, "no container named " + squote(name));
      if (!it->second.valid())
        fail(w, "container name " + squote(name) +
                    " is ambiguous (several containers have it); refer to the container by id");
      return it->second;
    }
    if (!j.is_integer() && !j.is_float())
      fail(w, "expected a container name or id, found " + type_phrase(j));
    const ContainerId id(id_value(j, w));
    if (!scope.program->containers.contains(id))
      fail(w, "container " + std::to_string(id.value) + " does not exist");
    return id;
  }

  // The view's source is returned in `view_source`, to be resolved once every container has a
  // name (a view may name a later container).
  std::pair<ContainerId, Container> container(Value j, const Where& w, Value& view_source) const {
    const Fields f(*this, j, w, kContainerKeys);
    const ContainerId id(id_value(f.need("id"), w / "id"));
    Container c;
    c.name = string(f.need("name"), w / "name");
    c.kind = enumerated(f.need("kind"), w / "kind", "container kind", parse_container_kind,
                        container_kind_name, 3);
    c.dtype = enumerated(f.need("dtype"), w / "dtype", "dtype", parse_dtype, dtype_name, 8);
    if (Value s = f.find("shape")) c.shape = exprs(s, w / "shape");
    if (Value s = f.find("strides"))
      c.strides = exprs(s, w / "strides");
    else
      c.strides = nested(w, "contiguous strides", [&] { return contiguous_strides(c.shape); });
    if (Value o = f.find("offset")) c.offset = expr(o, w / "offset");
    if (Value s = f.find("storage"))
      c.storage = enumerated(s, w / "storage", "storage", parse_storage, storage_name, 6);
    if (Value l = f.find("lifetime"))
      c.lifetime = enumerated(l, w / "lifetime", "lifetime", parse_lifetime, lifetime_name, 4);
    if (Value t = f.find("transient")) c.transient = boolean(t, w / "transient");
    if (Value v = f.find("view")) {
      const Where vw = w / "view";
      const Fields vf(*this, v, vw, kViewKeys);
      ViewOf view;
      view_source = vf.need("source");
      view.kind =
          enumerated(vf.need("kind"), vw / "kind", "view kind", parse_view_kind, view_kind_name, 3);
      if (Value p = vf.find("permutation")) {
        const Where pw = vw / "permutation";
        const auto a = array(p, pw);
        for (std::size_t i = 0; i < a.size(); ++i)
          view.permutation.push_back(int64(p[a[i]], pw[i]));
      }
      c.view = std::move(view);
    }
    return {id, std::move(c)};
  }

  // ----- Programs -----------------------------------------------------------------------------

  Program program(Value j, const Where& w, int depth, std::span<const std::string_view> keys) {
    const Fields f(*this, j, w, keys);
    Program p;
    if (Value n = f.find("name")) p.name = string(n, w / "name");
    if (Value s = f.find("symbols")) {
      const Where sw = w / "symbols";
      for (const Member& m : object(s, sw))
        p.symbols[std::string(s.key(m))] =
            enumerated(s[m], sw / s.key(m), "dtype", parse_dtype, dtype_name, 8);
    }

    // Containers, then the name table, then the views' sources.
    Scope scope{&p, {}};
    {
      const Where cw = w / "containers";
      const Value cs = f.find("containers");
      std::vector<Value> view_sources(cs && cs.is_array() ? cs.members().size() : 0);
      std::size_t next = 0;
      auto items = elements<ContainerId, Container>(
          cs, cw, [&](Value c, const Where& ew) { return container(c, ew, view_sources[next++]); });
      std::vector<std::uint32_t> order;
      const std::uint32_t size = settle_ids(items, order, cw, f.find("container_id_bound"),
                                            w / "container_id_bound", "container");
      p.containers.reserve_ids(size);
      for (std::uint32_t i : order)
        p.containers.insert_at(items[i].first, std::move(items[i].second));
      for (std::uint32_t i : order) {
        const ContainerId id = items[i].first;
        auto [it, inserted] = scope.by_name.emplace(p.containers[id].name, id);
        if (!inserted) it->second = ContainerId();
      }
      for (std::uint32_t i : order)
        if (view_sources[i])
          p.containers[items[i].first].view->source =
              container_ref(view_sources[i], cw[i] / "view" / "source", scope);
    }

    {
      const Where sw = w / "states";
      auto items = elements<StateId, State>(f.find("states"), sw, [&](Value s, const Where& ew) {
        const Fields sf(*this, s, ew, kStateKeys);
        State state;
        if (Value l = sf.find("label")) state.label = string(l, ew / "label");
        if (Value g = sf.find("graph")) state.graph = graph(g, ew / "graph", scope, depth);
        return std::pair(StateId(id_value(sf.need("id"), ew / "id")), std::move(state));
      });
      std::vector<std::uint32_t> order;
      const std::uint32_t size =
          settle_ids(items, order, sw, f.find("state_id_bound"), w / "state_id_bound", "state");
      p.states.reserve_ids(size);
      for (std::uint32_t i : order) p.states.insert_at(items[i].first, std::move(items[i].second));
    }

    {
      const Where ew = w / "interstate_edges";
      auto items = elements<InterstateEdgeId, InterstateEdge>(
          f.find("interstate_edges"), ew,
          [&](Value e, const Where& iw) { return interstate_edge(e, iw, p); });
      std::vector<std::uint32_t> order;
      const std::uint32_t size = settle_ids(items, order, ew, f.find("interstate_edge_id_bound"),
                                            w / "interstate_edge_id_bound", "interstate edge");
      p.interstate_edges.reserve_ids(size);
      for (std::uint32_t i : order)
        p.interstate_edges.insert_at(items[i].first, std::move(items[i].second));
    }

    if (Value s = f.find("start_state")) {
      p.start_state = StateId(id_value(s, w / "start_state"));
      if (!p.states.contains(p.start_state))
        fail(w / "start_state",
             "start state " + std::to_string(p.start_state.value) + " does not exist");
    }
    return p;
  }

  std::pair<InterstateEdgeId, InterstateEdge> interstate_edge(Value j, const Where& w,
                                                              const Program& p) const {
    const Fields f(*this, j, w, kInterstateKeys);
    const InterstateEdgeId id(id_value(f.need("id"), w / "id"));
    InterstateEdge e;
    const auto state_ref = [&](std::string_view key) {
      const StateId s(id_value(f.need(key), w / key));
      if (!p.states.contains(s))
        fail(w / key, "interstate edge " + std::to_string(id.value) + " refers to state " +
                          std::to_string(s.value) + ", which does not exist");
      return s;
    };
    e.src = state_ref("src");
    e.dst = state_ref("dst");
    if (Value c = f.find("condition")) {
      const std::string_view text = string(c, w / "condition");
      e.condition = nested(w / "condition", "condition " + squote(text),
                           [&] { return parse_tasklet_expr(text); });
    }
    if (Value as = f.find("assignments")) {
      const Where aw = w / "assignments";
      const auto a = array(as, aw);
      for (std::size_t i = 0; i < a.size(); ++i) {
        const Value pair = as[a[i]];
        const auto items = array(pair, aw[i]);
        if (items.size() != 2)
          fail(aw[i], "expected a pair [symbol, expression], found an array of " +
                          std::to_string(items.size()));
        e.assignments.emplace_back(std::string(string(pair[items[0]], aw[i][0])),
                                   expr(pair[items[1]], aw[i][1]));
      }
    }
    return {id, std::move(e)};
  }

  // ----- Graphs -------------------------------------------------------------------------------

  Graph graph(Value j, const Where& w, const Scope& scope, int depth) {
    const Fields f(*this, j, w, kGraphKeys);
    Graph g;
    {
      const Where nw = w / "nodes";
      auto items = elements<NodeId, Node>(
          f.find("nodes"), nw, [&](Value n, const Where& ew) { return node(n, ew, scope, depth); });
      std::vector<std::uint32_t> order;
      const std::uint32_t size =
          settle_ids(items, order, nw, f.find("node_id_bound"), w / "node_id_bound", "node");
      g.reserve_ids(size, 0);
      for (std::uint32_t i : order) g.insert_node_at(items[i].first, std::move(items[i].second));
    }
    {
      const Where ew = w / "edges";
      auto items = elements<EdgeId, Edge>(
          f.find("edges"), ew, [&](Value e, const Where& iw) { return edge(e, iw, scope, g); });
      std::vector<std::uint32_t> order;
      const std::uint32_t size =
          settle_ids(items, order, ew, f.find("edge_id_bound"), w / "edge_id_bound", "edge");
      g.reserve_ids(0, size);
      for (std::uint32_t i : order) g.insert_edge_at(items[i].first, std::move(items[i].second));
    }
    return g;
  }

  std::pair<EdgeId, Edge> edge(Value j, const Where& w, const Scope& scope, const Graph& g) const {
    const Fields f(*this, j, w, kEdgeKeys);
    const EdgeId id(id_value(f.need("id"), w / "id"));
    Edge e;
    const auto endpoint = [&](std::string_view key) {
      const NodeId n(id_value(f.need(key), w / key));
      if (!g.has_node(n))
        fail(w / key, "edge " + std::to_string(id.value) + " refers to node " +
                          std::to_string(n.value) + ", which does not exist");
      return n;
    };
    e.src = endpoint("src");
    e.dst = endpoint("dst");
    if (Value c = f.find("src_conn")) e.src_conn = string(c, w / "src_conn");
    if (Value c = f.find("dst_conn")) e.dst_conn = string(c, w / "dst_conn");
    if (Value m = f.find("memlet")) e.memlet = memlet(m, w / "memlet", scope);
    return {id, std::move(e)};
  }

  Memlet memlet(Value j, const Where& w, const Scope& scope) const {
    const Fields f(*this, j, w, kMemletKeys);
    Memlet m;
    if (Value d = f.find("data")) m.data = container_ref(d, w / "data", scope);
    if (Value s = f.find("subset")) m.subset = subset(s, w / "subset");
    if (Value s = f.find("other_subset")) m.other_subset = subset(s, w / "other_subset");
    if (Value v = f.find("volume"))
      m.volume = expr(v, w / "volume");
    else if (m.data.valid())
      m.volume = nested(w, "volume", [&] { return subset_size(m.subset); });
    if (Value c = f.find("wcr"))
      m.wcr = enumerated(c, w / "wcr", "write-conflict resolution", parse_write_conflict,
                         write_conflict_name, 5);
    if (Value d = f.find("dynamic")) m.dynamic = boolean(d, w / "dynamic");
    return m;
  }

  // ----- Nodes --------------------------------------------------------------------------------

  std::pair<NodeId, Node> node(Value j, const Where& w, const Scope& scope, int depth) {
    Value kind_json;
    for (const Member& m : object(j, w))
      if (j.key(m) == "kind") kind_json = j[m];
    if (!kind_json) fail(w, "missing key 'kind'");
    const std::string_view kind = string(kind_json, w / "kind");
    const auto k = static_cast<std::size_t>(
        std::find(std::begin(kNodeKinds), std::end(kNodeKinds), kind) - std::begin(kNodeKinds));
    if (k == std::size(kNodeKinds))
      fail(w / "kind",
           "unknown node kind " + squote(kind) + " (expected one of " + join(kNodeKinds) + ")");
    static constexpr std::array<std::span<const std::string_view>, 5> kKeys{
        kAccessKeys, kTaskletKeys, kMapKeys, kLibraryKeys, kNestedKeys};
    const Fields f(*this, j, w, kKeys[k]);
    const NodeId id(id_value(f.need("id"), w / "id"));

    const auto label = [&] {
      const Value l = f.find("label");
      return l ? std::string(string(l, w / "label")) : std::string();
    };
    const auto connectors = [&](std::string_view key) {
      const Value c = f.find(key);
      return c ? strings(c, w / key) : std::vector<std::string>();
    };
    switch (k) {
      case 0: return {id, AccessNode{container_ref(f.need("data"), w / "data", scope)}};
      case 1: {
        TaskletNode t{label(), connectors("inputs"), connectors("outputs"), {}};
        if (Value c = f.find("code")) t.code = code(c, w / "code");
        return {id, std::move(t)};
      }
      case 2: {
        MapNode m;
        m.label = label();
        if (Value ps = f.find("params")) m.params = params(ps, w / "params");
        if (Value s = f.find("schedule"))
          m.schedule = enumerated(s, w / "schedule", "schedule", parse_schedule, schedule_name, 6);
        if (Value b = f.find("block_size")) {
          m.block_size = int64(b, w / "block_size");
          if (m.block_size <= 0 || m.block_size > 1024)
            fail(w / "block_size", "block_size must be between 1 and 1024 threads");
        }
        m.inputs = connectors("inputs");
        m.outputs = connectors("outputs");
        if (Value b = f.find("body")) {
          const Where bw = w / "body";
          check_depth(depth, bw);
          m.body = graph(b, bw, scope, depth + 1);
        }
        return {id, std::move(m)};
      }
      case 3: {
        LibraryNode l;
        l.label = label();
        if (Value op = f.find("op")) l.op = string(op, w / "op");
        l.inputs = connectors("inputs");
        l.outputs = connectors("outputs");
        if (Value as = f.find("attributes")) {
          const Where aw = w / "attributes";
          for (const Member& m : object(as, aw))
            l.attributes[std::string(as.key(m))] = attribute(as[m], aw / as.key(m));
        }
        if (Value impl = f.find("implementation"))
          l.implementation = string(impl, w / "implementation");
        return {id, std::move(l)};
      }
      default: {
        NestedNode n;
        n.label = label();
        n.inputs = connectors("inputs");
        n.outputs = connectors("outputs");
        if (Value sm = f.find("symbol_mapping")) {
          const Where sw = w / "symbol_mapping";
          for (const Member& m : object(sm, sw))
            n.symbol_mapping[std::string(sm.key(m))] = expr(sm[m], sw / sm.key(m));
        }
        if (Value p = f.find("program")) {
          const Where pw = w / "program";
          check_depth(depth, pw);
          n.program = program(p, pw, depth + 1, kNestedProgramKeys);
        }
        return {id, std::move(n)};
      }
    }
  }

  void check_depth(int depth, const Where& w) const {
    if (depth + 1 > kMaxNesting)
      fail(w, "maps and nested programs are nested more than " + std::to_string(kMaxNesting) +
                  " deep");
  }

  // A list of lines (as written) or one string.
  TaskletCode code(Value j, const Where& w) const {
    std::string text;
    if (j.is_string()) {
      text = j.string();
    } else {
      const auto a = array(j, w);
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) text += '\n';
        text += string(j[a[i]], w[i]);
      }
    }
    return nested(w, "tasklet code", [&] { return parse_tasklet(text); });
  }

  std::vector<MapParam> params(Value j, const Where& w) const {
    const auto a = array(j, w);
    std::vector<MapParam> out;
    out.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string_view text = string(j[a[i]], w[i]);
      const std::size_t eq = text.find('=');
      const std::string_view name =
          eq == std::string_view::npos ? std::string_view() : trim(text.substr(0, eq));
      if (name.empty())
        fail(w[i], "expected a parameter 'name=begin:end[:step]', found " + squote(text));
      const Subset range = nested(w[i], "parameter " + squote(text),
                                  [&] { return parse_subset(text.substr(eq + 1)); });
      if (range.size() != 1)
        fail(w[i], "expected a parameter 'name=begin:end[:step]', found " + squote(text));
      out.push_back({std::string(name), range[0]});
    }
    return out;
  }

  AttributeValue attribute(Value j, const Where& w) const {
    const auto members = object(j, w);
    if (members.size() != 1)
      fail(w, "expected an attribute as one typed value such as {\"int\": 1} (one of " +
                  join(kAttributeKinds) + ")");
    const std::string_view kind = j.key(members[0]);
    const Value value = j[members[0]];
    const Where vw = w / kind;
    const auto list = [&](auto&& one) {
      const auto a = array(value, vw);
      std::vector<decltype(one(value, vw))> out;
      out.reserve(a.size());
      for (std::size_t i = 0; i < a.size(); ++i) out.push_back(one(value[a[i]], vw[i]));
      return out;
    };
    const auto as_int = [&](Value x, const Where& xw) { return int64(x, xw); };
    const auto as_float = [&](Value x, const Where& xw) { return float64(x, xw); };
    const auto as_string = [&](Value x, const Where& xw) { return std::string(string(x, xw)); };
    if (kind == "int") return as_int(value, vw);
    if (kind == "float") return as_float(value, vw);
    if (kind == "string") return as_string(value, vw);
    if (kind == "ints") return list(as_int);
    if (kind == "floats") return list(as_float);
    if (kind == "strings") return list(as_string);
    fail(w, "unknown attribute type " + squote(kind) + " (expected one of " +
                join(kAttributeKinds) + ")");
  }

  std::string_view source_;
  std::uint64_t budget_;
  std::uint64_t input_bytes_;
};

}  // namespace

Program read_json(std::string_view text, std::string_view source_name) {
  const auto document = json_dom::Document::parse(text, source_name, kMaxJsonDepth);
  const std::uint64_t budget =
      kIdBudgetBase + kIdBudgetPerByte * static_cast<std::uint64_t>(text.size());
  return Reader(source_name, budget, text.size()).document(document.root());
}

Program program_from_json(const nlohmann::ordered_json& document, std::string_view source_name) {
  std::string text;
  try {
    text = document.dump();
  } catch (const nlohmann::json::exception& e) {
    throw UserError(std::string(source_name), std::string("cannot read the document: ") + e.what());
  }
  return read_json(text, source_name);
}

Program load_json_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw UserError(path, "cannot read: is a directory");
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    if (!std::filesystem::exists(path, ec)) throw UserError(path, "cannot read: no such file");
    throw UserError(path, "cannot read: permission denied or unreadable");
  }
  std::ostringstream buffer;
  buffer << f.rdbuf();
  if (f.bad()) throw UserError(path, "cannot read: read failed");
  return read_json(buffer.str(), path);
}

}  // namespace sluice::ir
