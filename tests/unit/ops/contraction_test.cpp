// Contractions against numpy (make_compute_expectations.py contractions): MatMul with batch
// broadcasting and 1-D operands, Gemm's attributes, Einsum equations; random MatMul against a
// reference loop; the golden expansion; errors.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "op_test_support.h"
#include "ops/expansion.h"
#include "ops/op_registry.h"

namespace sluice::ops::testing {
namespace {

using ir::DType;
using Ints = std::vector<std::int64_t>;
using Values = std::vector<double>;

const Values kR = {0.5,   1.59,  1.1,  -1.1, -0.8, 1.49, -1.98, 1.28, 1.19,  -0.13, -0.79, -0.89,
                   -0.98, -0.22, 0.02, 0.21, 1.98, 1.17, 0.49,  1.96, -1.14, -1.36, 0.45,  -1.82};
const Values kB45 = {-0.83, -0.53, 0.6,   0.16, -0.81, -0.13, -0.04, -0.68, 0.47, -0.77,
                     -0.22, 0.03,  -0.14, 0.17, 0.48,  0.91,  -0.43, 0.3,   0.39, -0.41};
const Values kB142 = {0.61, 0.62, 0.03, -0.43, -0.89, -0.23, -0.18, -0.91};
const Values kV{1.0, -2.0, 0.5, 3.0};

Values first_rows(std::size_t rows, std::size_t cols, std::size_t stride) {
  Values v;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) v.push_back(kR[r * stride + c]);
  return v;
}

Values transposed(const Values& m, std::size_t rows, std::size_t cols) {
  Values t(m.size());
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) t[c * rows + r] = m[r * cols + c];
  return t;
}

TEST(Contractions, MatMul) {
  expect_outputs({"MatMul", {}, {f64({2, 3, 4}, kR), f64({4, 5}, kB45)}, {f64({2, 3, 5})}},
                 {{-1.8647000000000002,
                   0.1774,
                   -1.2652,
                   0.5852999999999999,
                   -0.6503000000000002,
                   2.0707,
                   -0.24539999999999995,
                   -0.832,
                   0.7348999999999999,
                   -1.9744999999999997,
                   -1.6069,
                   -0.2665000000000001,
                   0.646,
                   -0.3521,
                   -0.8781000000000001,
                   1.0287,
                   0.43850000000000006,
                   -0.3782,
                   -0.17489999999999997,
                   0.8867000000000002,
                   -0.11969999999999974,
                   -1.9243000000000001,
                   0.9117999999999999,
                   1.7144,
                   -3.0731,
                   -0.6322000000000003,
                   1.4546999999999999,
                   -0.3681999999999998,
                   -1.4549,
                   2.9328000000000003}});
  expect_outputs({"MatMul", {}, {f64({2, 3, 4}, kR), f64({4}, kV)}, {f64({2, 3})}},
                 {{-5.430000000000001, -0.9300000000000002, -1.6150000000000002,
                   0.10000000000000009, 5.765000000000001, -3.655}});
  expect_outputs({"MatMul", {}, {f64({4}, kV), f64({4, 5}, kB45)}, {f64({5})}},
                 {{2.0500000000000003, -1.725, 2.79, 0.4750000000000001, -0.26}});
  expect_outputs({"MatMul", {}, {f64({4}, kV), f64({4}, kV)}, {f64({})}}, {{14.25}});
  expect_outputs(
      {"MatMul", {}, {f32({2, 3, 4}, kR), f32({1, 4, 2}, kB142)}, {f32({2, 3, 2})}},
      {{-0.42830000000000007, 0.3743000000000001, 1.0885, -1.8461, 1.5853, 1.7852999999999999,
        -0.66, -0.7087000000000001, 0.45399999999999985, -1.1718, -0.8090999999999998, 1.4307}});
  expect_outputs({"MatMul", {}, {i64({2, 2}, {1, 2, 3, 4}), i64({2, 1}, {5, 6})}, {i64({2, 1})}},
                 {{17, 39}});
}

