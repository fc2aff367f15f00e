"""An ONNX backend (``onnx.backend.base.Backend``) that runs models through Sluice on the CPU.

    from sluice.onnx_backend import SluiceBackend
    rep = SluiceBackend.prepare(onnx.load("model.onnx"))
    outputs = rep.run([x])

Models that use an operator Sluice does not implement are reported incompatible
(``is_compatible``), so ONNX's backend test runner skips them instead of counting them.
"""

import numpy as np
import onnx
from onnx.backend.base import Backend, BackendRep

from . import _core
from .model import compile_onnx

# The dtypes the IR has (ONNX TensorProto codes): f32 f16 bf16 f64 i8 i32 i64 bool.
_SUPPORTED_ELEM_TYPES = {1, 10, 16, 11, 3, 6, 7, 9}


def unsupported_reason(model):
    """Why Sluice cannot run ``model`` (an ``onnx.ModelProto``), or None."""
    supported = set(_core.supported_ops())
    missing = sorted({n.op_type for n in model.graph.node
                      if n.domain not in ("", "ai.onnx") or n.op_type not in supported})
    if missing:
        return "unsupported operators: " + ", ".join(missing)
    for value in list(model.graph.input) + list(model.graph.output):
        t = value.type
        if not t.HasField("tensor_type"):
            return f"value '{value.name}' is not a tensor"
        if t.tensor_type.elem_type not in _SUPPORTED_ELEM_TYPES:
            name = onnx.TensorProto.DataType.Name(t.tensor_type.elem_type)
            return f"value '{value.name}' has element type {name}"
    return None


class SluiceRep(BackendRep):
    """A compiled model; ``run`` takes inputs in graph-input order (or a dict by name)."""

    def __init__(self, compiled):
        self.compiled = compiled

    def run(self, inputs, **kwargs):
        names = [v.name for v in self.compiled.inputs]
        if isinstance(inputs, dict):
            feed = dict(inputs)
        else:
            if not isinstance(inputs, (list, tuple)):
                inputs = [inputs]
            feed = dict(zip(names, inputs))
        outputs = self.compiled.run(feed)
        return [outputs[v.name] for v in self.compiled.outputs]


class SluiceBackend(Backend):
    """Sluice as an ONNX backend: device "CPU"."""

    # Conformance runs compile many small models: favour compile time over code speed.
    opt_level = 1

    @classmethod
    def is_compatible(cls, model, device="CPU", **kwargs):
        return cls.supports_device(device) and unsupported_reason(model) is None

    @classmethod
    def supports_device(cls, device):
        return str(device).upper().startswith("CPU")

    @classmethod
    def prepare(cls, model, device="CPU", **kwargs):
        super().prepare(model, device, **kwargs)
        return SluiceRep(compile_onnx(model, opt_level=kwargs.get("opt_level", cls.opt_level)))

    @classmethod
    def run_model(cls, model, inputs, device="CPU", **kwargs):
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node, inputs, device="CPU", outputs_info=None, **kwargs):
        raise NotImplementedError("Sluice runs whole models; build a one-node model instead")


prepare = SluiceBackend.prepare
run_model = SluiceBackend.run_model
supports_device = SluiceBackend.supports_device
