#!/usr/bin/env bash
# Installs the Debian 12 packages that Sluice needs (deps/debian-packages.txt, the one list).
#
# Runs as root, or through sudo when it is not root and sudo exists. Idempotent: when every
# package on the list is already installed it touches nothing and returns at once (set
# SLUICE_SETUP_FORCE=1 to run apt-get anyway). Exits non-zero, naming what failed, otherwise.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
package_list="${repo_root}/deps/debian-packages.txt"

die() {
  echo "setup-debian: error: $*" >&2
  exit 1
}

[[ -r "${package_list}" ]] || die "cannot read the package list ${package_list}"
mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]\+//g' -e '/^$/d' "${package_list}")
((${#packages[@]} > 0)) || die "no packages listed in ${package_list}"

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script is for Debian 12"
if [[ -r /etc/os-release ]]; then
  # shellcheck disable=SC1091
  version_id="$(. /etc/os-release && echo "${VERSION_ID:-}")"
  if [[ "${version_id}" != "12" ]]; then
    echo "setup-debian: warning: written for Debian 12, found VERSION_ID='${version_id}'" >&2
  fi
fi

missing=()
for p in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "${p}" 2>/dev/null || true)"
  [[ "${status}" == "install ok installed" ]] || missing+=("${p}")
done

if ((${#missing[@]} == 0)) && [[ "${SLUICE_SETUP_FORCE:-0}" != "1" ]]; then
  echo "setup-debian: all ${#packages[@]} packages already installed"
  exit 0
fi

as_root=()
if [[ "$(id -u)" != "0" ]]; then
  command -v sudo >/dev/null 2>&1 || die "not root and sudo is not available; run as root"
  as_root=(sudo)
fi

if ((${#missing[@]} > 0)); then
  echo "setup-debian: installing ${#missing[@]} missing of ${#packages[@]} packages: ${missing[*]}"
else
  echo "setup-debian: SLUICE_SETUP_FORCE=1: running apt-get for all ${#packages[@]} packages"
fi
export DEBIAN_FRONTEND=noninteractive
log="${TMPDIR:-/tmp}/sluice-setup-debian.log"
# A failing extra repository (one this machine cannot reach) should not stop the install when
# Debian's own indexes are fine, so a failed update is a warning; the install decides.
if ! "${as_root[@]}" apt-get update -qq; then
  echo "setup-debian: warning: 'apt-get update' reported errors; trying the install anyway" >&2
fi
if ! "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" \
  >"${log}" 2>&1; then
  tail -n 30 "${log}" >&2 || true
  die "'apt-get install' failed (full log: ${log})"
fi
echo "setup-debian: done"
