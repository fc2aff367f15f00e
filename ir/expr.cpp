// Symbolic integer expressions: nodes, the intern table, the structural order and the
// canonicalizing constructors. The rest uses only the public API: the text form (printer and
// parser) is in expr_text.cpp, evaluation and substitution in expr_eval.cpp, interval bounds
// in expr_bounds.cpp.
//
// Every constructor returns a canonical node (see the rules in expr.h). The building blocks:
//  - `SumBuilder` collects `coefficient*monomial` terms (a monomial is a span of factors that
//    lives inside an immortal node) and builds the canonical Add;
//  - `build_product`, `build_floordiv`, `build_mod`, `build_min_max` canonicalize the others;
//  - `intern` hash-conses a node whose operands are already canonical.
// Nodes are immortal, so spans into their operand vectors stay valid forever.

#include "ir/expr.h"

#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <mutex>
#include <new>
#include <span>
#include <type_traits>

#include "ir/diagnostic.h"

namespace sluice::ir {

struct ExprNode {
  ExprKind kind;
  std::int64_t value;          // Constant
  std::string name;            // Symbol
  std::vector<Expr> operands;  // composite kinds, canonical
  std::size_t hash;            // stable_hash of the above
};

struct ExprFactory {
  static Expr wrap(const ExprNode* node) { return Expr(node); }
};

namespace {

using Span = std::span<const Expr>;
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

/// Products of sums are expanded only while the expansion has at most this many terms, so a
/// pathological input cannot blow up exponentially.
constexpr std::size_t kMaxExpandedTerms = 256;

Expr wrap(const ExprNode* node) { return ExprFactory::wrap(node); }

/// A vector that keeps its first N elements inline: the constructors build many short operand
/// lists, and a heap allocation for each would cost more than the rest of the work.
template <typename T, std::size_t N>
class SmallVec {
  static_assert(std::is_trivially_copyable_v<T>);

public:
  SmallVec() = default;
  SmallVec(const SmallVec&) = delete;
  SmallVec& operator=(const SmallVec&) = delete;

  void push_back(const T& value) {
    if (heap_.empty()) {
      if (size_ < N) {
        new (inline_data() + size_) T(value);
        ++size_;
        return;
      }
      heap_.reserve(2 * N);
      heap_.assign(inline_data(), inline_data() + size_);
    }
    heap_.push_back(value);
    size_ = heap_.size();
  }
  void truncate(std::size_t n) {
    size_ = n;
    if (!heap_.empty()) heap_.erase(heap_.begin() + static_cast<std::ptrdiff_t>(n), heap_.end());
  }
  T* data() { return heap_.empty() ? inline_data() : heap_.data(); }
  const T* data() const { return heap_.empty() ? inline_data() : heap_.data(); }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](std::size_t i) { return data()[i]; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  operator std::span<const T>() const { return {data(), size_}; }  // NOLINT: used as a view

private:
  T* inline_data() { return std::launder(reinterpret_cast<T*>(storage_.data())); }
  const T* inline_data() const { return std::launder(reinterpret_cast<const T*>(storage_.data())); }

  alignas(T) std::array<unsigned char, N * sizeof(T)> storage_;
  std::size_t size_ = 0;
  std::vector<T> heap_;  // in use once non-empty
};

using ExprVec = SmallVec<Expr, 8>;

/// Sorts the short operand lists the constructors see with an insertion sort (cheaper than
/// std::sort there, and linear on input that is already in order), long ones with std::sort.
template <typename T, typename Less>
void sort_operands(T* first, T* last, Less less) {
  if (last - first > 16) {
    std::sort(first, last, less);
    return;
  }
  for (T* i = first + 1; i < last; ++i) {
    if (!less(*i, *(i - 1))) continue;
    T value = *i;
    T* j = i;
    do {
      *j = *(j - 1);
      --j;
    } while (j > first && less(value, *(j - 1)));
    *j = value;
  }
}

// ---------------------------------------------------------------------------------------------
// Errors and checked arithmetic

[[noreturn]] void throw_overflow(std::int64_t a, const char* op, std::int64_t b) {
  throw UserError("",
                  "integer overflow in " + std::to_string(a) + " " + op + " " + std::to_string(b));
}

std::int64_t checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) throw_overflow(a, "+", b);
  return r;
}

std::int64_t checked_mul(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) throw_overflow(a, "*", b);
  return r;
}

