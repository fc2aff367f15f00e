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

# Operators the importer folds away itself (they never reach the operator library).
_FOLDED_AT_IMPORT = {"Constant"}

# Inputs that decide output shapes or indexing (docs/cpu-path.md, section 1): the code is
# generated for their values. When a model takes one as a graph input, the backend compiles at
# the first run, with that input's value turned into an initializer (one compiled program per
# distinct value).
SHAPE_INPUTS = {
    "Reshape": (1,), "Expand": (1,), "Tile": (1,), "Slice": (1, 2, 3, 4), "Pad": (1, 2, 3),
    "Resize": (1, 2, 3), "Squeeze": (1,), "Unsqueeze": (1,), "Split": (1,), "TopK": (1,),
    "OneHot": (1, 2), "CumSum": (1,), "Trilu": (1,), "Dropout": (1, 2),
    "ConstantOfShape": (0,), "Range": (0, 1, 2), "Upsample": (1,),
    **{op: (1,) for op in ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
                           "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
                           "ReduceSumSquare")},
}


def shape_graph_inputs(model):
    """Names of graph inputs that some node takes at a shape-determining position."""
    initializers = {t.name for t in model.graph.initializer}
    inputs = {v.name for v in model.graph.input} - initializers
    found = []
    for node in model.graph.node:
        for k in SHAPE_INPUTS.get(node.op_type, ()):
            if k < len(node.input) and node.input[k] in inputs and node.input[k] not in found:
                found.append(node.input[k])
    return found


def freeze_inputs(model, values):
    """A copy of ``model`` where the graph inputs in ``values`` are initializers."""
    from onnx import numpy_helper
    frozen = onnx.ModelProto()
    frozen.CopyFrom(model)
    keep = [v for v in frozen.graph.input if v.name not in values]
    del frozen.graph.input[:]
    frozen.graph.input.extend(keep)
    for name, value in values.items():
        frozen.graph.initializer.append(numpy_helper.from_array(np.asarray(value), name))
    return frozen


def unsupported_reason(model):
    """Why Sluice cannot run ``model`` (an ``onnx.ModelProto``), or None."""
    supported = set(_core.supported_ops()) | _FOLDED_AT_IMPORT
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
    """A compiled model; ``run`` takes inputs in graph-input order (or a dict by name).

    A model with shape-determining graph inputs (``shape_graph_inputs``) is compiled at each run
    for those inputs' values (cached per value)."""

    def __init__(self, model, opt_level):
        self.model = model
        self.opt_level = opt_level
        self.frozen = shape_graph_inputs(model)
        self.input_names = [v.name for v in model.graph.input
                            if v.name not in {t.name for t in model.graph.initializer}]
        self._compiled = {}
        self.compiled = None
        if not self.frozen:
            try:
                self.compiled = compile_onnx(model, opt_level=opt_level)
            except _core.Error as error:
                if "constant" not in str(error) or not self.input_names:
                    raise
                # A shape computed from the inputs: compile per input values at run time.
                self.frozen = list(self.input_names)

    def _program_for(self, feed):
        if not self.frozen:
            return self.compiled
        values = {name: np.asarray(feed[name]) for name in self.frozen}
        key = tuple((name, v.dtype.str, v.shape, v.tobytes()) for name, v in values.items())
        if key not in self._compiled:
            try:
                compiled = compile_onnx(freeze_inputs(self.model, values), opt_level=self.opt_level)
            except _core.Error as error:
                if "constant" not in str(error):
                    raise
                # A shape computed from the inputs (e.g. Range over a scalar input): specialize
                # on every input.
                self.frozen = list(self.input_names)
                return self._program_for(feed)
            self._compiled[key] = compiled
        return self._compiled[key]

    def run(self, inputs, **kwargs):
        if isinstance(inputs, dict):
            feed = dict(inputs)
        else:
            if not isinstance(inputs, (list, tuple)):
                inputs = [inputs]
            feed = dict(zip(self.input_names, inputs))
        compiled = self._program_for(feed)
        outputs = compiled.run({v.name: feed[v.name] for v in compiled.inputs if v.name in feed})
        return [outputs[v.name] for v in compiled.outputs]


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
        return SluiceRep(model, kwargs.get("opt_level", cls.opt_level))

    @classmethod
    def run_model(cls, model, inputs, device="CPU", **kwargs):
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node, inputs, device="CPU", outputs_info=None, **kwargs):
        raise NotImplementedError("Sluice runs whole models; build a one-node model instead")


prepare = SluiceBackend.prepare
run_model = SluiceBackend.run_model
supports_device = SluiceBackend.supports_device
