#pragma once
/// Python bindings of the transformation framework (transforms/), as `sluice._core.transforms`:
/// the registry, matching with reasons and predicted savings, applying, pipelines, recipes,
/// undo/redo (History), plugins, and `Transformation` subclasses written in Python. The
/// pure-Python layer `sluice.transforms` (python/sluice/transforms.py) wraps it.

#include <pybind11/pybind11.h>

namespace sluice::python {

namespace py = pybind11;

void bind_transforms(py::module_& m);

}  // namespace sluice::python