/// Python's `a // b` for b != 0; nullopt when it overflows (INT64_MIN // -1).
std::optional<std::int64_t> py_floordiv(std::int64_t a, std::int64_t b) {
  if (b == -1) {
    if (a == kInt64Min) return std::nullopt;
    return -a;
  }
  std::int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

/// Python's `a % b` for b != 0 (the result has the sign of b); never overflows.
std::int64_t py_mod(std::int64_t a, std::int64_t b) {
  if (b == -1) return 0;
  std::int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

std::uint64_t magnitude(std::int64_t v) {
  return v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
}

std::uint64_t gcd_u64(std::uint64_t a, std::uint64_t b) {
  while (b != 0) {
    std::uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// Stable hashing: FNV-1a style word mixing plus a final avalanche; the same on every run.

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;

std::uint64_t mix(std::uint64_t h, std::uint64_t word) { return (h ^ word) * kFnvPrime; }

std::uint64_t avalanche(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

std::size_t stable_hash(ExprKind kind, std::int64_t value, std::string_view name, Span operands) {
  std::uint64_t h = mix(kFnvOffset, static_cast<std::uint64_t>(kind) + 1);
  switch (kind) {
    case ExprKind::Constant: h = mix(h, static_cast<std::uint64_t>(value)); break;
    case ExprKind::Symbol:
      for (unsigned char c : name) h = mix(h, c);
      h = mix(h, name.size());
      break;
    default:
      h = mix(h, operands.size());
      for (const Expr& e : operands) h = mix(h, e.hash());
  }
  return static_cast<std::size_t>(avalanche(h));
}

// ---------------------------------------------------------------------------------------------
// The intern table: 16 shards, each an open-addressing hash set under its own mutex.

struct Key {
  ExprKind kind;
  std::int64_t value;
  std::string_view name;
  Span operands;
  std::size_t hash;
};

bool node_matches(const ExprNode& node, const Key& key) {
  if (node.hash != key.hash || node.kind != key.kind) return false;
  switch (key.kind) {
    case ExprKind::Constant: return node.value == key.value;
    case ExprKind::Symbol: return node.name == key.name;
    default:
      return std::equal(node.operands.begin(), node.operands.end(), key.operands.begin(),
                        key.operands.end());
  }
}

class InternTable {
public:
  /// The node for `key`, created on first use.
  const ExprNode* intern(const Key& key) {
    Shard& shard = shards_[key.hash >> (64 - kShardBits)];
    std::lock_guard<std::mutex> lock(shard.mutex);
    std::size_t mask = shard.slots.size() - 1;
    std::size_t i = key.hash & mask;
    while (const ExprNode* node = shard.slots[i]) {
      if (node_matches(*node, key)) return node;
      i = (i + 1) & mask;
    }
    const ExprNode* node = &shard.nodes.emplace_back(
        ExprNode{key.kind, key.value, std::string(key.name),
                 std::vector<Expr>(key.operands.begin(), key.operands.end()), key.hash});
    shard.slots[i] = node;
    if (++shard.count * 4 > shard.slots.size() * 3) grow(shard);
    return node;
  }

private:
  static constexpr int kShardBits = 4;
  struct Shard {
    std::mutex mutex;
    std::vector<const ExprNode*> slots = std::vector<const ExprNode*>(256, nullptr);
    std::size_t count = 0;
    std::deque<ExprNode> nodes;  // a deque never moves its elements
  };

  static void grow(Shard& shard) {
    std::vector<const ExprNode*> slots(shard.slots.size() * 2, nullptr);
    std::size_t mask = slots.size() - 1;
    for (const ExprNode* node : shard.slots) {
      if (node == nullptr) continue;
      std::size_t i = node->hash & mask;
      while (slots[i] != nullptr) i = (i + 1) & mask;
      slots[i] = node;
    }
    shard.slots = std::move(slots);
  }

  std::array<Shard, std::size_t{1} << kShardBits> shards_;
};

InternTable& table() {
  static auto* instance = new InternTable;  // never destroyed: nodes outlive static destructors
  return *instance;
}

const ExprNode* intern_constant(std::int64_t value) {
  Key key{ExprKind::Constant, value, {}, {}, stable_hash(ExprKind::Constant, value, {}, {})};
  return table().intern(key);
}

constexpr std::int64_t kSmallMin = -64;
constexpr std::int64_t kSmallMax = 255;

const ExprNode* constant_node(std::int64_t value) {
  static const auto kSmallNodes = [] {
    std::array<const ExprNode*, kSmallMax - kSmallMin + 1> nodes{};
    for (std::int64_t v = kSmallMin; v <= kSmallMax; ++v) nodes[v - kSmallMin] = intern_constant(v);
    return nodes;
  }();
  if (value >= kSmallMin && value <= kSmallMax) return kSmallNodes[value - kSmallMin];
  return intern_constant(value);
}

Expr constant(std::int64_t value) { return wrap(constant_node(value)); }

/// Interns a composite node whose operands are already canonical.
Expr make(ExprKind kind, Span operands) {
  Key key{kind, 0, {}, operands, stable_hash(kind, 0, {}, operands)};
  return wrap(table().intern(key));
}

Expr make2(ExprKind kind, const Expr& a, const Expr& b) {
  std::array<Expr, 2> ops = {a, b};
  return make(kind, ops);
}

// ---------------------------------------------------------------------------------------------
// The structural order

int kind_rank(ExprKind kind) {
  switch (kind) {
    case ExprKind::Constant: return 0;
    case ExprKind::Symbol: return 1;
    case ExprKind::FloorDiv: return 2;
    case ExprKind::Mod: return 3;
    case ExprKind::Min: return 4;
    case ExprKind::Max: return 5;
    case ExprKind::Mul: return 6;
    case ExprKind::Add: return 7;
  }
  return 8;
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// Case-insensitively first (`i*N`, not `N*i`), then by bytes, so the order is total.
int compare_names(const std::string& a, const std::string& b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    char x = ascii_lower(a[i]);
    char y = ascii_lower(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return (c > 0) - (c < 0);
}

int compare(const ExprNode* a, const ExprNode* b);

int compare_spans(Span a, Span b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (int c = compare(a[i].node(), b[i].node())) return c;
  }
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return 0;
}

int compare(const ExprNode* a, const ExprNode* b) {
  if (a == b) return 0;
  if (a->kind != b->kind) return kind_rank(a->kind) < kind_rank(b->kind) ? -1 : 1;
  switch (a->kind) {
    case ExprKind::Constant: return a->value < b->value ? -1 : (a->value > b->value ? 1 : 0);
    case ExprKind::Symbol: return compare_names(a->name, b->name);
    default: return compare_spans(a->operands, b->operands);
  }
}

bool less(const Expr& a, const Expr& b) { return compare(a.node(), b.node()) < 0; }

bool same_span(Span a, Span b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

/// Sum terms: higher degree first, then structurally; the constant (empty monomial) last.
bool monomial_less(Span a, Span b) {
  if (a.size() != b.size()) return a.size() > b.size();
  return compare_spans(a, b) < 0;
}

// ---------------------------------------------------------------------------------------------
// Sums

/// One `coeff*monomial` term of a sum. `original` is the term as it came in, with coefficient
/// `original_coeff`, so an unchanged term is reused instead of re-interned.
struct Term {
  std::int64_t coeff;
  Expr single;          // the monomial when it is a single factor (factors == nullptr)
  const Expr* factors;  // else the factors of a Mul node
  std::uint32_t count;
  Expr original;
  std::int64_t original_coeff;

  [[nodiscard]] Span monomial() const { return factors ? Span(factors, count) : Span(&single, 1); }
};

/// Splits a non-constant, non-Add term into coefficient and monomial.
Term split_term(const Expr& t) {
  const ExprNode* node = t.node();
  if (node->kind == ExprKind::Mul) {
    const auto& ops = node->operands;
    bool has_coeff = ops.front().is_constant();
    std::int64_t c = has_coeff ? ops.front().node()->value : 1;
    return Term{c,
                t,
                ops.data() + (has_coeff ? 1 : 0),
                static_cast<std::uint32_t>(ops.size() - (has_coeff ? 1 : 0)),
                t,
                c};
  }
  return Term{1, t, nullptr, 1, t, 1};
}

/// The terms and the constant of an expression seen as a sum.
using TermVec = SmallVec<Term, 8>;

void split_sum(const Expr& e, TermVec& terms, std::int64_t& constant) {
  auto take = [&](const Expr& t) {
    if (t.is_constant()) {
      constant = t.node()->value;
    } else {
      terms.push_back(split_term(t));
    }
  };
  constant = 0;
  if (e.kind() == ExprKind::Add) {
    for (const Expr& t : e.node()->operands) take(t);
  } else {
    take(e);
  }
}

Expr make_term(const Term& t) {
  if (t.coeff == t.original_coeff) return t.original;
  Span m = t.monomial();
  if (t.coeff == 1 && m.size() == 1) return m.front();
  ExprVec ops;
  if (t.coeff != 1) ops.push_back(constant(t.coeff));
  for (const Expr& f : m) ops.push_back(f);
  return make(ExprKind::Mul, ops);
}

class SumBuilder {
public:
  SumBuilder() = default;

  /// Adds `scale * e`.
  void add(const Expr& e, std::int64_t scale) {
    if (scale == 0) return;
    const ExprNode* node = e.node();
    if (node->kind == ExprKind::Add) {
      for (const Expr& t : node->operands) add_term(t, scale);
    } else {
      add_term(e, scale);
    }
  }
  void add_constant(std::int64_t c) { constant_ = checked_add(constant_, c); }
  void push(const Term& t) { terms_.push_back(t); }
  [[nodiscard]] bool empty() const { return terms_.empty() && constant_ == 0; }

  Expr build() {
    if (terms_.size() > 1) {
      auto by_monomial = [](const Term& a, const Term& b) {
        return monomial_less(a.monomial(), b.monomial());
      };
      sort_operands(terms_.begin(), terms_.end(), by_monomial);
      std::size_t kept = 0;
      for (const Term& t : terms_) {  // like terms are adjacent now: merge them
        if (kept > 0 && same_span(terms_[kept - 1].monomial(), t.monomial())) {
          terms_[kept - 1].coeff = checked_add(terms_[kept - 1].coeff, t.coeff);
        } else {
          terms_[kept++] = t;
        }
      }
      terms_.truncate(kept);
    }
    ExprVec ops;
    for (const Term& t : terms_) {
      if (t.coeff != 0) ops.push_back(make_term(t));
    }
    if (constant_ != 0) ops.push_back(constant(constant_));
    if (ops.empty()) return constant(0);
    if (ops.size() == 1) return ops[0];
    return make(ExprKind::Add, ops);
  }

private:
  void add_term(const Expr& t, std::int64_t scale) {
    if (t.is_constant()) {
      add_constant(checked_mul(t.node()->value, scale));
      return;
    }
    Term term = split_term(t);
    term.coeff = checked_mul(term.coeff, scale);
    terms_.push_back(term);
  }

  TermVec terms_;
  std::int64_t constant_ = 0;
};

Expr build_sum(Span inputs) {
  SumBuilder builder;
  for (const Expr& e : inputs) builder.add(e, 1);
  return builder.build();
}

Expr negate(const Expr& e) {
  if (auto v = e.constant_value()) {
    if (*v == kInt64Min) throw_overflow(0, "-", *v);
    return constant(-*v);
  }
  SumBuilder builder;
  builder.add(e, -1);
  return builder.build();
}

// ---------------------------------------------------------------------------------------------
// Products

Expr build_product(Span inputs);

/// Multiplies out `coeff * factors` where some factors are sums (the caller checked the size).
Expr expand_product(std::int64_t coeff, Span factors) {
  std::vector<Expr> fixed;
  std::vector<Span> sums;
  if (coeff != 1) fixed.push_back(constant(coeff));
  for (const Expr& f : factors) {
    if (f.kind() == ExprKind::Add) {
      sums.emplace_back(f.node()->operands);
    } else {
      fixed.push_back(f);
    }
  }
  std::vector<std::size_t> index(sums.size(), 0);
  std::vector<Expr> parts;
  SumBuilder builder;
  while (true) {
    parts = fixed;
    for (std::size_t s = 0; s < sums.size(); ++s) parts.push_back(sums[s][index[s]]);
    // A term of a sum is never a sum, and any sum factor inside it was left unexpanded for
    // being too large, which it still is here: this recursion does not expand again.
    builder.add(build_product(parts), 1);
    std::size_t s = 0;
    while (s < sums.size() && ++index[s] == sums[s].size()) index[s++] = 0;
    if (s == sums.size()) break;
  }
  return builder.build();
}

Expr build_product(Span inputs) {
  for (const Expr& e : inputs) {
    if (e.node()->kind == ExprKind::Constant && e.node()->value == 0) return e;
  }
  std::int64_t coeff = 1;
  ExprVec factors;
  std::size_t sums = 0;
  for (const Expr& e : inputs) {
    const ExprNode* node = e.node();
    switch (node->kind) {
      case ExprKind::Constant: coeff = checked_mul(coeff, node->value); break;
      case ExprKind::Mul:
        for (const Expr& f : node->operands) {
          if (f.is_constant()) {
            coeff = checked_mul(coeff, f.node()->value);
          } else {
            sums += f.kind() == ExprKind::Add ? 1 : 0;
            factors.push_back(f);
          }
        }
        break;
      case ExprKind::Add:
        ++sums;
        factors.push_back(e);
        break;
      default: factors.push_back(e);
    }
  }
  if (factors.empty()) return constant(coeff);
  if (sums > 0) {
    if (factors.size() == 1) {  // c * (a + b): always distribute, it does not grow
      if (coeff == 1) return factors[0];
      SumBuilder builder;
      builder.add(factors[0], coeff);
      return builder.build();
    }
    std::size_t terms = 1;
    for (const Expr& f : factors) {
      if (f.kind() == ExprKind::Add) {
        terms *= f.node()->operands.size();
        if (terms > kMaxExpandedTerms) break;
      }
    }
    if (terms <= kMaxExpandedTerms) return expand_product(coeff, factors);
  }
  sort_operands(factors.begin(), factors.end(), less);
  if (coeff == 1) return factors.size() == 1 ? factors[0] : make(ExprKind::Mul, factors);
  ExprVec ops;
  ops.push_back(constant(coeff));
  for (const Expr& f : factors) ops.push_back(f);
  return make(ExprKind::Mul, ops);
}

// ---------------------------------------------------------------------------------------------
// Floor division and modulo

std::optional<std::int64_t> positive_constant_divisor(const Expr& e, ExprKind kind) {
  if (e.kind() != kind) return std::nullopt;
  auto d = e.node()->operands[1].constant_value();
  if (d && *d > 0) return d;
  return std::nullopt;
}

/// `a` split against a divisor d >= 2: every coefficient c (the constant included) becomes
/// d*q + r with r = c - d*trunc(c/d); the q parts form `quotient`, the r parts the numerator
/// left under the division, divided by the common factor `g` of its coefficients and d.
struct DivisionSplit {
  SumBuilder quotient;
  TermVec rest;
  std::int64_t rest_constant = 0;
  std::int64_t g = 1;
};

void split_division(const Expr& a, std::int64_t d, DivisionSplit& out) {
  TermVec terms;
  std::int64_t c = 0;
  split_sum(a, terms, c);
  auto g = static_cast<std::uint64_t>(d);
  for (Term t : terms) {
    std::int64_t q = t.coeff / d;
    std::int64_t r = t.coeff % d;
    if (q != 0) {
      Term qt = t;
      qt.coeff = q;
      out.quotient.push(qt);
    }
    if (r != 0) {
      t.coeff = r;
      out.rest.push_back(t);
      g = gcd_u64(g, magnitude(r));
    }
  }
  out.quotient.add_constant(c / d);
  out.rest_constant = c % d;
  if (out.rest.empty()) return;  // a constant remainder is handled by the caller as is
  if (out.rest_constant != 0) g = gcd_u64(g, magnitude(out.rest_constant));
  out.g = static_cast<std::int64_t>(g);
  if (out.g > 1) {
    for (Term& t : out.rest) t.coeff /= out.g;
    out.rest_constant /= out.g;
  }
}

Expr build_rest(const DivisionSplit& split) {
  SumBuilder builder;
  for (const Term& t : split.rest) builder.push(t);
  builder.add_constant(split.rest_constant);
  return builder.build();
}

Expr build_floordiv(const Expr& a, const Expr& b) {
  auto divisor = b.constant_value();
  auto keep = [&] { return make2(ExprKind::FloorDiv, a, b); };
  if (!divisor) return a == Expr() ? a : keep();
  std::int64_t d = *divisor;
  if (d == 0) return keep();
  if (auto value = a.constant_value()) {
    auto q = py_floordiv(*value, d);
    if (!q) throw_overflow(*value, "//", d);
    return constant(*q);
  }
  if (d == 1) return a;
  if (d == -1) return negate(a);
  if (d < 0) return d == kInt64Min ? keep() : build_floordiv(negate(a), constant(-d));

  DivisionSplit split;
  split_division(a, d, split);
  Expr inner;
  if (split.rest.empty()) {
    // Only a constant r with |r| < d is left: floor(r / d) is 0 or -1.
    inner = constant(*py_floordiv(split.rest_constant, d));
  } else {
    std::int64_t divisor_left = d / split.g;
    Expr numerator = build_rest(split);
    if (auto d1 = positive_constant_divisor(numerator, ExprKind::Mod); d1 && *d1 <= divisor_left) {
      inner = constant(0);  // mod(x, d1) lies in [0, d1 - 1]
    } else if (auto d2 = positive_constant_divisor(numerator, ExprKind::FloorDiv)) {
      std::int64_t product;
      if (__builtin_mul_overflow(*d2, divisor_left, &product)) {
        inner = make2(ExprKind::FloorDiv, numerator, constant(divisor_left));
      } else {
        inner = build_floordiv(numerator.node()->operands[0], constant(product));
      }
    } else {
      inner = make2(ExprKind::FloorDiv, numerator, constant(divisor_left));
    }
  }
  if (split.quotient.empty()) return inner;
  split.quotient.add(inner, 1);
  return split.quotient.build();
}

Expr build_mod(const Expr& a, const Expr& b) {
  auto divisor = b.constant_value();
  auto keep = [&] { return make2(ExprKind::Mod, a, b); };
  if (!divisor) return a == Expr() ? a : keep();
  std::int64_t d = *divisor;
  if (d == 0) return keep();
  if (auto value = a.constant_value()) return constant(py_mod(*value, d));
  if (d == 1 || d == -1) return constant(0);
  if (d < 0) return d == kInt64Min ? keep() : negate(build_mod(negate(a), constant(-d)));

  DivisionSplit split;
  split_division(a, d, split);
  if (split.rest.empty()) return constant(py_mod(split.rest_constant, d));
  std::int64_t divisor_left = d / split.g;
  Expr numerator = build_rest(split);
  Expr inner;
  if (auto d1 = positive_constant_divisor(numerator, ExprKind::Mod)) {
    if (*d1 <= divisor_left) {
      inner = numerator;  // already in [0, d1 - 1]
    } else if (*d1 % divisor_left == 0) {
      inner = build_mod(numerator.node()->operands[0], constant(divisor_left));
    } else {
      inner = make2(ExprKind::Mod, numerator, constant(divisor_left));
    }
  } else {
    inner = make2(ExprKind::Mod, numerator, constant(divisor_left));
  }
  if (split.g == 1) return inner;
  std::array<Expr, 2> parts = {constant(split.g), inner};
  return build_product(parts);
}

// ---------------------------------------------------------------------------------------------
// Min and max

/// Operands in min/max order: structural, but the constant last (`min(M, 32)`).
bool min_max_operand_less(const Expr& a, const Expr& b) {
  bool ca = a.is_constant();
  bool cb = b.is_constant();
  if (ca != cb) return cb;
  return less(a, b);
}

Expr build_min_max(ExprKind kind, Span inputs) {
  SLUICE_CHECK(!inputs.empty(), "min/max of no operands");
  // Each operand is base + offset (the base a span of sum terms) so that operands that differ
  // by a constant meet in one group, of which only the extreme one is kept.
  struct Item {
    Expr e;
    const Expr* base;  // null: the base is `e` itself (base_size 1) or empty (a constant)
    std::uint32_t base_size;
    std::int64_t offset;
    [[nodiscard]] Span base_span() const {
      if (base_size == 0) return {};
      return base ? Span(base, base_size) : Span(&e, 1);
    }
  };
  SmallVec<Item, 8> items;
  auto take = [&](const Expr& e) {
    const ExprNode* node = e.node();
    if (node->kind == ExprKind::Constant) {
      items.push_back(Item{e, nullptr, 0, node->value});
    } else if (node->kind == ExprKind::Add) {
      const auto& ops = node->operands;
      bool has_constant = ops.back().is_constant();
      items.push_back(Item{e, ops.data(),
                           static_cast<std::uint32_t>(ops.size() - (has_constant ? 1 : 0)),
                           has_constant ? ops.back().node()->value : 0});
    } else {
      items.push_back(Item{e, nullptr, 1, 0});
    }
  };
  for (const Expr& e : inputs) {
    if (e.kind() == kind) {
      for (const Expr& op : e.node()->operands) take(op);
    } else {
      take(e);
    }
  }
  auto base_of = [](const Item& item) { return item.base_span(); };
  if (items.size() > 1) {
    sort_operands(items.begin(), items.end(), [&](const Item& x, const Item& y) {
      if (int c = compare_spans(base_of(x), base_of(y))) return c < 0;
      return x.offset < y.offset;
    });
  }
  ExprVec ops;
  for (std::size_t i = 0; i < items.size();) {
    std::size_t j = i + 1;
    while (j < items.size() && same_span(base_of(items[i]), base_of(items[j]))) ++j;
    ops.push_back(kind == ExprKind::Min ? items[i].e : items[j - 1].e);
    i = j;
  }
  if (ops.size() == 1) return ops[0];
  sort_operands(ops.begin(), ops.end(), min_max_operand_less);
  return make(kind, ops);
}

bool is_identifier(std::string_view name) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (name.empty() || !alpha(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The public API

Expr::Expr() : node_(constant_node(0)) {}
Expr::Expr(std::int64_t value) : node_(constant_node(value)) {}

Expr Expr::constant(std::int64_t value) { return Expr(value); }

Expr Expr::symbol(std::string_view name) {
  if (!is_identifier(name)) {
    throw UserError("", "invalid symbol name '" + std::string(name) +
                            "': expected an identifier ([A-Za-z_][A-Za-z0-9_]*)");
  }
  Key key{ExprKind::Symbol, 0, name, {}, stable_hash(ExprKind::Symbol, 0, name, {})};
  return Expr(table().intern(key));
}

ExprKind Expr::kind() const { return node_->kind; }

std::optional<std::int64_t> Expr::constant_value() const {
  if (node_->kind != ExprKind::Constant) return std::nullopt;
  return node_->value;
}

const std::string& Expr::symbol_name() const { return node_->name; }

const std::vector<Expr>& Expr::operands() const { return node_->operands; }

std::size_t Expr::hash() const { return node_->hash; }

bool Expr::operator<(const Expr& other) const { return compare(node_, other.node_) < 0; }

Expr operator+(const Expr& a, const Expr& b) {
  auto x = a.constant_value();
  auto y = b.constant_value();
  if (x && y) return Expr(checked_add(*x, *y));
  if (y == 0) return a;
  if (x == 0) return b;
  std::array<Expr, 2> ops = {a, b};
  return build_sum(ops);
}

Expr operator-(const Expr& a, const Expr& b) {
  auto x = a.constant_value();
  auto y = b.constant_value();
  if (x && y) {
    std::int64_t r;
    if (__builtin_sub_overflow(*x, *y, &r)) throw_overflow(*x, "-", *y);
    return Expr(r);
  }
  if (y == 0) return a;
  SumBuilder builder;
  builder.add(a, 1);
  builder.add(b, -1);
  return builder.build();
}

Expr operator-(const Expr& a) { return negate(a); }

Expr operator*(const Expr& a, const Expr& b) {
  auto x = a.constant_value();
  auto y = b.constant_value();
  if (x && y) return Expr(checked_mul(*x, *y));
  if (y == 1) return a;
  if (x == 1) return b;
  std::array<Expr, 2> ops = {a, b};
  return build_product(ops);
}

Expr floordiv(const Expr& a, const Expr& b) { return build_floordiv(a, b); }
Expr mod(const Expr& a, const Expr& b) { return build_mod(a, b); }

Expr min(const Expr& a, const Expr& b) {
  if (a == b) return a;
  std::array<Expr, 2> ops = {a, b};
  return build_min_max(ExprKind::Min, ops);
}

Expr max(const Expr& a, const Expr& b) {
  if (a == b) return a;
  std::array<Expr, 2> ops = {a, b};
  return build_min_max(ExprKind::Max, ops);
}

Expr sum(const std::vector<Expr>& terms) { return build_sum(terms); }
Expr product(const std::vector<Expr>& factors) { return build_product(factors); }
Expr min(const std::vector<Expr>& operands) { return build_min_max(ExprKind::Min, operands); }
Expr max(const std::vector<Expr>& operands) { return build_min_max(ExprKind::Max, operands); }

}  // namespace sluice::ir
