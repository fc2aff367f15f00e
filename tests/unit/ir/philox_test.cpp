// philox_uniform: the Philox4x32-10 core against the published known-answer vectors (Random123's
// kat_vectors), the uniform built on it, and the intrinsic in the tasklet language (parse, print,
// types, evaluation).
#include <array>
#include <cstdint>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "ir/tasklet.h"

namespace sluice::ir {
namespace {

using Words = std::array<std::uint32_t, 4>;

TEST(Philox, KnownAnswersZeros) {
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (Words{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
}

TEST(Philox, KnownAnswersOnes) {
  EXPECT_EQ(
      philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
      (Words{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
}

TEST(Philox, KnownAnswersPiDigits) {
  EXPECT_EQ(
      philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
      (Words{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

// key = seed, counter = (index low, index high, offset low, offset high); word 0's top 24 bits.
TEST(Philox, UniformIsTheTopBitsOfWordZero) {
  EXPECT_EQ(philox_uniform(0, 0, 0), static_cast<float>(0x6627e8d5U >> 8) / 16777216.0F);
  EXPECT_EQ(philox_uniform(-1, -1, -1), static_cast<float>(0x408f276dU >> 8) / 16777216.0F);
  EXPECT_EQ(philox_uniform(0x299f31d0a4093822, 0x0370734413198a2e,
                           static_cast<std::int64_t>(0x85a308d3243f6a88ULL)),
            static_cast<float>(0xd16cfe09U >> 8) / 16777216.0F);
}

TEST(Philox, UniformLiesInTheUnitInterval) {
  double sum = 0.0;
  constexpr int kCount = 100000;
  for (int i = 0; i < kCount; ++i) {
    const float u = philox_uniform(42, 7, i);
    ASSERT_GE(u, 0.0F);
    ASSERT_LT(u, 1.0F);
    sum += u;
  }
  // The mean of 1e5 uniforms has a standard deviation of 1/sqrt(12e5) ~ 9.1e-4.
  EXPECT_NEAR(sum / kCount, 0.5, 4 * 9.2e-4);
}

TEST(Philox, EveryArgumentChangesTheValue) {
  const float base = philox_uniform(1, 2, 3);
  EXPECT_NE(philox_uniform(2, 2, 3), base);
  EXPECT_NE(philox_uniform(1, 3, 3), base);
  EXPECT_NE(philox_uniform(1, 2, 4), base);
  EXPECT_NE(philox_uniform(1, 2, 3 + (std::int64_t{1} << 32)), base);  // the high index word
}

TEST(Philox, TaskletIntrinsicRoundTripsAndTypes) {
  const std::string text = "y = philox_uniform(seed, 5, i * 4 + j) >= 0.25;";
  const TaskletCode code = parse_tasklet(text);
  EXPECT_EQ(print_tasklet(code), text);
  EXPECT_EQ(parse_tasklet(print_tasklet(code)), code);
  EXPECT_EQ(code.statements[0].value.operand(0).op(), TaskletOp::PhiloxUniform);
  EXPECT_EQ(tasklet_function("philox_uniform"), TaskletOp::PhiloxUniform);
  EXPECT_EQ(tasklet_op_info(TaskletOp::PhiloxUniform).arity, 3);

  const auto types = infer_tasklet_types(parse_tasklet("u = philox_uniform(s, o, i);"),
                                         {{"s", DType::i64}, {"o", DType::i32}, {"i", DType::i64}});
  EXPECT_EQ(types.at("u"), DType::f32);
  EXPECT_THROW(
      infer_tasklet_types(parse_tasklet("u = philox_uniform(s, 0, 1);"), {{"s", DType::f32}}),
      UserError);
  EXPECT_THROW(parse_tasklet("u = philox_uniform(1, 2);"), UserError);
}

TEST(Philox, EvaluatorComputesTheUniform) {
  const auto code = parse_tasklet("u = philox_uniform(s, o, i);");
  const std::map<std::string, DType> types{
      {"s", DType::i64}, {"o", DType::i64}, {"i", DType::i64}, {"u", DType::f32}};
  for (std::int64_t i : {0, 1, 17, 1000003}) {
    const auto out = evaluate_tasklet(code, {{"s", 9.0}, {"o", 3.0}, {"i", double(i)}}, types);
    EXPECT_EQ(out.at("u"), static_cast<double>(philox_uniform(9, 3, i))) << i;
  }
  EXPECT_EQ(evaluate_tasklet_expr(parse_tasklet_expr("philox_uniform(0, 0, 0)"), {}),
            static_cast<double>(philox_uniform(0, 0, 0)));
}

}  // namespace
}  // namespace sluice::ir
