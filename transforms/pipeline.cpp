#include "transforms/pipeline.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string_view>

#include "ir/diagnostic.h"
#include "ir/verifier.h"
#include "transforms/apply.h"

namespace sluice::transforms {

namespace {

/// The pieces of a message, joined with one allocation (no temporaries in the parser's loops).
std::string join(std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (const std::string_view part : parts) size += part.size();
  std::string out;
  out.reserve(size);
  for (const std::string_view part : parts) out.append(part);
  return out;
}

class PipelineParser {
public:
  PipelineParser(std::string_view text, const Registry& registry)
      : text_(text), registry_(registry) {}

  std::vector<PipelineStep> parse() {
    std::vector<PipelineStep> steps;
    skip_space();
    if (at_end()) fail("the pipeline is empty");
    while (true) {
      steps.push_back(step());
      skip_space();
      if (at_end()) break;
      expect(',');
    }
    return steps;
  }

private:
  PipelineStep step() {
    skip_space();
    const std::size_t start = pos_;
    const std::string name = word("a transformation name");
    const Transformation* t = registry_.find(name);
    if (!t) fail_at(start, registry_error(name));
    PipelineStep step{name, {}};
    skip_space();
    if (peek() != '{') return step;
    ++pos_;
    const auto specs = t->params();
    while (true) {
      skip_space();
      const std::size_t key_at = pos_;
      const std::string key = word("a parameter name");
      const auto spec = std::find_if(specs.begin(), specs.end(),
                                     [&](const ParamSpec& s) { return s.name == key; });
      if (spec == specs.end()) {
        std::string names;
        for (const auto& s : specs) names.append(names.empty() ? "" : ", ").append(s.name);
        fail_at(key_at, join({"'", name, "' has no parameter '", key,
                              "' (parameters: ", names.empty() ? "none" : names, ")"}));
      }
      skip_space();
      expect('=');
      skip_space();
      const std::size_t value_at = pos_;
      std::string value;
      if (!at_end() && peek() == '"') {
        // A quoted value may hold ',' and '}' (e.g. order="1,0").
        ++pos_;
        while (!at_end() && peek() != '"') value += text_[pos_++];
        if (at_end()) fail_at(value_at, join({"unclosed '\"' in the value of '", key, "'"}));
        ++pos_;
        skip_space();
        if (!at_end() && peek() != ',' && peek() != '}')
          fail(std::string("expected ',' or '}' after the quoted value, found '") + peek() + "'");
      } else {
        while (!at_end() && peek() != ',' && peek() != '}') ++pos_;
        value = std::string(text_.substr(value_at, pos_ - value_at));
        while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
          value.pop_back();
        if (value.empty()) fail_at(value_at, join({"parameter '", key, "' needs a value"}));
      }
      try {
        step.params[key] = parse_param_value(value, spec->type, join({name, ".", key}));
      } catch (const UserError& e) {
        fail_at(value_at, join({e.diagnostics().front().message, " (parameter '", key, "' of '",
                                name, "' takes a ", param_type_name(spec->type), ")"}));
      }
      if (!spec->choices.empty() &&
          std::find(spec->choices.begin(), spec->choices.end(), value) == spec->choices.end()) {
        std::string message =
            join({"parameter '", key, "' of '", name, "' is '", value, "'; choose one of: "});
        for (std::size_t i = 0; i < spec->choices.size(); ++i)
          message.append(i > 0 ? ", " : "").append(spec->choices[i]);
        fail_at(value_at, message);
      }
      if (at_end()) fail("unclosed '{' after '" + name + "'");
      if (peek() == '}') {
        ++pos_;
        break;
      }
      ++pos_;  // ','
    }
    try {
      complete_params(*t, step.params);
    } catch (const UserError& e) {
      fail_at(start, e.diagnostics().front().message);
    }
    return step;
  }

  std::string registry_error(const std::string& name) const {
    try {
      (void)registry_.get(name);
    } catch (const UserError& e) {
      return e.diagnostics().front().message;
    }
    return "unknown transformation '" + name + "'";
  }

