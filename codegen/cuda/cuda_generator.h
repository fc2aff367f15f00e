#pragma once
/// CUDA code generation: an expanded program whose top-level maps are GPU-scheduled (the
/// gpu-map transformation) becomes two sources, kernels for NVRTC and a host file that exports
/// the C ABI of docs/cpu-path.md section 3 (sluice_init/run/finalize), so the CPU route's
/// compiler and `Executable` load it unchanged.
///
/// What becomes what: each top-level `gpu_grid` map is one `__global__` kernel, a grid-stride
/// loop over its parameters flattened into one index (`block_size` threads a block, 256 when
/// the map says 0); nested maps are sequential loops inside a thread; tasklets print through
/// the CPU path's tasklet printer (codegen/cpu/cpp_tasklet.h) in its CUDA dialect. A write
/// conflict whose element two iterations of the grid share becomes an atomic (sums of
/// f32/f64/i32/i64 by atomicAdd, float max/min/product by compare-and-swap); one whose element
/// each iteration owns is a plain update. A top-level Access→Access copy is a one-loop kernel.
///
/// Memory: `sluice_init` loads the module and allocates one device buffer per argument and per
/// transient, once, zero-filled (small scalar/register transients touched only inside a map are
/// locals of each thread). `sluice_run` copies every argument host→device, launches the kernels
/// in state-machine order (the CPU generator's), and copies the arguments the program writes
/// device→host: `args` are host pointers, as on the CPU. Kernel timers synchronize after each
/// launch (host clock).
///
/// Not yet: library nodes (cuBLAS), top-level tasklets and CPU-scheduled maps (a UserError names
/// them), shared memory and block-level reductions.

#include <string>
#include <vector>

#include "codegen/cpu/cpu_generator.h"
#include "ir/program.h"

namespace sluice::codegen {

struct CudaOptions {
  bool timers = true;  ///< synchronize and time each kernel
};

/// The two sources. `host_code` expects the compiled kernels as `sl_module_image` (see
/// `cuda_host_source`).
struct CudaSource {
  std::string kernel_code;                ///< CUDA C++ for NVRTC (extern "C" kernels)
  std::string host_code;                  ///< C++ for the host compiler, minus the image
  std::vector<std::string> kernel_names;  ///< `sl_kernel_<k>`, in launch-table order
  std::vector<std::string> kernels;       ///< timer names (map labels), in timer order
  std::vector<std::string> symbols;       ///< `sluice_init`'s symbol values, in this order
  std::vector<std::string> arguments;     ///< `sluice_run`'s host pointers
};

/// Generates the kernels and host code. Throws UserError naming what it cannot emit.
CudaSource generate_cuda(const ir::Program& program, const CudaOptions& options = {});

/// The complete host translation unit: `host_code` with the module image (a cubin or
/// NUL-terminated PTX, as cuModuleLoadData takes) embedded, ready for a CPU `Compiler`.
GeneratedSource cuda_host_source(const CudaSource& source, const std::string& module_image);

}  // namespace sluice::codegen
