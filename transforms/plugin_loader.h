#pragma once
/// Loading C++ plugins (transforms/plugin_api.h): open the shared library, check its API
/// version, and register its transformations with the origin `plugin '<name>' (<path>)`.
///
///   const LoadedPlugin p = load_plugin("build/plugins/bias_gelu_plugin.so");
///   // p.transformations == {"bias-gelu-fusion"}; Registry::global().get("bias-gelu-fusion")
///
/// Every failure is a UserError naming the file: it cannot be opened (missing, not a shared
/// library, an unresolved symbol), it exports no `sluice_plugin_entry`, it was built for another
/// API version (both versions named), or its registration was refused. A failed load registers
/// nothing. The library stays loaded for the life of the process (its code backs the registered
/// transformations); loading the same file into the same registry again registers nothing new
/// and returns what the first load registered.

#include <filesystem>
#include <string>
#include <vector>

#include "transforms/registry.h"

namespace sluice::transforms {

struct LoadedPlugin {
  std::string path;  ///< As opened (absolute).
  std::string name;  ///< The name the plugin gives itself.
  int api_version = 0;
  std::vector<std::string> transformations;  ///< What it registered, in registration order.
};

LoadedPlugin load_plugin(const std::filesystem::path& path,
                         Registry& registry = Registry::global());

}  // namespace sluice::transforms
