#include "codegen/code_cache.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "ir/diagnostic.h"

namespace sluice::codegen {

namespace {

std::uint64_t fnv1a(std::string_view data, std::uint64_t h = 14695981039346656037ULL) {
  for (const char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
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

std::filesystem::path ensure_cache_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw UserError(dir.string(), "cannot create the code cache folder: " + ec.message());
  return dir;
}

std::string cache_key(std::string_view code, std::string_view flags) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx",
                static_cast<unsigned long long>(fnv1a(code, fnv1a(flags))));
  return buffer;
}

std::string temporary_name(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.string() + ".tmp" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  const auto temporary = temporary_name(path);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
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

}  // namespace sluice::codegen
