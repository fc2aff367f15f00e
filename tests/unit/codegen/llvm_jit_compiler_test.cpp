// The in-process route (Clang 19 + ORC LLJIT): programs run with OpenMP and OpenBLAS, the object
// cache skips Clang, Clang's diagnostics and link failures are UserErrors, and the outputs equal
// those of the external route.
#if SLUICE_WITH_LLVM

#include "codegen/llvm_jit_compiler.h"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "codegen_test_support.h"
#include "samples/sample_programs.h"

namespace sluice::codegen {
namespace {

using testing::FreshCache;
using testing::random_floats;

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

/// small_layer with its MatMul through OpenBLAS.
GeneratedSource small_layer_with_blas() {
  ir::Program program = samples::small_layer();
  for (const ir::StateId s : program.states.ids()) {
    ir::Graph& g = program.states[s].graph;
    for (const ir::NodeId n : g.node_ids())
      if (auto* lib = std::get_if<ir::LibraryNode>(&g.node(n))) lib->implementation = "blas";
  }
  return generate_cpu(program);
}

/// Y = relu(X @ W + bias) in double, rounded to float.
std::vector<float> reference_layer(const std::vector<float>& x, const std::vector<float>& w,
                                   const std::vector<float>& bias, int n, int k, int h) {
  std::vector<float> y(static_cast<std::size_t>(n) * h);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < h; ++j) {
      double s = bias[j];
      for (int l = 0; l < k; ++l) s += static_cast<double>(x[i * k + l]) * w[l * h + j];
      y[i * h + j] = static_cast<float>(std::max(s, 0.0));
    }
  return y;
}

/// Runs the layer for n x k inputs (n * h above the parallel threshold: OpenMP forks).
std::vector<float> run_layer(Executable& exe, const std::vector<float>& x,
                             const std::vector<float>& w, const std::vector<float>& bias, int n,
                             int k, int h) {
  std::vector<float> y(static_cast<std::size_t>(n) * h, -7.0f);
  exe.init({{"N", n}, {"K", k}, {"H", h}});
  exe.run({const_cast<float*>(x.data()), const_cast<float*>(w.data()),
           const_cast<float*>(bias.data()), y.data()});
  return y;
}

TEST(LlvmJit, RunsAProgramWithOpenMpAndBlas) {
  FreshCache cache;
  auto rng = testing::seeded_rng();
  const GeneratedSource source = small_layer_with_blas();
  ASSERT_TRUE(source.uses_blas);
  ASSERT_NE(source.code.find("#pragma omp parallel for"), std::string::npos);
  LlvmJitCompiler compiler(cache.options());
  Executable exe = compiler.compile_and_load(source);
  EXPECT_EQ(compiler.invocations(), 1);
  const int n = 300, k = 40, h = 64;
  const auto x = random_floats(rng, static_cast<std::size_t>(n) * k);
  const auto w = random_floats(rng, static_cast<std::size_t>(k) * h);
  const auto bias = random_floats(rng, h);
  testing::expect_near(run_layer(exe, x, w, bias, n, k, h), reference_layer(x, w, bias, n, k, h));
  EXPECT_EQ(exe.kernel_names(), source.kernels);
  double total = 0;
  for (const double t : exe.kernel_times()) {
    EXPECT_GE(t, 0.0);
    total += t;
  }
  EXPECT_GT(total, 0.0);
}

TEST(LlvmJit, ASecondCompileLinksTheCachedObjectWithoutClang) {
  FreshCache cache;
  auto rng = testing::seeded_rng();
  const GeneratedSource source = small_layer_with_blas();
  LlvmJitCompiler first(cache.options());
  auto start = std::chrono::steady_clock::now();
  Executable cold = first.compile_and_load(source);
  const double cold_seconds = seconds_since(start);
  EXPECT_EQ(first.invocations(), 1);
  const std::filesystem::path object = first.compile(source);
  EXPECT_EQ(first.invocations(), 1);
  EXPECT_EQ(object.parent_path(), cache.path());
  EXPECT_EQ(object.extension(), ".o");
  EXPECT_TRUE(std::filesystem::exists(object));

  // Another compiler object (as another process would be) links the object without Clang.
  LlvmJitCompiler second(cache.options());
  start = std::chrono::steady_clock::now();
  Executable cached = second.compile_and_load(source);
  const double cached_seconds = seconds_since(start);
  EXPECT_EQ(second.invocations(), 0);
  std::cout << "llvm route, small_layer: cold " << cold_seconds * 1e3 << " ms, cached "
            << cached_seconds * 1e3 << " ms\n";
  EXPECT_LT(cached_seconds, 0.05);
  const int n = 70, k = 9, h = 50;
  const auto x = random_floats(rng, static_cast<std::size_t>(n) * k);
  const auto w = random_floats(rng, static_cast<std::size_t>(k) * h);
  const auto bias = random_floats(rng, h);
  EXPECT_EQ(run_layer(cached, x, w, bias, n, k, h), run_layer(cold, x, w, bias, n, k, h));

  // Other flags are another object; the external route's files are other files.
  CompilerOptions o1 = cache.options();
  o1.opt_level = 1;
  LlvmJitCompiler third(o1);
  EXPECT_NE(third.compile(source), object);
  EXPECT_EQ(third.invocations(), 1);
  for (const auto& entry : std::filesystem::directory_iterator(cache.path()))
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST(LlvmJit, ACompileErrorIsAUserErrorWithClangsDiagnostics) {
  FreshCache cache;
  GeneratedSource source;
  source.code = "extern \"C\" int sluice_abi_version(void) { return undeclared_name; }\n";
  LlvmJitCompiler compiler(cache.options());
  try {
    compiler.compile(source);
    FAIL() << "no error";
  } catch (const UserError& e) {
    const Diagnostic& d = e.diagnostics().at(0);
    EXPECT_NE(d.message.find("did not compile"), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("use of undeclared identifier 'undeclared_name'"), std::string::npos)
        << d.message;
    EXPECT_TRUE(std::filesystem::exists(d.location)) << d.location;  // the kept source
    EXPECT_EQ(std::filesystem::path(d.location).extension(), ".cpp");
    EXPECT_NE(d.message.find(d.location + ":1:"), std::string::npos) << d.message;
  }
  EXPECT_EQ(compiler.invocations(), 1);
  for (const auto& entry : std::filesystem::directory_iterator(cache.path()))
    EXPECT_NE(entry.path().extension(), ".o") << entry.path();
}

TEST(LlvmJit, AFlagClangDoesNotKnowIsAUserError) {
  FreshCache cache;
  CompilerOptions o = cache.options();
  o.extra_flags = {"-fsluice-no-such-flag"};
  LlvmJitCompiler compiler(o);
  const std::string message =
      message_of([&] { compiler.compile(generate_cpu(samples::producer_consumer())); });
  EXPECT_NE(message.find("unknown argument: '-fsluice-no-such-flag'"), std::string::npos)
      << message;
}

TEST(LlvmJit, ChecksTheAbiVersionAndTheEntryPoints) {
  FreshCache cache;
  LlvmJitCompiler compiler(cache.options());
  GeneratedSource source;
  source.code = "extern \"C\" int sluice_abi_version(void) { return 7; }\n";
  std::string message = message_of([&] { compiler.compile_and_load(source); });
  EXPECT_NE(message.find("ABI version 7"), std::string::npos) << message;
  EXPECT_NE(message.find("ABI version 1"), std::string::npos) << message;
  source.code = "extern \"C\" int sluice_abi_version(void) { return 1; }\n";
  message = message_of([&] { compiler.compile_and_load(source); });
  EXPECT_NE(message.find("not a Sluice executable: no symbol sluice_init"), std::string::npos)
      << message;
  EXPECT_NE(message.find(".o"), std::string::npos) << message;  // names the object
}

TEST(LlvmJit, AnUnresolvedSymbolIsALinkError) {
  FreshCache cache;
  LlvmJitCompiler compiler(cache.options());
  GeneratedSource source;
  source.code =
      "extern \"C\" int sluice_missing_function(void);\n"
      "extern \"C\" int sluice_abi_version(void) { return sluice_missing_function(); }\n";
  const std::string message = message_of([&] { compiler.compile_and_load(source); });
  EXPECT_NE(message.find("cannot link the compiled code"), std::string::npos) << message;
  EXPECT_NE(message.find("sluice_missing_function"), std::string::npos) << message;
}

/// Outputs of `source` through one route, for `args` (inputs first, then zeroed outputs).
std::vector<std::vector<float>> run_route(Compiler& compiler, const GeneratedSource& source,
                                          const std::map<std::string, std::int64_t>& symbols,
                                          std::vector<std::vector<float>> buffers) {
  Executable exe = compiler.compile_and_load(source);
  exe.init(symbols);
  std::vector<void*> args;
  args.reserve(buffers.size());
  for (auto& b : buffers) args.push_back(b.data());
  exe.run(args);
  return buffers;
}

TEST(LlvmJit, SameOutputsAsTheExternalRoute) {
  auto rng = testing::seeded_rng();
  CompilerOptions options;
  options.cache_dir = testing::test_cache_dir().string();
  LlvmJitCompiler llvm(options);
  ExternalCompiler external(options);
  struct Case {
    const char* name;
    GeneratedSource source;
    std::map<std::string, std::int64_t> symbols;
    std::vector<std::size_t> sizes;  // of the arguments, in order
  };
  const std::int64_t m = 67, n = 45, k = 300;
  const std::vector<Case> cases{
      {"matmul",
       generate_cpu(samples::matmul()),
       {{"M", m}, {"N", n}, {"K", k}},
       {m * k, k * n, m * n}},
      {"softmax", generate_cpu(samples::softmax()), {{"N", n}, {"M", k}}, {n * k, n * k}},
      {"producer_consumer",
       generate_cpu(samples::producer_consumer()),
       {{"N", 5000}},
       {5000, 5000}},
      {"small_layer",
       small_layer_with_blas(),
       {{"N", m}, {"K", k}, {"H", n}},
       {m * k, k * n, n, m * n}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::vector<float>> buffers;
    for (const std::size_t size : c.sizes) buffers.push_back(random_floats(rng, size, -2.0, 2.0));
    const auto a = run_route(llvm, c.source, c.symbols, buffers);
    const auto b = run_route(external, c.source, c.symbols, buffers);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i].size(), b[i].size());
      // Bitwise: both routes contract a * b + c into FMAs alike (-ffp-contract=fast).
      EXPECT_EQ(std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)), 0)
          << "argument " << i;
      testing::expect_near(a[i], b[i], 1e-6);
    }
  }
}

}  // namespace
}  // namespace sluice::codegen

#endif  // SLUICE_WITH_LLVM
