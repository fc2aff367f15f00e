// The plugin loader against the plugins CMake builds (plugins/): registration into a given
// registry with the plugin's origin, loading twice, all-or-nothing on a refused name, and the
// refusals (another API version, no entry, no file).

#include "transforms/plugin_loader.h"

#include <functional>
#include <memory>
#include <string>
#include <typeinfo>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "ir/text_format.h"
#include "transforms/apply.h"
#include "transforms/plugin_api.h"
#include "transforms/registry.h"

namespace sluice::transforms {
namespace {

const std::string kPluginDir = SLUICE_PLUGIN_DIR;
const std::string kBiasGelu = kPluginDir + "/bias_gelu_plugin.so";

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

/// A stand-in that takes the plugin's name first.
class Squatter final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "bias-gelu-fusion"; }
  [[nodiscard]] int tier() const override { return 3; }
  [[nodiscard]] std::string_view description() const override { return "test only"; }
  [[nodiscard]] MatchResult match(const ir::Program&, const ParamValues&) const override {
    return {};
  }
  void apply(Rewriter&, const Match&, const ParamValues&) const override {}
};

TEST(PluginLoader, RegistersIntoTheGivenRegistryWithItsOrigin) {
  Registry registry;
  const LoadedPlugin loaded = load_plugin(kBiasGelu, registry);
  EXPECT_EQ(loaded.name, "bias-gelu");
  EXPECT_EQ(loaded.api_version, kPluginApiVersion);
  EXPECT_EQ(loaded.transformations, std::vector<std::string>{"bias-gelu-fusion"});
  ASSERT_NE(registry.find("bias-gelu-fusion"), nullptr);
  EXPECT_EQ(registry.get("bias-gelu-fusion").tier(), 3);
  EXPECT_EQ(registry.origin("bias-gelu-fusion"), "plugin 'bias-gelu' (" + loaded.path + ")");
  EXPECT_EQ(registry.list().size(), 1U);  // nothing else: not the built-ins of the global one

  // The same file again: the first load's result, nothing registered twice.
  const LoadedPlugin again = load_plugin(kBiasGelu, registry);
  EXPECT_EQ(again.path, loaded.path);
  EXPECT_EQ(registry.list().size(), 1U);
  // Another registry gets its own instance, of the same class from the one loaded library.
  Registry other;
  EXPECT_EQ(load_plugin(kBiasGelu, other).transformations, loaded.transformations);
  EXPECT_NE(other.share("bias-gelu-fusion"), registry.share("bias-gelu-fusion"));
  const Transformation& mine = registry.get("bias-gelu-fusion");
  const Transformation& theirs = other.get("bias-gelu-fusion");
  EXPECT_EQ(typeid(mine), typeid(theirs));
}

TEST(PluginLoader, TheLoadedTransformationMatchesAndApplies) {
  Registry registry;
  load_plugin(kBiasGelu, registry);
  const ir::Program program = ir::parse_text(R"(program g {
  array x: f32[4, 8]
  array b: f32[8]
  array s: f32[4, 8] transient
  array y: f32[4, 8]
  state 0 "main" start {
    node 0 = library "bias" Add (in0, in1) -> (out0)
    node 1 = access x
    node 2 = access b
    node 3 = access s
    node 4 = library "gelu" Gelu (in0) -> (out0)
    node 5 = access y
    edge 0: node 1 -> node 0.in0 x[0:4, 0:8]
    edge 1: node 2 -> node 0.in1 b[0:8]
    edge 2: node 0.out0 -> node 3 s[0:4, 0:8]
    edge 3: node 3 -> node 4.in0 s[0:4, 0:8]
    edge 4: node 4.out0 -> node 5 y[0:4, 0:8]
  }
}
)",
                                             "gelu");
  const Transformation& fusion = registry.get("bias-gelu-fusion");
  const MatchResult found = find_matches(program, fusion);
  ASSERT_EQ(found.matches.size(), 1U);
  EXPECT_EQ(found.matches[0].nodes, (std::vector<ir::NodeId>{ir::NodeId(0), ir::NodeId(4)}));
  ir::Program fused = program;
  apply_match(fused, fusion, found.matches[0]);
  // The expressions the plugin built are the process's own: a shape it wrote equals ours.
  const ir::Graph& g = fused.states[fused.start_state].graph;
  int maps = 0;
  for (const ir::NodeId n : g.node_ids()) {
    if (const auto* map = std::get_if<ir::MapNode>(&g.node(n))) {
      ++maps;
      EXPECT_EQ(map->label, "bias_gelu");
      ASSERT_EQ(map->params.size(), 2U);
      EXPECT_EQ(map->params[1].range.end, ir::Expr(8));
    }
  }
  EXPECT_EQ(maps, 1);
  EXPECT_FALSE(fused.find_container("s").has_value());
}

TEST(PluginLoader, ARefusedNameRegistersNothing) {
  Registry registry;
  registry.add(std::make_shared<Squatter>(), "test");
  const std::string message = message_of([&] { load_plugin(kBiasGelu, registry); });
  EXPECT_NE(message.find("a transformation named 'bias-gelu-fusion' is already registered (from "
                         "test)"),
            std::string::npos)
      << message;
  EXPECT_EQ(registry.origin("bias-gelu-fusion"), "test");
  EXPECT_EQ(registry.list().size(), 1U);
}

TEST(PluginLoader, RefusesAnotherApiVersionNamingBoth) {
  Registry registry;
  const std::string message =
      message_of([&] { load_plugin(kPluginDir + "/old_api_plugin.so", registry); });
  EXPECT_NE(message.find("old_api_plugin.so: the plugin was built for plugin API version 0, but "
                         "this Sluice loads version " +
                         std::to_string(kPluginApiVersion)),
            std::string::npos)
      << message;
  EXPECT_TRUE(registry.list().empty());
}

TEST(PluginLoader, RefusesMissingFilesAndLibrariesWithoutTheEntry) {
  Registry registry;
  EXPECT_NE(message_of([&] {
              load_plugin(kPluginDir + "/absent.so", registry);
            }).find("absent.so: cannot load the plugin: no such file"),
            std::string::npos);
  // A shared library, but not a plugin: the test binary links this one.
  const std::string core = std::string(SLUICE_CORE_LIBRARY);
  EXPECT_NE(message_of([&] {
              load_plugin(core, registry);
            }).find("not a Sluice plugin: it exports no 'sluice_plugin_entry'"),
            std::string::npos);
  EXPECT_NE(message_of([&] {
              load_plugin(std::string(SLUICE_SOURCE_DIR) + "/README.md", registry);
            }).find("cannot load the plugin: "),
            std::string::npos);
  EXPECT_TRUE(registry.list().empty());
}

}  // namespace
}  // namespace sluice::transforms
