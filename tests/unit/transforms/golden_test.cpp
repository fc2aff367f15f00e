// Golden tests: tests/golden/<transformation>.txt holds cases of IR text in and expected IR text
// out, separated by lines `// -----`. Each case:
//
//   // case: fuses a chain of two maps
//   // pipeline: map-fusion
//   // symbols: N=5                      (optional: differential run; may list no symbol)
//   <program text>
//   // expect:
//   <expected program text>
//
// or, instead of `// expect:`, `// expect-error: TEXT` (the pipeline fails with a message
// containing TEXT; the program is unchanged) or `// expect-rejected: TEXT` (after the steps
// before it, the pipeline's last transformation matches nowhere, and one rejection's reason
// contains TEXT). With `// symbols:`, the
// program before and after runs in the reference interpreter on the same random inputs (seed
// printed) and every argument must agree within 1e-5 relative; a program with library nodes
// (which the interpreter does not run) gets that run in tests/unit/codegen/
// transformed_programs_test.cpp, which compiles every differential case.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "ir/text_format.h"
#include "program_interpreter.h"
#include "transforms/apply.h"
#include "transforms/pipeline.h"
#include "transforms/registry.h"

namespace sluice::transforms {
namespace {

struct GoldenCase {
  std::string file;
  std::string name;
  int line = 0;
  std::string pipeline;
  bool differential = false;  // a `// symbols:` line (possibly empty) asks for the run
  std::map<std::string, std::int64_t> symbols;
  std::string input;
  std::string expected;  // program text, or the error / rejection text
  enum class Kind { Program, Error, Rejected } kind = Kind::Program;
};

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

bool starts(const std::string& line, std::string_view prefix, std::string& rest) {
  if (line.rfind(prefix, 0) != 0) return false;
  rest = trim(line.substr(prefix.size()));
  return true;
}

std::vector<GoldenCase> load_cases() {
  std::vector<GoldenCase> cases;
  const std::filesystem::path dir = std::filesystem::path(SLUICE_SOURCE_DIR) / "tests/golden";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path);
    std::string line;
    GoldenCase current;
    current.file = path.filename().string();
    bool in_expected = false;
    int number = 0;
    const auto flush = [&] {
      if (!trim(current.input).empty() || !current.name.empty()) cases.push_back(current);
      current = GoldenCase{};
      current.file = path.filename().string();
      in_expected = false;
    };
    while (std::getline(in, line)) {
      ++number;
      std::string rest;
      if (line.rfind("// -----", 0) == 0) {
        flush();
      } else if (starts(line, "// case:", rest)) {
        current.name = rest;
        current.line = number;
      } else if (starts(line, "// pipeline:", rest)) {
        current.pipeline = rest;
      } else if (starts(line, "// symbols:", rest)) {
        current.differential = true;
        std::istringstream words(rest);
        std::string word;
        while (words >> word) {
          const auto eq = word.find('=');
          current.symbols[word.substr(0, eq)] = std::stoll(word.substr(eq + 1));
        }
      } else if (starts(line, "// expect-error:", rest)) {
        current.kind = GoldenCase::Kind::Error;
        current.expected = rest;
      } else if (starts(line, "// expect-rejected:", rest)) {
        current.kind = GoldenCase::Kind::Rejected;
        current.expected = rest;
      } else if (line.rfind("// expect:", 0) == 0) {
        in_expected = true;
      } else if (line.rfind("//", 0) == 0 || line.rfind("#", 0) == 0) {
        // commentary
      } else {
        (in_expected ? current.expected : current.input) += line + "\n";
      }
    }
    flush();
  }
  return cases;
}

std::map<std::string, ops::testing::Buffer> random_arguments(const ir::Program& program,
                                                             const GoldenCase& c,
                                                             std::mt19937& rng) {
  std::map<std::string, ops::testing::Buffer> args;
  std::uniform_real_distribution<double> dist(-2.0, 2.0);
  for (const ir::ContainerId id : program.arguments()) {
    const ir::Container& container = program.containers[id];
    ops::testing::Buffer b;
    b.dtype = container.dtype;
    std::int64_t n = 1;
    for (const auto& d : container.shape) {
      b.shape.push_back(d.evaluate(c.symbols));
      n *= b.shape.back();
    }
    for (std::int64_t i = 0; i < n; ++i) b.values.push_back(dist(rng));
    args[container.name] = std::move(b);
  }
  return args;
}