TEST(Contractions, Gemm) {
  const Values a = first_rows(3, 4, 4);
  expect_outputs(
      {"Gemm",
       {{"alpha", 0.5}, {"beta", 2.0}},
       {f64({3, 4}, a), f64({4, 5}, kB45), f64({5}, {0.5, -0.5, 1.0, 2.0, 0.0})},
       {f64({3, 5})}},
      {{0.06764999999999988, -0.9113, 1.3674, 4.29265, -0.3251500000000001, 2.03535, -1.1227, 1.584,
        4.36745, -0.9872499999999998, 0.19655, -1.13325, 2.323, 3.82395, -0.43905000000000005}});
  expect_outputs({"Gemm",
                  {{"transA", std::int64_t{1}}, {"transB", std::int64_t{1}}},
                  {f64({4, 3}, transposed(a, 3, 4)), f64({5, 4}, transposed(kB45, 4, 5))},
                  {f64({3, 5})}},
                 {{-1.8647000000000002, 0.1774, -1.2652, 0.5852999999999999, -0.6503000000000002,
                   2.0707, -0.24539999999999995, -0.832, 0.7348999999999999, -1.9744999999999997,
                   -1.6069, -0.2665000000000001, 0.646, -0.3521, -0.8781000000000001}});
  // C of shape [3, 1] broadcast over the columns, beta 1.
  expect_outputs({"Gemm",
                  {},
                  {f32({1, 2}, {1, 2}), f32({2, 2}, {1, 0, 0, 1}), f32({1, 1}, {10})},
                  {f32({1, 2})}},
                 {{11, 12}});
}

TEST(Contractions, Einsum) {
  const auto einsum = [](const std::string& eq, std::vector<Buffer> ins, Buffer out) {
    return Node{"Einsum", {{"equation", eq}}, std::move(ins), {std::move(out)}};
  };
  const Values a = first_rows(3, 4, 4);
  expect_outputs(
      einsum("ij,jk->ik", {f64({3, 4}, a), f64({4, 5}, kB45)}, f64({3, 5})),
      {{-1.8647, 0.17740000000000006, -1.2652, 0.5852999999999999, -0.6503000000000001, 2.0707,
        -0.24539999999999995, -0.8320000000000002, 0.7348999999999999, -1.9744999999999997, -1.6069,
        -0.2665, 0.646, -0.3521000000000001, -0.8780999999999999}});
  expect_outputs(einsum("bij->bji", {f64({2, 3, 4}, kR)}, f64({2, 4, 3})),
                 {{0.5,   -0.8, 1.19,  1.59,  1.49, -0.13, 1.1,  -1.98, -0.79, -1.1, 1.28, -0.89,
                   -0.98, 1.98, -1.14, -0.22, 1.17, -1.36, 0.02, 0.49,  0.45,  0.21, 1.96, -1.82}});
  expect_outputs(einsum("bij, jk -> bik", {f64({2, 3, 4}, kR), f64({4, 5}, kB45)}, f64({2, 3, 5})),
                 {{-1.8647,
                   0.17740000000000006,
                   -1.2652,
                   0.5852999999999999,
                   -0.6503000000000001,
                   2.0707,
                   -0.24539999999999995,
                   -0.8320000000000002,
                   0.7348999999999999,
                   -1.9744999999999997,
                   -1.6069,
                   -0.2665,
                   0.646,
                   -0.3521000000000001,
                   -0.8780999999999999,
                   1.0287,
                   0.43850000000000006,
                   -0.3782,
                   -0.17489999999999997,
                   0.8867000000000002,
                   -0.1196999999999997,
                   -1.9243000000000001,
                   0.9117999999999999,
                   1.7144,
                   -3.0731,
                   -0.6322000000000003,
                   1.4546999999999999,
                   -0.3681999999999998,
                   -1.4549,
                   2.9328000000000003}});
  expect_outputs(einsum("ij->", {f64({3, 4}, a)}, f64({})), {{1.4599999999999995}});
  expect_outputs(einsum("ii->i", {f64({3, 3}, first_rows(3, 3, 4))}, f64({3})),
                 {{0.5, 1.49, -0.79}});
  expect_outputs(einsum("i,i", {f64({4}, kV), f64({4}, kV)}, f64({})), {{14.25}});
  expect_outputs(
      einsum("...ij,...jk->...ik", {f64({2, 3, 4}, kR), f64({1, 4, 2}, kB142)}, f64({2, 3, 2})),
      {{-0.42830000000000007, 0.3743000000000001, 1.0885, -1.8460999999999999, 1.5853000000000002,
        1.7853, -0.6600000000000001, -0.7087000000000001, 0.45399999999999996, -1.1718000000000002,
        -0.8091, 1.4307}});
  expect_outputs(einsum("ij,kj", {f64({3, 4}, a), f64({3, 4}, a)}, f64({3, 3})),
                 {{5.1981, -1.6169, 0.49829999999999997, -1.6169, 8.4189, -0.7206999999999999,
                   0.49829999999999997, -0.7206999999999999, 2.8492}});
}

