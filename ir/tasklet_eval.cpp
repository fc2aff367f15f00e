// The reference interpreter: slow, simple, and independent of code generation, so tests can
// compare generated kernels against it. Values carry a kind (integer, float, bool) at run time;
// see `evaluate_tasklet` in the header for the semantics.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/tasklet.h"

namespace sluice::ir {
namespace {

using Op = TaskletOp;

struct Value {
  enum class Kind : std::uint8_t { Int, Float, Bool } kind = Kind::Float;
  std::int64_t i = 0;  // Int and Bool (0 or 1)
  double f = 0.0;      // Float

  static Value of_int(std::int64_t v) { return {Kind::Int, v, 0.0}; }
  static Value of_float(double v) { return {Kind::Float, 0, v}; }
  static Value of_bool(bool v) { return {Kind::Bool, v ? 1 : 0, 0.0}; }

  [[nodiscard]] double as_double() const {
    return kind == Kind::Float ? f : static_cast<double>(i);
  }
  [[nodiscard]] bool truthy() const { return kind == Kind::Float ? f != 0.0 : i != 0; }
  [[nodiscard]] bool is_float() const { return kind == Kind::Float; }
};

std::int64_t wrap(std::uint64_t bits) { return static_cast<std::int64_t>(bits); }
std::uint64_t bits(std::int64_t v) { return static_cast<std::uint64_t>(v); }

std::int64_t wrap_to(DType to, std::int64_t v) {
  switch (to) {
    case DType::i8: return static_cast<std::int8_t>(v);
    case DType::i32: return static_cast<std::int32_t>(v);
    default: return v;
  }
}

// Float to integer: truncate toward zero, saturate, NaN to 0.
std::int64_t saturate(DType to, double v) {
  if (std::isnan(v)) return 0;
  std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  if (to == DType::i8) lo = -128, hi = 127;
  if (to == DType::i32)
    lo = std::numeric_limits<std::int32_t>::min(), hi = std::numeric_limits<std::int32_t>::max();
  const double t = std::trunc(v);
  if (t <= static_cast<double>(lo)) return lo;
  if (t >= static_cast<double>(hi)) return hi;  // 2^63 rounds up, so >= catches it too
  return static_cast<std::int64_t>(t);
}

class Evaluator {
public:
  Evaluator(const std::map<std::string, double>& values, const std::map<std::string, DType>& types,
            const TaskletArrays& arrays)
      : types_(types), arrays_(arrays) {
    for (const auto& [name, value] : values) env_[name] = input(name, value);
  }

  std::map<std::string, double> run(const TaskletCode& code) {
    for (statement_ = 0; statement_ < code.statements.size(); ++statement_) {
      const auto& s = code.statements[statement_];
      Value v = eval(s.value);
      if (s.let_type)
        v = convert(*s.let_type, v);
      else if (const auto t = types_.find(s.target); t != types_.end())
        v = convert(t->second, v);
      env_[s.target] = v;
    }
    std::map<std::string, double> out;
    for (const auto& name : tasklet_writes(code)) out[name] = env_.at(name).as_double();
    return out;
  }

