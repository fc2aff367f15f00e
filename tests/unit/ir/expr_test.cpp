// Symbolic expressions: canonical forms, evaluation, substitution, printing, hashing, order.

#include "ir/expr.h"

#include <algorithm>
#include <random>
#include <set>
#include <thread>
#include <unordered_set>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"

namespace sluice::ir {
namespace {

const Expr N = Expr::symbol("N");
const Expr M = Expr::symbol("M");
const Expr K = Expr::symbol("K");
const Expr i = Expr::symbol("i");
const Expr j = Expr::symbol("j");

/// The message of the first diagnostic thrown by `f`, or "" if it did not throw UserError.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.diagnostics().front().message;
  }
  return "";
}

// ---- leaves and interning

TEST(ExprSimplify, LeavesAreInterned) {
  EXPECT_EQ(Expr(), Expr(0));
  EXPECT_EQ(Expr(7), Expr::constant(7));
  EXPECT_EQ(Expr(int64_t{1} << 40), Expr::constant(int64_t{1} << 40));
  EXPECT_EQ(Expr::symbol("N"), N);
  EXPECT_EQ(Expr::symbol("N").node(), N.node());
  EXPECT_FALSE(Expr::symbol("n") == N);
  EXPECT_EQ(Expr(5).constant_value(), 5);
  EXPECT_EQ(N.constant_value(), std::nullopt);
  EXPECT_EQ(N.symbol_name(), "N");
  EXPECT_EQ(Expr(3).symbol_name(), "");
  EXPECT_TRUE(N.operands().empty());
  EXPECT_EQ(N.kind(), ExprKind::Symbol);
  EXPECT_TRUE(Expr().is_constant());
}

TEST(ExprSimplify, SymbolNamesMustBeIdentifiers) {
  EXPECT_EQ(error_of([] { (void)Expr::symbol("a b"); }),
            "invalid symbol name 'a b': expected an identifier ([A-Za-z_][A-Za-z0-9_]*)");
  EXPECT_NE(error_of([] { (void)Expr::symbol(""); }), "");
  EXPECT_NE(error_of([] { (void)Expr::symbol("1x"); }), "");
  EXPECT_EQ(error_of([] { (void)Expr::symbol("_x1"); }), "");
}

// ---- sums

TEST(ExprSimplify, ConstantFolding) {
  EXPECT_EQ(Expr(2) + 3, Expr(5));
  EXPECT_EQ(Expr(2) * 3 - 7, Expr(-1));
  EXPECT_EQ(-Expr(4), Expr(-4));
  EXPECT_EQ(N + 0, N);
  EXPECT_EQ(0 + N, N);
  EXPECT_EQ(N * 1, N);
  EXPECT_EQ(N * 0, Expr(0));
  EXPECT_EQ(N - 0, N);
}

TEST(ExprSimplify, LikeTermsAreCollected) {
  EXPECT_EQ(N + N, 2 * N);
  EXPECT_EQ(N + N + N - 3 * N, Expr(0));
  EXPECT_EQ(N - N, Expr(0));
  EXPECT_EQ(2 * N * M + 3 * M * N, 5 * (N * M));
  EXPECT_EQ((N + 1) + (N - 1), 2 * N);
  EXPECT_EQ((N + M) - M, N);
  EXPECT_EQ((N + 1) * 2 - 2, 2 * N);
  EXPECT_EQ(((N + 1) * 2 - 2).str(), "2*N");
}

TEST(ExprSimplify, OperandOrderIsCanonical) {
  EXPECT_EQ(N + M, M + N);
  EXPECT_EQ(N * M, M * N);
  EXPECT_EQ(N + M + K, K + (M + N));
  EXPECT_EQ(i * N + j, j + N * i);
  EXPECT_EQ((N + 1) + M, N + (M + 1));
  EXPECT_EQ(N * (M * K), (K * N) * M);
  EXPECT_EQ(min(N, M), min(M, N));
  EXPECT_EQ(max(N, max(M, K)), max(max(K, N), M));
}

