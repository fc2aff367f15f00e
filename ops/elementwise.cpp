// Element-wise math, comparisons, logic and activations: one broadcast map each, built by
// `elementwise` from the tasklet code. Literals take the input's dtype (`lit`), so the same
// code type-checks for f16, f32 and f64 (and for integers where the op allows them).

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ops/expansion.h"
#include "ops/op_groups.h"
#include "ops/op_helpers.h"
#include "ops/op_registry.h"

namespace sluice::ops {
namespace {

// A literal of input k's dtype.
std::string lit(const ExpansionContext& x, double v, int k = 0) {
  return literal(x.input(k).dtype, v);
}

std::string type_of_input(const ExpansionContext& x, int k = 0) {
  return type_name(x.input(k).dtype);
}

bool float_input(const ExpansionContext& x, int k = 0) { return ir::is_float(x.input(k).dtype); }

// Ops written as one expression of `a` (and `b`, ...): `y = <expr>;`.
ExpandFunction unary(std::string expr) {
  return [expr = std::move(expr)](ExpansionContext& x) { elementwise(x, "y = " + expr + ";"); };
}

void require_float(const ExpansionContext& x, int k = 0) {
  if (!float_input(x, k))
    x.fail("input " + std::to_string(k) + " has dtype " + type_of_input(x, k) +
           "; the op takes floating-point values");
}

// Float-only functions of `a` whose code needs the dtype's literals.
template <typename F>
ExpandFunction float_op(F code) {
  return [code](ExpansionContext& x) {
    require_float(x);
    elementwise(x, "y = " + code(x) + ";");
  };
}

void expand_div(ExpansionContext& x) {
  if (float_input(x)) {
    elementwise(x, "y = a / b;");
    return;
  }
  // Integer division truncates toward zero (C, ONNX Runtime); `/` floors.
  elementwise(x, "y = select(a % b != " + lit(x, 0) + " && (a < " + lit(x, 0) + ") != (b < " +
                     lit(x, 0) + "), a / b + " + lit(x, 1) + ", a / b);");
}

void expand_pow(ExpansionContext& x) {
  const std::string t = type_of_input(x);
  if (float_input(x)) {
    elementwise(x, "y = pow(a, cast<" + t + ">(b));");
  } else {
    elementwise(x, "y = cast<" + t + ">(pow(cast<f64>(a), cast<f64>(b)));");
  }
}

void expand_relu(ExpansionContext& x) { elementwise(x, "y = max(a, " + lit(x, 0) + ");"); }

void expand_leaky_relu(ExpansionContext& x) {
  require_float(x);
  elementwise(
      x, "y = select(a < " + lit(x, 0) + ", " + lit(x, x.attr_float("alpha", 0.01)) + " * a, a);");
}

void expand_gelu(ExpansionContext& x) {
  require_float(x);
  const std::string approximate = x.attr_string("approximate", "none");
  if (approximate == "none") {
    elementwise(x, "y = " + lit(x, 0.5) + " * a * (" + lit(x, 1) + " + erf(a * " +
                       lit(x, 1 / std::sqrt(2.0)) + "));");
  } else if (approximate == "tanh") {
    elementwise(x, "y = " + lit(x, 0.5) + " * a * (" + lit(x, 1) + " + tanh(" +
                       lit(x, std::sqrt(2 / M_PI)) + " * (a + " + lit(x, 0.044715) +
                       " * a * a * a)));");
  } else {
    x.fail("attribute 'approximate' is '" + approximate + "'; expected 'none' or 'tanh'");
  }
}

// log(1 + exp(a)) without overflow for large a.
std::string softplus(const ExpansionContext& x, const std::string& a) {
  return "(max(" + a + ", " + lit(x, 0) + ") + log(" + lit(x, 1) + " + exp(-abs(" + a + "))))";
}

void expand_clip(ExpansionContext& x) {
  std::string e = "a";
  // Opset < 11 gives the bounds as attributes; later opsets as optional inputs 1 and 2.
  if (x.has_input(1)) {
    e = "max(" + e + ", b)";
  } else if (x.has_attr("min")) {
    e = "max(" + e + ", " + lit(x, x.attr_float("min")) + ")";
  }
  if (x.has_input(2)) {
    e = "min(" + e + ", c)";
  } else if (x.has_attr("max")) {
    e = "min(" + e + ", " + lit(x, x.attr_float("max")) + ")";
  }
  elementwise(x, "y = " + e + ";");
}

// Variadic ops (Sum, Mean, Min, Max): fold the present inputs left to right.
ExpandFunction variadic(std::string op, bool mean = false) {
  return [op = std::move(op), mean](ExpansionContext& x) {
    std::string e;
    int n = 0;
    for (int k = 0; k < x.num_inputs(); ++k) {
      if (!x.has_input(k)) continue;
      const std::string v(1, static_cast<char>('a' + k));
      if (e.empty()) {
        e = v;
      } else if (op == "+") {
        e.append(" + ").append(v);
      } else {
        e = std::string(op).append("(").append(e).append(", ").append(v).append(")");
      }
      ++n;
    }
    if (n == 0) x.fail("the op needs at least one input");
    if (mean) e = "(" + e + ") / " + lit(x, n);
    elementwise(x, "y = " + e + ";");
  };
}

void expand_cast(ExpansionContext& x) {
  // The output container already has the type; the attribute must be there all the same.
  (void)x.attr_int("to");
  elementwise(x, "y = cast<" + type_name(x.output(0).dtype) + ">(a);");
}

void expand_cast_like(ExpansionContext& x) {
  // Input 1 only gives the type: read input 0 alone.
  elementwise_on(x, "castlike", {{"a", x.input_name(0)}},
                 "y = cast<" + type_name(x.output(0).dtype) + ">(a);", {{"y", x.output_name(0)}},
                 x.output(0).shape);
}

// Dropout. Inference (training_mode absent or 0), or a ratio of 0: the identity, mask all true.
// Training: element e (its linear index in the output, row-major) is kept when
// `philox_uniform(seed, offset, e) >= ratio` (rounded up to the generator's 2^-24 grid); a kept
// element is scaled by 1/(1-ratio), a dropped one is 0; output 1 (optional) is that keep mask.
//  - `seed`: the ONNX attribute (default 0, not random: a program is reproducible).
//  - `offset`: which draw of the seed, so each training step gets a fresh mask: the Sluice
//    attribute `offset` (int, default 0), or, taking precedence, an optional input 3 holding one
//    integer (rank 0 or [1]) that a training loop advances per step without re-expanding.
// The mask is a pure function of (seed, offset, element index): a backward pass regenerates it
// from the same three numbers instead of storing it.
void expand_dropout(ExpansionContext& x) {
  const double ratio = x.attr_float("ratio", 0.5);
  std::vector<std::pair<std::string, std::string>> outs{{"y", x.output_name(0)}};
  if (x.has_output(1)) outs.emplace_back("z", x.output_name(1));
  if (x.attr_int("training_mode", 0) == 0 || ratio == 0.0) {
    const std::string code = x.has_output(1) ? "y = a; z = true;" : "y = a;";
    elementwise_on(x, "dropout", {{"a", x.input_name(0)}}, code, outs, x.output(0).shape);
    return;
  }
  require_float(x);
  if (!(ratio > 0.0 && ratio < 1.0))
    x.fail("attribute 'ratio' is " + std::to_string(ratio) + "; it must lie in [0, 1)");
  std::vector<std::pair<std::string, std::string>> ins{{"a", x.input_name(0)}};
  std::string offset = tasklet_text(ir::Expr(x.attr_int("offset", 0)));
  if (x.num_inputs() > 3 && x.has_input(3)) {
    const ir::Container& c = x.input(3);
    if (!ir::is_integer(c.dtype) || c.rank() > 1 ||
        (c.rank() == 1 && c.shape[0].constant_value() != 1))
      x.fail("input 3 (offset) must be one integer (rank 0 or shape [1]), found " +
             type_name(c.dtype) + " of rank " + std::to_string(c.rank()));
    ins.emplace_back("off", x.input_name(3));
    offset = "off";
  }
  const std::vector<ir::Expr> shape = x.output(0).shape;
  const Point point = param_point(x.params(shape));
  ir::Expr linear = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) linear = linear * shape[d] + point[d];
  // Both thresholds are exact in f32, so the interpreter (double) and generated code (float)
  // decide and scale every element alike.
  constexpr double kGrid = 16777216.0;  // 2^24: philox_uniform's resolution
  const double threshold = std::ceil(ratio * kGrid) / kGrid;
  const ir::DType t = x.input(0).dtype;
  double scale = 1.0 / (1.0 - ratio);
  if (t != ir::DType::f64) scale = static_cast<double>(static_cast<float>(scale));
  std::string code = "let keep: bool = philox_uniform(" +
                     tasklet_text(ir::Expr(x.attr_int("seed", 0))) + ", " + offset + ", " +
                     tasklet_text(linear) + ") >= " + literal(ir::DType::f32, threshold) +
                     "; y = select(keep, a * " + lit(x, scale) + ", " + lit(x, 0) + ");";
  if (x.has_output(1)) code += " z = keep;";
  elementwise_on(x, "dropout", ins, code, outs, shape);
}

void expand_sign(ExpansionContext& x) {
  elementwise(x, "y = select(a > " + lit(x, 0) + ", " + lit(x, 1) + ", select(a < " + lit(x, 0) +
                     ", " + lit(x, -1) + ", " + lit(x, 0) + "));");
}

// Round half to even: the fraction decides, an exact half goes to the even neighbour.
void expand_round(ExpansionContext& x) {
  require_float(x);
  const std::string t = type_of_input(x);
  elementwise(x, "let f: " + t + " = floor(a); let d: " + t + " = a - f; y = f + select(d > " +
                     lit(x, 0.5) + ", " + lit(x, 1) + ", select(d < " + lit(x, 0.5) + ", " +
                     lit(x, 0) + ", f - " + lit(x, 2) + " * floor(f * " + lit(x, 0.5) + ")));");
}

void expand_elu(ExpansionContext& x) {
  require_float(x);
  const std::string alpha = lit(x, x.attr_float("alpha", 1.0));
  elementwise(
      x, "y = select(a < " + lit(x, 0) + ", " + alpha + " * (exp(a) - " + lit(x, 1) + "), a);");
}

void expand_selu(ExpansionContext& x) {
  require_float(x);
  const std::string alpha = lit(x, x.attr_float("alpha", 1.6732632423543772848170429916717));
  const std::string gamma = lit(x, x.attr_float("gamma", 1.0507009873554804934193349852946));
  elementwise(x, "y = " + gamma + " * select(a <= " + lit(x, 0) + ", " + alpha + " * exp(a) - " +
                     alpha + ", a);");
}

void expand_celu(ExpansionContext& x) {
  require_float(x);
  const double alpha = x.attr_float("alpha", 1.0);
  if (alpha == 0.0) x.fail("attribute 'alpha' must not be 0");
  elementwise(x, "y = max(" + lit(x, 0) + ", a) + min(" + lit(x, 0) + ", " + lit(x, alpha) +
                     " * (exp(a / " + lit(x, alpha) + ") - " + lit(x, 1) + "));");
}

void expand_hard_sigmoid(ExpansionContext& x) {
  require_float(x);
  elementwise(x, "y = max(" + lit(x, 0) + ", min(" + lit(x, 1) + ", " +
                     lit(x, x.attr_float("alpha", 0.2)) + " * a + " +
                     lit(x, x.attr_float("beta", 0.5)) + "));");
}

void expand_hard_swish(ExpansionContext& x) {
  require_float(x);
  elementwise(x, "y = a * max(" + lit(x, 0) + ", min(" + lit(x, 1) + ", " + lit(x, 1.0 / 6.0) +
                     " * a + " + lit(x, 0.5) + "));");
}

void expand_prelu(ExpansionContext& x) {
  elementwise(x, "y = select(a < " + lit(x, 0) + ", b * a, a);");
}

void expand_thresholded_relu(ExpansionContext& x) {
  require_float(x);
  elementwise(x,
              "y = select(a > " + lit(x, x.attr_float("alpha", 1.0)) + ", a, " + lit(x, 0) + ");");
}

void expand_shrink(ExpansionContext& x) {
  const double lambd = x.attr_float("lambd", 0.5);
  const double bias = x.attr_float("bias", 0.0);
  elementwise(x, "y = select(a < " + lit(x, -lambd) + ", a + " + lit(x, bias) + ", select(a > " +
                     lit(x, lambd) + ", a - " + lit(x, bias) + ", " + lit(x, 0) + "));");
}

void expand_is_inf(ExpansionContext& x) {
  require_float(x);
  const bool negative = x.attr_int("detect_negative", 1) != 0;
  const bool positive = x.attr_int("detect_positive", 1) != 0;
  std::string e = "false";
  if (positive) e = "a == " + lit(x, std::numeric_limits<double>::infinity());
  if (negative)
    e = (positive ? e + " || " : std::string()) +
        "a == " + lit(x, -std::numeric_limits<double>::infinity());
  elementwise(x, "y = " + e + ";");
}

void expand_mod(ExpansionContext& x) {
  const bool fmod = x.attr_int("fmod", 0) != 0;
  const std::string t = type_of_input(x);
  if (float_input(x)) {
    // fmod: a - b * trunc(a / b); otherwise floor semantics (the sign of b).
    const std::string q =
        fmod ? "select(a / b < " + lit(x, 0) + ", ceil(a / b), floor(a / b))" : "floor(a / b)";
    elementwise(x, "y = a - b * " + q + ";");
  } else if (fmod) {
    // The remainder of truncated division has the sign of a.
    elementwise(x, "let r: " + t + " = a % b; y = select(r != " + lit(x, 0) + " && (r < " +
                       lit(x, 0) + ") != (a < " + lit(x, 0) + "), r - b, r);");
  } else {
    elementwise(x, "y = a % b;");
  }
}

void expand_bit_shift(ExpansionContext& x) {
  if (float_input(x)) x.fail("BitShift takes integers");
  const std::string direction = x.attr_string("direction");
  const std::string t = type_of_input(x);
  const std::string scale = "cast<" + t + ">(pow(2.0, cast<f64>(b)))";
  if (direction == "LEFT") {
    elementwise(x, "y = a * " + scale + ";");
  } else if (direction == "RIGHT") {
    elementwise(x, "y = a / " + scale + ";");
  } else {
    x.fail("attribute 'direction' is '" + direction + "'; expected LEFT or RIGHT");
  }
}

// atan(v) in the tasklet language, which has no inverse trigonometric functions: `halvings`
// half-angle steps atan(v) = 2 atan(v / (1 + sqrt(1 + v^2))) bring |v| below tan(pi/16) when
// it starts at most 1 after the first (or anywhere with 3), where 13 terms of the alternating
// series are exact in double precision (0.04^13 < 1e-17). Statements defining the local `r`.
std::string atan_code(const ExpansionContext& x, const std::string& v, int halvings) {
  const std::string t = type_of_input(x);
  std::string code = "let h0: " + t + " = " + v + ";";
  const std::string one = lit(x, 1);
  for (int k = 1; k <= halvings; ++k) {
    const std::string prev = "h" + std::to_string(k - 1);
    code.append(" let h").append(std::to_string(k)).append(": ").append(t).append(" = ");
    code.append(prev).append(" / (").append(one).append(" + sqrt(").append(one).append(" + ");
    code.append(prev).append(" * ").append(prev).append("));");
  }
  const std::string h = "h" + std::to_string(halvings);
  // Horner's scheme, innermost term first.
  std::string poly = lit(x, 1.0 / 25.0);
  for (int n = 11; n >= 0; --n) {
    std::string outer = lit(x, (n % 2 == 0 ? 1.0 : -1.0) / (2 * n + 1));
    poly = outer.append(" + s * (").append(poly).append(")");
  }
  code.append(" let s: ").append(t).append(" = ").append(h).append(" * ").append(h);
  code.append("; let r: ").append(t).append(" = ");
  code.append(lit(x, static_cast<double>(1 << halvings))).append(" * ").append(h);
  code.append(" * (").append(poly).append(");");
  return code;
}

void expand_atan(ExpansionContext& x) {
  require_float(x);
  elementwise(x, atan_code(x, "a", 3) + " y = r;");
}

// asin(a) = 2 atan(a / (1 + sqrt(1 - a^2))), exact at a = +-1; acos(a) = pi/2 - asin(a).
void expand_asin(ExpansionContext& x) {
  require_float(x);
  elementwise(x, atan_code(x, "a / (" + lit(x, 1) + " + sqrt(" + lit(x, 1) + " - a * a))", 2) +
                     " y = " + lit(x, 2) + " * r;");
}

void expand_acos(ExpansionContext& x) {
  require_float(x);
  elementwise(x, atan_code(x, "a / (" + lit(x, 1) + " + sqrt(" + lit(x, 1) + " - a * a))", 2) +
                     " y = " + lit(x, M_PI / 2) + " - " + lit(x, 2) + " * r;");
}

std::string sinh_of(const ExpansionContext& x, const std::string& a) {
  return "(" + lit(x, 0.5) + " * (exp(" + a + ") - exp(-" + a + ")))";
}

}  // namespace

