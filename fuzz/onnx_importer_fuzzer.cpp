// Every input either imports (into a program that verifies) or is refused with a UserError.
// Anything else (a crash, a sanitizer report, an InternalError, another exception) is a bug.
// Seeds: tests/data/onnx/*.onnx. External data is looked up in that folder too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "frontends/onnx/onnx_importer.h"
#include "ir/diagnostic.h"
#include "ir/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  sluice::frontends::ImportOptions options;
  options.check_supported = false;  // reach the conversion of every op, not just the supported
  try {
    const sluice::frontends::Model model = sluice::frontends::import_onnx_bytes(
        bytes, "fuzz.onnx", SLUICE_SOURCE_DIR "/tests/data/onnx", options);
    if (!sluice::ir::verify(model.program).empty()) __builtin_trap();
  } catch (const sluice::UserError&) {
  }
  return 0;
}
