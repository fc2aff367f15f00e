#pragma once
/// The file format: a `Program` as JSON (`*.sluice.json`), readable and exact.
///
/// `read_json(write_json(p)) == p` for every program whose container references resolve, and
/// `write_json(read_json(t)) == t` for every text `write_json` produced: ids with gaps, id
/// counters, attribute types and doubles all survive. Expressions, subsets, tasklet code and
/// conditions are stored as their text forms, so a file reads like the IR:
///
///   {
///     "format": "sluice-program",
///     "version": 1,
///     "name": "scale",
///     "symbols": {"N": "i64"},
///     "containers": [
///       {"id": 0, "name": "X", "kind": "array", "dtype": "f32", "shape": ["N"]},
///       ...
///     ],
///     "states": [{"id": 0, "label": "main", "graph": {"nodes": [...], "edges": [...]}}],
///     "start_state": 0
///   }
///
/// Fields equal to their defaults are left out (contiguous strides, offset 0, a memlet volume
/// equal to the subset's size, ...). Containers are referred to by name when the name is unique
/// and by id otherwise. The reader checks structure (types, known keys, ids unique, references
/// resolve, nesting bounded) and reports where, as a JSON pointer: `m.sluice.json#/states/0/
/// graph/edges/5: edge 5 refers to node 9, which does not exist`. Semantic checks are `verify()`'s.
///
/// Limits that keep any input safe to load: maps and nested programs 64 deep, JSON arrays and
/// objects 512 deep, and id slots (largest id + 1 or the saved id counter, summed over every
/// graph and arena) at most 2^18 + 64 per byte of text, so a tiny file cannot make the reader
/// allocate a billion empty slots.

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "ir/program.h"

namespace sluice::ir {

/// The current (and only) format version; files of other versions are refused.
inline constexpr int kJsonFormatVersion = 1;

/// The document `write_json` prints, header included (for tools that edit JSON; the text
/// functions below do not go through it).
nlohmann::ordered_json program_to_json(const Program& program);
/// Reads a parsed document (header included), as `read_json` reads its text. Throws `UserError`.
Program program_from_json(const nlohmann::ordered_json& document,
                          std::string_view source_name = "<input>");

/// Pretty text (2-space indent, short flat values on one line, trailing newline); deterministic.
std::string write_json(const Program& program);
/// Parses and reads a document; any bad input throws `UserError` (never anything else).
Program read_json(std::string_view text, std::string_view source_name = "<input>");

/// Throw `UserError` naming the file when it is missing, unreadable, unwritable or bad.
Program load_json_file(const std::string& path);
void save_json_file(const Program& program, const std::string& path);

}  // namespace sluice::ir
