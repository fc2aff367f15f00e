// Losses against numpy (make_compute_expectations.py losses, written after onnx's reference):
// reductions none/sum/mean, weights, ignore_index, the log_prob output, the golden subscript,
// errors.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "op_test_support.h"
#include "ops/expansion.h"

namespace sluice::ops::testing {
namespace {

using ir::DType;
using Values = std::vector<double>;

const Values kR = {0.5,   1.59,  1.1,  -1.1, -0.8, 1.49, -1.98, 1.28, 1.19,  -0.13, -0.79, -0.89,
                   -0.98, -0.22, 0.02, 0.21, 1.98, 1.17, 0.49,  1.96, -1.14, -1.36, 0.45,  -1.82};
const Buffer kWeight = f64({3}, {0.5, 1.0, 2.0});

Node nll(const std::string& reduction, bool weighted) {
  Node n{"NegativeLogLikelihoodLoss",
         {{"reduction", reduction}, {"ignore_index", std::int64_t{-1}}},
         {f64({2, 3, 4}, kR), i64({2, 4}, {0, 1, 2, 1, 2, -1, 0, 0})},
         {reduction == "none" ? f64({2, 4}) : f64({})}};
  if (weighted) n.inputs.push_back(kWeight);
  return n;
}

TEST(Losses, NegativeLogLikelihood) {
  expect_outputs(nll("none", false), {{-0.5, -1.49, 0.79, -1.28, 1.14, 0.0, -0.02, -0.21}});
  expect_outputs(nll("none", true), {{-0.25, -1.49, 1.58, -1.28, 2.28, 0.0, -0.01, -0.105}});
  expect_outputs(nll("sum", false), {{-1.57}});
  expect_outputs(nll("sum", true), {{0.7250000000000001}});
  expect_outputs(nll("mean", false), {{-0.22428571428571428}});
  expect_outputs(nll("mean", true), {{0.09666666666666668}});
}

Node sce(const std::string& reduction, bool weighted, bool log_prob = false) {
  Node n{"SoftmaxCrossEntropyLoss",
         {{"reduction", reduction}},
         {f32({2, 3, 4}, kR), buffer(DType::i32, {2, 4}, {0, 1, 2, 1, 2, 2, 0, 0})},
         {reduction == "none" ? f32({2, 4}) : f32({})}};
  if (weighted) n.inputs.push_back(f32({3}, {0.5, 1.0, 2.0}));
  if (log_prob) n.outputs.push_back(f32({2, 3, 4}));
  return n;
}

TEST(Losses, SoftmaxCrossEntropy) {
  expect_outputs(sce("none", false),
                 {{1.1836417192613344, 0.8342428492827767, 2.069844379025547, 0.18791272572143802,
                   3.211645368572824, 2.8142268537408937, 1.4200317308701538, 1.9294813897314462}});
  expect_outputs(sce("none", true),
                 {{0.5918208596306672, 0.8342428492827767, 4.139688758051094, 0.18791272572143802,
                   6.423290737145648, 5.628453707481787, 0.7100158654350769, 0.9647406948657231}});
  expect_outputs(sce("sum", false), {{13.651027016206413}});
  expect_outputs(sce("sum", true), {{19.48016619761421}});
  expect_outputs(
      sce("mean", false, true),
      {{1.7063783770258016},
       {-1.1836417192613344,  -0.7342428492827766,  -0.1798443790255469, -2.567912725721438,
        -2.4836417192613345,  -0.8342428492827767,  -3.259844379025547,  -0.18791272572143802,
        -0.4936417192613345,  -2.454242849282777,   -2.069844379025547,  -2.357912725721438,
        -3.051645368572824,   -1.6742268537408933,  -1.4200317308701538, -1.9294813897314462,
        -0.09164536857282397, -0.28422685374089335, -0.9500317308701538, -0.17948138973144634,
        -3.211645368572824,   -2.8142268537408937,  -0.9900317308701538, -3.9594813897314465}});
  expect_outputs(sce("mean", true), {{2.05054381027518}});
  // 2-D scores, the default reduction (mean) and an ignored class.
  expect_outputs({"SoftmaxCrossEntropyLoss",
                  {{"ignore_index", std::int64_t{1}}},
                  {f64({2, 3}, {1.0, 2.0, 3.0, 1.0, -1.0, 0.5}), i64({2}, {2, 1})},
                  {f64({})}},
                 {{0.40760596444438035}});
}

TEST(Losses, GoldenSubscript) {
  const std::string text = expanded_text({"NegativeLogLikelihoodLoss",
                                          {{"reduction", std::string("none")}},
                                          {f32({2, 3}), i64({2})},
                                          {f32({2})}});
  // The target class is read through a subscript of the row x0[_d0, 0:3].
  EXPECT_NE(text.find("x0[_d0, 0:3]"), std::string::npos) << text;
  EXPECT_NE(text.find("l = select(ok, -x[0, k] * 1.0, 0.0);"), std::string::npos) << text;
}

TEST(Losses, Errors) {
  expect_user_error({"NegativeLogLikelihoodLoss",
                     {{"reduction", std::string("max")}},
                     {f32({2, 3}), i64({2})},
                     {f32({})}},
                    "reduction");
  expect_user_error({"NegativeLogLikelihoodLoss", {}, {f32({2, 3}), f32({2})}, {f32({})}},
                    "integers");
  expect_user_error({"SoftmaxCrossEntropyLoss", {}, {f32({2, 3}), i64({2})}, {f32({2})}},
                    "wrong shape");
}

}  // namespace
}  // namespace sluice::ops::testing
