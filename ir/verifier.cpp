#include "ir/verifier.h"

#include <algorithm>

#include "ir/verifier_internal.h"

namespace sluice::ir {
namespace verify_detail {
namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

std::string ints_str(const std::vector<std::int64_t>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(values[i]);
  }
  return out + "]";
}

bool excludes_zero(const Interval& iv) { return (iv.lo && *iv.lo > 0) || (iv.hi && *iv.hi < 0); }

}  // namespace

bool is_identifier(std::string_view name) {
  if (name.empty()) return false;
  const auto alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (!alpha(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

Verifier::Verifier(const Program& program, IrPath prefix, std::vector<Diagnostic>& out)
    : program_(program), prefix_(std::move(prefix)), out_(out) {
  scopes_.emplace_back();  // key 0: no parameters
  scope_keys_.emplace(std::string(), 0);
  for (ContainerId id : program_.containers.ids())
    by_name_.emplace(program_.containers[id].name, id);
}

void Verifier::error(const IrPath& where, std::string message) {
  out_.push_back(Diagnostic{Severity::Error, where.str(), std::move(message), {}});
}

IrPath Verifier::path(const Scope& scope) const {
  if (!scope.parent) return scope.state;
  return path(*scope.parent) / node_step(program_, *scope.parent_graph, scope.map_id);
}

IrPath Verifier::path(const Where& where) const {
  switch (where.kind) {
    case Where::Kind::Graph: return path(*where.scope);
    case Where::Kind::Node:
      return path(*where.scope) / node_step(program_, *where.graph, NodeId(where.id));
    case Where::Kind::Edge: return path(*where.scope) / edge_step(EdgeId(where.id));
  }
  return path(*where.scope);
}

IrPath Verifier::program_path() const {
  if (!prefix_.empty()) return prefix_;
  return IrPath({program_step(program_)});
}

const Container* Verifier::container_named(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &program_.containers[it->second];
}

void Verifier::run() {
  check_symbols();
  check_containers();
  check_control_flow();
}

// --- Symbols and containers ------------------------------------------------------------------

void Verifier::check_symbols() {
  for (const auto& [name, dtype] : program_.symbols) {
    const IrPath where = prefix_ / symbol_step(name);  // symbols are few
    if (!is_identifier(name)) error(where, "symbol name " + quoted(name) + " is not an identifier");
    if (is_float(dtype))
      error(where, "symbol " + quoted(name) + " has dtype " + std::string(dtype_name(dtype)) +
                       "; a symbol is an integer or a bool");
  }
}

void Verifier::check_containers() {
  for (ContainerId id : program_.containers.ids()) {
    const Container& c = program_.containers[id];
    const auto where = [&] { return prefix_ / container_step(program_, id); };
    const std::string name = quoted(c.name);
    if (c.name.empty()) {
      error(where(), "the container has an empty name");
    } else {
      if (!is_identifier(c.name))
        error(where(), "container name " + name + " is not an identifier");
      if (const ContainerId first = by_name_.at(c.name); first != id)
        error(where(),
              "the name " + name + " is already used by container " + std::to_string(first.value));
      if (is_symbol(c.name)) error(where(), "the name " + name + " is also the name of a symbol");
    }
    if (c.kind == ContainerKind::Scalar && !c.shape.empty())
      error(where(), "scalar " + name + " has rank " + std::to_string(c.rank()) +
                         "; a scalar has an empty shape");
    if (c.strides.size() != c.shape.size())
      error(where(), "the strides of " + name + " have rank " + std::to_string(c.strides.size()) +
                         " but its shape has rank " + std::to_string(c.rank()));
    if (c.kind == ContainerKind::View && !c.view)
      error(where(), "view " + name + " does not say what it views (no view source)");
    if (c.kind != ContainerKind::View && c.view)
      error(where(), name + " is " + (c.kind == ContainerKind::Scalar ? "a scalar" : "an array") +
                         " but has a view source; only views have one");

    // `what(d)` names the expression (built only when a symbol is unknown).
    const auto check_symbols_of = [&](const Expr& e, const auto& what) {
      if (auto s = unknown_symbol(e, 0))
        error(where(), what() + " of " + name + " uses " + quoted(*s) + ", which is not a symbol");
    };
    for (std::size_t d = 0; d < c.shape.size(); ++d) {
      check_symbols_of(c.shape[d], [&] { return "dimension " + std::to_string(d); });
      const Interval iv = bounds_in(c.shape[d], 0);
      if (iv.hi && *iv.hi < 0)
        error(where(), "dimension " + std::to_string(d) + " of " + name + " (" + c.shape[d].str() +
                           ") is negative");
    }
    for (std::size_t d = 0; d < c.strides.size(); ++d)
      check_symbols_of(c.strides[d], [&] { return "stride " + std::to_string(d); });
    check_symbols_of(c.offset, [] { return std::string("the offset"); });

    if (!c.transient && (c.storage == Storage::Register || c.storage == Storage::GpuShared))
      error(where(), "argument " + name + " has storage " + std::string(storage_name(c.storage)) +
                         "; a program argument cannot live in registers or GPU shared memory");
  }
  check_views();
}

void Verifier::check_views() {
  for (ContainerId id : program_.containers.ids()) {
    const Container& c = program_.containers[id];
    if (c.kind != ContainerKind::View || !c.view) continue;
    const auto where = [&] { return prefix_ / container_step(program_, id); };
    const std::string name = quoted(c.name);
    const ViewOf& v = *c.view;
    if (v.kind != ViewKind::Permute && !v.permutation.empty())
      error(where(), std::string(view_kind_name(v.kind)) + " view " + name +
                         " has a permutation; only permute views have one");
    if (v.source == id) {
      error(where(), "view " + name + " views itself");
      continue;
    }
    const Container* src = container(v.source);
    if (!src) {
      error(where(), "the source of view " + name + " (container " +
                         std::to_string(v.source.value) + ") does not exist");
      continue;
    }
    const std::string src_name = quoted(src->name);
    if (src->dtype != c.dtype)
      error(where(), cat("view ", name, " has dtype ", dtype_name(c.dtype), " but its source ",
                         src_name, " has ", dtype_name(src->dtype)));

    // A cycle of views is reported once, at its smallest id.
    {
      ContainerId at = v.source;
      std::string chain = cat(name, " -> ", src_name);
      bool smallest = true;
      for (std::size_t steps = 0; steps < program_.containers.capacity(); ++steps) {
        const Container* next = container(at);
        if (!next || !next->view || next->kind != ContainerKind::View || at == id) break;
        if (at < id) smallest = false;
        at = next->view->source;
        chain += " -> ";
        chain += quoted(container(at) ? container(at)->name : std::to_string(at.value));
      }
      if (at == id && smallest) error(where(), "views form a cycle: " + chain);
    }

    if (v.kind == ViewKind::Permute) {
      const std::size_t rank = src->rank();
      std::vector<bool> seen(rank, false);
      bool valid = v.permutation.size() == rank;
      for (std::int64_t d : v.permutation) {
        if (d < 0 || static_cast<std::size_t>(d) >= rank || seen[d]) {
          valid = false;
          break;
        }
        seen[d] = true;
      }
      if (!valid) {
        error(where(), cat("the permutation ", ints_str(v.permutation), " of view ", name,
                           " is not a permutation of the ", std::to_string(rank), " dimensions of ",
                           src_name));
      } else if (c.rank() != rank) {
        error(where(), cat("permute view ", name, " has rank ", std::to_string(c.rank()),
                           " but its source ", src_name, " has rank ", std::to_string(rank)));
      } else {
        for (std::size_t d = 0; d < rank; ++d) {
          const Expr& theirs = src->shape[v.permutation[d]];
          if (c.shape[d] == theirs) continue;
          error(where(), cat("dimension ", std::to_string(d), " of permute view ", name, " is ",
                             c.shape[d].str(), " but dimension ", std::to_string(v.permutation[d]),
                             " of its source ", src_name, " is ", theirs.str()));
        }
      }
    } else if (v.kind == ViewKind::Reshape) {
      const auto sizes = or_if_overflow(
          [&] { return std::optional(std::pair(c.num_elements(), src->num_elements())); },
          std::optional<std::pair<Expr, Expr>>());
      if (sizes && provably_different(sizes->first, sizes->second, 0))
        error(where(), cat("reshape view ", name, " has ", sizes->first.str(),
                           " elements but its source ", src_name, " has ", sizes->second.str()));
    }
  }
}

// --- Control flow ----------------------------------------------------------------------------

void Verifier::check_control_flow() {
  if (program_.start_state.valid() && !program_.states.contains(program_.start_state)) {
    error(program_path(),
          "the start state " + std::to_string(program_.start_state.value) + " does not exist");
  } else if (!program_.start_state.valid() && program_.states.size() > 0) {
    error(program_path(), "the program has states but no start state");
  }

  std::unordered_map<std::string, StateId> labels;
  for (StateId id : program_.states.ids()) {
    const State& state = program_.states[id];
    Scope scope;
    scope.state = prefix_ / state_step(program_, id);
    if (state.label.empty()) {
      error(scope.state, "the state has an empty label");
    } else if (auto [it, inserted] = labels.emplace(state.label, id); !inserted) {
      error(scope.state, "the label " + quoted(state.label) + " is already used by state " +
                             std::to_string(it->second.value));
    }
    check_graph(state.graph, scope);
  }
  for (InterstateEdgeId id : program_.interstate_edges.ids()) check_transition(id);
}

void Verifier::check_transition(InterstateEdgeId id) {
  const InterstateEdge& e = program_.interstate_edges[id];
  const IrPath where = prefix_ / transition_step(program_, id);
  if (!program_.states.contains(e.src))
    error(where, "the source state " + std::to_string(e.src.value) + " does not exist");
  if (!program_.states.contains(e.dst))
    error(where, "the destination state " + std::to_string(e.dst.value) + " does not exist");

  if (e.condition) {
    const std::string text = quoted(print_tasklet_expr(*e.condition));
    std::map<std::string, DType> types;
    bool known = true;
    for (const std::string& name : tasklet_reads(*e.condition)) {
      auto it = program_.symbols.find(name);
      if (it == program_.symbols.end()) {
        error(where, "the condition " + text + " uses " + quoted(name) + ", which is not a symbol");
        known = false;
      } else {
        types.emplace(name, it->second);
      }
    }
    if (known) {
      // A condition is typed as the value of a one-statement tasklet.
      const std::string result = "__condition";
      TaskletCode code;
      code.statements.push_back(TaskletStatement{result, std::nullopt, *e.condition});
      try {
        const DType type = infer_tasklet_types(code, types).at(result);
        if (type != DType::boolean)
          error(where, "the condition " + text + " has type " + std::string(dtype_name(type)) +
                           "; a condition is bool");
      } catch (const UserError& err) {
        // Drop "statement 1: in '__condition = ...;': ", which would only confuse.
        std::string why = err.diagnostics().empty() ? err.what() : err.diagnostics()[0].message;
        if (why.starts_with("in '") && why.find("': ") != std::string::npos)
          why = why.substr(why.find("': ") + 3);
        error(where, "the condition " + text + " does not type-check: " + why);
      }
    }
  }
  for (const auto& [symbol, value] : e.assignments) {
    if (!is_symbol(symbol)) {
      error(where, "assignment to " + quoted(symbol) + ", which is not a symbol");
      continue;
    }
    if (auto s = unknown_symbol(value, 0))
      error(where, "the assignment " + quoted(symbol + " = " + value.str()) + " uses " +
                       quoted(*s) + ", which is not a symbol");
  }
}

// --- Symbolic reasoning ----------------------------------------------------------------------

int Verifier::enter_map(int outer, const MapNode& map) {
  // Keyed by names and the (interned, so comparable by address) range expressions.
  std::string key;
  std::vector<ScopeParam> params = scopes_[outer].params;
  for (const MapParam& p : map.params) params.push_back({p.name, p.range});
  for (const ScopeParam& p : params) {
    key += p.name;
    key += '\0';
    for (const Expr* e : {&p.range.begin, &p.range.end, &p.range.step}) {
      const auto addr = reinterpret_cast<std::uintptr_t>(e->node());
      key.append(reinterpret_cast<const char*>(&addr), sizeof addr);
    }
  }
  auto [it, inserted] = scope_keys_.emplace(std::move(key), static_cast<int>(scopes_.size()));
  if (inserted) scopes_.push_back(ScopeInfo{std::move(params), std::nullopt});
  return it->second;
}

bool Verifier::is_param(const std::string& name, int scope) const {
  const auto& params = scopes_[scope].params;
  return std::any_of(params.begin(), params.end(),
                     [&](const ScopeParam& p) { return p.name == name; });
}

const MapNode* Scope::map_of_param(const std::string& name) const {
  for (const Scope* s = this; s && s->map; s = s->parent)
    for (const MapParam& p : s->map->params)
      if (p.name == name) return s->map;
  return nullptr;
}

const std::vector<std::string>& Verifier::free_symbols(const Expr& e) {
  auto it = free_symbols_.find(e.node());
  if (it == free_symbols_.end()) it = free_symbols_.emplace(e.node(), e.free_symbols()).first;
  return it->second;
}

std::optional<std::string> Verifier::unknown_symbol(const Expr& e, int scope) {
  if (e.is_constant()) return std::nullopt;
  const std::pair<const void*, int> key{e.node(), scope};
  if (auto it = unknown_.find(key); it != unknown_.end()) return it->second;
  std::optional<std::string> found;
  for (const std::string& s : free_symbols(e)) {
    if (is_symbol(s) || is_param(s, scope)) continue;
    found = s;
    break;
  }
  unknown_.emplace(key, found);
  return found;
}

const std::map<std::string, Interval>& Verifier::ranges(int scope) {
  ScopeInfo& info = scopes_[scope];
  if (info.ranges) return *info.ranges;
  // Symbols are sizes or counters: never negative. A parameter lies in [begin, end - 1] (for a
  // positive constant step), bounded under the parameters outside it.
  std::map<std::string, Interval> r;
  for (const auto& [name, dtype] : program_.symbols) r.emplace(name, Interval{0, std::nullopt});
  for (const ScopeParam& p : info.params) {
    Interval iv;
    const auto step = p.range.step.constant_value();
    if (step && *step > 0) {
      iv.lo = bounds(p.range.begin, r).lo;
      iv.hi = or_if_overflow([&] { return bounds(p.range.end - 1, r).hi; },
                             std::optional<std::int64_t>());
      if (iv.lo && iv.hi && *iv.lo > *iv.hi) iv = Interval{};  // an empty range: runs never
    }
    r[p.name] = iv;
  }
  info.ranges = std::move(r);
  return *info.ranges;
}

Interval Verifier::bounds_in(const Expr& e, int scope) {
  if (auto v = e.constant_value()) return Interval{v, v};
  const std::pair<const void*, int> key{e.node(), scope};
  if (auto it = bounds_.find(key); it != bounds_.end()) return it->second;
  const Interval iv = bounds(e, ranges(scope));
  bounds_.emplace(key, iv);
  return iv;
}

std::optional<Expr> Verifier::extreme(const Expr& e, bool maximize, int scope) {
  return or_if_overflow([&] { return extreme_unguarded(e, maximize, scope); },
                        std::optional<Expr>());
}

std::optional<Expr> Verifier::extreme_unguarded(const Expr& e, bool maximize, int scope) {
  // Eliminates parameters innermost first (an inner range may depend on outer parameters).
  // Where `e` moves by a constant amount per step of a parameter it is monotone in it, so its
  // extreme is at the first or the last value the parameter takes.
  Expr x = e;
  const auto& params = scopes_[scope].params;
  for (std::size_t i = params.size(); i-- > 0;) {
    const ScopeParam& p = params[i];
    const auto& syms = free_symbols(x);
    if (!std::binary_search(syms.begin(), syms.end(), p.name)) continue;
    const auto step = p.range.step.constant_value();
    if (!step || *step <= 0) return std::nullopt;
    const Expr delta = x.substitute({{p.name, Expr::symbol(p.name) + *step}}) - x;
    const auto d = delta.constant_value();
    if (!d) return std::nullopt;
    const Expr last =
        *step == 1 ? p.range.end - 1
                   : p.range.begin + floordiv(p.range.end - p.range.begin - 1, *step) * *step;
    x = x.substitute({{p.name, (*d >= 0) == maximize ? last : p.range.begin}});
  }
  return x;
}

RangeFacts Verifier::check_range(const Range& r, const Expr* size, int scope) {
  const RangeKey key{r.begin.node(), r.end.node(), r.step.node(), size ? size->node() : nullptr,
                     scope};
  if (auto it = verdicts_.find(key); it != verdicts_.end()) return it->second;
  const RangeFacts facts{
      or_if_overflow([&] { return range_verdict(r, size, scope); }, RangeVerdict::Ok),
      or_if_overflow([&] { return r.is_index(); }, false)};
  verdicts_.emplace(key, facts);
  return facts;
}

RangeVerdict Verifier::range_verdict(const Range& r, const Expr* size, int scope) {
  const auto step = r.step.constant_value();
  if (step && *step == 0) return RangeVerdict::StepZero;
  if (!step || *step < 0) return RangeVerdict::Ok;  // only positive constant steps are judged
  const Interval length = bounds_in(r.end - r.begin, scope);
  if (length.hi && *length.hi < 0) return RangeVerdict::Reversed;
  if (!size) return RangeVerdict::Ok;
  // Some index is below 0 if the smallest one always is.
  if (auto lowest = extreme(r.begin, false, scope)) {
    const Interval iv = bounds_in(*lowest, 0);
    if (iv.hi && *iv.hi < 0) return RangeVerdict::BelowZero;
  }
  if (const Interval iv = bounds_in(r.begin, scope); iv.hi && *iv.hi < 0)
    return RangeVerdict::BelowZero;
  // One past the last index taken, against the size.
  const Expr top = *step == 1 ? r.end : r.begin + floordiv(r.end - r.begin - 1, *step) * *step + 1;
  const Expr over = top - *size;
  if (auto highest = extreme(over, true, scope)) {
    const Interval iv = bounds_in(*highest, 0);
    if (iv.lo && *iv.lo > 0) return RangeVerdict::Exceeds;
  }
  if (const Interval iv = bounds_in(over, scope); iv.lo && *iv.lo > 0) return RangeVerdict::Exceeds;
  return RangeVerdict::Ok;
}

bool Verifier::provably_different(const Expr& a, const Expr& b, int scope) {
  if (a == b) return false;
  return or_if_overflow([&] { return excludes_zero(bounds_in(a - b, scope)); }, false);
}

std::optional<Expr> Verifier::size_of(const Subset& subset) {
  return or_if_overflow([&] { return std::optional(subset_size(subset)); }, std::optional<Expr>());
}

}  // namespace verify_detail

std::vector<Diagnostic> verify(const Program& program) {
  std::vector<Diagnostic> out;
  verify_detail::Verifier(program, IrPath(), out).run();
  return out;
}

void verify_or_throw(const Program& program) {
  auto diagnostics = verify(program);
  if (!diagnostics.empty()) throw UserError(std::move(diagnostics));
}

}  // namespace sluice::ir
