#include "codegen/compiler.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "ir/diagnostic.h"

extern char** environ;

namespace sluice::codegen {

namespace {

/// FNV-1a, 64 bits: stable across runs and builds (std::hash is not promised to be).
std::uint64_t fnv1a(std::string_view data, std::uint64_t h = 14695981039346656037ULL) {
  for (const char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::string hex(std::uint64_t v) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(v));
  return buffer;
}

/// A name next to `path` that no other process or thread uses at the same time.
std::string temporary_name(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.string() + ".tmp" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  const auto temporary = temporary_name(path);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw UserError(path.string(), "cannot write the file");
  }
  std::filesystem::rename(temporary, path);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

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

std::filesystem::path default_cache_dir() {
  if (const char* dir = std::getenv("SLUICE_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "sluice";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".cache" / "sluice";
  return std::filesystem::temp_directory_path() / "sluice-cache";
}

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
                                "-fno-math-errno",
                                "-w"};
  if (options_.native) argv.emplace_back("-march=native");
  for (const std::string& f : options_.extra_flags) argv.push_back(f);
  std::string flags;
  for (const std::string& a : argv) flags += a + ' ';
  if (source.uses_blas) flags += "-lopenblas";
  const std::string key = hex(fnv1a(source.code, fnv1a(flags)));
  const std::filesystem::path dir = options_.cache_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw UserError(dir.string(), "cannot create the code cache folder: " + ec.message());
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
  ++invocations_;
  const int status = run_process(argv, log);
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

}  // namespace sluice::codegen
