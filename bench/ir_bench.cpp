// bench/ir_bench: the IR core on a generated 10,001-node program (2,000 chained maps).
// Targets on the 2-core development machine: copy < 10 ms, verify < 20 ms, JSON write+read
// < 300 ms. Run: build/release/bin/ir_bench
#include <benchmark/benchmark.h>

#include "ir/analysis/report.h"
#include "ir/json_format.h"
#include "ir/text_format.h"
#include "ir/verifier.h"
#include "samples/sample_programs.h"

namespace {

using namespace sluice;

const ir::Program& program() {
  static const ir::Program p = samples::synthetic_chain(2000);
  return p;
}

void BM_Copy(benchmark::State& state) {
  for (auto _ : state) {
    ir::Program copy = program();
    benchmark::DoNotOptimize(copy);
  }
}

void BM_Verify(benchmark::State& state) {
  for (auto _ : state) {
    auto diagnostics = ir::verify(program());
    if (!diagnostics.empty()) state.SkipWithError(diagnostics[0].str().c_str());
    benchmark::DoNotOptimize(diagnostics);
  }
}

void BM_JsonRoundTrip(benchmark::State& state) {
  for (auto _ : state) {
    ir::Program back = ir::read_json(ir::write_json(program()));
    benchmark::DoNotOptimize(back);
  }
}

void BM_TextRoundTrip(benchmark::State& state) {
  for (auto _ : state) {
    ir::Program back = ir::parse_text(ir::print_text(program()));
    benchmark::DoNotOptimize(back);
  }
}

void BM_DataMovementReport(benchmark::State& state) {
  for (auto _ : state) {
    auto report = ir::analysis::build_report(program(), {{"N", 4096}});
    benchmark::DoNotOptimize(report);
  }
}

BENCHMARK(BM_Copy)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Verify)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JsonRoundTrip)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TextRoundTrip)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DataMovementReport)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
