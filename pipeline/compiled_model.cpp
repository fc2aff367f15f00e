#include "pipeline/compiled_model.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <set>
#include <utility>

#include "codegen/compiler_route.h"
#include "codegen/cpu/cpu_generator.h"
#include "codegen/executable.h"
#include "frontends/onnx/onnx_importer.h"
#include "ir/diagnostic.h"
#include "ir/text_format.h"
#include "ir/verifier.h"
#include "ops/expansion.h"
#include "pipeline/gradient_model.h"
#include "transforms/pipeline.h"
#include "transforms/registry.h"

namespace sluice::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string shape_str(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string shape_str(const std::vector<ir::Expr>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + shape[i].str();
  return s + "]";
}

/// Library nodes that OpenBLAS implements: f32/f64 MatMul and Gemm.
void choose_blas(ir::Program& program) {
  for (const ir::StateId s : program.states.ids()) {
    ir::Graph& g = program.states[s].graph;
    for (const ir::NodeId n : g.node_ids()) {
      auto* lib = std::get_if<ir::LibraryNode>(&g.node(n));
      if (!lib || (lib->op != "MatMul" && lib->op != "Gemm")) continue;
      bool float_data = true;
      for (const ir::EdgeId e : g.out_edges(n)) {
        const ir::Memlet& m = g.edge(e).memlet;
        if (m.empty()) continue;
        const ir::DType t = program.containers[m.data].dtype;
        float_data = float_data && (t == ir::DType::f32 || t == ir::DType::f64);
      }
      if (float_data) lib->implementation = "blas";
    }
  }
}

/// Replays `options.recipe`, or else runs `options.pipeline`, on the imported program.
void run_pipeline(ir::Program& program, const CompileOptions& options) {
  const transforms::Registry& registry = transforms::Registry::global();
  if (options.recipe) {
    transforms::replay(program, *options.recipe, registry);
    return;
  }
  if (options.pipeline.empty()) return;
  std::vector<transforms::PipelineStep> steps =
      transforms::parse_pipeline(options.pipeline, registry);
  if (!options.blas)
    for (transforms::PipelineStep& step : steps)
      if (step.transformation == "expand") step.params["impl"] = std::string("pure");
  transforms::run_pipeline(program, steps, registry);
}

/// The value of a dimension under the bound symbols; nullopt while a symbol is unbound.
std::optional<std::int64_t> evaluate_dim(const ir::Expr& dim,
                                         const std::map<std::string, std::int64_t>& symbols) {
  for (const std::string& s : dim.free_symbols())
    if (!symbols.contains(s)) return std::nullopt;
  return dim.evaluate(symbols);
}

frontends::ImportOptions import_options(const CompileOptions& options) {
  frontends::ImportOptions import;
  import.input_shapes = options.input_shapes;
  import.keep_parameters = options.gradients != Gradients::None || options.parameters_as_inputs ||
                           options.training.has_value();
  return import;
}

/// The imported model made into the program `options` asks for.
frontends::Model prepare(frontends::Model model, const CompileOptions& options) {
  if (options.parameters_as_inputs) model = parameters_as_inputs(std::move(model));
  switch (options.gradients) {
    case Gradients::None: break;
    case Gradients::Combined: model = with_gradients(std::move(model)); break;
    case Gradients::SavingForward: model = split_gradients(std::move(model)).forward; break;
    case Gradients::BackwardFromSaved: model = split_gradients(std::move(model)).backward; break;
  }
  if (options.training) model = training_step(std::move(model), *options.training);
  return model;
}

}  // namespace

struct CompiledModel::Impl {
  frontends::Model model;
  ir::Program program;
  codegen::GeneratedSource source;
  std::optional<codegen::Executable> executable;
  std::vector<ValueInfo> inputs;
  std::vector<ValueInfo> outputs;
  double compile_seconds = 0.0;
  std::map<std::string, std::int64_t> bound_symbols;  // the values the executable was set up for
  bool initialized = false;

  [[nodiscard]] const ir::Container& container(const std::string& name) const {
    return program.containers[*program.find_container(name)];
  }

