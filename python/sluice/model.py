"""Compiling models: ONNX (a path, bytes or an ``onnx.ModelProto``) and ``torch.nn.Module``.

    m = sluice.compile_onnx("model.onnx")
    outputs = m.run({"x": x})                  # numpy arrays by ONNX name
    y = sluice.from_torch(module, (x,))(x)     # torch tensors in, torch tensors out
"""

import io
import os

import numpy as np

from . import _core


_GRADIENT_PROGRAMS = {False: "none", True: "combined", "none": "none", "combined": "combined",
                      "forward": "saving_forward", "backward": "backward_from_saved"}


def compile_onnx(model, input_shapes=None, opt_level=3, blas=True, timers=True, pipeline=None,
                 gradients=False, parameters_as_inputs=False, training=None, recipe=None):
    """Imports and compiles an ONNX model for the CPU; returns a ``CompiledModel``.

    ``model`` is a file path, the serialized bytes, or an ``onnx.ModelProto``. ``input_shapes``
    fixes symbolic input dimensions ({"x": [4, 16]}) before shape inference. ``pipeline`` is
    the transformations applied to the imported program before code generation (a pipeline as
    ``sluice.transforms`` spells it, which may name plugin and Python transformations; None:
    the default pipeline; "": none). ``recipe`` (a ``sluice.transforms.Recipe`` or the path of
    its JSON) is replayed instead, step by step as recorded; a step that does not apply is a
    ``sluice.Error`` naming it. With ``gradients``, the compiled model also computes the
    vector-Jacobian product: it takes one seed per float output (``"<output>@seed"``) and
    returns one gradient per float initializer and float input (``"<name>@grad"``) of
    loss = sum(output * seed); ``grad`` is the convenient spelling. ``gradients="forward"`` and
    ``"backward"`` compile its two halves instead: the forward, which also returns the values
    the backward reads (``"<name>@saved"``), and the backward, which takes them with the seeds
    and returns the gradients (``saved_values`` pairs them up). With ``parameters_as_inputs``,
    float initializers are inputs (by ONNX name) the caller passes."""
    options = _core.CompileOptions()
    if gradients not in _GRADIENT_PROGRAMS:
        raise _core.Error(f"gradients={gradients!r}: expected True, False, 'combined', "
                          "'forward' or 'backward'")
    options.gradients = getattr(_core.Gradients, _GRADIENT_PROGRAMS[gradients])
    options.parameters_as_inputs = bool(parameters_as_inputs)
    if training is not None:
        options.training = training
    if pipeline is not None and recipe is not None:
        raise _core.Error("pipeline/recipe: give a pipeline or a recipe, not both")
    if pipeline is not None:
        options.pipeline = str(pipeline)
    if recipe is not None:
        options.recipe = _load_recipe(recipe)
    options.opt_level = int(opt_level)
    options.blas = bool(blas)
    options.timers = bool(timers)
    if input_shapes:
        options.input_shapes = {k: [int(d) for d in v] for k, v in input_shapes.items()}
    if isinstance(model, (str, os.PathLike)):
        return CompiledModel(_core.compile_onnx_file(os.fspath(model), options))
    if hasattr(model, "SerializeToString"):
        model = model.SerializeToString()
    return CompiledModel(_core.compile_onnx_bytes(bytes(model), "<memory>", options))


def _load_recipe(recipe):
    if isinstance(recipe, _core.transforms.Recipe):
        return recipe
    if not isinstance(recipe, (str, os.PathLike)):
        raise _core.Error(f"recipe: expected a sluice.transforms.Recipe or the path of its JSON, "
                          f"got {type(recipe).__name__}")
    return _core.transforms.Recipe.load(os.fspath(recipe))


def saved_values(forward, backward):
    """For the two halves of a gradient model (``compile_onnx(..., gradients="forward")`` and
    ``"backward"``): {backward input: forward output} for each saved value."""
    outputs = {v.name for v in forward.outputs}
    pairs = {}
    for v in backward.inputs:
        if not v.name.endswith(SAVED_SUFFIX):
            continue
        pairs[v.name] = v.name if v.name in outputs else v.name[: -len(SAVED_SUFFIX)]
    return pairs