void add_elementwise_ops(OpTable& table) {
  // Arithmetic.
  table.add("Add", unary("a + b"));
  table.add("Sub", unary("a - b"));
  table.add("Mul", unary("a * b"));
  table.add("Div", expand_div);
  table.add("Pow", expand_pow);
  table.add("Neg", unary("-a"));
  table.add("Abs", unary("abs(a)"));
  table.add("Reciprocal", float_op([](const ExpansionContext& x) { return lit(x, 1) + " / a"; }));
  table.add("Sqrt", float_op([](const ExpansionContext&) { return std::string("sqrt(a)"); }));
  table.add("Exp", float_op([](const ExpansionContext&) { return std::string("exp(a)"); }));
  table.add("Log", float_op([](const ExpansionContext&) { return std::string("log(a)"); }));
  table.add("Tanh", float_op([](const ExpansionContext&) { return std::string("tanh(a)"); }));
  table.add("Erf", float_op([](const ExpansionContext&) { return std::string("erf(a)"); }));
  table.add("Sigmoid", float_op([](const ExpansionContext&) { return std::string("sigmoid(a)"); }));
  table.add("Floor", float_op([](const ExpansionContext&) { return std::string("floor(a)"); }));
  table.add("Ceil", float_op([](const ExpansionContext&) { return std::string("ceil(a)"); }));
  table.add("Round", expand_round);
  table.add("Sign", expand_sign);
  table.add("Mod", expand_mod);
  table.add("BitShift", expand_bit_shift);
  table.add("Sum", variadic("+"));
  table.add("Mean", variadic("+", true));
  table.add("Min", variadic("min"));
  table.add("Max", variadic("max"));
  table.add("Clip", expand_clip);
  // Trigonometric and hyperbolic functions.
  table.add("Sin", float_op([](const ExpansionContext&) { return std::string("sin(a)"); }));
  table.add("Cos", float_op([](const ExpansionContext&) { return std::string("cos(a)"); }));
  table.add("Tan",
            float_op([](const ExpansionContext&) { return std::string("sin(a) / cos(a)"); }));
  table.add("Asin", expand_asin);
  table.add("Acos", expand_acos);
  table.add("Atan", expand_atan);
  table.add("Sinh", float_op([](const ExpansionContext& x) { return sinh_of(x, "a"); }));
  table.add("Cosh", float_op([](const ExpansionContext& x) {
              return lit(x, 0.5) + " * (exp(a) + exp(-a))";
            }));
  // asinh is odd: compute it on |a| (no cancellation for large negative a).
  table.add("Asinh", float_op([](const ExpansionContext& x) {
              return "select(a < " + lit(x, 0) + ", -" + lit(x, 1) + ", " + lit(x, 1) +
                     ") * log(abs(a) + sqrt(a * a + " + lit(x, 1) + "))";
            }));
  table.add("Acosh", float_op([](const ExpansionContext& x) {
              return "log(a + sqrt(a * a - " + lit(x, 1) + "))";
            }));
  table.add("Atanh", float_op([](const ExpansionContext& x) {
              return lit(x, 0.5) + " * log((" + lit(x, 1) + " + a) / (" + lit(x, 1) + " - a))";
            }));
  // Activations.
  table.add("Relu", expand_relu);
  table.add("LeakyRelu", expand_leaky_relu);
  table.add("Gelu", expand_gelu);
  table.add("Softplus", float_op([](const ExpansionContext& x) { return softplus(x, "a"); }));
  table.add("Softsign",
            float_op([](const ExpansionContext& x) { return "a / (" + lit(x, 1) + " + abs(a))"; }));
  table.add("Mish", float_op([](const ExpansionContext& x) {
              return "a * tanh(" + softplus(x, "a") + ")";
            }));
  table.add("Elu", expand_elu);
  table.add("Selu", expand_selu);
  table.add("Celu", expand_celu);
  table.add("HardSigmoid", expand_hard_sigmoid);
  table.add("HardSwish", expand_hard_swish);
  table.add("PRelu", expand_prelu);
  table.add("ThresholdedRelu", expand_thresholded_relu);
  table.add("Shrink", expand_shrink);
  // Comparisons, logic, selection, tests.
  table.add("Equal", unary("a == b"));
  table.add("Less", unary("a < b"));
  table.add("LessOrEqual", unary("a <= b"));
  table.add("Greater", unary("a > b"));
  table.add("GreaterOrEqual", unary("a >= b"));
  table.add("And", unary("a && b"));
  table.add("Or", unary("a || b"));
  table.add("Xor", unary("a != b"));
  table.add("Not", unary("!a"));
  table.add("Where", unary("select(a, b, c)"));
  table.add("IsNaN", float_op([](const ExpansionContext&) { return std::string("a != a"); }));
  table.add("IsInf", expand_is_inf);
  // Types and identities.
  table.add("Cast", expand_cast);
  table.add("CastLike", expand_cast_like);
  table.add("Dropout", expand_dropout);
}

}  // namespace sluice::ops
