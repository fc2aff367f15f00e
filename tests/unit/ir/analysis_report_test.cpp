// The combined report: rows and totals evaluated for given symbols, JSON with exact numbers and
// symbolic text, and the aligned text table.
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ir/analysis/report.h"
#include "ir/builder.h"

namespace sluice::ir::analysis {
namespace {

const Expr M = Expr::symbol("M");
const Expr N = Expr::symbol("N");
const Expr K = Expr::symbol("K");

// Y = relu(X @ W) through a transient: a MatMul library node, then a map; plus an init state.
Program layer() {
  ProgramBuilder b("layer");
  b.symbol("M");
  b.symbol("N");
  b.symbol("K");
  b.array("X", DType::f32, {M, K});
  b.array("W", DType::f32, {K, N});
  b.array("Y", DType::f32, {M, N});
  b.array("count", DType::i64, {1});
  b.transient("T", DType::f32, {M, N});
  b.state("init").mapped_tasklet("zero", "i=0:1", {}, "c = 0;", {{"c", "count", "i"}});
  auto g = b.state("main");
  const NodeId t = g.access("T");
  const NodeId mm = g.library("linear", "MatMul", {"A", "B"}, {"Y"});
  g.read(g.access("X"), "0:M, 0:K", mm, "A");
  g.read(g.access("W"), "0:K, 0:N", mm, "B");
  g.write(mm, "Y", t, "0:M, 0:N");
  g.mapped_tasklet("relu", "i=0:M, j=0:N", {{"t", "T", "i, j", {}, t}}, "y = max(t, 0.0);",
                   {{"y", "Y", "i, j"}});
  b.transition("init", "main");
  return b.build();
}

const SymbolValues kValues{{"M", 256}, {"N", 512}, {"K", 1024}};

TEST(AnalysisReport, RowsAndTotals) {
  const Report r = build_report(layer(), kValues);
  EXPECT_EQ(r.program, "layer");
  ASSERT_EQ(r.kernels.size(), 3u);
  ASSERT_EQ(r.states.size(), 2u);

  const KernelRow& zero = r.kernels[0];
  EXPECT_EQ(zero.state_label, "init");
  EXPECT_EQ(zero.label, "zero");
  EXPECT_EQ(zero.counts.written_bytes, 8);

  const KernelRow& linear = r.kernels[1];
  EXPECT_EQ(linear.state_label, "main");
  EXPECT_EQ(linear.kernel.kind, KernelKind::Library);
  EXPECT_EQ(linear.kernel.position, 0u);
  EXPECT_EQ(linear.counts.reads, 4 * M * K + 4 * K * N);
  EXPECT_EQ(linear.counts.read_bytes, 4 * (256 * 1024 + 1024 * 512));
  EXPECT_EQ(linear.counts.written_bytes, 4 * 256 * 512);
  EXPECT_EQ(linear.counts.flops, 2 * M * N * K);
  EXPECT_EQ(linear.counts.flop_count, 2LL * 256 * 512 * 1024);
  EXPECT_DOUBLE_EQ(linear.counts.intensity(),
                   2.0 * 256 * 512 * 1024 / (4.0 * (256 * 1024 + 1024 * 512 + 256 * 512)));

  const KernelRow& relu = r.kernels[2];
  EXPECT_EQ(relu.label, "relu");
  EXPECT_EQ(relu.kernel.position, 1u);
  EXPECT_EQ(relu.counts.read_bytes, 4 * 256 * 512);
  EXPECT_EQ(relu.counts.flop_count, 256 * 512);

  EXPECT_EQ(r.states[0].counts.written_bytes, 8);
  EXPECT_EQ(r.states[1].counts.reads, 4 * M * K + 4 * K * N + 4 * M * N);
  EXPECT_EQ(r.total.read_bytes, linear.counts.read_bytes + relu.counts.read_bytes);
  EXPECT_EQ(r.total.written_bytes, 8 + 2 * 4 * 256 * 512);
  EXPECT_EQ(r.total.flops, 2 * M * N * K + M * N);
  EXPECT_TRUE(r.total.unknown_ops.empty());

  EXPECT_EQ(r.argument_bytes, 4 * (256 * 1024 + 1024 * 512 + 256 * 512) + 8);
  EXPECT_EQ(r.transient_bytes, 4 * 256 * 512);
  EXPECT_EQ(r.peak.bytes, 4 * 256 * 512);
  ASSERT_TRUE(r.peak_point.has_value());
  EXPECT_EQ(r.peak_point->label, "linear");
  EXPECT_EQ(r.peak_live, std::vector<std::string>{"T"});
  ASSERT_EQ(r.transients.size(), 1u);
  EXPECT_EQ(r.transients[0].name, "T");
  EXPECT_EQ(r.transients[0].first.label, "linear");
  EXPECT_EQ(r.transients[0].last.label, "relu");
}

TEST(AnalysisReport, Json) {
  const nlohmann::json j = build_report(layer(), kValues).to_json();
  EXPECT_EQ(j["program"], "layer");
  EXPECT_EQ(j["symbols"]["K"], 1024);
  ASSERT_EQ(j["kernels"].size(), 3u);
  const auto& linear = j["kernels"][1];
  EXPECT_EQ(linear["label"], "linear");
  EXPECT_EQ(linear["kind"], "library");
  EXPECT_EQ(linear["state_label"], "main");
  EXPECT_TRUE(linear["edge"].is_null());
  EXPECT_EQ(linear["reads"], 4 * (256 * 1024 + 1024 * 512));
  EXPECT_EQ(linear["flops"], 2LL * 256 * 512 * 1024);
  EXPECT_EQ(linear["symbolic"]["flops"], (2 * M * N * K).str());
  EXPECT_EQ(linear["symbolic"]["reads"], (4 * M * K + 4 * K * N).str());
  ASSERT_EQ(linear["memlets"].size(), 3u);
  EXPECT_EQ(linear["memlets"][1]["container"], "W");
  EXPECT_EQ(linear["memlets"][1]["read"], 4 * 1024 * 512);
  EXPECT_EQ(linear["memlets"][2]["container"], "T");
  EXPECT_EQ(linear["memlets"][2]["written"], 4 * 256 * 512);
  EXPECT_EQ(linear["memlets"][2]["read"], 0);
  EXPECT_EQ(j["total"]["flops"], 2LL * 256 * 512 * 1024 + 256 * 512);
  EXPECT_EQ(j["total"]["writes"], 8 + 2 * 4 * 256 * 512);
  EXPECT_EQ(j["states"].size(), 2u);
  EXPECT_EQ(j["footprint"]["peak_transients"], 4 * 256 * 512);
  EXPECT_EQ(j["footprint"]["peak_point"]["label"], "linear");
  EXPECT_EQ(j["footprint"]["symbolic"]["transients"], (4 * M * N).str());
  ASSERT_EQ(j["liveness"].size(), 1u);
  EXPECT_EQ(j["liveness"][0]["container"], "T");
  EXPECT_EQ(j["liveness"][0]["first"]["position"], 0);
  EXPECT_EQ(j["liveness"][0]["last"]["label"], "relu");
  // Deterministic: the same program gives the same document.
  EXPECT_EQ(j.dump(), build_report(layer(), kValues).to_json().dump());
}

TEST(AnalysisReport, TextTableIsAligned) {
  const std::string text = build_report(layer(), kValues).to_text();
  EXPECT_NE(text.find("program 'layer' with K=1024, M=256, N=512"), std::string::npos) << text;
  // reads of `linear`: 4 * (256K + 512K) = 3 MiB; its FLOPs 268.4 M.
  EXPECT_NE(text.find("3.0 MiB"), std::string::npos) << text;
  EXPECT_NE(text.find("268.4 M"), std::string::npos) << text;
  EXPECT_NE(text.find("peak live transients 512.0 KiB at main / 'linear'"), std::string::npos)
      << text;
  // Header, kernel rows, per-state and total rows all end in the right-aligned intensity column.
  std::istringstream lines(text);
  std::string line;
  std::size_t width = 0;
  int table_rows = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("state", 0) == 0) width = line.size();
    if (width == 0 || line.empty()) continue;
    if (line.find("memory:") == 0) break;
    if (line.find_first_not_of('-') == std::string::npos) {
      EXPECT_EQ(line.size(), width);
      continue;
    }
    EXPECT_EQ(line.size(), width) << line;
    ++table_rows;
  }
  EXPECT_EQ(table_rows, 1 + 3 + 2 + 1);  // header, kernels, states, total
}

