#pragma once
/// Turning generated source into a loadable shared object, with a content-hash cache.
///
/// `Compiler` is the interface (an in-process LLVM route can implement it later);
/// `ExternalCompiler` runs `$SLUICE_CXX` (default `g++`) as a child process (posix_spawn, no
/// shell). Objects are cached in `$SLUICE_CACHE_DIR` (else `$XDG_CACHE_HOME/sluice`, else
/// `~/.cache/sluice`) under a hash of the source, the compiler and the flags; a cached object is
/// reused at once, and files are written under a temporary name and renamed, so processes
/// sharing the cache never see half a file.

#include <filesystem>
#include <string>
#include <vector>

#include "codegen/cpu/cpu_generator.h"

namespace sluice::codegen {

struct CompilerOptions {
  int opt_level = 3;      ///< -O level of the generated code
  bool native = true;     ///< -march=native
  std::string compiler;   ///< empty: $SLUICE_CXX, else g++
  std::string cache_dir;  ///< empty: see above
  /// Appended to the command line (and to the cache key); `$SLUICE_CXXFLAGS` (split at spaces)
  /// is appended to these.
  std::vector<std::string> extra_flags;
};

class Compiler {
public:
  virtual ~Compiler() = default;
  /// The path of a shared object built from `source` (from the cache when it is there). Throws
  /// UserError with the compiler's messages and the path of the kept source on failure.
  virtual std::filesystem::path compile(const GeneratedSource& source) = 0;
};

class ExternalCompiler : public Compiler {
public:
  explicit ExternalCompiler(CompilerOptions options = {});
  std::filesystem::path compile(const GeneratedSource& source) override;
  /// How many times this object ran the compiler (cache misses).
  [[nodiscard]] int invocations() const { return invocations_; }

private:
  CompilerOptions options_;
  int invocations_ = 0;
};

/// The default cache folder (see above).
std::filesystem::path default_cache_dir();

}  // namespace sluice::codegen
