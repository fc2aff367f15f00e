#pragma once
/// The autosave files of a session, so that a crash never loses the work: the program as
/// opened, the recipe of the steps applied, the current program (to check the replay against)
/// and where the program came from. Each file is written to a temporary name and renamed.

#include <filesystem>
#include <optional>
#include <string>

#include "ir/program.h"
#include "transforms/recipe.h"

namespace sluice::gui {

struct RecoveredSession {
  ir::Program original;
  transforms::Recipe recipe;
  ir::Program current;
  std::string source_path;  ///< The model or program file the session opened (may be empty).
};

class RecoveryStore {
public:
  explicit RecoveryStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  /// Throws UserError naming the file that could not be written.
  void save(const RecoveredSession& session) const;
  /// True when a complete set of files is there (a session that did not close cleanly).
  [[nodiscard]] bool exists() const;
  /// Throws UserError naming the file when one is missing or unreadable.
  [[nodiscard]] RecoveredSession load() const;
  /// Removes the files (a clean close); missing ones are fine.
  void clear() const;

private:
  [[nodiscard]] std::filesystem::path file(const char* name) const { return dir_ / name; }
  std::filesystem::path dir_;
};

}  // namespace sluice::gui
