#include "codegen/compiler_route.h"

#include <cstdlib>
#include <string>

#include "ir/diagnostic.h"

#if SLUICE_WITH_LLVM
#include "codegen/llvm_jit_compiler.h"
#endif

namespace sluice::codegen {

bool llvm_route_built() { return SLUICE_WITH_LLVM != 0; }

std::unique_ptr<Compiler> make_compiler(CompilerOptions options) {
  std::string where = "CompilerOptions::route";
  std::string route = options.route;
  if (route.empty()) {
    where = "SLUICE_COMPILER";
    const char* env = std::getenv("SLUICE_COMPILER");
    route = env && *env ? env : "";
  }
  if (route.empty()) route = llvm_route_built() ? "llvm" : "external";
  if (route == "external") return std::make_unique<ExternalCompiler>(std::move(options));
  if (route != "llvm")
    throw UserError(where, "unknown compiler route '" + route + "' (known: llvm, external)");
#if SLUICE_WITH_LLVM
  return std::make_unique<LlvmJitCompiler>(std::move(options));
#else
  throw UserError(where,
                  "this Sluice was built without LLVM (SLUICE_ENABLE_LLVM=OFF); use the "
                  "'external' route (SLUICE_COMPILER=external)");
#endif
}

}  // namespace sluice::codegen
