// Float math as the generator writes it so that loops vectorize: exp (a branch-free float
// version, within 1 ulp of std::exp, NaN and infinities as std::exp gives them), min/max
// ignoring a NaN operand; and a row's accumulator kept in a per-iteration local, which does not
// stop the rows from running in parallel.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "codegen_test_support.h"
#include "ir/text_format.h"

namespace sluice::codegen {
namespace {

using testing::build;

std::int64_t ulps(float a, float b) {
  std::int32_t ia = 0;
  std::int32_t ib = 0;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  return std::abs(static_cast<std::int64_t>(ia) - static_cast<std::int64_t>(ib));
}

constexpr const char* kUnary = R"(
program unary {
  symbol N: i64
  array X: f32[N]
  array A: f32[N]
  array B: f32[N]
  array E: f32[N]
  array S: f32[N]
  array M: f32[N]
  array L: f32[N]
  state 0 "main" start {
    node 0 = access X
    node 1 = access A
    node 2 = access B
    node 3 = map "math" [i = 0:N] (X, A, B) -> (E, S, M, L) schedule=cpu_parallel {
      node 0 = tasklet "math" (x, a, b) -> (e, s, m, l) {
        e = exp(x);
        s = sigmoid(x);
        m = max(a, b);
        l = min(a, b);
      }
      node 1 = access X
      node 2 = access A
      node 3 = access B
      node 4 = access E
      node 5 = access S
      node 6 = access M
      node 7 = access L
      edge 0: node 1 -> node 0.x X[i]
      edge 1: node 2 -> node 0.a A[i]
      edge 2: node 3 -> node 0.b B[i]
      edge 3: node 0.e -> node 4 E[i]
      edge 4: node 0.s -> node 5 S[i]
      edge 5: node 0.m -> node 6 M[i]
      edge 6: node 0.l -> node 7 L[i]
    }
    node 4 = access E
    node 5 = access S
    node 6 = access M
    node 7 = access L
    edge 0: node 0 -> node 3.X X[0:N]
    edge 1: node 1 -> node 3.A A[0:N]
    edge 2: node 2 -> node 3.B B[0:N]
    edge 3: node 3.E -> node 4 E[0:N]
    edge 4: node 3.S -> node 5 S[0:N]
    edge 5: node 3.M -> node 6 M[0:N]
    edge 6: node 3.L -> node 7 L[0:N]
  }
}
)";

TEST(CpuVectorMath, ExpSigmoidMinMaxAgreeWithTheLibrary) {
  auto rng = testing::seeded_rng();
  auto built = build(ir::parse_text(kUnary, "unary"));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x{nan,     inf,     -inf,    0.0F,    -0.0F, 88.7F,  88.73F, 89.5F, -87.3F,
                       -100.0F, -103.9F, -104.5F, -120.0F, 1e-8F, -1e-8F, 0.5F,   20.0F};
  for (const float v : testing::random_floats(rng, 200000, -110.0, 90.0)) x.push_back(v);
  for (const float v : testing::random_floats(rng, 20000, -2.0, 2.0)) x.push_back(v);
  const std::size_t n = x.size();
  auto a = testing::random_floats(rng, n);
  auto b = testing::random_floats(rng, n);
  a[0] = nan;  // max/min take the other operand
  b[1] = nan;
  a[2] = nan;
  b[2] = nan;
  std::vector<float> e(n), s(n), m(n), l(n);
  built.executable.init({{"N", static_cast<std::int64_t>(n)}});
  built.executable.run({x.data(), a.data(), b.data(), e.data(), s.data(), m.data(), l.data()});
  std::int64_t worst = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float want = std::exp(x[i]);
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(e[i])) << "exp(" << x[i] << ")";
    } else if (std::isinf(want)) {
      EXPECT_EQ(e[i], want) << "exp(" << x[i] << ")";
    } else {
      worst = std::max(worst, ulps(e[i], want));
      EXPECT_LE(ulps(e[i], want), 1) << "exp(" << x[i] << ") = " << e[i] << ", want " << want;
    }
    const float sig = 1.0F / (1.0F + std::exp(-x[i]));
    if (std::isnan(sig))
      EXPECT_TRUE(std::isnan(s[i]));
    else
      EXPECT_NEAR(s[i], sig, 1e-6F * (1.0F + std::abs(sig))) << "sigmoid(" << x[i] << ")";
    const float mx = std::fmax(a[i], b[i]);
    const float mn = std::fmin(a[i], b[i]);
    if (std::isnan(mx))
      EXPECT_TRUE(std::isnan(m[i])) << i;
    else
      EXPECT_EQ(m[i], mx) << "max(" << a[i] << ", " << b[i] << ")";
    if (std::isnan(mn))
      EXPECT_TRUE(std::isnan(l[i])) << i;
    else
      EXPECT_EQ(l[i], mn) << "min(" << a[i] << ", " << b[i] << ")";
  }
  std::cout << "[ exp ] worst " << worst << " ulp over " << n << " values\n";
  EXPECT_TRUE(std::isnan(m[2]) && std::isnan(l[2]));
}

