#pragma once
/// The compact text form of a `Program`: what `sluice show` prints, what golden tests are
/// written in, and what the GUI's text view shows. Exact: `parse_text(print_text(p)) == p` for
/// every program whose container references resolve (ids with gaps and id counters included),
/// and printing what was parsed gives the same text back.
///
///   program scale {
///     symbol N: i64
///     array X: f32[N]
///     array Y: f32[N]
///     state 0 "main" start {
///       node 0 = access X
///       node 1 = map "scale" [i = 0:N] (X) -> (Y) schedule=cpu_parallel {
///         node 0 = tasklet "scale" (x) -> (y) { y = 2.0 * x; }
///         ...
///       }
///       edge 0: node 0 -> node 1.X X[0:N]
///       ...
///     }
///   }
///
/// The grammar, with every default that is left out, is in docs/ir-text-format.md. The parser
/// checks syntax and structure (ids unique, edge endpoints and container names resolve, nesting
/// at most `kMaxTextNesting` deep); what the program means is `verify()`'s business.

#include <string>
#include <string_view>

#include "ir/program.h"

namespace sluice::ir {

/// Deepest nesting of programs and map scopes that `parse_text` accepts.
inline constexpr int kMaxTextNesting = 64;

/// The text of a program, ending in a newline. Deterministic.
std::string print_text(const Program& program);

/// Parses the text of one program. Any bad input throws `UserError` (never anything else) at
/// `SOURCE:LINE:COLUMN`, saying what was expected and what was found.
Program parse_text(std::string_view text, std::string_view source_name = "<input>");

/// Reads and parses a file; throws `UserError` naming the file when it is unreadable or bad.
Program load_text_file(const std::string& path);

}  // namespace sluice::ir
