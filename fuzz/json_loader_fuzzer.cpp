// Every input either loads and verifies (with or without diagnostics) or is refused with a
// UserError. Anything else (a crash, a sanitizer report, an InternalError) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ir/json_format.h"
#include "ir/text_format.h"
#include "ir/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const sluice::ir::Program program = sluice::ir::read_json(text, "fuzz");
    if (sluice::ir::verify(program).empty()) {
      // A valid program must survive both formats unchanged.
      if (!(sluice::ir::read_json(sluice::ir::write_json(program)) == program)) __builtin_trap();
    }
  } catch (const sluice::UserError&) {
  }
  return 0;
}
