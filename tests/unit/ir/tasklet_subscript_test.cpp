// Tasklet subscripts `d[i, j]`: syntax, printing, types, names, FLOPs and the interpreter's array
// callbacks. Random trees with subscripts round-trip through text (fresh seed, printed; set
// SLUICE_SEED to replay one).
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ir/builder.h"
#include "ir/diagnostic.h"
#include "ir/tasklet.h"
#include "ir/verifier.h"

namespace sluice::ir {
namespace {

using E = TaskletExpr;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    const auto& d = e.diagnostics().at(0);
    return d.location + ": " + d.message;
  }
  return "no error";
}

TEST(TaskletSubscript, ParsesToASubscriptNode) {
  const TaskletCode code = parse_tasklet("y = d[j, 0] * 2.0;");
  const E expected = E::subscript("d", {E::variable("j"), E::integer(0)}) * E::floating(2.0);
  EXPECT_EQ(code.statements.at(0).value, expected);
  const E& s = code.statements.at(0).value.operand(0);
  EXPECT_EQ(s.op(), TaskletOp::Subscript);
  EXPECT_EQ(s.operands().size(), 3u);
  EXPECT_EQ(s.operand(0), E::variable("d"));
}

TEST(TaskletSubscript, PrintsCanonicallyAndRoundTrips) {
  for (const std::string text : {
           "y = d[i];", "y = d[i, 0, k + 1];", "y = -d[i] * e[max(i - 1, 0), j % 2];",
           "y = d[idx[0, k], 0];",                                // nested
           "let j: i64 = select(i < 0, i + 4, i);\ny = max[j];",  // a connector called max
       }) {
    SCOPED_TRACE(text);
    const TaskletCode code = parse_tasklet(text);
    EXPECT_EQ(print_tasklet(code), text);
    EXPECT_EQ(parse_tasklet(print_tasklet(code)), code);
  }
  EXPECT_EQ(print_tasklet(parse_tasklet("y=d [ i ,j ] ;")), "y = d[i, j];");
}

TEST(TaskletSubscript, ParseErrors) {
  EXPECT_EQ(error_of([] { parse_tasklet("y = d[];"); }),
            "line 1, column 7: expected an expression, found ']'");
  EXPECT_EQ(error_of([] { parse_tasklet("y = d[i;"); }),
            "line 1, column 8: expected ']' after the indices of 'd', found ';'");
  EXPECT_EQ(error_of([] { parse_tasklet("y = (d)[i];"); }),
            "line 1, column 8: only a name (an input connector) can be subscripted, not the "
            "expression at '('");
  EXPECT_EQ(error_of([] { parse_tasklet("y = 1[0];"); }),
            "line 1, column 6: only a name (an input connector) can be subscripted, not the "
            "expression at '1'");
  EXPECT_EQ(error_of([] { parse_tasklet_expr("exp(x)[0]"); }),
            "line 1, column 7: only a name (an input connector) can be subscripted, not the "
            "expression at 'exp'");
  EXPECT_EQ(error_of([] { parse_tasklet("y = a[i][j];"); }),
            "line 1, column 9: a subscript takes all its indices in one '[...]' (write 'a[i, j]', "
            "not 'a[i][j]')");
  EXPECT_EQ(error_of([] { parse_tasklet("y = -a[i][j];"); }),
            "line 1, column 10: a subscript takes all its indices in one '[...]' (write "
            "'a[i, j]', not 'a[i][j]')");
  EXPECT_EQ(error_of([] { parse_tasklet("y = d[i] = 1;"); }),
            "line 1, column 10: expected ';' after the statement, found '='");
  EXPECT_EQ(error_of([] { parse_tasklet("d[0] = 1;"); }),
            "line 1, column 2: expected '=', found '['");
  EXPECT_EQ(error_of([] { parse_tasklet("y = exp[i](x);"); }),
            "line 1, column 11: expected ';' after the statement, found '('");
}

TEST(TaskletSubscript, TypeIsTheConnectorsAndIndicesAreIntegers) {
  const auto types = infer_tasklet_types(parse_tasklet("y = d[j, 0];\nz = h[cast<i32>(j)];"),
                                         {{"d", DType::f16}, {"h", DType::i64}, {"j", DType::i32}});
  EXPECT_EQ(types.at("y"), DType::f16);
  EXPECT_EQ(types.at("z"), DType::i64);
  EXPECT_EQ(error_of([] {
              infer_tasklet_types(parse_tasklet("y = d[x];"),
                                  {{"d", DType::f32}, {"x", DType::f32}});
            }),
            "statement 1: in 'y = d[x];': subscript index of 'd' has type f32; indices must be "
            "integers");
  EXPECT_EQ(
      error_of([] { infer_tasklet_types(parse_tasklet("y = d[0, 1.5];"), {{"d", DType::f32}}); }),
      "statement 1: in 'y = d[0, 1.5];': subscript index of 'd' has type float literal; "
      "indices must be integers");
  EXPECT_EQ(error_of([] {
              infer_tasklet_types(parse_tasklet("y = d[i < 2];"),
                                  {{"d", DType::f32}, {"i", DType::i64}});
            }),
            "statement 1: in 'y = d[i < 2];': subscript index of 'd' has type bool; indices must "
            "be integers");
  // Indices of every integer type, literals, and a subscript of an integer connector as index.
  const auto mixed = infer_tasklet_types(parse_tasklet("y = d[a, b, c, 2, idx[0] + 1] + 1.0;"),
                                         {{"d", DType::bf16},
                                          {"a", DType::i8},
                                          {"b", DType::i32},
                                          {"c", DType::i64},
                                          {"idx", DType::i32}});
  EXPECT_EQ(mixed.at("y"), DType::bf16);
  EXPECT_EQ(error_of([] { infer_tasklet_types(parse_tasklet("y = d[0];"), {}); }),
            "statement 1: in 'y = d[0];': unknown name 'd'");
}

