#include "gui/session/property_edit.h"

#include <sstream>

#include "ir/diagnostic.h"
#include "ir/expr.h"
#include "ir/memlet.h"
#include "ir/tasklet.h"

namespace sluice::gui {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string exprs_str(const std::vector<ir::Expr>& exprs) {
  std::vector<std::string> items;
  items.reserve(exprs.size());
  for (const ir::Expr& e : exprs) items.push_back(e.str());
  return join(items);
}

/// `1, N` -> {1, N}; an empty text is no expression.
std::vector<ir::Expr> parse_exprs(const std::string& text) {
  std::vector<ir::Expr> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (item.find_first_not_of(' ') != std::string::npos) out.push_back(ir::parse_expr(item));
  return out;
}

bool parse_bool(const std::string& text, const std::string& where) {
  if (text == "true") return true;
  if (text == "false") return false;
  throw UserError(where, "expected true or false, got '" + text + "'");
}

template <typename Enum, typename Parse>
Enum parse_choice(const std::string& text, Parse parse, const std::string& where) {
  const auto value = parse(text);
  if (!value) throw UserError(where, "'" + text + "' is not one of the allowed values");
  return *value;
}

template <typename Enum, typename Name>
std::vector<std::string> choices(Enum last, Name name) {
  std::vector<std::string> out;
  for (int i = 0; i <= static_cast<int>(last); ++i) out.emplace_back(name(static_cast<Enum>(i)));
  return out;
}

const ir::Graph& graph_of(const ir::Program& program, const PropertyTarget& target) {
  const ir::Graph* graph = transforms::resolve(program, target.scope);
  if (graph == nullptr) throw UserError("properties", "the scope no longer exists");
  return *graph;
}

ir::Graph& graph_of(ir::Program& program, const PropertyTarget& target) {
  return const_cast<ir::Graph&>(graph_of(std::as_const(program), target));
}

void check_exists(const ir::Program& program, const PropertyTarget& target) {
  const bool ok = [&] {
    switch (target.kind) {
      case PropertyTarget::Kind::Container:
        return program.containers.contains(ir::ContainerId(target.id));
      case PropertyTarget::Kind::Node:
        return graph_of(program, target).has_node(ir::NodeId(target.id));
      case PropertyTarget::Kind::Memlet:
        return graph_of(program, target).has_edge(ir::EdgeId(target.id));
    }
    return false;
  }();
  if (!ok) throw UserError("properties", target_str(program, target) + " does not exist");
}

std::vector<Property> node_properties(const ir::Program& program, const ir::Node& node) {
  std::vector<Property> out{{"kind", std::string(ir::node_kind_name(node)), false, {}}};
  if (const auto* access = std::get_if<ir::AccessNode>(&node)) {
    out.push_back({"container", program.containers[access->data].name, true, {}});
    return out;
  }
  out.push_back({"label", ir::node_label(node), true, {}});
  out.push_back({"inputs", join(ir::input_connectors(node)), false, {}});
  out.push_back({"outputs", join(ir::output_connectors(node)), false, {}});
  if (const auto* map = std::get_if<ir::MapNode>(&node)) {
    out.push_back({"schedule", std::string(ir::schedule_name(map->schedule)), true,
                   choices(ir::Schedule::GpuBlock, ir::schedule_name)});
    for (const ir::MapParam& p : map->params)
      out.push_back({"range " + p.name, ir::subset_str({p.range}), true, {}});
  } else if (const auto* tasklet = std::get_if<ir::TaskletNode>(&node)) {
    out.push_back({"code", ir::print_tasklet(tasklet->code), true, {}});
  } else if (const auto* library = std::get_if<ir::LibraryNode>(&node)) {
    out.push_back({"op", library->op, false, {}});
    out.push_back({"implementation", library->implementation, true, {}});
  }
  return out;
}

std::vector<Property> memlet_properties(const ir::Program& program, const ir::Memlet& m) {
  if (m.empty()) return {{"container", "(empty: ordering only)", false, {}}};
  return {{"container", program.containers[m.data].name, false, {}},
          {"subset", ir::subset_str(m.subset), true, {}},
          {"other subset", m.other_subset ? ir::subset_str(*m.other_subset) : "", true, {}},
          {"volume", m.volume.str(), true, {}},
          {"wcr", std::string(ir::write_conflict_name(m.wcr)), true,
           choices(ir::WriteConflict::Max, ir::write_conflict_name)},
          {"dynamic", m.dynamic ? "true" : "false", true, {"false", "true"}}};
}

std::vector<Property> container_properties(const ir::Container& c) {
  return {{"name", c.name, true, {}},
          {"kind", std::string(ir::container_kind_name(c.kind)), false, {}},
          {"dtype", std::string(ir::dtype_name(c.dtype)), true, {}},
          {"shape", exprs_str(c.shape), false, {}},
          {"strides", exprs_str(c.strides), true, {}},
          {"offset", c.offset.str(), true, {}},
          {"storage", std::string(ir::storage_name(c.storage)), true,
           choices(ir::Storage::GpuShared, ir::storage_name)},
          {"lifetime", std::string(ir::lifetime_name(c.lifetime)), true,
           choices(ir::Lifetime::Persistent, ir::lifetime_name)},
          {"transient", c.transient ? "true" : "false", true, {"false", "true"}}};
}

void set_node_field(ir::Program& program, ir::Node& node, const std::string& field,
                    const std::string& value, const std::string& where) {
  if (auto* access = std::get_if<ir::AccessNode>(&node); access && field == "container") {
    const auto id = program.find_container(value);
    if (!id) throw UserError(where, "there is no container '" + value + "'");
    access->data = *id;
    return;
  }
  if (field == "label" && !std::holds_alternative<ir::AccessNode>(node)) {
    std::visit(
        [&](auto& n) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(n)>, ir::AccessNode>) n.label = value;
        },
        node);
    return;
  }
  if (auto* map = std::get_if<ir::MapNode>(&node)) {
    if (field == "schedule") {
      map->schedule = parse_choice<ir::Schedule>(value, ir::parse_schedule, where);
      return;
    }
    for (ir::MapParam& p : map->params)
      if (field == "range " + p.name) {
        const ir::Subset subset = ir::parse_subset(value);
        if (subset.size() != 1) throw UserError(where, "expected one range begin:end[:step]");
        p.range = subset.front();
        return;
      }
  }
  if (auto* tasklet = std::get_if<ir::TaskletNode>(&node); tasklet && field == "code") {
    tasklet->code = ir::parse_tasklet(value);
    return;
  }
  if (auto* library = std::get_if<ir::LibraryNode>(&node); library && field == "implementation") {
    library->implementation = value;
    return;
  }
  throw UserError(where, "no editable field '" + field + "'");
}

