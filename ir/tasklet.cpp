#include "ir/tasklet.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "ir/diagnostic.h"

namespace sluice::ir {
namespace {

using Op = TaskletOp;
using Form = TaskletOpForm;

constexpr int kPrimary = 8;
constexpr int kPrefix = 7;

// In enum order; `tasklet_op_info` checks that.
constexpr std::array<TaskletOpInfo, 38> kOps{{
    {Op::Int, "", 0, Form::Leaf, kPrimary, 0},
    {Op::Float, "", 0, Form::Leaf, kPrimary, 0},
    {Op::Bool, "", 0, Form::Leaf, kPrimary, 0},
    {Op::Var, "", 0, Form::Leaf, kPrimary, 0},
    {Op::Neg, "-", 1, Form::Prefix, kPrefix, 1},
    {Op::Not, "!", 1, Form::Prefix, kPrefix, 0},
    {Op::Add, "+", 2, Form::Infix, 5, 1},
    {Op::Sub, "-", 2, Form::Infix, 5, 1},
    {Op::Mul, "*", 2, Form::Infix, 6, 1},
    {Op::Div, "/", 2, Form::Infix, 6, 1},
    {Op::Mod, "%", 2, Form::Infix, 6, 1},
    {Op::Eq, "==", 2, Form::Infix, 3, 1},
    {Op::Ne, "!=", 2, Form::Infix, 3, 1},
    {Op::Lt, "<", 2, Form::Infix, 4, 1},
    {Op::Le, "<=", 2, Form::Infix, 4, 1},
    {Op::Gt, ">", 2, Form::Infix, 4, 1},
    {Op::Ge, ">=", 2, Form::Infix, 4, 1},
    {Op::And, "&&", 2, Form::Infix, 2, 0},
    {Op::Or, "||", 2, Form::Infix, 1, 0},
    {Op::Cast, "cast", 1, Form::Cast, kPrimary, 0},
    {Op::Select, "select", 3, Form::Call, kPrimary, 0},
    {Op::Exp, "exp", 1, Form::Call, kPrimary, 1},
    {Op::Log, "log", 1, Form::Call, kPrimary, 1},
    {Op::Tanh, "tanh", 1, Form::Call, kPrimary, 1},
    {Op::Erf, "erf", 1, Form::Call, kPrimary, 1},
    {Op::Sqrt, "sqrt", 1, Form::Call, kPrimary, 1},
    {Op::Rsqrt, "rsqrt", 1, Form::Call, kPrimary, 1},
    {Op::Sigmoid, "sigmoid", 1, Form::Call, kPrimary, 1},
    {Op::Sin, "sin", 1, Form::Call, kPrimary, 1},
    {Op::Cos, "cos", 1, Form::Call, kPrimary, 1},
    {Op::Floor, "floor", 1, Form::Call, kPrimary, 1},
    {Op::Ceil, "ceil", 1, Form::Call, kPrimary, 1},
    {Op::Abs, "abs", 1, Form::Call, kPrimary, 1},
    {Op::Pow, "pow", 2, Form::Call, kPrimary, 1},
    {Op::Min, "min", 2, Form::Call, kPrimary, 1},
    {Op::Max, "max", 2, Form::Call, kPrimary, 1},
    {Op::PhiloxUniform, "philox_uniform", 3, Form::Call, kPrimary, 1},
    {Op::Subscript, "[]", -1, Form::Subscript, kPrimary, 0},
}};

constexpr bool table_in_enum_order() {
  for (std::size_t i = 0; i < kOps.size(); ++i)
    if (static_cast<std::size_t>(kOps[i].op) != i) return false;
  return true;
}
static_assert(table_in_enum_order(), "kOps must list the ops in enum order");
static_assert(static_cast<std::size_t>(Op::Subscript) + 1 == kOps.size(), "an op has no table row");

constexpr std::array<std::string_view, 5> kKeywords{"let", "true", "false", "cast", "inf"};

}  // namespace

const TaskletOpInfo& tasklet_op_info(TaskletOp op) {
  const auto index = static_cast<std::size_t>(op);
  SLUICE_CHECK(index < kOps.size(), "invalid TaskletOp " + std::to_string(index));
  return kOps[index];
}

std::optional<TaskletOp> tasklet_function(std::string_view name) {
  for (const auto& info : kOps)
    if (info.form == Form::Call && info.spelling == name) return info.op;
  return std::nullopt;
}

bool is_tasklet_identifier(std::string_view name) {
  if (name.empty()) return false;
  const auto is_alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (!is_alpha(name.front())) return false;
  for (char c : name)
    if (!is_alpha(c) && !(c >= '0' && c <= '9')) return false;
  return std::find(kKeywords.begin(), kKeywords.end(), name) == kKeywords.end();
}

// ---------------------------------------------------------------------------------------------
// Construction.

TaskletExpr TaskletExpr::integer(std::int64_t value) {
  if (value < 0) {
    if (value == std::numeric_limits<std::int64_t>::min())  // -(2^63) = -(2^63 - 1) - 1
      return make(Op::Sub, {integer(value + 1), integer(1)});
    return make(Op::Neg, {integer(-value)});
  }
  TaskletExpr e;
  e.op_ = Op::Int;
  e.int_value_ = value;
  return e;
}

TaskletExpr TaskletExpr::floating(double value) {
  SLUICE_CHECK(!std::isnan(value), "a tasklet float literal cannot be NaN");
  if (std::signbit(value)) return make(Op::Neg, {floating(-value)});
  TaskletExpr e;
  e.op_ = Op::Float;
  e.int_value_ = 0;
  e.float_value_ = value;
  return e;
}

TaskletExpr TaskletExpr::boolean(bool value) {
  TaskletExpr e;
  e.op_ = Op::Bool;
  e.int_value_ = value ? 1 : 0;
  return e;
}

TaskletExpr TaskletExpr::variable(std::string name) {
  SLUICE_CHECK(is_tasklet_identifier(name), "invalid tasklet variable name '" + name + "'");
  TaskletExpr e;
  e.op_ = Op::Var;
  e.int_value_ = 0;
  e.name_ = std::move(name);
  return e;
}

TaskletExpr TaskletExpr::make(TaskletOp op, std::vector<TaskletExpr> operands) {
  const auto& info = tasklet_op_info(op);
  SLUICE_CHECK(info.form != Form::Leaf && info.form != Form::Cast,
               "TaskletExpr::make cannot build a leaf or a cast");
  if (info.form == Form::Subscript) {
    SLUICE_CHECK(operands.size() >= 2 && operands.front().op() == Op::Var,
                 "a subscript takes a name and at least one index");
  } else {
    SLUICE_CHECK(operands.size() == static_cast<std::size_t>(info.arity),
                 std::string(info.spelling) + " takes " + std::to_string(info.arity) +
                     " operands, got " + std::to_string(operands.size()));
  }
  TaskletExpr e;
  e.op_ = op;
  e.int_value_ = 0;
  for (const auto& operand : operands) e.depth_ = std::max(e.depth_, operand.depth_ + 1);
  e.operands_ = std::move(operands);
  return e;
}

TaskletExpr TaskletExpr::subscript(std::string name, std::vector<TaskletExpr> indices) {
  indices.insert(indices.begin(), variable(std::move(name)));
  return make(Op::Subscript, std::move(indices));
}

TaskletExpr TaskletExpr::cast(DType to, TaskletExpr operand) {
  TaskletExpr e;
  e.op_ = Op::Cast;
  e.int_value_ = 0;
  e.cast_type_ = to;
  e.depth_ = operand.depth_ + 1;
  e.operands_.push_back(std::move(operand));
  return e;
}

TaskletExpr TaskletExpr::with_operands(std::vector<TaskletExpr> operands) const {
  if (op_ == Op::Cast) {
    SLUICE_CHECK(operands.size() == 1, "cast takes one operand");
    return cast(cast_type_, std::move(operands.front()));
  }
  if (operands_.empty() && operands.empty()) return *this;
  return make(op_, std::move(operands));
}

TaskletExpr operator+(TaskletExpr a, TaskletExpr b) {
  return TaskletExpr::make(Op::Add, {std::move(a), std::move(b)});
}
TaskletExpr operator-(TaskletExpr a, TaskletExpr b) {
  return TaskletExpr::make(Op::Sub, {std::move(a), std::move(b)});
}
TaskletExpr operator*(TaskletExpr a, TaskletExpr b) {
  return TaskletExpr::make(Op::Mul, {std::move(a), std::move(b)});
}
TaskletExpr operator/(TaskletExpr a, TaskletExpr b) {
  return TaskletExpr::make(Op::Div, {std::move(a), std::move(b)});
}
TaskletExpr operator-(TaskletExpr a) { return TaskletExpr::make(Op::Neg, {std::move(a)}); }

// ---------------------------------------------------------------------------------------------
// Names, rewriting, FLOPs.

namespace {

void collect_reads(const TaskletExpr& expr, std::set<std::string>& out) {
  if (expr.op() == Op::Var) out.insert(expr.name());
  for (const auto& operand : expr.operands()) collect_reads(operand, out);
}

void collect_subscripts(const TaskletExpr& expr,
                        std::map<std::string, std::set<std::size_t>>& out) {
  if (expr.op() == Op::Subscript) out[expr.operand(0).name()].insert(expr.operands().size() - 1);
  for (const auto& operand : expr.operands()) collect_subscripts(operand, out);
}

}  // namespace

std::set<std::string> tasklet_reads(const TaskletExpr& expr) {
  std::set<std::string> out;
  collect_reads(expr, out);
  return out;
}

std::set<std::string> tasklet_reads(const TaskletCode& code) {
  std::set<std::string> defined;
  std::set<std::string> out;
  for (const auto& statement : code.statements) {
    for (const auto& name : tasklet_reads(statement.value))
      if (!defined.count(name)) out.insert(name);
    defined.insert(statement.target);
  }
  return out;
}

std::set<std::string> tasklet_locals(const TaskletCode& code) {
  std::set<std::string> out;
  for (const auto& statement : code.statements)
    if (statement.let_type) out.insert(statement.target);
  return out;
}

std::map<std::string, std::set<std::size_t>> tasklet_subscripts(const TaskletCode& code) {
  std::map<std::string, std::set<std::size_t>> out;
  for (const auto& statement : code.statements) collect_subscripts(statement.value, out);
  return out;
}

std::set<std::string> tasklet_writes(const TaskletCode& code) {
  const auto locals = tasklet_locals(code);
  std::set<std::string> out;
  for (const auto& statement : code.statements)
    if (!locals.count(statement.target)) out.insert(statement.target);
  return out;
}

namespace {

// A subscripted name is an array, not a value: substituting a value for it would mean nothing, so
// only renaming touches it.
TaskletExpr substitute(const TaskletExpr& expr,
                       const std::map<std::string, TaskletExpr>& replacements, bool rename_arrays) {
  if (expr.op() == Op::Var) {
    const auto it = replacements.find(expr.name());
    return it == replacements.end() ? expr : it->second;
  }
  if (expr.operands().empty()) return expr;
  std::vector<TaskletExpr> operands;
  operands.reserve(expr.operands().size());
  for (const auto& operand : expr.operands()) {
    const bool array = expr.op() == Op::Subscript && operands.empty();
    operands.push_back(array && !rename_arrays ? operand
                                               : substitute(operand, replacements, rename_arrays));
  }
  return expr.with_operands(std::move(operands));
}

std::map<std::string, TaskletExpr> as_replacements(
    const std::map<std::string, std::string>& renames) {
  std::map<std::string, TaskletExpr> replacements;
  for (const auto& [from, to] : renames) replacements.emplace(from, TaskletExpr::variable(to));
  return replacements;
}

}  // namespace

TaskletExpr substitute_variables(const TaskletExpr& expr,
                                 const std::map<std::string, TaskletExpr>& replacements) {
  return substitute(expr, replacements, false);
}

TaskletExpr rename_variables(const TaskletExpr& expr,
                             const std::map<std::string, std::string>& renames) {
  return substitute(expr, as_replacements(renames), true);
}

TaskletCode rename_variables(const TaskletCode& code,
                             const std::map<std::string, std::string>& renames) {
  const auto replacements = as_replacements(renames);
  TaskletCode out;
  out.statements.reserve(code.statements.size());
  for (const auto& statement : code.statements) {
    const auto it = renames.find(statement.target);
    out.statements.push_back({it == renames.end() ? statement.target : it->second,
                              statement.let_type, substitute(statement.value, replacements, true)});
  }
  return out;
}

std::int64_t count_flops(const TaskletExpr& expr) {
  std::int64_t flops = expr.info().flops;
  for (const auto& operand : expr.operands()) flops += count_flops(operand);
  return flops;
}

std::int64_t count_flops(const TaskletCode& code) {
  std::int64_t flops = 0;
  for (const auto& statement : code.statements) flops += count_flops(statement.value);
  return flops;
}

// ---------------------------------------------------------------------------------------------
// Type inference.

namespace {

enum class Weak : std::uint8_t { No, Int, Float };

// A value's type while checking: a dtype, or a literal that has not met a typed value yet.
struct Type {
  DType dtype = DType::i64;
  Weak weak = Weak::No;
};

Type strong(DType dtype) { return {dtype, Weak::No}; }

std::string describe(Type t) {
  switch (t.weak) {
    case Weak::Int: return "integer literal";
    case Weak::Float: return "float literal";
    case Weak::No: break;
  }
  return std::string(dtype_name(t.dtype));
}

bool is_numeric(Type t) { return t.weak != Weak::No || t.dtype != DType::boolean; }
bool is_int(Type t) { return t.weak == Weak::Int || (t.weak == Weak::No && is_integer(t.dtype)); }
bool is_floating(Type t) {
  return t.weak == Weak::Float || (t.weak == Weak::No && is_float(t.dtype));
}

// A weak type turned into a concrete one where nothing else decides.
DType settle(Type t) {
  switch (t.weak) {
    case Weak::Int: return DType::i64;
    case Weak::Float: return DType::f32;
    case Weak::No: break;
  }
  return t.dtype;
}

// Can a value of type `t` be used where `target` is required?
bool fits(Type t, DType target) {
  switch (t.weak) {
    case Weak::Int: return target != DType::boolean;
    case Weak::Float: return is_float(target);
    case Weak::No: break;
  }
  return t.dtype == target;
}

class TypeChecker {
public:
  TypeChecker(const TaskletCode& code, const std::map<std::string, DType>& inputs,
              const std::map<std::string, DType>& outputs)
      : code_(code), env_(inputs), outputs_(outputs) {}

