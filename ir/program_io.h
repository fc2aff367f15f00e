#pragma once
/// Loading and saving programs in either format, chosen by the file name.
///
/// `*.json` (canonically `*.sluice.json`) is the JSON format; `*.txt` / `*.sir`
/// (canonically `*.sluice.txt`) the text format. Other names are sniffed: JSON starts with `{`.

#include <string>
#include <string_view>

#include "ir/program.h"

namespace sluice::ir {

enum class ProgramFormat { Json, Text };

/// The format a path names; nullopt when the extension says nothing.
std::optional<ProgramFormat> format_for_path(std::string_view path);

/// Reads and parses a program file. Throws UserError naming the file on any problem.
Program load_program(const std::string& path);
/// Writes a program in the format its name says (JSON when it says nothing). Writes to a
/// temporary file first and renames it, so a failure never leaves a half-written file.
void save_program(const Program& program, const std::string& path);

/// Parses program text in the given format; `source_name` is used in diagnostics.
Program parse_program(std::string_view text, ProgramFormat format, std::string_view source_name);
std::string format_program(const Program& program, ProgramFormat format);

}  // namespace sluice::ir
