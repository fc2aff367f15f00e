#include "frontends/onnx/host_tensor.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include <onnx/onnx_pb.h>

#include "ir/diagnostic.h"

namespace sluice::frontends::detail {
namespace {

using TP = onnx::TensorProto;

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  std::uint32_t mantissa = h & 0x3ffu;
  std::uint32_t bits = 0;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa != 0) {  // subnormal: normalize
    std::uint32_t e = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mantissa & 0x3ffu) << 13);
  } else {
    bits = sign;
  }
  return std::bit_cast<float>(bits);
}

std::uint16_t float_to_half(float f) {
  const auto x = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const std::uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u)
    return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0));
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds to inf
  if (abs < 0x38800000u) {  // subnormal or zero in half
    const auto magnitude = std::bit_cast<float>(abs);
    const auto m = static_cast<std::uint32_t>(std::nearbyint(magnitude * 16777216.0f));  // 2^24
    return static_cast<std::uint16_t>(sign | m);
  }
  const std::uint32_t rounded = abs + 0xfffu + ((abs >> 13) & 1u);
  return static_cast<std::uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

float bf16_to_float(std::uint16_t h) { return std::bit_cast<float>(std::uint32_t{h} << 16); }

std::uint16_t float_to_bf16(float f) {
  const auto x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40u);
  return static_cast<std::uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

template <typename T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T>
void store(std::byte* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

// Float to integer without undefined behaviour: NaN is 0, out-of-range values saturate.
std::int64_t saturate(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9.2233720368547758e18) return std::numeric_limits<std::int64_t>::max();
  if (v <= -9.2233720368547758e18) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(v);
}

bool safe_relative_path(const std::string& location) {
  if (location.empty() || location.find('\0') != std::string::npos) return false;
  const std::filesystem::path p(location);
  if (p.is_absolute() || p.has_root_name() || p.has_root_directory()) return false;
  for (const auto& part : p)
    if (part == "..") return false;
  return true;
}

std::optional<std::int64_t> parse_nonnegative(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::vector<std::byte> read_external(const TP& proto, std::int64_t expected_bytes,
                                     const std::string& what, const std::string& location,
                                     const std::string& external_dir) {
  std::string file;
  std::optional<std::int64_t> offset = 0;
  std::optional<std::int64_t> length;
  for (const auto& entry : proto.external_data()) {
    if (entry.key() == "location") file = entry.value();
    if (entry.key() == "offset") offset = parse_nonnegative(entry.value());
    if (entry.key() == "length") length = parse_nonnegative(entry.value());
    if ((entry.key() == "offset" && !offset) || (entry.key() == "length" && !length))
      throw UserError(location, what + " has external data with an invalid " + entry.key() + " '" +
                                    entry.value() + "'");
  }
  if (file.empty()) throw UserError(location, what + " has external data without a location");
  if (!safe_relative_path(file))
    throw UserError(location, what + ": external data location '" + file +
                                  "' must be a relative path inside the model's folder");
  if (external_dir.empty())
    throw UserError(location, what + " has external data ('" + file +
                                  "') but no folder to find it in was given");
  const std::filesystem::path path = std::filesystem::path(external_dir) / file;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || !std::filesystem::is_regular_file(path, ec))
    throw UserError(location, what + ": cannot read external data file '" + path.string() + "'");
  if (length && *length != expected_bytes)
    throw UserError(location, what + ": external data length " + std::to_string(*length) +
                                  " does not match the " + std::to_string(expected_bytes) +
                                  " bytes its type and shape need");
  if (*offset > static_cast<std::int64_t>(size) ||
      expected_bytes > static_cast<std::int64_t>(size) - *offset)
    throw UserError(location, what + ": external data out of range: bytes " +
                                  std::to_string(*offset) + " to " +
                                  std::to_string(*offset + expected_bytes) + " of '" +
                                  path.string() + "', which has " + std::to_string(size));
  std::vector<std::byte> bytes(static_cast<std::size_t>(expected_bytes));
  std::ifstream in(path, std::ios::binary);
  in.seekg(*offset);
  in.read(reinterpret_cast<char*>(bytes.data()), expected_bytes);
  if (!in)
    throw UserError(location, what + ": failed reading external data file '" + path.string() + "'");
  return bytes;
}

}  // namespace

int element_size(std::int32_t elem_type) {
  switch (elem_type) {
    case TP::FLOAT:
    case TP::INT32:
    case TP::UINT32: return 4;
    case TP::UINT8:
    case TP::INT8:
    case TP::BOOL: return 1;
    case TP::UINT16:
    case TP::INT16:
    case TP::FLOAT16:
    case TP::BFLOAT16: return 2;
    case TP::INT64:
    case TP::UINT64:
    case TP::DOUBLE: return 8;
    default: return 0;
  }
}

std::string elem_type_name(std::int32_t elem_type) {
  if (TP::DataType_IsValid(elem_type) && elem_type != TP::UNDEFINED) {
    std::string name = TP::DataType_Name(static_cast<TP::DataType>(elem_type));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
  }
  return "element type " + std::to_string(elem_type);
}

