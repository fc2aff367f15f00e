#!/usr/bin/env bash
# Copies sluice_cuda_tests, run_on_device.sh and the non-system shared libraries it links (Sluice's own, and
# Debian's that the device image lacks) into one folder for tests/gpu/run_on_device.sh.
set -eu
build=${1:-build/h}
bundle=${2:-build/gpu-bundle}
mkdir -p "$bundle/lib"
cp "$build/bin/sluice_cuda_tests" "$(dirname "$0")/run_on_device.sh" "$bundle/"
ldd "$build/bin/sluice_cuda_tests" | awk '/=> \// {print $3}' | while read -r lib; do
  case "$lib" in
    # glibc's parts must come from the device's own glibc; libstdc++ there is newer; CUDA is there.
    */libc.so* | */libm.so* | */libdl.so* | */libpthread.so* | */librt.so* | */ld-linux* | \
      */libgcc_s* | */libstdc++* | /usr/local/cuda/*) ;;
    *) cp -L "$lib" "$bundle/lib/" ;;
  esac
done
ls -la "$bundle" "$bundle/lib"
