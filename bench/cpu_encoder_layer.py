"""Forward of a transformer encoder layer on the CPU: Sluice against PyTorch, in one run.

Layer: batch 4, sequence 128, hidden 256, 4 heads, FFN 1024, fp32 (nn.TransformerEncoderLayer,
eval mode). Prints the median time per forward of each (timed in alternating blocks), the ratio, and Sluice's compile time
cold (empty cache) and cached. Run from the repository root:

    PYTHONPATH=build/release/python /usr/bin/python3 bench/cpu_encoder_layer.py [--repeat 50] \
        [--threads=N]
"""

import argparse
import os

# OpenBLAS 0.3.21 misdetects this machine's Zen 5 CPU; Sluice's runtime sets this for its own
# GEMMs, and setting it before torch loads gives torch's BLAS the same kernels (a fair race).
os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
# Idle OpenMP threads sleep instead of spinning (Sluice's default; see codegen/executable.cpp).
# Set here, before torch loads libgomp, so both sides run under the same policy; pass
# --spin to measure both with libgomp's default instead.
if "--spin" not in os.sys.argv:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Both sides get the same number of threads (--threads, default every processor): Debian's torch
# starts with one here, Sluice's kernels read OMP_NUM_THREADS when they first run.
_threads = next((int(a.split("=", 1)[1]) for a in os.sys.argv if a.startswith("--threads=")),
                os.cpu_count())
os.environ["OMP_NUM_THREADS"] = str(_threads)
import statistics
import tempfile
import time

import numpy as np
import torch
from torch import nn

import sluice


def interleaved_medians(fns, repeat, rounds=5, warmup=3):
    """Median seconds per call of each function, timed in alternating blocks: on a machine with
    other work running, a load spike then hits both sides alike instead of one of them."""
    for fn in fns:
        for _ in range(warmup):
            fn()
    times = [[] for _ in fns]
    per_round = max(1, repeat // rounds)
    for _ in range(rounds):
        for fn, out in zip(fns, times):
            for _ in range(per_round):
                start = time.perf_counter()
                fn()
                out.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--ffn", type=int, default=1024)
    parser.add_argument("--no-blas", action="store_true",
                        help="contractions as their pure expansion instead of OpenBLAS calls")
    parser.add_argument("--threads", type=int, default=_threads,
                        help="threads for both PyTorch and Sluice (spell it --threads=N)")
    parser.add_argument("--spin", action="store_true",
                        help="leave OMP_WAIT_POLICY unset for both (libgomp's spinning default)")
    args = parser.parse_args()

    seed = int.from_bytes(os.urandom(4), "little")
    torch.manual_seed(seed)
    torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    layer = nn.TransformerEncoderLayer(args.hidden, args.heads, args.ffn, dropout=0.1,
                                       batch_first=True).eval()
    x = torch.randn(args.batch, args.seq, args.hidden)

    # Cold compile: a fresh cache folder; then cached: the same model again.
    with tempfile.TemporaryDirectory() as cache:
        os.environ["SLUICE_CACHE_DIR"] = cache
        start = time.perf_counter()
        onnx_bytes = sluice.model.export_torch(layer, (x,))
        export = time.perf_counter() - start
        start = time.perf_counter()
        compiled = sluice.compile_onnx(onnx_bytes, blas=not args.no_blas)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        compiled = sluice.compile_onnx(onnx_bytes, blas=not args.no_blas)
        cached = time.perf_counter() - start

        name = compiled.inputs[0].name
        feed = {name: x.numpy()}
        with torch.no_grad():
            expected = layer(x).numpy()
        got = compiled.run(feed)[compiled.outputs[0].name]
        error = float(np.max(np.abs(got - expected)) / (np.max(np.abs(expected)) + 1e-30))

        with torch.no_grad():
            t_torch, t_sluice = interleaved_medians(
                [lambda: layer(x), lambda: compiled.run(feed)], args.repeat)

    print(f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(default)')}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}")
    print(f"seed {seed}; torch {torch.__version__}, {threads} threads; Sluice "
          f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}; "
          f"layer b={args.batch} s={args.seq} h={args.hidden} heads={args.heads} ffn={args.ffn}")
    print(f"max relative error vs torch: {error:.2e}")
    print(f"PyTorch CPU (eager)  {t_torch * 1e3:9.3f} ms / forward")
    print(f"Sluice ({'pure' if args.no_blas else 'blas'})        {t_sluice * 1e3:9.3f} ms / forward")
    print(f"ratio torch / sluice {t_torch / t_sluice:9.2f}x  (>1: Sluice faster)")
    print(f"compile (ONNX bytes -> runnable, import included): cold {cold:.3f} s, "
          f"cached {cached * 1e3:.1f} ms; torch.onnx.export took {export:.3f} s")


if __name__ == "__main__":
    main()
