// Exported transformers keep the batch and sequence symbolic: every compute op must expand and
// verify with symbolic dimensions, and run once the symbols have values.

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ir/builder.h"
#include "ir/verifier.h"
#include "op_test_support.h"
#include "ops/expansion.h"

namespace sluice::ops::testing {
namespace {

using ir::DType;
using ir::Expr;
using Ints = std::vector<std::int64_t>;

TEST(SymbolicCompute, TransformerOpsExpandAndVerify) {
  const Expr n = Expr::symbol("N");
  const Expr s = Expr::symbol("S");
  const auto f32s = [](std::vector<Expr> shape) {
    return SymbolicTensor{DType::f32, std::move(shape)};
  };
  expect_expands_symbolically("MatMul", {}, {f32s({n, s, 16}), f32s({16, 8})}, {f32s({n, s, 8})});
  expect_expands_symbolically("MatMul", {}, {f32s({n, 4, s, 8}), f32s({n, 4, 8, s})},
                              {f32s({n, 4, s, s})});
  expect_expands_symbolically("Gemm", {{"transB", std::int64_t{1}}},
                              {f32s({n, 16}), f32s({8, 16}), f32s({8})}, {f32s({n, 8})});
  expect_expands_symbolically("Einsum", {{"equation", std::string("bhid,bhjd->bhij")}},
                              {f32s({n, 4, s, 8}), f32s({n, 4, s, 8})}, {f32s({n, 4, s, s})});
  expect_expands_symbolically("Softmax", {}, {f32s({n, 4, s, s})}, {f32s({n, 4, s, s})});
  expect_expands_symbolically("LayerNormalization", {}, {f32s({n, s, 16}), f32s({16}), f32s({16})},
                              {f32s({n, s, 16})});
  expect_expands_symbolically("Add", {}, {f32s({n, s, 16}), f32s({16})}, {f32s({n, s, 16})});
  expect_expands_symbolically("Where", {},
                              {{DType::boolean, {n, 1, 1, s}}, f32s({n, 4, s, s}), f32s({})},
                              {f32s({n, 4, s, s})});
  expect_expands_symbolically("Gelu", {}, {f32s({n, s, 16})}, {f32s({n, s, 16})});
  expect_expands_symbolically("ReduceMean", {{"axes", Ints{-1}}}, {f32s({n, s, 16})},
                              {f32s({n, s, 1})});
  expect_expands_symbolically("ArgMax", {{"axis", std::int64_t{1}}}, {f32s({n, s})},
                              {{DType::i64, {n, 1}}});
  expect_expands_symbolically("CumSum", {{"axis", std::int64_t{1}}}, {f32s({n, s})},
                              {f32s({n, s})});
  expect_expands_symbolically("SoftmaxCrossEntropyLoss", {},
                              {f32s({n, 10, s}), {DType::i64, {n, s}}}, {f32s({})});
  expect_expands_symbolically("Dropout", {{"ratio", 0.1}}, {f32s({n, s})},
                              {f32s({n, s}), {DType::boolean, {n, s}}});
}

TEST(SymbolicCompute, RunsWithSymbolValues) {
  const Expr n = Expr::symbol("N");
  const Expr s = Expr::symbol("S");
  ir::Program p =
      symbolic_node_program("Softmax", {}, {{DType::f64, {n, s}}}, {{DType::f64, {n, s}}});
  expand_all(p);
  std::map<std::string, Buffer> args{{"x0", f64({2, 2}, {0, 0, 1, 3})},
                                     {"y0", f64({2, 2}, {0, 0, 0, 0})}};
  interpret(p, args, {{"N", 2}, {"S", 2}});
  const double e = std::exp(2.0);
  const std::vector<double> want{0.5, 0.5, 1 / (1 + e), e / (1 + e)};
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(args["y0"].values[i], want[i], 1e-12);
}

// The dtypes of the ONNX test suite: literals in the generated code take the container's type.
TEST(ComputeDtypes, EveryOpTypeChecksForItsTypes) {
  const std::vector<DType> floats{DType::f16, DType::f32, DType::f64};
  const std::vector<DType> ints{DType::i8, DType::i32, DType::i64};
  const auto run = [](const std::string& op, const ir::Attributes& a, DType t, int inputs,
                      std::vector<double> x, std::vector<double> want) {
    SCOPED_TRACE(op + " " + std::string(ir::dtype_name(t)));
    const auto n = static_cast<std::int64_t>(x.size());
    std::vector<Buffer> ins(static_cast<std::size_t>(inputs), buffer(t, {n}, x));
    expect_outputs({op, a, ins, {buffer(t, {n})}}, {std::move(want)}, 2e-3);
  };
  for (const DType t : floats) {
    run("Softmax", {}, t, 1, {0, 0}, {0.5, 0.5});
    run("LogSoftmax", {}, t, 1, {0, 0}, {-std::log(2.0), -std::log(2.0)});
    run("Hardmax", {}, t, 1, {1, 2}, {0, 1});
    run("ReduceLogSumExp", {{"keepdims", std::int64_t{1}}}, t, 1, {0}, {0});
    run("LpNormalization", {}, t, 1, {3, 4}, {0.6, 0.8});
    run("CumSum", {{"axis", std::int64_t{0}}}, t, 1, {1, 2}, {1, 3});
    run("Round", {}, t, 1, {0.5, 1.5}, {0, 2});
    run("Atan", {}, t, 1, {0, 1}, {0, M_PI / 4});
    run("Einsum", {{"equation", std::string("i,i->i")}}, t, 2, {2, 3}, {4, 9});
  }
  for (const DType t : ints) {
    run("Add", {}, t, 2, {1, -2}, {2, -4});
    run("Div", {}, t, 2, {-7, 4}, {1, 1});
    run("Mod", {{"fmod", std::int64_t{1}}}, t, 2, {-7, 4}, {0, 0});
    run("Max", {}, t, 2, {3, -1}, {3, -1});
    run("Mean", {}, t, 2, {3, -1}, {3, -1});
    run("ReduceSum", {}, t, 1, {3}, {3});
    run("ReduceMean", {}, t, 1, {3}, {3});
    run("ReduceL2", {}, t, 1, {-3}, {3});
    run("CumSum", {{"axis", std::int64_t{0}}}, t, 1, {1, 2}, {1, 3});
    run("Einsum", {{"equation", std::string("i,i->i")}}, t, 2, {2, 3}, {4, 9});
    run("Sign", {}, t, 1, {-5, 0}, {-1, 0});
    run("Clip", {{"min", -1.0}, {"max", 1.0}}, t, 1, {-5, 5}, {-1, 1});
  }
}

}  // namespace
}  // namespace sluice::ops::testing
