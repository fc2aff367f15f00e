#include "samples/sample_programs.h"

#include "ir/builder.h"

namespace sluice::samples {

using ir::DType;
using ir::Expr;
using ir::ProgramBuilder;
using ir::WriteConflict;

ir::Program matmul() {
  ProgramBuilder b("matmul");
  const Expr m = b.symbol("M");
  const Expr n = b.symbol("N");
  const Expr k = b.symbol("K");
  b.array("A", DType::f32, {m, k});
  b.array("B", DType::f32, {k, n});
  b.array("C", DType::f32, {m, n});
  // The sum-reduction needs C zeroed first; a separate state orders the two.
  b.state("init").mapped_tasklet("zero", "i=0:M, j=0:N", {}, "c = 0.0;", {{"c", "C", "i, j"}});
  b.state("main").mapped_tasklet("mm", "i=0:M, j=0:N, k=0:K", {{"a", "A", "i, k"}, {"b", "B", "k, j"}},
                   "c = a * b;", {{"c", "C", "i, j", WriteConflict::Sum}});
  b.transition("init", "main");
  return b.build();
}

ir::Program softmax() {
  ProgramBuilder b("softmax");
  const Expr n = b.symbol("N");
  const Expr m = b.symbol("M");
  b.array("X", DType::f32, {n, m});
  b.array("Y", DType::f32, {n, m});
  b.transient("rowmax", DType::f32, {n});
  b.transient("E", DType::f32, {n, m});
  b.transient("rowsum", DType::f32, {n});
  // The reductions need their accumulators initialized first; a separate state orders that.
  auto init = b.state("init");
  init.mapped_tasklet("max_init", "i=0:N", {}, "m = -3.4e38;", {{"m", "rowmax", "i"}});
  init.mapped_tasklet("sum_init", "i=0:N", {}, "s = 0.0;", {{"s", "rowsum", "i"}});
  auto g = b.state("main");
  const auto x = g.access("X");
  auto max = g.mapped_tasklet("row_max", "i=0:N, j=0:M", {{"x", "X", "i, j", {}, x}}, "m = x;",
                              {{"m", "rowmax", "i", WriteConflict::Max}});
  auto exp = g.mapped_tasklet(
      "exp", "i=0:N, j=0:M",
      {{"x", "X", "i, j", {}, x}, {"m", "rowmax", "i", {}, max.outer_outputs["rowmax"]}},
      "e = exp(x - m);", {{"e", "E", "i, j"}});
  const auto e = exp.outer_outputs["E"];
  auto sum = g.mapped_tasklet("row_sum", "i=0:N, j=0:M", {{"e", "E", "i, j", {}, e}}, "s = e;",
                              {{"s", "rowsum", "i", WriteConflict::Sum}});
  g.mapped_tasklet(
      "normalize", "i=0:N, j=0:M",
      {{"e", "E", "i, j", {}, e}, {"s", "rowsum", "i", {}, sum.outer_outputs["rowsum"]}},
      "y = e / s;", {{"y", "Y", "i, j"}});
  b.transition("init", "main");
  return b.build();
}

ir::Program producer_consumer() {
  ProgramBuilder b("producer_consumer");
  const Expr n = b.symbol("N");
  b.array("X", DType::f32, {n});
  b.transient("T", DType::f32, {n});
  b.array("Y", DType::f32, {n});
  auto g = b.state("main");
  auto produce =
      g.mapped_tasklet("produce", "i=0:N", {{"x", "X", "i"}}, "t = x * 2.0;", {{"t", "T", "i"}});
  g.mapped_tasklet("consume", "i=0:N", {{"t", "T", "i", {}, produce.outer_outputs["T"]}},
                   "y = t + 1.0;", {{"y", "Y", "i"}});
  return b.build();
}

ir::Program small_layer() {
  ProgramBuilder b("small_layer");
  const Expr n = b.symbol("N");
  const Expr k = b.symbol("K");
  const Expr h = b.symbol("H");
  b.array("X", DType::f32, {n, k});
  b.array("W", DType::f32, {k, h});
  b.array("bias", DType::f32, {h});
  b.transient("T", DType::f32, {n, h});
  b.array("Y", DType::f32, {n, h});
  auto g = b.state("main");
  const auto x = g.access("X");
  const auto w = g.access("W");
  const auto t = g.access("T");
  const auto mm = g.library("linear", "MatMul", {"A", "B"}, {"Y"});
  g.read(x, "0:N, 0:K", mm, "A");
  g.read(w, "0:K, 0:H", mm, "B");
  g.write(mm, "Y", t, "0:N, 0:H");
  g.mapped_tasklet("bias_relu", "i=0:N, j=0:H", {{"t", "T", "i, j", {}, t}, {"b", "bias", "j"}},
                   "y = max(t + b, 0.0);", {{"y", "Y", "i, j"}});
  return b.build();
}

ir::Program synthetic_chain(int stages) {
  ProgramBuilder b("synthetic_chain");
  const Expr n = b.symbol("N");
  b.array("X0", DType::f32, {n});
  for (int i = 1; i < stages; ++i) b.transient("X" + std::to_string(i), DType::f32, {n});
  b.array("X" + std::to_string(stages), DType::f32, {n});
  auto g = b.state("main");
  ir::NodeId previous = g.access("X0");
  for (int i = 0; i < stages; ++i) {
    const std::string in = "X" + std::to_string(i);
    const std::string out = "X" + std::to_string(i + 1);
    auto stage = g.mapped_tasklet("stage" + std::to_string(i), "i=0:N", {{"x", in, "i", {}, previous}},
                                  i % 2 ? "y = x * 0.5 + 1.0;" : "y = tanh(x);", {{"y", out, "i"}});
    previous = stage.outer_outputs[out];
  }
  return b.build();
}

const std::vector<Sample>& all_samples() {
  static const std::vector<Sample> kSamples{
      {"matmul", &matmul},
      {"softmax", &softmax},
      {"producer_consumer", &producer_consumer},
      {"small_layer", &small_layer},
  };
  return kSamples;
}

}  // namespace sluice::samples
