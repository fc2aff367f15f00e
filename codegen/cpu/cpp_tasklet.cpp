#include "codegen/cpu/cpp_tasklet.h"

#include <charconv>
#include <cmath>
#include <optional>

#include "codegen/cpu/cpp_expr.h"
#include "ir/diagnostic.h"

namespace sluice::codegen {

namespace {

using ir::DType;
using ir::TaskletExpr;
using ir::TaskletOp;

/// A value's type while printing: a dtype, or a literal's weak kind before context decides.
struct VType {
  enum Kind { Typed, WeakInt, WeakFloat } kind = Typed;
  DType dtype = DType::f32;
  static VType of(DType t) { return {Typed, t}; }
};

bool computes_as_float(DType t) {
  return t == DType::f32 || t == DType::f16 || t == DType::bf16 || t == DType::f64;
}

VType unify(const VType& a, const VType& b) {
  if (a.kind == VType::Typed) return a;
  if (b.kind == VType::Typed) return b;
  return {
      a.kind == VType::WeakFloat || b.kind == VType::WeakFloat ? VType::WeakFloat : VType::WeakInt,
      DType::f32};
}

/// A weak type settled by context (or its default: i64 for integers, f32 for floats).
DType settle(const VType& t, std::optional<DType> context) {
  if (t.kind == VType::Typed) return t.dtype;
  if (context && (t.kind == VType::WeakInt || computes_as_float(*context))) return *context;
  return t.kind == VType::WeakInt ? DType::i64 : DType::f32;
}

std::string float_literal(double v, DType t) {
  if (std::isinf(v)) return t == DType::f64 ? "(double)INFINITY" : "INFINITY";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  std::string s(buffer, result.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return t == DType::f64 ? s : s + "f";
}

class Printer {
public:
  explicit Printer(const TaskletNames* names) : names_(names) {}

  std::map<std::string, DType> vars;  // connectors and locals

  VType type_of(const TaskletExpr& e) const {
    switch (e.op()) {
      case TaskletOp::Int: return {VType::WeakInt, DType::i64};
      case TaskletOp::Float: return {VType::WeakFloat, DType::f32};
      case TaskletOp::Bool:
      case TaskletOp::Not:
      case TaskletOp::And:
      case TaskletOp::Or:
      case TaskletOp::Eq:
      case TaskletOp::Ne:
      case TaskletOp::Lt:
      case TaskletOp::Le:
      case TaskletOp::Gt:
      case TaskletOp::Ge: return VType::of(DType::boolean);
      case TaskletOp::Var: {
        const auto it = vars.find(e.name());
        return VType::of(it == vars.end() ? DType::i64 : it->second);
      }
      case TaskletOp::Cast: return VType::of(e.cast_type());
      case TaskletOp::Select: return unify(type_of(e.operand(1)), type_of(e.operand(2)));
      case TaskletOp::PhiloxUniform: return VType::of(DType::f32);
      default: break;
    }
    if (is_subscript(e)) {
      const auto it = vars.find(e.operand(0).name());
      return VType::of(it == vars.end() ? DType::f32 : it->second);
    }
    VType t = type_of(e.operand(0));
    for (std::size_t i = 1; i < e.operands().size(); ++i) t = unify(t, type_of(e.operand(i)));
    return t;
  }

  std::string print(const TaskletExpr& e, std::optional<DType> context) const {
    const DType t = settle(type_of(e), context);
    const auto operand = [&](std::size_t i, std::optional<DType> ctx) {
      return print(e.operand(i), ctx);
    };
    const auto binary = [&](const char* op) {
      return "(" + operand(0, t) + op + operand(1, t) + ")";
    };
    const auto compare = [&](const char* op) {
      const DType u = settle(unify(type_of(e.operand(0)), type_of(e.operand(1))), std::nullopt);
      return "(" + operand(0, u) + op + operand(1, u) + ")";
    };
    const auto call = [&](const std::string& fn) {
      std::string out = fn + "(";
      for (std::size_t i = 0; i < e.operands().size(); ++i) out += (i ? ", " : "") + operand(i, t);
      return out + ")";
    };
    const auto one = [&](double v) { return float_literal(v, t); };
    if (is_subscript(e)) {
      std::vector<std::string> indices;
      for (std::size_t i = 1; i < e.operands().size(); ++i)
        indices.push_back("(int64_t)" + operand(i, DType::i64));
      SLUICE_CHECK(names_ && names_->subscript, "a subscript outside a tasklet");
      return names_->subscript(e.operand(0).name(), indices);
    }
    switch (e.op()) {
      case TaskletOp::Int:
        if (computes_as_float(t)) return float_literal(static_cast<double>(e.int_value()), t);
        if (t == DType::boolean) return e.int_value() ? "true" : "false";
        return t == DType::i64 ? std::to_string(e.int_value()) + "LL"
                               : std::to_string(e.int_value());
      case TaskletOp::Float: return float_literal(e.float_value(), t);
      case TaskletOp::Bool: return e.bool_value() ? "true" : "false";
      case TaskletOp::Var: return vars.contains(e.name()) ? "v_" + e.name() : cpp_symbol(e.name());
      case TaskletOp::Neg: return "(-" + operand(0, t) + ")";
      case TaskletOp::Not: return "(!" + operand(0, DType::boolean) + ")";
      case TaskletOp::Add: return binary(" + ");
      case TaskletOp::Sub: return binary(" - ");
      case TaskletOp::Mul: return binary(" * ");
      case TaskletOp::Div:
        return computes_as_float(t) ? binary(" / ")
                                    : "((" + compute_type(t) + ")sl_floordiv(" + operand(0, t) +
                                          ", " + operand(1, t) + "))";
      case TaskletOp::Mod:
        return "((" + compute_type(t) + ")sl_mod(" + operand(0, t) + ", " + operand(1, t) + "))";
      case TaskletOp::Eq: return compare(" == ");
      case TaskletOp::Ne: return compare(" != ");
      case TaskletOp::Lt: return compare(" < ");
      case TaskletOp::Le: return compare(" <= ");
      case TaskletOp::Gt: return compare(" > ");
      case TaskletOp::Ge: return compare(" >= ");
      case TaskletOp::And:
        return "(" + operand(0, DType::boolean) + " && " + operand(1, DType::boolean) + ")";
      case TaskletOp::Or:
        return "(" + operand(0, DType::boolean) + " || " + operand(1, DType::boolean) + ")";
      case TaskletOp::Cast: return cast(e);
      case TaskletOp::Select:
        return "(" + operand(0, DType::boolean) + " ? " + operand(1, t) + " : " + operand(2, t) +
               ")";
      case TaskletOp::Exp: return call("sl_exp");
      case TaskletOp::Log: return call(math("log"));
      case TaskletOp::Tanh: return call(math("tanh"));
      case TaskletOp::Erf: return call("sl_erf");
      case TaskletOp::Sqrt: return call(math("sqrt"));
      case TaskletOp::Rsqrt:
        return "(" + one(1.0) + " / " + math("sqrt") + "(" + operand(0, t) + "))";
      case TaskletOp::Sigmoid:
        return "(" + one(1.0) + " / (" + one(1.0) + " + sl_exp(-" + operand(0, t) + ")))";
      case TaskletOp::Sin: return call(math("sin"));
      case TaskletOp::Cos: return call(math("cos"));
      case TaskletOp::Floor: return call(math("floor"));
      case TaskletOp::Ceil: return call(math("ceil"));
      case TaskletOp::Abs: return computes_as_float(t) ? call(math("fabs")) : call("sl_abs");
      case TaskletOp::Pow: return call(math("pow"));
      case TaskletOp::PhiloxUniform:
        return "sl_philox_uniform((int64_t)" + operand(0, DType::i64) + ", (int64_t)" +
               operand(1, DType::i64) + ", (int64_t)" + operand(2, DType::i64) + ")";
      case TaskletOp::Min:
        return computes_as_float(t) ? call("sl_fmin")
                                    : "((" + compute_type(t) + ")" + call("sl_min") + ")";
      case TaskletOp::Max:
        return computes_as_float(t) ? call("sl_fmax")
                                    : "((" + compute_type(t) + ")" + call("sl_max") + ")";
      default: break;
    }
    // Functions added to the language later print as the <cmath> function of that name.
    return call(math(std::string(e.info().spelling)));
  }

private:
  /// A <cmath> function; CUDA device code calls the global overloads (NVRTC has no <cmath>).
  [[nodiscard]] std::string math(const std::string& fn) const {
    return names_ != nullptr && names_->cuda ? fn : "std::" + fn;
  }

  static bool is_subscript(const TaskletExpr& e) { return e.op() == TaskletOp::Subscript; }

  std::string cast(const TaskletExpr& e) const {
    const DType to = e.cast_type();
    const DType from = settle(type_of(e.operand(0)), std::nullopt);
    const std::string x = print(e.operand(0), from);
    if (to == DType::boolean) return "(" + x + " != 0)";
    if (computes_as_float(to)) {
      std::string f = "((" + compute_type(to) + ")" + x + ")";
      if (to == DType::f16) return "sl_round_f16(" + f + ")";
      if (to == DType::bf16) return "sl_round_bf16(" + f + ")";
      return f;
    }
    if (computes_as_float(from)) return "sl_f2i_" + std::string(ir::dtype_name(to)) + "(" + x + ")";
    return "((" + compute_type(to) + ")" + x + ")";
  }

  const TaskletNames* names_;
};

}  // namespace

std::string compute_type(DType dtype) {
  switch (dtype) {
    case DType::f32:
    case DType::f16:
    case DType::bf16: return "float";
    case DType::f64: return "double";
    case DType::i8: return "int8_t";
    case DType::i32: return "int32_t";
    case DType::i64: return "int64_t";
    case DType::boolean: return "bool";
  }
  return "float";
}

std::string storage_type(DType dtype) {
  switch (dtype) {
    case DType::f16:
    case DType::bf16: return "uint16_t";
    case DType::boolean: return "uint8_t";
    default: return compute_type(dtype);
  }
}

std::string cpp_tasklet(const ir::TaskletCode& code, const TaskletNames& names) {
  Printer printer(&names);
  printer.vars = names.connectors;
  std::string out;
  for (const ir::TaskletStatement& s : code.statements) {
    if (s.let_type) {
      printer.vars[s.target] = *s.let_type;
      out += compute_type(*s.let_type) + " v_" + s.target + " = " +
             printer.print(s.value, s.let_type) + ";\n";
      continue;
    }
    const auto it = printer.vars.find(s.target);
    SLUICE_CHECK(it != printer.vars.end(), "tasklet output '" + s.target + "' has no type");
    out += "v_" + s.target + " = " + printer.print(s.value, it->second) + ";\n";
  }
  return out;
}

std::string cpp_condition(const ir::TaskletExpr& expr) {
  return Printer(nullptr).print(expr, DType::boolean);
}

}  // namespace sluice::codegen
