#pragma once
/// Symbolic integer expressions for shapes, strides, map ranges and memlet subsets.
///
/// An `Expr` is an immutable, hash-consed handle: building the same canonical expression twice
/// yields the same node, so `a == b` is a pointer comparison. Every constructor simplifies to a
/// canonical form (constants folded, like terms collected, operands in a canonical order,
/// floordiv/mod of known multiples resolved), so `(N + 1) * 2 - 2` and `2 * N` are equal.
/// Nodes live for the whole process (interned in a thread-safe table); an `Expr` is one pointer.
///
///   Expr n = Expr::symbol("N");
///   Expr e = (n + 1) * 2 - 2;            // prints "2*N"
///   e.evaluate({{"N", 8}})               // 16
///   bounds(e, {{"N", {1, 64}}})          // [2, 128]
///
/// Canonical form (what the constructors guarantee; `str()` shows it):
///  - Add is a flat sum of terms `coefficient*monomial`, like terms collected, no zero terms,
///    at most one constant, which comes last; terms by decreasing degree (number of factors),
///    then structurally. A one-term sum is that term.
///  - Mul is a flat product: the constant coefficient first (absent when 1; the product is 0
///    when it is 0), then the factors sorted structurally (a repeated factor stands for a
///    power: `N*N`). Products of sums are expanded into a polynomial (`(N + 1)*(M + 2)` is
///    `M*N + M + 2*N + 2`) unless the expansion would exceed 256 terms; a constant is always
///    distributed over a sum (`2*(N + 1)` is `2*N + 2`).
///  - floordiv/mod by a constant d: folded with Python semantics when both are constants; a
///    negative d is normalized to a positive one (`floordiv(x, -d)` is `floordiv(-x, d)`);
///    every coefficient c of the numerator (its constant included) with |c| >= d is split as
///    c = d*q + r (r truncated toward 0) and the d*q part leaves the division: floordiv adds
///    it outside, mod drops it (`floordiv(4*i + 8, 4)` is `i + 2`, `floordiv(5*i, 4)` is
///    `i + floordiv(i, 4)`, `mod(4*i + j, 4)` is `mod(j, 4)`); a constant left alone is
///    folded (`mod(4*i + 1, 4)` is `1`); a common factor of every coefficient and d cancels
///    (`floordiv(2*i, 4)` is `floordiv(i, 2)`, `mod(2*i, 4)` is `2*mod(i, 2)`);
///    `floordiv(floordiv(x, a), b)` is `floordiv(x, a*b)`, `mod(mod(x, a), b)` is `mod(x, b)`
///    when b divides a and `mod(x, a)` when a <= b, and `floordiv(mod(x, a), b)` is 0 when
///    a <= b. A divisor that is the constant 0 is kept (evaluate() throws); `x // 1` is x,
///    `mod(x, 1)` is 0, and `floordiv(0, x)` and `mod(0, x)` are 0.
///  - Min/Max are flat, constants folded, duplicates removed, and of operands that differ by
///    a constant only the smallest (Min) or largest (Max) kept (`min(N, N + 1)` is `N`);
///    operands sorted structurally with the constant last (`min(M, 32)`).
///  - Simplifications hold wherever the original expression is defined; they may remove a
///    division by zero (e.g. `0*floordiv(x, 0)` is 0) but never introduce one.
///  - The structural order (operator<) is case-insensitive on names first, so `i*N + j`;
///    `str()` prints a sum's positive terms first (`N - M`, not `-M + N`).
///
/// Integer overflow: folding constants or coefficients beyond int64 throws `UserError`
/// ("integer overflow in A + B"), as does evaluate() ("integer overflow"; the canonical form
/// may overflow where the expression as first written would not); bounds() widens to
/// unbounded instead. Nothing is undefined behaviour.
/// Symbol names are identifiers (`[A-Za-z_][A-Za-z0-9_]*`) so that every expression prints
/// to text that parses back to itself.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::ir {

enum class ExprKind : std::uint8_t { Constant, Symbol, Add, Mul, FloorDiv, Mod, Min, Max };

struct ExprNode;

class Expr {
public:
  /// The constant 0.
  Expr();
  Expr(std::int64_t value);  // NOLINT(google-explicit-constructor): `n + 1` must read naturally
  Expr(int value) : Expr(static_cast<std::int64_t>(value)) {}  // NOLINT(google-explicit-constructor)