TEST(AnalysisReport, UnknownOpsAreMarked) {
  ProgramBuilder b("t");
  b.array("X", DType::f32, {4});
  b.array("Y", DType::f32, {4});
  auto g = b.state("main");
  const NodeId op = g.library("mystery", "Mystery", {"X"}, {"Y"});
  g.read(g.access("X"), "0:4", op, "X");
  g.write(op, "Y", g.access("Y"), "0:4");
  const Report r = build_report(b.build(), {});
  EXPECT_EQ(r.total.unknown_ops, std::vector<std::string>{"Mystery"});
  EXPECT_EQ(r.to_json()["kernels"][0]["unknown_ops"][0], "Mystery");
  EXPECT_NE(r.to_text().find("0?"), std::string::npos);
  EXPECT_NE(r.to_text().find("Mystery"), std::string::npos);
}

TEST(AnalysisReport, MissingSymbolThrowsNamingIt) {
  try {
    (void)build_report(layer(), {{"M", 2}, {"N", 2}});
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'K'"), std::string::npos) << e.what();
  }
}

TEST(AnalysisReport, HumanReadableNumbers) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1024), "1.0 KiB");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(12LL * 1024 * 1024 + 512 * 1024), "12.5 MiB");
  EXPECT_EQ(format_bytes(1024 * 1024 - 1), "1.0 MiB");
  EXPECT_EQ(format_bytes(3LL << 40), "3.0 TiB");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(1234), "1.2 K");
  EXPECT_EQ(format_count(335'000'000'000), "335.0 G");
}

}  // namespace
}  // namespace sluice::ir::analysis
