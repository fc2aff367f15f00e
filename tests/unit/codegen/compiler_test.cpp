// The compiler driver (cache, errors) and the loader (ABI version, symbols), and the generator's
// refusals.
#include <chrono>
#include <filesystem>
#include <random>
#include <string>

#include "codegen_test_support.h"
#include "ir/builder.h"
#include "samples/sample_programs.h"

namespace sluice::codegen {
namespace {

using testing::FreshCache;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Compiler, ASecondCompileOfTheSameSourceUsesTheCache) {
  FreshCache cache;
  const GeneratedSource source = generate_cpu(samples::producer_consumer());
  ExternalCompiler first(cache.options());
  auto start = std::chrono::steady_clock::now();
  const auto object = first.compile(source);
  const double cold = seconds_since(start);
  EXPECT_EQ(first.invocations(), 1);
  EXPECT_TRUE(std::filesystem::exists(object));
  EXPECT_EQ(object.parent_path(), cache.path());

  // Another compiler object (as another process would be) finds it without compiling.
  ExternalCompiler second(cache.options());
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(second.compile(source), object);
  const double cached = seconds_since(start);
  EXPECT_EQ(second.invocations(), 0);
  std::cout << "compile: cold " << cold * 1e3 << " ms, cached " << cached * 1e3 << " ms\n";
  EXPECT_LT(cached, 0.05);

  // Other flags are another object.
  CompilerOptions o1 = cache.options();
  o1.opt_level = 1;
  ExternalCompiler third(o1);
  EXPECT_NE(third.compile(source), object);
  EXPECT_EQ(third.invocations(), 1);
  // No temporaries are left behind.
  for (const auto& entry : std::filesystem::directory_iterator(cache.path()))
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST(Compiler, ACompilerErrorIsAUserErrorWithTheMessagesAndTheSource) {
  FreshCache cache;
  GeneratedSource source;
  source.code = "int sluice_abi_version(void) { return undeclared_name; }\n";
  ExternalCompiler compiler(cache.options());
  try {
    compiler.compile(source);
    FAIL() << "no error";
  } catch (const UserError& e) {
    const Diagnostic& d = e.diagnostics().at(0);
    EXPECT_NE(d.message.find("did not compile"), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("undeclared_name"), std::string::npos) << d.message;
    EXPECT_TRUE(std::filesystem::exists(d.location)) << d.location;  // the kept source
    EXPECT_EQ(std::filesystem::path(d.location).extension(), ".cpp");
  }
}

TEST(Compiler, AMissingCompilerIsAUserError) {
  FreshCache cache;
  CompilerOptions o = cache.options();
  o.compiler = "/nonexistent/sluice-c++";
  ExternalCompiler compiler(o);
  EXPECT_NE(message_of([&] {
              compiler.compile(generate_cpu(samples::producer_consumer()));
            }).find("/nonexistent/sluice-c++"),
            std::string::npos);
}

TEST(Executable, ChecksTheAbiVersion) {
  FreshCache cache;
  GeneratedSource source;
  source.code = "extern \"C\" int sluice_abi_version(void) { return 7; }\n";
  ExternalCompiler compiler(cache.options());
  const auto object = compiler.compile(source);
  const std::string message = message_of([&] { Executable::load(object); });
  EXPECT_NE(message.find("ABI version 7"), std::string::npos) << message;
  EXPECT_NE(message.find("ABI version 1"), std::string::npos) << message;
}

TEST(Executable, InitNamesAMissingSymbolAndMovesOwnership) {
  auto built = testing::build(samples::matmul());
  const std::string message = message_of([&] { built.executable.init({{"M", 2}, {"N", 2}}); });
  EXPECT_NE(message.find("'K'"), std::string::npos) << message;
  Executable moved = std::move(built.executable);
  moved.init({{"M", 1}, {"N", 1}, {"K", 1}});
  float a = 2, b = 3, c = 0;
  moved.run({&a, &b, &c});
  EXPECT_EQ(c, 6.0f);
}

TEST(CpuGenerator, RefusesLibraryNodesThatAreNotExpanded) {
  const std::string message = message_of([] { generate_cpu(samples::small_layer()); });
  EXPECT_NE(message.find("library node 'linear' (MatMul) must be expanded first"),
            std::string::npos)
      << message;
}

TEST(CpuGenerator, HashIsTheContentsHash) {
  const GeneratedSource a = generate_cpu(samples::softmax());
  const GeneratedSource b = generate_cpu(samples::softmax());
  const GeneratedSource c = generate_cpu(samples::softmax(), CpuOptions{.timers = false});
  EXPECT_EQ(a.code, b.code);
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.hash.size(), 16u);
  EXPECT_NE(a.hash, c.hash);
  EXPECT_EQ(c.code.find("sl_now"), std::string::npos);
  EXPECT_EQ(c.code.find("<ctime>"), std::string::npos);
}

}  // namespace
}  // namespace sluice::codegen
