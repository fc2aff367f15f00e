// Shape, indexing, convolution/pooling and generator ops: every ONNX backend node test of these
// ops (inputs and expected outputs from onnx's own reference, tests/data/ops/), random cases
// against small reference loops (seed printed), golden IR text for a few expansions, and errors.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ir/builder.h"
#include "ir/diagnostic.h"
#include "ir/text_format.h"
#include "ir/verifier.h"
#include "op_case_util.h"
#include "ops/expansion.h"
#include "ops/index_helpers.h"

namespace sluice::ops::testing {
namespace {

using Shape = std::vector<std::int64_t>;
using ir::DType;

// --- every ONNX node test ----------------------------------------------------------------------

std::vector<OpCase> onnx_cases() {
  return load_cases(std::string(SLUICE_SOURCE_DIR) + "/tests/data/ops/onnx_node_cases.txt");
}

class OnnxNodeCase : public ::testing::TestWithParam<OpCase> {};

TEST_P(OnnxNodeCase, MatchesReference) { check_case(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Onnx, OnnxNodeCase, ::testing::ValuesIn(onnx_cases()),
                         [](const ::testing::TestParamInfo<OpCase>& info) {
                           return info.param.name.substr(5);  // drop "test_"
                         });

// --- random cases against reference loops ------------------------------------------------------

std::int64_t count(const Shape& s) {
  return std::accumulate(s.begin(), s.end(), std::int64_t{1}, std::multiplies<>());
}

// Row-major flat index of a point.
std::int64_t flat(const Shape& shape, const std::vector<std::int64_t>& point) {
  std::int64_t f = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) f = f * shape[d] + point[d];
  return f;
}

std::vector<std::int64_t> unravel(const Shape& shape, std::int64_t f) {
  std::vector<std::int64_t> p(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    p[d] = f % shape[d];
    f /= shape[d];
  }
  return p;
}

// Random shapes, attributes and values from op_test_support's seeded generator.
class Random {
public:
  Random() : engine_(seeded_rng(::testing::UnitTest::GetInstance()->current_test_info()->name())) {}
  std::int64_t uniform(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(engine_);
  }
  std::vector<double> values(DType dtype, std::int64_t n) {
    std::vector<double> v(static_cast<std::size_t>(n));
    for (auto& x : v) {
      if (dtype == DType::boolean)
        x = static_cast<double>(uniform(0, 1));
      else if (ir::is_float(dtype))
        x = static_cast<double>(static_cast<float>(std::normal_distribution<double>()(engine_)));
      else
        x = static_cast<double>(uniform(-100, 100));
    }
    return v;
  }
  Buffer random_buffer(DType dtype, Shape shape) {
    return {dtype, shape, values(dtype, count(shape))};
  }
  std::mt19937_64& engine() { return engine_; }

private:
  std::mt19937_64 engine_;
};

TEST(DataMovement, TransposeEveryDtype) {
  Random r;
  for (const DType dtype :
       {DType::f32, DType::f64, DType::i8, DType::i32, DType::i64, DType::boolean}) {
    const Shape shape{2, 3, 1, 4};
    std::vector<std::int64_t> perm{0, 1, 2, 3};
    std::shuffle(perm.begin(), perm.end(), r.engine());
    const Buffer x = r.random_buffer(dtype, shape);
    Shape out_shape;
    for (const auto d : perm) out_shape.push_back(shape[static_cast<std::size_t>(d)]);
    Buffer y{dtype, out_shape, std::vector<double>(x.values.size())};
    for (std::int64_t f = 0; f < count(out_shape); ++f) {
      const auto o = unravel(out_shape, f);
      std::vector<std::int64_t> i(4);
      for (std::size_t d = 0; d < 4; ++d) i[static_cast<std::size_t>(perm[d])] = o[d];
      y.values[static_cast<std::size_t>(f)] = x.values[static_cast<std::size_t>(flat(shape, i))];
    }
    check_case({"Transpose",
                {{"perm", perm}},
                {x},
                {y},
                "transpose_" + std::string(ir::dtype_name(dtype))});
  }
}

TEST(DataMovement, SliceRandom) {
  Random r;
  for (int trial = 0; trial < 6; ++trial) {
    const Shape shape{r.uniform(1, 6), r.uniform(1, 6), r.uniform(1, 6)};
    std::vector<std::int64_t> starts, ends, axes, steps;
    std::vector<std::int64_t> first(3, 0), step(3, 1), len(shape);
    for (std::int64_t d = 0; d < 3; ++d) {
      if (r.uniform(0, 2) == 0) continue;
      const std::int64_t n = shape[static_cast<std::size_t>(d)];
      std::int64_t s = r.uniform(-n - 2, n + 2);
      std::int64_t e = r.uniform(-n - 2, n + 2);
      std::int64_t st = r.uniform(1, 3) * (r.uniform(0, 1) != 0 ? 1 : -1);
      starts.push_back(s);
      ends.push_back(e);
      axes.push_back(r.uniform(0, 1) != 0 ? d : d - 3);
      steps.push_back(st);
      // numpy's rules.
      const auto clamp = [&](std::int64_t v, bool is_end) {
        if (v < 0) v += n;
        if (st > 0) return std::clamp<std::int64_t>(v, 0, n);
        return std::clamp<std::int64_t>(v, -1, is_end ? n - 1 : n - 1);
      };
      s = clamp(s, false);
      e = clamp(e, true);
      const std::int64_t l = st > 0 ? std::max<std::int64_t>(0, (e - s + st - 1) / st)
                                    : std::max<std::int64_t>(0, (s - e + (-st) - 1) / (-st));
      first[static_cast<std::size_t>(d)] = s;
      step[static_cast<std::size_t>(d)] = st;
      len[static_cast<std::size_t>(d)] = l;
    }
    if (starts.empty()) continue;
    const Buffer x = r.random_buffer(DType::f32, shape);
    Buffer y{DType::f32, len, {}};
    for (std::int64_t f = 0; f < count(len); ++f) {
      auto o = unravel(len, f);
      for (std::size_t d = 0; d < 3; ++d) o[d] = first[d] + o[d] * step[d];
      y.values.push_back(x.values[static_cast<std::size_t>(flat(shape, o))]);
    }
    check_case({"Slice",
                {{"starts", starts}, {"ends", ends}, {"axes", axes}, {"steps", steps}},
                {x},
                {y},
                "slice_" + std::to_string(trial)});
  }
}

// An output shape whose last window reaches past the padded input is named, not miscompiled.
TEST(DataMovement, ConvWithAnOutputThatDoesNotFitIsRefused) {
  expect_user_error({"Conv",
                     {{"dilations", std::vector<std::int64_t>{2, 2}}},
                     {f32({1, 1, 4, 4}), f32({1, 1, 3, 3})},
                     {f32({1, 1, 1, 1})}},
                    "output dimension 2 has size 1, but its last window ends at 5, past the padded "
                    "input's 4 elements");
}

// Direct N-d convolution (2-d here) with every attribute.
TEST(DataMovement, ConvRandom) {
  Random r;
  for (int trial = 0; trial < 4; ++trial) {
    const std::int64_t group = r.uniform(1, 2);
    const std::int64_t cg = r.uniform(1, 2);
    const std::int64_t mg = r.uniform(1, 2);
    const Shape kernel{r.uniform(1, 3), r.uniform(1, 3)};
    const std::vector<std::int64_t> strides{r.uniform(1, 2), r.uniform(1, 2)};
    const std::vector<std::int64_t> dil{r.uniform(1, 2), r.uniform(1, 2)};
    const std::vector<std::int64_t> pads{r.uniform(0, 2), r.uniform(0, 1), r.uniform(0, 2),
                                         r.uniform(0, 1)};
    // At least 5 wide: the widest window (kernel 3, dilation 2) fits without padding.
    const Shape xs{2, group * cg, r.uniform(5, 7), r.uniform(5, 7)};
    const Shape ws{group * mg, cg, kernel[0], kernel[1]};
    Shape ys{2, group * mg, 0, 0};
    for (std::size_t i = 0; i < 2; ++i)
      ys[2 + i] =
          (xs[2 + i] + pads[i] + pads[2 + i] - (kernel[i] - 1) * dil[i] - 1) / strides[i] + 1;
    const Buffer x = r.random_buffer(DType::f32, xs);
    const Buffer w = r.random_buffer(DType::f32, ws);
    const Buffer b = r.random_buffer(DType::f32, {group * mg});
    Buffer y{DType::f32, ys, std::vector<double>(static_cast<std::size_t>(count(ys)))};
    for (std::int64_t f = 0; f < count(ys); ++f) {
      const auto o = unravel(ys, f);
      double acc = b.values[static_cast<std::size_t>(o[1])];
      const std::int64_t g = o[1] / mg;
      for (std::int64_t c = 0; c < cg; ++c)
        for (std::int64_t a = 0; a < kernel[0]; ++a)
          for (std::int64_t e = 0; e < kernel[1]; ++e) {
            const std::int64_t h = o[2] * strides[0] - pads[0] + a * dil[0];
            const std::int64_t v = o[3] * strides[1] - pads[1] + e * dil[1];
            if (h < 0 || h >= xs[2] || v < 0 || v >= xs[3]) continue;
            acc += x.values[static_cast<std::size_t>(flat(xs, {o[0], g * cg + c, h, v}))] *
                   w.values[static_cast<std::size_t>(flat(ws, {o[1], c, a, e}))];
          }
      y.values[static_cast<std::size_t>(f)] = acc;
    }
    check_case({"Conv",
                {{"group", group},
                 {"strides", strides},
                 {"dilations", dil},
                 {"pads", pads},
                 {"kernel_shape", kernel}},
                {x, w, b},
                {y},
                "conv_" + std::to_string(trial),
                1e-4});
  }
}

// Scatter-form reference (every input tap adds to the outputs it reaches).
TEST(DataMovement, ConvTransposeRandom) {
  Random r;
  for (int trial = 0; trial < 4; ++trial) {
    const std::int64_t group = r.uniform(1, 2);
    const std::int64_t cg = r.uniform(1, 2);
    const std::int64_t mg = r.uniform(1, 2);
    const Shape kernel{r.uniform(1, 3), r.uniform(1, 3)};
    const std::vector<std::int64_t> strides{r.uniform(1, 3), r.uniform(1, 2)};
    const std::vector<std::int64_t> dil{r.uniform(1, 2), r.uniform(1, 2)};
    const std::vector<std::int64_t> pads{r.uniform(0, 1), r.uniform(0, 1), r.uniform(0, 1),
                                         r.uniform(0, 1)};
    const std::vector<std::int64_t> outpad{strides[0] > 1 ? r.uniform(0, 1) : 0, 0};
    const Shape xs{1, group * cg, r.uniform(2, 4), r.uniform(2, 4)};
    const Shape ws{group * cg, mg, kernel[0], kernel[1]};
    Shape ys{1, group * mg, 0, 0};
    for (std::size_t i = 0; i < 2; ++i)
      ys[2 + i] = strides[i] * (xs[2 + i] - 1) + outpad[i] + (kernel[i] - 1) * dil[i] + 1 -
                  pads[i] - pads[2 + i];
    const Buffer x = r.random_buffer(DType::f32, xs);
    const Buffer w = r.random_buffer(DType::f32, ws);
    Buffer y{DType::f32, ys, std::vector<double>(static_cast<std::size_t>(count(ys)), 0.0)};
    for (std::int64_t f = 0; f < count(xs); ++f) {
      const auto i = unravel(xs, f);
      const std::int64_t g = i[1] / cg;
      for (std::int64_t m = 0; m < mg; ++m)
        for (std::int64_t a = 0; a < kernel[0]; ++a)
          for (std::int64_t e = 0; e < kernel[1]; ++e) {
            const std::int64_t h = i[2] * strides[0] - pads[0] + a * dil[0];
            const std::int64_t v = i[3] * strides[1] - pads[1] + e * dil[1];
            if (h < 0 || h >= ys[2] || v < 0 || v >= ys[3]) continue;
            y.values[static_cast<std::size_t>(flat(ys, {i[0], g * mg + m, h, v}))] +=
                x.values[static_cast<std::size_t>(f)] *
                w.values[static_cast<std::size_t>(flat(ws, {i[1], m, a, e}))];
          }
    }
    check_case({"ConvTranspose",
                {{"group", group},
                 {"strides", strides},
                 {"dilations", dil},
                 {"pads", pads},
                 {"output_padding", outpad}},
                {x, w},
                {y},
                "conv_transpose_" + std::to_string(trial),
                1e-4});
  }
}

// Max and average pooling with pads, strides, dilations (max) and ceil mode.
TEST(DataMovement, PoolRandom) {
  Random r;
  for (int trial = 0; trial < 6; ++trial) {
    const bool is_max = trial % 2 == 0;
    const Shape kernel{r.uniform(1, 3), r.uniform(2, 3)};
    const std::vector<std::int64_t> strides{r.uniform(1, 2), r.uniform(1, 3)};
    const std::vector<std::int64_t> dil{is_max ? r.uniform(1, 2) : 1, 1};
    const std::vector<std::int64_t> pads{r.uniform(0, kernel[0] - 1), r.uniform(0, 1),
                                         r.uniform(0, kernel[0] - 1), r.uniform(0, 1)};
    const bool ceil = r.uniform(0, 1) != 0;
    const bool include_pad = !is_max && r.uniform(0, 1) != 0;
    const Shape xs{1, 2, r.uniform(4, 7), r.uniform(4, 7)};
    Shape ys{1, 2, 0, 0};
    for (std::size_t i = 0; i < 2; ++i) {
      const std::int64_t span = xs[2 + i] + pads[i] + pads[2 + i] - (kernel[i] - 1) * dil[i] - 1;
      std::int64_t n = (ceil ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1;
      // A last window must start inside the input or its front padding.
      if (ceil && (n - 1) * strides[i] >= xs[2 + i] + pads[i]) --n;
      ys[2 + i] = n;
    }
    const Buffer x = r.random_buffer(DType::f32, xs);
    Buffer y{DType::f32, ys, {}};
    Buffer ind{DType::i64, ys, {}};
    for (std::int64_t f = 0; f < count(ys); ++f) {
      const auto o = unravel(ys, f);
      double best = -1e300;
      std::int64_t best_at = 0;
      double sum = 0;
      std::int64_t n = 0;
      for (std::int64_t a = 0; a < kernel[0]; ++a)
        for (std::int64_t e = 0; e < kernel[1]; ++e) {
          const std::int64_t h = o[2] * strides[0] - pads[0] + a * dil[0];
          const std::int64_t v = o[3] * strides[1] - pads[1] + e * dil[1];
          const bool inside = h >= 0 && h < xs[2] && v >= 0 && v < xs[3];
          const bool padded =
              h >= -pads[0] && h < xs[2] + pads[2] && v >= -pads[1] && v < xs[3] + pads[3];
          if (include_pad ? padded : inside) ++n;
          if (!inside) continue;
          const std::int64_t at = flat(xs, {o[0], o[1], h, v});
          const double val = x.values[static_cast<std::size_t>(at)];
          sum += val;
          if (val > best) {
            best = val;
            best_at = at;
          }
        }
      y.values.push_back(is_max ? best : sum / static_cast<double>(n));
      ind.values.push_back(static_cast<double>(best_at));
    }
    ir::Attributes attrs{{"kernel_shape", kernel},
                         {"strides", strides},
                         {"pads", pads},
                         {"ceil_mode", std::int64_t{ceil ? 1 : 0}}};
    if (is_max) {
      attrs["dilations"] = dil;
      check_case({"MaxPool", attrs, {x}, {y, ind}, "max_pool_" + std::to_string(trial)});
    } else {
      attrs["count_include_pad"] = std::int64_t{include_pad ? 1 : 0};
      check_case({"AveragePool", attrs, {x}, {y}, "average_pool_" + std::to_string(trial)});
    }
  }
}

TEST(DataMovement, PadModes) {
  Random r;
  const Shape xs{2, 3, 4};
  const std::vector<std::int64_t> pads{0, 2, 1, 1, 2, 3};
  const Buffer x = r.random_buffer(DType::i32, xs);
  const Shape ys{3, 7, 8};
  for (const std::string mode : {"constant", "edge", "reflect"}) {
    Buffer y{DType::i32, ys, {}};
    for (std::int64_t f = 0; f < count(ys); ++f) {
      auto o = unravel(ys, f);
      bool inside = true;
      for (std::size_t d = 0; d < 3; ++d) {
        std::int64_t q = o[d] - pads[d];
        const std::int64_t n = xs[d];
        if (q < 0 || q >= n) inside = false;
        if (mode == "edge") q = std::clamp<std::int64_t>(q, 0, n - 1);
        if (mode == "reflect") {
          if (q < 0) q = -q;
          if (q >= n) q = 2 * (n - 1) - q;
        }
        o[d] = std::clamp<std::int64_t>(q, 0, n - 1);
      }
      y.values.push_back(
          mode == "constant" && !inside ? 7.0 : x.values[static_cast<std::size_t>(flat(xs, o))]);
    }
    check_case({"Pad",
                {{"pads", pads}, {"mode", mode}, {"constant_value", 7.0}},
                {x},
                {y},
                "pad_" + mode});
  }
}

TEST(DataMovement, GatherNegativeIndicesAndScatterNd) {
  Random r;
  const Buffer data = r.random_buffer(DType::f32, {4, 3});
  Buffer y{DType::f32, {4, 2, 2}, {}};
  const Buffer ids1 = buffer(DType::i64, {2, 2}, {0, -1, 2, -3});
  for (std::int64_t i = 0; i < 4; ++i)
    for (const double j : ids1.values) {
      const auto jj = static_cast<std::int64_t>(j < 0 ? j + 3 : j);
      y.values.push_back(data.values[static_cast<std::size_t>(i * 3 + jj)]);
    }
  check_case({"Gather", {{"axis", std::int64_t{1}}}, {data, ids1}, {y}, "gather_axis1"});

  // ScatterND: duplicates with add; last wins with none.
  const Buffer base = r.random_buffer(DType::f32, {4, 3});
  const Buffer where = buffer(DType::i64, {3, 1}, {1, -1, 1});
  const Buffer upd = r.random_buffer(DType::f32, {3, 3});
  for (const std::string reduction : {"none", "add", "mul"}) {
    Buffer want = base;
    for (std::size_t b = 0; b < 3; ++b) {
      const auto row =
          static_cast<std::int64_t>(where.values[b] < 0 ? where.values[b] + 4 : where.values[b]);
      for (std::size_t c = 0; c < 3; ++c) {
        double& t = want.values[static_cast<std::size_t>(row * 3) + c];
        const double u = upd.values[b * 3 + c];
        t = reduction == "none" ? u : reduction == "add" ? t + u : t * u;
      }
    }
    check_case({"ScatterND",
                {{"reduction", reduction}},
                {base, where, upd},
                {want},
                "scatter_nd_" + reduction});
  }
}

TEST(DataMovement, TopKWithTies) {
  Random r;
  const Shape xs{3, 6};
  Buffer x{DType::f32, xs, {}};
  for (int i = 0; i < 18; ++i) x.values.push_back(static_cast<double>(r.uniform(0, 3)));
  for (const bool largest : {true, false}) {
    Buffer v{DType::f32, {3, 4}, {}};
    Buffer ind{DType::i64, {3, 4}, {}};
    for (std::int64_t row = 0; row < 3; ++row) {
      std::vector<std::int64_t> order(6);
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
        const double va = x.values[static_cast<std::size_t>(row * 6 + a)];
        const double vb = x.values[static_cast<std::size_t>(row * 6 + b)];
        return largest ? va > vb : va < vb;
      });
      for (std::size_t k = 0; k < 4; ++k) {
        v.values.push_back(x.values[static_cast<std::size_t>(row * 6 + order[k])]);
        ind.values.push_back(static_cast<double>(order[k]));
      }
    }
    check_case(
        {"TopK",
         {{"k", std::int64_t{4}}, {"axis", std::int64_t{-1}}, {"largest", std::int64_t{largest}}},
         {x},
         {v, ind},
         largest ? "top_k_largest" : "top_k_smallest"});
  }
}

// --- golden IR ---------------------------------------------------------------------------------

// The whole expanded program of a small Transpose: one map, one copy tasklet.
TEST(DataMovementGolden, Transpose) {
  const OpCase c{"Transpose",
                 {{"perm", std::vector<std::int64_t>{1, 0}}},
                 {buffer(DType::f32, {2, 3}, {})},
                 {buffer(DType::f32, {3, 2}, {})}};
  EXPECT_EQ(expanded_text(node_of(c)), R"(program single_Transpose {
  array x0: f32[2, 3]
  array y0: f32[3, 2]
  state 0 "main" start {
    node 1 = access x0
    node 2 = access y0
    node 4 = map "transpose" [_d0 = 0:3, _d1 = 0:2] (x0) -> (y0) schedule=cpu_parallel {
      node 0 = tasklet "transpose" (a) -> (y) { y = a; }
      node 1 = access x0
      node 2 = access y0
      edge 0: node 1 -> node 0.a x0[_d1, _d0]
      edge 1: node 0.y -> node 2 y0[_d0, _d1]
    }
    edge 2: node 1 -> node 4.x0 x0[0:2, 0:3]
    edge 4: node 4.y0 -> node 2 y0[0:3, 0:2]
  }
}
)");
}

