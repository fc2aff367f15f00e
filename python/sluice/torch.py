"""``sluice.torch.Module``: a drop-in ``torch.nn.Module`` whose forward and backward run the code
Sluice generates.

    model = sluice.torch.Module(net, (x,))            # net's parameters, shared, not copied
    optimizer = torch.optim.AdamW(model.parameters())  # any torch optimizer and training loop
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()

The wrapped module is exported to ONNX (parameters keep their names) and compiled twice: the
forward, and the forward + backward (``compile_onnx(..., gradients=True)``). Both take the
parameters as inputs, as numpy views of the torch tensors, so an optimizer's in-place update is
what the next step sees. The backward runs the forward part again (the two programs share no
stored activations yet).

Dropout: in training mode (``model.train()``) a module with dropout runs a second export, made
in training mode, whose Dropout nodes draw their masks from Sluice's counter-based generator
(Philox). Each node gets its own seed, and every forward call its own counter offset, which
the backward reuses: it regenerates the forward's mask instead of storing it. A module with
batch normalization keeps its inference form (running statistics) in training mode too.
"""

import numpy as np
import onnx
import torch as _torch

from . import _core
from .model import GRAD_SUFFIX, SEED_SUFFIX, compile_onnx, export_torch

DROPOUT_OFFSET_INPUT = "sluice_dropout_offset"


def _numpy(t):
    return t.detach().contiguous().numpy()


def _with_dropout_offsets(onnx_bytes):
    """Each Dropout node gets its own seed and reads its counter offset from one new graph input
    (the importer's `sluice_offset_input` attribute); None when the model has no Dropout."""
    model = onnx.load_from_string(onnx_bytes)
    dropouts = [n for n in model.graph.node if n.op_type == "Dropout"]
    if not dropouts:
        return None
    for k, node in enumerate(dropouts):
        del node.attribute[:]  # torch sets none; the seed and the offset's source replace them
        node.attribute.extend([onnx.helper.make_attribute("seed", k + 1),
                               onnx.helper.make_attribute("sluice_offset_input",
                                                          DROPOUT_OFFSET_INPUT)])
    model.graph.input.append(
        onnx.helper.make_tensor_value_info(DROPOUT_OFFSET_INPUT, onnx.TensorProto.INT64, []))
    return model.SerializeToString()


class _Programs:
    """The forward and forward + backward programs of one export, and how to feed them."""

    def __init__(self, module, onnx_bytes, input_names, options):
        self.input_names = input_names
        self.forward = compile_onnx(onnx_bytes, parameters_as_inputs=True, **options)
        self.backward = compile_onnx(onnx_bytes, parameters_as_inputs=True, gradients=True,
                                     **options)
        self.output_names = [v.name for v in self.forward.outputs]
        self.seeded = {v.name[: -len(SEED_SUFFIX)] for v in self.backward.inputs
                       if v.name.endswith(SEED_SUFFIX)}
        self.has_offset = any(v.name == DROPOUT_OFFSET_INPUT for v in self.forward.inputs)
        named = dict(module.named_parameters())
        named.update(dict(module.named_buffers()))
        self.tensors = {}
        for v in self.forward.inputs:
            if v.name in input_names or v.name == DROPOUT_OFFSET_INPUT:
                continue
            if v.name not in named:
                raise _core.Error(f"the exported model's initializer '{v.name}' is neither a "
                                  "parameter nor a buffer of the module")
            self.tensors[v.name] = named[v.name]
        self.parameter_names = list(self.tensors)

    def feed(self, inputs, offset):
        feed = {name: _numpy(t) for name, t in zip(self.input_names, inputs)}
        for name, t in self.tensors.items():
            feed[name] = t.detach().numpy()  # a view: the optimizer's updates are seen
        if self.has_offset:
            feed[DROPOUT_OFFSET_INPUT] = np.array(offset, np.int64)
        return feed


class _Function(_torch.autograd.Function):
    @staticmethod
    def forward(ctx, programs, offset, *tensors):
        feed = programs.feed(tensors[: len(programs.input_names)], offset)
        outputs = programs.forward.run(feed)
        ctx.programs = programs
        ctx.feed = feed
        result = tuple(_torch.from_numpy(outputs[name]) for name in programs.output_names)
        return result if len(result) > 1 else result[0]

    @staticmethod
    def backward(ctx, *grad_outputs):
        programs = ctx.programs
        feed = dict(ctx.feed)  # the same inputs, parameters and dropout offset as the forward
        shapes = None
        for name, g in zip(programs.output_names, grad_outputs):
            if name not in programs.seeded:
                continue
            if g is None:
                shapes = shapes or {k: v.shape for k, v in programs.forward.run(feed).items()}
                g = _torch.zeros(shapes[name])
            feed[name + SEED_SUFFIX] = _numpy(g)
        results = programs.backward.run(feed)
        grads = [None, None]  # for `programs` and `offset`
        for name in programs.input_names + programs.parameter_names:
            g = results.get(name + GRAD_SUFFIX)
            grads.append(_torch.from_numpy(g) if g is not None else None)
        return tuple(grads)


class Module(_torch.nn.Module):
    """Runs ``module`` through Sluice. ``example_inputs`` fixes the exported shapes;
    ``pipeline`` is the transformations applied before code generation (None: the default
    pipeline); ``target`` is where the code runs ("cpu" in this build)."""

    def __init__(self, module, example_inputs, pipeline=None, target="cpu"):
        super().__init__()
        if target != "cpu":
            raise _core.Error(f"target '{target}': this build generates code for the CPU only")
        if not isinstance(example_inputs, (tuple, list)):
            example_inputs = (example_inputs,)
        self.module = module
        input_names = [f"input_{i}" for i in range(len(example_inputs))]
        options = {} if pipeline is None else {"pipeline": pipeline}
        was_training = module.training
        try:
            module.eval()  # the inference graph: dropout off, batch norm on running statistics
            self._eval = _Programs(module, export_torch(module, tuple(example_inputs),
                                                        input_names=input_names,
                                                        constant_folding=False),
                                   input_names, options)
            self._train = self._eval
            batch_norm = any(isinstance(m, _torch.nn.modules.batchnorm._BatchNorm)
                             for m in module.modules())
            if not batch_norm:
                module.train()
                with_offsets = _with_dropout_offsets(export_torch(
                    module, tuple(example_inputs), input_names=input_names,
                    constant_folding=False))
                if with_offsets is not None:
                    self._train = _Programs(module, with_offsets, input_names, options)
        finally:
            module.train(was_training)
        self.train(was_training)
        self._offset = 0

    def forward(self, *inputs):
        programs = self._train if self.training else self._eval
        if programs.has_offset:
            self._offset += 1  # a new dropout mask per call
        params = [programs.tensors[name] for name in programs.parameter_names]
        return _Function.apply(programs, self._offset, *inputs, *params)
