// Every input either loads and verifies (with or without diagnostics) or is refused with a
// UserError. Anything else (a crash, a sanitizer report, an InternalError) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ir/json_format.h"
#include "ir/text_format.h"
#include "ir/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const sluice::ir::Program program = sluice::ir::read_json(text, "fuzz");
    (void)sluice::ir::verify(program);
    // Whatever loads must write JSON that loads back to the same JSON. Texts are compared, not
    // programs: a NaN attribute makes a program unequal to itself.
    const std::string json = sluice::ir::write_json(program);
    if (sluice::ir::write_json(sluice::ir::read_json(json)) != json) __builtin_trap();
    const std::string text = sluice::ir::print_text(program);
    if (sluice::ir::print_text(sluice::ir::parse_text(text)) != text) __builtin_trap();
  } catch (const sluice::UserError&) {
  }
  return 0;
}
