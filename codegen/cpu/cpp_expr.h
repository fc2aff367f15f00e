#pragma once
/// Symbolic integers (ir::Expr) as C++ int64_t expressions. Names (symbols and map parameters)
/// print with the `s_` prefix the generator gives them; floordiv and mod call the prelude's
/// floor-semantics helpers.

#include <string>

#include "ir/expr.h"

namespace sluice::codegen {

/// The C++ name of a symbol or map parameter.
std::string cpp_symbol(const std::string& name);
std::string cpp_expr(const ir::Expr& expr);

}  // namespace sluice::codegen
