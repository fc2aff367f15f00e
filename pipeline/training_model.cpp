#include "pipeline/training_model.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "ir/builder.h"
#include "ir/diagnostic.h"
#include "ops/op_helpers.h"
#include "transforms/autodiff/gradient_builder.h"
#include "transforms/autodiff/reverse_mode.h"
#include "transforms/pipeline.h"
#include "transforms/registry.h"

namespace sluice::pipeline {
namespace {

std::string unique_name(const ir::Program& program, const std::string& base) {
  std::string name = base;
  for (int k = 2; program.find_container(name); ++k) name = base + "_" + std::to_string(k);
  return name;
}

std::string add_array(ir::Program& program, const std::string& base, ir::DType dtype,
                      std::vector<ir::Expr> shape) {
  ir::Container c;
  c.name = unique_name(program, base);
  c.dtype = dtype;
  c.strides = ir::contiguous_strides(shape);
  c.shape = std::move(shape);
  const std::string name = c.name;
  program.containers.add(std::move(c));
  return name;
}

/// A library node in `state` reading `inputs` from their current Access nodes there and writing
/// `outputs` to new ones (the same connector conventions as imported nodes).
void add_library(ir::Program& program, ir::StateId state, const std::string& label,
                 const std::string& op, const std::vector<std::string>& inputs,
                 const std::vector<std::string>& outputs, ir::Attributes attributes = {}) {
  ir::LibraryNode lib{label, op, {}, {}, std::move(attributes), "pure"};
  std::vector<ir::NodeId> sources;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    lib.inputs.push_back("in" + std::to_string(k));
    sources.push_back(autodiff::value_node(program, state, inputs[k]));
  }
  for (std::size_t k = 0; k < outputs.size(); ++k) lib.outputs.push_back("out" + std::to_string(k));
  ir::Graph& g = program.states[state].graph;
  const ir::NodeId n = g.add_node(std::move(lib));
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const ir::ContainerId data = std::get<ir::AccessNode>(g.node(sources[k])).data;
    g.add_edge(sources[k], "", n, "in" + std::to_string(k),
               ir::whole_memlet(data, program.containers[data].shape));
  }
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const ir::ContainerId data = *program.find_container(outputs[k]);
    const ir::NodeId out = g.add_node(ir::AccessNode{data});
    g.add_edge(n, "out" + std::to_string(k), out, "",
               ir::whole_memlet(data, program.containers[data].shape));
  }
}

std::vector<std::int64_t> static_shape(const ir::Container& c) {
  std::vector<std::int64_t> shape;
  for (const ir::Expr& d : c.shape) {
    const auto v = d.constant_value();
    if (!v) throw UserError("parameter '" + c.name + "'", "has a symbolic shape");
    shape.push_back(*v);
  }
  return shape;
}

ir::Tensor scalar(float value) {
  ir::Tensor t = ir::Tensor::zeros(ir::DType::f32, {});
  *t.data<float>() = value;
  return t;
}

}  // namespace

