// The reference interpreter and the analysis helpers (reads, writes, renaming, FLOPs).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "ir/diagnostic.h"
#include "ir/tasklet.h"

namespace sluice::ir {
namespace {

using Values = std::map<std::string, double>;
using Names = std::set<std::string>;

Values run(const std::string& text, const Values& values,
           const std::map<std::string, DType>& types = {}) {
  return evaluate_tasklet(parse_tasklet(text), values, types);
}

double run_expr(const std::string& text, const Values& values,
                const std::map<std::string, DType>& types = {}) {
  return evaluate_tasklet_expr(parse_tasklet_expr(text), values, types);
}

TEST(TaskletEval, GeluMatchesTheFormula) {
  const auto code = parse_tasklet("y = 0.5 * x * (1.0 + erf(x * 0.7071067811865476));");
  for (double x : {-3.0, -0.5, 0.0, 0.25, 1.0, 4.0}) {
    const double expected = 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    EXPECT_NEAR(evaluate_tasklet(code, {{"x", x}}).at("y"), expected, 1e-15) << x;
  }
}

TEST(TaskletEval, SoftmaxStepAndLocals) {
  const auto out = run("let d: f32 = x - m;\ne = exp(d);\ns = e / z;", {{"x", 1.5}, {"m", 2.0}, {"z", 3.0}});
  EXPECT_EQ(out.size(), 2u);  // locals are not outputs
  EXPECT_DOUBLE_EQ(out.at("e"), std::exp(-0.5));
  EXPECT_DOUBLE_EQ(out.at("s"), std::exp(-0.5) / 3.0);
}

TEST(TaskletEval, MathFunctions) {
  const double x = 0.7;
  EXPECT_DOUBLE_EQ(run_expr("tanh(x)", {{"x", x}}), std::tanh(x));
  EXPECT_DOUBLE_EQ(run_expr("log(x)", {{"x", x}}), std::log(x));
  EXPECT_DOUBLE_EQ(run_expr("rsqrt(x)", {{"x", x}}), 1.0 / std::sqrt(x));
  EXPECT_DOUBLE_EQ(run_expr("sigmoid(x)", {{"x", x}}), 1.0 / (1.0 + std::exp(-x)));
  EXPECT_DOUBLE_EQ(run_expr("sin(x) + cos(x)", {{"x", x}}), std::sin(x) + std::cos(x));
  EXPECT_DOUBLE_EQ(run_expr("pow(x, 3.0)", {{"x", x}}), std::pow(x, 3.0));
  EXPECT_DOUBLE_EQ(run_expr("floor(-x) + ceil(x)", {{"x", x}}), -1.0 + 1.0);
  EXPECT_DOUBLE_EQ(run_expr("abs(-x) + max(x, 2.0) + min(x, 2.0)", {{"x", x}}), x + 2.0 + x);
  EXPECT_DOUBLE_EQ(run_expr("max(x, 0.0 / 0.0)", {{"x", x}}), x);  // fmax ignores NaN
  EXPECT_EQ(run_expr("select(x > 0.5, 1.0, 2.0)", {{"x", x}}), 1.0);
  EXPECT_EQ(run_expr("-inf < x", {{"x", x}}), 1.0);
}

TEST(TaskletEval, IntegerSemanticsFloor) {
  const std::map<std::string, DType> ints{{"a", DType::i64}, {"b", DType::i64}};
  const auto divmod = [&](double a, double b) {
    return std::pair(run_expr("a / b", {{"a", a}, {"b", b}}, ints),
                     run_expr("a % b", {{"a", a}, {"b", b}}, ints));
  };
  EXPECT_EQ(divmod(7, 2), std::pair(3.0, 1.0));
  EXPECT_EQ(divmod(-7, 2), std::pair(-4.0, 1.0));
  EXPECT_EQ(divmod(7, -2), std::pair(-4.0, -1.0));
  EXPECT_EQ(divmod(-7, -2), std::pair(3.0, -1.0));
  EXPECT_EQ(divmod(-9223372036854775808.0, -1), std::pair(-9223372036854775808.0, 0.0));
  // Untyped names are f64: true division.
  EXPECT_EQ(run_expr("a / b", {{"a", 7}, {"b", 2}}), 3.5);
  EXPECT_EQ(run_expr("7 / 2", {}), 3.0);
  EXPECT_EQ(run_expr("7 / 2.0", {}), 3.5);
  try {
    run("y = a / (b - b);", {{"a", 1}, {"b", 2}}, ints);
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_EQ(e.diagnostics().at(0).location, "statement 1");
    EXPECT_EQ(e.diagnostics().at(0).message, "integer division by zero");
  }
  EXPECT_THROW(run("y = a;", {{"a", 1.5}}, ints), UserError);
  EXPECT_THROW(run("y = a;", {{"a", 1e19}}, ints), UserError);
}

TEST(TaskletEval, CastsAndWrapAround) {
  EXPECT_EQ(run_expr("cast<i32>(x)", {{"x", -2.7}}), -2.0);
  EXPECT_EQ(run_expr("cast<i8>(x)", {{"x", 1000.0}}), 127.0);
  EXPECT_EQ(run_expr("cast<i32>(x)", {{"x", -1e300}}), -2147483648.0);
  EXPECT_EQ(run_expr("cast<i64>(x)", {{"x", 1e300}}), 9223372036854775807.0);
  EXPECT_EQ(run_expr("cast<i64>(0.0 / 0.0)", {}), 0.0);
  EXPECT_EQ(run_expr("cast<i8>(300)", {}), 44.0);
  EXPECT_EQ(run_expr("cast<bool>(x) && true", {{"x", 0.5}}), 1.0);
  EXPECT_EQ(run_expr("cast<f32>(3 > 2) * 2.5", {}), 2.5);
  EXPECT_EQ(run_expr("9223372036854775807 + 1", {}), -9223372036854775808.0);
  // An output with a declared integer type gets the value converted to it.
  EXPECT_EQ(run("y = x;", {{"x", 3.9}}, {{"y", DType::i32}}).at("y"), 3.0);
}

TEST(TaskletEval, ReportsMissingValues) {
  try {
    run("y = x;\nz = q;", {{"x", 1.0}});
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_EQ(e.diagnostics().at(0).location, "statement 2");
    EXPECT_EQ(e.diagnostics().at(0).message, "no value for 'q'");
  }
}

TEST(TaskletAnalysis, ReadsWritesAndLocals) {
  const auto code = parse_tasklet("let t: f32 = x * w;\ny = t + b;\nz = y * N + i;\ny = y + x;");
  EXPECT_EQ(tasklet_reads(code), (Names{"N", "b", "i", "w", "x"}));
  EXPECT_EQ(tasklet_writes(code), (Names{"y", "z"}));
  EXPECT_EQ(tasklet_locals(code), (Names{"t"}));
  EXPECT_EQ(tasklet_reads(parse_tasklet_expr("select(a > b, a, exp(c))")), (Names{"a", "b", "c"}));
  // An accumulation reads its output before writing it.
  EXPECT_EQ(tasklet_reads(parse_tasklet("y = y + x;")), (Names{"x", "y"}));
  EXPECT_TRUE(tasklet_reads(TaskletCode{}).empty());
}

TEST(TaskletAnalysis, RenameAndSubstitute) {
  const auto code = parse_tasklet("let t: f32 = x * y;\ny_out = t + x;");
  const auto renamed = rename_variables(code, {{"x", "y"}, {"y", "x"}, {"y_out", "__out"}});
  EXPECT_EQ(print_tasklet(renamed), "let t: f32 = y * x;\n__out = t + y;");
  const auto e = parse_tasklet_expr("a * exp(a - b)");
  EXPECT_EQ(print_tasklet_expr(substitute_variables(e, {{"a", parse_tasklet_expr("u + v")}})),
            "(u + v) * exp(u + v - b)");
  EXPECT_EQ(rename_variables(e, {}), e);
  EXPECT_THROW(rename_variables(e, {{"a", "not a name"}}), InternalError);
}

TEST(TaskletAnalysis, CountsFlops) {
  // 0.5*x, *(...), 1.0+..., erf, x*c: five.
  EXPECT_EQ(count_flops(parse_tasklet("y = 0.5 * x * (1.0 + erf(x * 0.7071067811865476));")), 5);
  EXPECT_EQ(count_flops(parse_tasklet("let d: f32 = x - m;\ne = exp(d);")), 2);
  EXPECT_EQ(count_flops(parse_tasklet_expr("select(x > 0.0, x, -x)")), 2);
  EXPECT_EQ(count_flops(parse_tasklet_expr("cast<f16>(x)")), 0);
  EXPECT_EQ(count_flops(parse_tasklet_expr("a && !b || c")), 0);
  EXPECT_EQ(count_flops(parse_tasklet_expr("rsqrt(v + 1e-5)")), 2);
  EXPECT_EQ(count_flops(TaskletCode{}), 0);
}

}  // namespace
}  // namespace sluice::ir
