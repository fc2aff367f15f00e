"""``sluice.torch.Module`` runs the gradient program split in two: the forward stores what the
backward reads ("@saved" values), the backward runs no forward work; ``recipe=``."""

import os
import random

import numpy as np
import pytest
import torch
from torch import nn

import sluice
from sluice.model import export_torch, saved_values

if os.environ.get("SLUICE_SANITIZED_PYTHON"):
    pytest.skip("torch under the ASan-preloaded interpreter", allow_module_level=True)

SEED = random.SystemRandom().randrange(2**31)
print(f"test_torch_module seed: {SEED}")


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(SEED)


def library_nodes(program):
    return [n for s in program.states for n in s.nodes if n.kind == "library"]


def written(program):
    """Containers some library node writes."""
    nodes = {n.id: n for s in program.states for n in s.nodes}
    return {nodes[e.dst].container for s in program.states for e in s.edges
            if nodes[e.src].kind == "library"}


def mlp():
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.GELU(),
                         nn.Linear(64, 10))


def train_step(model, x, seed):
    model.zero_grad()
    (model(x) * seed).sum().backward()
    return {n: p.grad.clone() for n, p in model.named_parameters()}


def test_the_backward_program_runs_no_forward_node_and_reads_saved_values():
    net = mlp()
    x = torch.randn(8, 32)
    wrapped = sluice.torch.Module(net, (x,))
    programs = wrapped.programs()
    forward, backward = programs["forward"], programs["backward"]
    # The forward's three contractions run in the forward only: the backward's own are the
    # gradients' (two per layer but the first, whose input gradient is still asked for).
    contractions = {"Gemm", "MatMul"}
    fwd = [n for n in library_nodes(forward.imported_program) if n.op in contractions]
    bwd = [n for n in library_nodes(backward.imported_program) if n.op in contractions]
    assert len(fwd) == 3
    assert len(bwd) == 6, [n.op for n in bwd]
    # No backward node writes a forward value, the output included.
    forward_values = written(forward.imported_program)
    assert not forward_values & written(backward.imported_program)
    fwd_labels = {n.label for n in library_nodes(forward.imported_program)}
    assert not fwd_labels & {n.label for n in library_nodes(backward.imported_program)}
    # Saved: forward values the backward reads, listed by name. The activations the Gemms'
    # weight gradients read and the inputs of the element-wise ops (GELU's Div, Erf, Add, Mul)
    # are; ReLU's gradient reads its output (which the next Gemm's weight gradient reads anyway),
    # not its input; the output is not (no gradient reads it), so fewer than one per forward node.
    saved = saved_values(forward, backward)
    print("saved:", sorted(saved))
    assert saved and all(name.endswith("@saved") for name in saved)
    assert "_1_Relu_output_0@saved" in saved
    assert "_0_Gemm_output_0@saved" not in saved
    assert 3 <= len(saved) < len(library_nodes(forward.imported_program))
    assert forward.outputs[0].name not in saved.values()
    backward_inputs = {v.name for v in backward.inputs}
    assert set(saved) <= backward_inputs
    assert {v.name for v in forward.outputs} >= set(saved.values())
    assert "input_0" in backward_inputs  # the first layer's weight gradient reads x


