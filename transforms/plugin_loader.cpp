#include "transforms/plugin_loader.h"

#include <dlfcn.h>

#include <algorithm>
#include <set>
#include <utility>

#include "ir/diagnostic.h"
#include "transforms/plugin_api.h"

namespace sluice::transforms {

void PluginRegistrar::add(std::shared_ptr<const Transformation> transformation) {
  SLUICE_CHECK(transformation != nullptr, "a plugin registered a null transformation");
  added_.push_back(std::move(transformation));
}

namespace {

std::string dl_error() {
  const char* error = dlerror();
  return error == nullptr ? std::string("unknown error") : std::string(error);
}

/// Every name kebab-case, every tier 1-4, no name taken or repeated: the checks `Registry::add`
/// makes, done for the whole plugin before anything is added.
void check_registrations(const PluginRegistrar& registrar, const Registry& registry,
                         const std::string& where) {
  std::set<std::string, std::less<>> names;
  for (const auto& t : registrar.added()) {
    const std::string name(t->name());
    if (!is_kebab_case(name))
      throw UserError(where, "transformation name '" + name +
                                 "' is not kebab-case (lowercase words joined by '-')");
    if (t->tier() < 1 || t->tier() > 4)
      throw UserError(where, "transformation '" + name + "' has tier " + std::to_string(t->tier()) +
                                 "; tiers are 1 to 4");
    if (registry.find(name) != nullptr)
      throw UserError(where, "a transformation named '" + name + "' is already registered (from " +
                                 registry.origin(name) + ")");
    if (!names.insert(name).second)
      throw UserError(where, "registers the transformation '" + name + "' twice");
  }
}

}  // namespace

LoadedPlugin load_plugin(const std::filesystem::path& path, Registry& registry) {
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  const std::string file = ec ? path.string() : absolute.lexically_normal().string();
  if (!std::filesystem::exists(file, ec))
    throw UserError(path.string(), "cannot load the plugin: no such file");
  // RTLD_NOW: an unresolved symbol is reported here, not as a crash at the first call. The
  // plugin's own dependency on libsluice_transforms.so resolves to the copy already loaded.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) throw UserError(path.string(), "cannot load the plugin: " + dl_error());
  // From here on the library stays loaded unless it is refused before registering anything.
  const auto refuse = [&](const std::string& message) {
    dlclose(handle);
    return UserError(path.string(), message);
  };
  dlerror();
  void* symbol = dlsym(handle, kPluginEntrySymbol);
  if (symbol == nullptr)
    throw refuse(std::string("not a Sluice plugin: it exports no '") + kPluginEntrySymbol +
                 "' (define one with SLUICE_PLUGIN, transforms/plugin_api.h)");
  // POSIX guarantees that a data pointer from dlsym converts to a function pointer.
  const auto entry = reinterpret_cast<SluicePluginEntry>(symbol);  // NOLINT(*-reinterpret-cast)
  const SluicePluginInfo* info = entry();
  if (info == nullptr) throw refuse(std::string(kPluginEntrySymbol) + " returned nothing");
  if (info->api_version != kPluginApiVersion)
    throw refuse("the plugin was built for plugin API version " +
                 std::to_string(info->api_version) + ", but this Sluice loads version " +
                 std::to_string(kPluginApiVersion) +
                 "; rebuild it against this Sluice's transforms/plugin_api.h");
  if (info->register_transformations == nullptr)
    throw refuse("the plugin gives no register function");

  LoadedPlugin result{file, info->name != nullptr ? info->name : "", info->api_version, {}};
  const std::string where = path.string() + " (plugin '" + result.name + "')";
  PluginRegistrar registrar;
  try {
    info->register_transformations(registrar);
  } catch (const UserError& e) {
    Diagnostic d{Severity::Error, where, "its register function failed", {}};
    for (const auto& inner : e.diagnostics())
      d.notes.push_back(inner.location.empty() ? inner.message
                                               : inner.location + ": " + inner.message);
    throw UserError(d);
  } catch (const std::exception& e) {
    throw UserError(where, std::string("its register function failed: ") + e.what());
  }
  // The transformations' code lives in the library: once one exists, it is never closed.
  const std::string origin = "plugin '" + result.name + "' (" + file + ")";
  for (const auto& t : registrar.added()) result.transformations.emplace_back(t->name());
  // Loaded into this registry before (dlopen handed back the same library): nothing to add.
  const bool loaded_before =
      !result.transformations.empty() &&
      std::all_of(result.transformations.begin(), result.transformations.end(),
                  [&](const std::string& name) { return registry.origin(name) == origin; });
  if (loaded_before) return result;
  check_registrations(registrar, registry, where);
  for (const auto& t : registrar.added()) registry.add(t, origin);
  return result;
}

}  // namespace sluice::transforms
