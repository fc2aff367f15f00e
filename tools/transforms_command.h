#pragma once
/// `sluice transforms [--plugin LIB.so ...] [--json]`: every registered transformation (built-in,
/// from the plugins given, ...) with its tier, origin, parameters and description. Returns the
/// exit code: 0, or 1 when a plugin cannot be loaded.

#include <string>
#include <vector>

namespace sluice::tools {

int list_transforms(const std::vector<std::string>& plugins, bool json);

}  // namespace sluice::tools
