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
  /// A total order that is stable across runs (structural, not by address).
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

/// A closed integer interval; nullopt bounds are unbounded.
struct Interval {
  std::optional<std::int64_t> lo;
  std::optional<std::int64_t> hi;
  bool operator==(const Interval&) const = default;
};

/// Sound interval bounds of `e` given intervals for its symbols (unlisted symbols are unbounded).
Interval bounds(const Expr& e, const std::map<std::string, Interval>& symbol_ranges);

/// Parses the text form (`str()`), also accepting `a // b` and `a % b`, parentheses, unary
/// minus and arbitrary whitespace. Throws `UserError` with the column of the problem.
Expr parse_expr(std::string_view text);

}  // namespace sluice::ir

template <>
struct std::hash<sluice::ir::Expr> {
  std::size_t operator()(const sluice::ir::Expr& e) const noexcept {
    return std::hash<const void*>()(e.node());
  }
};