_NUMPY_DTYPES = {"f16": np.float16, "f32": np.float32, "f64": np.float64}
def compile_training(model, loss="cross_entropy", optimizer="adamw", lr=1e-3, output=None,
                     momentum=0.9, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=None,
                     precision="f32", **compile_options):
    """Compiles one training step of the ONNX ``model``: forward, ``loss`` ("cross_entropy" or
    "mse") on ``output`` (default: the first), backward, and the ``optimizer`` update ("sgd",
    "adam", "adamw"; torch.optim's rules) of its float initializers, in place.

    ``run({..inputs.., "target": t})`` returns {"loss": ...}; ``parameters()`` the trained values
    by ONNX name. ``weight_decay`` defaults to 0.01 for adamw and 0 otherwise. ``precision``
    "bf16" or "f16" applies the ``mixed-precision`` transformation to the step: activations and
    their gradients are stored in 16 bits, while parameters, optimizer state, the gradients the
    optimizer reads, the loss and every sum stay f32."""
    training = _core.TrainingOptions()
    training.loss = str(loss)
    training.optimizer = str(optimizer)
    training.lr = float(lr)
    training.output = "" if output is None else str(output)
    training.momentum = float(momentum)
    training.beta1, training.beta2, training.epsilon = float(beta1), float(beta2), float(epsilon)
    if weight_decay is not None:
        training.weight_decay = float(weight_decay)
    training.precision = str(precision)
    return compile_onnx(model, training=training, **compile_options)


SEED_SUFFIX = "@seed"
GRAD_SUFFIX = "@grad"
SAVED_SUFFIX = "@saved"


def grad(model, inputs, seeds=None, **compile_options):
    """The gradients of loss = sum over the outputs of (output * seed) with respect to every
    float initializer and float input of the ONNX ``model``, as {ONNX name: numpy array}.

    ``seeds`` maps output names to arrays shaped like the outputs (default: ones, so the loss
    is the sum of the outputs). Also returns the outputs: ``grads, outputs = sluice.grad(...)``.
    To run many times, compile once with ``compile_onnx(model, gradients=True)``."""
    compiled = compile_onnx(model, gradients=True, **compile_options)
    return compiled.gradients(inputs, seeds)


class CompiledModel:
    """A model compiled by Sluice. ``run`` takes and returns numpy arrays keyed by ONNX name;
    calling it positionally also accepts torch tensors (and then returns torch tensors)."""

    def __init__(self, core):
        self._core = core

    @property
    def inputs(self):
        return self._core.inputs

    @property
    def outputs(self):
        return self._core.outputs

    @property
    def program(self):
        """The expanded program that was compiled (a ``sluice.Program``)."""
        return self._core.program

    @property
    def imported_program(self):
        """The program as imported: one library node per ONNX node."""
        return self._core.imported_program

    @property
    def source(self):
        """The generated C++."""
        return self._core.source

    @property
    def compile_seconds(self):
        return self._core.compile_seconds

    @property
    def transient_bytes(self):
        """Bytes the compiled code holds for intermediates: one arena shared by lifetime."""
        return self._core.transient_bytes

    def kernel_times(self):
        """{kernel name: seconds} accumulated over the runs so far."""
        return dict(self._core.kernel_times())

    def run(self, inputs):
        feed = {}
        for name, value in inputs.items():
            if hasattr(value, "detach"):  # torch.Tensor
                value = value.detach().cpu().numpy()
            feed[name] = np.asarray(value)
        return self._core.run(feed)

    def parameters(self):
        """The parameter values the model owns, by ONNX name (a training step updates them)."""
        return dict(self._core.parameters())

    def gradients(self, inputs, seeds=None):
        """For a model compiled with ``gradients=True``: (gradients, outputs), each a dict of
        numpy arrays by ONNX name; ``seeds`` by output name (default: ones)."""
        seeded = [v for v in self.inputs if v.name.endswith(SEED_SUFFIX)]
        if not seeded and not any(v.name.endswith(GRAD_SUFFIX) for v in self.outputs):
            raise _core.Error("the model was compiled without gradients=True")
        feed = dict(inputs)
        seeds = dict(seeds or {})
        known = {v.name[: -len(SEED_SUFFIX)] for v in seeded}
        unknown = sorted(set(seeds) - known)
        if unknown:
            raise _core.Error(f"seed '{unknown[0]}' is not a float output of the model "
                              f"(its float outputs: {', '.join(sorted(known))})")
        for v in seeded:
            name = v.name[: -len(SEED_SUFFIX)]
            if name in seeds:
                feed[v.name] = seeds[name]
            elif all(d.isdigit() for d in v.shape):
                feed[v.name] = np.ones([int(d) for d in v.shape], dtype=_NUMPY_DTYPES[v.dtype])
            else:
                raise _core.Error(f"output '{name}' has a symbolic shape "
                                  f"[{', '.join(v.shape)}]: give its seed")
        results = self.run(feed)
        grads = {k[: -len(GRAD_SUFFIX)]: a for k, a in results.items() if k.endswith(GRAD_SUFFIX)}
        outputs = {k: a for k, a in results.items() if not k.endswith(GRAD_SUFFIX)}
        return grads, outputs

    def __call__(self, *args):
        is_torch = any(hasattr(a, "detach") for a in args)
        names = [v.name for v in self.inputs]
        if len(args) != len(names):
            raise _core.Error(f"the model takes {len(names)} inputs ({', '.join(names)}), "
                              f"got {len(args)}")
        outputs = self.run(dict(zip(names, args)))
        result = [outputs[v.name] for v in self.outputs]
        if is_torch:
            import torch
            result = [torch.from_numpy(r) for r in result]
        return result[0] if len(result) == 1 else tuple(result)


