#pragma once
/// Element types of data containers and tasklet values.

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::ir {

enum class DType : std::uint8_t { f32, f16, bf16, f64, i8, i32, i64, boolean };

/// Size of one element in bytes (bool is stored as one byte).
int dtype_size(DType dtype);
/// The spelling used in every format: "f32", "f16", "bf16", "f64", "i8", "i32", "i64", "bool".
std::string_view dtype_name(DType dtype);
std::optional<DType> parse_dtype(std::string_view name);
bool is_float(DType dtype);
bool is_integer(DType dtype);

}  // namespace sluice::ir
