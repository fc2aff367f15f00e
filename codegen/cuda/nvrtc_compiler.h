#pragma once
/// Kernels to GPU code with NVRTC, in process and without a GPU: CUDA C++ → a cubin for one
/// architecture (sm_90 by default), plus its PTX. Results are cached in the folder of
/// code_cache.h under a hash of the source, NVRTC's version and the options
/// (`sluice_<key>.cubin`), so an unchanged program is not compiled again.

#include <string>
#include <vector>

namespace sluice::codegen {

struct NvrtcOptions {
  std::string arch = "sm_90";  ///< `--gpu-architecture`; a cubin needs a real `sm_XX`
  std::vector<std::string> extra_flags;
  std::string cache_dir;  ///< empty: default_cache_dir()
};

struct CudaBinary {
  std::string cubin;  ///< the module for cuModuleLoadData
  std::string ptx;    ///< empty when it came from the cache
  std::string log;    ///< NVRTC's messages (warnings)
  bool cached = false;
};

/// Compiles `kernel_code`. Throws UserError with NVRTC's log (and where the source is kept)
/// when it does not compile.
CudaBinary compile_with_nvrtc(const std::string& kernel_code, const NvrtcOptions& options = {});

/// NVRTC's version, "13.0".
std::string nvrtc_version();

}  // namespace sluice::codegen
