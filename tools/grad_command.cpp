#include "tools/grad_command.h"

#include <iostream>
#include <map>

#include "frontends/onnx/onnx_importer.h"
#include "ir/diagnostic.h"
#include "pipeline/compiled_model.h"
#include "pipeline/gradient_model.h"
#include "pipeline/npz.h"

namespace sluice::tools {
int grad_model(const GradFlags& flags) {
  if (flags.target != "cpu")
    throw UserError("--target " + flags.target,
                    "this build generates code for the CPU only ('--target cpu')");
  const PreparedTransforms prepared = prepare_transforms(flags.transforms);
  const auto inputs = pipeline::read_npz(flags.inputs);
  const auto seeds = pipeline::read_npz(flags.seed);

  frontends::ImportOptions import;
  import.keep_parameters = true;
  frontends::Model model =
      pipeline::with_gradients(frontends::import_onnx_file(flags.model, import));
  pipeline::CompileOptions options;
  if (!prepared.source.empty()) {
    const transforms::Recipe applied = prepared.apply(model.program);
    std::cerr << "sluice: applied " << applied.steps.size() << " transformation"
              << (applied.steps.size() == 1 ? "" : "s") << " (" << prepared.source
              << ", instead of the default pipeline)\n";
    options.pipeline.clear();
  }
  pipeline::CompiledModel compiled = pipeline::CompiledModel::from_model(std::move(model), options);

  // The seeds, checked against the outputs they belong to; the rest of the feed is the inputs.
  std::map<std::string, ir::Tensor> feed = inputs;
  std::vector<Diagnostic> problems;
  const std::string suffix(pipeline::kSeedSuffix);
  std::map<std::string, const pipeline::ValueInfo*> seeded;
  for (const auto& v : compiled.inputs())
    if (v.name.ends_with(suffix)) seeded[v.name.substr(0, v.name.size() - suffix.size())] = &v;
  for (const auto& [name, tensor] : seeds) {
    if (!seeded.contains(name)) {
      std::string known;
      for (const auto& [out, v] : seeded) known += (known.empty() ? "" : ", ") + out;
      problems.push_back({Severity::Error,
                          flags.seed + ": '" + name + "'",
                          "not a float output of the model (its float outputs: " + known + ")",
                          {}});
      continue;
    }
    feed[name + suffix] = tensor;
  }
  for (const auto& [out, v] : seeded)
    if (!seeds.contains(out))
      problems.push_back({Severity::Error,
                          flags.seed,
                          "no seed for output '" + out + "' (give one array per output, shaped " +
                              "like the output)",
                          {}});
  if (!problems.empty()) throw UserError(std::move(problems));

  // A seed of the wrong shape or dtype is reported as input "<output>@seed".
  const auto results = compiled.run(feed);
  std::map<std::string, ir::Tensor> grads;
  const std::string grad_suffix(pipeline::kGradSuffix);
  for (const auto& [name, tensor] : results)
    if (name.ends_with(grad_suffix))
      grads[name.substr(0, name.size() - grad_suffix.size())] = tensor;
  pipeline::write_npz(flags.output_file, grads);
  std::cerr << "sluice: gradients of " << flags.model << " (compiled in "
            << compiled.compile_seconds() * 1e3 << " ms); wrote " << grads.size() << " gradient"
            << (grads.size() == 1 ? "" : "s") << " to " << flags.output_file << '\n';
  return 0;
}

}  // namespace sluice::tools