// Constant padding: the read is clamped into the input and the tasklet selects the pad value
// outside it.
TEST(DataMovementGolden, PadConstant) {
  const OpCase c{"Pad",
                 {{"pads", std::vector<std::int64_t>{1, 2}}, {"constant_value", 1.5}},
                 {buffer(DType::f32, {3}, {})},
                 {buffer(DType::f32, {6}, {})}};
  EXPECT_EQ(expanded_text(node_of(c)), R"(program single_Pad {
  array x0: f32[3]
  array y0: f32[6]
  state 0 "main" start {
    node 1 = access x0
    node 2 = access y0
    node 4 = map "pad" [_d0 = 0:6] (x0) -> (y0) schedule=cpu_parallel {
      node 0 = tasklet "pad" (a) -> (y) { y = select(_d0 - 1 >= 0 && _d0 - 1 < 3, a, 1.5); }
      node 1 = access x0
      node 2 = access y0
      edge 0: node 1 -> node 0.a x0[min(max(_d0 - 1, 0), 2)]
      edge 1: node 0.y -> node 2 y0[_d0]
    }
    edge 2: node 1 -> node 4.x0 x0[0:3] volume=6
    edge 4: node 4.y0 -> node 2 y0[0:6]
  }
}
)");
}

// --- symbolic shapes ---------------------------------------------------------------------------

