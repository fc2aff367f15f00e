#include "gui/session/recovery_store.h"

#include <fstream>
#include <sstream>

#include "ir/diagnostic.h"
#include "ir/program_io.h"

namespace sluice::gui {

namespace {

constexpr const char* kOriginal = "session.original.sluice.txt";
constexpr const char* kRecipe = "session.recipe.json";
constexpr const char* kCurrent = "session.current.sluice.txt";
constexpr const char* kSource = "session.source.txt";

void write_text(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw UserError(temporary.string(), "cannot write the autosave file");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) throw UserError(path.string(), "cannot write the autosave file: " + ec.message());
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path.string(), "cannot read the autosave file");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

void RecoveryStore::save(const RecoveredSession& session) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw UserError(dir_.string(), "cannot create the autosave folder: " + ec.message());
  // The current program last: `exists` needs all four, so a crash mid-save is never half-read.
  write_text(file(kSource), session.source_path);
  write_text(file(kOriginal), ir::format_program(session.original, ir::ProgramFormat::Text));
  write_text(file(kRecipe), transforms::recipe_to_json(session.recipe));
  write_text(file(kCurrent), ir::format_program(session.current, ir::ProgramFormat::Text));
}

bool RecoveryStore::exists() const {
  for (const char* name : {kOriginal, kRecipe, kCurrent, kSource})
    if (!std::filesystem::is_regular_file(file(name))) return false;
  return true;
}

RecoveredSession RecoveryStore::load() const {
  RecoveredSession session;
  session.source_path = read_text(file(kSource));
  session.original = ir::parse_program(read_text(file(kOriginal)), ir::ProgramFormat::Text,
                                       file(kOriginal).string());
  session.recipe = transforms::recipe_from_json(read_text(file(kRecipe)), file(kRecipe).string());
  session.current = ir::parse_program(read_text(file(kCurrent)), ir::ProgramFormat::Text,
                                      file(kCurrent).string());
  return session;
}

void RecoveryStore::clear() const {
  std::error_code ignored;
  for (const char* name : {kOriginal, kRecipe, kCurrent, kSource})
    std::filesystem::remove(file(name), ignored);
}

}  // namespace sluice::gui
