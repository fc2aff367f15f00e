"""Mixed-precision training steps (``compile_training(..., precision="bf16")``, the
``mixed-precision`` transformation): the step follows the f32 one within bf16's error, the master
weights stay f32, and the loss falls on a learnable task."""

import os
import random

import numpy as np
import pytest
import torch
from torch import nn

import sluice
from sluice.model import export_torch

if os.environ.get("SLUICE_SANITIZED_PYTHON"):
    pytest.skip("torch under the ASan-preloaded interpreter", allow_module_level=True)

SEED = random.SystemRandom().randrange(2**31)
print(f"test_mixed_precision seed: {SEED}")


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(SEED)


def mlp_with_layer_norm(batch=8):
    """Linear, GELU, LayerNorm, Linear: contractions, a normalization, and (in the loss) a
    softmax, each with its reductions in the backward pass."""
    net = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.LayerNorm(32), nn.Linear(32, 3))
    x = torch.randn(1, batch, 16)
    return export_torch(net, (x[0],), input_names=["x"], output_names=["logits"],
                        constant_folding=False)


@pytest.mark.parametrize("precision", ["bf16", "f16"])
def test_a_16_bit_step_follows_the_f32_step(precision):
    onnx_bytes = mlp_with_layer_norm()
    options = dict(loss="cross_entropy", optimizer="sgd", lr=0.1, momentum=0.9)
    reference = sluice.compile_training(onnx_bytes, **options)
    mixed = sluice.compile_training(onnx_bytes, precision=precision, **options)
    # The step's library-level program: activations in 16 bits, what persists in f32.
    containers = {c.name: c for c in mixed.imported_program.containers}
    sixteen = [c for c in containers.values() if c.dtype == precision]
    assert sixteen, f"no {precision} container"
    assert all(c.transient for c in sixteen)
    # Parameters, their gradients, the optimizer's velocities, the loss, the input: the
    # program's non-transient containers, all as they were.
    before = {c.name: c for c in reference.imported_program.containers}
    kept = [c for c in containers.values() if not c.transient]
    assert len(kept) == len([c for c in before.values() if not c.transient])
    for c in kept:
        assert c.dtype == before[c.name].dtype, c.name
    assert containers["loss"].dtype == "f32"
    assert any(c.name.endswith("_grad") and c.dtype == "f32" for c in containers.values())
    x = torch.randn(10, 8, 16)
    y = torch.randint(0, 3, (10, 8))
    for i in range(10):
        feed = {"x": x[i].numpy(), "target": y[i].numpy()}
        want = reference.run(feed)["loss"]
        got = mixed.run(feed)["loss"]
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=2e-2, err_msg=f"step {i}, seed {SEED}")
    want = reference.parameters()
    got = mixed.parameters()
    for name, value in want.items():
        assert got[name].dtype == np.float32, name
        np.testing.assert_allclose(got[name], value, rtol=2e-2, atol=5e-3,
                                   err_msg=f"{name} after 10 steps, seed {SEED}")


def test_the_loss_falls_over_20_bf16_steps():
    """A learnable task: the class is the argmax of the first three features."""
    onnx_bytes = mlp_with_layer_norm(batch=64)  # batches large enough for a steady loss
    step = sluice.compile_training(onnx_bytes, loss="cross_entropy", optimizer="adamw", lr=0.02,
                                   precision="bf16")
    g = torch.Generator().manual_seed(SEED)
    losses = []
    for _ in range(20):
        x = torch.randn(64, 16, generator=g)
        y = torch.argmax(x[:, :3], dim=1)
        losses.append(float(step.run({"x": x.numpy(), "target": y.numpy()})["loss"]))
    print("bf16 losses", [round(v, 4) for v in losses])
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5]), f"seed {SEED}: {losses}"


def test_an_unknown_precision_is_refused():
    with pytest.raises(sluice.Error, match=r"--precision f64: unknown precision \(known: f32, bf16, f16\)"):
        sluice.compile_training(mlp_with_layer_norm(), precision="f64")


def test_the_transformation_refuses_f64_and_leaves_the_program_unchanged():
    from sluice import transforms as T
    program = sluice.compile_onnx(mlp_with_layer_norm()).imported_program
    found = T.find(program, "mixed-precision", params={"dtype": "f64"})
    assert not found.matches
    assert any("dtype=f64 is not a 16-bit float" in r.reason for r in found.rejected)
    assert "mixed-precision" in [t.name for t in T.transformations()]
    found = T.find(program, "mixed-precision")
    (match,) = found.matches
    assert "float32 transients in bf16" in match.match.description
    assert "Cast node" in match.match.description


def test_the_gradient_model_in_a_pipeline_follows_f32():
    """`mixed-precision` first in a pipeline on the forward + backward program (sluice.grad's):
    the outputs and every gradient within bf16's error, in norm."""
    net = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.LayerNorm(32), nn.Linear(32, 3),
                        nn.Softmax(-1))
    x = torch.randn(8, 16)
    onnx_bytes = export_torch(net, (x,), input_names=["x"], output_names=["y"],
                              constant_folding=False)
    default = sluice.compile_onnx(onnx_bytes, gradients=True)
    mixed = sluice.compile_onnx(onnx_bytes, gradients=True,
                                pipeline="mixed-precision,expand,dead-dataflow-elimination")
    feed = {"x": x.numpy(), "y@seed": torch.randn(8, 3).numpy()}
    want = default.run(feed)
    got = mixed.run(feed)
    assert sorted(got) == sorted(want)
    for name, value in want.items():
        assert got[name].dtype == np.float32, name
        error = np.linalg.norm(got[name] - value) / np.linalg.norm(value)
        assert error < 2e-2, f"{name}: relative error {error:.2e}, seed {SEED}"