void PrintTo(const GoldenCase& c, std::ostream* out) {
  *out << c.file << ":" << c.line << " " << c.name;
}

class Golden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(Golden, Case) {
  const GoldenCase& c = GetParam();
  SCOPED_TRACE(c.file + ":" + std::to_string(c.line) + ": " + c.name);
  const Registry& registry = Registry::global();
  const ir::Program before = ir::parse_text(c.input, c.file);
  ir::Program after = before;
  const auto steps = parse_pipeline(c.pipeline, registry);
  switch (c.kind) {
    case GoldenCase::Kind::Error: {
      try {
        run_pipeline(after, steps, registry);
        FAIL() << "expected an error containing: " << c.expected;
      } catch (const UserError& e) {
        EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
      }
      EXPECT_EQ(after, before) << "a failed pipeline changed the program";
      return;
    }
    case GoldenCase::Kind::Rejected: {
      // Every step but the last prepares the program; the last must refuse everywhere.
      ir::Program prepared = before;
      const std::vector<PipelineStep> prefix(steps.begin(), steps.end() - 1);
      if (!prefix.empty()) run_pipeline(prepared, prefix, registry);
      const MatchResult found =
          find_matches(prepared, registry.get(steps.back().transformation), steps.back().params);
      EXPECT_TRUE(found.matches.empty()) << found.matches.front().description;
      std::string reasons;
      bool seen = false;
      for (const auto& r : found.rejected) {
        reasons += "\n  " + r.reason;
        seen = seen || r.reason.find(c.expected) != std::string::npos;
      }
      EXPECT_TRUE(seen) << "no rejection says '" << c.expected << "'; reasons:" << reasons;
      return;
    }
    case GoldenCase::Kind::Program: break;
  }
  PipelineOptions options;
  options.verify_each = true;
  run_pipeline(after, steps, registry, options);
  // Writing a new case: SLUICE_GOLDEN_PRINT=1 prints what the pipeline gives, to review and paste.
  if (std::getenv("SLUICE_GOLDEN_PRINT") != nullptr)
    std::cout << "---- " << c.file << ":" << c.line << " result\n" << ir::print_text(after);
  ASSERT_FALSE(trim(c.expected).empty()) << "the case has no expected program";
  const std::string expected = ir::print_text(ir::parse_text(c.expected, c.file + " (expected)"));
  EXPECT_EQ(ir::print_text(after), expected);
  bool library = false;
  for_each_scope(before, [&](const Scope&, const ir::Graph& g) {
    for (const ir::NodeId n : g.node_ids())
      library = library || std::holds_alternative<ir::LibraryNode>(g.node(n));
  });
  if (c.differential && library) {
    // The interpreter runs maps and tasklets only; the compiled differential run covers this.
    std::cout << "[ golden ] " << c.file << " '" << c.name
              << "': library nodes, differential run in sluice_codegen_tests\n";
  } else if (c.differential) {
    const auto seed = std::random_device{}();
    std::mt19937 rng(seed);
    std::cout << "[ golden ] " << c.file << " '" << c.name << "' differential seed " << seed
              << "\n";
    auto args_before = random_arguments(before, c, rng);
    auto args_after = args_before;
    ops::testing::interpret(before, args_before, c.symbols);
    ops::testing::interpret(after, args_after, c.symbols);
    for (const auto& [name, buffer] : args_before) {
      const auto& other = args_after.at(name);
      ASSERT_EQ(buffer.values.size(), other.values.size()) << name;
      for (std::size_t i = 0; i < buffer.values.size(); ++i)
        EXPECT_NEAR(buffer.values[i], other.values[i], 1e-5 * (1 + std::abs(buffer.values[i])))
            << name << "[" << i << "] (seed " << seed << ")";
    }
  }
}

std::string case_name(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string out =
      info.param.file.substr(0, info.param.file.size() - 4) + "_" + std::to_string(info.param.line);
  for (char& ch : out)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return out;
}

INSTANTIATE_TEST_SUITE_P(Files, Golden, ::testing::ValuesIn(load_cases()), case_name);

}  // namespace
}  // namespace sluice::transforms
