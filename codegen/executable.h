#pragma once
/// Compiled code behind the C ABI of docs/cpu-path.md section 3 (a shared object opened with
/// dlopen, or an object linked in process by the LLVM JIT; see loaded_code.h): its ABI version
/// checked, its state set up for given symbol values, run, and finalized.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "codegen/loaded_code.h"

namespace sluice::codegen {

/// Environment defaults for the libraries generated code runs on (OpenBLAS kernel choice, idle
/// OpenMP threads sleep); a user's own setting wins. They only take effect before OpenBLAS and
/// libgomp are first loaded, so hosts call this early (the Python module does at import);
/// `Executable::load` calls it too. Runs once per process.
void set_runtime_defaults();

class Executable {
public:
  /// Takes over loaded code; a missing entry point is a UserError, and so is another ABI
  /// version (naming both versions). The code lives as long as the Executable.
  static Executable load(std::unique_ptr<LoadedCode> code,
                         std::vector<std::string> symbol_order = {});
  /// Opens the shared object at `path` (open_shared_object) and loads it as above.
  static Executable load(const std::filesystem::path& path,
                         std::vector<std::string> symbol_order = {});
  Executable(Executable&& other) noexcept;
  Executable& operator=(Executable&& other) noexcept;
  Executable(const Executable&) = delete;
  Executable& operator=(const Executable&) = delete;
  ~Executable();

  static constexpr int kAbiVersion = 1;

  /// (Re)allocates the state for these symbol values (in the order given at load; a missing one
  /// is a UserError naming it).
  void init(const std::map<std::string, std::int64_t>& symbol_values);
  /// Runs once; `args` in GeneratedSource::arguments order.
  void run(const std::vector<void*>& args);
  /// Seconds per kernel accumulated since init.
  [[nodiscard]] std::vector<double> kernel_times() const;
  [[nodiscard]] std::vector<std::string> kernel_names() const;
  /// Bytes of heap memory the state holds for transients (its arena and own buffers); 0 for
  /// code without `sluice_transient_bytes` (an optional entry point).
  [[nodiscard]] std::size_t transient_bytes() const;

private:
  Executable() = default;
  void finalize();

  std::unique_ptr<LoadedCode> code_;  // after the pointers into it are gone (finalize first)
  void* state_ = nullptr;
  std::vector<std::string> symbol_order_;
  void* (*init_)(const std::int64_t*) = nullptr;
  int (*run_)(void*, void* const*) = nullptr;
  void (*finalize_)(void*) = nullptr;
  int (*num_kernels_)() = nullptr;
  const char* (*kernel_name_)(int) = nullptr;
  const double* (*kernel_seconds_)(void*) = nullptr;
  std::size_t (*transient_bytes_)(void*) = nullptr;
};

}  // namespace sluice::codegen
