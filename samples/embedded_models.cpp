#include "samples/embedded_models.h"

// The assembler includes the file's bytes (`.incbin`): no generated source, no hex dump to
// compile. SLUICE_TINY_TRANSFORMER_PATH is set by samples/CMakeLists.txt, which also makes this
// object depend on the file.
#define SLUICE_STRINGIFY_(x) #x
#define SLUICE_STRINGIFY(x) SLUICE_STRINGIFY_(x)

// NOLINTBEGIN: the symbols are defined by the assembler block below.
__asm__(".section .rodata\n"
        ".balign 16\n"
        ".global sluice_tiny_transformer_onnx_begin\n"
        "sluice_tiny_transformer_onnx_begin:\n"
        ".incbin \"" SLUICE_STRINGIFY(SLUICE_TINY_TRANSFORMER_PATH) "\"\n"
        ".global sluice_tiny_transformer_onnx_end\n"
        "sluice_tiny_transformer_onnx_end:\n"
        ".previous\n");
extern "C" const char sluice_tiny_transformer_onnx_begin[];
extern "C" const char sluice_tiny_transformer_onnx_end[];
// NOLINTEND

namespace sluice::samples {

std::string_view tiny_transformer_onnx() {
  return {sluice_tiny_transformer_onnx_begin,
          static_cast<std::size_t>(sluice_tiny_transformer_onnx_end -
                                   sluice_tiny_transformer_onnx_begin)};
}

}  // namespace sluice::samples