TEST(ExprSimplify, OrderIndependenceOverShuffles) {
  std::vector<Expr> terms = {N, 2 * M, K * N, Expr(3), floordiv(i, 4), -j, mod(N, 3), i * j * K};
  Expr reference = sum(terms);
  Expr reference_product = product({N, M, i, floordiv(K, 2), min(N, 4)});
  unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int round = 0; round < 50; ++round) {
    std::shuffle(terms.begin(), terms.end(), rng);
    Expr pairwise;
    for (const Expr& t : terms) pairwise = pairwise + t;
    EXPECT_EQ(pairwise, reference);
    EXPECT_EQ(sum(terms), reference);
    std::vector<Expr> factors = {N, M, i, floordiv(K, 2), min(N, 4)};
    std::shuffle(factors.begin(), factors.end(), rng);
    Expr folded = 1;
    for (const Expr& f : factors) folded = folded * f;
    EXPECT_EQ(folded, reference_product);
  }
}

TEST(ExprSimplify, ProductStructure) {
  Expr e = 3 * N * M;
  ASSERT_EQ(e.kind(), ExprKind::Mul);
  ASSERT_EQ(e.operands().size(), 3u);
  EXPECT_EQ(e.operands()[0], Expr(3));  // the coefficient first
  EXPECT_EQ((2 * N) * (3 * M), 6 * N * M);
  EXPECT_EQ((N * M).operands().size(), 2u);
  EXPECT_EQ((1 * N * 1).kind(), ExprKind::Symbol);
  EXPECT_EQ(N * M * 0, Expr(0));
  EXPECT_EQ((-N) * (-M), N * M);
}

TEST(ExprSimplify, SumStructure) {
  Expr e = 2 * N + M + 7;
  ASSERT_EQ(e.kind(), ExprKind::Add);
  ASSERT_EQ(e.operands().size(), 3u);
  EXPECT_EQ(e.operands().back(), Expr(7));  // the constant last
  EXPECT_EQ((N + 1 - 1).kind(), ExprKind::Symbol);
}

TEST(ExprSimplify, ConstantsDistributeOverSums) {
  EXPECT_EQ(2 * (N + 1), 2 * N + 2);
  EXPECT_EQ((N + M) * -1, -N - M);
  EXPECT_EQ(-(N - M), M - N);
  EXPECT_EQ(3 * (2 * (N + 1)), 6 * N + 6);
}

TEST(ExprSimplify, ProductsOfSumsExpand) {
  EXPECT_EQ((N + 1) * (M + 2), N * M + 2 * N + M + 2);
  EXPECT_EQ((N + 1) * (N - 1), N * N - 1);
  EXPECT_EQ((N + 1) * M - M, N * M);
  EXPECT_EQ((i * K + j) * N, i * K * N + j * N);
  EXPECT_EQ(((N + 1) * (M + 2)).str(), "M*N + M + 2*N + 2");
}

TEST(ExprSimplify, HugeProductsOfSumsStayFactored) {
  std::vector<Expr> factors;
  for (int f = 0; f < 12; ++f) {
    factors.push_back(Expr::symbol("a" + std::to_string(f)) +
                      Expr::symbol("b" + std::to_string(f)));
  }
  Expr e = product(factors);  // 4096 terms if expanded
  ASSERT_EQ(e.kind(), ExprKind::Mul);
  EXPECT_EQ(e.operands().size(), 12u);
  EXPECT_EQ(parse_expr(e.str()), e);
  std::map<std::string, std::int64_t> values;
  for (int f = 0; f < 12; ++f) {
    values["a" + std::to_string(f)] = 1;
    values["b" + std::to_string(f)] = f % 2;
  }
  EXPECT_EQ(e.evaluate(values), 64);
  // Folding pairwise expands while the partial products are small; the value is the same.
  Expr folded = 1;
  for (const Expr& f : factors) folded = folded * f;
  EXPECT_EQ(folded.evaluate(values), 64);
  EXPECT_EQ(parse_expr(folded.str()), folded);
}

// ---- floordiv and mod

