#include "ir/diagnostic.h"

namespace sluice {
namespace {

const char* severity_name(Severity severity) {
  switch (severity) {
    case Severity::Note: return "note";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "error";
}

std::string join(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += d.str();
  }
  return out;
}

}  // namespace

std::string Diagnostic::str() const {
  std::string out = severity_name(severity);
  out += ": ";
  if (!location.empty()) out += location + ": ";
  out += message;
  for (const auto& note : notes) out += "\n  note: " + note;
  return out;
}

UserError::UserError(Diagnostic diagnostic) : UserError(std::vector{std::move(diagnostic)}) {}

UserError::UserError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

UserError::UserError(std::string location, std::string message)
    : UserError(Diagnostic{Severity::Error, std::move(location), std::move(message), {}}) {}

void fail_internal(const char* file, int line, const std::string& message) {
  throw InternalError(std::string("internal error at ") + file + ":" + std::to_string(line) +
                      ": " + message);
}

}  // namespace sluice
