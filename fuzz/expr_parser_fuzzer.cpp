// Symbolic expressions: every input parses or is refused with a UserError; what parses is in
// canonical form, so printing and parsing it again gives the very same (hash-consed) node.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ir/diagnostic.h"
#include "ir/expr.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const sluice::ir::Expr e = sluice::ir::parse_expr(text);
    if (!(sluice::ir::parse_expr(e.str()) == e)) __builtin_trap();
    (void)sluice::ir::bounds(e, {{"N", {1, 1024}}, {"i", {0, 7}}});
  } catch (const sluice::UserError&) {
  }
  return 0;
}
