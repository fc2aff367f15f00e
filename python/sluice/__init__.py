"""Sluice: a data-centric optimization workbench for deep-learning training.

Load a program, inspect it, verify it, and read its data-movement report::

    import sluice
    p = sluice.load("samples/matmul.sluice.json")
    print(p.to_text())
    assert p.verify() == []
    print(p.report({"M": 64, "N": 64, "K": 64})["total"])

Compile and run an ONNX model or a torch module on the CPU::

    m = sluice.compile_onnx("model.onnx")
    outputs = m.run({"x": x})                       # numpy arrays by ONNX name
    y = sluice.from_torch(module, (x,))(x)          # torch tensors in and out

Optimize a program with transformations (see ``sluice.transforms``)::

    q, recipe = sluice.transforms.run_pipeline(p, "dead-dataflow-elimination")
"""

from ._core import (  # noqa: F401  (re-exported API)
    Container,
    Diagnostic,
    Edge,
    Error,
    Node,
    Program,
    State,
    load,
    loads,
    sample,
    sample_names,
    supported_ops,
)
from .model import CompiledModel, compile_onnx, compile_training, from_torch, grad  # noqa: F401
from . import transforms  # noqa: F401  (sluice.transforms: matching, recipes, plugins)

__all__ = [
    "Container",
    "Diagnostic",
    "Edge",
    "Error",
    "Node",
    "Program",
    "State",
    "load",
    "loads",
    "sample",
    "sample_names",
    "supported_ops",
    "CompiledModel",
    "compile_onnx",
    "from_torch",
    "transforms",
]
__version__ = "0.1.0"


def __getattr__(name):
    # sluice.torch imports torch, which takes a while: only when asked for.
    if name == "torch":
        import importlib

        return importlib.import_module(".torch", __name__)
    raise AttributeError(f"module 'sluice' has no attribute '{name}'")
