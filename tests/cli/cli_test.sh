#!/usr/bin/env bash
# The `sluice` CLI contract: each case checks the exit code and the output or message.
# Needs SLUICE (the binary) and SLUICE_SOURCE_DIR in the environment (CTest sets them).
set -u
sluice=${SLUICE:?set SLUICE to the sluice binary}
src=${SLUICE_SOURCE_DIR:?set SLUICE_SOURCE_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# expect NAME EXIT_CODE PATTERN -- COMMAND...: runs COMMAND, checks its exit code and that its
# combined output matches the extended regex PATTERN.
expect() {
  local name=$1 code=$2 pattern=$3
  shift 4
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [[ $rc -ne $code ]]; then
    echo "FAIL $name: exit $rc, expected $code"; echo "$out" | head -20; failures=$((failures + 1))
  elif ! grep -Eq -- "$pattern" <<<"$out"; then
    echo "FAIL $name: output does not match /$pattern/"; echo "$out" | head -20
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

samples="$src/samples"
expect show-text 0 '^program matmul' -- "$sluice" show "$samples/matmul.sluice.json"
expect show-json 0 '"format": "sluice-program"' -- "$sluice" show --format json "$samples/softmax.sluice.txt"
expect verify-ok 0 'ok \(5 containers, 1 states, 11 nodes\)' -- "$sluice" verify "$samples/small_layer.sluice.json"
expect report-text 0 'bias_relu' -- "$sluice" report "$samples/small_layer.sluice.json" -s N=8 -s K=16 -s H=32
expect report-json 0 '"total"' -- "$sluice" report --json "$samples/matmul.sluice.txt" --symbol M=4 --symbol N=4 --symbol K=4
expect report-missing-symbol 1 "unbound symbol 'K'" -- "$sluice" report "$samples/matmul.sluice.json" -s M=4 -s N=4
expect report-bad-symbol-flag 1 'expected NAME=INTEGER' -- "$sluice" report "$samples/matmul.sluice.json" -s M
expect demo 0 'Data movement of the compiled program' -- "$sluice" demo
expect demo-json 0 '"kernels"' -- "$sluice" demo --json
expect demo-sample-ir 0 'small_layer' -- "$sluice" demo --sample-ir
expect demo-sample-ir-json 0 '"kernels"' -- "$sluice" demo --sample-ir --json
expect samples-up-to-date 0 '' -- "$sluice" samples --check "$samples"

# Conversions round-trip exactly through both forms.
"$sluice" convert "$samples/softmax.sluice.json" "$work/softmax.sluice.txt" 2>/dev/null
"$sluice" convert "$work/softmax.sluice.txt" "$work/softmax.sluice.json" 2>/dev/null
if cmp -s "$samples/softmax.sluice.json" "$work/softmax.sluice.json"; then
  echo "ok   convert-round-trip"
else
  echo "FAIL convert-round-trip"; failures=$((failures + 1))
fi

# Bad input: a diagnostic naming the problem and where, exit code 1, never a crash.
printf '{"format": "sluice-program", "version": 1, ' >"$work/truncated.sluice.json"
expect truncated-json 1 "truncated.sluice.json" -- "$sluice" show "$work/truncated.sluice.json"
printf 'program p {\n  array A: f99[4]\n}\n' >"$work/bad-dtype.sluice.txt"
expect bad-dtype-text 1 'bad-dtype.sluice.txt:2:' -- "$sluice" show "$work/bad-dtype.sluice.txt"
expect missing-file 1 'cannot open file' -- "$sluice" verify "$work/nope.sluice.json"
# Shrink Y by one element: the consumer now writes past its end.
sed 's/array Y: f32\[N\]/array Y: f32[N - 1]/' "$samples/producer_consumer.sluice.txt" >"$work/oob.sluice.txt"
expect verify-finds-problem 1 "edge 1: the subset Y\[i\] exceeds dimension 0 of 'Y' \(size N - 1\)" -- "$sluice" verify "$work/oob.sluice.txt"
expect stale-samples 1 'differs from the embedded sample' -- "$sluice" samples --check "$work"

# Running models: `sluice run` / `sluice compile` (data from tests/data/cli/make_cli_data.py).
cli="$src/tests/data/cli"
model="$cli/add_relu_matmul.onnx"
export SLUICE_CACHE_DIR="$work/cache"
expect run-ok 0 'wrote 1 output to' -- "$sluice" run "$model" --inputs "$cli/inputs.npz" --output-file "$work/out.npz"
expect run-matches-numpy 0 'max abs error' -- /usr/bin/python3 -c "
import numpy as np, sys
got, want = np.load('$work/out.npz')['out'], np.load('$cli/expected.npz')['out']
err = float(np.max(np.abs(got - want)))
print('max abs error', err)
sys.exit(0 if got.shape == want.shape and got.dtype == want.dtype and err < 1e-5 else 1)"
expect grad-ok 0 'wrote 3 gradients to' -- "$sluice" grad "$model" --inputs "$cli/inputs.npz" --seed "$cli/seed.npz" --output-file "$work/grads.npz"
expect grad-matches-numpy 0 'max rel error' -- /usr/bin/python3 -c "
import numpy as np, sys
got, want = np.load('$work/grads.npz'), np.load('$cli/expected_grads.npz')
assert sorted(got.files) == sorted(want.files), (got.files, want.files)
err = max(float(np.max(np.abs(got[k] - want[k]) / (np.abs(want[k]) + 1e-3))) for k in want.files)
print('max rel error', err)
sys.exit(0 if err < 1e-4 else 1)"
expect grad-unknown-seed 1 "seed_unknown_output.npz: 'logits': not a float output of the model \\(its float outputs: out\\)" -- "$sluice" grad "$model" --inputs "$cli/inputs.npz" --seed "$cli/seed_unknown_output.npz" --output-file "$work/g.npz"
expect grad-missing-seed 1 "no seed for output 'out'" -- "$sluice" grad "$model" --inputs "$cli/inputs.npz" --seed "$cli/inputs.npz" --output-file "$work/g.npz"
expect grad-wrong-seed-shape 1 "input 'out@seed': expected f32\\[2, 4\\], got f32\\[2, 3\\]" -- "$sluice" grad "$model" --inputs "$cli/inputs.npz" --seed "$cli/seed_wrong_shape.npz" --output-file "$work/g.npz"
classifier="$cli/linear_classifier.onnx"
expect train-ok 0 '^step 40 loss' -- "$sluice" train "$classifier" --data "$cli/train_data.npz" --steps 40 --lr 0.1 --save "$work/trained.onnx"
expect train-loss-falls 0 'first .* last' -- /usr/bin/python3 -c "
import re, subprocess, sys
out = subprocess.run(['$sluice', 'train', '$classifier', '--data', '$cli/train_data.npz', '--steps', '40', '--lr', '0.1', '--log-every', '4'], capture_output=True, text=True, check=True).stdout
losses = [float(v) for v in re.findall(r'loss (\\S+)', out)]
print('first', losses[0], 'last', losses[-1])
sys.exit(0 if len(losses) == 10 and losses[-1] < 0.7 * losses[0] else 1)"
expect train-bf16-loss-falls 0 'first .* last' -- /usr/bin/python3 -c "
import re, subprocess, sys
out = subprocess.run(['$sluice', 'train', '$classifier', '--data', '$cli/train_data.npz', '--steps', '20', '--lr', '0.1', '--log-every', '2', '--precision', 'bf16'], capture_output=True, text=True, check=True).stdout
losses = [float(v) for v in re.findall(r'loss (\\S+)', out)]
print('first', losses[0], 'last', losses[-1])
sys.exit(0 if len(losses) == 10 and losses[-1] < 0.8 * losses[0] else 1)"
expect train-bad-precision 2 'precision: f64 not in' -- "$sluice" train "$classifier" --data "$cli/train_data.npz" --precision f64
expect train-saved-model-differs 0 'changed' -- /usr/bin/python3 -c "
import onnx, numpy as np, sys
from onnx import numpy_helper
a = {t.name: numpy_helper.to_array(t) for t in onnx.load('$classifier').graph.initializer}
b = {t.name: numpy_helper.to_array(t) for t in onnx.load('$work/trained.onnx').graph.initializer}
print('changed' if sorted(a) == sorted(b) and not np.allclose(a['w'], b['w']) else 'unchanged')"
expect train-missing-target 1 "train_data_no_target.npz: no array 'target'" -- "$sluice" train "$classifier" --data "$cli/train_data_no_target.npz" --steps 2
expect train-bad-optimizer 2 'optimizer: rmsprop not in' -- "$sluice" train "$classifier" --data "$cli/train_data.npz" --optimizer rmsprop
expect run-profile 0 '^matmul +[0-9]+\.[0-9]+$' -- "$sluice" run "$model" --inputs "$cli/inputs.npz" --output-file "$work/out.npz" --profile --repeat 3
expect run-missing-input 1 "input 'bias': missing \(expected f32\[3\]\)" -- "$sluice" run "$model" --inputs "$cli/missing_input.npz" --output-file "$work/o.npz"
expect run-wrong-shape 1 "input 'x': expected f32\[2, 3\], got f32\[2, 2\]" -- "$sluice" run "$model" --inputs "$cli/wrong_shape.npz" --output-file "$work/o.npz"
expect run-wrong-dtype 1 "input 'x': expected f32\[2, 3\], got f64\[2, 3\]" -- "$sluice" run "$model" --inputs "$cli/wrong_dtype.npz" --output-file "$work/o.npz"
expect run-extra-input 1 "input 'z': the model has no such input \(its inputs: x, bias\)" -- "$sluice" run "$model" --inputs "$cli/extra_input.npz" --output-file "$work/o.npz"
expect run-missing-npz 1 'absent.npz: cannot open the file' -- "$sluice" run "$model" --inputs "$work/absent.npz" --output-file "$work/o.npz"
printf 'not a zip' >"$work/bad.npz"
expect run-corrupt-npz 1 'bad.npz: not a .npz archive' -- "$sluice" run "$model" --inputs "$work/bad.npz" --output-file "$work/o.npz"
head -c 100 "$model" >"$work/truncated.onnx"
expect run-truncated-model 1 'truncated.onnx' -- "$sluice" run "$work/truncated.onnx" --inputs "$cli/inputs.npz" --output-file "$work/o.npz"
expect run-cuda-target 1 "CPU only" -- "$sluice" run "$model" --inputs "$cli/inputs.npz" --output-file "$work/o.npz" --target cuda
expect compile-emit 0 'the generated C\+\+' -- "$sluice" compile "$model" --emit "$work/emit"
expect compile-emit-files 0 'sluice_run' -- cat "$work/emit/add_relu_matmul.cpp"
expect compile-emit-expanded 0 'map ' -- cat "$work/emit/add_relu_matmul.expanded.sluice.txt"

# Transformations: `sluice opt`, `sluice transforms`, `run --pipeline/--recipe`, plugins.
plugins=${SLUICE_PLUGIN_DIR:-$(dirname "$sluice")/../plugins}
plugin="$plugins/bias_gelu_plugin.so"
gelu="$cli/linear_gelu.onnx"
pc="$samples/producer_consumer.sluice.txt"
expect opt-no-match 0 'dead-dataflow-elimination: 0 applications' -- "$sluice" opt "$pc" --pipeline dead-dataflow-elimination
expect opt-table 0 '^total +2 -> 2 kernels +16\*N B +16\*N B +0 ' -- "$sluice" opt "$pc" --pipeline dead-dataflow-elimination
expect opt-symbols 0 '^main +0 +produce +map +64 B +64 B +0 +8 +8$' -- "$sluice" opt "$pc" --pipeline dead-dataflow-elimination -s N=8
expect opt-bad-pipeline-column 1 "pipeline:1:27: unknown transformation 'map-fuse'; known: .*dead-dataflow-elimination" -- "$sluice" opt "$pc" --pipeline 'dead-dataflow-elimination,map-fuse'
expect opt-bad-param-column 1 "pipeline:1:13: parameter 'impl' of 'expand' is 'bogus'; choose one of: auto, pure, blas" -- "$sluice" opt "$pc" --pipeline 'expand{impl=bogus}'
expect opt-bad-param-name 1 "pipeline:1:8: 'expand' has no parameter 'kind' \(parameters: impl, op\)" -- "$sluice" opt "$pc" --pipeline 'expand{kind=pure}'
expect opt-needs-transforms 2 'sluice --help' -- "$sluice" opt "$pc"
expect opt-pipeline-and-recipe 2 'excludes' -- "$sluice" opt "$pc" --pipeline dead-dataflow-elimination --recipe "$work/r.json"
expect opt-missing-model 1 'cannot open file' -- "$sluice" opt "$work/nope.sluice.json" --pipeline dead-dataflow-elimination
expect opt-bad-output-name 1 'written as \*.sluice.json or \*.sluice.txt' -- "$sluice" opt "$pc" --pipeline dead-dataflow-elimination -o "$work/out.bin"

# A dead map: the pipeline removes it; the recorded recipe replays to the same bytes, and on
# another program it no longer applies and says which step and why.
cat >"$work/dead.sluice.txt" <<'PROGRAM'
program dead {
  symbol N: i64
  array X: f32[N]
  array T: f32[N] transient
  array Y: f32[N]
  state 0 "main" start {
    node 0 = map "dead" [i = 0:N] (X) -> (T) {
      node 0 = tasklet "dead" (x) -> (t) { t = x * 2.0; }
      node 1 = access X
      node 2 = access T
      edge 0: node 1 -> node 0.x X[i]
      edge 1: node 0.t -> node 2 T[i]
    }
    node 1 = access X
    node 2 = access T
    node 3 = map "live" [i = 0:N] (X) -> (Y) {
      node 0 = tasklet "live" (x) -> (y) { y = x + 1.0; }
      node 1 = access X
      node 2 = access Y
      edge 0: node 1 -> node 0.x X[i]
      edge 1: node 0.y -> node 2 Y[i]
    }
    node 4 = access X
    node 5 = access Y
    edge 0: node 1 -> node 0.X X[0:N]
    edge 1: node 0.T -> node 2 T[0:N]
    edge 2: node 4 -> node 3.X X[0:N]
    edge 3: node 3.Y -> node 5 Y[0:N]
  }
}
PROGRAM
expect opt-removes-dead 0 '^main +0 +dead +map +8\*N B +- +removed' -- "$sluice" opt "$work/dead.sluice.txt" --pipeline dead-dataflow-elimination --verify-each -o "$work/pipeline.sluice.json" --record "$work/dead.recipe.json" --report "$work/dead.report.json"
expect opt-recorded-recipe 0 '"transformation": "dead-dataflow-elimination"' -- cat "$work/dead.recipe.json"
expect opt-replays-recipe 0 'dead-dataflow-elimination: 1$' -- "$sluice" opt "$work/dead.sluice.txt" --recipe "$work/dead.recipe.json" -o "$work/recipe.sluice.json"
if cmp -s "$work/pipeline.sluice.json" "$work/recipe.sluice.json"; then
  echo "ok   opt-record-replay-bit-for-bit"
else
  echo "FAIL opt-record-replay-bit-for-bit"; failures=$((failures + 1))
fi
expect opt-report-json 0 'ok' -- /usr/bin/python3 -c "
import json, sys
r = json.load(open('$work/dead.report.json'))
t = r['movement']['total']
assert r['transformations']['pipeline'] == 'dead-dataflow-elimination', r['transformations']
assert [s['transformation'] for s in r['applied']] == ['dead-dataflow-elimination']
assert t['before']['symbolic']['bytes'] == '16*N' and t['after']['symbolic']['bytes'] == '8*N', t
assert t['before']['bytes'] is None and t['bytes_change'] is None
dead = [k for k in r['movement']['kernels'] if k['before'] and k['before']['label'] == 'dead']
assert len(dead) == 1 and dead[0]['after'] is None, dead
print('ok')"
printf 'keep me\n' >"$work/kept.sluice.json"
expect opt-stale-recipe 1 "recipe step 1 of 1 \(dead-dataflow-elimination on nodes 0, 2 in state 'main'\): no longer applies" -- "$sluice" opt "$pc" --recipe "$work/dead.recipe.json" -o "$work/kept.sluice.json" --record "$work/kept.recipe.json"
expect opt-stale-recipe-reason 1 "note: .*'T' is read" -- "$sluice" opt "$pc" --recipe "$work/dead.recipe.json"
if [[ "$(cat "$work/kept.sluice.json")" == "keep me" && ! -e "$work/kept.recipe.json" ]]; then
  echo "ok   opt-failure-writes-nothing"
else
  echo "FAIL opt-failure-writes-nothing"; failures=$((failures + 1))
fi
printf '{"sluice_recipe": 1, "steps": [{"transformation": "dead-dataflow-elimination", "state": 0}]}' >"$work/bad.recipe.json"
expect opt-bad-recipe 1 'bad.recipe.json: step 1: missing "nodes"' -- "$sluice" opt "$pc" --recipe "$work/bad.recipe.json"
printf '{"sluice_recipe": 1, "steps": [{"transformation": "bias-gelu-fusion", "state": 0, "nodes": [4]}]}' >"$work/plugin.recipe.json"
expect opt-recipe-needs-plugin 1 "step 1: unknown transformation 'bias-gelu-fusion'.*needs --plugin" -- "$sluice" opt "$pc" --recipe "$work/plugin.recipe.json"

# Listing, and the example plugin: loaded, listed, applied, run end to end.
expect transforms-list 0 'dead-dataflow-elimination  \(built-in\)' -- "$sluice" transforms
expect transforms-tiers 0 '^tier 4: global data movement' -- "$sluice" list-transforms
expect transforms-params 0 'param impl: string = auto \(auto, pure, blas\)' -- "$sluice" transforms
expect transforms-json 0 'ok' -- /usr/bin/python3 -c "
import json, subprocess, sys
out = subprocess.run(['$sluice', 'transforms', '--json', '--plugin', '$plugin'], check=True,
                     capture_output=True, text=True).stdout
by_name = {t['name']: t for t in json.loads(out)}
assert by_name['expand']['tier'] == 1 and by_name['expand']['origin'] == 'built-in'
assert [p['name'] for p in by_name['expand']['params']] == ['impl', 'op']
fusion = by_name['bias-gelu-fusion']
assert fusion['tier'] == 3 and fusion['origin'].startswith(\"plugin 'bias-gelu'\"), fusion
print('ok')"
expect transforms-plugin 0 "bias-gelu-fusion  \(plugin 'bias-gelu' \(.*bias_gelu_plugin.so\)\)" -- "$sluice" transforms --plugin "$plugin"
expect plugin-old-api 1 'built for plugin API version 0, but this Sluice loads version 1' -- "$sluice" transforms --plugin "$plugins/old_api_plugin.so"
if [[ -n "${SLUICE_CORE_LIBRARY:-}" ]]; then
  expect plugin-no-entry 1 "not a Sluice plugin: it exports no 'sluice_plugin_entry'" -- "$sluice" transforms --plugin "$SLUICE_CORE_LIBRARY"
fi
expect plugin-missing-file 1 'absent.so: cannot load the plugin: no such file' -- "$sluice" opt "$pc" --pipeline dead-dataflow-elimination --plugin "$work/absent.so"
expect plugin-not-a-library 1 'gelu_inputs.npz: cannot load the plugin: .*invalid ELF header' -- "$sluice" transforms --plugin "$cli/gelu_inputs.npz"
expect opt-plugin-fusion 0 '^total +8 -> 3 kernels +6.7 KiB +2.6 KiB +-61.3%' -- "$sluice" opt "$gelu" --plugin "$plugin" --pipeline bias-gelu-fusion --record "$work/gelu.recipe.json" -o "$work/gelu.sluice.txt"
expect opt-plugin-fused-map 0 'y = t \* \(erf\(t / k0\) \+ k1\) \* k2;' -- cat "$work/gelu.sluice.txt"
check_gelu() {  # the output file of `sluice run` against numpy's result
  /usr/bin/python3 -c "
import numpy as np, sys
got, want = np.load('$1')['y'], np.load('$cli/gelu_expected.npz')['y']
err = float(np.max(np.abs(got - want)))
print('max abs error', err)
sys.exit(0 if got.shape == want.shape and err < 1e-4 else 1)"
}
expect run-pipeline 0 'applied 1 transformation \(pipeline .bias-gelu-fusion., instead of the default pipeline\)' -- "$sluice" run "$gelu" --inputs "$cli/gelu_inputs.npz" --output-file "$work/fused.npz" --plugin "$plugin" --pipeline bias-gelu-fusion
expect run-pipeline-matches-numpy 0 'max abs error' -- check_gelu "$work/fused.npz"
expect run-recipe 0 'applied 1 transformation \(recipe' -- "$sluice" run "$gelu" --inputs "$cli/gelu_inputs.npz" --output-file "$work/replayed.npz" --plugin "$plugin" --recipe "$work/gelu.recipe.json"
expect run-recipe-matches-numpy 0 'max abs error' -- check_gelu "$work/replayed.npz"
expect run-bad-pipeline 1 "pipeline:1:1: unknown transformation 'bias-gelu-fusion'" -- "$sluice" run "$gelu" --inputs "$cli/gelu_inputs.npz" --output-file "$work/o.npz" --pipeline bias-gelu-fusion

# layout-select{measure=true}: the CLI installs the kernel timer; symbols must be given.
cat >"$work/column_walk.sluice.txt" <<'PROGRAM'
program lay {
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
PROGRAM
expect layout-select-measured 0 'layout-select: measuring 2/2' -- "$sluice" opt "$work/column_walk.sluice.txt" --pipeline 'layout-select{measure=true,symbols="N=512",repeats=3}' -o "$work/measured.sluice.txt"
expect layout-select-measured-layout 0 'array T: f32\[N, N\] strides=\[1, N\] transient' -- cat "$work/measured.sluice.txt"
expect layout-select-measured-unbound 1 'unbound: N' -- "$sluice" opt "$work/column_walk.sluice.txt" --pipeline 'layout-select{measure=true}'

# Usage errors: exit 2 with a hint.
expect no-subcommand 2 'sluice --help' -- "$sluice"
expect unknown-flag 2 'sluice --help' -- "$sluice" show --frobnicate "$samples/matmul.sluice.json"
expect bad-format-choice 2 'sluice --help' -- "$sluice" show --format yaml "$samples/matmul.sluice.json"
expect help 0 'Subcommands' -- "$sluice" --help
expect run-no-inputs-flag 2 'sluice --help' -- "$sluice" run "$src/tests/data/cli/add_relu_matmul.onnx" --output-file "$work/o.npz"

if [[ $failures -ne 0 ]]; then
  echo "$failures CLI case(s) failed"
  exit 1
fi
echo "all CLI cases passed"
