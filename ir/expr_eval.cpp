// Traversals of symbolic expressions: evaluation, substitution and free symbols. They use
// only the public API; substitution rebuilds through the canonicalizing constructors.

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "ir/diagnostic.h"
#include "ir/expr.h"

namespace sluice::ir {
namespace {

class Evaluator {
public:
  Evaluator(const Expr& root, const std::map<std::string, std::int64_t>& values)
      : root_(root), values_(values) {}

  std::int64_t eval(const Expr& e) {
    const auto& ops = e.operands();
    switch (e.kind()) {
      case ExprKind::Constant: return *e.constant_value();
      case ExprKind::Symbol: {
        auto it = values_.find(e.symbol_name());
        if (it == values_.end()) fail("unbound symbol '" + e.symbol_name() + "'");
        return it->second;
      }
      case ExprKind::Add:
      case ExprKind::Mul: {
        std::int64_t acc = eval(ops.front());
        for (std::size_t i = 1; i < ops.size(); ++i) {
          std::int64_t v = eval(ops[i]);
          bool overflow = e.kind() == ExprKind::Add ? __builtin_add_overflow(acc, v, &acc)
                                                    : __builtin_mul_overflow(acc, v, &acc);
          if (overflow) fail("integer overflow");
        }
        return acc;
      }
      case ExprKind::FloorDiv:
      case ExprKind::Mod: {
        std::int64_t a = eval(ops[0]);
        std::int64_t b = eval(ops[1]);
        bool is_div = e.kind() == ExprKind::FloorDiv;
        if (b == 0) fail(is_div ? "division by zero" : "modulo by zero", &e);
        if (b == -1) {  // a % -1 is 0; a / -1 overflows only for INT64_MIN
          if (!is_div) return 0;
          if (a == std::numeric_limits<std::int64_t>::min()) fail("integer overflow");
          return -a;
        }
        std::int64_t q = a / b;
        std::int64_t r = a % b;
        if (r != 0 && ((r < 0) != (b < 0))) {  // Python rounds toward negative infinity
          --q;
          r += b;
        }
        return is_div ? q : r;
      }
      case ExprKind::Min:
      case ExprKind::Max: {
        std::int64_t acc = eval(ops.front());
        for (std::size_t i = 1; i < ops.size(); ++i) {
          std::int64_t v = eval(ops[i]);
          acc = e.kind() == ExprKind::Min ? std::min(acc, v) : std::max(acc, v);
        }
        return acc;
      }
    }
    SLUICE_CHECK(false, "unknown expression kind");
    return 0;
  }

private:
  /// The message says what went wrong; the notes where.
  [[noreturn]] void fail(const std::string& message, const Expr* where = nullptr) const {
    Diagnostic d{Severity::Error, "", message, {}};
    if (where != nullptr) d.notes.push_back("in '" + where->str() + "'");
    d.notes.push_back("while evaluating '" + root_.str() + "'");
    throw UserError(std::move(d));
  }

  const Expr& root_;
  const std::map<std::string, std::int64_t>& values_;
};

class Substituter {
public:
  explicit Substituter(const std::map<std::string, Expr>& replacements)
      : replacements_(replacements) {}

  Expr rebuild(const Expr& e) {
    switch (e.kind()) {
      case ExprKind::Constant: return e;
      case ExprKind::Symbol: {
        auto it = replacements_.find(e.symbol_name());
        return it == replacements_.end() ? e : it->second;
      }
      default: break;
    }
    // Memoized: a hash-consed expression is a DAG and may share subexpressions.
    if (auto it = memo_.find(e.node()); it != memo_.end()) return it->second;
    std::vector<Expr> ops;
    ops.reserve(e.operands().size());
    bool changed = false;
    for (const Expr& op : e.operands()) {
      ops.push_back(rebuild(op));
      changed = changed || !(ops.back() == op);
    }
    Expr result = e;  // unchanged operands: the node is already canonical
    if (changed) {
      switch (e.kind()) {
        case ExprKind::Add: result = sum(ops); break;
        case ExprKind::Mul: result = product(ops); break;
        case ExprKind::FloorDiv: result = floordiv(ops[0], ops[1]); break;
        case ExprKind::Mod: result = mod(ops[0], ops[1]); break;
        case ExprKind::Min: result = min(ops); break;
        default: result = max(ops);
      }
    }
    memo_.emplace(e.node(), result);
    return result;
  }

private:
  const std::map<std::string, Expr>& replacements_;
  std::unordered_map<const ExprNode*, Expr> memo_;
};

void collect_symbols(const Expr& e, std::vector<std::string>& out) {
  if (e.is_symbol()) {
    out.push_back(e.symbol_name());
    return;
  }
  for (const Expr& op : e.operands()) collect_symbols(op, out);
}

}  // namespace

std::vector<std::string> Expr::free_symbols() const {
  std::vector<std::string> names;
  collect_symbols(*this, names);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::int64_t Expr::evaluate(const std::map<std::string, std::int64_t>& values) const {
  return Evaluator(*this, values).eval(*this);
}

Expr Expr::substitute(const std::map<std::string, Expr>& replacements) const {
  if (replacements.empty()) return *this;
  return Substituter(replacements).rebuild(*this);
}

}  // namespace sluice::ir
