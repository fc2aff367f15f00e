"""``sluice.torch.Module``: a drop-in ``torch.nn.Module`` whose forward and backward run the code
Sluice generates.

    model = sluice.torch.Module(net, (x,))            # net's parameters, shared, not copied
    optimizer = torch.optim.AdamW(model.parameters())  # any torch optimizer and training loop
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()

The wrapped module is exported to ONNX (parameters keep their names) and its gradient program is
compiled as two halves (``compile_onnx(..., gradients="forward")`` and ``"backward"``): the
forward also returns the forward values the backward reads (``"<name>@saved"``), which the
autograd context keeps (torch tensors over the same memory, no copy), and the backward computes
the gradients from them; no part of the forward runs twice. Inference (``model.eval()``, or no
tensor requiring a gradient, as under ``torch.no_grad()``) runs the plain forward. All programs
take the parameters as inputs, as numpy views of the torch tensors, so an optimizer's in-place
update is what the next step sees.

``recipe`` chooses the transformations applied before code generation: a pipeline string, the
path of a recipe's JSON (``sluice.transforms.Recipe``) or a Recipe, or a dict of those by
program ("inference", "forward", "backward"; a program not named gets the default pipeline).
A recipe addresses nodes by id, so one recorded on a program (``programs()`` gives each one's
``imported_program``) replays on that program only.

Dropout: in training mode (``model.train()``) a module with dropout runs a second export, made
in training mode, whose Dropout nodes draw their masks from Sluice's counter-based generator
(Philox). Each node gets its own seed, and every forward call its own counter offset, which
the backward takes as an input too: it regenerates the forward's mask instead of storing it. A
module with batch normalization keeps its inference form (running statistics) in training mode
too.
"""

import os

import numpy as np
import onnx
import torch as _torch

from . import _core
from .model import GRAD_SUFFIX, SEED_SUFFIX, compile_onnx, export_torch, saved_values

DROPOUT_OFFSET_INPUT = "sluice_dropout_offset"


SAVED = "@saved"


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


def _compile_options(recipe, program):
    """compile_onnx's options for one program ("inference", "forward", "backward")."""
    if isinstance(recipe, dict):
        unknown = sorted(set(recipe) - {"inference", "forward", "backward"})
        if unknown:
            raise _core.Error(f"recipe: unknown program '{unknown[0]}' (the programs: "
                              "inference, forward, backward)")
        recipe = recipe.get(program)
    if recipe is None:
        return {}
    if isinstance(recipe, (str, os.PathLike)) and not _is_recipe_path(recipe):
        return {"pipeline": str(recipe)}
    return {"recipe": recipe}


def _is_recipe_path(recipe):
    return (not isinstance(recipe, str) or recipe.endswith(".json")
            or os.path.isfile(recipe))


def _compile(onnx_bytes, program, recipe, **options):
    try:
        return compile_onnx(onnx_bytes, parameters_as_inputs=True,
                            **_compile_options(recipe, program), **options)
    except _core.Error as e:
        if recipe is None:
            raise
        raise _core.Error(f"the {program} program of sluice.torch.Module: {e}") from e


class _Programs:
    """The programs of one export, each compiled on first use, and how to feed them: the
    inference forward, and the gradient program's two halves (forward saving, backward)."""

    def __init__(self, module, onnx_bytes, input_names, recipe):
        self.input_names = input_names
        self._module = module
        self._onnx_bytes = onnx_bytes
        self._recipe = recipe
        self._compiled = {}
        self.tensors = None

    def _get(self, program, **options):
        if program not in self._compiled:
            compiled = _compile(self._onnx_bytes, program, self._recipe, **options)
            self._compiled[program] = compiled
            if self.tensors is None:
                self._describe(compiled)
        return self._compiled[program]

    def _describe(self, compiled):
        """Outputs, the dropout offset and the module tensors behind the parameter inputs."""
        self.output_names = [v.name for v in compiled.outputs if not v.name.endswith(SAVED)]
        self.has_offset = any(v.name == DROPOUT_OFFSET_INPUT for v in compiled.inputs)
        named = dict(self._module.named_parameters())
        named.update(dict(self._module.named_buffers()))
        tensors = {}
        for v in compiled.inputs:
            if v.name in self.input_names or v.name == DROPOUT_OFFSET_INPUT:
                continue
            if v.name not in named:
                raise _core.Error(f"the exported model's initializer '{v.name}' is neither a "
                                  "parameter nor a buffer of the module")
            tensors[v.name] = named[v.name]
        self.tensors = tensors
        self.parameter_names = list(tensors)

    @property
    def inference(self):
        """The plain forward."""
        return self._get("inference")

    @property
    def forward(self):
        """The forward that also returns the saved values."""
        self._compile_gradients()
        return self._compiled["forward"]

    @property
    def backward(self):
        """The backward: gradients from seeds, saved values, and the inputs it reads."""
        self._compile_gradients()
        return self._compiled["backward"]

    def _compile_gradients(self):
        if "backward" in self._compiled:
            return
        forward = self._get("forward", gradients="forward")
        backward = self._get("backward", gradients="backward")
        self.saved = saved_values(forward, backward)
        self.backward_inputs = {v.name for v in backward.inputs}

    def programs(self):
        """The programs compiled so far, by name."""
        return dict(self._compiled)

    def feed(self, inputs, offset):
        feed = {name: _numpy(t) for name, t in zip(self.input_names, inputs)}
        for name, t in self.tensors.items():
            feed[name] = t.detach().numpy()  # a view: the optimizer's updates are seen
        if self.has_offset:
            feed[DROPOUT_OFFSET_INPUT] = np.array(offset, np.int64)
        return feed


