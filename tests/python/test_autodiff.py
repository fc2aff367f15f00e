"""Gradients by Sluice's reverse mode (``sluice.grad``) against torch autograd, for models built
from torch.nn modules and exported by Debian's torch: every parameter's and input's gradient
within 1e-4 relative error (fp32)."""

import os
import random

import numpy as np
import onnx
import onnx.helper
import onnx.numpy_helper
import pytest
import torch
from torch import nn

import sluice
from sluice.model import export_torch

if os.environ.get("SLUICE_SANITIZED_PYTHON"):
    pytest.skip("torch under the ASan-preloaded interpreter", allow_module_level=True)

# The transformer stack of the forward tests (BERT- and GPT-like), here checked for gradients.
from test_torch_models import Block, Stack  # noqa: E402  (tests/python is on pytest's path)

SEED = random.SystemRandom().randrange(2**31)
print(f"test_autodiff seed: {SEED}")


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(SEED)


def check_gradients(module, inputs, float_inputs=(), rtol=1e-4, atol=1e-5):
    """Exports ``module``, asks Sluice for d sum(out * seed) and compares with torch."""
    module.eval()
    names = [f"input_{i}" for i in range(len(inputs))]
    onnx_bytes = export_torch(module, inputs, input_names=names, output_names=["out"],
                              constant_folding=False)
    leaves = [t.clone().requires_grad_(i in float_inputs) for i, t in enumerate(inputs)]
    out = module(*leaves)
    seed = torch.randn_like(out)
    module.zero_grad()
    (out * seed).sum().backward()

    grads, outputs = sluice.grad(onnx_bytes, {n: t.numpy() for n, t in zip(names, inputs)},
                                 {"out": seed.numpy()})
    np.testing.assert_allclose(outputs["out"], out.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg=f"forward, seed {SEED}")
    checked = 0
    for name, p in module.named_parameters():
        assert name in grads, f"no gradient for parameter {name} (got {sorted(grads)})"
        np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"d/d {name}, seed {SEED}")
        checked += 1
    for i in float_inputs:
        np.testing.assert_allclose(grads[names[i]], leaves[i].grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"d/d {names[i]}, seed {SEED}")
        checked += 1
    assert checked > 0


def test_mlp():
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.GELU(),
                          nn.Linear(64, 10), nn.LogSoftmax(dim=-1))
    check_gradients(model, (torch.randn(8, 32),), float_inputs=(0,))


def test_cnn():
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, stride=2), nn.BatchNorm2d(16), nn.ReLU(), nn.AvgPool2d(2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
    check_gradients(model, (torch.randn(2, 3, 16, 16),), float_inputs=(0,))


def test_transformer_encoder_layer():
    layer = nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128, dropout=0.0,
                                       batch_first=True)
    check_gradients(layer, (torch.randn(2, 16, 64),), float_inputs=(0,))


@pytest.mark.parametrize("causal", [False, True], ids=["bert", "gpt"])
def test_transformer_stack(causal):
    batch, seq, vocab = 2, 12, 50
    model = Stack(vocab, 32, 4, 2, causal, seq)
    tokens = torch.randint(0, vocab, (batch, seq))
    mask = torch.ones(batch, seq)
    mask[1, 8:] = 0.0
    check_gradients(model, (tokens, mask))


def test_embedding_gradient_at_table_size_matches_np_add_at():
    """GatherGrad on an embedding table of a realistic size, with repeated indices: the rows
    that several positions read sum their adjoints (numpy's unbuffered np.add.at)."""
    rng = np.random.default_rng(SEED)
    table = onnx.numpy_helper.from_array(rng.standard_normal((1000, 16)).astype(np.float32),
                                         "table")
    ids = onnx.helper.make_tensor_value_info("ids", onnx.TensorProto.INT64, [64])
    out = onnx.helper.make_tensor_value_info("out", onnx.TensorProto.FLOAT, [64, 16])
    graph = onnx.helper.make_graph([onnx.helper.make_node("Gather", ["table", "ids"], ["out"])],
                                   "embedding", [ids], [out], initializer=[table])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 13)])
    indices = rng.integers(0, 1000, 64)
    indices[10:20] = indices[0]  # one row read 11 times
    indices[30] = indices[31] = 999
    seed = rng.standard_normal((64, 16)).astype(np.float32)
    grads, _ = sluice.grad(model.SerializeToString(), {"ids": indices}, {"out": seed})
    expected = np.zeros((1000, 16), np.float32)
    np.add.at(expected, indices, seed)
    np.testing.assert_allclose(grads["table"], expected, rtol=1e-5, atol=1e-5,
                               err_msg=f"seed {SEED}")


