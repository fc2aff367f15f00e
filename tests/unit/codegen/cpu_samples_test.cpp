// The sample programs, generated, compiled and run on random inputs against plain loops.
#include <cmath>
#include <vector>

#include "codegen_test_support.h"
#include "samples/sample_programs.h"

namespace sluice::codegen {
namespace {

using testing::build;
using testing::expect_near;
using testing::random_floats;

std::vector<float> reference_matmul(const std::vector<float>& a, const std::vector<float>& b,
                                    std::int64_t m, std::int64_t n, std::int64_t k) {
  std::vector<float> c(static_cast<std::size_t>(m * n));
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int l = 0; l < k; ++l) s += static_cast<double>(a[i * k + l]) * b[l * n + j];
      c[i * n + j] = static_cast<float>(s);
    }
  return c;
}

TEST(CpuSamples, MatmulWithSumReductionForSeveralSymbolValues) {
  auto rng = testing::seeded_rng();
  auto built = build(samples::matmul());
  EXPECT_EQ(built.source.arguments, (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(built.source.symbols, (std::vector<std::string>{"K", "M", "N"}));
  // The same executable for several sizes: the symbols are values at init.
  using Size = std::int64_t;
  for (const auto& [m, n, k] : {std::tuple<Size, Size, Size>{3, 5, 7}, {64, 48, 33}, {1, 1, 1}}) {
    SCOPED_TRACE(std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k));
    const auto a = random_floats(rng, m * k);
    const auto b = random_floats(rng, k * n);
    std::vector<float> c(static_cast<std::size_t>(m * n), 123.0f);  // the init state zeroes it
    built.executable.init({{"M", m}, {"N", n}, {"K", k}});
    built.executable.run({const_cast<float*>(a.data()), const_cast<float*>(b.data()), c.data()});
    expect_near(c, reference_matmul(a, b, m, n, k));
  }
  // Timers: one per kernel, accumulated.
  EXPECT_EQ(built.executable.kernel_names(), (std::vector<std::string>{"zero", "mm"}));
  const auto times = built.executable.kernel_times();
  ASSERT_EQ(times.size(), 2u);
  for (const double t : times) EXPECT_GE(t, 0.0);
}

TEST(CpuSamples, SoftmaxWithMaxAndSumReductions) {
  auto rng = testing::seeded_rng();
  auto built = build(samples::softmax());
  for (const auto& [n, m] : {std::pair<std::int64_t, std::int64_t>{4, 9}, {300, 17}}) {
    const auto x = random_floats(rng, n * m, -5.0, 5.0);
    std::vector<float> y(x.size());
    built.executable.init({{"N", n}, {"M", m}});
    built.executable.run({const_cast<float*>(x.data()), y.data()});
    std::vector<double> expected(x.size());
    for (int i = 0; i < n; ++i) {
      double mx = -1e300;
      for (int j = 0; j < m; ++j) mx = std::max(mx, static_cast<double>(x[i * m + j]));
      double s = 0;
      for (int j = 0; j < m; ++j) s += std::exp(x[i * m + j] - mx);
      for (int j = 0; j < m; ++j) expected[i * m + j] = std::exp(x[i * m + j] - mx) / s;
    }
    expect_near(y, expected);
  }
}

TEST(CpuSamples, ProducerConsumerThroughATransient) {
  auto rng = testing::seeded_rng();
  auto built = build(samples::producer_consumer());
  const std::int64_t n = 5000;  // above the parallel threshold
  const auto x = random_floats(rng, n);
  std::vector<float> y(n);
  built.executable.init({{"N", n}});
  built.executable.run({const_cast<float*>(x.data()), y.data()});
  std::vector<float> expected(n);
  for (int i = 0; i < n; ++i) expected[i] = x[i] * 2.0f + 1.0f;
  expect_near(y, expected);
}

TEST(CpuSamples, SmallLayerCallsBlas) {
  auto rng = testing::seeded_rng();
  ir::Program program = samples::small_layer();
  for (const ir::StateId s : program.states.ids()) {
    ir::Graph& g = program.states[s].graph;
    for (const ir::NodeId n : g.node_ids())
      if (auto* lib = std::get_if<ir::LibraryNode>(&g.node(n))) lib->implementation = "blas";
  }
  auto built = build(program);
  EXPECT_TRUE(built.source.uses_blas);
  EXPECT_NE(built.source.code.find("cblas_sgemm("), std::string::npos);
  const std::int64_t n = 37, k = 19, h = 23;
  const auto x = random_floats(rng, n * k);
  const auto w = random_floats(rng, k * h);
  const auto bias = random_floats(rng, h);
  std::vector<float> y(n * h);
  built.executable.init({{"N", n}, {"K", k}, {"H", h}});
  ASSERT_EQ(built.source.arguments, (std::vector<std::string>{"X", "W", "bias", "Y"}));
  built.executable.run({const_cast<float*>(x.data()), const_cast<float*>(w.data()),
                        const_cast<float*>(bias.data()), y.data()});
  auto expected = reference_matmul(x, w, n, h, k);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < h; ++j) expected[i * h + j] = std::max(expected[i * h + j] + bias[j], 0.0f);
  expect_near(y, expected);
}

}  // namespace
}  // namespace sluice::codegen
