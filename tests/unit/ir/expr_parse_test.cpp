// Parsing the text form of symbolic expressions: values, precedence, round trips, diagnostics.

#include <iostream>
#include <random>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "ir/expr.h"

namespace sluice::ir {
namespace {

const Expr N = Expr::symbol("N");
const Expr M = Expr::symbol("M");
const Expr i = Expr::symbol("i");

/// The diagnostic thrown by parsing `text`; fails the test if it parses.
Diagnostic parse_error(std::string_view text) {
  try {
    Expr e = parse_expr(text);
    ADD_FAILURE() << "'" << text << "' parsed as " << e.str();
  } catch (const UserError& e) {
    return e.diagnostics().front();
  }
  return {};
}

TEST(ExprParse, Basics) {
  EXPECT_EQ(parse_expr("0"), Expr(0));
  EXPECT_EQ(parse_expr("42"), Expr(42));
  EXPECT_EQ(parse_expr("-42"), Expr(-42));
  EXPECT_EQ(parse_expr("N"), N);
  EXPECT_EQ(parse_expr("  2*N   +1 "), 2 * N + 1);
  EXPECT_EQ(parse_expr("\tN\n-\rM"), N - M);
  EXPECT_EQ(parse_expr("(N + 1) * 2 - 2"), 2 * N);
  EXPECT_EQ(parse_expr("floordiv(i, 4)"), floordiv(i, 4));
  EXPECT_EQ(parse_expr("mod(i, 4)"), mod(i, 4));
  EXPECT_EQ(parse_expr("min(M, 32)"), min(M, 32));
  EXPECT_EQ(parse_expr("max(M, N, 0, N + 1)"), max({M, N + 1, 0}));
  EXPECT_EQ(parse_expr("i // 4"), floordiv(i, 4));
  EXPECT_EQ(parse_expr("i % 4"), mod(i, 4));
  EXPECT_EQ(parse_expr("N_1 + _x"), Expr::symbol("N_1") + Expr::symbol("_x"));
  EXPECT_EQ(parse_expr("9223372036854775807"), Expr(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(parse_expr("-9223372036854775808"), Expr(std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(parse_expr("min"), Expr::symbol("min"));  // a name is a call only before '('
}

TEST(ExprParse, PrecedenceFollowsPython) {
  std::map<std::string, std::int64_t> v = {{"a", 7}, {"b", 3}, {"c", 2}, {"d", -5}};
  auto eval = [&](const char* text) { return parse_expr(text).evaluate(v); };
  EXPECT_EQ(eval("a + b * c"), 13);
  EXPECT_EQ(eval("(a + b) * c"), 20);
  EXPECT_EQ(eval("a - b - c"), 2);
  EXPECT_EQ(eval("a - (b - c)"), 6);
  EXPECT_EQ(eval("a * b // c"), 10);  // (a*b)//c
  EXPECT_EQ(eval("a // c * b"), 9);   // (a//c)*b
  EXPECT_EQ(eval("a % b * c"), 2);    // (a%b)*c
  EXPECT_EQ(eval("d // c"), -3);
  EXPECT_EQ(eval("d % c"), 1);
  EXPECT_EQ(eval("-a // c"), -4);  // (-a)//c
  EXPECT_EQ(eval("-a % b"), 2);
  EXPECT_EQ(eval("- -a"), 7);
  EXPECT_EQ(eval("a * -b"), -21);
  EXPECT_EQ(eval("a - -b"), 10);
  EXPECT_EQ(eval("-(a + b) * c"), -20);
  EXPECT_EQ(eval("floordiv(a + b, c) + mod(d, b)"), 6);
  EXPECT_EQ(eval("min(a, b, c) + max(a, d)"), 9);
  EXPECT_EQ(eval("-2 * a"), -14);
}

TEST(ExprParse, RoundTripsFixedCases) {
  const Expr K = Expr::symbol("K");
  std::vector<Expr> cases = {
      Expr(0),
      Expr(-3),
      N,
      -N,
      2 * N + 1,
      N - M,
      N * M,
      -N * M,
      3 - N * M,
      i * N + Expr::symbol("j"),
      floordiv(i, 4),
      mod(i, 4),
      min(M, 32),
      max({N, M, K}),
      floordiv(N - 1, 4) * M,
      mod(N * M + 3, K),
      min(N - 1, M + 2) * 2 - K,
      floordiv(N, 0),
      mod(N, 0),
      floordiv(N, -4),
      mod(N, -4),
      2 * mod(i, 2) - 1,
      max(N * N, floordiv(-N, M)),
      N * (N + M) * (K - 1),
      -min(-N, -M),
  };
  for (const Expr& e : cases) {
    SCOPED_TRACE(e.str());
    EXPECT_EQ(parse_expr(e.str()), e);
    EXPECT_EQ(parse_expr(e.str()).str(), e.str());
  }
}

TEST(ExprParse, ErrorsNameWhatWasExpected) {
  Diagnostic d = parse_error("(N + 1");
  EXPECT_EQ(d.location, "column 7");
  EXPECT_EQ(d.message, "expected ')' but found end of input");

  d = parse_error("");
  EXPECT_EQ(d.location, "column 1");
  EXPECT_EQ(d.message, "expected an expression but found end of input");

  d = parse_error("N +");
  EXPECT_EQ(d.location, "column 4");
  EXPECT_EQ(d.message, "expected an expression but found end of input");

  d = parse_error("N + * M");
  EXPECT_EQ(d.location, "column 5");
  EXPECT_EQ(d.message, "expected an expression but found '*'");

  d = parse_error("N M");
  EXPECT_EQ(d.location, "column 3");
  EXPECT_EQ(d.message, "expected an operator or end of input but found identifier 'M'");

  d = parse_error("N)");
  EXPECT_EQ(d.location, "column 2");
  EXPECT_EQ(d.message, "expected an operator or end of input but found ')'");

  d = parse_error("min(N M)");
  EXPECT_EQ(d.location, "column 7");
  EXPECT_EQ(d.message, "expected ',' or ')' but found identifier 'M'");

  d = parse_error("min(N)");
  EXPECT_EQ(d.location, "column 1");
  EXPECT_EQ(d.message, "min takes at least 2 arguments but was given 1");

  d = parse_error("floordiv(N, 2, 3)");
  EXPECT_EQ(d.message, "floordiv takes 2 arguments but was given 3");

  d = parse_error("N + foo(1)");
  EXPECT_EQ(d.location, "column 5");
  EXPECT_EQ(d.message, "unknown function 'foo' (expected floordiv, mod, min or max)");

  d = parse_error("N / 2");
  EXPECT_EQ(d.location, "column 3");
  EXPECT_EQ(d.message, "expected '//' but found '/' (use // for floor division)");

  d = parse_error("N $ 2");
  EXPECT_EQ(d.location, "column 3");
  EXPECT_EQ(d.message, "unexpected character '$'");

  d = parse_error("N + \x01");
  EXPECT_EQ(d.message, "unexpected character '\\x01'");

  d = parse_error("2N");
  EXPECT_EQ(d.location, "column 2");
  EXPECT_EQ(d.message, "unexpected character 'N' after integer 2");

  d = parse_error("N + 9223372036854775808");
  EXPECT_EQ(d.location, "column 5");
  EXPECT_EQ(d.message, "integer 9223372036854775808 is out of range");

  d = parse_error("99999999999999999999999");
  EXPECT_EQ(d.message, "integer 99999999999999999999999 is out of range");

  d = parse_error("min()");
  EXPECT_EQ(d.location, "column 5");
  EXPECT_EQ(d.message, "expected an expression but found ')'");

  d = parse_error("9223372036854775807 + 1");
  EXPECT_EQ(d.location, "column 1");
  EXPECT_EQ(d.message, "integer overflow in 9223372036854775807 + 1");

  d = parse_error("N + 2 * 9223372036854775807 * N");
  EXPECT_EQ(d.location, "column 5");
  EXPECT_EQ(d.message, "integer overflow in 2 * 9223372036854775807");

  d = parse_error("N + -9223372036854775808 // -1");
  EXPECT_EQ(d.location, "column 26");
  EXPECT_EQ(d.message, "integer overflow in -9223372036854775808 // -1");

  d = parse_error("-(-9223372036854775808)");
  EXPECT_EQ(d.location, "column 1");
}

TEST(ExprParse, DeepNestingIsRefused) {
  std::string deep = std::string(100000, '(') + "N" + std::string(100000, ')');
  Diagnostic d = parse_error(deep);
  EXPECT_EQ(d.location, "column 201");
  EXPECT_EQ(d.message, "expression nested too deeply (more than 200 levels)");

  EXPECT_EQ(parse_error(std::string(5000, '-') + "N").message,
            "expression nested too deeply (more than 200 levels)");
  std::string calls;
  for (int k = 0; k < 1000; ++k) calls += "min(1, ";
  EXPECT_EQ(parse_error(calls).message, "expression nested too deeply (more than 200 levels)");

  std::string ok = std::string(150, '(') + "N" + std::string(150, ')');
  EXPECT_EQ(parse_expr(ok), N);
}

TEST(ExprParse, LongFlatChainsAreFine) {
  std::string text = "N";
  for (int k = 0; k < 20000; ++k) text += " + N";
  EXPECT_EQ(parse_expr(text), 20001 * N);
  std::string product_text = "1";
  for (int k = 0; k < 5000; ++k) product_text += "*N";
  Expr p = parse_expr(product_text);
  EXPECT_EQ(p.operands().size(), 5000u);
  EXPECT_EQ(p.evaluate({{"N", 1}}), 1);
}

TEST(ExprParse, TokenSoupNeverCrashes) {
  // What a fuzzer feeds the parser: any token sequence either parses, and then round-trips,
  // or is refused with a UserError that has a column.
  static const char* const kTokens[] = {"N",
                                        "M",
                                        "k",
                                        "1",
                                        "0",
                                        "7",
                                        "-",
                                        "+",
                                        "*",
                                        "//",
                                        "%",
                                        "(",
                                        ")",
                                        ",",
                                        "min(",
                                        "max(",
                                        "floordiv(",
                                        "mod(",
                                        " ",
                                        "9223372036854775807",
                                        "9223372036854775808",
                                        "/",
                                        "$",
                                        "2x"};
  unsigned seed = std::random_device{}();
  std::cout << "[ seed     ] " << seed << "\n";
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  int parsed = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    int length = 1 + static_cast<int>(rng() % 24);
    for (int t = 0; t < length; ++t) text += kTokens[rng() % std::size(kTokens)];
    SCOPED_TRACE(text);
    try {
      Expr e = parse_expr(text);
      ++parsed;
      ASSERT_EQ(parse_expr(e.str()), e);
    } catch (const UserError& error) {
      const Diagnostic& d = error.diagnostics().front();
      ASSERT_EQ(d.location.rfind("column ", 0), 0u) << d.message;
      ASSERT_FALSE(d.message.empty());
    }
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace sluice::ir