// Exported transformers and CNNs keep the batch (and sequence) symbolic: the expansions must
// build and verify with symbolic dimensions. (Running them needs symbol values: the pipeline
// tests do that.)
TEST(DataMovement, SymbolicBatchAndSequence) {
  const ir::Expr n = ir::Expr::symbol("N");
  const ir::Expr s = ir::Expr::symbol("S");
  using Ints = std::vector<std::int64_t>;
  const auto f32 = [](std::vector<ir::Expr> shape) {
    return SymbolicTensor{DType::f32, std::move(shape)};
  };
  expect_expands_symbolically("Transpose", {{"perm", Ints{0, 2, 1, 3}}}, {f32({n, s, 4, 8})},
                              {f32({n, 4, s, 8})});
  expect_expands_symbolically("Reshape", {{"shape", Ints{0, 0, 4, 8}}}, {f32({n, s, 32})},
                              {f32({n, s, 4, 8})});
  expect_expands_symbolically("Reshape", {{"shape", Ints{0, -1}}}, {f32({n, s, 4, 8})},
                              {f32({n, s * 32})});
  expect_expands_symbolically("Concat", {{"axis", std::int64_t{1}}},
                              {f32({n, s, 8}), f32({n, 1, 8})}, {f32({n, s + 1, 8})});
  expect_expands_symbolically("Split", {{"axis", std::int64_t{-1}}}, {f32({n, s, 24})},
                              {f32({n, s, 8}), f32({n, s, 8}), f32({n, s, 8})});
  expect_expands_symbolically("Slice",
                              {{"starts", Ints{-1}}, {"ends", Ints{INT64_MAX}}, {"axes", Ints{1}}},
                              {f32({n, s, 8})}, {f32({n, 1, 8})});
  expect_expands_symbolically("Gather", {{"axis", std::int64_t{0}}},
                              {f32({100, 16}), {DType::i64, {n, s}}}, {f32({n, s, 16})});
  expect_expands_symbolically("Unsqueeze", {{"axes", Ints{1, 2}}}, {f32({n, s})},
                              {f32({n, 1, 1, s})});
  expect_expands_symbolically("Expand", {{"shape", Ints{1, 1, 1, 1}}}, {f32({n, 1, 1, s})},
                              {f32({n, 1, 1, s})});
  expect_expands_symbolically("Trilu", {{"upper", std::int64_t{1}}, {"k", std::int64_t{1}}},
                              {f32({s, s})}, {f32({s, s})});
  expect_expands_symbolically("Conv", {{"pads", Ints{1, 1, 1, 1}}},
                              {f32({n, 3, 8, 8}), f32({4, 3, 3, 3}), f32({4})},
                              {f32({n, 4, 8, 8})});
  expect_expands_symbolically("MaxPool", {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}},
                              {f32({n, 4, 8, 8})}, {f32({n, 4, 4, 4})});
  expect_expands_symbolically("GlobalAveragePool", {}, {f32({n, 4, 8, 8})}, {f32({n, 4, 1, 1})});
  expect_expands_symbolically("Shape", {}, {f32({n, s, 8})}, {{DType::i64, {3}}});
  expect_expands_symbolically("Pad", {{"pads", Ints{0, 1, 0, 2}}, {"mode", std::string("reflect")}},
                              {f32({n, 4})}, {f32({n, 7})});
}

