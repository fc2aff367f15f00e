#include "codegen/llvm_jit_compiler.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/DiagnosticIDs.h>
#include <clang/Basic/DiagnosticOptions.h>
#include <clang/CodeGen/CodeGenAction.h>
#include <clang/Driver/Compilation.h>
#include <clang/Driver/Driver.h>
#include <clang/Driver/Job.h>
#include <clang/Driver/Tool.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/CompilerInvocation.h>
#include <clang/Frontend/TextDiagnosticPrinter.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/DynamicLibrary.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/VirtualFileSystem.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/TargetParser/Host.h>

#include "ir/diagnostic.h"

#ifndef SLUICE_LLVM_TOOLS_DIR
#error "SLUICE_LLVM_TOOLS_DIR (LLVM's bin folder) must be defined by the build"
#endif

namespace sluice::codegen {

namespace {

constexpr const char* kWhere = "LLVM route";
constexpr const char* kFallback = "; SLUICE_COMPILER=external compiles with g++ instead";

/// Where the route cannot work on this machine (not a problem of the generated code).
[[noreturn]] void environment_error(const std::string& what) {
  throw UserError(kWhere, what + kFallback);
}

std::string clip(std::string text) {
  if (text.size() > 4000) text = text.substr(0, 4000) + "\n[...]";
  return text;
}

void initialize_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

/// dlopen of the first of `candidates` that opens (RTLD_LOCAL: their symbols reach the JIT
/// only, so libomp's GOMP_* entry points never interpose libgomp for other code); once per
/// process. An environment error naming all candidates and `package` if none opens.
void* open_library(const std::vector<std::string>& candidates, const char* package) {
  std::string tried;
  for (const std::string& name : candidates) {
    if (void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)) return handle;
    const char* why = dlerror();
    tried += "\n  " + name + ": " + (why ? why : "not found");
  }
  environment_error(std::string("cannot load a library the compiled code calls (install ") +
                    package + "):" + tried + "\n");
}

void* libomp() {
  // The compiled code calls the __kmpc_* entry points, whose ABI every libomp 5 keeps. Debian
  // lets one libomp-N-dev be installed: LLVM 19's own runtime first, else the system's.
  static void* handle =
      open_library({SLUICE_LLVM_TOOLS_DIR "/../lib/libomp.so.5", "libomp.so.5", "libomp.so"},
                   "libomp5-14, or another libomp5-N");
  return handle;
}

void* openblas() {
  static void* handle = open_library({"libopenblas.so.0", "libopenblas.so"}, "libopenblas0");
  return handle;
}

/// Symbols of `library` whose names start with one of `prefixes`.
std::unique_ptr<llvm::orc::DefinitionGenerator> symbols_of(void* library, char global_prefix,
                                                           std::vector<std::string> prefixes) {
  return std::make_unique<llvm::orc::DynamicLibrarySearchGenerator>(
      llvm::sys::DynamicLibrary(library), global_prefix,
      [prefixes = std::move(prefixes)](const llvm::orc::SymbolStringPtr& name) {
        const llvm::StringRef n = *name;
        return std::any_of(prefixes.begin(), prefixes.end(),
                           [&](const std::string& p) { return n.starts_with(p); });
      });
}

/// An object file linked into this process by its own LLJIT, which lives as long as this.
class JitCode final : public LoadedCode {
public:
  JitCode(std::unique_ptr<llvm::orc::LLJIT> jit, std::filesystem::path origin,
          std::shared_ptr<std::string> link_errors)
      : jit_(std::move(jit)), origin_(std::move(origin)), link_errors_(std::move(link_errors)) {}

