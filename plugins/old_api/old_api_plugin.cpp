// A plugin as one built against plugin API version 0 would look: its entry reports version 0.
// The loader must refuse it with a message naming both versions, before calling anything else
// (tests/cli/cli_test.sh and tests/python/test_transforms.py check that).

#include "transforms/plugin_api.h"

namespace {

void register_nothing(sluice::transforms::PluginRegistrar& /*registrar*/) {}

}  // namespace

extern "C" __attribute__((visibility("default"))) const SluicePluginInfo* sluice_plugin_entry() {
  static const SluicePluginInfo kInfo{0, "old-api", register_nothing};
  return &kInfo;
}