frontends::Model training_step(frontends::Model model, const TrainingOptions& options) {
  if (options.loss != "cross_entropy" && options.loss != "mse")
    throw UserError("--loss " + options.loss, "unknown loss (known: cross_entropy, mse)");
  if (options.optimizer != "sgd" && options.optimizer != "adam" && options.optimizer != "adamw")
    throw UserError("--optimizer " + options.optimizer,
                    "unknown optimizer (known: sgd, adam, adamw)");
  if (options.precision != "f32" && options.precision != "bf16" && options.precision != "f16")
    throw UserError("--precision " + options.precision,
                    "unknown precision (known: f32, bf16, f16)");
  if (model.parameters.empty())
    throw UserError("training", "the model has no float initializers to train");
  ir::Program& program = model.program;
  if (program.states.size() != 1)
    throw UserError("training", "the program must be one state of library nodes (as imported)");
  const ir::StateId main = program.start_state;

  // The output the loss reads.
  const frontends::ModelValue* out = nullptr;
  for (const auto& o : model.outputs)
    if (options.output.empty() || o.onnx_name == options.output) {
      out = &o;
      break;
    }
  if (out == nullptr) {
    std::string known;
    for (const auto& o : model.outputs) known += (known.empty() ? "" : ", ") + o.onnx_name;
    throw UserError("--output " + options.output,
                    "the model has no such output (its outputs: " + known + ")");
  }
  const ir::Container prediction = program.containers[*program.find_container(out->container)];
  if (!ir::is_float(prediction.dtype))
    throw UserError("output '" + out->onnx_name + "'", "is not a float value; no loss reads it");

  // Loss.
  const std::string loss = add_array(program, std::string(kLossOutput), prediction.dtype, {});
  std::string target;
  if (options.loss == "cross_entropy") {
    if (prediction.rank() < 2)
      throw UserError("output '" + out->onnx_name + "'",
                      "cross entropy needs scores of rank >= 2 (batch, ..., classes)");
    // SoftmaxCrossEntropyLoss takes the classes on axis 1: move the last axis there.
    std::vector<ir::Expr> label_shape(prediction.shape.begin(), prediction.shape.end() - 1);
    target = add_array(program, std::string(kTargetInput), ir::DType::i64, label_shape);
    std::string scores = out->container;
    if (prediction.rank() > 2) {
      std::vector<std::int64_t> perm{0, static_cast<std::int64_t>(prediction.rank()) - 1};
      std::vector<ir::Expr> shape{prediction.shape[0], prediction.shape.back()};
      for (std::size_t d = 1; d + 1 < prediction.rank(); ++d) {
        perm.push_back(static_cast<std::int64_t>(d));
        shape.push_back(prediction.shape[d]);
      }
      ir::Container t = prediction;
      t.name = unique_name(program, out->container + "_classes_first");
      t.shape = shape;
      t.strides = ir::contiguous_strides(shape);
      t.transient = true;
      program.containers.add(t);
      add_library(program, main, "loss/transpose", "Transpose", {scores}, {t.name},
                  {{"perm", perm}});
      scores = t.name;
    }
    add_library(program, main, "loss", "SoftmaxCrossEntropyLoss", {scores, target}, {loss},
                {{"reduction", std::string("mean")}});
  } else {
    target = add_array(program, std::string(kTargetInput), prediction.dtype, prediction.shape);
    add_library(program, main, "loss", "MSELoss", {out->container, target}, {loss},
                {{"reduction", std::string("mean")}});
  }

  // Backward, seeded with d loss / d loss = 1. The gradients are transients: the update reads
  // them in the same step, and between steps their memory serves other intermediates (the
  // forward's activations live before any gradient does).
  const std::string seed = add_array(program, "loss_seed", prediction.dtype, {});
  model.constants[seed] = scalar(1.0F);
  autodiff::BackwardRequest request;
  request.seeds[loss] = seed;
  std::map<std::string, std::string> grad_of;
  for (const auto& p : model.parameters) {
    const ir::Container c = program.containers[*program.find_container(p.container)];
    const std::string g = add_array(program, p.container + "_grad", c.dtype, c.shape);
    program.containers[*program.find_container(g)].transient = true;
    request.gradients[p.container] = g;
    grad_of[p.container] = g;
  }
  autodiff::append_backward(program, request);

  // Update: count the step, then one optimizer node per parameter, in place.
  const ir::StateId update = program.states.add(ir::State{"update", {}});
  program.interstate_edges.add(ir::InterstateEdge{main, update, std::nullopt, {}});
  const std::string step = add_array(program, "optimizer_step", ir::DType::f32, {});
  model.constants[step] = scalar(0.0F);
  {
    ir::GraphBuilder g(program, update);
    const ir::NodeId before = g.access(step);
    const ir::NodeId t = g.tasklet("count_step", {"s"}, {"so"},
                                   "so = s + " + ops::literal(ir::DType::f32, 1.0) + ";");
    g.read(before, "", t, "s");
    g.write(t, "so", g.access(step), "");
  }
  const double wd = options.weight_decay.value_or(options.optimizer == "adamw" ? 0.01 : 0.0);
  for (const auto& p : model.parameters) {
    const ir::Container c = program.containers[*program.find_container(p.container)];
    const auto shape = static_shape(c);
    const std::string label = p.onnx_name + "/update";
    if (options.optimizer == "sgd") {
      const ir::Attributes attrs{
          {"lr", options.lr}, {"momentum", options.momentum}, {"weight_decay", wd}};
      if (options.momentum == 0.0) {
        add_library(program, update, label, "SgdUpdate", {p.container, grad_of[p.container]},
                    {p.container}, attrs);
        continue;
      }
      const std::string v = add_array(program, p.container + "_velocity", c.dtype, c.shape);
      model.constants[v] = ir::Tensor::zeros(c.dtype, shape);
      add_library(program, update, label, "SgdUpdate", {p.container, grad_of[p.container], v},
                  {p.container, v}, attrs);
    } else {
      const std::string m = add_array(program, p.container + "_adam_m", c.dtype, c.shape);
      const std::string v = add_array(program, p.container + "_adam_v", c.dtype, c.shape);
      model.constants[m] = ir::Tensor::zeros(c.dtype, shape);
      model.constants[v] = ir::Tensor::zeros(c.dtype, shape);
      add_library(program, update, label,
                  options.optimizer == "adam" ? "AdamUpdate" : "AdamWUpdate",
                  {p.container, grad_of[p.container], m, v, step}, {p.container, m, v},
                  {{"lr", options.lr},
                   {"beta1", options.beta1},
                   {"beta2", options.beta2},
                   {"epsilon", options.epsilon},
                   {"weight_decay", wd}});
    }
  }
  // The forward outputs become values of the step (the loss is its only output).
  for (const auto& o : model.outputs) {
    const bool given = model.constants.contains(o.container) ||
                       std::any_of(model.inputs.begin(), model.inputs.end(),
                                   [&](const auto& in) { return in.container == o.container; });
    if (!given) program.containers[*program.find_container(o.container)].transient = true;
  }
  model.inputs.push_back({std::string(kTargetInput), target});
  model.outputs = {{std::string(kLossOutput), loss}};
  if (options.precision != "f32") {
    // Mixed precision is a transformation like any other; here it runs on the whole step
    // before any pipeline, while the program is still library nodes.
    const auto& registry = transforms::Registry::global();
    transforms::run_pipeline(
        program,
        transforms::parse_pipeline("mixed-precision{dtype=" + options.precision + "}", registry),
        registry);
  }
  return model;
}

}  // namespace sluice::pipeline
