#pragma once
/// The compiled-code cache that both compiler routes share: one folder of files named by a
/// content hash (`sluice_<key>.so` from the external compiler, `sluice_<key>.o` from the LLVM
/// JIT), written under a temporary name and renamed into place so that processes and threads
/// sharing the folder never see half a file. Nothing is evicted.

#include <filesystem>
#include <string>
#include <string_view>

namespace sluice::codegen {

/// `$SLUICE_CACHE_DIR`, else `$XDG_CACHE_HOME/sluice`, else `~/.cache/sluice`.
std::filesystem::path default_cache_dir();

/// `dir`, created if missing; a UserError naming it if that fails.
std::filesystem::path ensure_cache_dir(const std::filesystem::path& dir);

/// 16 hex digits of a hash (FNV-1a, 64 bits: stable across runs and builds) of `code` and
/// `flags`, where `flags` names everything besides the code that shapes the result.
std::string cache_key(std::string_view code, std::string_view flags);

/// A name next to `path` that no other process or thread uses at the same time.
std::string temporary_name(const std::filesystem::path& path);

/// Writes `bytes` to a temporary name and renames it to `path`.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

/// The whole file (empty when it cannot be read).
std::string read_file(const std::filesystem::path& path);

}  // namespace sluice::codegen