TEST(TaskletSubscript, ReadsRenamesAndFlops) {
  const TaskletCode code = parse_tasklet("y = d[i + 1, j] + x;");
  EXPECT_EQ(tasklet_reads(code), (std::set<std::string>{"d", "i", "j", "x"}));
  const TaskletCode renamed = rename_variables(code, {{"d", "data"}, {"i", "p"}});
  EXPECT_EQ(print_tasklet(renamed), "y = data[p + 1, j] + x;");
  EXPECT_EQ(count_flops(code), 2);  // i + 1 and ... + x; the subscript itself is free
  EXPECT_EQ(tasklet_subscripts(parse_tasklet("y = d[i] + d[j, 0] + e[d[0]];")),
            (std::map<std::string, std::set<std::size_t>>{{"d", {1, 2}}, {"e", {1}}}));
  // The array name is no value: substitution leaves it and works inside the indices.
  EXPECT_EQ(substitute_variables(parse_tasklet_expr("d[d + i] + d"),
                                 {{"d", E::floating(1.0)}, {"i", E::integer(3)}}),
            parse_tasklet_expr("d[1.0 + 3] + 1.0"));
  EXPECT_EQ(rename_variables(parse_tasklet_expr("d[d, e[0]]"), {{"d", "x"}, {"e", "d"}}),
            parse_tasklet_expr("x[x, d[0]]"));
  EXPECT_EQ(tasklet_reads(parse_tasklet("let t: i64 = 0;\ny = d[t];")),
            (std::set<std::string>{"d"}));
}

TEST(TaskletSubscript, TheInterpreterReadsArraysThroughCallbacks) {
  // D is 3x4, row-major, D[r, c] = 10 * r + c; I holds row numbers.
  const auto d = [](const std::vector<std::int64_t>& at) {
    EXPECT_EQ(at.size(), 2u);
    return 10.0 * static_cast<double>(at.at(0)) + static_cast<double>(at.at(1));
  };
  const auto idx = [](const std::vector<std::int64_t>& at) { return at.at(0) == 0 ? 2.0 : 1.0; };
  const TaskletArrays arrays{{"d", d}, {"idx", idx}};
  const std::map<std::string, DType> types{
      {"d", DType::f32}, {"idx", DType::i64}, {"j", DType::i64}};
  const auto out = evaluate_tasklet(parse_tasklet("y = d[idx[0], j + 1] * 2.0;\nz = idx[1];"),
                                    {{"j", 2}}, types, arrays);
  EXPECT_EQ(out.at("y"), 46.0);  // D[2, 3] * 2
  EXPECT_EQ(out.at("z"), 1.0);
  EXPECT_EQ(evaluate_tasklet_expr(parse_tasklet_expr("d[j % 2, -1 + j] < 5.0"), {{"j", 3}}, types,
                                  arrays),
            0.0);  // D[1, 2] = 12
  // Untyped indices read as f64 and are taken when they hold integers.
  EXPECT_EQ(evaluate_tasklet_expr(parse_tasklet_expr("d[i, 0]"), {{"i", 1.0}}, {}, arrays), 10.0);
  EXPECT_EQ(error_of([&] {
              evaluate_tasklet_expr(parse_tasklet_expr("d[i, 0]"), {{"i", 0.5}}, {}, arrays);
            }),
            "expression: subscript index of 'd' is 0.500000, not an integer");
  // An integer connector's element must be an integer.
  EXPECT_EQ(error_of([&] {
              evaluate_tasklet(parse_tasklet("y = h[0];"), {}, {{"h", DType::i32}},
                               {{"h", [](const std::vector<std::int64_t>&) { return 0.5; }}});
            }),
            "input 'h': value 0.500000 is not an integer of type i32");
}