void set_memlet_field(ir::Memlet& m, const std::string& field, const std::string& value,
                      const std::string& where) {
  if (m.empty()) throw UserError(where, "an empty memlet has no editable field");
  if (field == "subset")
    m.subset = ir::parse_subset(value);
  else if (field == "other subset")
    m.other_subset = value.empty() ? std::nullopt : std::optional(ir::parse_subset(value));
  else if (field == "volume")
    m.volume = ir::parse_expr(value);
  else if (field == "wcr")
    m.wcr = parse_choice<ir::WriteConflict>(value, ir::parse_write_conflict, where);
  else if (field == "dynamic")
    m.dynamic = parse_bool(value, where);
  else
    throw UserError(where, "no editable field '" + field + "'");
}

void set_container_field(ir::Container& c, const std::string& field, const std::string& value,
                         const std::string& where) {
  if (field == "name")
    c.name = value;
  else if (field == "dtype")
    c.dtype = parse_choice<ir::DType>(value, ir::parse_dtype, where);
  else if (field == "strides")
    c.strides = parse_exprs(value);
  else if (field == "offset")
    c.offset = ir::parse_expr(value);
  else if (field == "storage")
    c.storage = parse_choice<ir::Storage>(value, ir::parse_storage, where);
  else if (field == "lifetime")
    c.lifetime = parse_choice<ir::Lifetime>(value, ir::parse_lifetime, where);
  else if (field == "transient")
    c.transient = parse_bool(value, where);
  else
    throw UserError(where, "no editable field '" + field + "'");
}

}  // namespace

std::string target_kind_name(PropertyTarget::Kind kind) {
  switch (kind) {
    case PropertyTarget::Kind::Node: return "node";
    case PropertyTarget::Kind::Memlet: return "memlet";
    case PropertyTarget::Kind::Container: return "container";
  }
  return "node";
}

PropertyTarget::Kind parse_target_kind(const std::string& text) {
  if (text == "node") return PropertyTarget::Kind::Node;
  if (text == "memlet") return PropertyTarget::Kind::Memlet;
  if (text == "container") return PropertyTarget::Kind::Container;
  throw UserError("edit-property", "target '" + text + "' is not node, memlet or container");
}

std::string target_str(const ir::Program& program, const PropertyTarget& target) {
  if (target.kind == PropertyTarget::Kind::Container) {
    const ir::ContainerId id(target.id);
    return program.containers.contains(id) ? "container '" + program.containers[id].name + "'"
                                           : "container " + std::to_string(target.id);
  }
  if (target.kind == PropertyTarget::Kind::Node)
    return transforms::node_location(program, target.scope, ir::NodeId(target.id));
  return transforms::scope_path(program, target.scope).str() + " / edge " +
         std::to_string(target.id);
}

std::vector<Property> list_properties(const ir::Program& program, const PropertyTarget& target) {
  check_exists(program, target);
  switch (target.kind) {
    case PropertyTarget::Kind::Container:
      return container_properties(program.containers[ir::ContainerId(target.id)]);
    case PropertyTarget::Kind::Node:
      return node_properties(program, graph_of(program, target).node(ir::NodeId(target.id)));
    case PropertyTarget::Kind::Memlet:
      return memlet_properties(program,
                               graph_of(program, target).edge(ir::EdgeId(target.id)).memlet);
  }
  return {};
}

void set_property(ir::Program& program, const PropertyTarget& target, const std::string& field,
                  const std::string& value) {
  check_exists(program, target);
  const std::string where = target_str(program, target) + " / " + field;
  switch (target.kind) {
    case PropertyTarget::Kind::Container:
      set_container_field(program.containers[ir::ContainerId(target.id)], field, value, where);
      return;
    case PropertyTarget::Kind::Node:
      set_node_field(program, graph_of(program, target).node(ir::NodeId(target.id)), field, value,
                     where);
      return;
    case PropertyTarget::Kind::Memlet:
      set_memlet_field(graph_of(program, target).memlet(ir::EdgeId(target.id)), field, value,
                       where);
      return;
  }
}

}  // namespace sluice::gui
