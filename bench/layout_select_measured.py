"""layout-select by the cost model against layout-select{measure=true}, on one ONNX model, in one
run: which transient arrays each relays, whether the outputs agree, and the median time per run
of each compiled program (timed in interleaved rounds) with its ratio to the program without
layout-select. Run from the repository root:

    PYTHONPATH=build/release/python /usr/bin/python3 bench/layout_select_measured.py \
        [--model samples/models/bert_layer.onnx] [--base PIPELINE] [--rounds 15] [--runs 20]

--base is the pipeline both variants start from (default: CompiledModel's default pipeline);
layout-select is appended to it. Measure mode prints its progress on stderr.
"""

import argparse
import statistics
import time

import numpy as np

import sluice

DEFAULT = ("expand,redundant-copy-elimination{library_readers=true},map-fusion,"
           "normalization-fusion,redundant-copy-elimination,dead-dataflow-elimination")


def transient_strides(program):
    return {c.name: [str(s) for s in c.strides] for c in program.containers if c.transient}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="samples/models/bert_layer.onnx")
    parser.add_argument("--base", default=DEFAULT)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    variants = {
        "without layout-select": args.base,
        "layout-select (model)": args.base + ",layout-select",
        "layout-select{measure=true}": args.base + ",layout-select{measure=true}",
    }
    compiled = {}
    for name, pipeline in variants.items():
        start = time.perf_counter()
        compiled[name] = sluice.compile_onnx(args.model, pipeline=pipeline)
        print(f"compiled {name}: {time.perf_counter() - start:.1f} s", flush=True)

    base = compiled["without layout-select"]
    before = transient_strides(base.program)
    for name in list(variants)[1:]:
        after = transient_strides(compiled[name].program)
        changed = sorted(k for k, v in after.items() if before.get(k) != v)
        print(f"{name}: {len(changed)} arrays relaid")
        for k in changed:
            print(f"    {k}: {before.get(k)} -> {after[k]}")

    seed = np.random.SeedSequence().entropy
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    inputs = {v.name: rng.uniform(-1, 1, [int(d) for d in v.shape]).astype(np.float32)
              for v in base.inputs}
    want = base.run(inputs)
    for name, model in compiled.items():
        got = model.run(inputs)
        diff = max(float(np.max(np.abs(got[k] - want[k]))) for k in want)
        print(f"{name}: max abs difference from the program without layout-select {diff:.2e}")

    times = {name: [] for name in compiled}
    for _ in range(args.rounds):
        for name, model in compiled.items():  # interleaved: every round runs every variant
            start = time.perf_counter()
            for _ in range(args.runs):
                model.run(inputs)
            times[name].append((time.perf_counter() - start) / args.runs)
    reference = statistics.median(times["without layout-select"])
    print(f"\n{'variant':32s} {'median ms':>10s} {'min':>8s} {'max':>8s} {'ratio':>7s}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:32s} {median * 1e3:10.3f} {min(values) * 1e3:8.3f} "
              f"{max(values) * 1e3:8.3f} {median / reference:7.3f}")
    print(f"({args.rounds} interleaved rounds of {args.runs} runs each)")


if __name__ == "__main__":
    main()
