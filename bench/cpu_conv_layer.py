"""A convolution layer (Conv 3x3 + bias + ReLU) on the CPU: PyTorch against Sluice with Conv's
two implementations, in one run: `pure` (the window sums as maps) and `blas` (an im2col map and
one OpenBLAS GEMM; what `expand` picks by default). Prints median times and ratios.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/cpu_conv_layer.py [--repeat 20]
"""

import argparse
import os

os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")  # as bench/cpu_encoder_layer.py says
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import statistics
import time

import numpy as np
import torch
from torch import nn

import sluice


def median_seconds(fn, repeat, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--size", type=int, default=28)
    args = parser.parse_args()
    seed = int.from_bytes(os.urandom(4), "little")
    torch.manual_seed(seed)
    layer = nn.Sequential(nn.Conv2d(args.channels, args.channels, 3, padding=1), nn.ReLU()).eval()
    x = torch.randn(args.batch, args.channels, args.size, args.size)
    onnx_bytes = sluice.model.export_torch(layer, (x,))
    with torch.no_grad():
        expected = layer(x).numpy()
        t_torch = median_seconds(lambda: layer(x), args.repeat)
    print(f"seed {seed}; conv {args.channels}->{args.channels} 3x3, batch {args.batch}, "
          f"{args.size}x{args.size}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"PyTorch CPU (eager)    {t_torch * 1e3:9.3f} ms / forward")
    for impl in ("pure", "blas"):
        compiled = sluice.compile_onnx(onnx_bytes, pipeline=f"expand{{impl={impl}}},map-fusion,"
                                       "redundant-copy-elimination,dead-dataflow-elimination")
        feed = {compiled.inputs[0].name: x.numpy()}
        got = compiled.run(feed)[compiled.outputs[0].name]
        error = float(np.max(np.abs(got - expected)) / (np.max(np.abs(expected)) + 1e-30))
        t = median_seconds(lambda: compiled.run(feed), args.repeat)
        print(f"Sluice Conv '{impl}'    {t * 1e3:9.3f} ms / forward   torch/sluice "
              f"{t_torch / t:6.2f}x   max rel. error {error:.1e}")


if __name__ == "__main__":
    main()
