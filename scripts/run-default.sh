#!/usr/bin/env bash
# THE main job (README "Quick start"). As root on a fresh Debian 12, from the repo root:
# installs the packages, builds the release preset's `sluice` CLI, and runs `sluice demo`,
# which prints the IR and the data-movement report of the embedded default sample.
# Extra arguments go to `sluice demo`. SLUICE_JOBS sets the compile jobs (default: nproc).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

scripts/setup-debian.sh
echo "run-default: building the release preset (build/release)"
cmake --preset release >/dev/null
cmake --build --preset release --target sluice --parallel "${SLUICE_JOBS:-$(nproc)}"
echo "run-default: build/release/bin/sluice demo $*"
exec build/release/bin/sluice demo "$@"