TEST(ExprSimplify, FloorDivAndModOfMultiples) {
  EXPECT_EQ(floordiv(4 * i + 8, 4), i + 2);
  EXPECT_EQ(mod(4 * i + 8, 4), Expr(0));
  EXPECT_EQ(floordiv(4 * i + 1, 4), i);  // floor(i + 1/4) = i for every integer i
  EXPECT_EQ(mod(4 * i + 1, 4), Expr(1));
  EXPECT_EQ(floordiv(4 * i + j, 4), i + floordiv(j, 4));
  EXPECT_EQ(mod(4 * i + j, 4), mod(j, 4));
  EXPECT_EQ(floordiv(8 * N * M, 4), 2 * N * M);
  EXPECT_EQ(floordiv(i + 5, 4), floordiv(i + 1, 4) + 1);
  EXPECT_EQ(floordiv(i - 5, 4), floordiv(i - 1, 4) - 1);
  EXPECT_EQ(mod(i + 5, 4), mod(i + 1, 4));
  EXPECT_EQ(floordiv(5 * i, 4), i + floordiv(i, 4));
  EXPECT_EQ(floordiv(i, 4).str(), "floordiv(i, 4)");
  EXPECT_EQ(mod(i, 4).str(), "mod(i, 4)");
  EXPECT_EQ(floordiv(N - 1, 4).str(), "floordiv(N - 1, 4)");
}

TEST(ExprSimplify, FloorDivAndModByOne) {
  EXPECT_EQ(floordiv(N * M + 3, 1), N * M + 3);
  EXPECT_EQ(mod(N * M + 3, 1), Expr(0));
  EXPECT_EQ(floordiv(N, -1), -N);
  EXPECT_EQ(mod(N, -1), Expr(0));
}

TEST(ExprSimplify, FloorDivAndModFoldWithPythonSemantics) {
  EXPECT_EQ(floordiv(-7, 2), Expr(-4));
  EXPECT_EQ(mod(-7, 2), Expr(1));
  EXPECT_EQ(floordiv(7, -2), Expr(-4));
  EXPECT_EQ(mod(7, -2), Expr(-1));
  EXPECT_EQ(floordiv(-7, -2), Expr(3));
  EXPECT_EQ(mod(-7, -2), Expr(-1));
  EXPECT_EQ(floordiv(7, 2), Expr(3));
  EXPECT_EQ(mod(7, 2), Expr(1));
  EXPECT_EQ(floordiv(-8, 2), Expr(-4));
  EXPECT_EQ(mod(-8, 2), Expr(0));
  EXPECT_EQ(mod(std::numeric_limits<std::int64_t>::min(), -1), Expr(0));
}

TEST(ExprSimplify, CommonFactorsCancel) {
  EXPECT_EQ(floordiv(2 * i, 4), floordiv(i, 2));
  EXPECT_EQ(floordiv(6 * i + 2, 4), i + floordiv(i + 1, 2));
  EXPECT_EQ(mod(2 * i, 4), 2 * mod(i, 2));
  EXPECT_EQ(mod(2 * i + 2, 4), 2 * mod(i + 1, 2));
}

TEST(ExprSimplify, NestedFloorDivAndMod) {
  EXPECT_EQ(floordiv(floordiv(N, 2), 3), floordiv(N, 6));
  EXPECT_EQ(floordiv(4 * M + floordiv(N, 2), 4), M + floordiv(N, 8));
  EXPECT_EQ(mod(mod(N, 8), 4), mod(N, 4));
  EXPECT_EQ(mod(mod(N, 4), 8), mod(N, 4));
  EXPECT_EQ(floordiv(mod(N, 4), 4), Expr(0));
  EXPECT_EQ(floordiv(mod(N, 4), 8), Expr(0));
  EXPECT_NE(mod(mod(N, 6), 4), mod(N, 4));  // not a multiple: must stay
}

TEST(ExprSimplify, NegativeDivisorsAreNormalized) {
  EXPECT_EQ(floordiv(N, -4), floordiv(-N, 4));
  EXPECT_EQ(mod(N, -4), -mod(-N, 4));
  std::map<std::string, std::int64_t> values;
  for (std::int64_t n = -9; n <= 9; ++n) {
    values["N"] = n;
    EXPECT_EQ(floordiv(N, -4).evaluate(values), floordiv(Expr(n), -4).constant_value());
    EXPECT_EQ(mod(N, -4).evaluate(values), mod(Expr(n), -4).constant_value());
  }
}

