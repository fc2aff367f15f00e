#include "ir/dtype.h"

#include <array>
#include <utility>

namespace sluice::ir {
namespace {

constexpr std::array<std::pair<DType, std::string_view>, 8> kNames{{
    {DType::f32, "f32"},
    {DType::f16, "f16"},
    {DType::bf16, "bf16"},
    {DType::f64, "f64"},
    {DType::i8, "i8"},
    {DType::i32, "i32"},
    {DType::i64, "i64"},
    {DType::boolean, "bool"},
}};

}  // namespace

int dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f64:
    case DType::i64: return 8;
    case DType::f32:
    case DType::i32: return 4;
    case DType::f16:
    case DType::bf16: return 2;
    case DType::i8:
    case DType::boolean: return 1;
  }
  return 0;
}

std::string_view dtype_name(DType dtype) {
  for (const auto& [d, name] : kNames)
    if (d == dtype) return name;
  return "?";
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (const auto& [d, n] : kNames)
    if (n == name) return d;
  return std::nullopt;
}

bool is_float(DType dtype) {
  return dtype == DType::f32 || dtype == DType::f16 || dtype == DType::bf16 || dtype == DType::f64;
}

bool is_integer(DType dtype) {
  return dtype == DType::i8 || dtype == DType::i32 || dtype == DType::i64;
}

}  // namespace sluice::ir
