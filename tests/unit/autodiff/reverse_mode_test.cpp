// The reverse-mode driver itself: what it refuses (and that a refusal changes nothing), zero
// gradients for values no seeded output depends on, and golden IR of a small backward pass.

#include "transforms/autodiff/reverse_mode.h"

#include <string>

#include <gtest/gtest.h>

#include "ir/builder.h"
#include "ir/diagnostic.h"
#include "ir/text_format.h"
#include "ops/expansion.h"
#include "program_interpreter.h"

namespace sluice::autodiff {
namespace {

// Y = Relu(X); Z = Identity(W): W reaches no seeded output when only Y is seeded.
ir::Program two_branches() {
  ir::ProgramBuilder b("two_branches");
  for (const char* name : {"X", "Y", "W", "Z", "S", "GX", "GW"})
    b.array(name, ir::DType::f64, {ir::Expr(2), ir::Expr(3)});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId relu = g.library("relu", "Relu", {"in0"}, {"out0"});
  g.read(g.access("X"), "0:2, 0:3", relu, "in0");
  g.write(relu, "out0", g.access("Y"), "0:2, 0:3");
  const ir::NodeId id = g.library("copy", "Identity", {"in0"}, {"out0"});
  g.read(g.access("W"), "0:2, 0:3", id, "in0");
  g.write(id, "out0", g.access("Z"), "0:2, 0:3");
  return b.build();
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ReverseMode, AValueNoSeededOutputDependsOnGetsZeros) {
  ir::Program p = two_branches();
  append_backward(p, {{{"Y", "S"}}, {{"X", "GX"}, {"W", "GW"}}});
  ops::expand_all(p);
  std::map<std::string, ops::testing::Buffer> args;
  const std::vector<double> x{-1, 2, -3, 4, -5, 6};
  for (const char* name : {"X", "Y", "W", "Z", "S", "GX", "GW"})
    args[name] = {ir::DType::f64, {2, 3}, std::vector<double>(6, 7.0)};
  args["X"].values = x;
  args["S"].values = {1, 2, 3, 4, 5, 6};
  ops::testing::interpret(p, args);
  EXPECT_EQ(args["GX"].values, (std::vector<double>{0, 2, 0, 4, 0, 6}));
  EXPECT_EQ(args["GW"].values, std::vector<double>(6, 0.0));
}

// Relu's gradient reads its output Y, not X (so X need not be kept for the backward), and is 0
// where X is 0: torch's convention (its relu backward tests the result > 0).
TEST(ReverseMode, ReluGradientReadsTheOutputAndIsZeroAtZero) {
  ir::Program p = two_branches();
  append_backward(p, {{{"Y", "S"}}, {{"X", "GX"}}});
  EXPECT_NE(ir::print_text(p).find("edge 4: node 2 -> node 7.in0 Y[0:2, 0:3]"), std::string::npos)
      << ir::print_text(p);
  ops::expand_all(p);
  std::map<std::string, ops::testing::Buffer> args;
  for (const char* name : {"X", "Y", "W", "Z", "S", "GX", "GW"})
    args[name] = {ir::DType::f64, {2, 3}, std::vector<double>(6, 7.0)};
  args["X"].values = {-1, 0, 2, 0, -0.0, 6};
  args["S"].values = {1, 2, 3, 4, 5, 6};
  ops::testing::interpret(p, args);
  EXPECT_EQ(args["GX"].values, (std::vector<double>{0, 0, 3, 0, 0, 6}));
}

TEST(ReverseMode, TheBackwardPassIsLibraryNodesBeforeExpansion) {
  ir::Program p = two_branches();
  append_backward(p, {{{"Y", "S"}}, {{"X", "GX"}}});
  const std::string text = ir::print_text(p);
  EXPECT_NE(text.find("library \"relu/grad/ReluGradFromOutput\" ReluGradFromOutput (in0, in1) -> "
                      "(out0)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("library \"GX\" Identity (in0) -> (out0)"), std::string::npos) << text;
}

// A linear layer, Y = X @ Transpose(W): dX = dY @ (W^T)^T reads W itself, so the backward adds
// no second transpose (and W^T stays one the forward's BLAS call can read as a view).
// A linear layer on a batch, Y = X @ Transpose(W) with X [2, 2, 3]: W's gradient comes from one
// GEMM in W's own layout (dW = dY2^T X2, [4, 3]), which the Identity into GW reads directly.
TEST(ReverseMode, ALinearLayersWeightGradientIsComputedInTheWeightsLayout) {
  ir::ProgramBuilder b("linear");
  b.array("X", ir::DType::f64, {ir::Expr(2), ir::Expr(2), ir::Expr(3)});
  b.array("W", ir::DType::f64, {ir::Expr(4), ir::Expr(3)});
  b.transient("WT", ir::DType::f64, {ir::Expr(3), ir::Expr(4)});
  for (const char* name : {"Y", "S"})
    b.array(name, ir::DType::f64, {ir::Expr(2), ir::Expr(2), ir::Expr(4)});
  b.array("GW", ir::DType::f64, {ir::Expr(4), ir::Expr(3)});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId t = g.library("t", "Transpose", {"in0"}, {"out0"});
  std::get<ir::LibraryNode>(g.graph().node(t)).attributes["perm"] = std::vector<std::int64_t>{1, 0};
  g.read(g.access("W"), "0:4, 0:3", t, "in0");
  const ir::NodeId wt = g.access("WT");
  g.write(t, "out0", wt, "0:3, 0:4");
  const ir::NodeId mm = g.library("mm", "MatMul", {"in0", "in1"}, {"out0"});
  g.read(g.access("X"), "0:2, 0:2, 0:3", mm, "in0");
  g.read(wt, "0:3, 0:4", mm, "in1");
  g.write(mm, "out0", g.access("Y"), "0:2, 0:2, 0:4");
  ir::Program p = b.build();
  append_backward(p, {{{"Y", "S"}}, {{"W", "GW"}}});
  const std::string text = ir::print_text(p);
  EXPECT_NE(text.find("array mm_ggemm: f64[4, 3] transient"), std::string::npos) << text;
  EXPECT_NE(text.find("edge 14: node 12 -> node 15.in0 mm_ggemm[0:4, 0:3]"), std::string::npos) << text;
  ops::expand_all(p);
  std::map<std::string, ops::testing::Buffer> args;
  args["X"] = {ir::DType::f64, {2, 2, 3}, {1, 2, 3, 4, 5, 6, -1, 0, 2, 3, -2, 1}};
  args["W"] = {ir::DType::f64, {4, 3}, {1, 0, 2, -1, 3, 1, 0, 1, 1, 2, 2, -2}};
  args["Y"] = {ir::DType::f64, {2, 2, 4}, std::vector<double>(16, 0.0)};
  args["S"] = {ir::DType::f64, {2, 2, 4}, {1, 2, 3, 4, -1, 0, 1, 2, 2, 1, 0, -3, 1, 1, 2, 0}};
  args["GW"] = {ir::DType::f64, {4, 3}, std::vector<double>(12, 0.0)};
  ops::testing::interpret(p, args);
  std::vector<double> want(12, 0.0);
  for (int row = 0; row < 4; ++row)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 3; ++k)
        want[j * 3 + k] += args["S"].values[row * 4 + j] * args["X"].values[row * 3 + k];
  EXPECT_EQ(args["GW"].values, want);
}

TEST(ReverseMode, TheTransposeOfATransposeIsItsSource) {
  ir::ProgramBuilder b("linear");
  b.array("X", ir::DType::f64, {ir::Expr(2), ir::Expr(3)});
  b.array("W", ir::DType::f64, {ir::Expr(4), ir::Expr(3)});
  b.transient("WT", ir::DType::f64, {ir::Expr(3), ir::Expr(4)});
  for (const char* name : {"Y", "S"}) b.array(name, ir::DType::f64, {ir::Expr(2), ir::Expr(4)});
  b.array("GX", ir::DType::f64, {ir::Expr(2), ir::Expr(3)});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId t = g.library("t", "Transpose", {"in0"}, {"out0"});
  std::get<ir::LibraryNode>(g.graph().node(t)).attributes["perm"] = std::vector<std::int64_t>{1, 0};
  g.read(g.access("W"), "0:4, 0:3", t, "in0");
  const ir::NodeId wt = g.access("WT");
  g.write(t, "out0", wt, "0:3, 0:4");
  const ir::NodeId mm = g.library("mm", "MatMul", {"in0", "in1"}, {"out0"});
  g.read(g.access("X"), "0:2, 0:3", mm, "in0");
  g.read(wt, "0:3, 0:4", mm, "in1");
  g.write(mm, "out0", g.access("Y"), "0:2, 0:4");
  ir::Program p = b.build();
  append_backward(p, {{{"Y", "S"}}, {{"X", "GX"}}});
  const std::string text = ir::print_text(p);
  std::size_t transposes = 0;
  for (std::size_t at = text.find(" Transpose ("); at != std::string::npos;
       at = text.find(" Transpose (", at + 1))
    ++transposes;
  EXPECT_EQ(transposes, 1u) << text;
  // Numbers: GX = S @ W.
  ops::expand_all(p);
  std::map<std::string, ops::testing::Buffer> args;
  args["X"] = {ir::DType::f64, {2, 3}, {1, 2, 3, 4, 5, 6}};
  args["W"] = {ir::DType::f64, {4, 3}, {1, 0, 2, -1, 3, 1, 0, 1, 1, 2, 2, -2}};
  args["Y"] = {ir::DType::f64, {2, 4}, std::vector<double>(8, 0.0)};
  args["S"] = {ir::DType::f64, {2, 4}, {1, 2, 3, 4, -1, 0, 1, 2}};
  args["GX"] = {ir::DType::f64, {2, 3}, std::vector<double>(6, 0.0)};
  ops::testing::interpret(p, args);
  std::vector<double> want(6, 0.0);
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 3; ++k)
      for (int j = 0; j < 4; ++j)
        want[i * 3 + k] += args["S"].values[i * 4 + j] * args["W"].values[j * 3 + k];
  EXPECT_EQ(args["GX"].values, want);
}