  void* find(const std::string& name) override {
    auto address = jit_->lookup(name);
    if (address) return address->toPtr<void*>();
    bool absent = false;
    std::string why;
    llvm::handleAllErrors(
        address.takeError(),
        [&](const llvm::orc::SymbolsNotFound& e) {
          absent = e.getSymbols().size() == 1 && *e.getSymbols().front() == name;
          why = e.message();
        },
        [&](const llvm::ErrorInfoBase& e) { why = e.message(); });
    if (absent && link_errors_->empty()) return nullptr;
    throw UserError(origin_.string(), "cannot link the compiled code in process (LLVM JIT): " +
                                          clip(*link_errors_ + why) + kFallback);
  }
  [[nodiscard]] const std::filesystem::path& origin() const override { return origin_; }

private:
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::filesystem::path origin_;
  std::shared_ptr<std::string> link_errors_;  // what the JIT's session reported while linking
};

/// Links the object file at `path` into a fresh LLJIT.
std::unique_ptr<LoadedCode> link(const std::filesystem::path& path, bool uses_blas) {
  initialize_llvm();
  void* omp = libomp();
  void* blas = uses_blas ? openblas() : nullptr;
  auto jit = llvm::orc::LLJITBuilder()
                 .setLinkProcessSymbolsByDefault(false)
                 // The generated code has no static initializers to run.
                 .setPlatformSetUp(llvm::orc::setUpInactivePlatform)
                 .create();
  if (!jit) environment_error("cannot start the JIT: " + llvm::toString(jit.takeError()));
  auto link_errors = std::make_shared<std::string>();
  (*jit)->getExecutionSession().setErrorReporter(
      [link_errors](llvm::Error e) { *link_errors += llvm::toString(std::move(e)) + "\n"; });
  llvm::orc::JITDylib& main = (*jit)->getMainJITDylib();
  const char prefix = (*jit)->getDataLayout().getGlobalPrefix();
  main.addGenerator(symbols_of(omp, prefix, {"__kmpc_", "omp_"}));
  if (blas) main.addGenerator(symbols_of(blas, prefix, {"cblas_", "openblas_"}));
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(prefix);
  if (!process) environment_error(llvm::toString(process.takeError()));
  main.addGenerator(std::move(*process));

  auto object = llvm::MemoryBuffer::getFile(path.string());
  if (!object)
    throw UserError(path.string(), "cannot read the object file: " + object.getError().message());
  if (auto e = (*jit)->addObjectFile(std::move(*object)))
    throw UserError(path.string(), "not an object file the JIT can link: " +
                                       llvm::toString(std::move(e)) + kFallback);
  return std::make_unique<JitCode>(std::move(*jit), path, std::move(link_errors));
}

/// Collects Clang's diagnostics as text (no colors).
struct DiagnosticText {
  std::string text;
  llvm::raw_string_ostream stream{text};
  llvm::IntrusiveRefCntPtr<clang::DiagnosticOptions> options{new clang::DiagnosticOptions()};
  clang::TextDiagnosticPrinter printer{stream, options.get()};
  clang::DiagnosticsEngine engine{
      llvm::IntrusiveRefCntPtr<clang::DiagnosticIDs>(new clang::DiagnosticIDs()), options, &printer,
      /*ShouldOwnClient=*/false};
};

/// The cc1 arguments that `clang++ driver_args` would run: the driver finds the resource folder,
/// the C++ standard library's headers (from the GCC installation), and what -march=native
/// means here.
std::vector<std::string> cc1_arguments(const std::vector<std::string>& driver_args) {
  DiagnosticText diagnostics;
  clang::driver::Driver driver(SLUICE_LLVM_TOOLS_DIR "/clang++",
                               llvm::sys::getDefaultTargetTriple(), diagnostics.engine, "sluice");
  if (!std::filesystem::exists(std::filesystem::path(driver.ResourceDir) / "include/stddef.h"))
    environment_error("Clang's own headers are missing from " + driver.ResourceDir +
                      " (install libclang-common-19-dev)");
  std::vector<const char*> args;
  args.reserve(driver_args.size());
  for (const std::string& a : driver_args) args.push_back(a.c_str());
  const std::unique_ptr<clang::driver::Compilation> compilation(driver.BuildCompilation(args));
  if (!compilation || diagnostics.engine.hasErrorOccurred())
    throw UserError(kWhere, "Clang's driver refused the flags:\n" + diagnostics.text);
  for (const clang::driver::Command& job : compilation->getJobs()) {
    if (llvm::StringRef(job.getCreator().getName()) != "clang") continue;
    std::vector<std::string> cc1;
    for (const char* a : job.getArguments())
      if (llvm::StringRef(a) != "-cc1") cc1.emplace_back(a);  // the mode, not an option
    return cc1;
  }
  environment_error("Clang's driver planned no compile job");
}

/// Runs the cc1 job in process: the generated code to an optimized object file. Returns
/// Clang's diagnostics; empty `ok` means the code did not compile.
std::string run_clang(const std::vector<std::string>& cc1, bool& ok) {
  DiagnosticText diagnostics;
  auto invocation = std::make_shared<clang::CompilerInvocation>();
  std::vector<const char*> args;
  args.reserve(cc1.size());
  for (const std::string& a : cc1) args.push_back(a.c_str());
  ok = clang::CompilerInvocation::CreateFromArgs(*invocation, args, diagnostics.engine);
  if (!ok) return diagnostics.text;
  // The driver asks cc1 to skip freeing its data (a process that exits next); we live on.
  invocation->getFrontendOpts().DisableFree = false;
  clang::CompilerInstance instance;
  instance.setInvocation(std::move(invocation));
  instance.createDiagnostics(&diagnostics.printer, /*ShouldOwnClient=*/false);
  instance.setVerboseOutputStream(diagnostics.stream);  // "1 error generated." goes there too
  clang::EmitObjAction action;
  ok = instance.ExecuteAction(action) && !instance.getDiagnostics().hasErrorOccurred();
  return diagnostics.text;
}

}  // namespace

