#include "gui/session/generated_code.h"

#include <sstream>
#include <vector>

#include "codegen/cpu/cpu_generator.h"
#include "ops/expansion.h"

namespace sluice::gui {

GeneratedCode generate_code(const ir::Program& program) {
  try {
    ir::Program expanded = program;
    ops::expand_all(expanded, {"blas"});
    codegen::CpuOptions options;
    options.timers = false;
    return {codegen::generate_cpu(expanded, options).code, {}};
  } catch (const std::exception& e) {
    return {{}, e.what()};
  }
}

std::optional<LineRange> kernel_lines(const std::string& code, const std::string& label,
                                      int occurrence) {
  std::vector<std::string> lines;
  std::stringstream in(code);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  int seen = 0;
  for (int i = 0; i < static_cast<int>(lines.size()); ++i) {
    const std::string& line = lines[static_cast<std::size_t>(i)];
    // Kernel functions start at column 0 (`// kernel 3: add`); their calls are indented.
    if (!line.starts_with("// kernel ")) continue;
    const auto colon = line.find(": ");
    if (colon == std::string::npos || line.substr(colon + 2) != label) continue;
    if (seen++ != occurrence) continue;
    int last = i;
    // The function ends at the first line that closes a top-level block.
    while (last + 1 < static_cast<int>(lines.size()) &&
           lines[static_cast<std::size_t>(last)] != "}")
      ++last;
    return LineRange{i, last};
  }
  return std::nullopt;
}

}  // namespace sluice::gui
