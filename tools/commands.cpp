#include "tools/commands.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ir/analysis/report.h"
#include "ir/program_io.h"
#include "ir/verifier.h"
#include "samples/sample_programs.h"

namespace sluice::tools {
namespace {

// The embedded default's symbol values: a small MLP layer (batch 512, 1024 -> 4096).
const SymbolValues kDemoSymbols{{"N", 512}, {"K", 1024}, {"H", 4096}};

void print_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) std::cerr << d.str() << '\n';
}

std::size_t count_nodes(const ir::Graph& graph) {
  std::size_t n = 0;
  for (ir::NodeId id : graph.node_ids()) {
    ++n;
    if (const auto* map = std::get_if<ir::MapNode>(&graph.node(id))) n += count_nodes(*map->body);
  }
  return n;
}

int print_report(const ir::Program& program, const SymbolValues& symbols, bool json) {
  const auto report = ir::analysis::build_report(program, symbols);
  std::cout << (json ? report.to_json().dump(2) + "\n" : report.to_text());
  return 0;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

}  // namespace

SymbolValues parse_symbol_flags(const std::vector<std::string>& flags) {
  SymbolValues values;
  for (const auto& flag : flags) {
    const auto eq = flag.find('=');
    std::int64_t value = 0;
    const char* begin = flag.data() + (eq == std::string::npos ? 0 : eq + 1);
    const char* end = flag.data() + flag.size();
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    if (eq == std::string::npos || eq == 0 || ec != std::errc() || ptr != end)
      throw UserError("--symbol " + flag, "expected NAME=INTEGER, e.g. --symbol N=128");
    values[flag.substr(0, eq)] = value;
  }
  return values;
}

int show(const std::string& path, const std::string& format) {
  const ir::Program program = ir::load_program(path);
  std::cout << ir::format_program(
      program, format == "json" ? ir::ProgramFormat::Json : ir::ProgramFormat::Text);
  return 0;
}

int verify(const std::string& path) {
  const ir::Program program = ir::load_program(path);
  const auto diagnostics = ir::verify(program);
  if (!diagnostics.empty()) {
    print_diagnostics(diagnostics);
    std::cerr << path << ": " << diagnostics.size() << " problem"
              << (diagnostics.size() == 1 ? "" : "s") << " found\n";
    return 1;
  }
  std::size_t nodes = 0;
  for (ir::StateId id : program.states.ids()) nodes += count_nodes(program.states[id].graph);
  std::cout << path << ": ok (" << program.containers.size() << " containers, "
            << program.states.size() << " states, " << nodes << " nodes)\n";
  return 0;
}

int report(const std::string& path, const SymbolValues& symbols, bool json) {
  const ir::Program program = ir::load_program(path);
  ir::verify_or_throw(program);
  return print_report(program, symbols, json);
}

int convert(const std::string& input, const std::string& output) {
  const ir::Program program = ir::load_program(input);
  ir::save_program(program, output);
  std::cerr << "wrote " << output << '\n';
  return 0;
}

int demo(const SymbolValues& symbols, bool json) {
  const ir::Program program = samples::small_layer();
  ir::verify_or_throw(program);
  SymbolValues values = kDemoSymbols;
  for (const auto& [name, value] : symbols) values[name] = value;
  if (json) return print_report(program, values, true);
  std::cout << "# Embedded sample 'small_layer': Y = relu(X @ W + bias)\n\n"
            << ir::format_program(program, ir::ProgramFormat::Text) << "\n# Verified: ok\n"
            << "# Data movement for";
  for (const auto& [name, value] : values) std::cout << ' ' << name << '=' << value;
  std::cout << " (change with --symbol NAME=VALUE)\n\n";
  return print_report(program, values, false);
}

int samples(const std::string& dir, bool check) {
  namespace fs = std::filesystem;
  if (!check) fs::create_directories(dir);
  int stale = 0;
  for (const auto& sample : samples::all_samples()) {
    const ir::Program program = sample.make();
    for (const auto format : {ir::ProgramFormat::Json, ir::ProgramFormat::Text}) {
      const std::string path = (fs::path(dir) / sample.name).string() +
                               (format == ir::ProgramFormat::Json ? ".sluice.json" : ".sluice.txt");
      const std::string text = ir::format_program(program, format);
      if (!check) {
        ir::save_program(program, path);
        std::cerr << "wrote " << path << '\n';
      } else if (!fs::exists(path) || read_file(path) != text) {
        std::cerr << "error: " << path
                  << ": differs from the embedded sample; run 'sluice samples " << dir << "'\n";
        ++stale;
      }
    }
  }
  return stale == 0 ? 0 : 1;
}

}  // namespace sluice::tools