// --- index helpers -----------------------------------------------------------------------------

std::string point_text(const std::vector<ir::Expr>& p) { return index::subset_text(p); }

TEST(IndexHelpers, ReshapeKeepsSimpleIndices) {
  const ir::Expr n = ir::Expr::symbol("N");
  const std::vector<ir::Expr> o{ir::Expr::symbol("a"), ir::Expr::symbol("b"),
                                ir::Expr::symbol("c")};
  // Splitting a dimension: [N, 12] -> [N, 3, 4].
  EXPECT_EQ(point_text(index::reshape_source({n, 12}, {n, 3, 4}, o)), "a, 4*b + c");
  // Merging: [N, 3, 4] -> [N, 12].
  EXPECT_EQ(point_text(index::reshape_source({n, 3, 4}, {n, 12}, {o[0], o[1]})),
            "a, floordiv(b, 4), mod(b, 4)");
  // Unit dimensions come and go: [3, 1, 4] -> [1, 3, 4].
  EXPECT_EQ(point_text(index::reshape_source({3, 1, 4}, {1, 3, 4}, o)), "b, 0, c");
  // A reordering of sizes falls back to one linear index: [2, 3] -> [3, 2].
  EXPECT_EQ(point_text(index::reshape_source({2, 3}, {3, 2}, {o[0], o[1]})),
            "floordiv(2*a + b, 3), mod(2*a + b, 3)");
}

