#include "transforms/transformation.h"

#include <charconv>
#include <cmath>
#include <sstream>

#include "ir/diagnostic.h"

namespace sluice::transforms {

std::string_view param_type_name(ParamType type) {
  switch (type) {
    case ParamType::Bool: return "bool";
    case ParamType::Int: return "int";
    case ParamType::Float: return "float";
    case ParamType::String: return "string";
  }
  return "?";
}

Match Transformation::make_match(Scope scope, std::vector<ir::NodeId> nodes,
                                 std::string description) const {
  return Match{std::string(name()), std::move(scope), std::move(nodes), std::move(description)};
}

namespace {

ParamType type_of(const ParamValue& value) {
  switch (value.index()) {
    case 0: return ParamType::Bool;
    case 1: return ParamType::Int;
    case 2: return ParamType::Float;
    default: return ParamType::String;
  }
}

const ParamValue& lookup(const ParamValues& params, const std::string& name) {
  const auto it = params.find(name);
  SLUICE_CHECK(it != params.end(), "parameter '" + name + "' missing after completion");
  return it->second;
}

}  // namespace

ParamValues complete_params(const Transformation& transformation, const ParamValues& params) {
  const auto specs = transformation.params();
  const std::string where(transformation.name());
  for (const auto& [key, value] : params) {
    bool known = false;
    for (const auto& spec : specs) known = known || spec.name == key;
    if (!known) {
      std::string names;
      for (const auto& spec : specs) names += (names.empty() ? "" : ", ") + spec.name;
      throw UserError(where, "unknown parameter '" + key +
                                 "' (parameters: " + (names.empty() ? "none" : names) + ")");
    }
  }
  ParamValues out;
  for (const auto& spec : specs) {
    const auto it = params.find(spec.name);
    ParamValue value = it == params.end() ? spec.default_value : it->second;
    if (spec.type == ParamType::Float && type_of(value) == ParamType::Int)
      value = static_cast<double>(std::get<std::int64_t>(value));
    if (type_of(value) != spec.type)
      throw UserError(where, "parameter '" + spec.name + "' takes a " +
                                 std::string(param_type_name(spec.type)) + ", got " +
                                 param_value_str(value));
    if (spec.type == ParamType::String && !spec.choices.empty()) {
      const auto& text = std::get<std::string>(value);
      bool allowed = false;
      std::string list;
      for (const auto& c : spec.choices) {
        allowed = allowed || c == text;
        list += (list.empty() ? "" : ", ") + c;
      }
      if (!allowed) {
        std::string message = "parameter '" + spec.name + "' is '";
        message.append(text).append("'; choose one of: ").append(list);
        throw UserError(where, message);
      }
    }
    out[spec.name] = std::move(value);
  }
  return out;
}

bool param_bool(const ParamValues& params, const std::string& name) {
  return std::get<bool>(lookup(params, name));
}
std::int64_t param_int(const ParamValues& params, const std::string& name) {
  return std::get<std::int64_t>(lookup(params, name));
}
double param_float(const ParamValues& params, const std::string& name) {
  return std::get<double>(lookup(params, name));
}
const std::string& param_string(const ParamValues& params, const std::string& name) {
  return std::get<std::string>(lookup(params, name));
}

std::string param_value_str(const ParamValue& value) {
  switch (value.index()) {
    case 0: return std::get<bool>(value) ? "true" : "false";
    case 1: return std::to_string(std::get<std::int64_t>(value));
    case 2: {
      std::ostringstream out;
      out << std::get<double>(value);
      return out.str();
    }
    default: return std::get<std::string>(value);
  }
}

ParamValue parse_param_value(std::string_view text, ParamType type, const std::string& where) {
  const auto bad = [&](std::string_view what) {
    return UserError(where, "'" + std::string(text) + "' is not " + std::string(what));
  };
  switch (type) {
    case ParamType::Bool:
      if (text == "true" || text == "1") return true;
      if (text == "false" || text == "0") return false;
      throw bad("a bool (true or false)");
    case ParamType::Int: {
      std::int64_t v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size()) throw bad("an integer");
      return v;
    }
    case ParamType::Float: {
      // std::from_chars for double is missing from some standard libraries still in use.
      const std::string s(text);
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) throw bad("a number");
      return v;
    }
    case ParamType::String: return std::string(text);
  }
  throw bad("a value");
}

}  // namespace sluice::transforms