def test_gradients_match_torch_and_the_saved_values_are_not_copied():
    net = mlp()
    x = torch.randn(8, 32)
    seed = torch.randn(8, 10)
    wrapped = sluice.torch.Module(net, (x,))
    xs = x.clone().requires_grad_(True)
    out = wrapped(xs)
    # The autograd context keeps the forward's arrays as torch tensors on the same memory.
    ctx = out.grad_fn
    assert ctx.saved and all(isinstance(t, torch.Tensor) for t in ctx.saved.values())
    (out * seed).sum().backward()
    got = {n: p.grad.clone() for n, p in net.named_parameters()}
    got_x = xs.grad.clone()
    want = train_step(net, x, seed)
    xt = x.clone().requires_grad_(True)
    net.zero_grad()
    (net(xt) * seed).sum().backward()
    for name in want:
        np.testing.assert_allclose(got[name].numpy(), want[name].numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=f"d/d {name}, seed {SEED}")
    np.testing.assert_allclose(got_x.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_the_forward_runs_once_per_training_step():
    net = mlp()
    x = torch.randn(8, 32)
    wrapped = sluice.torch.Module(net, (x,))
    programs = wrapped.programs()
    forward, backward, inference = (programs["forward"], programs["backward"],
                                    programs["inference"])
    opt = torch.optim.AdamW(wrapped.parameters(), lr=1e-3)
    for _ in range(3):
        opt.zero_grad()
        wrapped(x).square().mean().backward()
        opt.step()
    forward_times = forward.kernel_times()
    backward_times = backward.kernel_times()
    assert sum(forward_times.values()) > 0 and sum(backward_times.values()) > 0
    # The plain forward did not run in training; the backward has no kernel of the forward.
    assert sum(inference.kernel_times().values()) == 0
    assert not set(forward_times) & set(backward_times)
    # Under no_grad the plain forward runs, and neither half of the gradient program.
    before = (sum(forward.kernel_times().values()), sum(backward.kernel_times().values()))
    with torch.no_grad():
        y = wrapped(x)
    np.testing.assert_allclose(y.numpy(), net(x).detach().numpy(), rtol=1e-5, atol=1e-5)
    assert sum(inference.kernel_times().values()) > 0
    assert before == (sum(forward.kernel_times().values()),
                      sum(backward.kernel_times().values()))


def test_compile_onnx_halves_compose_to_the_combined_gradients():
    net = mlp()
    x = torch.randn(8, 32).numpy()
    onnx_bytes = export_torch(net, (torch.from_numpy(x),), input_names=["x"],
                              output_names=["out"], constant_folding=False)
    seed = np.random.default_rng(SEED).standard_normal((8, 10)).astype(np.float32)
    want, _ = sluice.compile_onnx(onnx_bytes, gradients=True).gradients({"x": x}, {"out": seed})
    forward = sluice.compile_onnx(onnx_bytes, gradients="forward")
    backward = sluice.compile_onnx(onnx_bytes, gradients="backward")
    outputs = forward.run({"x": x})
    feed = {"x": x, "out@seed": seed}
    feed.update({name: outputs[source] for name, source in saved_values(forward, backward).items()})
    feed = {k: v for k, v in feed.items() if k in {i.name for i in backward.inputs}}
    got = backward.run(feed)
    assert {k[: -len("@grad")] for k in got} == set(want)
    for name, g in want.items():
        np.testing.assert_allclose(got[name + "@grad"], g, rtol=1e-5, atol=1e-6, err_msg=name)
    with pytest.raises(sluice.Error, match="gradients='sideways'"):
        sluice.compile_onnx(onnx_bytes, gradients="sideways")


def test_recipe_files_replay_per_program(tmp_path):
    net = mlp()
    x = torch.randn(8, 32)
    seed = torch.randn(8, 10)
    plain = sluice.torch.Module(net, (x,), recipe="")
    # Record a pipeline on each program as imported; replay the recipes from files.
    files = {}
    for name in ("inference", "forward", "backward"):
        program = plain.programs()[name].imported_program
        _, recipe = sluice.transforms.run_pipeline(program, "expand,map-fusion")
        files[name] = tmp_path / f"{name}.json"
        recipe.save(str(files[name]))
    replayed = sluice.torch.Module(net, (x,), recipe={k: str(v) for k, v in files.items()})
    by_pipeline = sluice.torch.Module(net, (x,), recipe="expand,map-fusion")
    for name in files:
        assert replayed.programs()[name].program.to_text() == \
            by_pipeline.programs()[name].program.to_text(), name
    grads = [train_step(m, x, seed) for m in (replayed, net)]
    for name in grads[1]:
        np.testing.assert_allclose(grads[0]["module." + name].numpy(), grads[1][name].numpy(),
                                   rtol=1e-4, atol=1e-5, err_msg=name)
    # `pipeline=` is the older spelling of a pipeline recipe.
    assert sluice.torch.Module(net, (x,), pipeline="").programs()["inference"].source == \
        plain.programs()["inference"].source
    # compile_onnx takes a recipe too.
    onnx_bytes = export_torch(net, (x,), constant_folding=False)
    sluice.compile_onnx(onnx_bytes, parameters_as_inputs=True, recipe=str(files["inference"]))


def test_a_bad_recipe_is_a_sluice_error_naming_the_program_and_step(tmp_path):
    net = mlp()
    x = torch.randn(8, 32)
    plain = sluice.torch.Module(net, (x,), recipe="")
    _, recipe = sluice.transforms.run_pipeline(plain.programs()["backward"].imported_program,
                                               "expand")
    path = tmp_path / "backward.json"
    recipe.save(str(path))
    # A recipe recorded on the backward does not fit the forward.
    with pytest.raises(sluice.Error, match=r"the (inference|forward) program of "
                                           r"sluice.torch.Module: .*recipe step 1 of"):
        sluice.torch.Module(net, (x,), recipe=str(path))
    with pytest.raises(sluice.Error, match="no-such.json"):
        sluice.torch.Module(net, (x,), recipe=str(tmp_path / "no-such.json"))
    with pytest.raises(sluice.Error, match="unknown program 'backwards'"):
        sluice.torch.Module(net, (x,), recipe={"backwards": str(path)})
    with pytest.raises(sluice.Error, match="no-such-transformation"):
        sluice.torch.Module(net, (x,), recipe="no-such-transformation")
    with pytest.raises(sluice.Error, match="give a pipeline or a recipe, not both"):
        sluice.compile_onnx(export_torch(net, (x,)), pipeline="", recipe=str(path))
