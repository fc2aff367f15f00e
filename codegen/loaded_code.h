#pragma once
/// Compiled code that is loaded into this process and found by symbol name: a shared object
/// opened with dlopen (the external-compiler route) or an object file linked by the LLVM JIT.
/// `Executable` looks up the C ABI's entry points through it and keeps it alive while it runs.

#include <filesystem>
#include <memory>
#include <string>

namespace sluice::codegen {

class LoadedCode {
public:
  LoadedCode() = default;
  LoadedCode(const LoadedCode&) = delete;
  LoadedCode& operator=(const LoadedCode&) = delete;
  LoadedCode(LoadedCode&&) = delete;
  LoadedCode& operator=(LoadedCode&&) = delete;
  virtual ~LoadedCode() = default;

  /// The address of the function or object `name`; nullptr when the code defines none. A
  /// failure to link the code (an unresolved library symbol) is a UserError.
  [[nodiscard]] virtual void* find(const std::string& name) = 0;
  /// The file the code came from, for messages.
  [[nodiscard]] virtual const std::filesystem::path& origin() const = 0;
};

/// Opens a shared object with RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE (its code stays mapped even
/// if a caller keeps a pointer past us); a UserError naming it when dlopen fails.
std::unique_ptr<LoadedCode> open_shared_object(const std::filesystem::path& path);

}  // namespace sluice::codegen
