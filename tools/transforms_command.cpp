#include "tools/transforms_command.h"

#include <array>
#include <iostream>

#include <nlohmann/json.hpp>

#include "tools/transform_flags.h"
#include "transforms/registry.h"

namespace sluice::tools {

namespace {

using nlohmann::json;

json value_json(const transforms::ParamValue& value) {
  return std::visit([](const auto& v) { return json(v); }, value);
}

/// `text` broken into lines of at most `width` characters, each starting with `indent`.
std::string wrap(std::string_view text, std::size_t width, const std::string& indent) {
  std::string out;
  std::string line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += indent + line + "\n";
      line.clear();
    }
    if (!word.empty()) line += (line.empty() ? "" : " ") + std::string(word);
    start = end + 1;
  }
  if (!line.empty()) out += indent + line + "\n";
  return out;
}

}  // namespace

int list_transforms(const std::vector<std::string>& plugins, bool as_json) {
  load_plugins(plugins);
  const auto& registry = transforms::Registry::global();
  if (as_json) {
    json list = json::array();
    for (const auto* t : registry.list()) {
      json params = json::array();
      for (const auto& p : t->params())
        params.push_back(json{{"name", p.name},
                              {"type", transforms::param_type_name(p.type)},
                              {"default", value_json(p.default_value)},
                              {"choices", p.choices},
                              {"description", p.description}});
      list.push_back(json{{"name", t->name()},
                          {"tier", t->tier()},
                          {"origin", registry.origin(t->name())},
                          {"description", t->description()},
                          {"repeat_to_fixpoint", t->repeat_to_fixpoint()},
                          {"params", params}});
    }
    std::cout << list.dump(2) << '\n';
    return 0;
  }
  static constexpr std::array<std::string_view, 5> kTiers{
      "", "expansion and local", "layout", "fusion", "global data movement"};
  int tier = 0;
  for (const auto* t : registry.list()) {
    if (t->tier() != tier) {
      tier = t->tier();
      std::cout << (tier == registry.list().front()->tier() ? "" : "\n") << "tier " << tier
                << ": " << kTiers.at(static_cast<std::size_t>(tier)) << "\n";
    }
    std::cout << "  " << t->name() << "  (" << registry.origin(t->name()) << ")\n"
              << wrap(t->description(), 88, "      ");
    for (const auto& p : t->params()) {
      std::string line = p.name + ": " + std::string(transforms::param_type_name(p.type)) +
                         " = " + transforms::param_value_str(p.default_value);
      if (p.type == transforms::ParamType::String &&
          std::get<std::string>(p.default_value).empty())
        line += "\"\"";
      if (!p.choices.empty()) {
        line += " (";
        for (std::size_t i = 0; i < p.choices.size(); ++i)
          line += (i > 0 ? ", " : "") + p.choices[i];
        line += ")";
      }
      std::cout << "      param " << line << "\n" << wrap(p.description, 80, "          ");
    }
  }
  return 0;
}

}  // namespace sluice::tools
