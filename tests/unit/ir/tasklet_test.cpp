// Parsing and printing of the tasklet language: round trips, canonical text, diagnostics.
#include "ir/tasklet.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "ir/diagnostic.h"

namespace sluice::ir {
namespace {

using E = TaskletExpr;

E var(const char* name) { return E::variable(name); }
E flt(double v) { return E::floating(v); }
E num(std::int64_t v) { return E::integer(v); }
E exp(E a) { return E::make(TaskletOp::Exp, {std::move(a)}); }

// Canonical text is a fixed point and parses back to the same tree.
void expect_round_trip(const std::string& text) {
  SCOPED_TRACE(text);
  const TaskletCode code = parse_tasklet(text);
  const std::string printed = print_tasklet(code);
  EXPECT_EQ(parse_tasklet(printed), code);
  EXPECT_EQ(print_tasklet(parse_tasklet(printed)), printed);
}

std::string canonical(const std::string& text) { return print_tasklet(parse_tasklet(text)); }
std::string canonical_expr(const std::string& text) {
  return print_tasklet_expr(parse_tasklet_expr(text));
}

// The diagnostic of parsing `text`, as "LOCATION: MESSAGE".
std::string parse_error(const std::string& text) {
  try {
    parse_tasklet(text);
  } catch (const UserError& e) {
    const auto& d = e.diagnostics().at(0);
    return d.location + ": " + d.message;
  }
  return "no error";
}

TEST(TaskletParse, GeluBuildsTheExpectedTree) {
  const TaskletCode code = parse_tasklet("y = 0.5 * x * (1.0 + erf(x * 0.7071067811865476));");
  ASSERT_EQ(code.statements.size(), 1u);
  const auto& s = code.statements[0];
  EXPECT_EQ(s.target, "y");
  EXPECT_FALSE(s.let_type);
  const E expected =
      flt(0.5) * var("x") *
      (flt(1.0) + E::make(TaskletOp::Erf, {var("x") * flt(0.7071067811865476)}));
  EXPECT_EQ(s.value, expected);
  EXPECT_EQ(print_tasklet(code), "y = 0.5 * x * (1.0 + erf(x * 0.7071067811865476));");
}

TEST(TaskletParse, LetDeclaresATypedLocal) {
  const TaskletCode code = parse_tasklet("let t: f16 = cast<f16>(x);\ny = t * t;");
  ASSERT_EQ(code.statements.size(), 2u);
  EXPECT_EQ(code.statements[0].target, "t");
  EXPECT_EQ(code.statements[0].let_type, DType::f16);
  EXPECT_EQ(code.statements[0].value, E::cast(DType::f16, var("x")));
  EXPECT_EQ(code.statements[1].value, var("t") * var("t"));
}

TEST(TaskletParse, RoundTripsPrograms) {
  for (const char* text : {
           "y = 0.5 * x * (1.0 + erf(x * 0.7071067811865476));",
           "e = exp(x - m);",
           "let d: f32 = x - m;\ne = exp(d);\ns = e / sum;",
           "y = select(x > 0.0, x, 0.01 * x);",
           "y = cast<bf16>(a) * b;\nz = cast<f32>(y);",
           "let r: f32 = rsqrt(var + 1e-5);\ny = (x - mean) * r * gamma + beta;",
           "out = i * N + j;",
           "ok = !(a < b) && (c == d || e != f);",
           "y = pow(x, 3.0) + min(a, b) - max(a, b) + abs(-c);",
           "y = tanh(x);\nz = sigmoid(x) * sin(x) / cos(x);\nw = floor(x) + ceil(x) + log(sqrt(x));",
           "q = i / 4 % 3;",
           "y = -x;\nz = --x;\nw = !!b;",
           "y = 1e30 * x + 1e-30;",
           "y = inf;\nz = -inf;",
           "flag = true;\nother = false;",
           "",
       })
    expect_round_trip(text);
}

TEST(TaskletParse, CommentsAndWhitespaceAreFree) {
  EXPECT_EQ(canonical("  // the GeLU\n\ty=x*\n 2 ;// trailing\r\n"), "y = x * 2;");
  EXPECT_EQ(canonical("let   t :f32=  x;"), "let t: f32 = x;");
  EXPECT_EQ(canonical_expr("cast < i32 > ( x )"), "cast<i32>(x)");
}

TEST(TaskletPrint, UsesMinimalParentheses) {
  EXPECT_EQ(canonical_expr("a - (b - c)"), "a - (b - c)");
  EXPECT_EQ(canonical_expr("(a - b) - c"), "a - b - c");
  EXPECT_EQ(canonical_expr("(a * b) + c"), "a * b + c");
  EXPECT_EQ(canonical_expr("a * (b + c)"), "a * (b + c)");
  EXPECT_EQ(canonical_expr("a / (b * c)"), "a / (b * c)");
  EXPECT_EQ(canonical_expr("(a / b) * c"), "a / b * c");
  EXPECT_EQ(canonical_expr("((a))"), "a");
  EXPECT_EQ(canonical_expr("-(a * b)"), "-(a * b)");
  EXPECT_EQ(canonical_expr("(-a) * b"), "-a * b");
  EXPECT_EQ(canonical_expr("-(-a)"), "--a");
  EXPECT_EQ(canonical_expr("!(a && b)"), "!(a && b)");
  EXPECT_EQ(canonical_expr("(a || b) && c"), "(a || b) && c");
  EXPECT_EQ(canonical_expr("a || (b && c)"), "a || b && c");
  EXPECT_EQ(canonical_expr("(a < b) == (c < d)"), "a < b == c < d");
  EXPECT_EQ(canonical_expr("a < (b + c)"), "a < b + c");
  EXPECT_EQ(canonical_expr("exp((a + b))"), "exp(a + b)");
  EXPECT_EQ(canonical_expr("select((a),(b),(c))"), "select(a, b, c)");
  EXPECT_EQ(canonical_expr("a - -b"), "a - -b");
}

TEST(TaskletPrint, PrecedenceAndAssociativityParse) {
  EXPECT_EQ(parse_tasklet_expr("a + b * c"), var("a") + var("b") * var("c"));
  EXPECT_EQ(parse_tasklet_expr("a - b - c"), (var("a") - var("b")) - var("c"));
  EXPECT_EQ(parse_tasklet_expr("-a * b"), (-var("a")) * var("b"));
  EXPECT_EQ(parse_tasklet_expr("a || b && c"),
            E::make(TaskletOp::Or, {var("a"), E::make(TaskletOp::And, {var("b"), var("c")})}));
  EXPECT_EQ(parse_tasklet_expr("a + 1 < b * 2"),
            E::make(TaskletOp::Lt, {var("a") + num(1), var("b") * num(2)}));
}

TEST(TaskletPrint, FloatLiteralsAreShortestAndExact) {
  EXPECT_EQ(print_tasklet_expr(flt(1.0)), "1.0");
  EXPECT_EQ(print_tasklet_expr(flt(0.0)), "0.0");
  EXPECT_EQ(print_tasklet_expr(flt(0.5)), "0.5");
  EXPECT_EQ(print_tasklet_expr(flt(1e-5)), "0.00001");
  EXPECT_EQ(print_tasklet_expr(flt(1e-6)), "1e-6");
  EXPECT_EQ(print_tasklet_expr(flt(1e20)), "1e20");
  EXPECT_EQ(print_tasklet_expr(flt(123.0)), "123.0");
  EXPECT_EQ(print_tasklet_expr(flt(0.1)), "0.1");
  EXPECT_EQ(print_tasklet_expr(flt(std::numeric_limits<double>::infinity())), "inf");
  for (double v : {0.1, 1.0 / 3.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                   1e16, 9999999999999998.0, 1e-5, 0.7071067811865476, 3.0e-7}) {
    const E parsed = parse_tasklet_expr(print_tasklet_expr(flt(v)));
    ASSERT_EQ(parsed.op(), TaskletOp::Float) << v;
    EXPECT_EQ(parsed.float_value(), v);
  }
  EXPECT_EQ(parse_tasklet_expr("1E3").float_value(), 1000.0);
  EXPECT_EQ(parse_tasklet_expr("2.5e+2").float_value(), 250.0);
}

TEST(TaskletExpr, NegativeLiteralsBecomeNegations) {
  EXPECT_EQ(num(-3), -num(3));
  EXPECT_EQ(flt(-2.5), -flt(2.5));
  EXPECT_EQ(flt(-0.0), -flt(0.0));
  EXPECT_EQ(print_tasklet_expr(num(-3)), "-3");
  EXPECT_EQ(parse_tasklet_expr("-3"), num(-3));
  const E lowest = num(std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(print_tasklet_expr(lowest), "-9223372036854775807 - 1");
  EXPECT_EQ(parse_tasklet_expr(print_tasklet_expr(lowest)), lowest);
  EXPECT_EQ(evaluate_tasklet_expr(lowest, {}), -9223372036854775808.0);
}

TEST(TaskletExpr, ValueSemanticsAndStructuralEquality) {
  E a = parse_tasklet_expr("exp(x - m) * 2.0");
  E b = a;
  EXPECT_EQ(a, b);
  b = b.with_operands({b.operand(0), flt(3.0)});
  EXPECT_NE(a, b);
  EXPECT_EQ(print_tasklet_expr(a), "exp(x - m) * 2.0");
  EXPECT_EQ(print_tasklet_expr(b), "exp(x - m) * 3.0");
  EXPECT_NE(num(1), flt(1.0));
  EXPECT_NE(E::cast(DType::f16, var("x")), E::cast(DType::bf16, var("x")));
  EXPECT_EQ(E(), E::boolean(true));
  EXPECT_EQ(a.depth(), 4);
  EXPECT_EQ(TaskletCode(), parse_tasklet(""));
}

TEST(TaskletExpr, OpTableIsConsistent) {
  EXPECT_EQ(tasklet_function("exp"), TaskletOp::Exp);
  EXPECT_EQ(tasklet_function("select"), TaskletOp::Select);
  EXPECT_EQ(tasklet_function("cast"), std::nullopt);
  EXPECT_EQ(tasklet_function("foo"), std::nullopt);
  EXPECT_EQ(tasklet_op_info(TaskletOp::Pow).arity, 2);
  EXPECT_EQ(tasklet_op_info(TaskletOp::Select).arity, 3);
  EXPECT_EQ(tasklet_op_info(TaskletOp::Mul).spelling, "*");
  EXPECT_TRUE(is_tasklet_identifier("__in1"));
  EXPECT_TRUE(is_tasklet_identifier("max"));
  EXPECT_FALSE(is_tasklet_identifier("let"));
  EXPECT_FALSE(is_tasklet_identifier("1x"));
  EXPECT_FALSE(is_tasklet_identifier(""));
  EXPECT_THROW(E::variable("a b"), InternalError);
  EXPECT_THROW(E::make(TaskletOp::Exp, {var("a"), var("b")}), InternalError);
  EXPECT_THROW(flt(std::nan("")), InternalError);
}

TEST(TaskletParse, FunctionNamesCanBeVariables) {
  EXPECT_EQ(parse_tasklet_expr("max + exp"), var("max") + var("exp"));
  EXPECT_EQ(parse_tasklet_expr("max(max, 1.0)"),
            E::make(TaskletOp::Max, {var("max"), flt(1.0)}));
  expect_round_trip("exp = max(max, 1.0);");
}

TEST(TaskletParse, ErrorsNameLineColumnAndWhatWasExpected) {
  EXPECT_EQ(parse_error("y = ;"), "line 1, column 5: expected an expression, found ';'");
  EXPECT_EQ(parse_error("y = x"), "line 1, column 6: expected ';' after the statement, found end of input");
  EXPECT_EQ(parse_error("y = x;\nz = y +\n  * 2;"),
            "line 3, column 3: expected an expression, found '*'");
  EXPECT_EQ(parse_error("y x;"), "line 1, column 3: expected '=', found 'x'");
  EXPECT_EQ(parse_error("1 = x;"), "line 1, column 1: expected a statement (a name or 'let'), found '1'");
  EXPECT_EQ(parse_error("true = x;"),
            "line 1, column 1: expected a statement (a name or 'let'), found 'true'");
  EXPECT_EQ(parse_error("let t = x;"),
            "line 1, column 7: expected ':' and a type after the local name, found '='");
  EXPECT_EQ(parse_error("let cast: f32 = x;"),
            "line 1, column 5: expected a local name after 'let', found 'cast'");
  EXPECT_EQ(parse_error("let t: f33 = x;"),
            "line 1, column 8: unknown type 'f33'; expected f32, f16, bf16, f64, i8, i32, i64 or bool");
  EXPECT_EQ(parse_error("y = foo(x);"), "line 1, column 5: unknown function 'foo'");
  EXPECT_EQ(parse_error("y = exp(x, 2.0);"), "line 1, column 5: 'exp' takes 1 argument, found 2");
  EXPECT_EQ(parse_error("y = pow(x);"), "line 1, column 5: 'pow' takes 2 arguments, found 1");
  EXPECT_EQ(parse_error("y = select();"), "line 1, column 5: 'select' takes 3 arguments, found 0");
  EXPECT_EQ(parse_error("y = exp(x;"),
            "line 1, column 10: expected ')' after the arguments of 'exp', found ';'");
  EXPECT_EQ(parse_error("y = (a + b;"),
            "line 1, column 11: expected ')' to close the '(' at line 1, column 5, found ';'");
  EXPECT_EQ(parse_error("y = cast(x);"), "line 1, column 9: expected '<' after 'cast', found '('");
  EXPECT_EQ(parse_error("y = cast<f32 x;"),
            "line 1, column 14: expected '>' after the type of the cast, found 'x'");
  EXPECT_EQ(parse_error("y = cast<f32>x;"),
            "line 1, column 14: expected '(' after 'cast<...>', found 'x'");
  EXPECT_EQ(parse_error("y = x $ 2;"), "line 1, column 7: unexpected character '$'");
  EXPECT_EQ(parse_error("y = x & b;"), "line 1, column 7: unexpected character '&'");
  EXPECT_EQ(parse_error(std::string("y = \x01;")), "line 1, column 5: unexpected character '\\x01'");
  EXPECT_EQ(parse_error("y = 1.;"), "line 1, column 5: malformed number '1.'");
  EXPECT_EQ(parse_error("y = 1e;"), "line 1, column 5: malformed number '1e'");
  EXPECT_EQ(parse_error("y = 12abc;"), "line 1, column 5: malformed number '12abc'");
  EXPECT_EQ(parse_error("y = 1.5.2;"), "line 1, column 5: malformed number '1.5.2'");
  EXPECT_EQ(parse_error("y = 99999999999999999999;"),
            "line 1, column 5: integer literal '99999999999999999999' is out of range");
  EXPECT_EQ(parse_error("y = 1e999;"), "line 1, column 5: float literal '1e999' is out of range");
  EXPECT_EQ(parse_error("y = let;"), "line 1, column 5: expected an expression, found 'let'");
  EXPECT_EQ(parse_error(";"), "line 1, column 1: expected a statement (a name or 'let'), found ';'");
  // Two-character operators are single tokens, taken one at a time.
  EXPECT_EQ(parse_error("y = a ==!= b;"), "line 1, column 9: expected an expression, found '!='");
  EXPECT_EQ(parse_error("y = a <== b;"), "line 1, column 9: expected an expression, found '='");
  try {
    parse_tasklet_expr("a b");
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_EQ(e.diagnostics().at(0).location, "line 1, column 3");
    EXPECT_EQ(e.diagnostics().at(0).message, "expected end of input, found 'b'");
  }
}

TEST(TaskletParse, DepthIsLimited) {
  const int n = kMaxTaskletDepth;
  // At the limit: accepted.
  EXPECT_NO_THROW(parse_tasklet_expr(std::string(n - 1, '(') + "x" + std::string(n - 1, ')')));
  EXPECT_NO_THROW(parse_tasklet_expr(std::string(n - 1, '-') + "x"));
  // One past it: refused at the token that crosses it.
  EXPECT_EQ(parse_error("y = " + std::string(n + 1, '(') + "x" + std::string(n + 1, ')') + ";"),
            "line 1, column " + std::to_string(4 + n + 1) +
                ": expression nested too deeply (more than 200 levels)");
  EXPECT_EQ(parse_error("y = " + std::string(n, '-') + "x;"),
            "line 1, column 5: expression nested too deeply (more than 200 levels)");
  std::string chain = "y = x";
  for (int i = 0; i < n; ++i) chain += " + x";
  EXPECT_EQ(parse_error(chain + ";"),
            "line 1, column " + std::to_string(3 + 4 * n) +  // the 200th '+'
                ": expression nested too deeply (more than 200 levels)");
  // Hostile input far beyond the limit fails cleanly instead of exhausting the stack.
  EXPECT_THROW(parse_tasklet("y = " + std::string(20000, '(')), UserError);
  EXPECT_THROW(parse_tasklet("y = " + std::string(20000, '!') + "b;"), UserError);
}

TEST(TaskletParse, AnyPrintableTreeParsesBack) {
  // A right-nested chain prints with parentheses at every level; at the depth limit it still
  // parses, so printing never produces text the parser refuses.
  E e = var("x");
  for (int i = 0; e.depth() + 2 <= kMaxTaskletDepth; ++i)
    e = var("a") - (i % 2 ? -e : exp(e) * var("b"));
  ASSERT_GE(e.depth(), kMaxTaskletDepth - 1);
  EXPECT_EQ(parse_tasklet_expr(print_tasklet_expr(e)), e);
}

}  // namespace
}  // namespace sluice::ir
