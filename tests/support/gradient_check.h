#pragma once
/// Finite-difference checks of gradient rules, in float64, on the reference interpreter.
///
///   GradientCase c{"MatMul", {{"A", {3, 4}}, {"B", {4, 5}}}, {{3, 5}}};
///   check_gradient(c);   // gtest failures name the op, input, element and the seed
///
/// The case becomes a program with one library node (inputs A, B ... as arguments, outputs
/// Y0, Y1 ...), `append_backward` adds the backward pass for loss = sum_j(Y_j * S_j) with random
/// seeds S_j, every library node is expanded the pure way, and the interpreter runs it. Each
/// gradient is compared with Richardson-extrapolated central differences of the loss.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/dtype.h"
#include "ir/graph.h"

namespace sluice::autodiff::testing {

struct GradientInput {
  std::string name;
  std::vector<std::int64_t> shape;
  ir::DType dtype = ir::DType::f64;
  /// Fixed values (indices, masks); random in [low, high) when absent.
  std::optional<std::vector<double>> values = std::nullopt;
  bool differentiate = true;  ///< ignored for non-float inputs
  double low = -1.0;
  double high = 1.0;
};

struct GradientCase {
  std::string op;
  std::vector<GradientInput> inputs;  ///< in slot order; an empty name leaves the slot empty
  std::vector<std::vector<std::int64_t>> output_shapes;
  ir::Attributes attributes = {};
  std::vector<ir::DType> output_dtypes = {};  ///< f64 each when empty
  /// Outputs that get a seed (all float ones when empty).
  std::vector<int> seeded = {};
  double rtol = 1e-6;
  double atol = 1e-8;
  double step = 1e-3;  ///< finite-difference step (relative to max(1, |x|))
  /// Random float inputs are a random permutation of evenly spaced values in [low, high): no
  /// two are closer than (high - low) / size, so a max or min never switches within the
  /// finite-difference step (max pooling, ReduceMax).
  bool distinct_inputs = false;
};

/// Runs the check; reports failures through gtest (EXPECT_*), printing the seed.
void check_gradient(const GradientCase& c);

}  // namespace sluice::autodiff::testing