  std::string word(std::string_view what) {
    const std::size_t start = pos_;
    while (!at_end() &&
           (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '-' || peek() == '_'))
      ++pos_;
    if (pos_ == start)
      fail(at_end() ? "expected " + std::string(what) + " at the end"
                    : "expected " + std::string(what) + ", found '" + std::string(1, peek()) + "'");
    return std::string(text_.substr(start, pos_ - start));
  }

  void expect(char c) {
    if (at_end() || peek() != c)
      fail(std::string("expected '") + c + "'" +
           (at_end() ? " at the end" : ", found '" + std::string(1, peek()) + "'"));
    ++pos_;
  }
  void skip_space() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(peek()))) ++pos_;
  }
  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
  [[nodiscard]] char peek() const { return text_[pos_]; }
  [[noreturn]] void fail(const std::string& message) const { fail_at(pos_, message); }
  [[noreturn]] void fail_at(std::size_t at, const std::string& message) const {
    throw UserError("pipeline:1:" + std::to_string(at + 1), message);
  }

  std::string_view text_;
  const Registry& registry_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<PipelineStep> parse_pipeline(std::string_view text, const Registry& registry) {
  return PipelineParser(text, registry).parse();
}

std::string pipeline_str(const std::vector<PipelineStep>& steps) {
  std::string out;
  for (const auto& step : steps) {
    if (!out.empty()) out += ",";
    out += step.transformation;
    if (step.params.empty()) continue;
    out += "{";
    bool first = true;
    for (const auto& [key, value] : step.params) {
      std::string text = param_value_str(value);
      if (text.empty() || text.find_first_of(",}{ \"") != std::string::npos)
        text = join({"\"", text, "\""});
      out.append(first ? "" : ",").append(key).append("=").append(text);
      first = false;
    }
    out += "}";
  }
  return out;
}

Recipe run_pipeline(ir::Program& program, const std::vector<PipelineStep>& steps,
                    const Registry& registry, const PipelineOptions& options) {
  ir::Program work = program;
  Recipe recipe;
  const ApplyOptions apply_options{.verify = options.verify_each, .recheck_match = false};
  for (std::size_t index = 0; index < steps.size(); ++index) {
    const PipelineStep& step = steps[index];
    const Transformation& t = registry.get(step.transformation);
    const ParamValues params = complete_params(t, step.params);
    std::size_t applied = 0;
    const auto apply_one = [&](const Match& m) {
      if (++applied > options.max_applications)
        throw UserError(
            "pipeline step " + std::to_string(index + 1) + " (" + step.transformation + ")",
            "applied " + std::to_string(options.max_applications) + " times without settling");
      const ApplyResult r = apply_match(work, t, m, params, apply_options);
      recipe.steps.push_back(recipe_step(m, r.params));
      if (options.progress) options.progress(index, step.transformation, applied);
    };
    if (t.repeat_to_fixpoint()) {
      while (true) {
        const MatchResult found = t.match(work, params);
        if (found.matches.empty()) break;
        apply_one(found.matches.front());
      }
    } else {
      const MatchResult initial = t.match(work, params);
      for (const Match& m : initial.matches) {
        if (&m != &initial.matches.front()) {
          const MatchResult now = t.match(work, params);
          if (std::find(now.matches.begin(), now.matches.end(), m) == now.matches.end()) continue;
        }
        apply_one(m);
      }
    }
  }
  if (!options.verify_each) {
    auto diagnostics = ir::verify(work);
    if (!diagnostics.empty()) {
      Diagnostic head{Severity::Error,
                      "pipeline " + pipeline_str(steps),
                      "gave an invalid program; nothing was changed (--verify-each finds the "
                      "step)",
                      {}};
      for (const auto& d : diagnostics) head.notes.push_back(d.location + ": " + d.message);
      throw UserError(head);
    }
  }
  program = std::move(work);
  return recipe;
}

}  // namespace sluice::transforms
