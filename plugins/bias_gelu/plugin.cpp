// The example plugin's entry: what `sluice --plugin bias_gelu_plugin.so` and
// `sluice.transforms.load_plugin(...)` find when they open the library.

#include "plugins/bias_gelu/bias_gelu_fusion.h"
#include "transforms/plugin_api.h"

namespace {

void register_transformations(sluice::transforms::PluginRegistrar& registrar) {
  registrar.add(bias_gelu_plugin::make_bias_gelu_fusion());
}

}  // namespace

SLUICE_PLUGIN("bias-gelu", register_transformations)
