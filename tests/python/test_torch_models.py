"""Models built from torch.nn modules, exported by Debian's torch (opset 17) and run by Sluice:
an MLP, a CNN (Conv/BatchNorm/pooling), a transformer encoder layer, and small BERT-style and
GPT-style stacks with attention masks. Outputs must match torch within 1e-4 relative error."""

import math
import os
import random

import numpy as np
import pytest
import torch
from torch import nn

import sluice

if os.environ.get("SLUICE_SANITIZED_PYTHON"):
    # torch's native libraries in an interpreter with ASan preloaded are not a supported mix;
    # the pipeline under the sanitizers is covered by the C++ pipeline and codegen tests.
    pytest.skip("torch under the ASan-preloaded interpreter", allow_module_level=True)

SEED = random.SystemRandom().randrange(2**31)
print(f"test_torch_models seed: {SEED}")


def check(module, *inputs, rtol=1e-4, atol=1e-5):
    module.eval()
    with torch.no_grad():
        expected = module(*inputs)
    compiled = sluice.from_torch(module, inputs)
    got = compiled(*inputs)
    if not isinstance(expected, tuple):
        expected, got = (expected,), (got,)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"seed {SEED}")


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(SEED)


def test_mlp():
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.GELU(),
                          nn.Linear(64, 10), nn.LogSoftmax(dim=-1))
    check(model, torch.randn(8, 32))


def test_cnn():
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, stride=2), nn.BatchNorm2d(16), nn.ReLU(), nn.AvgPool2d(2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
    # Non-trivial running statistics, so BatchNorm's inference form is exercised.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
    check(model, torch.randn(2, 3, 16, 16))


def test_transformer_encoder_layer():
    layer = nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128, dropout=0.1,
                                       batch_first=True)
    check(layer, torch.randn(2, 16, 64))


class Attention(nn.Module):
    def __init__(self, hidden, heads, causal):
        super().__init__()
        self.heads, self.causal = heads, causal
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)

    def forward(self, x, mask):
        b, s, h = x.shape
        d = h // self.heads
        q, k, v = self.qkv(x).split(h, dim=-1)
        q, k, v = (t.reshape(b, s, self.heads, d).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(d)
        # mask: (b, s) with 1 for tokens to attend to, 0 for padding.
        scores = scores + (1.0 - mask[:, None, None, :]) * -10000.0
        if self.causal:
            causal = torch.triu(torch.ones(s, s), diagonal=1) * -10000.0
            scores = scores + causal
        attn = torch.softmax(scores, dim=-1)
        return self.out((attn @ v).transpose(1, 2).reshape(b, s, h))


class Block(nn.Module):
    def __init__(self, hidden, heads, causal):
        super().__init__()
        self.attn = Attention(hidden, heads, causal)
        self.ln1, self.ln2 = nn.LayerNorm(hidden), nn.LayerNorm(hidden)
        self.ffn = nn.Sequential(nn.Linear(hidden, 4 * hidden), nn.GELU(),
                                 nn.Linear(4 * hidden, hidden))
        self.pre_norm = causal  # GPT: pre-norm; BERT: post-norm

    def forward(self, x, mask):
        if self.pre_norm:
            x = x + self.attn(self.ln1(x), mask)
            return x + self.ffn(self.ln2(x))
        x = self.ln1(x + self.attn(x, mask))
        return self.ln2(x + self.ffn(x))


class Stack(nn.Module):
    def __init__(self, vocab, hidden, heads, layers, causal, seq):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.position = nn.Parameter(torch.randn(seq, hidden) * 0.02)
        self.blocks = nn.ModuleList(Block(hidden, heads, causal) for _ in range(layers))
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens, mask):
        x = self.embed(tokens) + self.position
        for block in self.blocks:
            x = block(x, mask)
        return self.head(x)


@pytest.mark.parametrize("causal", [False, True], ids=["bert", "gpt"])
def test_transformer_stack(causal):
    batch, seq, vocab = 2, 12, 50
    model = Stack(vocab, 32, 4, 2, causal, seq)
    tokens = torch.randint(0, vocab, (batch, seq))
    mask = torch.ones(batch, seq)
    mask[1, 8:] = 0.0
    check(model, tokens, mask)