  Value eval(const TaskletExpr& e) const {
    switch (e.op()) {
      case Op::Int: return Value::of_int(e.int_value());
      case Op::Float: return Value::of_float(e.float_value());
      case Op::Bool: return Value::of_bool(e.bool_value());
      case Op::Var: {
        const auto it = env_.find(e.name());
        if (it == env_.end()) fail("no value for '" + e.name() + "'");
        return it->second;
      }
      case Op::Cast: return convert(e.cast_type(), eval(e.operand(0)));
      case Op::Subscript: return subscript(e);
      case Op::Select: return eval(e.operand(0)).truthy() ? eval(e.operand(1)) : eval(e.operand(2));
      case Op::Not: return Value::of_bool(!eval(e.operand(0)).truthy());
      case Op::And:
        return Value::of_bool(eval(e.operand(0)).truthy() && eval(e.operand(1)).truthy());
      case Op::Or:
        return Value::of_bool(eval(e.operand(0)).truthy() || eval(e.operand(1)).truthy());
      case Op::Neg: {
        const Value a = eval(e.operand(0));
        return a.is_float() ? Value::of_float(-a.f) : Value::of_int(wrap(0 - bits(a.i)));
      }
      case Op::Abs: {
        const Value a = eval(e.operand(0));
        if (a.is_float()) return Value::of_float(std::fabs(a.f));
        return Value::of_int(a.i < 0 ? wrap(0 - bits(a.i)) : a.i);
      }
      case Op::PhiloxUniform: {
        std::int64_t args[3] = {};
        for (std::size_t i = 0; i < 3; ++i) {
          const Value v = eval(e.operand(i));
          args[i] = v.is_float() ? saturate(DType::i64, v.f) : v.i;
        }
        return Value::of_float(philox_uniform(args[0], args[1], args[2]));
      }
      default: break;
    }
    if (e.operands().size() == 1)
      return Value::of_float(math(e.op(), eval(e.operand(0)).as_double()));
    return binary(e.op(), eval(e.operand(0)), eval(e.operand(1)));
  }

private:
  Value subscript(const TaskletExpr& e) const {
    const std::string& name = e.operand(0).name();
    const auto array = arrays_.find(name);
    if (array == arrays_.end() || !array->second)
      fail("subscript of '" + name + "' needs array values");
    std::vector<std::int64_t> indices;
    indices.reserve(e.operands().size() - 1);
    for (std::size_t i = 1; i < e.operands().size(); ++i) {
      // A float index (an untyped input reads as f64) is taken when it holds an integer.
      const Value index = eval(e.operand(i));
      if (index.kind == Value::Kind::Float &&
          !(std::trunc(index.f) == index.f && std::fabs(index.f) < 9007199254740992.0))
        fail("subscript index of '" + name + "' is " + std::to_string(index.f) +
             ", not an integer");
      indices.push_back(index.kind == Value::Kind::Float ? static_cast<std::int64_t>(index.f)
                                                         : index.i);
    }
    return input(name, array->second(indices));
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw UserError(statement_ < std::numeric_limits<std::size_t>::max()
                        ? "statement " + std::to_string(statement_ + 1)
                        : "expression",
                    message);
  }

  Value input(const std::string& name, double value) const {
    const auto t = types_.find(name);
    const DType type = t == types_.end() ? DType::f64 : t->second;
    if (type == DType::boolean) return Value::of_bool(value != 0.0);
    if (!is_integer(type)) return Value::of_float(value);
    // The range check is on doubles: -2^63 is exact, 2^63 is the first value out of range.
    if (!(value >= -9223372036854775808.0 && value < 9223372036854775808.0) ||
        std::trunc(value) != value)
      throw UserError("input '" + name + "'", "value " + std::to_string(value) +
                                                  " is not an integer of type " +
                                                  std::string(dtype_name(type)));
    return Value::of_int(wrap_to(type, static_cast<std::int64_t>(value)));
  }

  static Value convert(DType to, const Value& v) {
    if (to == DType::boolean) return Value::of_bool(v.truthy());
    if (is_float(to)) return Value::of_float(v.as_double());
    if (v.is_float()) return Value::of_int(saturate(to, v.f));
    return Value::of_int(wrap_to(to, v.i));
  }

  static double math(Op op, double x) {
    switch (op) {
      case Op::Exp: return std::exp(x);
      case Op::Log: return std::log(x);
      case Op::Tanh: return std::tanh(x);
      case Op::Erf: return std::erf(x);
      case Op::Sqrt: return std::sqrt(x);
      case Op::Rsqrt: return 1.0 / std::sqrt(x);
      case Op::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
      case Op::Sin: return std::sin(x);
      case Op::Cos: return std::cos(x);
      case Op::Floor: return std::floor(x);
      case Op::Ceil: return std::ceil(x);
      default: break;
    }
    SLUICE_CHECK(false, "not a unary math op: " + std::string(tasklet_op_info(op).spelling));
    return 0.0;
  }

