#pragma once
/// Diagnostics: the one way Sluice reports a problem to a user or a test.
///
/// Bad input (a file, a recipe, a flag) becomes a `UserError` carrying diagnostics; the CLI prints
/// them and exits 1, Python raises `sluice.Error`. A broken internal invariant is a bug and throws
/// `InternalError` with the file and line (`SLUICE_CHECK`), so it fails loudly instead of aborting.

#include <stdexcept>
#include <string>
#include <vector>

namespace sluice {

enum class Severity { Note, Warning, Error };

/// One problem: where (a file position such as `model.json:12:5` or an IR path such as
/// `state 'forward' / node 42 'MatMul_3'`), what, and optional notes.
struct Diagnostic {
  Severity severity = Severity::Error;
  std::string location;
  std::string message;
  std::vector<std::string> notes;

  /// `error: LOCATION: MESSAGE` followed by one `  note: ...` line per note.
  [[nodiscard]] std::string str() const;
  bool operator==(const Diagnostic&) const = default;
};

/// Bad input from a user. Holds at least one diagnostic; `what()` is all of them, one per line.
class UserError : public std::runtime_error {
public:
  explicit UserError(Diagnostic diagnostic);
  explicit UserError(std::vector<Diagnostic> diagnostics);
  UserError(std::string location, std::string message);
  [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

private:
  std::vector<Diagnostic> diagnostics_;
};

/// A bug in Sluice: an invariant that should have held did not.
class InternalError : public std::logic_error {
public:
  using std::logic_error::logic_error;
};

[[noreturn]] void fail_internal(const char* file, int line, const std::string& message);

}  // namespace sluice

/// Checks an internal invariant; the message expression is evaluated only on failure.
#define SLUICE_CHECK(cond, message)                                 \
  do {                                                              \
    if (!(cond)) ::sluice::fail_internal(__FILE__, __LINE__, (message)); \
  } while (false)
