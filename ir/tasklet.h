#pragma once
/// The tasklet language: typed scalar code inside a `Tasklet` node.
///
/// CONTRACT (fixed; the implementation fills in the representation):
///   TaskletCode      a sequence of statements; value type, copyable, `==` structural.
///   TaskletExpr      a single expression (interstate conditions); value type, `==` structural.
///   parse_tasklet / parse_tasklet_expr throw UserError with line:column on bad text.
///   print_tasklet / print_tasklet_expr give canonical text; parse(print(x)) == x.

#include <string>
#include <string_view>

namespace sluice::ir {

struct TaskletCode;
struct TaskletExpr;

}  // namespace sluice::ir
