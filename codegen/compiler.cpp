#include "codegen/compiler.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "ir/diagnostic.h"

extern char** environ;

namespace sluice::codegen {

namespace {

/// Runs `argv` with stdout and stderr into `log`; returns the exit status (-1 if it could not
/// start).
int run_process(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

ExternalCompiler::ExternalCompiler(CompilerOptions options) : options_(std::move(options)) {
  if (options_.compiler.empty()) {
    const char* cxx = std::getenv("SLUICE_CXX");
    options_.compiler = cxx && *cxx ? cxx : "g++";
  }
  if (options_.cache_dir.empty()) options_.cache_dir = default_cache_dir().string();
  if (const char* extra = std::getenv("SLUICE_CXXFLAGS"); extra && *extra) {
    std::istringstream words(extra);
    for (std::string w; words >> w;) options_.extra_flags.push_back(w);
  }
}

std::filesystem::path ExternalCompiler::compile(const GeneratedSource& source) {
  std::vector<std::string> argv{options_.compiler,
                                "-std=c++17",
                                "-O" + std::to_string(std::clamp(options_.opt_level, 0, 3)),
                                "-fopenmp",
                                "-fPIC",
                                "-shared",
                                "-fwrapv",
                                "-fno-exceptions",
                                "-fno-math-errno",
                                "-w"};
  if (options_.native) argv.emplace_back("-march=native");
  for (const std::string& f : options_.extra_flags) argv.push_back(f);
  std::string flags;
  for (const std::string& a : argv) flags += a + ' ';
  if (source.uses_blas) flags += "-lopenblas";
  const std::string key = cache_key(source.code, flags);
  const std::filesystem::path dir = ensure_cache_dir(options_.cache_dir);
  const std::filesystem::path object = dir / ("sluice_" + key + ".so");
  if (std::filesystem::exists(object)) return object;

  const std::filesystem::path cpp = dir / ("sluice_" + key + ".cpp");
  write_file_atomically(cpp, source.code);
  const std::string temporary = temporary_name(object);
  const std::filesystem::path log = temporary_name(dir / ("sluice_" + key + ".log"));
  argv.push_back(cpp.string());
  argv.emplace_back("-o");
  argv.push_back(temporary);
  if (source.uses_blas) argv.emplace_back("-lopenblas");
  count_invocation();
  const int status = run_process(argv, log);
  std::error_code ec;
  if (status != 0) {
    std::string messages = read_file(log);
    if (messages.size() > 4000) messages = messages.substr(0, 4000) + "\n[...]";
    std::filesystem::remove(temporary, ec);
    std::filesystem::remove(log, ec);
    throw UserError(cpp.string(), status == -1
                                      ? "cannot run the compiler '" + options_.compiler +
                                            "' (set SLUICE_CXX to a C++ compiler)"
                                      : "the generated code did not compile (" + options_.compiler +
                                            " exit " + std::to_string(status) + "):\n" + messages);
  }
  std::filesystem::rename(temporary, object);
  std::filesystem::remove(log, ec);
  return object;
}

Executable ExternalCompiler::compile_and_load(const GeneratedSource& source) {
  return Executable::load(compile(source), source.symbols);
}

}  // namespace sluice::codegen