  /// Checks the inputs against the graph inputs and binds the program's symbols from them.
  [[nodiscard]] std::map<std::string, std::int64_t> bind(
      const std::map<std::string, TensorRef>& given) const {
    std::vector<Diagnostic> problems;
    for (const auto& [name, tensor] : given) {
      const bool known = std::any_of(inputs.begin(), inputs.end(),
                                     [&](const ValueInfo& v) { return v.name == name; });
      if (!known) {
        std::string expected;
        for (const ValueInfo& v : inputs) expected += (expected.empty() ? "" : ", ") + v.name;
        problems.push_back({Severity::Error,
                            "input '" + name + "'",
                            "the model has no such input (its inputs: " + expected + ")",
                            {}});
      }
    }
    std::map<std::string, std::int64_t> symbols;
    // Pass 1: bare symbols bind; pass 2: every dimension must then evaluate to the given size.
    for (const ValueInfo& v : inputs) {
      const auto it = given.find(v.name);
      if (it == given.end()) {
        problems.push_back(
            {Severity::Error,
             "input '" + v.name + "'",
             "missing (expected " + std::string(ir::dtype_name(v.dtype)) + shape_str(v.shape) + ")",
             {}});
        continue;
      }
      const TensorRef& t = it->second;
      if (t.dtype != v.dtype || t.shape.size() != v.shape.size()) continue;  // reported below
      for (std::size_t d = 0; d < v.shape.size(); ++d)
        if (v.shape[d].is_symbol() && !symbols.contains(v.shape[d].symbol_name()))
          symbols[v.shape[d].symbol_name()] = t.shape[d];
    }
    for (const ValueInfo& v : inputs) {
      const auto it = given.find(v.name);
      if (it == given.end()) continue;
      const TensorRef& t = it->second;
      bool ok = t.dtype == v.dtype && t.shape.size() == v.shape.size();
      for (std::size_t d = 0; ok && d < v.shape.size(); ++d) {
        const std::optional<std::int64_t> size = evaluate_dim(v.shape[d], symbols);
        ok = size && *size == t.shape[d];
      }
      if (!ok)
        problems.push_back({Severity::Error,
                            "input '" + v.name + "'",
                            "expected " + std::string(ir::dtype_name(v.dtype)) +
                                shape_str(v.shape) + ", got " +
                                std::string(ir::dtype_name(t.dtype)) + shape_str(t.shape),
                            {}});
    }
    if (!problems.empty()) throw UserError(std::move(problems));
    for (const auto& [symbol, type] : program.symbols)
      if (!symbols.contains(symbol))
        throw UserError("symbol '" + symbol + "'",
                        "no input shape determines it; fix it with input_shapes");
    return symbols;
  }

  /// Runs on checked buffers for bound symbols (re-initializing when the symbols changed).
  void execute(const std::map<std::string, std::int64_t>& symbols,
               const std::map<std::string, TensorRef>& in,
               const std::map<std::string, TensorRef>& out) {
    if (!initialized || symbols != bound_symbols) {
      executable->init(symbols);
      bound_symbols = symbols;
      initialized = true;
    }
    // Arguments in the generated code's order: inputs, outputs, and constants by container.
    std::map<std::string, void*> by_container;
    for (const ValueInfo& v : inputs) by_container[v.container] = in.at(v.name).data;
    for (const ValueInfo& v : outputs) by_container[v.container] = out.at(v.name).data;
    for (auto& [name, tensor] : model.constants)
      by_container.try_emplace(name, static_cast<void*>(tensor.bytes.data()));
    std::vector<void*> args;
    args.reserve(source.arguments.size());
    for (const std::string& name : source.arguments) {
      const auto it = by_container.find(name);
      SLUICE_CHECK(it != by_container.end(), "argument '" + name + "' has no data");
      args.push_back(it->second);
    }
    executable->run(args);
    // An output that import folded to a constant (or that is an initializer) is never written
    // by the program: its value is the constant.
    for (const ValueInfo& v : outputs) {
      const auto it = model.constants.find(v.container);
      if (it != model.constants.end())
        std::memcpy(out.at(v.name).data, it->second.bytes.data(), it->second.bytes.size());
    }
  }

  [[nodiscard]] std::vector<std::int64_t> evaluate_shape(
      const ValueInfo& v, const std::map<std::string, std::int64_t>& symbols) const {
    std::vector<std::int64_t> shape;
    shape.reserve(v.shape.size());
    for (const ir::Expr& d : v.shape) shape.push_back(*evaluate_dim(d, symbols));
    return shape;
  }
};

CompiledModel::CompiledModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CompiledModel::CompiledModel(CompiledModel&&) noexcept = default;
CompiledModel& CompiledModel::operator=(CompiledModel&&) noexcept = default;
CompiledModel::~CompiledModel() = default;

CompiledModel CompiledModel::from_onnx_file(const std::string& path,
                                            const CompileOptions& options) {
  const auto start = Clock::now();
  frontends::Model model = frontends::import_onnx_file(path, import_options(options));
  CompiledModel m = from_model(prepare(std::move(model), options), options);
  m.impl_->compile_seconds = seconds_since(start);
  return m;
}

CompiledModel CompiledModel::from_onnx_bytes(const std::string& bytes, const std::string& origin,
                                             const CompileOptions& options) {
  const auto start = Clock::now();
  frontends::Model model =
      frontends::import_onnx_bytes(bytes, origin, ".", import_options(options));
  CompiledModel m = from_model(prepare(std::move(model), options), options);
  m.impl_->compile_seconds = seconds_since(start);
  return m;
}

