#pragma once
/// A dense n-d array value in host memory: ONNX initializers and folded constants, the inputs a
/// run is given and the outputs it returns. Row-major (C order), `dtype_size(dtype)` bytes per
/// element (bool is one byte, 0 or 1).

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "ir/dtype.h"

namespace sluice::ir {

struct Tensor {
  DType dtype = DType::f32;
  std::vector<std::int64_t> shape;  ///< Empty for a scalar (one element).
  std::vector<std::byte> bytes;     ///< num_elements() * dtype_size(dtype) bytes.

  [[nodiscard]] std::int64_t num_elements() const {
    std::int64_t n = 1;
    for (const std::int64_t d : shape) n *= d;
    return n;
  }
  /// A zero-filled tensor of the given type and shape.
  static Tensor zeros(DType dtype, std::vector<std::int64_t> shape) {
    Tensor t{dtype, std::move(shape), {}};
    t.bytes.resize(static_cast<std::size_t>(t.num_elements() * dtype_size(dtype)));
    return t;
  }
  /// Typed views of the bytes; the caller picks the C++ type that matches `dtype`.
  template <typename T>
  T* data() {
    return reinterpret_cast<T*>(bytes.data());
  }
  template <typename T>
  const T* data() const {
    return reinterpret_cast<const T*>(bytes.data());
  }
  bool operator==(const Tensor&) const = default;
};

}  // namespace sluice::ir