def test_a_model_with_an_op_without_gradient_rule_names_it():
    class Floor(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.randn(4))

        def forward(self, x):
            return torch.cumsum(x * self.w, dim=0)

    onnx_bytes = export_torch(Floor(), (torch.randn(4),), input_names=["x"],
                              output_names=["out"], constant_folding=False)
    with pytest.raises(sluice.Error, match=r"no gradient rule for CumSum \(used by '.*CumSum.*'\)"):
        sluice.grad(onnx_bytes, {"x": np.ones(4, np.float32)})


def test_torch_module_gradients_match_the_wrapped_module():
    net = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 4))
    x = torch.randn(8, 16)
    wrapped = sluice.torch.Module(net, (x,))
    # The parameters are the wrapped module's own tensors, not copies.
    assert {id(p) for p in wrapped.parameters()} == {id(p) for p in net.parameters()}
    seed = torch.randn(8, 4)
    xs = x.clone().requires_grad_(True)
    (wrapped(xs) * seed).sum().backward()
    got = {n: p.grad.clone() for n, p in net.named_parameters()}
    got_x = xs.grad.clone()
    net.zero_grad()
    xt = x.clone().requires_grad_(True)
    (net(xt) * seed).sum().backward()
    for n, p in net.named_parameters():
        np.testing.assert_allclose(got[n].numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=f"d/d {n}, seed {SEED}")
    np.testing.assert_allclose(got_x.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)


class Classifier(nn.Module):
    """A small transformer classifier: embedding, one post-norm block, mean pooling, a head."""

    def __init__(self, vocab=20, hidden=32, heads=4, seq=8, classes=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.position = nn.Parameter(torch.randn(seq, hidden) * 0.1)
        self.block = Block(hidden, heads, causal=False)
        self.head = nn.Linear(hidden, classes)

    def forward(self, tokens, mask):
        x = self.block(self.embed(tokens) + self.position, mask)
        return self.head(x.mean(dim=1))


def synthetic_task(steps, batch=16, seq=8, vocab=20):
    """Tokens whose class is the first token mod 3."""
    g = torch.Generator().manual_seed(SEED)
    tokens = torch.randint(0, vocab, (steps, batch, seq), generator=g)
    labels = tokens[..., 0] % 3
    return tokens, labels


def test_training_with_the_torch_module_follows_torch_for_200_steps():
    steps = 200
    tokens, labels = synthetic_task(steps)
    mask = torch.ones(16, 8)
    reference = Classifier()
    ours = Classifier()
    ours.load_state_dict(reference.state_dict())
    wrapped = sluice.torch.Module(ours, (tokens[0], mask))
    opt_ref = torch.optim.AdamW(reference.parameters(), lr=1e-3)
    opt_ours = torch.optim.AdamW(wrapped.parameters(), lr=1e-3)
    losses_ref, losses_ours = [], []
    for step in range(steps):
        for model, opt, losses in ((reference, opt_ref, losses_ref),
                                   (wrapped, opt_ours, losses_ours)):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(tokens[step], mask), labels[step])
            loss.backward()
            opt.step()
            losses.append(loss.item())
    ref, got = np.array(losses_ref), np.array(losses_ours)
    print("loss: first", ref[0], got[0], "last", ref[-1], got[-1])
    np.testing.assert_allclose(got, ref, rtol=1e-3, err_msg=f"seed {SEED}")
    assert ref[-20:].mean() < ref[:20].mean()


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw"])
def test_training_step_program_follows_torch(optimizer):
    """One program per step (forward, cross entropy, backward, update) against torch.optim."""
    net = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.LayerNorm(32), nn.Linear(32, 3))
    x = torch.randn(20, 8, 16)
    y = torch.randint(0, 3, (20, 8))
    onnx_bytes = export_torch(net, (x[0],), input_names=["x"], output_names=["logits"],
                              constant_folding=False)
    step = sluice.compile_training(onnx_bytes, loss="cross_entropy", optimizer=optimizer,
                                   lr=0.01, momentum=0.9, weight_decay=0.01)
    make = {"sgd": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, weight_decay=0.01),
            "adam": lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.01),
            "adamw": lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.01)}[optimizer]
    opt = make(net.parameters())
    for i in range(20):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(x[i]), y[i])
        loss.backward()
        opt.step()
        got = step.run({"x": x[i].numpy(), "target": y[i].numpy()})["loss"]
        np.testing.assert_allclose(got, loss.item(), rtol=1e-4, err_msg=f"step {i}, seed {SEED}")
    trained = step.parameters()
    for name, p in net.named_parameters():
        np.testing.assert_allclose(trained[name], p.detach().numpy(), rtol=1e-3, atol=1e-5,
                                   err_msg=f"{name} after 20 steps, seed {SEED}")


