#pragma once
/// Python bindings of the CPU pipeline (compile an ONNX model, run it on numpy arrays).

#include <pybind11/pybind11.h>

namespace sluice::python {

namespace py = pybind11;

void bind_pipeline(py::module_& m);

}  // namespace sluice::python
