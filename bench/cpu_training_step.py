"""Training step of a transformer encoder layer on the CPU: Sluice against PyTorch, in one run.

Step: forward of nn.TransformerEncoderLayer (batch 4, sequence 128, hidden 256, 4 heads, FFN 1024,
fp32, dropout off), MSE loss against a fixed random target, backward, AdamW update. PyTorch runs
eager autograd and torch.optim.AdamW; Sluice runs one compiled training-step program
(sluice.compile_training: forward, loss, backward and update, after its default pipeline).
Checks that the two follow each other for a few steps first, then prints the median time per
step of each (timed in alternating blocks) and the ratio. From the repository root:

    PYTHONPATH=build/release/python /usr/bin/python3 bench/cpu_training_step.py [--threads=N]
"""

import argparse
import copy
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Same thread, BLAS and wait-policy settings as the forward benchmark (set before torch loads).
from cpu_encoder_layer import interleaved_medians  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import sluice  # noqa: E402
from sluice.model import export_torch  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--ffn", type=int, default=1024)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--pipeline", default=None,
                        help="Sluice's transformations (default: its default pipeline)")
    parser.add_argument("--threads", type=int, default=int(os.environ["OMP_NUM_THREADS"]),
                        help="threads for both PyTorch and Sluice (spell it --threads=N)")
    parser.add_argument("--spin", action="store_true")
    args = parser.parse_args()

    seed = int.from_bytes(os.urandom(4), "little")
    torch.manual_seed(seed)
    torch.set_num_threads(args.threads)
    layer = nn.TransformerEncoderLayer(args.hidden, args.heads, args.ffn, dropout=0.0,
                                       batch_first=True)
    x = torch.randn(args.batch, args.seq, args.hidden)
    target = torch.randn(args.batch, args.seq, args.hidden)

    start = time.perf_counter()
    onnx_bytes = export_torch(layer.eval(), (x,), input_names=["x"], output_names=["y"],
                              constant_folding=False)
    layer.train()
    step = sluice.compile_training(onnx_bytes, loss="mse", optimizer="adamw", lr=args.lr,
                                   pipeline=args.pipeline)
    compile_seconds = time.perf_counter() - start
    feed = {"x": x.numpy(), "target": target.numpy()}

    reference = copy.deepcopy(layer)
    opt = torch.optim.AdamW(reference.parameters(), lr=args.lr)

    def torch_step():
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.mse_loss(reference(x), target)
        loss.backward()
        opt.step()
        return loss.item()

    # Correctness: the same losses for the first steps, from the same weights.
    worst = 0.0
    for _ in range(5):
        want = torch_step()
        got = float(step.run(feed)["loss"])
        worst = max(worst, abs(got - want) / abs(want))

    t_torch, t_sluice = interleaved_medians([torch_step, lambda: step.run(feed)], args.repeat)
    print(f"seed {seed}; torch {torch.__version__}, {torch.get_num_threads()} threads; Sluice "
          f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}; layer b={args.batch} s={args.seq} "
          f"h={args.hidden} heads={args.heads} ffn={args.ffn}; AdamW lr={args.lr}")
    print(f"loss over the first 5 steps: max relative difference vs torch {worst:.2e}")
    print(f"PyTorch CPU (eager autograd + AdamW) {t_torch * 1e3:9.3f} ms / step")
    print(f"Sluice training-step program        {t_sluice * 1e3:9.3f} ms / step")
    print(f"ratio torch / sluice {t_torch / t_sluice:9.2f}x  (>1: Sluice faster)")
    print(f"Sluice export + compile: {compile_seconds:.2f} s")
    return 0 if worst < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