  std::map<std::string, DType> run() {
    std::map<std::string, DType> assigned;
    for (std::size_t i = 0; i < code_.statements.size(); ++i) {
      index_ = i;
      const auto& s = code_.statements[i];
      const Type value = check(s.value);
      DType result{};
      if (s.let_type) {
        if (env_.count(s.target) || outputs_.count(s.target))
          fail("'" + s.target + "' is already defined");
        if (!fits(value, *s.let_type))
          fail("'" + s.target + "' is declared " + std::string(dtype_name(*s.let_type)) +
               " but assigned " + describe(value));
        result = *s.let_type;
      } else {
        std::optional<DType> known;
        if (const auto it = env_.find(s.target); it != env_.end())
          known = it->second;
        else if (const auto out = outputs_.find(s.target); out != outputs_.end())
          known = out->second;
        if (known && !fits(value, *known))
          fail("'" + s.target + "' has type " + std::string(dtype_name(*known)) +
               " but is assigned " + describe(value));
        result = known ? *known : settle(value);
      }
      env_[s.target] = result;
      assigned[s.target] = result;
    }
    return assigned;
  }

private:
  [[noreturn]] void fail(const std::string& message) const {
    throw UserError("statement " + std::to_string(index_ + 1),
                    "in '" + print_tasklet_statement(code_.statements[index_]) + "': " + message);
  }