TEST(TaskletSubscript, TheInterpreterNeedsArrayValues) {
  EXPECT_EQ(error_of([] { evaluate_tasklet(parse_tasklet("y = d[0];"), {{"d", 1.0}}); }),
            "statement 1: subscript of 'd' needs array values");
  EXPECT_EQ(error_of([] { evaluate_tasklet_expr(parse_tasklet_expr("1 + e[0]"), {}); }),
            "expression: subscript of 'e' needs array values");
}

TEST(TaskletSubscript, FactoryChecksItsOperands) {
  EXPECT_THROW(E::make(TaskletOp::Subscript, {E::variable("d")}), InternalError);
  EXPECT_THROW(E::make(TaskletOp::Subscript, {E::integer(1), E::integer(0)}), InternalError);
  EXPECT_EQ(E::subscript("d", {E::integer(0)}).depth(), 2);
}

// Random trees in which subscripts (nested, of every rank, under every operator) round-trip.
TaskletExpr random_expr(std::mt19937_64& rng, int depth) {
  const auto uniform = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  static const char* const kNames[] = {"d", "i", "max", "exp", "_x1"};
  if (depth <= 1 || uniform(0, 4) == 0) {
    switch (uniform(0, 2)) {
      case 0: return TaskletExpr::variable(kNames[uniform(0, 4)]);
      case 1: return TaskletExpr::integer(uniform(-5, 100));
      default: return TaskletExpr::floating(uniform(-40, 40) / 8.0);
    }
  }
  if (uniform(0, 2) == 0) {
    std::vector<TaskletExpr> indices;
    for (int k = uniform(1, 4); k > 0; --k) indices.push_back(random_expr(rng, depth - 1));
    return TaskletExpr::subscript(kNames[uniform(0, 4)], std::move(indices));
  }
  const auto op = static_cast<TaskletOp>(
      uniform(static_cast<int>(TaskletOp::Neg), static_cast<int>(TaskletOp::Max)));
  if (op == TaskletOp::Cast) return TaskletExpr::cast(DType::i64, random_expr(rng, depth - 1));
  std::vector<TaskletExpr> operands;
  operands.reserve(static_cast<std::size_t>(tasklet_op_info(op).arity));
  for (int k = 0; k < tasklet_op_info(op).arity; ++k)
    operands.push_back(random_expr(rng, depth - 1));
  return TaskletExpr::make(op, std::move(operands));
}

TEST(TaskletSubscript, RandomTreesRoundTripThroughText) {
  std::uint64_t seed = std::random_device{}();
  if (const char* env = std::getenv("SLUICE_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::cout << "TaskletSubscript seed " << seed << " (SLUICE_SEED=" << seed << " replays it)\n";
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int iteration = 0; iteration < 500; ++iteration) {
    const TaskletExpr e = random_expr(rng, 6);
    const std::string text = print_tasklet_expr(e);
    TaskletExpr parsed;
    ASSERT_NO_THROW(parsed = parse_tasklet_expr(text)) << text;
    ASSERT_EQ(parsed, e) << text << "\nreprinted: " << print_tasklet_expr(parsed);
    ASSERT_EQ(print_tasklet_expr(parsed), text);
    const TaskletCode code{{{"y", std::nullopt, e}}};
    ASSERT_EQ(parse_tasklet(print_tasklet(code)), code);
    ASSERT_EQ(rename_variables(rename_variables(e, {{"d", "t"}}), {{"t", "d"}}), e) << text;
  }
}

// Gather along axis 0: Y[i, j] = D[I[i], j]; the verifier's view of subscripted connectors.
Program gather(const std::string& code, const std::string& d_subset = "0:N, j") {
  ProgramBuilder b("gather");
  const Expr n = b.symbol("N");
  const Expr m = b.symbol("M");
  const Expr k = b.symbol("K");
  b.array("D", DType::f32, {n, m});
  b.array("I", DType::i64, {k});
  b.array("Y", DType::f32, {k, m});
  b.state("main").mapped_tasklet("gather", "i=0:K, j=0:M", {{"d", "D", d_subset}, {"x", "I", "i"}},
                                 code, {{"y", "Y", "i, j"}});
  return b.build();
}

TEST(TaskletSubscript, VerifierAcceptsARangeConnectorThatIsSubscripted) {
  const auto diagnostics = verify(gather("y = d[x, 0];"));
  EXPECT_TRUE(diagnostics.empty()) << diagnostics.at(0).str();
}

TEST(TaskletSubscript, VerifierChecksTheNumberOfIndices) {
  const auto diagnostics = verify(gather("y = d[x];"));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_NE(diagnostics[0].message.find("tasklet connector 'd' is subscripted with 1 indices but "
                                        "the subset D[0:N, j] has 2 dimensions"),
            std::string::npos)
      << diagnostics[0].str();
}

TEST(TaskletSubscript, VerifierStillWantsOneElementWithoutASubscript) {
  const auto diagnostics = verify(gather("y = d;", "0:2, j"));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_NE(diagnostics[0].message.find("takes one element"), std::string::npos)
      << diagnostics[0].str();
}

}  // namespace
}  // namespace sluice::ir