std::optional<ir::DType> to_dtype(std::int32_t elem_type) {
  switch (elem_type) {
    case TP::FLOAT: return ir::DType::f32;
    case TP::FLOAT16: return ir::DType::f16;
    case TP::BFLOAT16: return ir::DType::bf16;
    case TP::DOUBLE: return ir::DType::f64;
    case TP::INT8: return ir::DType::i8;
    case TP::INT32: return ir::DType::i32;
    case TP::INT64: return ir::DType::i64;
    case TP::BOOL: return ir::DType::boolean;
    default: return std::nullopt;
  }
}

std::optional<std::int64_t> checked_num_elements(const std::vector<std::int64_t>& shape) {
  // Zero-size dimensions do not excuse huge others: strides are products of the nonzero ones.
  std::int64_t n = 1;
  std::int64_t nonzero = 1;
  for (const std::int64_t d : shape) {
    if (d < 0) return std::nullopt;
    if (d != 0 && nonzero > (std::int64_t{1} << 62) / d) return std::nullopt;
    if (d != 0) nonzero *= d;
    n *= d;
  }
  return n;
}

std::int64_t HostTensor::num_elements() const { return checked_num_elements(shape).value_or(0); }

bool HostTensor::is_float() const {
  return elem_type == TP::FLOAT || elem_type == TP::DOUBLE || elem_type == TP::FLOAT16 ||
         elem_type == TP::BFLOAT16;
}

double HostTensor::as_double(std::int64_t i) const {
  const std::byte* p = bytes.data() + i * element_size(elem_type);
  switch (elem_type) {
    case TP::FLOAT: return load<float>(p);
    case TP::DOUBLE: return load<double>(p);
    case TP::FLOAT16: return half_to_float(load<std::uint16_t>(p));
    case TP::BFLOAT16: return bf16_to_float(load<std::uint16_t>(p));
    case TP::UINT64: return static_cast<double>(load<std::uint64_t>(p));
    default: return static_cast<double>(as_int(i));
  }
}

std::int64_t HostTensor::as_int(std::int64_t i) const {
  const std::byte* p = bytes.data() + i * element_size(elem_type);
  switch (elem_type) {
    case TP::INT64: return load<std::int64_t>(p);
    case TP::INT32: return load<std::int32_t>(p);
    case TP::INT16: return load<std::int16_t>(p);
    case TP::INT8: return load<std::int8_t>(p);
    case TP::UINT8: return load<std::uint8_t>(p);
    case TP::UINT16: return load<std::uint16_t>(p);
    case TP::UINT32: return load<std::uint32_t>(p);
    case TP::UINT64: return static_cast<std::int64_t>(load<std::uint64_t>(p));
    case TP::BOOL: return load<std::uint8_t>(p) != 0 ? 1 : 0;
    default: return saturate(as_double(i));
  }
}

void HostTensor::set_double(std::int64_t i, double v) {
  std::byte* p = bytes.data() + i * element_size(elem_type);
  switch (elem_type) {
    case TP::FLOAT: store(p, static_cast<float>(v)); return;
    case TP::DOUBLE: store(p, v); return;
    case TP::FLOAT16: store(p, float_to_half(static_cast<float>(v))); return;
    case TP::BFLOAT16: store(p, float_to_bf16(static_cast<float>(v))); return;
    case TP::BOOL: store(p, static_cast<std::uint8_t>(v != 0.0)); return;
    default: set_int(i, saturate(v)); return;
  }
}

void HostTensor::set_int(std::int64_t i, std::int64_t v) {
  std::byte* p = bytes.data() + i * element_size(elem_type);
  // Narrowing wraps modulo 2^bits, as ONNX's reference does; done on unsigned values.
  const auto u = static_cast<std::uint64_t>(v);
  switch (elem_type) {
    case TP::INT64:
    case TP::UINT64: store(p, u); return;
    case TP::INT32:
    case TP::UINT32: store(p, static_cast<std::uint32_t>(u)); return;
    case TP::INT16:
    case TP::UINT16: store(p, static_cast<std::uint16_t>(u)); return;
    case TP::INT8:
    case TP::UINT8: store(p, static_cast<std::uint8_t>(u)); return;
    case TP::BOOL: store(p, static_cast<std::uint8_t>(v != 0)); return;
    default: set_double(i, static_cast<double>(v)); return;
  }
}

std::vector<std::int64_t> HostTensor::ints() const {
  std::vector<std::int64_t> out(static_cast<std::size_t>(num_elements()));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = as_int(static_cast<std::int64_t>(i));
  return out;
}

std::vector<double> HostTensor::doubles() const {
  std::vector<double> out(static_cast<std::size_t>(num_elements()));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = as_double(static_cast<std::int64_t>(i));
  return out;
}

