#pragma once
/// Which compiler route compiles generated code: the in-process LLVM JIT (the default when
/// Sluice is built with LLVM) or the external compiler. `CompilerOptions::route`, else
/// `$SLUICE_COMPILER`, names one ("llvm" or "external").
///
///   auto compiler = codegen::make_compiler();          // or make_compiler({.route = "external"})
///   codegen::Executable exe = compiler->compile_and_load(source);

#include <memory>

#include "codegen/compiler.h"

namespace sluice::codegen {

/// Whether this Sluice was built with the LLVM route (SLUICE_ENABLE_LLVM).
bool llvm_route_built();

/// The compiler of the chosen route; a UserError for an unknown route name, or for "llvm" in a
/// Sluice built without it.
std::unique_ptr<Compiler> make_compiler(CompilerOptions options = {});

}  // namespace sluice::codegen