  Value binary(Op op, const Value& a, const Value& b) const {
    switch (op) {
      case Op::Eq: return Value::of_bool(compare(a, b) == 0);
      case Op::Ne: return Value::of_bool(compare(a, b) != 0);
      case Op::Lt: return Value::of_bool(compare(a, b) == -1);
      case Op::Le: return Value::of_bool(compare(a, b) == -1 || compare(a, b) == 0);
      case Op::Gt: return Value::of_bool(compare(a, b) == 1);
      case Op::Ge: return Value::of_bool(compare(a, b) == 1 || compare(a, b) == 0);
      default: break;
    }
    if (a.is_float() || b.is_float() || op == Op::Pow) {
      const double x = a.as_double();
      const double y = b.as_double();
      switch (op) {
        case Op::Add: return Value::of_float(x + y);
        case Op::Sub: return Value::of_float(x - y);
        case Op::Mul: return Value::of_float(x * y);
        case Op::Div: return Value::of_float(x / y);
        case Op::Mod: return Value::of_float(x - std::floor(x / y) * y);
        case Op::Pow: return Value::of_float(std::pow(x, y));
        case Op::Min: return Value::of_float(std::fmin(x, y));
        case Op::Max: return Value::of_float(std::fmax(x, y));
        default: break;
      }
    } else {
      const std::int64_t x = a.i;
      const std::int64_t y = b.i;
      switch (op) {
        case Op::Add: return Value::of_int(wrap(bits(x) + bits(y)));
        case Op::Sub: return Value::of_int(wrap(bits(x) - bits(y)));
        case Op::Mul: return Value::of_int(wrap(bits(x) * bits(y)));
        case Op::Div:
        case Op::Mod: return Value::of_int(floor_div_mod(op, x, y));
        case Op::Min: return Value::of_int(std::min(x, y));
        case Op::Max: return Value::of_int(std::max(x, y));
        default: break;
      }
    }
    SLUICE_CHECK(false, "not a binary op: " + std::string(tasklet_op_info(op).spelling));
    return {};
  }

  std::int64_t floor_div_mod(Op op, std::int64_t x, std::int64_t y) const {
    if (y == 0) fail(op == Op::Div ? "integer division by zero" : "integer modulo by zero");
    if (y == -1) return op == Op::Div ? wrap(0 - bits(x)) : 0;  // avoids INT64_MIN / -1
    std::int64_t q = x / y;
    std::int64_t r = x % y;
    if (r != 0 && ((r < 0) != (y < 0))) {
      q -= 1;
      r += y;
    }
    return op == Op::Div ? q : r;
  }

  // -1, 0, 1, or 2 when unordered (a NaN); exact for two integers, through doubles otherwise.
  static int compare(const Value& a, const Value& b) {
    if (!a.is_float() && !b.is_float()) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
    const double x = a.as_double();
    const double y = b.as_double();
    if (x < y) return -1;
    if (x > y) return 1;
    return x == y ? 0 : 2;
  }

  const std::map<std::string, DType>& types_;
  const TaskletArrays& arrays_;
  std::map<std::string, Value> env_;
  std::size_t statement_ = std::numeric_limits<std::size_t>::max();
};

}  // namespace

// Written out as the paper and Random123 define it; the prelude's copy must stay bit-identical.
std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> counter,
                                           std::array<std::uint32_t, 2> key) {
  constexpr std::uint64_t kMul0 = 0xD2511F53U;
  constexpr std::uint64_t kMul1 = 0xCD9E8D57U;
  constexpr std::uint32_t kWeyl0 = 0x9E3779B9U;
  constexpr std::uint32_t kWeyl1 = 0xBB67AE85U;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += kWeyl0;
      key[1] += kWeyl1;
    }
    const std::uint64_t p0 = kMul0 * counter[0];
    const std::uint64_t p1 = kMul1 * counter[2];
    counter = {
        static_cast<std::uint32_t>(p1 >> 32) ^ counter[1] ^ key[0], static_cast<std::uint32_t>(p1),
        static_cast<std::uint32_t>(p0 >> 32) ^ counter[3] ^ key[1], static_cast<std::uint32_t>(p0)};
  }
  return counter;
}

float philox_uniform(std::int64_t seed, std::int64_t offset, std::int64_t index) {
  const auto s = static_cast<std::uint64_t>(seed);
  const auto o = static_cast<std::uint64_t>(offset);
  const auto i = static_cast<std::uint64_t>(index);
  const auto words =
      philox4x32_10({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i >> 32),
                     static_cast<std::uint32_t>(o), static_cast<std::uint32_t>(o >> 32)},
                    {static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(s >> 32)});
  return static_cast<float>(words[0] >> 8) * 0x1p-24F;
}

std::map<std::string, double> evaluate_tasklet(const TaskletCode& code,
                                               const std::map<std::string, double>& values,
                                               const std::map<std::string, DType>& types,
                                               const TaskletArrays& arrays) {
  return Evaluator(values, types, arrays).run(code);
}

double evaluate_tasklet_expr(const TaskletExpr& expr, const std::map<std::string, double>& values,
                             const std::map<std::string, DType>& types,
                             const TaskletArrays& arrays) {
  return Evaluator(values, types, arrays).eval(expr).as_double();
}

}  // namespace sluice::ir
