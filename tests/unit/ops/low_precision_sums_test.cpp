// Sums into f16/bf16 outputs accumulate in f32 (ops/low_precision_sums.h): for every op that
// reduces, expanded with 16-bit storage, no write-conflict sum lands in a 16-bit container, and
// the values agree with the f32 expansion within the storage's rounding.

#include <set>

#include <gtest/gtest.h>

#include "op_test_support.h"

namespace sluice::ops::testing {
namespace {

using ir::DType;

/// Every container that a write-conflict sum or product writes, anywhere in `g`.
void summed_containers(const ir::Program& p, const ir::Graph& g, std::vector<std::string>& out) {
  for (const ir::EdgeId e : g.edge_ids()) {
    const ir::Memlet& m = g.edge(e).memlet;
    if (!m.empty() && (m.wcr == ir::WriteConflict::Sum || m.wcr == ir::WriteConflict::Product))
      out.push_back(p.containers[m.data].name + ":" +
                    std::string(ir::dtype_name(p.containers[m.data].dtype)));
  }
  for (const ir::NodeId n : g.node_ids())
    if (const auto* map = std::get_if<ir::MapNode>(&g.node(n)))
      summed_containers(p, *map->body, out);
}

/// The node with every float buffer in `dtype`.
Node in_dtype(Node n, DType dtype) {
  for (auto* buffers : {&n.inputs, &n.outputs})
    for (Buffer& b : *buffers)
      if (b.dtype == DType::f32) b.dtype = dtype;
  return n;
}

std::vector<double> ramp(std::size_t n, double scale) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * static_cast<double>((i * 7) % 11) - 0.3;
  return v;
}

std::vector<Node> reducing_nodes() {
  return {
      {"MatMul",
       {},
       {f32({2, 300}, ramp(600, 0.1)), f32({300, 3}, ramp(900, 0.05))},
       {f32({2, 3})}},
      {"Gemm",
       {{"transB", std::int64_t{1}}},
       {f32({2, 64}, ramp(128, 0.1)), f32({3, 64}, ramp(192, 0.1)), f32({3}, {1, 2, 3})},
       {f32({2, 3})}},
      {"ReduceSum", {{"keepdims", std::int64_t{0}}}, {f32({4, 300}, ramp(1200, 0.1))}, {f32({})}},
      {"ReduceMean",
       {{"axes", std::vector<std::int64_t>{1}}},
       {f32({4, 50}, ramp(200, 0.1))},
       {f32({4, 1})}},
      {"Softmax", {{"axis", std::int64_t{-1}}}, {f32({3, 40}, ramp(120, 0.2))}, {f32({3, 40})}},
      {"LayerNormalization",
       {{"axis", std::int64_t{-1}}},
       {f32({3, 40}, ramp(120, 0.2)), f32({40}, ramp(40, 0.1)), f32({40}, ramp(40, 0.05))},
       {f32({3, 40})}},
      {"SoftmaxGrad",
       {{"axis", std::int64_t{-1}}},
       {f32({3, 40}, ramp(120, 0.01)), f32({3, 40}, ramp(120, 0.1))},
       {f32({3, 40})}},
      {"LayerNormalizationGrad",
       {{"axis", std::int64_t{-1}}},
       {f32({3, 40}, ramp(120, 0.2)), f32({40}, ramp(40, 0.1)), f32({3, 40}, ramp(120, 0.1))},
       {f32({3, 40}), f32({40}), f32({40})}},
  };
}

TEST(LowPrecisionSums, NoSumAccumulatesInSixteenBits) {
  for (const DType dtype : {DType::bf16, DType::f16})
    for (const Node& f : reducing_nodes()) {
      const Node n = in_dtype(f, dtype);
      const ir::Program p = expand_node_program(n);
      std::vector<std::string> summed;
      for (const ir::StateId s : p.states.ids()) summed_containers(p, p.states[s].graph, summed);
      EXPECT_FALSE(summed.empty()) << n.op;
      for (const std::string& c : summed)
        EXPECT_NE(c.substr(c.find(':')), ":" + std::string(ir::dtype_name(dtype)))
            << n.op << " in " << ir::dtype_name(dtype) << " sums into " << c;
    }
}

TEST(LowPrecisionSums, SixteenBitExpansionsAgreeWithF32) {
  for (const DType dtype : {DType::bf16, DType::f16})
    for (const Node& f : reducing_nodes()) {
      const auto want = run_node(f);
      const auto got = run_node(in_dtype(f, dtype));
      ASSERT_EQ(got.size(), want.size()) << f.op;
      for (std::size_t k = 0; k < want.size(); ++k)
        for (std::size_t i = 0; i < want[k].size(); ++i)
          EXPECT_NEAR(got[k][i], want[k][i], 2e-2 * (1 + std::abs(want[k][i])))
              << f.op << " in " << ir::dtype_name(dtype) << ", output " << k << "[" << i << "]";
    }
}

TEST(LowPrecisionSums, F32ExpansionsAreUnchanged) {
  // No accumulator copy for f32 outputs: the sum writes the output itself.
  const Node matmul = reducing_nodes()[0];
  const ir::Program p = expand_node_program(matmul);
  std::vector<std::string> summed;
  for (const ir::StateId s : p.states.ids()) summed_containers(p, p.states[s].graph, summed);
  EXPECT_EQ(std::set<std::string>(summed.begin(), summed.end()), std::set<std::string>{"y0:f32"});
}

}  // namespace
}  // namespace sluice::ops::testing