// A normalization's row as normalization-fusion leaves it: the row's accumulator is a register
// transient, so each iteration of the parallel map has its own.
constexpr const char* kRows = R"(
program rows {
  symbol N: i64
  array X: f32[N, 64]
  array S: f32[1] storage=register transient
  array Y: f32[N, 64]
  state 0 "main" start {
    node 0 = access X
    node 1 = map "norm" [i = 0:N] (X) -> (Y) schedule=cpu_parallel {
      node 0 = tasklet "init" () -> (s) { s = 0.0; }
      node 1 = access S
      node 2 = map "sum" [j = 0:64] (X) -> (S) schedule=sequential {
        node 0 = tasklet "sum" (x) -> (s) { s = x * x; }
        node 1 = access X
        node 2 = access S
        edge 0: node 1 -> node 0.x X[i, j]
        edge 1: node 0.s -> node 2 S[0] wcr=sum
      }
      node 3 = access X
      node 4 = access S
      node 5 = map "scale" [j = 0:64] (X, S) -> (Y) schedule=sequential {
        node 0 = tasklet "scale" (x, s) -> (y) { y = x / s; }
        node 1 = access X
        node 2 = access S
        node 3 = access Y
        edge 0: node 1 -> node 0.x X[i, j]
        edge 1: node 2 -> node 0.s S[0]
        edge 2: node 0.y -> node 3 Y[i, j]
      }
      node 6 = access Y
      edge 0: node 0.s -> node 1 S[0]
      edge 1: node 3 -> node 2.X X[i, 0:64]
      edge 2: node 2.S -> node 4 S[0] volume=64 wcr=sum
      edge 3: node 1 -> node 2 empty
      edge 4: node 3 -> node 5.X X[i, 0:64]
      edge 5: node 4 -> node 5.S S[0]
      edge 6: node 5.Y -> node 6 Y[i, 0:64]
    }
    node 2 = access Y
    edge 0: node 0 -> node 1.X X[0:N, 0:64]
    edge 1: node 1.Y -> node 2 Y[0:N, 0:64]
  }
}
)";

TEST(CpuVectorMath, RowLocalAccumulatorKeepsTheRowsParallel) {
  auto rng = testing::seeded_rng();
  auto built = build(ir::parse_text(kRows, "rows"));
  EXPECT_NE(built.source.code.find("#pragma omp parallel for"), std::string::npos)
      << built.source.code;
  EXPECT_NE(built.source.code.find("float c_S[1] = {};"), std::string::npos) << built.source.code;
  // The row's sum runs in SIMD lanes, combined into the accumulator once.
  EXPECT_NE(built.source.code.find("#pragma omp simd reduction(+:"), std::string::npos)
      << built.source.code;
  const std::int64_t rows = 1000;
  const auto x = testing::random_floats(rng, rows * 64, 0.5, 1.5);
  std::vector<float> y(x.size());
  built.executable.init({{"N", rows}});
  built.executable.run({const_cast<float*>(x.data()), y.data()});
  std::vector<double> want(x.size());
  for (std::int64_t i = 0; i < rows; ++i) {
    double s = 0;
    for (int j = 0; j < 64; ++j) s += static_cast<double>(x[i * 64 + j]) * x[i * 64 + j];
    for (int j = 0; j < 64; ++j) want[i * 64 + j] = x[i * 64 + j] / s;
  }
  testing::expect_near(y, want, 1e-5);
}

