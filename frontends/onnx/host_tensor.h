#pragma once
/// Constant values while an ONNX model is imported (internal to frontends/onnx): a tensor of any
/// ONNX numeric element type, read from a TensorProto (inline or external data) and computed on
/// by constant folding. Only those the program keeps become `ir::Tensor`s, which is where an
/// element type Sluice does not support is refused.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/dtype.h"
#include "ir/tensor.h"

namespace onnx {
class TensorProto;
}

namespace sluice::frontends::detail {

/// Elements a folded or inline constant may have; larger values are left to the program.
inline constexpr std::int64_t kMaxFoldElements = std::int64_t{1} << 20;

struct HostTensor {
  std::int32_t elem_type = 0;       ///< onnx::TensorProto::DataType
  std::vector<std::int64_t> shape;  ///< empty for a scalar
  std::vector<std::byte> bytes;     ///< little-endian, element_size(elem_type) bytes each

  [[nodiscard]] std::int64_t num_elements() const;
  [[nodiscard]] bool is_float() const;
  /// Element i converted; integers read exactly, floats rounded toward zero by as_int.
  [[nodiscard]] double as_double(std::int64_t i) const;
  [[nodiscard]] std::int64_t as_int(std::int64_t i) const;
  void set_double(std::int64_t i, double value);
  void set_int(std::int64_t i, std::int64_t value);
  /// All elements as integers (shape inputs).
  [[nodiscard]] std::vector<std::int64_t> ints() const;
  [[nodiscard]] std::vector<double> doubles() const;

  /// A zero-filled tensor; nullopt when elem_type is not numeric.
  static std::optional<HostTensor> zeros(std::int32_t elem_type, std::vector<std::int64_t> shape);
};

/// Bytes per element of a numeric ONNX element type; 0 for strings, complex and unknown codes.
int element_size(std::int32_t elem_type);
/// "float", "int64", ... for messages.
std::string elem_type_name(std::int32_t elem_type);
/// The IR dtype of an ONNX element type, if Sluice supports it.
std::optional<ir::DType> to_dtype(std::int32_t elem_type);
/// The number of elements of a shape; nullopt for a negative dimension or overflow past 2^62.
std::optional<std::int64_t> checked_num_elements(const std::vector<std::int64_t>& shape);

/// Reads a TensorProto's value. `what` names it in messages ("initializer 'w'"); `location` is
/// the diagnostic location (the model file); external data is resolved in `external_dir`.
/// Throws UserError for missing or inconsistent data, unreadable external files, non-numeric types.
HostTensor read_tensor(const onnx::TensorProto& proto, const std::string& what,
                       const std::string& location, const std::string& external_dir);

/// A TensorProto (raw data) holding `tensor`, named `name`.
void write_tensor(const HostTensor& tensor, const std::string& name, onnx::TensorProto& proto);

/// The IR value of a constant; throws UserError naming `what` for an unsupported element type.
ir::Tensor to_ir_tensor(HostTensor tensor, const std::string& what, const std::string& location);

}  // namespace sluice::frontends::detail
