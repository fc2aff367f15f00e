// Reductions, ArgMax/ArgMin and CumSum against numpy (make_compute_expectations.py reductions),
// random reductions against reference loops, the golden expansion, errors.

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "op_test_support.h"
#include "ops/expansion.h"

namespace sluice::ops::testing {
namespace {

using ir::DType;
using Ints = std::vector<std::int64_t>;
using Values = std::vector<double>;

const Values kR = {0.5,   1.59,  1.1,  -1.1, -0.8, 1.49, -1.98, 1.28, 1.19,  -0.13, -0.79, -0.89,
                   -0.98, -0.22, 0.02, 0.21, 1.98, 1.17, 0.49,  1.96, -1.14, -1.36, 0.45,  -1.82};

struct ReduceCase {
  std::string op;
  Ints axes;  // empty: the attribute is absent (all axes)
  std::int64_t keepdims;
  Ints shape;
  Values want;
};

const std::vector<ReduceCase> kCases{
    {"ReduceSum",
     {1},
     1,
     {2, 1, 4},
     {0.8899999999999999, 2.95, -1.67, -0.7100000000000001, -0.1399999999999999,
      -0.41000000000000014, 0.96, 0.34999999999999987}},
    {"ReduceSum", {0, 2}, 0, {3}, {1.1199999999999999, 5.59, -4.49}},
    {"ReduceSum", {}, 1, {1, 1, 1}, {2.2199999999999998}},
    {"ReduceSum", {-1}, 0, {2, 3}, {2.09, -0.010000000000000009, -0.62, -0.97, 5.6, -3.87}},
    {"ReduceMean",
     {1},
     1,
     {2, 1, 4},
     {0.29666666666666663, 0.9833333333333334, -0.5566666666666666, -0.2366666666666667,
      -0.046666666666666634, -0.13666666666666671, 0.32, 0.11666666666666663}},
    {"ReduceMean", {0, 2}, 0, {3}, {0.13999999999999999, 0.69875, -0.56125}},
    {"ReduceMean", {}, 1, {1, 1, 1}, {0.09249999999999999}},
    {"ReduceMean",
     {-1},
     0,
     {2, 3},
     {0.5225, -0.0025000000000000022, -0.155, -0.2425, 1.4, -0.9675}},
    {"ReduceMax", {1}, 1, {2, 1, 4}, {1.19, 1.59, 1.1, 1.28, 1.98, 1.17, 0.49, 1.96}},
    {"ReduceMax", {0, 2}, 0, {3}, {1.59, 1.98, 1.19}},
    {"ReduceMax", {}, 1, {1, 1, 1}, {1.98}},
    {"ReduceMax", {-1}, 0, {2, 3}, {1.59, 1.49, 1.19, 0.21, 1.98, 0.45}},
    {"ReduceMin", {1}, 1, {2, 1, 4}, {-0.8, -0.13, -1.98, -1.1, -1.14, -1.36, 0.02, -1.82}},
    {"ReduceMin", {0, 2}, 0, {3}, {-1.1, -1.98, -1.82}},
    {"ReduceMin", {}, 1, {1, 1, 1}, {-1.98}},
    {"ReduceMin", {-1}, 0, {2, 3}, {-1.1, -1.98, -0.89, -0.98, 0.49, -1.82}},
    {"ReduceProd",
     {1},
     1,
     {2, 1, 4},
     {-0.476, -0.307983, 1.72062, 1.2531200000000002, 2.2120559999999996, 0.350064, 0.00441,
      -0.749112}},
    {"ReduceProd", {0, 2}, 0, {3}, {-0.0008710649640000002, 6.7213207147806715, 0.138113163547632}},
    {"ReduceProd", {}, 1, {1, 1, 1}, {-0.0008086121035434306}},
    {"ReduceProd",
     {-1},
     0,
     {2, 3},
     {-0.9619500000000003, 3.0210048, -0.10876957000000001, 0.0009055199999999999,
      2.2248626399999996, -1.2697776}},
    {"ReduceL1", {1}, 1, {2, 1, 4}, {2.49, 3.21, 3.87, 3.27, 4.1, 2.75, 0.96, 3.99}},
    {"ReduceL1", {0, 2}, 0, {3}, {5.72, 11.149999999999999, 7.7700000000000005}},
    {"ReduceL1", {}, 1, {1, 1, 1}, {24.64}},
    {"ReduceL1", {-1}, 0, {2, 3}, {4.29, 5.55, 3.0, 1.43, 5.6, 4.7700000000000005}},
    {"ReduceL2",
     {1},
     1,
     {2, 1, 4},
     {1.518584867565853, 2.1829109006095506, 2.398853893008076, 1.9080094339389415,
      2.486041029428115, 1.8074567767999323, 0.6655824516917495, 2.682927505543152}},
    {"ReduceL2", {0, 2}, 0, {3}, {2.500279984321756, 4.217807487309017, 3.0843637917729487}},
    {"ReduceL2", {}, 1, {1, 1, 1}, {5.792633252675332}},
    {"ReduceL2",
     {-1},
     0,
     {2, 3},
     {2.27993420957711, 2.901534077001337, 1.6879573454326386, 1.0263040485158381,
      3.0612089115249876, 2.5814918167602237}},
    {"ReduceLogSum",
     {1},
     1,
     {2, 1, 4},
     {0.9122827104766162, 1.1662709371419244, 1.3532545070416904, 1.184789984909162,
      1.410986973710262, 1.0116009116784799, -0.040821994520255166, 1.3837912309017721}},
    {"ReduceLogSum", {0, 2}, 0, {3}, {1.7439688053917064, 2.4114394979061275, 2.050270164379556}},
    {"ReduceLogSum", {}, 1, {1, 1, 1}, {3.204371138665319}},
    {"ReduceLogSum",
     {-1},
     0,
     {2, 3},
     {1.4562867329399256, 1.713797927758343, 1.0986122886681096, 0.3576744442718159,
      1.7227665977411033, 1.56234630490025}},
    {"ReduceLogSumExp",
     {1},
     1,
     {2, 1, 4},
     {1.6836417192613342, 2.3242428492827765, 1.2798443790255472, 1.467912725721438,
      2.071645368572824, 1.454226853740893, 1.440031730870154, 2.139481389731446}},
    {"ReduceLogSumExp", {0, 2}, 0, {3}, {2.589357997538055, 3.325665763187396, 1.9928611974457335}},
    {"ReduceLogSumExp", {}, 1, {1, 1, 1}, {3.881052819577122}},
    {"ReduceLogSumExp",
     {-1},
     0,
     {2, 3},
     {2.291474327070265, 2.154216566286859, 1.6153558043858471, 1.2330584743077841,
      2.9547216627468815, 0.83586897095304}},
    {"ReduceSumSquare",
     {1},
     1,
     {2, 1, 4},
     {2.3061, 4.7651, 5.7545, 3.6405000000000003, 6.1804, 3.2669, 0.443, 7.1981}},
    {"ReduceSumSquare", {0, 2}, 0, {3}, {6.2514, 17.7899, 9.513300000000001}},
    {"ReduceSumSquare", {}, 1, {1, 1, 1}, {33.55459999999999}},
    {"ReduceSumSquare",
     {-1},
     0,
     {2, 3},
     {5.1981, 8.4189, 2.8492, 1.0533, 9.370999999999999, 6.664100000000001}},
};

TEST(Reductions, MatchNumpy) {
  for (const DType t : {DType::f32, DType::f64}) {
    for (const ReduceCase& c : kCases) {
      SCOPED_TRACE(c.op + " axes " + std::to_string(c.axes.size()) + " keepdims " +
                   std::to_string(c.keepdims));
      Values in = kR;
      if (c.op == "ReduceLogSum")
        for (double& v : in) v = std::abs(v);
      ir::Attributes attrs{{"keepdims", c.keepdims}};
      if (!c.axes.empty()) attrs["axes"] = c.axes;
      expect_outputs({c.op, attrs, {buffer(t, {2, 3, 4}, in)}, {buffer(t, c.shape)}}, {c.want},
                     1e-5);
    }
  }
}

TEST(Reductions, IntegersAndNoop) {
  const Buffer x = i64({2, 3}, {1, -2, 3, 4, 5, -6});
  expect_outputs({"ReduceSum", {{"axes", Ints{1}}, {"keepdims", std::int64_t{0}}}, {x}, {i64({2})}},
                 {{2, 3}});
  expect_outputs({"ReduceMax", {{"axes", Ints{0}}}, {x}, {i64({1, 3})}}, {{4, 5, 3}});
  expect_outputs({"ReduceMin", {}, {x}, {i64({1, 1})}}, {{-6}});
  expect_outputs({"ReduceProd", {{"axes", Ints{1}}}, {x}, {i64({2, 1})}}, {{-6, -120}});
  // Empty axes with noop_with_empty_axes: nothing is reduced.
  expect_outputs({"ReduceSum", {{"noop_with_empty_axes", std::int64_t{1}}}, {x}, {i64({2, 3})}},
                 {{1, -2, 3, 4, 5, -6}});
  // The same with axes absent and without noop: everything is reduced.
  expect_outputs({"ReduceSum", {{"keepdims", std::int64_t{0}}}, {x}, {i64({})}}, {{5}});
  // A large ReduceLogSumExp does not overflow.
  expect_outputs({"ReduceLogSumExp", {}, {f32({2}, {1000, 1000})}, {f32({1})}},
                 {{1000 + std::log(2.0)}});
}

TEST(Reductions, ArgMaxArgMinTies) {
  const Buffer t = f32({3, 4}, {3.0, 1.0, 3.0, 2.0, 0.0, 5.0, 5.0, -1.0, 2.0, 2.0, 2.0, 2.0});
  const auto arg = [&](const std::string& op, std::int64_t axis, std::int64_t last,
                       std::int64_t keepdims, Ints shape, Values want) {
    SCOPED_TRACE(op + " axis " + std::to_string(axis) + " last " + std::to_string(last));
    expect_outputs({op,
                    {{"axis", axis}, {"select_last_index", last}, {"keepdims", keepdims}},
                    {t},
                    {i64(std::move(shape))}},
                   {std::move(want)});
  };
  arg("ArgMax", 0, 0, 1, {1, 4}, {0.0, 1.0, 1.0, 0.0});
  arg("ArgMin", 0, 0, 0, {4}, {1.0, 0.0, 2.0, 1.0});
  arg("ArgMax", 1, 0, 0, {3}, {0.0, 1.0, 0.0});
  arg("ArgMin", -1, 0, 1, {3, 1}, {1.0, 3.0, 0.0});
  arg("ArgMax", 0, 1, 0, {4}, {0.0, 1.0, 1.0, 2.0});
  arg("ArgMin", 0, 1, 1, {1, 4}, {1.0, 0.0, 2.0, 1.0});
  arg("ArgMax", 1, 1, 0, {3}, {2.0, 2.0, 3.0});
  arg("ArgMin", 1, 1, 0, {3}, {1.0, 3.0, 3.0});
  // Integers.
  expect_outputs({"ArgMax", {{"keepdims", std::int64_t{0}}}, {i64({3}, {4, 9, 9})}, {i64({})}},
                 {{1}});
}

TEST(Reductions, CumSum) {
  const Buffer c = f64({2, 3}, {1, 2, 3, 4, 5, 6});
  const auto cum = [&](std::int64_t axis, std::int64_t exclusive, std::int64_t reverse,
                       Values want) {
    expect_outputs({"CumSum",
                    {{"axis", axis}, {"exclusive", exclusive}, {"reverse", reverse}},
                    {c},
                    {f64({2, 3})}},
                   {std::move(want)});
  };
  cum(1, 0, 0, {1.0, 3.0, 6.0, 4.0, 9.0, 15.0});
  cum(-1, 0, 1, {6.0, 5.0, 3.0, 15.0, 11.0, 6.0});
  cum(1, 1, 0, {0.0, 1.0, 3.0, 0.0, 4.0, 9.0});
  cum(1, 1, 1, {5.0, 3.0, 0.0, 11.0, 6.0, 0.0});
  cum(0, 0, 0, {1, 2, 3, 5, 7, 9});
  expect_outputs({"CumSum", {{"axis", std::int64_t{0}}}, {i64({4}, {1, 2, 3, 4})}, {i64({4})}},
                 {{1, 3, 6, 10}});
}

TEST(Reductions, RandomAgainstReference) {
  auto rng = seeded_rng("Reductions.RandomAgainstReference");
  std::uniform_int_distribution<std::int64_t> dim(1, 5);
  for (int trial = 0; trial < 4; ++trial) {
    const std::int64_t A = dim(rng), B = dim(rng), C = dim(rng);
    const Values x = uniform(rng, static_cast<std::size_t>(A * B * C), -3, 3);
    // Sum and max over axis 1, keepdims 0.
    Values sum(static_cast<std::size_t>(A * C), 0.0);
    Values max(static_cast<std::size_t>(A * C), -INFINITY);
    for (std::int64_t i = 0; i < A; ++i)
      for (std::int64_t j = 0; j < B; ++j)
        for (std::int64_t k = 0; k < C; ++k) {
          const double v = x[static_cast<std::size_t>((i * B + j) * C + k)];
          sum[static_cast<std::size_t>(i * C + k)] += v;
          max[static_cast<std::size_t>(i * C + k)] =
              std::max(max[static_cast<std::size_t>(i * C + k)], v);
        }
    const ir::Attributes attrs{{"axes", Ints{1}}, {"keepdims", std::int64_t{0}}};
    expect_outputs({"ReduceSum", attrs, {f64({A, B, C}, x)}, {f64({A, C})}}, {sum});
    expect_outputs({"ReduceMax", attrs, {f64({A, B, C}, x)}, {f64({A, C})}}, {max});
  }
}

TEST(Reductions, Golden) {
  const std::string text = expanded_text({"ReduceMean",
                                          {{"axes", Ints{1}}, {"keepdims", std::int64_t{0}}},
                                          {f32({2, 3})},
                                          {f32({2})}});
  // Initialize the accumulator, accumulate over the reduced axis inside a parallel map over the
  // kept one, then divide.
  EXPECT_NE(text.find("array node_reducemean_acc: f32[2] transient"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(tasklet "reducemean_init" () -> (s) { s = 0.0; })"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(map "reducemean" [_d0 = 0:2] (x0) -> (node_reducemean_acc))"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(map "reducemean_inner" [_d1 = 0:3])"), std::string::npos) << text;
  EXPECT_NE(text.find("node_reducemean_acc[_d0] wcr=sum"), std::string::npos) << text;
  EXPECT_NE(text.find("{ y = s / 3.0; }"), std::string::npos) << text;
}

TEST(Reductions, Errors) {
  expect_user_error({"ReduceSum", {{"axes", Ints{3}}}, {f32({2, 3})}, {f32({2, 3})}},
                    "out of range");
  expect_user_error({"ReduceSum", {{"axes", Ints{1, -1}}}, {f32({2, 3})}, {f32({2, 1})}}, "twice");
  expect_user_error({"ArgMax", {{"axis", std::int64_t{-3}}}, {f32({2, 3})}, {i64({2, 1})}},
                    "axis -3 is out of range");
  expect_user_error({"CumSum", {}, {f32({2, 3})}, {f32({2, 3})}}, "attribute 'axis' is missing");
}

}  // namespace
}  // namespace sluice::ops::testing
