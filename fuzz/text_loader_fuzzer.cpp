// Every input either parses and verifies (with or without diagnostics) or is refused with a
// UserError. Anything else (a crash, a sanitizer report, an InternalError) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ir/text_format.h"
#include "ir/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const sluice::ir::Program program = sluice::ir::parse_text(text, "fuzz");
    (void)sluice::ir::verify(program);
    // Whatever parses must print to text that parses back to the same text. Texts are compared,
    // not programs: a NaN attribute makes a program unequal to itself.
    const std::string text = sluice::ir::print_text(program);
    if (sluice::ir::print_text(sluice::ir::parse_text(text)) != text) __builtin_trap();
  } catch (const sluice::UserError&) {
  }
  return 0;
}