CompiledModel CompiledModel::from_model(frontends::Model model, const CompileOptions& options) {
  const auto start = Clock::now();
  auto impl = std::make_unique<Impl>();
  impl->program = model.program;
  run_pipeline(impl->program, options);
  if (options.blas) choose_blas(impl->program);
  ops::expand_all(impl->program,
                  options.blas ? std::set<std::string>{"blas"} : std::set<std::string>{});
  codegen::CpuOptions cpu;
  cpu.timers = options.timers;
  impl->source = codegen::generate_cpu(impl->program, cpu);
  codegen::CompilerOptions compiler_options;
  compiler_options.opt_level = options.opt_level;
  impl->executable.emplace(
      codegen::make_compiler(compiler_options)->compile_and_load(impl->source));
  const auto info = [&](const frontends::ModelValue& v) {
    const ir::Container& c = impl->program.containers[*impl->program.find_container(v.container)];
    return ValueInfo{v.onnx_name, v.container, c.dtype, c.shape};
  };
  for (const auto& v : model.inputs) impl->inputs.push_back(info(v));
  for (const auto& v : model.outputs) impl->outputs.push_back(info(v));
  impl->model = std::move(model);
  impl->compile_seconds = seconds_since(start);
  return CompiledModel(std::move(impl));
}

const std::vector<ValueInfo>& CompiledModel::inputs() const { return impl_->inputs; }
const std::vector<ValueInfo>& CompiledModel::outputs() const { return impl_->outputs; }
const ir::Program& CompiledModel::imported_program() const { return impl_->model.program; }
const ir::Program& CompiledModel::program() const { return impl_->program; }
const std::string& CompiledModel::source() const { return impl_->source.code; }
double CompiledModel::compile_seconds() const { return impl_->compile_seconds; }

std::map<std::string, std::vector<std::int64_t>> CompiledModel::output_shapes(
    const std::map<std::string, TensorRef>& inputs) const {
  const auto symbols = impl_->bind(inputs);
  std::map<std::string, std::vector<std::int64_t>> shapes;
  for (const ValueInfo& v : impl_->outputs) shapes[v.name] = impl_->evaluate_shape(v, symbols);
  return shapes;
}

void CompiledModel::run(const std::map<std::string, TensorRef>& inputs,
                        const std::map<std::string, TensorRef>& outputs) {
  const auto symbols = impl_->bind(inputs);
  for (const ValueInfo& v : impl_->outputs) {
    const auto it = outputs.find(v.name);
    SLUICE_CHECK(it != outputs.end() && it->second.data != nullptr,
                 "output '" + v.name + "' has no buffer");
    SLUICE_CHECK(it->second.shape == impl_->evaluate_shape(v, symbols),
                 "output '" + v.name + "' buffer has the wrong shape");
  }
  impl_->execute(symbols, inputs, outputs);
}

std::map<std::string, ir::Tensor> CompiledModel::run(
    const std::map<std::string, ir::Tensor>& inputs) {
  std::map<std::string, TensorRef> refs;
  for (const auto& [name, tensor] : inputs)
    refs[name] = {tensor.dtype, tensor.shape, const_cast<std::byte*>(tensor.bytes.data())};
  const auto symbols = impl_->bind(refs);
  std::map<std::string, ir::Tensor> results;
  std::map<std::string, TensorRef> out_refs;
  for (const ValueInfo& v : impl_->outputs) {
    ir::Tensor& t = results[v.name] = ir::Tensor::zeros(v.dtype, impl_->evaluate_shape(v, symbols));
    out_refs[v.name] = {t.dtype, t.shape, t.bytes.data()};
  }
  impl_->execute(symbols, refs, out_refs);
  return results;
}

std::vector<KernelTime> CompiledModel::kernel_times() const {
  std::vector<KernelTime> times;
  const auto seconds = impl_->executable->kernel_times();
  for (std::size_t i = 0; i < seconds.size() && i < impl_->source.kernels.size(); ++i)
    times.push_back({impl_->source.kernels[i], seconds[i]});
  return times;
}

std::size_t CompiledModel::transient_bytes() const { return impl_->executable->transient_bytes(); }

std::map<std::string, ir::Tensor> CompiledModel::parameters() const {
  std::map<std::string, ir::Tensor> out;
  for (const auto& p : impl_->model.parameters) {
    const auto it = impl_->model.constants.find(p.container);
    if (it != impl_->model.constants.end()) out.emplace(p.onnx_name, it->second);
  }
  return out;
}

}  // namespace sluice::pipeline