  static Expr constant(std::int64_t value);
  /// Throws `UserError` unless `name` is an identifier (`[A-Za-z_][A-Za-z0-9_]*`).
  static Expr symbol(std::string_view name);

  [[nodiscard]] ExprKind kind() const;
  [[nodiscard]] bool is_constant() const { return kind() == ExprKind::Constant; }
  [[nodiscard]] bool is_symbol() const { return kind() == ExprKind::Symbol; }
  /// The value of a Constant; nullopt otherwise.
  [[nodiscard]] std::optional<std::int64_t> constant_value() const;
  /// The name of a Symbol; empty otherwise.
  [[nodiscard]] const std::string& symbol_name() const;
  /// Operands in canonical order (empty for leaves). Add and Mul are n-ary; a Mul's constant
  /// coefficient, if any, is its first operand.
  [[nodiscard]] const std::vector<Expr>& operands() const;

  /// Names of all symbols that occur, sorted.
  [[nodiscard]] std::vector<std::string> free_symbols() const;

  /// Value under the given symbol values. Throws `UserError` naming the first unbound symbol,
  /// or on division or modulo by zero.
  [[nodiscard]] std::int64_t evaluate(const std::map<std::string, std::int64_t>& values) const;

  /// Replaces symbols by expressions (simultaneously) and re-simplifies.
  [[nodiscard]] Expr substitute(const std::map<std::string, Expr>& replacements) const;

  /// Canonical text: `2*N + 1`, `floordiv(i, 4)`, `mod(i, 4)`, `min(M, 32)`, `-N`.
  /// `parse_expr(e.str()) == e` for every expression.
  [[nodiscard]] std::string str() const;

  /// A stable hash (the same across runs and processes) of the canonical form.
  [[nodiscard]] std::size_t hash() const;

  [[nodiscard]] const ExprNode* node() const { return node_; }
  bool operator==(const Expr& other) const { return node_ == other.node_; }
  /// A total order that is stable across runs (structural, not by address): by kind
  /// (constant, symbol, floordiv, mod, min, max, mul, add), then by value, by name (case-
  /// insensitively first) or lexicographically by operands.
  bool operator<(const Expr& other) const;

private:
  explicit Expr(const ExprNode* node) : node_(node) {}
  friend struct ExprFactory;
  const ExprNode* node_;
};

Expr operator+(const Expr& a, const Expr& b);
Expr operator-(const Expr& a, const Expr& b);
Expr operator-(const Expr& a);
Expr operator*(const Expr& a, const Expr& b);
/// Floor division and modulo with Python semantics (the result of mod has the divisor's sign).
Expr floordiv(const Expr& a, const Expr& b);
Expr mod(const Expr& a, const Expr& b);
Expr min(const Expr& a, const Expr& b);
Expr max(const Expr& a, const Expr& b);

/// N-ary forms. Building an n-ary product in one call is not always the same as folding it
/// pairwise: whether products of sums are expanded depends on all the factors together, and
/// `parse_expr` builds every chain `a*b*c` in one call so that `str()` round-trips.
/// `sum({})` is 0 and `product({})` is 1; min and max need at least one operand.
Expr sum(const std::vector<Expr>& terms);
Expr product(const std::vector<Expr>& factors);
Expr min(const std::vector<Expr>& operands);
Expr max(const std::vector<Expr>& operands);

/// A closed integer interval; nullopt bounds are unbounded.
struct Interval {
  std::optional<std::int64_t> lo;
  std::optional<std::int64_t> hi;
  bool operator==(const Interval&) const = default;
};

/// Sound interval bounds of `e` given intervals for its symbols (unlisted symbols are unbounded).
/// Bounds that do not fit in int64 are reported as unbounded.
Interval bounds(const Expr& e, const std::map<std::string, Interval>& symbol_ranges);

/// Parses the text form (`str()`), also accepting `a // b` and `a % b` (Python precedence and
/// semantics), parentheses, unary minus and arbitrary whitespace. `min`/`max` take two or more
/// arguments, `floordiv`/`mod` two. Throws `UserError` with location `column K` (1-based) and
/// a message naming what was expected, e.g. "expected ')' but found end of input"; nesting
/// deeper than 200 levels is refused the same way.
Expr parse_expr(std::string_view text);

}  // namespace sluice::ir

template <>
struct std::hash<sluice::ir::Expr> {
  std::size_t operator()(const sluice::ir::Expr& e) const noexcept {
    return std::hash<const void*>()(e.node());
  }
};
