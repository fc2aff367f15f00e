#!/usr/bin/env bash
# shellcheck disable=SC2317  # stage_* functions are called indirectly, through run_stage
# THE test command (README "Quick start", .ci/run). As root on a fresh Debian 12, from a clean
# clone: installs the packages, then runs every stage and prints a summary. Exits non-zero if any
# stage fails; a failed stage does not stop the later ones.
#
# Stages (all by default; pick some with SLUICE_TEST_STAGES="release tidy"):
#   release   release preset: configure, build, ctest
#   debug     debug preset (ASan + UBSan): configure, build, ctest
#   fuzz      fuzz preset (clang-19): build, then each fuzz/*_fuzzer for SLUICE_FUZZ_SECONDS (20)
#   tidy      scripts/tidy.sh (clang-tidy-19 over the project's own sources)
#   format    (not in the default set) clang-format-19 check of the project's own files
# Other knobs: SLUICE_JOBS (parallel compile and test jobs, default: nproc),
# SLUICE_SKIP_SETUP=1 (do not run scripts/setup-debian.sh).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

stages="${SLUICE_TEST_STAGES:-release debug fuzz tidy}"
fuzz_seconds="${SLUICE_FUZZ_SECONDS:-20}"
jobs="${SLUICE_JOBS:-$(nproc)}"
export CMAKE_BUILD_PARALLEL_LEVEL="${jobs}"
export CTEST_PARALLEL_LEVEL="${jobs}"
readonly kSkipped=77  # a stage exits with this when it had nothing to do

banner() { printf '\n==== %s ====\n' "$*"; }

stage_setup() {
  scripts/setup-debian.sh
}

stage_release() {
  cmake --workflow --preset release
}

stage_debug() {
  cmake --workflow --preset debug
}

stage_fuzz() {
  cmake --workflow --preset fuzz
  local sources=(fuzz/*_fuzzer.cpp)
  if [[ ! -e "${sources[0]}" ]]; then
    echo "fuzz: no fuzz/*_fuzzer.cpp yet; the fuzz preset builds, but there is nothing to run"
    return "${kSkipped}"
  fi
  # Seeds: the sample programs in both formats (fuzz/README.md).
  local seeds=build/fuzz/seeds
  rm -rf "${seeds}"
  mkdir -p "${seeds}" build/fuzz/artifacts build/fuzz/logs
  find samples -maxdepth 1 \( -name '*.sluice.json' -o -name '*.sluice.txt' \) \
    -exec cp {} "${seeds}/" \;
  echo "fuzz: $(find "${seeds}" -type f | wc -l) seed files from samples/"
  local failed=0 source name log
  for source in "${sources[@]}"; do
    name="$(basename "${source}" .cpp)"
    log="build/fuzz/logs/${name}.log"
    mkdir -p "fuzz/corpus-work/${name}"
    echo "fuzz: ${name} for ${fuzz_seconds}s (log: ${log})"
    if "build/fuzz/bin/${name}" -max_total_time="${fuzz_seconds}" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/${name}-" \
      "fuzz/corpus-work/${name}" "${seeds}" >"${log}" 2>&1; then
      grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb):' "${log}" |
        sed "s/^/fuzz: ${name}: /" || true
    else
      echo "fuzz: ${name} FAILED; the end of its log:"
      tail -n 40 "${log}"
      failed=1
    fi
  done
  return "${failed}"
}

stage_tidy() {
  SLUICE_JOBS="${jobs}" scripts/tidy.sh
}

stage_format() {
  local files
  mapfile -t files < <(git ls-files -- 'ir/*' 'transforms/*' 'frontends/*' 'codegen/*' \
    'gui/*' 'python/*' 'tools/*' 'plugins/*' 'bench/*' 'fuzz/*' 'tests/*' |
    grep -E '\.(h|hpp|cpp|cc)$')
  ((${#files[@]} > 0)) || return "${kSkipped}"
  clang-format-19 --dry-run --Werror "${files[@]}"
}

results=()
any_failed=0

run_stage() {
  local stage="$1" start rc
  if ! declare -F "stage_${stage}" >/dev/null; then
    echo "test: unknown stage '${stage}' (known: release debug fuzz tidy format)" >&2
    results+=("$(printf '%-8s %-5s %6s' "${stage}" FAIL -)")
    any_failed=1
    return
  fi
  banner "${stage}"
  start=${SECONDS}
  set +e
  (
    set -euo pipefail
    "stage_${stage}"
  )
  rc=$?
  set -e
  local status=PASS
  if ((rc == kSkipped)); then
    status=SKIP
  elif ((rc != 0)); then
    status=FAIL
    any_failed=1
  fi
  results+=("$(printf '%-8s %-5s %5ds' "${stage}" "${status}" $((SECONDS - start)))")
}

total_start=${SECONDS}
if [[ "${SLUICE_SKIP_SETUP:-0}" != "1" ]]; then
  run_stage setup
  # Without the packages every later stage would fail for the same reason.
  if ((any_failed)); then
    echo "test: setup failed; stopping" >&2
    exit 1
  fi
fi
for stage in ${stages}; do
  run_stage "${stage}"
done

banner "summary"
printf '%s\n' "${results[@]}"
printf '%-8s %-5s %5ds\n' total "$( ((any_failed)) && echo FAIL || echo PASS)" \
  $((SECONDS - total_start))
exit "${any_failed}"
