// Interval bounds of symbolic expressions.

#include <limits>

#include <gtest/gtest.h>

#include "ir/expr.h"

namespace sluice::ir {
namespace {

const Expr N = Expr::symbol("N");
const Expr M = Expr::symbol("M");
const Expr i = Expr::symbol("i");
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

Interval iv(std::optional<std::int64_t> lo, std::optional<std::int64_t> hi) { return {lo, hi}; }
const Interval kAll{};

TEST(ExprBounds, LeavesAndSums) {
  EXPECT_EQ(bounds(Expr(5), {}), iv(5, 5));
  EXPECT_EQ(bounds(N, {}), kAll);
  EXPECT_EQ(bounds(N, {{"N", iv(1, 64)}}), iv(1, 64));
  EXPECT_EQ(bounds((N + 1) * 2 - 2, {{"N", iv(1, 64)}}), iv(2, 128));
  EXPECT_EQ(bounds(N - M, {{"N", iv(1, 10)}, {"M", iv(2, 3)}}), iv(-2, 8));
  EXPECT_EQ(bounds(N + M, {{"N", iv(1, std::nullopt)}, {"M", iv(2, 3)}}), iv(3, std::nullopt));
  EXPECT_EQ(bounds(N + M, {{"N", iv(1, 2)}}), kAll);
}

TEST(ExprBounds, ProductsWithSigns) {
  EXPECT_EQ(bounds(N * M, {{"N", iv(-2, 3)}, {"M", iv(-5, 4)}}), iv(-15, 12));
  EXPECT_EQ(bounds(N * M, {{"N", iv(-2, -1)}, {"M", iv(-5, -4)}}), iv(4, 10));
  EXPECT_EQ(bounds(-3 * N, {{"N", iv(1, 4)}}), iv(-12, -3));
  EXPECT_EQ(bounds(N * M, {{"N", iv(0, 3)}, {"M", iv(2, std::nullopt)}}), iv(0, std::nullopt));
  EXPECT_EQ(bounds(N * M, {{"N", iv(-1, 3)}, {"M", iv(2, std::nullopt)}}), kAll);
  EXPECT_EQ(bounds(N * M, {{"N", iv(0, 0)}}), iv(0, 0));
}

TEST(ExprBounds, FloorDivAndMod) {
  EXPECT_EQ(bounds(floordiv(i, 4), {{"i", iv(-5, 13)}}), iv(-2, 3));
  EXPECT_EQ(bounds(floordiv(i, 4), {{"i", iv(0, std::nullopt)}}), iv(0, std::nullopt));
  EXPECT_EQ(bounds(mod(i, 4), {}), iv(0, 3));
  EXPECT_EQ(bounds(mod(i, 4), {{"i", iv(5, 6)}}), iv(1, 2));
  EXPECT_EQ(bounds(mod(i, 4), {{"i", iv(0, 2)}}), iv(0, 2));
  EXPECT_EQ(bounds(mod(i, 4), {{"i", iv(3, 5)}}), iv(0, 3));
  EXPECT_EQ(bounds(mod(i, N), {{"N", iv(1, 8)}}), iv(0, 7));
  EXPECT_EQ(bounds(mod(i, N), {{"N", iv(-8, -1)}}), iv(-7, 0));
  EXPECT_EQ(bounds(mod(i, N), {{"N", iv(-8, 3)}}), iv(-7, 2));
  EXPECT_EQ(bounds(mod(i, N), {{"N", iv(1, std::nullopt)}, {"i", iv(0, 10)}}), iv(0, 10));
  EXPECT_EQ(bounds(floordiv(i, N), {{"i", iv(-10, 20)}, {"N", iv(2, 5)}}), iv(-5, 10));
  EXPECT_EQ(bounds(floordiv(i, N), {{"i", iv(-10, 20)}, {"N", iv(-5, -2)}}), iv(-10, 5));
  EXPECT_EQ(bounds(floordiv(i, N), {{"i", iv(-10, 20)}, {"N", iv(-5, 2)}}), iv(-20, 20));
  EXPECT_EQ(bounds(floordiv(i, N), {{"i", iv(3, 20)}, {"N", iv(1, std::nullopt)}}), iv(0, 20));
  EXPECT_EQ(bounds(floordiv(i, N), {{"i", iv(-3, 20)}, {"N", iv(1, std::nullopt)}}), iv(-3, 20));
  EXPECT_EQ(bounds(floordiv(i, 0), {{"i", iv(1, 2)}}), kAll);
}

TEST(ExprBounds, MinMax) {
  EXPECT_EQ(bounds(min(N, 32), {}), iv(std::nullopt, 32));
  EXPECT_EQ(bounds(min(N, 32), {{"N", iv(1, 64)}}), iv(1, 32));
  EXPECT_EQ(bounds(max(N, 32), {{"N", iv(1, 64)}}), iv(32, 64));
  EXPECT_EQ(bounds(max({N, M, 0}), {{"N", iv(-5, -1)}, {"M", iv(-3, 7)}}), iv(0, 7));
  EXPECT_EQ(bounds(max(N, M), {{"N", iv(1, 2)}}), iv(1, std::nullopt));
}

TEST(ExprBounds, OverflowWidens) {
  EXPECT_EQ(bounds(N + 1, {{"N", iv(0, kMax)}}), iv(1, std::nullopt));
  EXPECT_EQ(bounds(2 * N, {{"N", iv(-1, kMax)}}), iv(-2, std::nullopt));
  EXPECT_EQ(bounds(N * M, {{"N", iv(kMin, kMax)}, {"M", iv(kMin, kMax)}}), kAll);
  EXPECT_EQ(bounds(floordiv(N, M), {{"N", iv(kMin, 0)}, {"M", iv(-1, -1)}}), iv(0, std::nullopt));
  EXPECT_EQ(bounds(mod(N, 3), {{"N", iv(kMin, kMin + 1)}}), iv(1, 2));
  EXPECT_EQ(bounds(N - 1, {{"N", iv(kMin, 0)}}), iv(std::nullopt, -1));
}

}  // namespace
}  // namespace sluice::ir
