#include "codegen/cuda/nvrtc_compiler.h"

#include <nvrtc.h>

#include <filesystem>

#include "codegen/code_cache.h"
#include "ir/diagnostic.h"

namespace sluice::codegen {

namespace {

void check(nvrtcResult r, const char* what) {
  if (r != NVRTC_SUCCESS)
    throw UserError("NVRTC", std::string(what) + " failed: " + nvrtcGetErrorString(r));
}

}  // namespace

std::string nvrtc_version() {
  int major = 0;
  int minor = 0;
  check(nvrtcVersion(&major, &minor), "nvrtcVersion");
  return std::to_string(major) + "." + std::to_string(minor);
}

CudaBinary compile_with_nvrtc(const std::string& kernel_code, const NvrtcOptions& options) {
  // IEEE math (no --use_fast_math): results comparable with the CPU path's.
  std::vector<std::string> flags = {"--gpu-architecture=" + options.arch, "--std=c++17",
                                    "--diag-suppress=177"};  // unused prelude helpers
  for (const std::string& f : options.extra_flags) flags.push_back(f);
  std::string key_flags = "nvrtc " + nvrtc_version();
  for (const std::string& f : flags) key_flags += " " + f;
  const std::filesystem::path dir = ensure_cache_dir(
      options.cache_dir.empty() ? default_cache_dir() : std::filesystem::path(options.cache_dir));
  const std::string key = cache_key(kernel_code, key_flags);
  const std::filesystem::path cubin_path = dir / ("sluice_" + key + ".cubin");
  CudaBinary out;
  if (std::filesystem::exists(cubin_path)) {
    out.cubin = read_file(cubin_path);
    if (!out.cubin.empty()) {
      out.cached = true;
      return out;
    }
  }
  const std::filesystem::path source_path = dir / ("sluice_" + key + ".cu");
  write_file_atomically(source_path, kernel_code);
  nvrtcProgram program = nullptr;
  check(nvrtcCreateProgram(&program, kernel_code.c_str(), source_path.filename().c_str(), 0,
                           nullptr, nullptr),
        "nvrtcCreateProgram");
  // Destroyed on every path out, the throwing ones included.
  struct Destroy {
    nvrtcProgram* p;
    ~Destroy() { nvrtcDestroyProgram(p); }
  } destroy{&program};
  std::vector<const char*> argv;
  argv.reserve(flags.size());
  for (const std::string& f : flags) argv.push_back(f.c_str());
  const nvrtcResult compiled =
      nvrtcCompileProgram(program, static_cast<int>(argv.size()), argv.data());
  std::size_t log_size = 0;
  nvrtcGetProgramLogSize(program, &log_size);
  out.log.resize(log_size);
  if (log_size > 0) nvrtcGetProgramLog(program, out.log.data());
  while (!out.log.empty() && (out.log.back() == '\0' || out.log.back() == '\n')) out.log.pop_back();
  if (compiled != NVRTC_SUCCESS)
    throw UserError(source_path.string(),
                    "NVRTC could not compile the kernels: " + out.log.substr(0, 4000));
  std::size_t size = 0;
  check(nvrtcGetCUBINSize(program, &size), "nvrtcGetCUBINSize");
  out.cubin.resize(size);
  check(nvrtcGetCUBIN(program, out.cubin.data()), "nvrtcGetCUBIN");
  check(nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize");
  out.ptx.resize(size);
  check(nvrtcGetPTX(program, out.ptx.data()), "nvrtcGetPTX");
  while (!out.ptx.empty() && out.ptx.back() == '\0') out.ptx.pop_back();
  write_file_atomically(cubin_path, out.cubin);
  return out;
}

}  // namespace sluice::codegen
