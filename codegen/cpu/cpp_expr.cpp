#include "codegen/cpu/cpp_expr.h"

#include <cstdint>

namespace sluice::codegen {

std::string cpp_symbol(const std::string& name) { return "s_" + name; }

std::string cpp_expr(const ir::Expr& expr) {
  const auto join = [&](const char* op) {
    std::string out = "(";
    const auto& operands = expr.operands();
    for (std::size_t i = 0; i < operands.size(); ++i) out += (i ? op : "") + cpp_expr(operands[i]);
    return out + ")";
  };
  const auto fold = [&](const char* fn) {
    const auto& operands = expr.operands();
    std::string out = cpp_expr(operands.back());
    for (std::size_t i = operands.size() - 1; i-- > 0;)
      out = std::string(fn)
                .append("(")
                .append(cpp_expr(operands[i]))
                .append(", ")
                .append(out)
                .append(")");
    return out;
  };
  switch (expr.kind()) {
    case ir::ExprKind::Constant: {
      // Every non-constant operand is an int64_t, so an int literal is promoted before it could
      // overflow; only constants beyond int's range need the suffix.
      const std::int64_t v = *expr.constant_value();
      const bool fits_int = v >= INT32_MIN && v <= INT32_MAX;
      const std::string text = std::to_string(v) + (fits_int ? "" : "LL");
      return v < 0 ? "(" + text + ")" : text;
    }
    case ir::ExprKind::Symbol: return cpp_symbol(expr.symbol_name());
    case ir::ExprKind::Add: return join(" + ");
    case ir::ExprKind::Mul: return join(" * ");
    case ir::ExprKind::FloorDiv: return fold("sl_floordiv");
    case ir::ExprKind::Mod: return fold("sl_mod");
    case ir::ExprKind::Min: return fold("sl_min");
    case ir::ExprKind::Max: return fold("sl_max");
  }
  return "0";
}

}  // namespace sluice::codegen
