// Dropout in training mode through generated code: philox_uniform in the prelude against the
// known answers and the reference; masks reproducible from (seed, offset) and fresh per offset;
// the kept fraction; the interpreter and compiled code bit for bit; a second program that
// regenerates the mask.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "codegen_test_support.h"
#include "ir/builder.h"
#include "ir/tasklet.h"
#include "ir/text_format.h"
#include "ops/expansion.h"
#include "program_interpreter.h"

namespace sluice::codegen {
namespace {

using ir::DType;
using ir::Expr;
using testing::build;

constexpr const char* kPhilox = R"(
program philox {
  symbol N: i64
  array S: i64[N]
  array O: i64[N]
  array I: i64[N]
  array U: f32[N]
  state 0 "main" start {
    node 0 = access S
    node 1 = access O
    node 2 = access I
    node 3 = map "draw" [k = 0:N] (S, O, I) -> (U) schedule=cpu_parallel {
      node 0 = tasklet "draw" (s, o, i) -> (u) {
        u = philox_uniform(s, o, i);
      }
      node 1 = access S
      node 2 = access O
      node 3 = access I
      node 4 = access U
      edge 0: node 1 -> node 0.s S[k]
      edge 1: node 2 -> node 0.o O[k]
      edge 2: node 3 -> node 0.i I[k]
      edge 3: node 0.u -> node 4 U[k]
    }
    node 4 = access U
    edge 0: node 0 -> node 3.S S[0:N]
    edge 1: node 1 -> node 3.O O[0:N]
    edge 2: node 2 -> node 3.I I[0:N]
    edge 3: node 3.U -> node 4 U[0:N]
  }
}
)";

std::uint32_t bits_of(float f) {
  std::uint32_t b = 0;
  std::memcpy(&b, &f, 4);
  return b;
}

// The executable's arguments in its order, looked up by container name.
std::vector<void*> in_order(const testing::Built& built, const std::map<std::string, void*>& by) {
  std::vector<void*> args;
  for (const std::string& name : built.source.arguments) args.push_back(by.at(name));
  return args;
}

TEST(CpuDropout, PreludePhiloxMatchesKnownAnswersAndTheReference) {
  auto rng = testing::seeded_rng();
  auto built = build(ir::parse_text(kPhilox, "philox"));
  // Random123's kat vectors: word 0 is 6627e8d5 (zeros), 408f276d (ones), d16cfe09 (pi digits).
  std::vector<std::int64_t> s{0, -1, 0x299f31d0a4093822};
  std::vector<std::int64_t> o{0, -1, 0x0370734413198a2e};
  std::vector<std::int64_t> i{0, -1, static_cast<std::int64_t>(0x85a308d3243f6a88ULL)};
  const std::vector<std::uint32_t> words{0x6627e8d5, 0x408f276d, 0xd16cfe09};
  std::uniform_int_distribution<std::int64_t> any;
  for (int k = 0; k < 1000; ++k) {
    s.push_back(any(rng));
    o.push_back(any(rng));
    i.push_back(any(rng));
  }
  const auto n = static_cast<std::int64_t>(s.size());
  std::vector<float> u(s.size());
  built.executable.init({{"N", n}});
  built.executable.run(
      in_order(built, {{"S", s.data()}, {"O", o.data()}, {"I", i.data()}, {"U", u.data()}}));
  for (std::size_t k = 0; k < words.size(); ++k)
    EXPECT_EQ(u[k], static_cast<float>(words[k] >> 8) / 16777216.0F) << k;
  for (std::size_t k = 0; k < s.size(); ++k)
    ASSERT_EQ(bits_of(u[k]), bits_of(ir::philox_uniform(s[k], o[k], i[k]))) << k;
}

// Y, M = Dropout(X) over [N, D] in training mode; the offset comes from input OFF (one i64).
// With `with_y` false the values go to a transient and only the mask leaves: the regenerating
// program.
ir::Program dropout_program(double ratio, std::int64_t seed, bool with_y = true) {
  ir::ProgramBuilder b("dropout");
  const Expr n = b.symbol("N");
  const Expr d = b.symbol("D");
  b.array("X", DType::f32, {n, d});
  b.array("OFF", DType::i64, {1});
  if (with_y)
    b.array("Y", DType::f32, {n, d});
  else
    b.transient("Y", DType::f32, {n, d});
  b.array("M", DType::boolean, {n, d});
  auto g = b.state("main");
  const ir::NodeId drop =
      g.library("drop", "Dropout", {"in0", "in3"}, {"out0", "out1"},
                {{"ratio", ratio}, {"training_mode", std::int64_t{1}}, {"seed", seed}});
  g.read(g.access("X"), "0:N, 0:D", drop, "in0");
  g.read(g.access("OFF"), "0", drop, "in3");
  g.write(drop, "out0", g.access("Y"), "0:N, 0:D");
  g.write(drop, "out1", g.access("M"), "0:N, 0:D");
  ir::Program program = b.build();
  ops::expand_all(program);
  return program;
}

struct Result {
  std::vector<float> y;
  std::vector<std::uint8_t> mask;
};

Result run_dropout(testing::Built& built, const std::vector<float>& x, std::int64_t rows,
                   std::int64_t cols, std::int64_t offset) {
  Result r{std::vector<float>(x.size()), std::vector<std::uint8_t>(x.size())};
  std::int64_t off = offset;
  built.executable.init({{"N", rows}, {"D", cols}});
  built.executable.run(in_order(built, {{"M", r.mask.data()},
                                        {"OFF", &off},
                                        {"X", const_cast<float*>(x.data())},
                                        {"Y", r.y.data()}}));
  return r;
}

TEST(CpuDropout, ReproducibleFreshPerOffsetAndUnbiased) {
  auto rng = testing::seeded_rng();
  constexpr double kRatio = 0.3;
  auto built = build(dropout_program(kRatio, 1234));
  const std::int64_t rows = 1000;
  const std::int64_t cols = 1000;
  const auto x = testing::random_floats(rng, rows * cols, 0.5, 2.0);  // no zeros: y shows the mask
  const Result first = run_dropout(built, x, rows, cols, 5);
  const Result again = run_dropout(built, x, rows, cols, 5);
  const Result next = run_dropout(built, x, rows, cols, 6);
  EXPECT_EQ(first.mask, again.mask);
  EXPECT_EQ(0, std::memcmp(first.y.data(), again.y.data(), first.y.size() * sizeof(float)));
  std::int64_t kept = 0;
  std::int64_t differ = 0;
  const auto scale = static_cast<float>(1.0 / (1.0 - kRatio));
  for (std::size_t e = 0; e < x.size(); ++e) {
    kept += first.mask[e];
    differ += first.mask[e] != next.mask[e] ? 1 : 0;
    ASSERT_EQ(bits_of(first.y[e]), bits_of(first.mask[e] ? x[e] * scale : 0.0F)) << e;
  }
  // Binomial(1e6, 0.7): within 4 standard deviations.
  const double n = static_cast<double>(x.size());
  const double sigma = std::sqrt(n * kRatio * (1.0 - kRatio));
  EXPECT_NEAR(static_cast<double>(kept), n * (1.0 - kRatio), 4 * sigma);
  // Two independent masks differ in 2 * 0.3 * 0.7 = 42% of the elements.
  EXPECT_NEAR(static_cast<double>(differ) / n, 2 * kRatio * (1.0 - kRatio), 0.01);
}

TEST(CpuDropout, InterpreterAndCompiledCodeAgreeBitwise) {
  auto rng = testing::seeded_rng();
  const ir::Program program = dropout_program(0.45, -77);
  auto built = build(program);
  const std::int64_t rows = 37;
  const std::int64_t cols = 53;
  const auto x = testing::random_floats(rng, rows * cols, -3.0, 3.0);
  const Result compiled = run_dropout(built, x, rows, cols, 123456789012LL);

  using ops::testing::Buffer;
  std::map<std::string, Buffer> args;
  args["X"] = Buffer{DType::f32, {rows, cols}, std::vector<double>(x.begin(), x.end())};
  args["OFF"] = Buffer{DType::i64, {1}, {123456789012.0}};
  args["Y"] = Buffer{DType::f32, {rows, cols}, std::vector<double>(x.size(), 0.0)};
  args["M"] = Buffer{DType::boolean, {rows, cols}, std::vector<double>(x.size(), 0.0)};
  ops::testing::interpret(program, args, {{"N", rows}, {"D", cols}});
  std::int64_t kept = 0;
  for (std::size_t e = 0; e < x.size(); ++e) {
    ASSERT_EQ(args["M"].values[e], static_cast<double>(compiled.mask[e])) << e;
    ASSERT_EQ(bits_of(static_cast<float>(args["Y"].values[e])), bits_of(compiled.y[e])) << e;
    kept += compiled.mask[e];
  }
  EXPECT_GT(kept, 0);
  EXPECT_LT(kept, rows * cols);
}

TEST(CpuDropout, ASecondProgramRegeneratesTheMask) {
  auto rng = testing::seeded_rng();
  auto forward = build(dropout_program(0.5, 99));
  auto regenerate = build(dropout_program(0.5, 99, /*with_y=*/false));
  const std::int64_t rows = 64;
  const std::int64_t cols = 96;
  const auto x = testing::random_floats(rng, rows * cols);
  const Result first = run_dropout(forward, x, rows, cols, 17);
  // The regenerating program reads other values: the mask depends on (seed, offset) alone.
  const std::vector<float> other(x.size(), 1.0F);
  std::vector<std::uint8_t> mask(x.size());
  std::int64_t off = 17;
  regenerate.executable.init({{"N", rows}, {"D", cols}});
  const std::vector<void*> args = in_order(
      regenerate, {{"M", mask.data()}, {"OFF", &off}, {"X", const_cast<float*>(other.data())}});
  ASSERT_EQ(args.size(), 3U);
  regenerate.executable.run(args);
  EXPECT_EQ(mask, first.mask);
  off = 18;
  regenerate.executable.run(args);
  EXPECT_NE(mask, first.mask);
}

}  // namespace
}  // namespace sluice::codegen
