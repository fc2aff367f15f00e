#pragma once
/// The plugin interface: what a shared library exports so that Sluice loads its
/// transformations, which then appear in the CLI, Python and the GUI like the built-in ones.
///
///   // my_plugin.cpp, linked against the shared sluice_transforms (plugins/README.md)
///   #include "transforms/plugin_api.h"
///   void register_mine(sluice::transforms::PluginRegistrar& registrar) {
///     registrar.add(std::make_shared<MyFusion>());
///   }
///   SLUICE_PLUGIN("my-plugin", register_mine)
///
/// A plugin exports one `extern "C"` function, `sluice_plugin_entry`, returning a
/// `SluicePluginInfo` whose first member is the API version the plugin was compiled against. The
/// loader (transforms/plugin_loader.h) reads that member before it touches anything else and
/// refuses another version: transformation.h and rewriter.h are C++ interfaces, and a plugin
/// built against other versions of them would crash instead of failing.

#include <memory>
#include <vector>

#include "transforms/transformation.h"

namespace sluice::transforms {

/// The version of this interface. Bump it whenever transformation.h, rewriter.h or the IR they
/// expose changes so that a plugin built against the previous headers would misbehave.
inline constexpr int kPluginApiVersion = 1;

/// The symbol a plugin exports (SLUICE_PLUGIN defines it).
inline constexpr const char* kPluginEntrySymbol = "sluice_plugin_entry";

/// What a plugin's register function adds its transformations to. The loader puts them into the
/// registry after the function returns: all of them, or none when one is refused (a name that is
/// taken or not kebab-case), so a failed load leaves the registry as it was.
class PluginRegistrar {
public:
  void add(std::shared_ptr<const Transformation> transformation);
  [[nodiscard]] const std::vector<std::shared_ptr<const Transformation>>& added() const {
    return added_;
  }

private:
  std::vector<std::shared_ptr<const Transformation>> added_;
};

}  // namespace sluice::transforms

/// What `sluice_plugin_entry` returns. The layout is fixed across API versions up to
/// `api_version`, which stays the first member forever; the rest is read only when it matches.
struct SluicePluginInfo {
  int api_version;
  const char* name;  ///< For messages and listings: "example-fusions".
  void (*register_transformations)(sluice::transforms::PluginRegistrar& registrar);
};

/// The type of `sluice_plugin_entry`.
using SluicePluginEntry = const SluicePluginInfo* (*)();

/// Defines the plugin's entry: `SLUICE_PLUGIN("name", register_function)`, once per plugin, at
/// namespace scope.
#define SLUICE_PLUGIN(NAME, REGISTER_FUNCTION)                                         \
  extern "C" __attribute__((visibility("default"))) const SluicePluginInfo*            \
  sluice_plugin_entry() {                                                              \
    static const SluicePluginInfo kInfo{::sluice::transforms::kPluginApiVersion, NAME, \
                                        REGISTER_FUNCTION};                            \
    return &kInfo;                                                                     \
  }
