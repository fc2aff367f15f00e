// Index arithmetic with parameter ranges (transforms/fusion/index_simplify.h): each rule on the
// composed subsets map-fusion and redundant-copy-elimination meet, and a brute-force check that
// simplification never changes a value inside the ranges.
#include "transforms/fusion/index_simplify.h"

#include <random>

#include <gtest/gtest.h>

namespace sluice::transforms {
namespace {

using ir::Expr;
using ir::parse_expr;

IndexRanges ranges(std::initializer_list<std::pair<const char*, std::int64_t>> sizes) {
  std::vector<ir::MapParam> params;
  for (const auto& [name, size] : sizes) params.push_back({name, {0, size, 1}});
  IndexRanges out;
  add_param_ranges(params, out);
  return out;
}

Expr simplified(const char* text, const IndexRanges& r) {
  return simplify_indices(parse_expr(text), r);
}

TEST(IndexSimplify, SplitsADivisionWhoseLowPartStaysBelowTheDivisor) {
  const IndexRanges r = ranges({{"j", 16}, {"d", 64}});
  EXPECT_EQ(simplified("floordiv(64*j + d, 256)", r), parse_expr("floordiv(j, 4)"));
  EXPECT_EQ(simplified("mod(64*j + d, 256)", r), parse_expr("64*mod(j, 4) + d"));
  // d may reach 64 here: nothing to split.
  const IndexRanges wide = ranges({{"j", 16}, {"d", 65}});
  EXPECT_EQ(simplified("floordiv(64*j + d, 256)", wide), parse_expr("floordiv(64*j + d, 256)"));
}

TEST(IndexSimplify, DecidesByBounds) {
  const IndexRanges r = ranges({{"i", 8}});
  EXPECT_EQ(simplified("floordiv(i, 8)", r), Expr(0));
  EXPECT_EQ(simplified("mod(i, 8)", r), parse_expr("i"));
  EXPECT_EQ(simplified("floordiv(i + 8, 8)", r), Expr(1));
  EXPECT_EQ(simplified("min(i, 8)", r), parse_expr("i"));
  EXPECT_EQ(simplified("max(i, 7)", r), Expr(7));
}

TEST(IndexSimplify, RecombinesQuotientAndRemainder) {
  const IndexRanges r = ranges({{"r", 512}, {"c", 256}});
  // A reshape [512, 256] of a [128, 16, 64] array, addressed in the array's memory.
  const Expr address = simplified(
      "1024*floordiv(256*r + c, 1024) + 64*mod(4*r + floordiv(c, 64), 16) + mod(c, 64)", r);
  EXPECT_EQ(address, parse_expr("256*r + c"));
  const auto affine = affine_in(address, {"r", "c"});
  ASSERT_TRUE(affine.has_value());
  EXPECT_EQ(affine->coefficients.at("r"), Expr(256));
  EXPECT_EQ(affine->coefficients.at("c"), Expr(1));
  EXPECT_EQ(affine->constant, Expr(0));
}

TEST(IndexSimplify, AffineWithSymbolicCoefficients) {
  const auto a = affine_in(parse_expr("N*i + 3*j + N + 2"), {"i", "j"});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->coefficients.at("i"), parse_expr("N"));
  EXPECT_EQ(a->coefficients.at("j"), Expr(3));
  EXPECT_EQ(a->constant, parse_expr("N + 2"));
  EXPECT_FALSE(affine_in(parse_expr("mod(i, 4) + j"), {"i", "j"}).has_value());
  EXPECT_FALSE(affine_in(parse_expr("i*j"), {"i", "j"}).has_value());
}

// Random index expressions of the shapes reshapes and transposes produce: the simplified form
// takes the same value everywhere in the ranges.
TEST(IndexSimplify, KeepsEveryValueInsideTheRanges) {
  const auto seed = std::random_device{}();
  std::cout << "[ seed ] " << seed << "\n";
  std::mt19937 rng(seed);
  const std::vector<std::int64_t> divisors{2, 3, 4, 6, 8, 16, 64};
  for (int round = 0; round < 300; ++round) {
    const std::int64_t a = divisors[rng() % divisors.size()];
    const std::int64_t b = divisors[rng() % divisors.size()];
    const std::int64_t span = 1 + static_cast<std::int64_t>(rng() % 12);
    const std::int64_t inner = 1 + static_cast<std::int64_t>(rng() % 70);
    const std::string text = "mod(floordiv(" + std::to_string(a) + "*i + j + " +
                             std::to_string(rng() % 5) + ", " + std::to_string(b) + "), " +
                             std::to_string(divisors[rng() % divisors.size()]) + ") + " +
                             std::to_string(b) + "*floordiv(" + std::to_string(a) + "*i + j, " +
                             std::to_string(a * b) + ")";
    const Expr e = parse_expr(text);
    const IndexRanges r = ranges({{"i", span}, {"j", inner}});
    const Expr s = simplify_indices(e, r);
    for (std::int64_t i = 0; i < span; ++i)
      for (std::int64_t j = 0; j < inner; ++j)
        ASSERT_EQ(e.evaluate({{"i", i}, {"j", j}}), s.evaluate({{"i", i}, {"j", j}}))
            << text << " -> " << s.str() << " at i=" << i << ", j=" << j;
  }
}

}  // namespace
}  // namespace sluice::transforms
