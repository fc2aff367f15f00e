#include "gui/session/edit_transformation.h"

#include <sstream>

#include "ir/diagnostic.h"
#include "transforms/rewriter.h"

namespace sluice::gui {

namespace {

using transforms::ParamSpec;
using transforms::ParamType;
using transforms::ParamValues;

class EditProperty final : public transforms::Transformation {
public:
  std::string_view name() const override { return kEditPropertyName; }
  int tier() const override { return 1; }
  std::string_view description() const override {
    return "Set one property of a node, memlet or container (an edit made in the workbench's "
           "properties panel), verified like any transformation.";
  }
  std::vector<ParamSpec> params() const override {
    return {{"target",
             ParamType::String,
             std::string("node"),
             "node, memlet or container",
             {"node", "memlet", "container"}},
            {"scope", ParamType::String, std::string(), "state id, then map ids: 0/4", {}},
            {"id", ParamType::Int, std::int64_t{-1}, "node, edge or container id", {}},
            {"field", ParamType::String, std::string(), "the property's name", {}},
            {"value", ParamType::String, std::string(), "its new value, as text", {}}};
  }

  transforms::MatchResult match(const ir::Program& program,
                                const ParamValues& params) const override {
    transforms::MatchResult result;
    if (transforms::param_int(params, "id") < 0) return result;  // default params: no edit named
    const PropertyTarget target = edit_target(params);
    transforms::Match candidate = make_match(target.scope, node_ids(target), "edit");
    try {
      (void)list_properties(program, target);  // throws when the target is gone
      candidate.description = "set " + transforms::param_string(params, "field") + " of " +
                              target_str(program, target) + " to '" +
                              transforms::param_string(params, "value") + "'";
      result.matches.push_back(std::move(candidate));
    } catch (const UserError& e) {
      result.rejected.push_back({std::move(candidate), e.what()});
    }
    return result;
  }

  void apply(transforms::Rewriter& rewriter, const transforms::Match&,
             const ParamValues& params) const override {
    const PropertyTarget target = edit_target(params);
    ir::Program edited = rewriter.program();
    set_property(edited, target, transforms::param_string(params, "field"),
                 transforms::param_string(params, "value"));
    switch (target.kind) {
      case PropertyTarget::Kind::Container: {
        const ir::ContainerId id(target.id);
        rewriter.replace_container(id, edited.containers[id]);
        return;
      }
      case PropertyTarget::Kind::Node: {
        const ir::NodeId id(target.id);
        rewriter.replace_node(target.scope, id,
                              transforms::resolve(edited, target.scope)->node(id));
        return;
      }
      case PropertyTarget::Kind::Memlet: {
        const ir::EdgeId id(target.id);
        rewriter.set_memlet(target.scope, id,
                            transforms::resolve(edited, target.scope)->edge(id).memlet);
        return;
      }
    }
  }

private:
  static std::vector<ir::NodeId> node_ids(const PropertyTarget& target) {
    if (target.kind == PropertyTarget::Kind::Node) return {ir::NodeId(target.id)};
    return {};
  }
};

}  // namespace

std::shared_ptr<const transforms::Transformation> make_edit_property() {
  return std::make_shared<EditProperty>();
}

void register_edit_property(transforms::Registry& registry) {
  if (registry.find(kEditPropertyName) == nullptr) registry.add(make_edit_property(), "gui");
}

ParamValues edit_params(const PropertyTarget& target, const std::string& field,
                        const std::string& value) {
  return {{"target", target_kind_name(target.kind)},
          {"scope", scope_text(target.scope)},
          {"id", static_cast<std::int64_t>(target.id)},
          {"field", field},
          {"value", value}};
}

PropertyTarget edit_target(const ParamValues& params) {
  PropertyTarget target;
  target.kind = parse_target_kind(transforms::param_string(params, "target"));
  target.scope = parse_scope_text(transforms::param_string(params, "scope"));
  target.id = static_cast<std::uint32_t>(transforms::param_int(params, "id"));
  return target;
}

std::string scope_text(const transforms::Scope& scope) {
  std::string text = std::to_string(scope.state.value);
  for (const ir::NodeId map : scope.maps) text += "/" + std::to_string(map.value);
  return text;
}

transforms::Scope parse_scope_text(const std::string& text) {
  transforms::Scope scope;
  std::stringstream in(text.empty() ? "0" : text);
  bool first = true;
  for (std::string item; std::getline(in, item, '/');) {
    std::uint32_t value = 0;
    try {
      value = static_cast<std::uint32_t>(std::stoul(item));
    } catch (const std::exception&) {
      throw UserError("edit-property", "scope '" + text + "' is not STATE[/MAP...]");
    }
    if (first)
      scope.state = ir::StateId(value);
    else
      scope.maps.emplace_back(value);
    first = false;
  }
  return scope;
}

}  // namespace sluice::gui
