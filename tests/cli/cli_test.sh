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