TEST(ExprSimplify, DivisionByZeroIsKept) {
  Expr d = floordiv(N, 0);
  EXPECT_EQ(d.kind(), ExprKind::FloorDiv);
  EXPECT_EQ(floordiv(Expr(5), 0).kind(), ExprKind::FloorDiv);
  EXPECT_EQ(mod(Expr(5), 0).kind(), ExprKind::Mod);
  EXPECT_EQ(parse_expr(d.str()), d);
}

TEST(ExprSimplify, SymbolicDivisors) {
  EXPECT_EQ(floordiv(0, N), Expr(0));
  EXPECT_EQ(mod(0, N), Expr(0));
  EXPECT_EQ(floordiv(M, N).str(), "floordiv(M, N)");
  EXPECT_EQ(mod(M + 1, N).str(), "mod(M + 1, N)");
}

// ---- min and max

TEST(ExprSimplify, MinMax) {
  EXPECT_EQ(min(3, 5), Expr(3));
  EXPECT_EQ(max(3, 5), Expr(5));
  EXPECT_EQ(min(N, N), N);
  EXPECT_EQ(max(N, N), N);
  EXPECT_EQ(min(min(N, 4), min(M, 2)), min({N, M, 2}));
  EXPECT_EQ(min(N, 32).str(), "min(N, 32)");
  EXPECT_EQ(min(32, M).str(), "min(M, 32)");
  EXPECT_EQ(max(N, M).str(), "max(M, N)");
  EXPECT_EQ(min(N, N + 1), N);
  EXPECT_EQ(max(N, N + 1), N + 1);
  EXPECT_EQ(min(N + 2 * M - 1, N + 2 * M + 3), N + 2 * M - 1);
  EXPECT_EQ(min({N, 7, M, 3, N + 4}), min({M, N, 3}));
  EXPECT_EQ(max({N, N - 1, N + 1}), N + 1);
  EXPECT_EQ(min(N, M).operands().size(), 2u);
  EXPECT_EQ(max(Expr(4), Expr(4)), Expr(4));
  EXPECT_EQ(min(std::vector<Expr>{N}), N);
}

// ---- arithmetic overflow

TEST(ExprSimplify, OverflowThrows) {
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(error_of([&] { (void)(Expr(big) + 1); }),
            "integer overflow in 9223372036854775807 + 1");
  EXPECT_NE(error_of([&] { (void)(Expr(big) * 2); }), "");
  EXPECT_NE(error_of([&] { (void)(big * N + big * N); }), "");
  EXPECT_NE(error_of([&] { (void)(-Expr(std::numeric_limits<std::int64_t>::min())); }), "");
  EXPECT_NE(error_of([&] { (void)(Expr(std::numeric_limits<std::int64_t>::min()) - 1); }), "");
  EXPECT_NE(error_of([&] { (void)floordiv(std::numeric_limits<std::int64_t>::min(), -1); }), "");
  EXPECT_EQ(error_of([&] { (void)(big * N - big * N); }), "");
}

// ---- evaluation

TEST(ExprEval, Values) {
  std::map<std::string, std::int64_t> v = {{"N", 8}, {"M", 3}, {"i", -5}};
  EXPECT_EQ(((N + 1) * 2 - 2).evaluate(v), 16);
  EXPECT_EQ((N * M - i).evaluate(v), 29);
  EXPECT_EQ(floordiv(i, 2).evaluate(v), -3);
  EXPECT_EQ(mod(i, 2).evaluate(v), 1);
  EXPECT_EQ(mod(i, -M).evaluate(v), -2);
  EXPECT_EQ(floordiv(N, M).evaluate(v), 2);
  EXPECT_EQ(min({N, M, i}).evaluate(v), -5);
  EXPECT_EQ(max({N, M, i}).evaluate(v), 8);
  EXPECT_EQ(Expr(42).evaluate({}), 42);
}

TEST(ExprEval, UnboundSymbol) {
  EXPECT_EQ(error_of([] { (void)(N + M).evaluate({{"N", 1}}); }), "unbound symbol 'M'");
  try {
    (void)(2 * N + 1).evaluate({});
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_EQ(e.diagnostics().front().message, "unbound symbol 'N'");
    EXPECT_NE(std::string(e.what()).find("while evaluating '2*N + 1'"), std::string::npos);
  }
}

