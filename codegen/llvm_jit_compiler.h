#pragma once
/// The in-process route: Clang 19 compiles the generated C++ to an object file (the same cc1 job
/// that `clang++ -c` would run, with the flags of ExternalCompiler: -O3 -march=native -fopenmp
/// -fwrapv ...), which is cached as `sluice_<key>.o` in the code cache and linked into this
/// process by an ORC LLJIT. `__kmpc_*` calls resolve to libomp and `cblas_*` to OpenBLAS (both
/// opened with dlopen, RTLD_LOCAL, on first use), everything else to the process. A cached object
/// is linked without running Clang. No Clang or LLVM header leaks out of this file.

#include <filesystem>

#include "codegen/compiler.h"

namespace sluice::codegen {

class LlvmJitCompiler final : public Compiler {
public:
  /// `options.compiler` is ignored; `extra_flags` and `$SLUICE_CXXFLAGS` go to Clang's driver.
  explicit LlvmJitCompiler(CompilerOptions options = {});
  /// The path of the object file built from `source` (from the cache when it is there).
  std::filesystem::path compile(const GeneratedSource& source);
  Executable compile_and_load(const GeneratedSource& source) override;
  [[nodiscard]] const char* route() const override { return "llvm"; }

private:
  CompilerOptions options_;
};

}  // namespace sluice::codegen