LlvmJitCompiler::LlvmJitCompiler(CompilerOptions options) : options_(std::move(options)) {
  if (options_.cache_dir.empty()) options_.cache_dir = default_cache_dir().string();
  if (const char* extra = std::getenv("SLUICE_CXXFLAGS"); extra && *extra) {
    std::istringstream words(extra);
    for (std::string w; words >> w;) options_.extra_flags.push_back(w);
  }
}

std::filesystem::path LlvmJitCompiler::compile(const GeneratedSource& source) {
  // -ffp-contract=fast is g++'s default outside ISO C: a * b + c becomes an FMA even across
  // statements, so both routes compute alike. -fno-exceptions: the generated code never throws,
  // and without it a call inside an OpenMP region gets a terminate handler whose C++ runtime
  // symbols the JIT cannot resolve where the host loaded libstdc++ privately (Python).
  std::vector<std::string> args{"clang++",
                                "-std=c++17",
                                "-O" + std::to_string(std::clamp(options_.opt_level, 0, 3)),
                                "-fopenmp",
                                "-fPIC",
                                "-fwrapv",
                                "-fno-exceptions",
                                "-fno-math-errno",
                                "-ffp-contract=fast",
                                "-fno-color-diagnostics",
                                "-w"};
  if (options_.native) args.emplace_back("-march=native");
  for (const std::string& f : options_.extra_flags) args.push_back(f);
  // The key names LLVM's version and, for -march=native, this CPU: a cache folder shared by
  // other machines never hands over code built for another one.
  std::string flags = "llvm" LLVM_VERSION_STRING " ";
  if (options_.native) flags += "cpu=" + llvm::sys::getHostCPUName().str() + " ";
  for (const std::string& a : args) flags += a + ' ';
  const std::string key = cache_key(source.code, flags);
  const std::filesystem::path dir = ensure_cache_dir(options_.cache_dir);
  const std::filesystem::path object = dir / ("sluice_" + key + ".o");
  if (std::filesystem::exists(object)) return object;

  const std::filesystem::path cpp = dir / ("sluice_" + key + ".cpp");
  write_file_atomically(cpp, source.code);
  const std::string temporary = temporary_name(object);
  args.emplace_back("-c");
  args.push_back(cpp.string());
  args.emplace_back("-o");
  args.push_back(temporary);
  initialize_llvm();
  const std::vector<std::string> cc1 = cc1_arguments(args);
  count_invocation();
  bool ok = false;
  const std::string messages = run_clang(cc1, ok);
  std::error_code ec;
  if (!ok) {
    std::filesystem::remove(temporary, ec);
    std::string text = "the generated code did not compile (Clang " LLVM_VERSION_STRING
                       ", in process):\n" +
                       clip(messages);
    if (messages.find("file not found") != std::string::npos)
      text +=
          "\n(a missing standard header means Clang found no C++ standard library here: "
          "install g++ or libstdc++-dev" +
          std::string(kFallback) + ")";
    throw UserError(cpp.string(), text);
  }
  std::filesystem::rename(temporary, object, ec);
  if (ec)
    environment_error("cannot store the object file " + object.string() + ": " + ec.message());
  return object;
}

Executable LlvmJitCompiler::compile_and_load(const GeneratedSource& source) {
  const std::filesystem::path object = compile(source);
  // Before libomp and OpenBLAS are loaded: the defaults only take effect then.
  set_runtime_defaults();
  return Executable::load(link(object, source.uses_blas), source.symbols);
}

}  // namespace sluice::codegen