TEST(ExprEval, DivisionByZero) {
  EXPECT_EQ(error_of([] { (void)floordiv(N, M).evaluate({{"N", 1}, {"M", 0}}); }),
            "division by zero");
  EXPECT_EQ(error_of([] { (void)mod(N, M).evaluate({{"N", 1}, {"M", 0}}); }), "modulo by zero");
  EXPECT_EQ(error_of([] { (void)floordiv(N, 0).evaluate({{"N", 1}}); }), "division by zero");
  EXPECT_EQ(error_of([] { (void)mod(Expr(3), 0).evaluate({}); }), "modulo by zero");
  try {
    (void)(floordiv(N, M) + 1).evaluate({{"N", 1}, {"M", 0}});
  } catch (const UserError& e) {
    const auto& notes = e.diagnostics().front().notes;
    ASSERT_EQ(notes.size(), 2u);
    EXPECT_EQ(notes[0], "in 'floordiv(N, M)'");
    EXPECT_EQ(notes[1], "while evaluating 'floordiv(N, M) + 1'");
  }
}

TEST(ExprEval, Overflow) {
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(error_of([&] { (void)(N * M).evaluate({{"N", big}, {"M", 2}}); }), "integer overflow");
  EXPECT_EQ(error_of([&] { (void)(N + 1).evaluate({{"N", big}}); }), "integer overflow");
  EXPECT_EQ(
      error_of([&] {
        (void)floordiv(N, M).evaluate({{"N", std::numeric_limits<std::int64_t>::min()}, {"M", -1}});
      }),
      "integer overflow");
}

// ---- substitution and free symbols

TEST(ExprSubstitute, Simultaneous) {
  Expr e = N + 2 * M;
  EXPECT_EQ(e.substitute({{"N", M}, {"M", N}}), M + 2 * N);
  EXPECT_EQ(e.substitute({{"N", Expr(1)}, {"M", Expr(2)}}), Expr(5));
  EXPECT_EQ(e.substitute({}), e);
  EXPECT_EQ(e.substitute({{"X", Expr(1)}}), e);
  EXPECT_EQ(e.substitute({{"X", Expr(1)}}).node(), e.node());
}

TEST(ExprSubstitute, Resimplifies) {
  EXPECT_EQ((N * M + 1).substitute({{"M", Expr(0)}}), Expr(1));
  EXPECT_EQ(floordiv(i, 4).substitute({{"i", 4 * j + 8}}), j + 2);
  EXPECT_EQ(min(N, M).substitute({{"M", N + 3}}), N);
  EXPECT_EQ((N - M).substitute({{"N", M}}), Expr(0));
  EXPECT_EQ((i * N + j).substitute({{"i", Expr::symbol("ii") + 1}}),
            Expr::symbol("ii") * N + N + j);
  EXPECT_EQ(mod(N, M).substitute({{"M", Expr(1)}}), Expr(0));
}

TEST(ExprSubstitute, FreeSymbols) {
  EXPECT_EQ((N * M + floordiv(i, K) + min(N, 3)).free_symbols(),
            (std::vector<std::string>{"K", "M", "N", "i"}));
  EXPECT_TRUE(Expr(3).free_symbols().empty());
}

// ---- printing

TEST(ExprPrint, CanonicalText) {
  EXPECT_EQ((2 * N + 1).str(), "2*N + 1");
  EXPECT_EQ((N - M).str(), "N - M");
  EXPECT_EQ((-N).str(), "-N");
  EXPECT_EQ((-N - M).str(), "-M - N");
  EXPECT_EQ((1 - N).str(), "-N + 1");
  EXPECT_EQ((N - 1).str(), "N - 1");
  EXPECT_EQ((N * M).str(), "M*N");
  EXPECT_EQ((i * N + j).str(), "i*N + j");
  EXPECT_EQ((-3 * N * M).str(), "-3*M*N");
  EXPECT_EQ((N * N).str(), "N*N");
  EXPECT_EQ((N - 2 * M + 3).str(), "N - 2*M + 3");
  EXPECT_EQ(Expr(-5).str(), "-5");
  EXPECT_EQ(floordiv(N + 1, 4).str(), "floordiv(N + 1, 4)");
  EXPECT_EQ((N * floordiv(M, 2)).str(), "N*floordiv(M, 2)");
  EXPECT_EQ(max({N, M, 0}).str(), "max(M, N, 0)");
  EXPECT_EQ((N * mod(i, 4) - min(M, 32)).str(), "N*mod(i, 4) - min(M, 32)");
  EXPECT_EQ(min(N, -3).str(), "min(N, -3)");
}

