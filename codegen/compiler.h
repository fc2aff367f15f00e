#pragma once
/// Turning generated source into code loaded in this process, with a content-hash cache.
///
/// `Compiler` is the interface; two routes stand behind it: `LlvmJitCompiler`
/// (llvm_jit_compiler.h: Clang 19 and the ORC JIT in process, the default when Sluice is built
/// with LLVM) and `ExternalCompiler` here (runs `$SLUICE_CXX`, default `g++`, as a child process
/// through posix_spawn, no shell, then dlopen). `make_compiler` (compiler_route.h) picks one.
/// Both keep their output in the cache of code_cache.h under a hash of the source, the compiler
/// and the flags: a cached program is reused without running a compiler.

#include <filesystem>
#include <string>
#include <vector>

#include "codegen/code_cache.h"
#include "codegen/cpu/cpu_generator.h"
#include "codegen/executable.h"

namespace sluice::codegen {

struct CompilerOptions {
  int opt_level = 3;      ///< -O level of the generated code
  bool native = true;     ///< -march=native
  std::string compiler;   ///< external route: empty means $SLUICE_CXX, else g++
  std::string cache_dir;  ///< empty: default_cache_dir()
  /// Appended to the command line (and to the cache key); `$SLUICE_CXXFLAGS` (split at spaces)
  /// is appended to these.
  std::vector<std::string> extra_flags;
  /// "llvm" or "external"; empty: `$SLUICE_COMPILER`, else "llvm" when Sluice is built with
  /// LLVM, else "external" (make_compiler reads it).
  std::string route;
};

class Compiler {
public:
  Compiler() = default;
  Compiler(const Compiler&) = delete;
  Compiler& operator=(const Compiler&) = delete;
  Compiler(Compiler&&) = delete;
  Compiler& operator=(Compiler&&) = delete;
  virtual ~Compiler() = default;

  /// Compiles `source` (or takes it from the cache) and loads it. Throws UserError with the
  /// compiler's messages and the path of the kept source when the code does not compile, and a
  /// UserError saying what is missing when the route cannot work here.
  virtual Executable compile_and_load(const GeneratedSource& source) = 0;
  /// "llvm" or "external".
  [[nodiscard]] virtual const char* route() const = 0;
  /// How many times this object ran the compiler (cache misses).
  [[nodiscard]] int invocations() const { return invocations_; }

protected:
  void count_invocation() { ++invocations_; }

private:
  int invocations_ = 0;
};

class ExternalCompiler final : public Compiler {
public:
  explicit ExternalCompiler(CompilerOptions options = {});
  /// The path of a shared object built from `source` (from the cache when it is there).
  std::filesystem::path compile(const GeneratedSource& source);
  Executable compile_and_load(const GeneratedSource& source) override;
  [[nodiscard]] const char* route() const override { return "external"; }

private:
  CompilerOptions options_;
};

}  // namespace sluice::codegen
