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
import ctypes
import os
import subprocess
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


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]


def heap_in_use():
    """Bytes the process has allocated through malloc and not freed (glibc's mallinfo2): torch's
    CPU tensors and Sluice's buffers both come from malloc."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _Mallinfo2
    info = libc.mallinfo2()
    return info.uordblks + info.hblkhd


def measure_memory(side, args):
    """Peak memory of a training step (run as a subprocess): the heap in use at its fullest during
    three steps, less what was in use before them, plus what the step needs that was allocated
    before (parameters; for Sluice also the AdamW moments its model owns: its gradients are
    transients, in the heap the steps allocate)."""
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(args.hidden, args.heads, args.ffn, dropout=0.0,
                                       batch_first=True)
    x = torch.randn(args.batch, args.seq, args.hidden)
    target = torch.randn(args.batch, args.seq, args.hidden)
    param_bytes = sum(p.numel() * 4 for p in layer.parameters())
    if side == "torch":
        opt = torch.optim.AdamW(layer.parameters(), lr=args.lr)
        before = heap_in_use()
        peak = [before]

        def sample(*_):
            peak[0] = max(peak[0], heap_in_use())

        for p in layer.parameters():
            p.register_hook(sample)  # as each gradient is computed: backward's fullest moments
        for _ in range(3):
            opt.zero_grad(set_to_none=True)
            loss = nn.functional.mse_loss(layer(x), target)
            loss.register_hook(sample)  # the start of backward: every saved activation alive
            loss.backward()
            opt.step()
            sample()
        return param_bytes + peak[0] - before
    onnx_bytes = export_torch(layer.eval(), (x,), input_names=["x"], output_names=["y"],
                              constant_folding=False)
    step = sluice.compile_training(onnx_bytes, loss="mse", optimizer="adamw", lr=args.lr,
                                   pipeline=args.pipeline)
    feed = {"x": x.numpy(), "target": target.numpy()}
    before = heap_in_use()
    peak = before
    for _ in range(3):
        step.run(feed)  # the first run allocates every transient, once
        peak = max(peak, heap_in_use())
    return 3 * param_bytes + peak - before


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
    parser.add_argument("--memory", choices=["torch", "sluice"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        print(measure_memory(args.memory, args))
        return 0

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

    # Memory: Sluice's footprint analysis of the compiled step, and both sides measured alike in
    # fresh processes (the compiled step comes from the code cache there).
    footprint = step.program.report({})["footprint"]
    predicted = footprint["arguments"] + footprint["peak_transients"]
    measured = {}
    for side in ("torch", "sluice"):
        out = subprocess.run([sys.executable, __file__, f"--memory={side}",
                              f"--threads={args.threads}"] + sys.argv[1:], check=True,
                             capture_output=True, text=True).stdout
        measured[side] = int(out.split()[-1])
    mib = 1 << 20
    print(f"peak memory of a step: Sluice footprint analysis {predicted / mib:.1f} MiB "
          f"(arguments {footprint['arguments'] / mib:.1f} + peak transients "
          f"{footprint['peak_transients'] / mib:.1f}; all transients at once "
          f"{footprint['transients'] / mib:.1f}); measured: Sluice "
          f"{measured['sluice'] / mib:.1f} MiB, PyTorch {measured['torch'] / mib:.1f} MiB")
    return 0 if worst < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
