// Bindings of the end-to-end CPU path (pipeline/compiled_model.h): compile an ONNX model and run
// it on numpy arrays. Inputs are passed without copying when they are C-contiguous and of the
// model's dtype; outputs are numpy arrays the generated code writes into directly.
#include "python/pipeline_bindings.h"

#include <cstring>
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "ir/diagnostic.h"
#include "ops/op_registry.h"
#include "pipeline/compiled_model.h"

namespace sluice::python {
namespace {

using pipeline::CompiledModel;
using pipeline::CompileOptions;
using pipeline::TensorRef;
using pipeline::ValueInfo;

py::dtype numpy_dtype(ir::DType t) {
  switch (t) {
    case ir::DType::f32: return py::dtype("float32");
    case ir::DType::f64: return py::dtype("float64");
    case ir::DType::f16: return py::dtype("float16");
    case ir::DType::i8: return py::dtype("int8");
    case ir::DType::i32: return py::dtype("int32");
    case ir::DType::i64: return py::dtype("int64");
    case ir::DType::boolean: return py::dtype("bool");
    case ir::DType::bf16: break;
  }
  throw UserError("", "dtype bf16 is not supported by numpy (it has no bfloat16 type)");
}

/// The IR dtype of a numpy array, by kind and item size (platform-independent).
std::optional<ir::DType> ir_dtype(const py::dtype& d) {
  const char kind = d.kind();
  const auto size = d.itemsize();
  if (kind == 'f' && size == 4) return ir::DType::f32;
  if (kind == 'f' && size == 8) return ir::DType::f64;
  if (kind == 'f' && size == 2) return ir::DType::f16;
  if (kind == 'i' && size == 1) return ir::DType::i8;
  if (kind == 'i' && size == 4) return ir::DType::i32;
  if (kind == 'i' && size == 8) return ir::DType::i64;
  if (kind == 'b' && size == 1) return ir::DType::boolean;
  return std::nullopt;
}

py::dict run_model(CompiledModel& model, const py::dict& feed) {
  // Keep C-contiguous arrays alive (converted only when the caller's array is not one already).
  std::vector<py::array> keep;
  std::map<std::string, TensorRef> inputs;
  for (const auto& [key, value] : feed) {
    const auto name = py::cast<std::string>(key);
    py::array array = py::array::ensure(value, py::array::c_style);
    if (!array) throw UserError("input '" + name + "'", "is not convertible to a numpy array");
    const auto dtype = ir_dtype(array.dtype());
    if (!dtype)
      throw UserError(
          "input '" + name + "'",
          "numpy dtype " + py::cast<std::string>(py::str(array.dtype())) + " is not supported");
    // The generated code never writes inputs; read-only arrays (np.load, broadcasts) are fine.
    TensorRef ref{*dtype, {}, const_cast<void*>(array.data())};
    for (py::ssize_t d = 0; d < array.ndim(); ++d) ref.shape.push_back(array.shape(d));
    inputs[name] = std::move(ref);
    keep.push_back(std::move(array));
  }
  const auto shapes = model.output_shapes(inputs);
  py::dict result;
  std::map<std::string, TensorRef> outputs;
  for (const ValueInfo& v : model.outputs()) {
    const auto& shape = shapes.at(v.name);
    py::array array(numpy_dtype(v.dtype), std::vector<py::ssize_t>(shape.begin(), shape.end()));
    outputs[v.name] = {v.dtype, shape, array.mutable_data()};
    result[py::str(v.name)] = array;
  }
  {
    py::gil_scoped_release release;
    model.run(inputs, outputs);
  }
  return result;
}

py::list value_infos(const std::vector<ValueInfo>& values) {
  py::list out;
  for (const ValueInfo& v : values) out.append(py::cast(v));
  return out;
}

}  // namespace

void bind_pipeline(py::module_& m) {
  m.def("supported_ops", &ops::supported_ops, "The operators Sluice implements (ONNX spelling).");

  py::class_<pipeline::TrainingOptions>(m, "TrainingOptions")
      .def(py::init<>())
      .def_readwrite("loss", &pipeline::TrainingOptions::loss)
      .def_readwrite("output", &pipeline::TrainingOptions::output)
      .def_readwrite("optimizer", &pipeline::TrainingOptions::optimizer)
      .def_readwrite("lr", &pipeline::TrainingOptions::lr)
      .def_readwrite("momentum", &pipeline::TrainingOptions::momentum)
      .def_readwrite("beta1", &pipeline::TrainingOptions::beta1)
      .def_readwrite("beta2", &pipeline::TrainingOptions::beta2)
      .def_readwrite("epsilon", &pipeline::TrainingOptions::epsilon)
      .def_readwrite("weight_decay", &pipeline::TrainingOptions::weight_decay)
      .def_readwrite("precision", &pipeline::TrainingOptions::precision);

  py::enum_<pipeline::Gradients>(m, "Gradients")
      .value("none", pipeline::Gradients::None)
      .value("combined", pipeline::Gradients::Combined)
      .value("saving_forward", pipeline::Gradients::SavingForward)
      .value("backward_from_saved", pipeline::Gradients::BackwardFromSaved);

  py::class_<CompileOptions>(m, "CompileOptions")
      .def(py::init<>())
      .def_readwrite("blas", &CompileOptions::blas)
      .def_readwrite("pipeline", &CompileOptions::pipeline)
      .def_readwrite("recipe", &CompileOptions::recipe)
      .def_readwrite("opt_level", &CompileOptions::opt_level)
      .def_readwrite("timers", &CompileOptions::timers)
      .def_readwrite("gradients", &CompileOptions::gradients)
      .def_readwrite("parameters_as_inputs", &CompileOptions::parameters_as_inputs)
      .def_readwrite("training", &CompileOptions::training)
      .def_readwrite("input_shapes", &CompileOptions::input_shapes);

  py::class_<ValueInfo>(m, "ValueInfo")
      .def_readonly("name", &ValueInfo::name)
      .def_readonly("container", &ValueInfo::container)
      .def_property_readonly(
          "dtype", [](const ValueInfo& v) { return std::string(ir::dtype_name(v.dtype)); })
      .def_property_readonly("shape",
                             [](const ValueInfo& v) {
                               std::vector<std::string> dims;
                               dims.reserve(v.shape.size());
                               for (const ir::Expr& d : v.shape) dims.push_back(d.str());
                               return dims;
                             })
      .def("__repr__", [](const ValueInfo& v) {
        return "ValueInfo('" + v.name + "', " + std::string(ir::dtype_name(v.dtype)) + ")";
      });

  py::class_<CompiledModel>(m, "CompiledModel")
      .def_property_readonly("inputs",
                             [](const CompiledModel& c) { return value_infos(c.inputs()); })
      .def_property_readonly("outputs",
                             [](const CompiledModel& c) { return value_infos(c.outputs()); })
      .def_property_readonly("program", &CompiledModel::program)
      .def_property_readonly("imported_program", &CompiledModel::imported_program)
      .def_property_readonly("source", &CompiledModel::source)
      .def_property_readonly("compile_seconds", &CompiledModel::compile_seconds)
      .def_property_readonly("transient_bytes", &CompiledModel::transient_bytes)
      .def("kernel_times",
           [](const CompiledModel& c) {
             std::vector<std::pair<std::string, double>> out;
             for (const auto& k : c.kernel_times()) out.emplace_back(k.kernel, k.seconds);
             return out;
           })
      .def("run", &run_model, py::arg("inputs"),
           "Runs on a dict of numpy arrays keyed by ONNX input name; returns the outputs.")
      .def(
          "parameters",
          [](const CompiledModel& c) {
            py::dict out;
            for (const auto& [name, t] : c.parameters()) {
              py::array array(numpy_dtype(t.dtype),
                              std::vector<py::ssize_t>(t.shape.begin(), t.shape.end()));
              std::memcpy(array.mutable_data(), t.bytes.data(), t.bytes.size());
              out[py::str(name)] = array;
            }
            return out;
          },
          "The current parameter values the model owns (a training step updates them), by "
          "ONNX name.");

  m.def(
      "compile_onnx_file",
      [](const std::string& path, const CompileOptions& options) {
        return CompiledModel::from_onnx_file(path, options);
      },
      py::arg("path"), py::arg("options") = CompileOptions{});
  m.def(
      "compile_onnx_bytes",
      [](const py::bytes& bytes, const std::string& origin, const CompileOptions& options) {
        return CompiledModel::from_onnx_bytes(std::string(bytes), origin, options);
      },
      py::arg("data"), py::arg("origin") = "<memory>", py::arg("options") = CompileOptions{});
}

}  // namespace sluice::python