TEST(ReverseMode, RefusesAnExpandedProgramAndChangesNothing) {
  ir::Program p = two_branches();
  ops::expand_all(p);
  const ir::Program before = p;
  const std::string m = message_of([&] { append_backward(p, {{{"Y", "S"}}, {{"X", "GX"}}}); });
  EXPECT_NE(m.find("reverse mode works on library nodes: differentiate before expanding"),
            std::string::npos)
      << m;
  EXPECT_EQ(p, before);
}

TEST(ReverseMode, RefusesASeedOfAnotherShapeAndAnIntegerValue) {
  ir::ProgramBuilder b("bad");
  b.array("X", ir::DType::f64, {ir::Expr(2)});
  b.array("Y", ir::DType::f64, {ir::Expr(2)});
  b.array("S", ir::DType::f64, {ir::Expr(3)});
  b.array("I", ir::DType::i64, {ir::Expr(2)});
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId relu = g.library("relu", "Relu", {"in0"}, {"out0"});
  g.read(g.access("X"), "0:2", relu, "in0");
  g.write(relu, "out0", g.access("Y"), "0:2");
  ir::Program p = b.build();
  EXPECT_NE(message_of([&] {
              append_backward(p, {{{"Y", "S"}}, {}});
            }).find("the seed 'S' of 'Y' must have its shape and dtype"),
            std::string::npos);
  const std::string integer = message_of([&] { append_backward(p, {{{"Y", "Y"}}, {{"I", "I"}}}); });
  EXPECT_NE(integer.find("'I' has dtype i64; only float values have gradients"), std::string::npos)
      << integer;
}

}  // namespace
}  // namespace sluice::autodiff
