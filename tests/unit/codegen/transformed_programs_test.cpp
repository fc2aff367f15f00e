// Every transformation's golden cases (tests/golden/*.txt) that ask for a differential run
// (`// symbols:`) also run through the code generator: the program before and the expected
// program after are compiled and run on the same random inputs, and every argument must agree.
// The golden runner checks the same against the reference interpreter; this checks that what
// the transformations make (tiles, unrolled bodies, views, strides, locals) compiles right.

#include <filesystem>
#include <fstream>
#include <sstream>

#include "codegen_test_support.h"
#include "ir/text_format.h"
#include "ops/expansion.h"

namespace sluice::codegen::testing {
namespace {

struct DifferentialCase {
  std::string where;
  std::map<std::string, std::int64_t> symbols;
  std::string before;
  std::string after;
};

std::vector<DifferentialCase> load_cases() {
  std::vector<DifferentialCase> out;
  const std::filesystem::path dir = std::filesystem::path(SLUICE_SOURCE_DIR) / "tests/golden";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path);
    std::string line;
    DifferentialCase c;
    bool differential = false;
    bool expected = false;
    int number = 0;
    const auto flush = [&] {
      if (differential && !c.after.empty()) out.push_back(c);
      c = DifferentialCase{};
      differential = expected = false;
    };
    while (std::getline(in, line)) {
      ++number;
      if (line.rfind("// -----", 0) == 0) {
        flush();
      } else if (line.rfind("// case:", 0) == 0) {
        c.where = path.filename().string() + ":" + std::to_string(number) + line.substr(8);
      } else if (line.rfind("// symbols:", 0) == 0) {
        differential = true;
        std::istringstream words(line.substr(11));
        std::string word;
        while (words >> word) {
          const auto eq = word.find('=');
          c.symbols[word.substr(0, eq)] = std::stoll(word.substr(eq + 1));
        }
      } else if (line.rfind("// expect:", 0) == 0) {
        expected = true;
      } else if (line.rfind("//", 0) != 0 && line.rfind("#", 0) != 0) {
        (expected ? c.after : c.before) += line + "\n";
      }
    }
    flush();
  }
  return out;
}

/// Runs `program` on copies of `args` (float arrays by argument name); returns what it left.
std::map<std::string, std::vector<float>> run(const ir::Program& program,
                                              std::map<std::string, std::vector<float>> args,
                                              const std::map<std::string, std::int64_t>& symbols) {
  // Library nodes a case leaves (a Transpose before transpose-absorb) take their pure expansion;
  // BLAS-backed ones stay calls.
  ir::Program expanded = program;
  ops::expand_all(expanded, {"blas"});
  Built built = build(expanded);
  built.executable.init(symbols);
  std::vector<void*> pointers;
  for (const auto& name : built.source.arguments) pointers.push_back(args.at(name).data());
  built.executable.run(pointers);
  return args;
}

class TransformedPrograms : public ::testing::TestWithParam<DifferentialCase> {};

TEST_P(TransformedPrograms, CompiledBeforeAndAfterAgree) {
  const DifferentialCase& c = GetParam();
  SCOPED_TRACE(c.where);
  const ir::Program before = ir::parse_text(c.before, c.where);
  const ir::Program after = ir::parse_text(c.after, c.where + " (expected)");
  auto rng = seeded_rng();
  std::map<std::string, std::vector<float>> args;
  for (const ir::ContainerId id : before.arguments()) {
    const ir::Container& container = before.containers[id];
    if (container.dtype != ir::DType::f32) GTEST_SKIP() << "only f32 arguments here";
    args[container.name] =
        random_floats(rng, static_cast<std::size_t>(container.num_elements().evaluate(c.symbols)));
  }
  const auto want = run(before, args, c.symbols);
  const auto got = run(after, args, c.symbols);
  for (const auto& [name, values] : want) {
    SCOPED_TRACE(name);
    expect_near(got.at(name), values, 1e-5);
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, TransformedPrograms, ::testing::ValuesIn(load_cases()),
                         [](const auto& info) { return "case_" + std::to_string(info.index); });

}  // namespace
}  // namespace sluice::codegen::testing
