#include "ir/program_io.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "ir/json_format.h"
#include "ir/text_format.h"

namespace sluice::ir {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path, "cannot open file for reading");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw UserError(path, "error while reading the file");
  return std::move(text).str();
}

}  // namespace

std::optional<ProgramFormat> format_for_path(std::string_view path) {
  if (ends_with(path, ".json")) return ProgramFormat::Json;
  if (ends_with(path, ".txt") || ends_with(path, ".sir")) return ProgramFormat::Text;
  return std::nullopt;
}

Program parse_program(std::string_view text, ProgramFormat format, std::string_view source_name) {
  return format == ProgramFormat::Json ? read_json(text, source_name)
                                       : parse_text(text, source_name);
}

std::string format_program(const Program& program, ProgramFormat format) {
  return format == ProgramFormat::Json ? write_json(program) : print_text(program);
}

Program load_program(const std::string& path) {
  const std::string text = read_file(path);
  auto format = format_for_path(path);
  if (!format) {
    const auto first = text.find_first_not_of(" \t\r\n");
    format = first != std::string::npos && text[first] == '{' ? ProgramFormat::Json
                                                              : ProgramFormat::Text;
  }
  return parse_program(text, *format, path);
}

void save_program(const Program& program, const std::string& path) {
  const std::string text =
      format_program(program, format_for_path(path).value_or(ProgramFormat::Json));
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw UserError(path, "cannot open file for writing");
    out << text;
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      throw UserError(path, "error while writing the file");
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw UserError(path, "cannot replace the file");
  }
}

}  // namespace sluice::ir
