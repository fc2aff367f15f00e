#!/usr/bin/env bash
# Runs clang-tidy-19 (checks in .clang-tidy) on Sluice's own .cpp files: those of ir/ transforms/
# frontends/ codegen/ tools/ python/ plugins/ that the compilation database knows; never build/ or
# third-party code. Exits non-zero when clang-tidy reports an error (bugprone-* and
# performance-* findings are errors) or cannot parse a file.
#
#   scripts/tidy.sh                 uses build/release (configured with the release preset if absent)
#   SLUICE_TIDY_BUILD_DIR=build/x   another build folder with compile_commands.json
#   SLUICE_JOBS=N                   parallel clang-tidy processes (default: 2)
#   scripts/tidy.sh ir/expr.cpp     only these files
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

build_dir="${SLUICE_TIDY_BUILD_DIR:-build/release}"
jobs="${SLUICE_JOBS:-2}"
folders="ir|ops|transforms|frontends|codegen|pipeline|gui|tools|python|plugins|samples"
header_folders="ir|ops|transforms|frontends|codegen|pipeline|gui|python|tools|plugins|samples"
# run-clang-tidy and clang-tidy take LLVM regexes; escape what the path itself may hold.
root_re="$(printf '%s' "${repo_root}" | sed -e 's/[].[^$*+?(){}|\\]/\\&/g')"
source_re="^${root_re}/(${folders})/.*\.(cpp|cc)$"
header_re="^${root_re}/(${header_folders})/.*"
# The compile commands may come from GCC: clang must not trip over GCC-only warning flags, and
# the build's -Werror must not turn clang's own warnings into tidy errors (.clang-tidy's
# WarningsAsErrors decides what fails).
extra_args=(-Wno-unknown-warning-option -Wno-error)

die() {
  echo "tidy: error: $*" >&2
  exit 1
}

command -v clang-tidy-19 >/dev/null 2>&1 ||
  die "clang-tidy-19 not found; run scripts/setup-debian.sh"

if [[ ! -f "${build_dir}/compile_commands.json" ]]; then
  [[ "${build_dir}" == "build/release" ]] ||
    die "${build_dir}/compile_commands.json not found; configure that build first"
  echo "tidy: no compilation database yet; configuring the release preset"
  cmake --preset release >/dev/null
fi

# The files to check: the compilation database's entries in the project's folders, or the
# files named on the command line.
mapfile -t files < <(/usr/bin/python3 - "${build_dir}/compile_commands.json" "${source_re}" "$@" <<'EOF'
import json, os, re, sys
database, pattern, wanted = sys.argv[1], re.compile(sys.argv[2]), sys.argv[3:]
wanted = {os.path.realpath(w) for w in wanted}
seen = set()
for entry in json.load(open(database)):
    path = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
    if pattern.match(path) and (not wanted or path in wanted) and path not in seen:
        seen.add(path)
        print(path)
EOF
)
if ((${#files[@]} == 0)); then
  if (($# > 0)); then die "none of '$*' is in ${build_dir}/compile_commands.json"; fi
  echo "tidy: no project sources in ${build_dir}/compile_commands.json; nothing to check"
  exit 0
fi
echo "tidy: clang-tidy-19 on ${#files[@]} files (${build_dir}, -j${jobs})"

if command -v run-clang-tidy-19 >/dev/null 2>&1; then
  # File arguments are regexes to run-clang-tidy: match each path exactly.
  file_res=()
  for f in "${files[@]}"; do
    file_res+=("^$(printf '%s' "${f}" | sed -e 's/[].[^$*+?(){}|\\]/\\&/g')\$")
  done
  # Through Debian's interpreter: a `python3` earlier on PATH may lack what the script needs.
  /usr/bin/python3 "$(command -v run-clang-tidy-19)" \
    -clang-tidy-binary "$(command -v clang-tidy-19)" -p "${build_dir}" -j "${jobs}" \
    -quiet -header-filter "${header_re}" -exclude-header-filter '.*/build/.*' \
    "${extra_args[@]/#/-extra-arg=}" "${file_res[@]}"
else
  printf '%s\0' "${files[@]}" |
    xargs -0 -n 1 -P "${jobs}" clang-tidy-19 -p "${build_dir}" --quiet \
      --header-filter="${header_re}" --exclude-header-filter='.*/build/.*' \
      "${extra_args[@]/#/--extra-arg=}"
fi
echo "tidy: no errors"