  // Both operands of `e` as one type (weak literals adopt the other side).
  Type unify(const TaskletExpr& e, Type a, Type b) const {
    if (a.weak == Weak::No && b.weak == Weak::No) {
      if (a.dtype == b.dtype) return a;
    } else if (a.weak != Weak::No && b.weak != Weak::No) {
      return (a.weak == Weak::Float || b.weak == Weak::Float) ? Type{DType::f32, Weak::Float} : a;
    } else {
      const Type& typed = a.weak == Weak::No ? a : b;
      const Type& literal = a.weak == Weak::No ? b : a;
      if (fits(literal, typed.dtype)) return typed;
    }
    fail("operands of '" + std::string(e.info().spelling) + "' have different types " +
         describe(a) + " and " + describe(b));
  }

  void require(const TaskletExpr& e, Type t, bool ok, const char* what) const {
    if (!ok)
      fail("'" + std::string(e.info().spelling) + "' needs " + what + " operands, found " +
           describe(t));
  }

  // A float operand; an integer literal becomes a float literal.
  Type require_float(const TaskletExpr& e, Type t) const {
    if (t.weak == Weak::Int) return {DType::f32, Weak::Float};
    require(e, t, is_floating(t), "float");
    return t;
  }

  Type check(const TaskletExpr& e) const {
    switch (e.op()) {
      case Op::Int: return {DType::i64, Weak::Int};
      case Op::Float: return {DType::f32, Weak::Float};
      case Op::Bool: return strong(DType::boolean);
      case Op::Var: {
        const auto it = env_.find(e.name());
        if (it == env_.end()) fail("unknown name '" + e.name() + "'");
        return strong(it->second);
      }
      case Op::Cast: check(e.operand(0)); return strong(e.cast_type());
      case Op::Subscript: {
        for (std::size_t i = 1; i < e.operands().size(); ++i) {
          const Type t = check(e.operand(i));
          if (!is_int(t))
            fail("subscript index of '" + e.operand(0).name() + "' has type " + describe(t) +
                 "; indices must be integers");
        }
        return check(e.operand(0));
      }
      case Op::Neg:
      case Op::Abs: {
        const Type t = check(e.operand(0));
        require(e, t, is_numeric(t), "numeric");
        return t;
      }
      case Op::Not: {
        const Type t = check(e.operand(0));
        require(e, t, t.weak == Weak::No && t.dtype == DType::boolean, "bool");
        return t;
      }
      case Op::And:
      case Op::Or: {
        for (const auto& operand : e.operands()) {
          const Type t = check(operand);
          require(e, t, t.weak == Weak::No && t.dtype == DType::boolean, "bool");
        }
        return strong(DType::boolean);
      }
      case Op::Add:
      case Op::Sub:
      case Op::Mul:
      case Op::Div:
      case Op::Min:
      case Op::Max:
      case Op::Mod: {
        const Type a = check(e.operand(0));
        const Type b = check(e.operand(1));
        const Type t = unify(e, a, b);
        if (e.op() == Op::Mod)
          require(e, t, is_int(t), "integer");
        else
          require(e, t, is_numeric(t), "numeric");
        return t;
      }
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge: {
        const Type t = unify(e, check(e.operand(0)), check(e.operand(1)));
        if (e.op() != Op::Eq && e.op() != Op::Ne) require(e, t, is_numeric(t), "numeric");
        return strong(DType::boolean);
      }
      case Op::Select: {
        const Type c = check(e.operand(0));
        if (c.weak != Weak::No || c.dtype != DType::boolean)
          fail("the condition of 'select' must be bool, found " + describe(c));
        return unify(e, check(e.operand(1)), check(e.operand(2)));
      }
      case Op::PhiloxUniform: {
        for (const auto& operand : e.operands()) {
          const Type t = check(operand);
          require(e, t, is_int(t), "integer");
        }
        return strong(DType::f32);
      }
      case Op::Pow: {
        const Type a = require_float(e, check(e.operand(0)));
        const Type b = require_float(e, check(e.operand(1)));
        return unify(e, a, b);
      }
      case Op::Exp:
      case Op::Log:
      case Op::Tanh:
      case Op::Erf:
      case Op::Sqrt:
      case Op::Rsqrt:
      case Op::Sigmoid:
      case Op::Sin:
      case Op::Cos:
      case Op::Floor:
      case Op::Ceil: return require_float(e, check(e.operand(0)));
    }
    SLUICE_CHECK(false, "unhandled TaskletOp in type inference");
    return {};
  }

  const TaskletCode& code_;
  std::map<std::string, DType> env_;
  const std::map<std::string, DType>& outputs_;
  std::size_t index_ = 0;
};

}  // namespace

std::map<std::string, DType> infer_tasklet_types(
    const TaskletCode& code, const std::map<std::string, DType>& inputs_and_symbols,
    const std::map<std::string, DType>& outputs) {
  return TypeChecker(code, inputs_and_symbols, outputs).run();
}

}  // namespace sluice::ir