TEST(IndexHelpers, TaskletTextAndLiterals) {
  const ir::Expr i = ir::Expr::symbol("_d0");
  EXPECT_EQ(index::tasklet_text(ir::floordiv(i, 4) + ir::mod(i, 3) - 2),
            "((_d0 / 4) + (_d0 % 3) - 2)");
  EXPECT_EQ(index::literal(DType::f32, -1.5), "(-1.5)");
  EXPECT_EQ(index::literal(DType::i8, 300), "127");
  EXPECT_EQ(index::literal(DType::boolean, 2), "true");
  EXPECT_EQ(index::lowest(DType::f16), "(-inf)");
  EXPECT_EQ(index::lowest(DType::i64), "(-9223372036854775807 - 1)");
  EXPECT_EQ(index::highest(DType::i32), "2147483647");
}

// --- errors ------------------------------------------------------------------------------------

void expect_user_error(const OpCase& c, const std::string& needle) {
  try {
    ir::Program p = node_program(node_of(c));
    expand_all(p);
    ADD_FAILURE() << c.op << ": no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'node'"), std::string::npos) << e.what();
  }
}

TEST(DataMovementErrors, BadAttributesNameTheNode) {
  const Buffer x = buffer(DType::f32, {2, 3}, {});
  expect_user_error(
      {"Concat", {{"axis", std::int64_t{2}}}, {x, x}, {buffer(DType::f32, {4, 3}, {})}},
      "axis 2 is out of range");
  expect_user_error({"Transpose", {{"perm", std::vector<std::int64_t>{0, 0}}}, {x}, {x}},
                    "not a permutation");
  expect_user_error({"Slice", {{"ends", std::vector<std::int64_t>{1}}}, {x}, {x}}, "starts");
  expect_user_error(
      {"Pad",
       {{"pads", std::vector<std::int64_t>{0, 0, 0, 0}}, {"mode", std::string("mirror")}},
       {x},
       {x}},
      "mirror");
}

}  // namespace
}  // namespace sluice::ops::testing
