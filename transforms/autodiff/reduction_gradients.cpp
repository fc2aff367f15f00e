// Gradient rules: reduction ops. Every Reduce* node's gradient is one ReduceGrad node
// (ops/normalization_gradient_ops.cpp): a map over the input that reads dY at the reduced
// point and scales it by the reduction's partial derivative.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "transforms/autodiff/gradient_rules.h"

namespace sluice::autodiff {
namespace {

// The axes the forward op reduces, explicit (ONNX: absent or empty means all of them, unless
// noop_with_empty_axes).
std::vector<std::int64_t> reduced_axes(const GradientBuilder& g) {
  if (g.has_input(1))
    g.fail("axes given as input 1 are not supported; the reduction must have an 'axes' attribute");
  const auto rank = static_cast<std::int64_t>(g.input(0).rank());
  const auto given = g.attr_ints("axes", std::vector<std::int64_t>{});
  std::vector<std::int64_t> axes;
  if (given.empty()) {
    if (g.attr_int("noop_with_empty_axes", 0) == 0)
      for (std::int64_t d = 0; d < rank; ++d) axes.push_back(d);
    return axes;
  }
  for (const std::int64_t a : given) {
    if (a < -rank || a >= rank)
      g.fail("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
    axes.push_back(a < 0 ? a + rank : a);
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    g.fail("attribute 'axes' names an axis twice");
  return axes;
}

// `mode` names the ReduceGrad formula; it reads the forward input X and/or output Y as told.
GradientRule reduce_gradient(std::string mode, bool reads_x, bool reads_y) {
  return [mode, reads_x, reads_y](GradientBuilder& g) {
    const std::vector<std::int64_t> axes = reduced_axes(g);
    g.contribute(
        0, g.op("ReduceGrad",
                {g.adjoint(0), reads_x ? g.input_name(0) : "", reads_y ? g.output_name(0) : ""},
                g.input(0),
                {{"mode", mode},
                 {"axes", axes},
                 {"keepdims", std::int64_t{g.attr_int("keepdims", 1) != 0 ? 1 : 0}}}));
  };
}

}  // namespace

void add_reduction_gradients(GradientRuleTable& table) {
  table["ReduceL1"] = reduce_gradient("l1", true, false);
  table["ReduceL2"] = reduce_gradient("l2", true, true);
  table["ReduceLogSum"] = reduce_gradient("log_sum", false, true);
  table["ReduceLogSumExp"] = reduce_gradient("log_sum_exp", true, true);
  table["ReduceMax"] = reduce_gradient("max", true, true);
  table["ReduceMean"] = reduce_gradient("mean", false, false);
  table["ReduceMin"] = reduce_gradient("min", true, true);
  table["ReduceProd"] = reduce_gradient("prod", true, false);
  table["ReduceSum"] = reduce_gradient("sum", false, false);
  table["ReduceSumSquare"] = reduce_gradient("sum_square", true, false);
}

}  // namespace sluice::autodiff