def test_training_step_with_mse_on_a_regression():
    net = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
    x = torch.randn(10, 6, 4)
    target = torch.randn(10, 6, 2)
    onnx_bytes = export_torch(net, (x[0],), input_names=["x"], output_names=["y"],
                              constant_folding=False)
    step = sluice.compile_training(onnx_bytes, loss="mse", optimizer="sgd", lr=0.05, momentum=0.0)
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    for i in range(10):
        opt.zero_grad()
        loss = nn.functional.mse_loss(net(x[i]), target[i])
        loss.backward()
        opt.step()
        got = step.run({"x": x[i].numpy(), "target": target[i].numpy()})["loss"]
        np.testing.assert_allclose(got, loss.item(), rtol=1e-4, err_msg=f"step {i}, seed {SEED}")


def test_training_with_an_unknown_loss_is_refused():
    net = nn.Linear(4, 2)
    onnx_bytes = export_torch(net, (torch.randn(3, 4),), input_names=["x"], output_names=["y"],
                              constant_folding=False)
    with pytest.raises(sluice.Error, match=r"--loss hinge: unknown loss \(known: cross_entropy, mse\)"):
        sluice.compile_training(onnx_bytes, loss="hinge")


class DropoutClassifier(Classifier):
    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.1)

    def forward(self, tokens, mask):
        x = self.block(self.drop(self.embed(tokens) + self.position), mask)
        return self.head(self.drop(x.mean(dim=1)))


def test_dropout_masks_are_fresh_per_step_and_regenerated_in_backward():
    torch.manual_seed(SEED)
    net = nn.Sequential(nn.Linear(16, 64), nn.Dropout(0.5), nn.Linear(64, 4))
    x = torch.randn(8, 16)
    wrapped = sluice.torch.Module(net, (x,))
    wrapped.train()
    a, b = wrapped(x), wrapped(x)
    assert not torch.equal(a, b), "two training steps drew the same dropout mask"
    wrapped.eval()
    np.testing.assert_allclose(wrapped(x).detach().numpy(), net.eval()(x).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    # The backward regenerates the forward's mask: through a linear model, the gradient of
    # sum(out) with respect to the input equals a finite difference of the same masked function.
    wrapped.train()
    xs = x.clone().requires_grad_(True)
    out = wrapped(xs)
    offset = wrapped._offset
    out.sum().backward()
    programs = wrapped._train
    feed = programs.feed((x,), offset)
    h = 1e-2
    numeric = np.zeros(16, np.float32)
    for i in range(16):
        plus, minus = dict(feed), dict(feed)
        plus["input_0"] = feed["input_0"].copy()
        minus["input_0"] = feed["input_0"].copy()
        plus["input_0"][0, i] += h
        minus["input_0"][0, i] -= h
        f = lambda d: programs.forward.run(d)[programs.output_names[0]].sum()
        numeric[i] = (f(plus) - f(minus)) / (2 * h)
    np.testing.assert_allclose(xs.grad[0].numpy(), numeric, rtol=1e-2, atol=1e-3)


def test_training_with_dropout_on_lowers_the_loss():
    steps = 200
    tokens, labels = synthetic_task(steps)
    mask = torch.ones(16, 8)
    wrapped = sluice.torch.Module(DropoutClassifier(), (tokens[0], mask))
    wrapped.train()
    opt = torch.optim.AdamW(wrapped.parameters(), lr=3e-3)
    losses = []
    for step in range(steps):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(wrapped(tokens[step], mask), labels[step])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    print("dropout on: first 20 mean", np.mean(losses[:20]), "last 20 mean", np.mean(losses[-20:]))
    assert np.mean(losses[-20:]) < 0.8 * np.mean(losses[:20]), f"seed {SEED}"


def test_a_dropout_offset_input_that_is_not_a_graph_input_is_refused():
    ratio = onnx.numpy_helper.from_array(np.array(0.5, np.float32), "ratio")
    on = onnx.numpy_helper.from_array(np.array(True), "on")
    node = onnx.helper.make_node("Dropout", ["x", "ratio", "on"], ["y"], name="drop",
                                 sluice_offset_input="nope")
    graph = onnx.helper.make_graph(
        [node], "g", [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [4])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [4])], [ratio, on])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)])
    with pytest.raises(sluice.Error,
                       match="node 'drop' \\(Dropout\\): attribute 'sluice_offset_input' must "
                             "name a graph input"):
        sluice.compile_onnx(model)
