#include "tools/train_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>

#include "frontends/onnx/initializer_writer.h"
#include "frontends/onnx/onnx_importer.h"
#include "ir/diagnostic.h"
#include "pipeline/compiled_model.h"
#include "pipeline/npz.h"

namespace sluice::tools {
namespace {

// Rows [first, first + count) of a tensor's axis 0.
ir::Tensor rows(const ir::Tensor& t, std::int64_t first, std::int64_t count) {
  ir::Tensor out = t;
  out.shape[0] = count;
  const std::size_t row_bytes = t.bytes.size() / static_cast<std::size_t>(t.shape[0]);
  out.bytes.assign(t.bytes.begin() + static_cast<std::ptrdiff_t>(first * row_bytes),
                   t.bytes.begin() + static_cast<std::ptrdiff_t>((first + count) * row_bytes));
  return out;
}

float loss_value(const ir::Tensor& t) {
  float v = 0.0F;
  if (t.dtype == ir::DType::f32) std::memcpy(&v, t.bytes.data(), sizeof v);
  if (t.dtype == ir::DType::f64) {
    double d = 0.0;
    std::memcpy(&d, t.bytes.data(), sizeof d);
    v = static_cast<float>(d);
  }
  return v;
}

// The bar redraws in place on a terminal; in a log it would be one line per step, so there the
// loss lines (--log-every) are the progress.
void progress(int step, int steps, float loss, double ms_per_step) {
  if (isatty(fileno(stderr)) == 0) return;
  constexpr int kWidth = 30;
  const int filled = steps > 0 ? step * kWidth / steps : kWidth;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\rstep %d/%d [%s] loss %.6g  %.2f ms/step", step, steps, bar.c_str(),
               static_cast<double>(loss), ms_per_step);
  std::fflush(stderr);
}

}  // namespace

int train_model(const TrainFlags& flags) {
  const PreparedTransforms prepared = prepare_transforms(flags.transforms);
  const auto data = pipeline::read_npz(flags.data);
  frontends::ImportOptions import;
  import.keep_parameters = true;
  frontends::Model model =
      pipeline::training_step(frontends::import_onnx_file(flags.model, import), flags.training);
  pipeline::CompileOptions options;
  if (!prepared.source.empty()) {
    const transforms::Recipe applied = prepared.apply(model.program);
    std::cerr << "sluice: applied " << applied.steps.size() << " transformation"
              << (applied.steps.size() == 1 ? "" : "s") << " (" << prepared.source
              << ", instead of the default pipeline)\n";
    options.pipeline.clear();
  }
  pipeline::CompiledModel step = pipeline::CompiledModel::from_model(std::move(model), options);
  std::cerr << "sluice: compiled the training step of " << flags.model << " in "
            << step.compile_seconds() * 1e3 << " ms\n";

  // Every input (and the target) from the data, all with the same number of samples.
  std::vector<Diagnostic> problems;
  std::int64_t samples = -1;
  std::int64_t batch = flags.batch_size;
  for (const auto& v : step.inputs()) {
    const auto it = data.find(v.name);
    if (it == data.end()) {
      problems.push_back({Severity::Error,
                          flags.data,
                          "no array '" + v.name + "' (give one per model input, and 'target')",
                          {}});
      continue;
    }
    if (it->second.shape.empty()) {
      problems.push_back({Severity::Error,
                          flags.data + ": '" + v.name + "'",
                          "is a scalar; samples go along axis 0",
                          {}});
      continue;
    }
    if (samples >= 0 && it->second.shape[0] != samples)
      problems.push_back({Severity::Error,
                          flags.data + ": '" + v.name + "'",
                          "has " + std::to_string(it->second.shape[0]) + " samples, other arrays " +
                              std::to_string(samples),
                          {}});
    samples = it->second.shape[0];
    if (!v.shape.empty() && v.shape[0].constant_value() && batch == 0)
      batch = *v.shape[0].constant_value();
  }
  for (const auto& [name, t] : data)
    if (std::none_of(step.inputs().begin(), step.inputs().end(),
                     [&](const auto& v) { return v.name == name; }))
      problems.push_back({Severity::Error,
                          flags.data + ": '" + name + "'",
                          "is not an input of the model (nor 'target')",
                          {}});
  if (!problems.empty()) throw UserError(std::move(problems));
  if (batch <= 0) batch = samples;
  if (samples < batch || samples % batch != 0)
    throw UserError(flags.data, std::to_string(samples) + " samples do not split into batches of " +
                                    std::to_string(batch));

  const int log_every = flags.log_every > 0 ? flags.log_every : std::max(1, flags.steps / 10);
  const auto start = std::chrono::steady_clock::now();
  float last = 0.0F;
  for (int s = 1; s <= flags.steps; ++s) {
    const std::int64_t first = ((s - 1) * batch) % samples;
    std::map<std::string, ir::Tensor> feed;
    for (const auto& v : step.inputs()) feed[v.name] = rows(data.at(v.name), first, batch);
    last = loss_value(step.run(feed).at(std::string(pipeline::kLossOutput)));
    if (!std::isfinite(last)) {
      std::fprintf(stderr, "\n");
      throw UserError("step " + std::to_string(s), "the loss is not finite; lower --lr");
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count() /
        s;
    progress(s, flags.steps, last, ms);
    if (s % log_every == 0 || s == flags.steps) {
      if (isatty(fileno(stderr)) != 0) std::fprintf(stderr, "\n");
      std::printf("step %d loss %.6g\n", s, static_cast<double>(last));
      std::fflush(stdout);
    }
  }
  if (!flags.save.empty()) {
    frontends::write_initializers(flags.model, flags.save, step.parameters());
    std::cerr << "sluice: wrote the trained model to " << flags.save << '\n';
  }
  return 0;
}

}  // namespace sluice::tools