class _Function(_torch.autograd.Function):
    @staticmethod
    def forward(ctx, programs, offset, differentiate, *tensors):
        feed = programs.feed(tensors[: len(programs.input_names)], offset)
        if not differentiate:
            outputs = programs.inference.run(feed)  # nothing to differentiate: store nothing
        else:
            outputs = programs.forward.run(feed)
            # The backward's own inputs: graph inputs and parameters it reads (the numpy views
            # the forward ran on; the forward's outputs, saved, as torch tensors on their memory).
            ctx.programs = programs
            ctx.feed = {k: v for k, v in feed.items() if k in programs.backward_inputs}
            ctx.saved = {name: _torch.from_numpy(outputs[source])
                         for name, source in programs.saved.items()}
            ctx.output_shapes = {name: outputs[name].shape for name in programs.output_names}
        result = tuple(_torch.from_numpy(outputs[name]) for name in programs.output_names)
        return result if len(result) > 1 else result[0]

    @staticmethod
    def backward(ctx, *grad_outputs):
        programs = ctx.programs
        feed = dict(ctx.feed)
        for name, tensor in ctx.saved.items():
            feed[name] = tensor.numpy()
        for name, g in zip(programs.output_names, grad_outputs):
            seed = name + SEED_SUFFIX
            if seed not in programs.backward_inputs:
                continue
            feed[seed] = _numpy(g) if g is not None else np.zeros(ctx.output_shapes[name],
                                                                  np.float32)
        results = programs.backward.run(feed)
        ctx.saved = ctx.feed = None  # free the stored activations now
        grads = [None, None, None]  # for `programs`, `offset` and `differentiate`
        for name in programs.input_names + programs.parameter_names:
            g = results.get(name + GRAD_SUFFIX)
            grads.append(_torch.from_numpy(g) if g is not None else None)
        return tuple(grads)


class Module(_torch.nn.Module):
    """Runs ``module`` through Sluice. ``example_inputs`` fixes the exported shapes;
    ``recipe`` is the transformations applied before code generation (see the module's
    docstring; None: the default pipeline), ``pipeline`` its older name; ``target`` is where
    the code runs ("cpu" in this build)."""

    def __init__(self, module, example_inputs, recipe=None, target="cpu", pipeline=None):
        super().__init__()
        if target != "cpu":
            raise _core.Error(f"target '{target}': this build generates code for the CPU only")
        if recipe is not None and pipeline is not None:
            raise _core.Error("sluice.torch.Module: give recipe= or pipeline=, not both")
        if recipe is None:
            recipe = pipeline
        if not isinstance(example_inputs, (tuple, list)):
            example_inputs = (example_inputs,)
        self.module = module
        input_names = [f"input_{i}" for i in range(len(example_inputs))]
        was_training = module.training
        try:
            module.eval()  # the inference graph: dropout off, batch norm on running statistics
            self._eval = _Programs(module, export_torch(module, tuple(example_inputs),
                                                        input_names=input_names,
                                                        constant_folding=False),
                                   input_names, recipe)
            self._train = self._eval
            batch_norm = any(isinstance(m, _torch.nn.modules.batchnorm._BatchNorm)
                             for m in module.modules())
            if not batch_norm:
                module.train()
                with_offsets = _with_dropout_offsets(export_torch(
                    module, tuple(example_inputs), input_names=input_names,
                    constant_folding=False))
                if with_offsets is not None:
                    self._train = _Programs(module, with_offsets, input_names, recipe)
        finally:
            module.train(was_training)
        # Compile now what the module's mode needs first, so that problems show here.
        self._eval.inference  # noqa: B018
        if was_training:
            self._train.backward  # noqa: B018
        self.train(was_training)
        self._offset = 0

    def programs(self):
        """The compiled programs, by name: "inference", "forward" (saving), "backward"; and,
        for a module with dropout, "train_inference", "train_forward", "train_backward" (its
        training-mode export)."""
        out = dict(self._eval.programs())
        if self._train is not self._eval:
            out.update({"train_" + k: v for k, v in self._train.programs().items()})
        return out

    def forward(self, *inputs):
        programs = self._train if self.training else self._eval
        if programs.tensors is None:
            programs.inference  # noqa: B018  (names the parameters)
        if programs.has_offset:
            self._offset += 1  # a new dropout mask per call
        params = [programs.tensors[name] for name in programs.parameter_names]
        # Under torch.no_grad(), or when nothing requires a gradient, the plain forward runs.
        differentiate = _torch.is_grad_enabled() and any(
            isinstance(t, _torch.Tensor) and t.requires_grad for t in (*inputs, *params))
        return _Function.apply(programs, self._offset, differentiate, *inputs, *params)
