#include "tools/model_commands.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "frontends/onnx/onnx_importer.h"
#include "ir/diagnostic.h"
#include "ir/program_io.h"
#include "pipeline/compiled_model.h"
#include "ir/analysis/report.h"
#include "pipeline/npz.h"
#include "samples/embedded_models.h"

namespace sluice::tools {

namespace {

void check_target(const std::string& target) {
  if (target != "cpu")
    throw UserError("--target " + target,
                    "this build generates code for the CPU only ('--target cpu')");
}

/// Imports the model, applies the transformations (if any) to the imported program, compiles.
/// Without --pipeline or --recipe, CompiledModel applies the default pipeline.
pipeline::CompiledModel compile(const std::string& path, const PreparedTransforms& prepared) {
  if (prepared.source.empty()) return pipeline::CompiledModel::from_onnx_file(path);
  frontends::Model imported = frontends::import_onnx_file(path);
  const transforms::Recipe applied = prepared.apply(imported.program);
  std::cerr << "sluice: applied " << applied.steps.size() << " transformation"
            << (applied.steps.size() == 1 ? "" : "s") << " (" << prepared.source
            << ", instead of the default pipeline)\n";
  pipeline::CompileOptions options;
  options.pipeline.clear();
  return pipeline::CompiledModel::from_model(std::move(imported), options);
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw UserError(path.string(), "cannot write the file");
}

}  // namespace

int run_model(const RunFlags& flags) {
  check_target(flags.target);
  const PreparedTransforms prepared = prepare_transforms(flags.transforms);
  const auto inputs = pipeline::read_npz(flags.inputs);
  pipeline::CompiledModel model = compile(flags.model, prepared);
  std::map<std::string, ir::Tensor> outputs;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < std::max(1, flags.repeat); ++i) outputs = model.run(inputs);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  pipeline::write_npz(flags.output_file, outputs);
  std::cerr << "sluice: ran " << flags.model << " (" << std::max(1, flags.repeat) << " run"
            << (flags.repeat > 1 ? "s" : "") << ", " << seconds * 1e3 / std::max(1, flags.repeat)
            << " ms each; compiled in " << model.compile_seconds() * 1e3 << " ms); wrote "
            << outputs.size() << " output" << (outputs.size() == 1 ? "" : "s") << " to "
            << flags.output_file << '\n';
  if (flags.profile) {
    auto times = model.kernel_times();
    std::sort(times.begin(), times.end(),
              [](const auto& a, const auto& b) { return a.seconds > b.seconds; });
    std::printf("%-48s %12s\n", "kernel", "ms/run");
    for (const auto& k : times)
      std::printf("%-48s %12.4f\n", k.kernel.c_str(), k.seconds * 1e3 / std::max(1, flags.repeat));
  }
  return 0;
}

int compile_model(const std::string& model_path, const std::string& emit_dir,
                  const std::string& target) {
  check_target(target);
  pipeline::CompiledModel model = pipeline::CompiledModel::from_onnx_file(model_path);
  std::filesystem::create_directories(emit_dir);
  const std::string stem = std::filesystem::path(model_path).stem().string();
  const std::filesystem::path dir(emit_dir);
  write_text(dir / (stem + ".imported.sluice.txt"),
             ir::format_program(model.imported_program(), ir::ProgramFormat::Text));
  write_text(dir / (stem + ".expanded.sluice.txt"),
             ir::format_program(model.program(), ir::ProgramFormat::Text));
  write_text(dir / (stem + ".cpp"), model.source());
  std::cout << "compiled " << model_path << " in " << model.compile_seconds() * 1e3 << " ms\n"
            << "  " << (dir / (stem + ".imported.sluice.txt")).string()
            << "  the program as imported (one library node per ONNX node)\n"
            << "  " << (dir / (stem + ".expanded.sluice.txt")).string()
            << "  the program as compiled (maps and tasklets)\n"
            << "  " << (dir / (stem + ".cpp")).string() << "  the generated C++\n";
  return 0;
}

int demo_model(bool json) {
  const std::string_view bytes = samples::tiny_transformer_onnx();
  pipeline::CompiledModel model = pipeline::CompiledModel::from_onnx_bytes(
      std::string(bytes), "samples/models/tiny_transformer.onnx");
  const ir::analysis::Report report = ir::analysis::build_report(model.program(), {});
  if (json) {
    std::cout << report.to_json().dump(2) << '\n';
    return 0;
  }
  // Random tokens (seed printed), the last quarter of the sequence padded out by the mask.
  const unsigned seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  ir::Tensor tokens = ir::Tensor::zeros(ir::DType::i64, {1, 16});
  ir::Tensor mask = ir::Tensor::zeros(ir::DType::f32, {1, 16});
  for (int i = 0; i < 16; ++i) {
    tokens.data<std::int64_t>()[i] = static_cast<std::int64_t>(rng() % 64);
    mask.data<float>()[i] = i < 12 ? 1.0F : 0.0F;
  }
  const std::map<std::string, ir::Tensor> inputs{{"tokens", tokens}, {"mask", mask}};
  auto outputs = model.run(inputs);  // warm-up
  constexpr int kRuns = 20;
  std::vector<double> times;
  for (int i = 0; i < kRuns; ++i) {
    const auto start = std::chrono::steady_clock::now();
    outputs = model.run(inputs);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());

  std::size_t library_nodes = 0;
  for (const ir::StateId s : model.imported_program().states.ids())
    for (const ir::NodeId n : model.imported_program().states[s].graph.node_ids())
      library_nodes += std::holds_alternative<ir::LibraryNode>(
          model.imported_program().states[s].graph.node(n));
  const ir::Tensor& logits = outputs.at("logits");
  std::cout << "# Sluice demo: the embedded sample model samples/models/tiny_transformer.onnx\n"
            << "#   a 2-layer GPT-style decoder (hidden 32, 4 heads, vocabulary 64, sequence 16)\n\n"
            << "imported   " << library_nodes << " ONNX operators -> " << report.kernels.size()
            << " kernels after expansion\n"
            << "compiled   in " << model.compile_seconds() * 1e3 << " ms (C++/OpenMP, cached by content hash)\n"
            << "ran        median " << times[kRuns / 2] * 1e3 << " ms per forward over " << kRuns
            << " runs\n"
            << "inputs     tokens i64[1, 16] (random, seed " << seed << "), mask f32[1, 16]\n"
            << "output     logits f32[1, 16, 64]; next-token argmax per position:";
  for (int pos = 0; pos < 16; ++pos) {
    const float* row = logits.data<float>() + static_cast<std::ptrdiff_t>(pos) * 64;
    std::cout << ' ' << (std::max_element(row, row + 64) - row);
  }
  std::cout << "\n\n# Data movement of the compiled program (bytes per kernel and in total)\n\n"
            << report.to_text();
  return 0;
}

}  // namespace sluice::tools
