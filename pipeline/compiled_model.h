#pragma once
/// The end-to-end CPU path: an ONNX model (file or bytes) → library nodes → expanded maps and
/// tasklets → generated C++ → compiled, cached shared object → runs on tensors.
///
///   pipeline::CompiledModel m = pipeline::CompiledModel::from_onnx_file("model.onnx");
///   auto outputs = m.run({{"x", x}});          // keyed by ONNX names
///
/// The CLI (`sluice run`, `sluice compile`), Python (`sluice.compile_onnx`, the ONNX backend,
/// `sluice.from_torch`) and the GUI all go through this class.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/program.h"
#include "ir/tensor.h"
#include "pipeline/default_pipeline.h"
#include "pipeline/training_model.h"
#include "transforms/recipe.h"

namespace sluice::frontends {
struct Model;
}

namespace sluice::pipeline {

/// Which program of the vector-Jacobian product (pipeline/gradient_model.h) to compile.
enum class Gradients {
  None,               ///< the model as it is
  Combined,           ///< forward and backward in one program (`with_gradients`)
  SavingForward,      ///< the forward, also returning the `<name>@saved` values
  BackwardFromSaved,  ///< the backward, from seeds and the `<name>@saved` values
};

struct CompileOptions {
  /// Use OpenBLAS for f32/f64 MatMul and Gemm (else their pure expansion).
  bool blas = true;
  /// The transformations applied to the imported program before code generation, a pipeline in
  /// the spelling of transforms/pipeline.h (empty: none). Library nodes it leaves are expanded
  /// afterwards (BLAS kept when `blas`); without `blas`, its `expand` steps that would choose
  /// BLAS expand the pure way.
  std::string pipeline = std::string(kDefaultPipeline);
  /// A recorded recipe (transforms/recipe.h) replayed on the imported program instead of
  /// `pipeline`; a step that does not apply is a UserError naming the step.
  std::optional<transforms::Recipe> recipe;
  /// Optimization level of the generated C++ (0-3).
  int opt_level = 3;
  /// Accumulate per-kernel times.
  bool timers = true;
  /// Compile the vector-Jacobian product too (pipeline/gradient_model.h): inputs gain one seed
  /// per float output (`<output>@seed`), outputs one gradient per float parameter and input
  /// (`<name>@grad`); or one of its two halves (`split_gradients`).
  Gradients gradients = Gradients::None;
  /// Float initializers become inputs (by ONNX name) instead of constants baked into the
  /// model, so the caller owns them (sluice.torch.Module shares torch's parameters this way).
  bool parameters_as_inputs = false;
  /// Compile a training step instead (pipeline/training_model.h): loss, backward, optimizer.
  std::optional<TrainingOptions> training;
  /// Fix the shapes of graph inputs (by ONNX name) before shape inference.
  std::map<std::string, std::vector<std::int64_t>> input_shapes;
};

/// A graph input or output: its ONNX name, its container, element type and (symbolic) shape.
struct ValueInfo {
  std::string name;
  std::string container;
  ir::DType dtype = ir::DType::f32;
  std::vector<ir::Expr> shape;
};

/// A tensor the caller owns (no copy is made): Python passes numpy buffers this way.
struct TensorRef {
  ir::DType dtype = ir::DType::f32;
  std::vector<std::int64_t> shape;
  void* data = nullptr;
};

/// Seconds spent in one kernel over the runs so far.
struct KernelTime {
  std::string kernel;
  double seconds = 0.0;
};

class CompiledModel {
public:
  static CompiledModel from_onnx_file(const std::string& path, const CompileOptions& options = {});
  static CompiledModel from_onnx_bytes(const std::string& bytes, const std::string& origin,
                                       const CompileOptions& options = {});
  /// Compiles an imported model (expands it, generates C++, compiles and loads it).
  static CompiledModel from_model(frontends::Model model, const CompileOptions& options = {});

  CompiledModel(CompiledModel&&) noexcept;
  CompiledModel& operator=(CompiledModel&&) noexcept;
  ~CompiledModel();

  [[nodiscard]] const std::vector<ValueInfo>& inputs() const;
  [[nodiscard]] const std::vector<ValueInfo>& outputs() const;
  /// The program as imported (library nodes) and as compiled (expanded).
  [[nodiscard]] const ir::Program& imported_program() const;
  [[nodiscard]] const ir::Program& program() const;
  /// The generated C++ source.
  [[nodiscard]] const std::string& source() const;
  /// Seconds spent importing+expanding, generating, and compiling (0 when cached).
  [[nodiscard]] double compile_seconds() const;

  /// The output shapes for these input shapes; checks dtypes and shapes (a UserError naming the
  /// input, what was expected and what was given) and binds the symbols.
  [[nodiscard]] std::map<std::string, std::vector<std::int64_t>> output_shapes(
      const std::map<std::string, TensorRef>& inputs) const;
  /// Runs on caller-owned memory: every input and every output (shaped by `output_shapes`).
  void run(const std::map<std::string, TensorRef>& inputs,
           const std::map<std::string, TensorRef>& outputs);
  /// Runs on tensors, returning fresh output tensors keyed by ONNX name. Missing or extra
  /// inputs, or a wrong dtype or shape, are UserErrors.
  std::map<std::string, ir::Tensor> run(const std::map<std::string, ir::Tensor>& inputs);

  [[nodiscard]] std::vector<KernelTime> kernel_times() const;
  /// Bytes the compiled code holds for transients (one arena, planned by liveness, plus the
  /// buffers outside it); compare with the footprint analysis' peak.
  [[nodiscard]] std::size_t transient_bytes() const;

  /// The current values of the parameters (float initializers) the model owns, by ONNX name; a
  /// training step (training_model.h) updates them in place.
  [[nodiscard]] std::map<std::string, ir::Tensor> parameters() const;

private:
  struct Impl;
  explicit CompiledModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::pipeline
