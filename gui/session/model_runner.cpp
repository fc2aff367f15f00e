#include "gui/session/model_runner.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "pipeline/compiled_model.h"

namespace sluice::gui {

namespace {

/// Floats uniform in [-1, 1); integers (token ids, indices) in [0, 8) so they index anything.
ir::Tensor random_tensor(const pipeline::ValueInfo& info, std::mt19937_64& rng) {
  std::vector<std::int64_t> shape;
  shape.reserve(info.shape.size());
  for (const ir::Expr& d : info.shape) shape.push_back(d.evaluate({}));
  ir::Tensor t = ir::Tensor::zeros(info.dtype, shape);
  const std::int64_t n = t.num_elements();
  switch (info.dtype) {
    case ir::DType::f32: {
      std::uniform_real_distribution<float> u(-1.0F, 1.0F);
      std::generate_n(t.data<float>(), n, [&] { return u(rng); });
      break;
    }
    case ir::DType::f64: {
      std::uniform_real_distribution<double> u(-1.0, 1.0);
      std::generate_n(t.data<double>(), n, [&] { return u(rng); });
      break;
    }
    case ir::DType::i64: {
      std::uniform_int_distribution<std::int64_t> u(0, 7);
      std::generate_n(t.data<std::int64_t>(), n, [&] { return u(rng); });
      break;
    }
    case ir::DType::i32: {
      std::uniform_int_distribution<std::int32_t> u(0, 7);
      std::generate_n(t.data<std::int32_t>(), n, [&] { return u(rng); });
      break;
    }
    default: break;  // zeros
  }
  return t;
}

double max_difference(const ir::Tensor& a, const ir::Tensor& b) {
  double worst = 0.0;
  const std::int64_t n = std::min(a.num_elements(), b.num_elements());
  if (a.dtype == ir::DType::f32)
    for (std::int64_t i = 0; i < n; ++i)
      worst =
          std::max(worst, static_cast<double>(std::fabs(a.data<float>()[i] - b.data<float>()[i])));
  else if (a.dtype == ir::DType::f64)
    for (std::int64_t i = 0; i < n; ++i)
      worst = std::max(worst, std::fabs(a.data<double>()[i] - b.data<double>()[i]));
  return worst;
}

}  // namespace

RunReport compile_and_compare(const RunRequest& request, const RunProgress& progress) {
  RunReport report;
  report.seed = request.seed;
  const auto step = [&](int i, const std::string& what) {
    if (progress) progress(i, 4, what);
  };
  try {
    step(0, "compiling the unoptimized program");
    pipeline::CompileOptions plain;
    plain.pipeline.clear();
    pipeline::CompiledModel reference =
        pipeline::CompiledModel::from_onnx_file(request.model_path, plain);
    step(1, "compiling the optimized program");
    pipeline::CompileOptions optimized_options;
    optimized_options.recipe = request.recipe;
    pipeline::CompiledModel optimized =
        pipeline::CompiledModel::from_onnx_file(request.model_path, optimized_options);
    report.compile_seconds = optimized.compile_seconds();

    step(2, "running on random inputs (seed " + std::to_string(request.seed) + ")");
    std::mt19937_64 rng(request.seed);
    std::map<std::string, ir::Tensor> inputs;
    for (const pipeline::ValueInfo& v : reference.inputs()) inputs[v.name] = random_tensor(v, rng);
    const auto expected = reference.run(inputs);
    std::map<std::string, ir::Tensor> got;
    for (int r = 0; r < std::max(1, request.repeats); ++r) got = optimized.run(inputs);

    step(3, "comparing outputs");
    for (const auto& [name, tensor] : expected)
      if (const auto it = got.find(name); it != got.end())
        report.max_error = std::max(report.max_error, max_difference(tensor, it->second));
    for (const pipeline::KernelTime& k : optimized.kernel_times())
      report.kernel_times.push_back({k.kernel, k.seconds / std::max(1, request.repeats)});
    report.ok = true;
  } catch (const std::exception& e) {
    report.diagnostic = e.what();
  }
  return report;
}

}  // namespace sluice::gui
