#include "transforms/registry.h"

#include <algorithm>

#include "ir/diagnostic.h"

namespace sluice::transforms {

bool is_kebab_case(std::string_view name) {
  if (name.empty() || name.front() == '-' || name.back() == '-') return false;
  char previous = 0;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || (c == '-' && previous == '-')) return false;
    previous = c;
  }
  return name.front() >= 'a' && name.front() <= 'z';
}

Registry& Registry::global() {
  static Registry* registry = [] {
    auto* r = new Registry();  // never destroyed: plugins' code may outlive static destructors
    register_builtins(*r);
    return r;
  }();
  return *registry;
}

void Registry::add(std::shared_ptr<const Transformation> transformation, std::string origin) {
  SLUICE_CHECK(transformation != nullptr, "registering a null transformation");
  const std::string name(transformation->name());
  if (!is_kebab_case(name))
    throw UserError(origin, "transformation name '" + name +
                                "' is not kebab-case (lowercase words joined by '-')");
  if (transformation->tier() < 1 || transformation->tier() > 4)
    throw UserError(origin, "transformation '" + name + "' has tier " +
                                std::to_string(transformation->tier()) + "; tiers are 1 to 4");
  if (const auto it = entries_.find(name); it != entries_.end())
    throw UserError(origin, "a transformation named '" + name + "' is already registered (from " +
                                it->second.origin + ")");
  entries_.emplace(name, Entry{std::move(transformation), std::move(origin)});
}

bool Registry::remove(std::string_view name) {
  const auto it = entries_.find(name);
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

const Transformation* Registry::find(std::string_view name) const {
  const auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.transformation.get();
}

const Transformation& Registry::get(std::string_view name) const {
  if (const auto* t = find(name)) return *t;
  std::string known;
  for (const auto& [key, entry] : entries_) known += (known.empty() ? "" : ", ") + key;
  throw UserError(std::string(name), "unknown transformation '" + std::string(name) +
                                         "'; known: " + (known.empty() ? "none" : known));
}

std::shared_ptr<const Transformation> Registry::share(std::string_view name) const {
  (void)get(name);  // throws the message naming the known ones
  return entries_.find(name)->second.transformation;
}

std::string Registry::origin(std::string_view name) const {
  const auto it = entries_.find(name);
  return it == entries_.end() ? std::string() : it->second.origin;
}

std::vector<const Transformation*> Registry::list() const {
  std::vector<const Transformation*> out;
  for (const auto& [key, entry] : entries_) out.push_back(entry.transformation.get());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto* a, const auto* b) { return a->tier() < b->tier(); });
  return out;
}

}  // namespace sluice::transforms
