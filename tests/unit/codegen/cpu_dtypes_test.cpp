// Element types end to end: f64 math, i64 floor division and modulo (in tasklets and in
// symbolic subsets), bool storage, f16/bf16 storage with rounding, saturating casts.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "codegen_test_support.h"
#include "ir/builder.h"

namespace sluice::codegen {
namespace {

using ir::DType;
using ir::Expr;
using ir::ProgramBuilder;
using testing::build;
using testing::expect_near;

TEST(CpuDtypes, F64Math) {
  auto rng = testing::seeded_rng();
  ProgramBuilder b("f64");
  const Expr n = b.symbol("N");
  b.array("X", DType::f64, {n});
  b.array("Y", DType::f64, {n});
  b.state("main").mapped_tasklet(
      "math", "i=0:N", {{"x", "X", "i"}},
      "let e: f64 = exp(x) * 0.5;\ny = e + tanh(x) - sqrt(abs(x)) + pow(abs(x), 1.5) + sigmoid(x) "
      "+ erf(x) + max(x, 0.25) + min(x, -0.25) + floor(x * 3.0) + rsqrt(x * x + 1.0);",
      {{"y", "Y", "i"}});
  auto built = build(b.build());
  const std::int64_t nv = 100;
  const auto x = testing::random_doubles(rng, nv, -3.0, 3.0);
  std::vector<double> y(nv);
  built.executable.init({{"N", nv}});
  built.executable.run({const_cast<double*>(x.data()), y.data()});
  std::vector<double> expected(nv);
  for (int i = 0; i < nv; ++i) {
    const double v = x[i];
    expected[i] = std::exp(v) * 0.5 + std::tanh(v) - std::sqrt(std::fabs(v)) +
                  std::pow(std::fabs(v), 1.5) + 1.0 / (1.0 + std::exp(-v)) + std::erf(v) +
                  std::fmax(v, 0.25) + std::fmin(v, -0.25) + std::floor(v * 3.0) +
                  1.0 / std::sqrt(v * v + 1.0);
  }
  expect_near(y, expected, 1e-12);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Q = A / B and R = A % B with Python semantics; S[i] = A[mod(i - 3, N)] (a symbolic subset
// with a negative numerator).
TEST(CpuDtypes, I64FloorDivisionAndModulo) {
  auto rng = testing::seeded_rng();
  ProgramBuilder b("i64");
  const Expr n = b.symbol("N");
  for (const char* name : {"A", "B", "Q", "R", "S"}) b.array(name, DType::i64, {n});
  auto g = b.state("main");
  const ir::NodeId a = g.access("A");
  g.mapped_tasklet("divmod", "i=0:N", {{"a", "A", "i", {}, a}, {"b", "B", "i"}},
                   "q = a / b;\nr = a % b;", {{"q", "Q", "i"}, {"r", "R", "i"}});
  g.mapped_tasklet("rotate", "i=0:N", {{"a", "A", "mod(i - 3, N)", {}, a}}, "s = a;",
                   {{"s", "S", "i"}});
  auto built = build(b.build());
  const std::int64_t nv = 64;
  std::uniform_int_distribution<std::int64_t> value(-100, 100), divisor(1, 7);
  std::vector<std::int64_t> av(nv), bv(nv), q(nv), r(nv), s(nv);
  for (int i = 0; i < nv; ++i) {
    av[i] = value(rng);
    bv[i] = divisor(rng) * (i % 2 ? -1 : 1);
  }
  built.executable.init({{"N", nv}});
  built.executable.run({av.data(), bv.data(), q.data(), r.data(), s.data()});
  for (int i = 0; i < nv; ++i) {
    SCOPED_TRACE(std::to_string(av[i]) + " / " + std::to_string(bv[i]));
    EXPECT_EQ(q[i], floor_div(av[i], bv[i]));
    EXPECT_EQ(r[i], av[i] - floor_div(av[i], bv[i]) * bv[i]);
    EXPECT_EQ(s[i], av[((i - 3) % nv + nv) % nv]);
  }
  // What would trap in hardware does not: a zero divisor gives 0, INT64_MIN / -1 wraps.
  av = {7, -7, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::min()};
  bv = {0, 0, -1, 2};
  q.assign(4, 1);
  r.assign(4, 1);
  s.assign(4, 1);
  built.executable.init({{"N", 4}});
  built.executable.run({av.data(), bv.data(), q.data(), r.data(), s.data()});
  EXPECT_EQ(q, (std::vector<std::int64_t>{0, 0, std::numeric_limits<std::int64_t>::min(),
                                          std::numeric_limits<std::int64_t>::min() / 2}));
  EXPECT_EQ(r, (std::vector<std::int64_t>{0, 0, 0, 0}));
}

// Bool containers are bytes 0/1; casts from floats truncate and saturate, NaN gives 0; integer
// casts wrap.
TEST(CpuDtypes, BoolAndCasts) {
  ProgramBuilder b("casts");
  const Expr n = b.symbol("N");
  b.array("X", DType::f32, {n});
  b.array("M", DType::boolean, {n});
  b.array("P", DType::boolean, {n});
  b.array("I32", DType::i32, {n});
  b.array("I8", DType::i8, {n});
  b.array("W", DType::i8, {n});
  b.state("main").mapped_tasklet(
      "casts", "i=0:N", {{"x", "X", "i"}, {"m", "M", "i"}},
      "p = m && x > 0.0 || !m && x < 0.0;\nt = cast<i32>(x);\ns = cast<i8>(x);\n"
      "w = cast<i8>(cast<i64>(i) * 100);",
      {{"p", "P", "i"}, {"t", "I32", "i"}, {"s", "I8", "i"}, {"w", "W", "i"}});
  auto built = build(b.build());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x{2.7f, -2.7f, 1e10f, -1e10f, nan, 300.0f, -0.5f, 0.0f};
  const std::vector<std::uint8_t> m{1, 1, 0, 0, 1, 1, 0, 1};
  const std::int64_t nv = static_cast<int>(x.size());
  std::vector<std::uint8_t> p(nv, 7);
  std::vector<std::int32_t> i32(nv);
  std::vector<std::int8_t> i8(nv), w(nv);
  built.executable.init({{"N", nv}});
  built.executable.run({const_cast<float*>(x.data()), const_cast<std::uint8_t*>(m.data()), p.data(),
                        i32.data(), i8.data(), w.data()});
  EXPECT_EQ(p, (std::vector<std::uint8_t>{1, 0, 0, 1, 0, 1, 1, 0}));
  EXPECT_EQ(i32,
            (std::vector<std::int32_t>{2, -2, std::numeric_limits<std::int32_t>::max(),
                                       std::numeric_limits<std::int32_t>::min(), 0, 300, 0, 0}));
  EXPECT_EQ(i8, (std::vector<std::int8_t>{2, -2, 127, -128, 0, 127, 0, 0}));
  for (int i = 0; i < nv; ++i) EXPECT_EQ(w[i], static_cast<std::int8_t>(i * 100)) << i;
}

std::uint16_t bits_of(_Float16 h) {
  std::uint16_t u;
  std::memcpy(&u, &h, 2);
  return u;
}
_Float16 half_of(std::uint16_t u) {
  _Float16 h;
  std::memcpy(&h, &u, 2);
  return h;
}

// f16 in, f16 and f32 out; the f16 results round once, to nearest even (the compiler's _Float16
// is the reference). bf16 values that are exact stay exact.
TEST(CpuDtypes, HalfPrecisionStorage) {
  auto rng = testing::seeded_rng();
  ProgramBuilder b("halves");
  const Expr n = b.symbol("N");
  b.array("X", DType::f16, {n});
  b.array("F", DType::f32, {n});
  b.array("Y", DType::f16, {n});
  b.array("G", DType::f16, {n});
  b.array("B", DType::bf16, {n});
  b.array("C", DType::bf16, {n});
  auto g = b.state("main");
  g.mapped_tasklet("half", "i=0:N", {{"x", "X", "i"}, {"f", "F", "i"}, {"c", "B", "i"}},
                   "y = x * 3.0 + 1.0;\ng = cast<f16>(f);\nd = c * 2.0 - 0.5;",
                   {{"y", "Y", "i"}, {"g", "G", "i"}, {"d", "C", "i"}});
  auto built = build(b.build());
  const std::int64_t nv = 257;
  const auto f = testing::random_floats(rng, nv, -70000.0, 70000.0);
  std::vector<std::uint16_t> x(nv), y(nv), gh(nv), bf(nv), c(nv);
  std::uniform_int_distribution<int> eighths(-64, 64);
  for (int i = 0; i < nv; ++i) {
    x[i] = bits_of(static_cast<_Float16>(static_cast<float>(eighths(rng)) / 8.0f));
    const float exact = static_cast<float>(eighths(rng)) / 4.0f;  // exact in bf16
    std::uint32_t u;
    std::memcpy(&u, &exact, 4);
    bf[i] = static_cast<std::uint16_t>(u >> 16);
  }
  std::vector<float> fs(f.begin(), f.end());
  fs[0] = 1e-8f;     // rounds to a subnormal half
  fs[1] = 65520.0f;  // rounds to inf
  fs[2] = std::numeric_limits<float>::quiet_NaN();
  built.executable.init({{"N", nv}});
  built.executable.run({x.data(), fs.data(), y.data(), gh.data(), bf.data(), c.data()});
  for (int i = 0; i < nv; ++i) {
    SCOPED_TRACE(i);
    const auto xv = static_cast<float>(half_of(x[i]));
    EXPECT_EQ(y[i], bits_of(static_cast<_Float16>(xv * 3.0f + 1.0f)));
    if (std::isnan(fs[i])) {
      EXPECT_TRUE(std::isnan(static_cast<float>(half_of(gh[i]))));
    } else {
      EXPECT_EQ(gh[i], bits_of(static_cast<_Float16>(fs[i]))) << fs[i];
    }
    std::uint32_t u = static_cast<std::uint32_t>(bf[i]) << 16;
    float bv;
    std::memcpy(&bv, &u, 4);
    const float expected = bv * 2.0f - 0.5f;  // exact in bf16 too
    std::memcpy(&u, &expected, 4);
    EXPECT_EQ(c[i], static_cast<std::uint16_t>(u >> 16));
  }
}

}  // namespace
}  // namespace sluice::codegen
