#include "pipeline/gradient_model.h"

#include <algorithm>
#include <utility>

#include "transforms/autodiff/reverse_mode.h"

namespace sluice::pipeline {
namespace {

// A new argument container shaped like `like`, named `<like>_<suffix>` (made unique).
std::string add_argument(ir::Program& program, const std::string& like, const std::string& suffix) {
  ir::Container c = program.containers[*program.find_container(like)];
  const std::string base = like + "_" + suffix;
  std::string name = base;
  for (int k = 2; program.find_container(name); ++k) name = base + "_" + std::to_string(k);
  c.name = name;
  c.transient = false;
  c.view.reset();
  c.kind = ir::ContainerKind::Array;
  c.strides = ir::contiguous_strides(c.shape);
  c.offset = ir::Expr(0);
  program.containers.add(std::move(c));
  return name;
}

bool is_float_container(const ir::Program& program, const std::string& name) {
  return ir::is_float(program.containers[*program.find_container(name)].dtype);
}

}  // namespace

frontends::Model with_gradients(frontends::Model model) {
  ir::Program& program = model.program;
  autodiff::BackwardRequest request;
  std::vector<frontends::ModelValue> seeds;
  std::vector<frontends::ModelValue> gradients;
  for (const auto& out : model.outputs) {
    // An output folded to a constant at import depends on nothing.
    if (!is_float_container(program, out.container) || model.constants.contains(out.container))
      continue;
    const std::string seed = add_argument(program, out.container, "seed");
    request.seeds[out.container] = seed;
    seeds.push_back({out.onnx_name + std::string(kSeedSuffix), seed});
  }
  std::vector<frontends::ModelValue> wrt = model.parameters;
  for (const auto& in : model.inputs)
    if (is_float_container(program, in.container) &&
        std::none_of(wrt.begin(), wrt.end(),
                     [&](const frontends::ModelValue& p) { return p.container == in.container; }))
      wrt.push_back(in);
  for (const auto& v : wrt) {
    const std::string grad = add_argument(program, v.container, "grad");
    request.gradients[v.container] = grad;
    gradients.push_back({v.onnx_name + std::string(kGradSuffix), grad});
  }
  autodiff::append_backward(program, request);
  model.inputs.insert(model.inputs.end(), seeds.begin(), seeds.end());
  model.outputs.insert(model.outputs.end(), gradients.begin(), gradients.end());
  return model;
}

frontends::Model parameters_as_inputs(frontends::Model model) {
  for (const auto& p : model.parameters) {
    model.constants.erase(p.container);
    model.inputs.push_back(p);
  }
  return model;
}

}  // namespace sluice::pipeline
