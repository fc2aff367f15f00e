#pragma once
/// The registry: every transformation Sluice knows, built-in, from C++ plugins, or defined in
/// Python, listed alike (by tier, then name) for the CLI, Python and the GUI.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "transforms/transformation.h"

namespace sluice::transforms {

class Registry {
public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// The process-wide registry, holding the built-ins from first use on.
  static Registry& global();

  /// Adds a transformation; `origin` says where it came from ("built-in", a plugin's path,
  /// "python"). A second one of the same name, or a name that is not kebab-case, is a UserError.
  void add(std::shared_ptr<const Transformation> transformation, std::string origin);
  /// Removes one (Python re-defining a class during a session); false if it was not there.
  bool remove(std::string_view name);

  [[nodiscard]] const Transformation* find(std::string_view name) const;
  /// The transformation of that name; an unknown name is a UserError listing the known ones.
  [[nodiscard]] const Transformation& get(std::string_view name) const;
  /// Shared ownership, for callers that keep a transformation beyond the registry's changes.
  [[nodiscard]] std::shared_ptr<const Transformation> share(std::string_view name) const;
  [[nodiscard]] std::string origin(std::string_view name) const;
  /// All of them, by tier, then name.
  [[nodiscard]] std::vector<const Transformation*> list() const;

private:
  struct Entry {
    std::shared_ptr<const Transformation> transformation;
    std::string origin;
  };
  std::map<std::string, Entry, std::less<>> entries_;
};

/// Adds every built-in transformation (transforms/builtins.cpp lists them).
void register_builtins(Registry& registry);

/// True for `map-fusion`, `expand`: lowercase words of letters and digits joined by '-'.
bool is_kebab_case(std::string_view name);

}  // namespace sluice::transforms