TEST(Contractions, RandomMatMulAgainstReference) {
  auto rng = seeded_rng("Contractions.RandomMatMulAgainstReference");
  std::uniform_int_distribution<std::int64_t> dim(1, 6);
  for (int trial = 0; trial < 3; ++trial) {
    const std::int64_t B = dim(rng), M = dim(rng), K = dim(rng), N = dim(rng);
    const Values a = uniform(rng, static_cast<std::size_t>(B * M * K), -1, 1);
    const Values b = uniform(rng, static_cast<std::size_t>(K * N), -1, 1);
    Values want(static_cast<std::size_t>(B * M * N), 0.0);
    for (std::int64_t i = 0; i < B * M; ++i)
      for (std::int64_t j = 0; j < N; ++j)
        for (std::int64_t k = 0; k < K; ++k)
          want[static_cast<std::size_t>(i * N + j)] +=
              a[static_cast<std::size_t>(i * K + k)] * b[static_cast<std::size_t>(k * N + j)];
    expect_outputs({"MatMul", {}, {f64({B, M, K}, a), f64({K, N}, b)}, {f64({B, M, N})}}, {want});
  }
}

TEST(Contractions, GoldenMatMul) {
  const std::string text = expanded_text({"MatMul", {}, {f32({2, 3}), f32({3, 4})}, {f32({2, 4})}});
  EXPECT_NE(text.find(R"(map "matmul" [_d0 = 0:2, _d1 = 0:4] (x0, x1) -> (y0))"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(map "matmul_inner" [_r0 = 0:3] (x0, x1) -> (y0) schedule=sequential)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("x0[_d0, _r0]"), std::string::npos) << text;
  EXPECT_NE(text.find("x1[_r0, _d1]"), std::string::npos) << text;
  EXPECT_NE(text.find("y0[_d0, _d1] wcr=sum"), std::string::npos) << text;
  // MatMul and Gemm may stay library nodes for the code generator.
  EXPECT_EQ(find_op("MatMul")->library_backed, std::vector<std::string>{"blas"});
  EXPECT_EQ(find_op("Gemm")->library_backed, std::vector<std::string>{"blas"});
}

TEST(Contractions, Errors) {
  expect_user_error({"MatMul", {}, {f32({2, 3}), f32({4, 2})}, {f32({2, 2})}}, "inner dimensions");
  expect_user_error({"Einsum", {}, {f32({2, 3})}, {f32({3, 2})}},
                    "attribute 'equation' is missing");
  expect_user_error(
      {"Einsum", {{"equation", std::string("ij,jk->ik")}}, {f32({2, 3})}, {f32({2, 3})}},
      "operands");
  expect_user_error(
      {"Einsum", {{"equation", std::string("ijk->ik")}}, {f32({2, 3})}, {f32({2, 3})}}, "rank");
  expect_user_error({"Gemm", {}, {f32({2, 3, 1}), f32({3, 2})}, {f32({2, 2})}}, "rank 2");
}

}  // namespace
}  // namespace sluice::ops::testing
