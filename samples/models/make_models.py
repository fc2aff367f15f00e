"""Writes the sample models in this folder (run with Debian's /usr/bin/python3 and torch).

    /usr/bin/python3 samples/models/make_models.py

tiny_transformer.onnx: a 2-layer GPT-style decoder (hidden 32, 4 heads, FFN 128, vocabulary 64,
sequence 16, causal and padding masks), exported with opset 17. `sluice demo` runs it.
bert_layer.onnx: one BERT encoder layer written from torch.nn modules (post-LayerNorm, GeLU,
dropout in eval mode, an attention mask from a [batch, sequence] padding mask), batch 2,
sequence 128, hidden 128, 4 heads, FFN 512, opset 17. The transformation benchmarks and the
data-movement acceptance test optimize it.
The weights come from a fixed seed, so the file is reproducible with the same torch version.
"""

import math
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class Attention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)

    def forward(self, x, mask):
        b, s, h = x.shape
        d = h // self.heads
        q, k, v = self.qkv(x).split(h, dim=-1)
        q, k, v = (t.reshape(b, s, self.heads, d).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(d)
        scores = scores + (1.0 - mask[:, None, None, :]) * -10000.0
        scores = scores + torch.triu(torch.ones(s, s), diagonal=1) * -10000.0
        return self.out((torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, s, h))


class Block(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(hidden), nn.LayerNorm(hidden)
        self.attn = Attention(hidden, heads)
        self.ffn = nn.Sequential(nn.Linear(hidden, 4 * hidden), nn.GELU(),
                                 nn.Linear(4 * hidden, hidden))

    def forward(self, x, mask):
        x = x + self.attn(self.ln1(x), mask)
        return x + self.ffn(self.ln2(x))


class TinyTransformer(nn.Module):
    def __init__(self, vocab=64, hidden=32, heads=4, layers=2, seq=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.position = nn.Parameter(torch.randn(seq, hidden) * 0.02)
        self.blocks = nn.ModuleList(Block(hidden, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(hidden)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens, mask):
        x = self.embed(tokens) + self.position
        for block in self.blocks:
            x = block(x, mask)
        return self.head(self.norm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, hidden, heads, dropout=0.1):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, mask):
        b, s, h = x.shape
        d = h // self.heads

        def split(t):
            return t.reshape(b, s, self.heads, d).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-2, -1) / math.sqrt(d) + (1.0 - mask[:, None, None, :]) * -10000.0
        context = self.dropout(torch.softmax(scores, dim=-1)) @ v
        return context.transpose(1, 2).reshape(b, s, h)


class BertLayer(nn.Module):
    def __init__(self, hidden=128, heads=4, ffn=512, dropout=0.1):
        super().__init__()
        self.attention = BertSelfAttention(hidden, heads, dropout)
        self.attention_out = nn.Linear(hidden, hidden)
        self.ln1, self.ln2 = nn.LayerNorm(hidden), nn.LayerNorm(hidden)
        self.intermediate = nn.Linear(hidden, ffn)
        self.output = nn.Linear(ffn, hidden)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, mask):
        x = self.ln1(x + self.dropout(self.attention_out(self.attention(x, mask))))
        return self.ln2(x + self.dropout(self.output(nn.functional.gelu(self.intermediate(x)))))


def export(model, inputs, names, name):
    path = os.path.join(HERE, name)
    with torch.no_grad():
        torch.onnx.export(model, inputs, path, opset_version=17, input_names=names,
                          output_names=["y" if name.startswith("bert") else "logits"],
                          do_constant_folding=True)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    torch.manual_seed(20261121)
    model = TinyTransformer().eval()
    tokens = torch.randint(0, 64, (1, 16))
    mask = torch.ones(1, 16)
    export(model, (tokens, mask), ["tokens", "mask"], "tiny_transformer.onnx")
    torch.manual_seed(20261122)
    bert = BertLayer().eval()
    x = torch.randn(2, 128, 128)
    padding = torch.ones(2, 128)
    padding[1, 100:] = 0.0
    export(bert, (x, padding), ["x", "mask"], "bert_layer.onnx")


if __name__ == "__main__":
    main()
