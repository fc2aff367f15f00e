#pragma once
/// The `sluice` subcommands. Each returns the process exit code: 0 success, 1 bad input
/// (diagnostics printed to stderr). Usage errors (exit 2) are handled by the argument parser.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sluice::tools {

using SymbolValues = std::map<std::string, std::int64_t>;

/// Parses repeated `NAME=VALUE` flags. Throws UserError naming the bad flag.
SymbolValues parse_symbol_flags(const std::vector<std::string>& flags);

int show(const std::string& path, const std::string& format);
int verify(const std::string& path);
int report(const std::string& path, const SymbolValues& symbols, bool json);
int convert(const std::string& input, const std::string& output);
/// The main job on the embedded default sample: its IR, verification, and report.
int demo(const SymbolValues& symbols, bool json);
/// Writes every sample as `<dir>/<name>.sluice.json` and `.sluice.txt`; with `check`, only
/// compares them with the files there and fails if any differs.
int samples(const std::string& dir, bool check);

}  // namespace sluice::tools
