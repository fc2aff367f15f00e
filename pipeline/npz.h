#pragma once
/// NumPy's `.npy` and `.npz` files: how the CLI takes inputs and gives outputs.
///
/// `.npz` is a zip archive of `<key>.npy` members, stored (np.savez) or deflated
/// (np.savez_compressed); both are read, and zip64 records (numpy writes them) are understood.
/// Written archives are stored (uncompressed). Supported element types: the IR's dtypes that
/// numpy has (f2 f4 f8 i1 i4 i8 b1), little-endian, C order. bf16 has no numpy spelling: it is
/// refused on write. Every failure is a UserError naming the file (and the member).

#include <map>
#include <string>
#include <string_view>

#include "ir/tensor.h"

namespace sluice::pipeline {

/// Decodes one `.npy` image; `origin` names it in messages.
ir::Tensor parse_npy(std::string_view bytes, const std::string& origin);
/// Encodes a tensor as a `.npy` image (format 1.0).
std::string format_npy(const ir::Tensor& tensor);

/// Reads every array of an `.npz` file, keyed by member name without `.npy`.
std::map<std::string, ir::Tensor> read_npz(const std::string& path);
/// Reads an archive already in memory.
std::map<std::string, ir::Tensor> parse_npz(std::string_view bytes, const std::string& origin);
/// Writes the arrays as a stored `.npz` (atomically: a temporary file, then rename).
void write_npz(const std::string& path, const std::map<std::string, ir::Tensor>& arrays);

}  // namespace sluice::pipeline
