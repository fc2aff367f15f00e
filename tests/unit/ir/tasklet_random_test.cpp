// Randomized tests of the tasklet language: random trees round-trip through text, and mutated
// text never does anything but parse or fail with a UserError. Every run draws a fresh seed and
// prints it; set SLUICE_SEED to replay one.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/tasklet.h"

namespace sluice::ir {
namespace {

std::uint64_t test_seed() {
  if (const char* env = std::getenv("SLUICE_SEED")) return std::strtoull(env, nullptr, 10);
  return (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
}

class Generator {
public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::uint64_t bits() { return rng_(); }

  DType dtype() { return static_cast<DType>(uniform(0, 7)); }

  std::string name() {
    static const char* const kNames[] = {"x", "y", "m", "i", "N", "__in1", "out_0", "max", "exp",
                                         "select", "t2", "_"};
    return kNames[uniform(0, 11)];
  }

  TaskletExpr literal() {
    switch (uniform(0, 5)) {
      case 0: return TaskletExpr::integer(uniform(-3, 100));
      case 1: return TaskletExpr::integer(static_cast<std::int64_t>(bits()));
      case 2: return TaskletExpr::boolean(uniform(0, 1) == 1);
      case 3: return TaskletExpr::floating(uniform(-40, 40) / 8.0);
      case 4: return TaskletExpr::floating(std::ldexp(uniform(1, 1 << 20), uniform(-60, 60)));
      default: {
        // Any double but NaN: denormals, huge values, infinities, -0.
        double v = std::bit_cast<double>(bits());
        while (std::isnan(v)) v = std::bit_cast<double>(bits());
        return TaskletExpr::floating(v);
      }
    }
  }

  TaskletExpr expr(int depth) {
    if (depth <= 1 || uniform(0, 4) == 0)
      return uniform(0, 1) ? TaskletExpr::variable(name()) : literal();
    const auto op = static_cast<TaskletOp>(uniform(static_cast<int>(TaskletOp::Neg),
                                                   static_cast<int>(TaskletOp::Max)));
    if (op == TaskletOp::Cast) return TaskletExpr::cast(dtype(), expr(depth - 1));
    std::vector<TaskletExpr> operands;
    for (int i = 0; i < tasklet_op_info(op).arity; ++i) operands.push_back(expr(depth - 1));
    return TaskletExpr::make(op, std::move(operands));
  }

  TaskletCode code() {
    TaskletCode code;
    const int n = uniform(0, 5);
    for (int i = 0; i < n; ++i) {
      TaskletStatement s{name(), std::nullopt, expr(uniform(1, 7))};
      if (uniform(0, 2) == 0) s.let_type = dtype();
      code.statements.push_back(std::move(s));
    }
    return code;
  }

  // Random edits of valid text: drop, duplicate or insert characters that the lexer knows.
  std::string mutate(std::string text) {
    static const std::string kAlphabet = "()+-*/%<>=!&|,;:.eE0123456789xy_ \n\t/$\x01";
    const int edits = uniform(1, 4);
    for (int k = 0; k < edits; ++k) {
      const int at = text.empty() ? 0 : uniform(0, static_cast<int>(text.size()));
      switch (uniform(0, 2)) {
        case 0:
          if (!text.empty() && at < static_cast<int>(text.size())) text.erase(at, uniform(1, 3));
          break;
        case 1: text.insert(at, 1, kAlphabet[uniform(0, static_cast<int>(kAlphabet.size()) - 1)]); break;
        default:
          if (!text.empty()) {
            const int from = uniform(0, static_cast<int>(text.size()) - 1);
            text.insert(at, text.substr(from, uniform(1, 8)));
          }
      }
    }
    return text;
  }

private:
  std::mt19937_64 rng_;
};

TEST(TaskletRandom, TreesRoundTripThroughText) {
  const std::uint64_t seed = test_seed();
  std::cout << "TaskletRandom seed " << seed << " (SLUICE_SEED=" << seed << " replays it)\n";
  SCOPED_TRACE("seed " + std::to_string(seed));
  Generator gen(seed);
  for (int iteration = 0; iteration < 600; ++iteration) {
    const TaskletCode code = gen.code();
    const std::string text = print_tasklet(code);
    TaskletCode parsed;
    ASSERT_NO_THROW(parsed = parse_tasklet(text)) << text;
    ASSERT_EQ(parsed, code) << text << "\nreprinted:\n" << print_tasklet(parsed);
    ASSERT_EQ(print_tasklet(parsed), text);

    const TaskletExpr e = gen.expr(7);
    const std::string expr_text = print_tasklet_expr(e);
    ASSERT_EQ(parse_tasklet_expr(expr_text), e) << expr_text;
  }
}

TEST(TaskletRandom, MutatedTextParsesOrFailsCleanly) {
  const std::uint64_t seed = test_seed();
  std::cout << "TaskletRandom seed " << seed << " (SLUICE_SEED=" << seed << " replays it)\n";
  SCOPED_TRACE("seed " + std::to_string(seed));
  Generator gen(seed);
  int parsed_count = 0;
  for (int iteration = 0; iteration < 1500; ++iteration) {
    std::string text = gen.mutate(print_tasklet(gen.code()));
    if (iteration % 10 == 0) {  // and plain random bytes
      text.resize(static_cast<std::size_t>(gen.uniform(0, 40)));
      for (char& c : text) c = static_cast<char>(gen.uniform(0, 255));
    }
    try {
      const TaskletCode code = parse_tasklet(text);
      ++parsed_count;
      ASSERT_EQ(parse_tasklet(print_tasklet(code)), code) << text;
    } catch (const UserError& e) {
      const std::string location = e.diagnostics().at(0).location;
      ASSERT_EQ(location.rfind("line ", 0), 0u) << text << "\n" << e.what();
      ASSERT_NE(location.find(", column "), std::string::npos) << text;
    }
  }
  // The mutations are mild enough that some text stays valid: both paths are exercised.
  EXPECT_GT(parsed_count, 0);
}

TEST(TaskletRandom, CheckingAndEvaluatingNeverMisbehave) {
  // Random (mostly ill-typed) code: inference and the interpreter either succeed or throw a
  // UserError; under the sanitizers this also shows the interpreter's integer paths have no UB.
  const std::uint64_t seed = test_seed();
  std::cout << "TaskletRandom seed " << seed << " (SLUICE_SEED=" << seed << " replays it)\n";
  SCOPED_TRACE("seed " + std::to_string(seed));
  Generator gen(seed);
  int typed = 0;
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const TaskletCode code = gen.code();
    std::map<std::string, DType> types;
    std::map<std::string, double> values;
    for (const auto& name : tasklet_reads(code)) {
      types[name] = gen.dtype();
      const double v = std::ldexp(static_cast<double>(gen.uniform(-1000, 1000)), gen.uniform(-4, 70));
      values[name] = is_integer(types[name]) ? std::trunc(std::fmod(v, 1e18)) : v;
    }
    try {
      const auto inferred = infer_tasklet_types(code, types);
      ++typed;
      for (const auto& name : tasklet_writes(code)) EXPECT_TRUE(inferred.count(name));
    } catch (const UserError&) {
    }
    try {
      const auto out = evaluate_tasklet(code, values, types);
      EXPECT_EQ(out.size(), tasklet_writes(code).size());
    } catch (const UserError&) {
    }
  }
  EXPECT_GT(typed, 0);
}

}  // namespace
}  // namespace sluice::ir
