// Optimizer updates against torch.optim's update rules, written out per element in double.

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "op_test_support.h"

namespace sluice::ops::testing {
namespace {

using Values = std::vector<double>;

const Values kP = {0.5, -1.25, 2.0, 0.125};
const Values kG = {0.1, 0.3, -0.7, 0.0};
const Values kM = {0.01, -0.02, 0.03, 0.0};
const Values kV = {0.001, 0.002, 0.0005, 0.0};

TEST(Optimizers, SgdWithMomentumAndWeightDecay) {
  const double lr = 0.1, mu = 0.9, wd = 0.01;
  Values p, v;
  for (std::size_t i = 0; i < kP.size(); ++i) {
    const double g = kG[i] + wd * kP[i];
    v.push_back(mu * kM[i] + g);
    p.push_back(kP[i] - lr * v.back());
  }
  expect_outputs({"SgdUpdate",
                  {{"lr", lr}, {"momentum", mu}, {"weight_decay", wd}},
                  {f64({4}, kP), f64({4}, kG), f64({4}, kM)},
                  {f64({4}), f64({4})}},
                 {p, v});
}

TEST(Optimizers, PlainSgd) {
  Values p;
  for (std::size_t i = 0; i < kP.size(); ++i) p.push_back(kP[i] - 0.5 * kG[i]);
  expect_outputs({"SgdUpdate", {{"lr", 0.5}}, {f64({4}, kP), f64({4}, kG)}, {f64({4})}}, {p});
}

void expect_adam(bool decoupled) {
  const double lr = 0.01, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.1, step = 3;
  Values p, m, v;
  for (std::size_t i = 0; i < kP.size(); ++i) {
    const double g = decoupled ? kG[i] : kG[i] + wd * kP[i];
    const double base = decoupled ? kP[i] * (1 - lr * wd) : kP[i];
    m.push_back(b1 * kM[i] + (1 - b1) * g);
    v.push_back(b2 * kV[i] + (1 - b2) * g * g);
    const double mhat = m.back() / (1 - std::pow(b1, step));
    const double vhat = v.back() / (1 - std::pow(b2, step));
    p.push_back(base - lr * mhat / (std::sqrt(vhat) + eps));
  }
  expect_outputs(
      {decoupled ? "AdamWUpdate" : "AdamUpdate",
       {{"lr", lr}, {"beta1", b1}, {"beta2", b2}, {"epsilon", eps}, {"weight_decay", wd}},
       {f64({4}, kP), f64({4}, kG), f64({4}, kM), f64({4}, kV), f64({}, {step})},
       {f64({4}), f64({4}), f64({4})}},
      {p, m, v});
}

TEST(Optimizers, Adam) { expect_adam(false); }
TEST(Optimizers, AdamW) { expect_adam(true); }

TEST(Optimizers, AnIntegerParameterIsRefused) {
  expect_user_error({"SgdUpdate", {{"lr", 0.5}}, {i64({2}, {1, 2}), i64({2}, {1, 2})}, {i64({2})}},
                    "the parameter has dtype i64; optimizers update floating-point parameters");
}

}  // namespace
}  // namespace sluice::ops::testing