std::optional<HostTensor> HostTensor::zeros(std::int32_t elem_type,
                                            std::vector<std::int64_t> shape) {
  const int size = element_size(elem_type);
  const auto n = checked_num_elements(shape);
  if (size == 0 || !n) return std::nullopt;
  HostTensor t{elem_type, std::move(shape), {}};
  t.bytes.resize(static_cast<std::size_t>(*n * size));
  return t;
}

HostTensor read_tensor(const TP& proto, const std::string& what, const std::string& location,
                       const std::string& external_dir) {
  const std::int32_t type = proto.data_type();
  const int size = element_size(type);
  if (size == 0)
    throw UserError(location,
                    what + " has " + elem_type_name(type) + " elements, which Sluice cannot read");
  if (proto.has_segment())
    throw UserError(location, what + " is segmented, which Sluice does not support");
  std::vector<std::int64_t> shape(proto.dims().begin(), proto.dims().end());
  const auto count = checked_num_elements(shape);
  if (!count || *count > std::numeric_limits<std::int64_t>::max() / 8)
    throw UserError(location, what + " has an invalid shape (a negative or huge dimension)");
  const std::int64_t nbytes = *count * size;
  HostTensor t{type, std::move(shape), {}};

  if (proto.data_location() == TP::EXTERNAL) {
    t.bytes = read_external(proto, nbytes, what, location, external_dir);
    if (type == TP::BOOL)
      for (std::byte& b : t.bytes) b = b != std::byte{0} ? std::byte{1} : std::byte{0};
    return t;
  }
  if (proto.has_raw_data()) {
    if (static_cast<std::int64_t>(proto.raw_data().size()) != nbytes)
      throw UserError(location, what + " has " + std::to_string(proto.raw_data().size()) +
                                    " bytes of data, but its type and shape need " +
                                    std::to_string(nbytes));
    t.bytes.resize(static_cast<std::size_t>(nbytes));
    if (nbytes != 0) std::memcpy(t.bytes.data(), proto.raw_data().data(), t.bytes.size());
    if (type == TP::BOOL)  // a bool is the byte 0 or 1, whatever the file holds
      for (std::byte& b : t.bytes) b = b != std::byte{0} ? std::byte{1} : std::byte{0};
    return t;
  }
  // Typed fields: which one holds the data depends on the element type.
  std::int64_t have = 0;
  switch (type) {
    case TP::FLOAT: have = proto.float_data_size(); break;
    case TP::DOUBLE: have = proto.double_data_size(); break;
    case TP::INT64: have = proto.int64_data_size(); break;
    case TP::UINT32:
    case TP::UINT64: have = proto.uint64_data_size(); break;
    default: have = proto.int32_data_size(); break;
  }
  if (have != *count)
    throw UserError(
        location,
        what + (have == 0 ? " has no data" : " has " + std::to_string(have) + " elements of data") +
            ", but its shape needs " + std::to_string(*count));
  t.bytes.resize(static_cast<std::size_t>(nbytes));
  for (std::int64_t i = 0; i < *count; ++i) {
    std::byte* p = t.bytes.data() + i * size;
    switch (type) {
      case TP::FLOAT: store(p, proto.float_data(static_cast<int>(i))); break;
      case TP::DOUBLE: store(p, proto.double_data(static_cast<int>(i))); break;
      case TP::INT64: store(p, proto.int64_data(static_cast<int>(i))); break;
      case TP::UINT64: store(p, proto.uint64_data(static_cast<int>(i))); break;
      case TP::UINT32:
        store(p, static_cast<std::uint32_t>(proto.uint64_data(static_cast<int>(i))));
        break;
      case TP::FLOAT16:
      case TP::BFLOAT16:
      case TP::UINT16:
      case TP::INT16:
        store(p, static_cast<std::uint16_t>(proto.int32_data(static_cast<int>(i))));
        break;
      case TP::INT32: store(p, proto.int32_data(static_cast<int>(i))); break;
      case TP::BOOL:
        store(p, static_cast<std::uint8_t>(proto.int32_data(static_cast<int>(i)) != 0));
        break;
      default:  // int8, uint8
        store(p, static_cast<std::uint8_t>(proto.int32_data(static_cast<int>(i))));
        break;
    }
  }
  return t;
}

void write_tensor(const HostTensor& tensor, const std::string& name, TP& proto) {
  proto.Clear();
  proto.set_name(name);
  proto.set_data_type(tensor.elem_type);
  for (const std::int64_t d : tensor.shape) proto.add_dims(d);
  proto.set_raw_data(reinterpret_cast<const char*>(tensor.bytes.data()), tensor.bytes.size());
}

ir::Tensor to_ir_tensor(HostTensor tensor, const std::string& what, const std::string& location) {
  const auto dtype = to_dtype(tensor.elem_type);
  if (!dtype)
    throw UserError(location, what + " has type " + elem_type_name(tensor.elem_type) +
                                  ", which Sluice does not support");
  return ir::Tensor{*dtype, std::move(tensor.shape), std::move(tensor.bytes)};
}

}  // namespace sluice::frontends::detail