def from_torch(module, example_inputs, opset=None, input_names=None, output_names=None,
               **compile_options):
    """Exports ``module`` to ONNX in memory with the installed torch and compiles that.

    ``example_inputs`` is a tensor or a tuple of tensors; the exported shapes are theirs. The
    opset defaults to 17 (torch 1.x) or 18 (torch 2.x)."""
    return compile_onnx(export_torch(module, example_inputs, opset, input_names, output_names),
                        **compile_options)


def export_torch(module, example_inputs, opset=None, input_names=None, output_names=None,
                 constant_folding=True):
    """The ONNX bytes of ``module`` as ``from_torch`` exports it. Without ``constant_folding``
    the parameters keep their names (``fc1.weight``) instead of being folded into transposed
    copies: what gradients with respect to the module's parameters need."""
    import torch

    if not isinstance(example_inputs, (tuple, list)):
        example_inputs = (example_inputs,)
    if opset is None:
        opset = 17 if torch.__version__.split(".")[0] == "1" else 18
    if input_names is None:
        input_names = [f"input_{i}" for i in range(len(example_inputs))]
    buffer = io.BytesIO()
    # Not under no_grad: torch 1.13 then takes nn.TransformerEncoderLayer's fused fast path,
    # which has no ONNX export.
    torch.onnx.export(module, tuple(example_inputs), buffer, opset_version=opset,
                      input_names=list(input_names), output_names=output_names,
                      do_constant_folding=bool(constant_folding),
                      # In eval mode torch folds BatchNorm into the Conv before it: that loses
                      # both parameters. PRESERVE exports the module as it is (already eval).
                      **({} if constant_folding else {"training": torch.onnx.TrainingMode.PRESERVE}))
    if constant_folding:
        return buffer.getvalue()
    return _separate_deduplicated_initializers(buffer.getvalue())


def _separate_deduplicated_initializers(onnx_bytes):
    """torch's exporter keeps one initializer for parameters of equal value (LayerNorm weights
    all ones at initialization) and makes the others ``Identity`` of it. Each parameter gets its
    own initializer back, so each gets its own gradient and its own value once trained."""
    import onnx

    model = onnx.load_from_string(onnx_bytes)
    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    kept = []
    for node in graph.node:
        if node.op_type == "Identity" and node.input[0] in initializers:
            copy = onnx.TensorProto()
            copy.CopyFrom(initializers[node.input[0]])
            copy.name = node.output[0]
            graph.initializer.append(copy)
        else:
            kept.append(node)
    if len(kept) == len(graph.node):
        return onnx_bytes
    del graph.node[:]
    graph.node.extend(kept)
    return model.SerializeToString()