// Row maxima and minima through SIMD reductions: NaN elements are ignored, an all-NaN row gives
// the identity (-inf, inf), as the sequential combination would.
constexpr const char* kRowMax = R"(
program rowmax {
  symbol N: i64
  array X: f32[N, 37]
  array M: f32[N]
  array L: f32[N]
  state 0 "main" start {
    node 0 = access X
    node 1 = map "init" [i = 0:N] () -> (M, L) {
      node 0 = tasklet "init" () -> (m, l) {
        m = -inf;
        l = inf;
      }
      node 1 = access M
      node 2 = access L
      edge 0: node 0.m -> node 1 M[i]
      edge 1: node 0.l -> node 2 L[i]
    }
    node 2 = access M
    node 3 = access L
    node 4 = map "rows" [i = 0:N] (X) -> (M, L) {
      node 0 = map "row" [j = 0:37] (X) -> (M, L) schedule=sequential {
        node 0 = tasklet "row" (x) -> (m, l) {
          m = x;
          l = x;
        }
        node 1 = access X
        node 2 = access M
        node 3 = access L
        edge 0: node 1 -> node 0.x X[i, j]
        edge 1: node 0.m -> node 2 M[i] wcr=max
        edge 2: node 0.l -> node 3 L[i] wcr=min
      }
      node 1 = access X
      node 2 = access M
      node 3 = access L
      edge 0: node 1 -> node 0.X X[i, 0:37]
      edge 1: node 0.M -> node 2 M[i] volume=37 wcr=max
      edge 2: node 0.L -> node 3 L[i] volume=37 wcr=min
    }
    node 5 = access M
    node 6 = access L
    edge 0: node 1.M -> node 2 M[0:N]
    edge 1: node 1.L -> node 3 L[0:N]
    edge 2: node 2 -> node 4 empty
    edge 3: node 3 -> node 4 empty
    edge 4: node 0 -> node 4.X X[0:N, 0:37]
    edge 5: node 4.M -> node 5 M[0:N] volume=37*N wcr=max
    edge 6: node 4.L -> node 6 L[0:N] volume=37*N wcr=min
  }
}
)";

TEST(CpuVectorMath, RowMaxAndMinIgnoreNaNInSimdLanes) {
  auto rng = testing::seeded_rng();
  auto built = build(ir::parse_text(kRowMax, "rowmax"));
  // Explicit lanes (Clang vectorizes no omp simd loop with a declared reduction): 37 columns are
  // two whole groups of 16 and a scalar tail of 5.
  EXPECT_NE(built.source.code.find("] = -INFINITY;"), std::string::npos) << built.source.code;
  EXPECT_NE(built.source.code.find("] = INFINITY;"), std::string::npos) << built.source.code;
  EXPECT_EQ(built.source.code.find("reduction(sl_max:"), std::string::npos) << built.source.code;
  const std::int64_t rows = 64;
  auto x = testing::random_floats(rng, rows * 37, -100.0, 100.0);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::int64_t i = 0; i < rows; i += 3) x[i * 37 + (i % 37)] = nan;
  for (int j = 0; j < 37; ++j) x[5 * 37 + j] = nan;  // row 5: all NaN
  std::vector<float> m(rows), l(rows);
  built.executable.init({{"N", rows}});
  built.executable.run({x.data(), m.data(), l.data()});
  for (std::int64_t i = 0; i < rows; ++i) {
    float want_max = -std::numeric_limits<float>::infinity();
    float want_min = std::numeric_limits<float>::infinity();
    for (int j = 0; j < 37; ++j) {
      want_max = std::fmax(want_max, x[i * 37 + j]);
      want_min = std::fmin(want_min, x[i * 37 + j]);
    }
    EXPECT_EQ(m[i], want_max) << "row " << i;
    EXPECT_EQ(l[i], want_min) << "row " << i;
  }
}

}  // namespace
}  // namespace sluice::codegen
