"""``sluice.torch.Module``: a drop-in ``torch.nn.Module`` whose forward and backward run the code
Sluice generates.

    model = sluice.torch.Module(net, (x,))            # net's parameters, shared, not copied
    optimizer = torch.optim.AdamW(model.parameters())  # any torch optimizer and training loop
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()

The wrapped module is exported to ONNX once (parameters keep their names) and compiled twice:
the forward, and the forward + backward (``compile_onnx(..., gradients=True)``). Both take the
parameters as inputs, as numpy views of the torch tensors, so an optimizer's in-place update is
what the next step sees. The backward runs the forward part again (the two programs share no
stored activations yet).
"""

import numpy as np
import torch as _torch

from . import _core
from .model import GRAD_SUFFIX, SEED_SUFFIX, compile_onnx, export_torch


def _numpy(t):
    return t.detach().contiguous().numpy()


class _Function(_torch.autograd.Function):
    @staticmethod
    def forward(ctx, owner, *tensors):
        feed = owner._feed(tensors)
        outputs = owner._forward.run(feed)
        ctx.owner = owner
        ctx.feed = feed
        result = tuple(_torch.from_numpy(outputs[name]) for name in owner._output_names)
        return result if len(result) > 1 else result[0]

    @staticmethod
    def backward(ctx, *grad_outputs):
        owner = ctx.owner
        feed = dict(ctx.feed)
        for name, g in zip(owner._output_names, grad_outputs):
            if name in owner._seeded:
                feed[name + SEED_SUFFIX] = _numpy(g) if g is not None else np.zeros(
                    owner._seed_shape(name, feed), np.float32)
        results = owner._backward.run(feed)
        grads = [None]  # for `owner`
        for name in owner._input_names + owner._parameter_names:
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
        self._input_names = [f"input_{i}" for i in range(len(example_inputs))]
        was_training = module.training
        module.eval()  # export the inference graph (dropout off, batch norm on running stats)
        onnx_bytes = export_torch(module, tuple(example_inputs), input_names=self._input_names,
                                  constant_folding=False)
        module.train(was_training)
        options = {} if pipeline is None else {"pipeline": pipeline}
        self._forward = compile_onnx(onnx_bytes, parameters_as_inputs=True, **options)
        self._backward = compile_onnx(onnx_bytes, parameters_as_inputs=True, gradients=True,
                                      **options)
        self._output_names = [v.name for v in self._forward.outputs]
        self._seeded = {v.name[: -len(SEED_SUFFIX)] for v in self._backward.inputs
                        if v.name.endswith(SEED_SUFFIX)}
        named = dict(module.named_parameters())
        named.update(dict(module.named_buffers()))
        self._tensors = {}
        for v in self._forward.inputs:
            if v.name in self._input_names:
                continue
            if v.name not in named:
                raise _core.Error(f"the exported model's initializer '{v.name}' is neither a "
                                  "parameter nor a buffer of the module")
            self._tensors[v.name] = named[v.name]
        self._parameter_names = list(self._tensors)

    def _feed(self, tensors):
        inputs = tensors[: len(self._input_names)]
        feed = {name: _numpy(t) for name, t in zip(self._input_names, inputs)}
        for name, t in self._tensors.items():
            feed[name] = t.detach().numpy()  # a view: the optimizer's updates are seen
        return feed

    def _seed_shape(self, name, feed):
        return self._forward.run(feed)[name].shape

    def forward(self, *inputs):
        params = [self._tensors[name] for name in self._parameter_names]
        return _Function.apply(self, *inputs, *params)
