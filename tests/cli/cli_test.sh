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
expect demo 0 'small_layer' -- "$sluice" demo
expect demo-json 0 '"kernels"' -- "$sluice" demo --json
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

# Usage errors: exit 2 with a hint.
expect no-subcommand 2 'sluice --help' -- "$sluice"
expect unknown-flag 2 'sluice --help' -- "$sluice" show --frobnicate "$samples/matmul.sluice.json"
expect bad-format-choice 2 'sluice --help' -- "$sluice" show --format yaml "$samples/matmul.sluice.json"
expect help 0 'Subcommands' -- "$sluice" --help

if [[ $failures -ne 0 ]]; then
  echo "$failures CLI case(s) failed"
  exit 1
fi
echo "all CLI cases passed"
