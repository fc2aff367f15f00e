#pragma once
/// The C++ the CPU generator (codegen/cpu) writes for a program, and where a node's kernel is
/// in it, for the code view. Library nodes are expanded on a copy first (BLAS calls kept where
/// chosen), as the compile path does.

#include <optional>
#include <string>

#include "ir/program.h"

namespace sluice::gui {

struct GeneratedCode {
  std::string code;   ///< Empty when generation failed.
  std::string error;  ///< The generator's or expansion's message.
};

GeneratedCode generate_code(const ir::Program& program);

struct LineRange {
  int first = 0;  ///< 0-based, inclusive
  int last = 0;
};

/// The lines of the `occurrence`-th (0-based) kernel named `label` (`// kernel 3: label` up to
/// the next kernel or the end of its function); nullopt when there is none.
std::optional<LineRange> kernel_lines(const std::string& code, const std::string& label,
                                      int occurrence = 0);

}  // namespace sluice::gui
