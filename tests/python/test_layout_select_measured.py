"""layout-select{measure=true} from Python: the module installs the CPU kernel timer at import,
so measured layout selection runs in sluice.transforms pipelines and in compile_onnx."""

import pathlib

import numpy as np
import pytest

import sluice
from sluice import transforms as T

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Both maps walk T down its columns (i innermost); column-major T runs them contiguously.
COLUMN_WALK = """program lay {
  symbol N: i64
  array X: f32[N, N]
  array T: f32[N, N] transient
  array Y: f32[N, N]
  state 0 "main" start {
    node 0 = access X
    node 1 = map "produce" [j = 0:N, i = 0:N] (X) -> (T) schedule=cpu_parallel {
      node 0 = tasklet "produce" (x) -> (t) { t = x * 3.0; }
      node 1 = access X
      node 2 = access T
      edge 0: node 1 -> node 0.x X[j, i]
      edge 1: node 0.t -> node 2 T[i, j]
    }
    node 2 = access T
    node 3 = map "consume" [j = 0:N, i = 0:N] (T) -> (Y) schedule=cpu_parallel {
      node 0 = tasklet "consume" (t) -> (y) { y = t + 1.0; }
      node 1 = access T
      node 2 = access Y
      edge 0: node 1 -> node 0.t T[i, j]
      edge 1: node 0.y -> node 2 Y[j, i]
    }
    node 4 = access Y
    edge 0: node 0 -> node 1.X X[0:N, 0:N]
    edge 1: node 1.T -> node 2 T[0:N, 0:N]
    edge 2: node 2 -> node 3.T T[0:N, 0:N]
    edge 3: node 3.Y -> node 4 Y[0:N, 0:N]
  }
}
"""


def strides_of(program, name):
    return [str(s) for s in next(c for c in program.containers if c.name == name).strides]


def test_measured_layout_select_runs_in_a_pipeline_and_records_its_parameters():
    p = sluice.loads(COLUMN_WALK, "text")
    q, recipe = T.run_pipeline(p, 'layout-select{measure=true,symbols="N=512",repeats=3}')
    assert strides_of(p, "T") == ["N", "1"]   # the argument is left as it was
    assert strides_of(q, "T") == ["1", "N"]
    assert len(recipe.steps) == 1


def test_measured_layout_select_names_unbound_symbols_and_changes_nothing():
    p = sluice.loads(COLUMN_WALK, "text")
    with pytest.raises(sluice.Error, match="unbound: N"):
        T.run_pipeline(p, "layout-select{measure=true}")
    assert strides_of(p, "T") == ["N", "1"]


def test_measured_layout_select_in_compile_onnx_computes_the_same():
    model = ROOT / "tests" / "data" / "cli" / "linear_gelu.onnx"
    plain = sluice.compile_onnx(str(model))
    shapes = {}
    for v in plain.inputs:
        shapes[v.name] = [int(d) if d.isdigit() else 4 for d in v.shape]
    measured = sluice.compile_onnx(str(model), input_shapes=shapes,
                                   pipeline="expand,layout-select{measure=true,repeats=2}")
    seed = np.random.SeedSequence().entropy
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    inputs = {name: rng.uniform(-1, 1, shape).astype(np.float32) for name, shape in shapes.items()}
    want = plain.run(inputs)
    got = measured.run(inputs)
    for name, value in want.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-5, atol=1e-5)
