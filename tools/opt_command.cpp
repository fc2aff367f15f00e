#include "tools/opt_command.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "frontends/onnx/onnx_importer.h"
#include "ir/diagnostic.h"
#include "ir/program_io.h"
#include "ir/verifier.h"
#include "tools/commands.h"
#include "tools/opt_report.h"

namespace sluice::tools {

namespace {

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.ends_with(suffix);
}

ir::Program load_model(const std::string& path) {
  if (ends_with(path, ".onnx")) return frontends::import_onnx_file(path).program;
  return ir::load_program(path);
}

/// Output paths are checked before any work, so a bad one costs nothing and writes nothing.
void check_outputs(const OptFlags& flags) {
  if (!flags.output.empty() && !ends_with(flags.output, ".json") &&
      !ends_with(flags.output, ".txt"))
    throw UserError("-o " + flags.output,
                    "the optimized program is written as *.sluice.json or *.sluice.txt");
  for (const auto& [flag, path] : {std::pair{"--report", &flags.report},
                                   std::pair{"--record", &flags.record}})
    if (!path->empty() && !ends_with(*path, ".json"))
      throw UserError(std::string(flag) + " " + *path, "writes JSON: name it *.json");
  for (const std::string* path : {&flags.output, &flags.report, &flags.record}) {
    if (path->empty()) continue;
    const auto dir = std::filesystem::absolute(*path).parent_path();
    if (!std::filesystem::is_directory(dir))
      throw UserError(*path, "cannot write there: the folder '" + dir.string() + "' is missing");
  }
}

/// Writes through a temporary file and a rename: a failure leaves the old file as it was.
void write_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw UserError(path, "cannot write the file");
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) throw UserError(path, "cannot write the file: " + ec.message());
}

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

int opt(const OptFlags& flags) {
  check_outputs(flags);
  const SymbolValues symbols = parse_symbol_flags(flags.symbol_flags);
  const PreparedTransforms prepared = prepare_transforms(flags.transforms);
  if (prepared.source.empty())
    throw UserError("sluice opt", "give the transformations: --pipeline P or --recipe R.json");
  const ir::Program original = load_model(flags.model);
  ir::verify_or_throw(original);

  ir::Program optimized = original;
  std::vector<std::size_t> per_step;
  const transforms::Recipe applied = prepared.apply(optimized, &per_step);
  ir::verify_or_throw(optimized);  // what is written must be valid, whatever ran before
  const CostComparison comparison = compare_costs(original, optimized, symbols);

  std::cout << "sluice opt " << flags.model << ": " << prepared.source << '\n';
  if (!prepared.pipeline.empty()) {
    for (std::size_t i = 0; i < prepared.pipeline.size(); ++i)
      std::cout << "  step " << i + 1 << "  "
                << transforms::pipeline_str({prepared.pipeline[i]}) << ": "
                << plural(per_step[i], "application") << '\n';
  } else {
    std::map<std::string, std::size_t> counts;
    for (const auto& s : applied.steps) ++counts[s.transformation];
    for (const auto& [name, n] : counts) std::cout << "  " << name << ": " << n << '\n';
  }
  std::cout << "applied " << plural(applied.steps.size(), "transformation")
            << "; the result verifies\n\n"
            << comparison_text(comparison);

  if (!flags.output.empty()) ir::save_program(optimized, flags.output);
  if (!flags.record.empty()) write_atomically(flags.record, transforms::recipe_to_json(applied));
  if (!flags.report.empty()) {
    nlohmann::json report{
        {"model", flags.model},
        {"program", optimized.name},
        {"transformations",
         {{"pipeline", prepared.pipeline.empty() ? nlohmann::json()
                                                 : nlohmann::json(flags.transforms.pipeline)},
          {"recipe", flags.transforms.recipe.empty() ? nlohmann::json()
                                                     : nlohmann::json(flags.transforms.recipe)}}},
        {"applied", nlohmann::json::parse(transforms::recipe_to_json(applied))["steps"]},
        {"movement", comparison_json(comparison)}};
    write_atomically(flags.report, report.dump(2) + "\n");
  }
  for (const auto& [flag, path] : {std::pair{"-o", &flags.output},
                                   std::pair{"--record", &flags.record},
                                   std::pair{"--report", &flags.report}})
    if (!path->empty()) std::cerr << "wrote " << *path << " (" << flag << ")\n";
  return 0;
}

}  // namespace sluice::tools
