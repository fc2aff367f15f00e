"""Run time of one ONNX model compiled with several pipelines, in one process, interleaved.

Each pipeline is compiled once; the outputs are checked against the first pipeline's on the
same random inputs (seed printed); then rounds of runs alternate between the compiled models so
that load on the machine hits them alike. Prints the median per run and the ratio to the first.
Run from the repository root:

    PYTHONPATH=build/release/python /usr/bin/python3 bench/compare_pipelines.py MODEL.onnx \\
        'expand' 'default' 'default+epilogue-fusion' [--threads=1]

`default` stands for the default pipeline (samples/recipes/default.pipeline); `default+X`
inserts X after normalization-fusion.
"""

import argparse
import os
import pathlib
import statistics
import sys
import time

_threads = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--threads=")), None)
if _threads:
    os.environ["OMP_NUM_THREADS"] = _threads
# Same kernels and waiting policy as bench/cpu_encoder_layer.py (see there why).
os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

import sluice  # noqa: E402

DEFAULT = (pathlib.Path(__file__).resolve().parents[1] / "samples" / "recipes" /
           "default.pipeline").read_text().strip()


def spelled(pipeline):
    if pipeline == "default":
        return DEFAULT
    if pipeline.startswith("default+"):
        anchor = "normalization-fusion,"
        at = DEFAULT.index(anchor) + len(anchor)
        return DEFAULT[:at] + pipeline[len("default+"):] + "," + DEFAULT[at:]
    return pipeline


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("pipelines", nargs="+")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=10, help="timed runs per model per round")
    parser.add_argument("--threads", help="OMP_NUM_THREADS for Sluice (spell it --threads=N)")
    args = parser.parse_args()

    seed = int.from_bytes(os.urandom(4), "little")
    rng = np.random.default_rng(seed)
    models = [sluice.compile_onnx(args.model, pipeline=spelled(p)) for p in args.pipelines]
    feed = {}
    for value in models[0].inputs:
        shape = [int(d) for d in value.shape]
        feed[value.name] = rng.standard_normal(shape).astype(np.float32)
    reference = models[0].run(feed)
    print(f"seed {seed}; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}")
    for name, model in zip(args.pipelines, models):
        got = model.run(feed)
        error = max(float(np.max(np.abs(got[k] - v))) for k, v in reference.items())
        print(f"{name:30s} max abs difference to '{args.pipelines[0]}': {error:.2e}")

    times = [[] for _ in models]
    for _ in range(args.rounds):
        for model, out in zip(models, times):
            for _ in range(3):
                model.run(feed)
            for _ in range(args.runs):
                start = time.perf_counter()
                model.run(feed)
                out.append(time.perf_counter() - start)
    base = statistics.median(times[0])
    for name, t in zip(args.pipelines, times):
        m = statistics.median(t)
        print(f"{name:30s} {m * 1e3:9.3f} ms / run   {base / m:5.2f}x of '{args.pipelines[0]}'")


if __name__ == "__main__":
    main()
