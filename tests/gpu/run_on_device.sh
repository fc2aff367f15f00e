#!/usr/bin/env bash
# Runs the CUDA path's tests on the device machine (the `run` tool), results under $OUT.
# The binary is built on the development machine (Debian); the device image (Ubuntu 24.04, CUDA
# 13, none of Debian's packages) gets it, the shared libraries it needs and this script in one
# folder that travels in `carry` (the tool sends the checkout the session started in, so the
# folder must sit in that checkout's ignored build/):
#   ninja -C build/h sluice_cuda_tests && tests/gpu/bundle.sh build/h build/gpu-bundle
#   run: carry=["build/gpu-bundle"], command="bash build/gpu-bundle/run_on_device.sh build/gpu-bundle"
# The GPU tests compile host code with the device's g++ and compare with the CPU path there.
set -u
bundle=${1:-build/gpu-bundle}
out=${OUT:-/tmp/sluice-gpu-out}
mkdir -p "$out"
{
  date -u +%FT%TZ
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  g++ --version | head -1
} >"$out/device.txt" 2>&1
export LD_LIBRARY_PATH="$PWD/$bundle/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
export SLUICE_CACHE_DIR="$out/cache"
export SLUICE_COMPILER=external
"$bundle/sluice_cuda_tests" --gtest_color=no 2>&1 | tee "$out/sluice_cuda_tests.txt"
status=${PIPESTATUS[0]}
# The GPU run again under compute-sanitizer's memcheck (the compiled code is cached by now).
if command -v compute-sanitizer >/dev/null; then
  compute-sanitizer --tool memcheck --error-exitcode 9 "$bundle/sluice_cuda_tests" \
    --gtest_filter='*RunsOnTheGpu*' --gtest_color=no >"$out/memcheck.txt" 2>&1
  echo "memcheck exit $?" | tee -a "$out/memcheck.txt"
fi
rm -rf "$out/cache"
echo "exit $status" >>"$out/sluice_cuda_tests.txt"
exit "$status"
