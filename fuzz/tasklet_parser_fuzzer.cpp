// Tasklet code: every input parses or is refused with a UserError; what parses prints to text
// that parses back to the same text, and type inference either succeeds or gives a UserError.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ir/diagnostic.h"
#include "ir/tasklet.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const sluice::ir::TaskletCode code = sluice::ir::parse_tasklet(text);
    const std::string printed = sluice::ir::print_tasklet(code);
    if (sluice::ir::print_tasklet(sluice::ir::parse_tasklet(printed)) != printed) __builtin_trap();
    (void)sluice::ir::infer_tasklet_types(code, {{"x", sluice::ir::DType::f32},
                                                 {"i", sluice::ir::DType::i64}});
  } catch (const sluice::UserError&) {
  }
  return 0;
}