TEST(ExprPrint, ExtremeConstants) {
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  for (Expr e : {Expr(lo), Expr(hi), lo * N, N + lo, N + hi, M + lo * N, hi * N - M, lo * N * M,
                 min(N, lo), N - hi}) {
    SCOPED_TRACE(e.str());
    EXPECT_EQ(parse_expr(e.str()), e);
  }
  EXPECT_EQ((N + lo).str(), "N + -9223372036854775808");
  EXPECT_EQ((M + lo * N).str(), "M + -9223372036854775808*N");
}

TEST(ExprPrint, SumFactorsAreParenthesized) {
  std::vector<Expr> factors;
  for (int f = 0; f < 9; ++f) factors.push_back(Expr::symbol("x" + std::to_string(f)) + 1);
  Expr e = product(factors);  // 512 terms: stays factored
  EXPECT_EQ(e.str().substr(0, 16), "(x0 + 1)*(x1 + 1");
  EXPECT_EQ(parse_expr(e.str()), e);
}

// ---- hashing and order

TEST(ExprHash, StableAcrossRuns) {
  // Pinned values: the hash must not depend on addresses, the run or the platform.
  EXPECT_EQ(Expr(0).hash(), Expr().hash());
  EXPECT_EQ((N + M).hash(), (M + N).hash());
  EXPECT_NE(N.hash(), M.hash());
  EXPECT_NE((N + 1).hash(), (N + 2).hash());
  EXPECT_EQ(Expr(1).hash(), std::size_t{11765278933329153358ull});
  EXPECT_EQ(N.hash(), std::size_t{965344480566937964ull});
  EXPECT_EQ((2 * N + 1).hash(), std::size_t{3253592522977791103ull});
}

TEST(ExprHash, StdHashAndContainers) {
  std::unordered_set<Expr> set = {N + 1, 1 + N, N * 2, 2 * N};
  EXPECT_EQ(set.size(), 2u);
}

TEST(ExprOrder, StructuralTotalOrder) {
  std::vector<Expr> all = {
      Expr(3),   Expr(-1),       N,         M,         Expr::symbol("n"), N + 1, N * M,
      2 * N * M, floordiv(N, 2), mod(N, 2), min(N, M), max(N, M),         N + M, i * N + j};
  for (const Expr& a : all) {
    EXPECT_FALSE(a < a);
    for (const Expr& b : all) {
      if (a == b) continue;
      EXPECT_NE(a < b, b < a) << a.str() << " vs " << b.str();
      for (const Expr& c : all) {
        EXPECT_TRUE(!(a < b && b < c) || a < c);
      }
    }
  }
  EXPECT_TRUE(Expr(-1) < Expr(3));
  EXPECT_TRUE(Expr(100) < N);          // constants first
  EXPECT_TRUE(M < N);                  // by name
  EXPECT_TRUE(Expr::symbol("i") < N);  // case-insensitively first
  EXPECT_TRUE(N < Expr::symbol("n"));  // then by bytes
  std::set<Expr> sorted(all.begin(), all.end());
  EXPECT_EQ(sorted.size(), all.size());
}

// ---- concurrency

TEST(ExprIntern, ThreadsAgreeOnNodes) {
  constexpr int kThreads = 4;
  std::vector<std::vector<const ExprNode*>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &seen] {
      for (int k = 0; k < 500; ++k) {
        Expr s = Expr::symbol("T" + std::to_string(k % 50));
        Expr e = floordiv(s * Expr::symbol("U") + k, 3) + min(s, k);
        seen[t].push_back(e.node());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(seen[t], seen[0]);
}

}  // namespace
}  // namespace sluice::ir
