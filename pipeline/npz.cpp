#include "pipeline/npz.h"

#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include "ir/diagnostic.h"

namespace sluice::pipeline {

namespace {

[[noreturn]] void fail(const std::string& origin, const std::string& message) {
  throw UserError(origin, message);
}

// --- .npy ------------------------------------------------------------------------------------

struct DescrEntry {
  std::string_view descr;
  ir::DType dtype;
};
// The little-endian spellings numpy writes ('|' for one-byte types).
constexpr std::array<DescrEntry, 9> kDescrs{{{"<f4", ir::DType::f32},
                                             {"<f8", ir::DType::f64},
                                             {"<f2", ir::DType::f16},
                                             {"|i1", ir::DType::i8},
                                             {"<i1", ir::DType::i8},
                                             {"<i4", ir::DType::i32},
                                             {"<i8", ir::DType::i64},
                                             {"|b1", ir::DType::boolean},
                                             {"<b1", ir::DType::boolean}}};

std::uint64_t read_le(std::string_view bytes, std::size_t at, int width) {
  std::uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i)
    v = (v << 8U) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  return v;
}

void append_le(std::string& out, std::uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>((v >> (8U * i)) & 0xFFU));
}

/// The value of `'key': ...` in the header dict, up to the next top-level comma or brace.
std::string header_value(std::string_view header, std::string_view key,
                         const std::string& origin) {
  const std::string quoted_key = "'" + std::string(key) + "'";
  const std::size_t at = header.find(quoted_key);
  if (at == std::string_view::npos) fail(origin, "the .npy header has no '" + std::string(key) + "'");
  std::size_t i = header.find(':', at + quoted_key.size());
  if (i == std::string_view::npos) fail(origin, "the .npy header is malformed");
  ++i;
  while (i < header.size() && header[i] == ' ') ++i;
  std::size_t end = i;
  int depth = 0;
  while (end < header.size()) {
    const char c = header[end];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth == 0 && (c == ',' || c == '}')) break;
    ++end;
  }
  if (depth != 0 || end == header.size()) fail(origin, "the .npy header is malformed");
  return std::string(header.substr(i, end - i + (header[end] == ')' ? 1 : 0)));
}

std::vector<std::int64_t> parse_shape(std::string text, const std::string& origin) {
  // "(2, 3)", "(4,)", "()"
  std::vector<std::int64_t> shape;
  if (text.size() < 2 || text.front() != '(' || text.back() != ')')
    fail(origin, "the .npy shape '" + text + "' is malformed");
  std::string inner = text.substr(1, text.size() - 2);
  std::stringstream in(inner);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    item = item.substr(first, item.find_last_not_of(' ') - first + 1);
    std::size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || v < 0) fail(origin, "the .npy shape '" + text + "' is malformed");
    shape.push_back(v);
  }
  return shape;
}

}  // namespace

ir::Tensor parse_npy(std::string_view bytes, const std::string& origin) {
  constexpr std::string_view kMagic = "\x93NUMPY";
  if (bytes.size() < 10 || bytes.substr(0, 6) != kMagic) fail(origin, "not a .npy array");
  const int major = static_cast<unsigned char>(bytes[6]);
  const int width = major == 1 ? 2 : 4;
  if (major < 1 || major > 3) fail(origin, ".npy format version " + std::to_string(major) + " is not supported");
  const std::size_t header_start = 8 + static_cast<std::size_t>(width);
  if (bytes.size() < header_start) fail(origin, "the .npy header is truncated");
  const std::uint64_t header_len = read_le(bytes, 8, width);
  if (header_len > bytes.size() - header_start) fail(origin, "the .npy header is truncated");
  const std::string_view header = bytes.substr(header_start, header_len);

  std::string descr = header_value(header, "descr", origin);
  if (descr.size() < 2 || descr.front() != '\'' || descr.back() != '\'')
    fail(origin, "the .npy dtype " + descr + " is not supported");
  descr = descr.substr(1, descr.size() - 2);
  const DescrEntry* entry = nullptr;
  for (const DescrEntry& e : kDescrs)
    if (e.descr == descr) entry = &e;
  if (!entry)
    fail(origin, "dtype '" + descr +
                     "' is not supported (Sluice takes little-endian f2 f4 f8 i1 i4 i8 b1)");
  if (header_value(header, "fortran_order", origin) != "False")
    fail(origin, "Fortran-order arrays are not supported; save a C-order array");

  ir::Tensor t;
  t.dtype = entry->dtype;
  t.shape = parse_shape(header_value(header, "shape", origin), origin);
  std::uint64_t count = 1;
  for (const std::int64_t d : t.shape) {
    if (d != 0 && count > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(d))
      fail(origin, "the .npy shape is too large");
    count *= static_cast<std::uint64_t>(d);
  }
  const std::uint64_t payload = bytes.size() - header_start - header_len;
  const auto element = static_cast<std::uint64_t>(ir::dtype_size(t.dtype));
  if (count > payload / element || count * element != payload)
    fail(origin, "the .npy data holds " + std::to_string(payload) + " bytes, the header says " +
                     std::to_string(count) + " elements of " + std::to_string(element) + " bytes");
  const char* data = bytes.data() + header_start + header_len;
  t.bytes.resize(payload);
  std::memcpy(t.bytes.data(), data, payload);
  return t;
}

std::string format_npy(const ir::Tensor& tensor) {
  std::string_view descr;
  for (const DescrEntry& e : kDescrs)
    if (e.dtype == tensor.dtype) {
      descr = e.descr;
      break;
    }
  if (descr.empty())
    throw UserError("", "dtype " + std::string(ir::dtype_name(tensor.dtype)) +
                            " has no numpy spelling; cast it to f32 before saving");
  std::string shape = "(";
  for (std::size_t i = 0; i < tensor.shape.size(); ++i)
    shape += std::to_string(tensor.shape[i]) + (tensor.shape.size() == 1 ? "," : i + 1 < tensor.shape.size() ? ", " : "");
  shape += ")";
  std::string header =
      "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back('\x01');
  out.push_back('\x00');
  append_le(out, header.size(), 2);
  out += header;
  out.append(reinterpret_cast<const char*>(tensor.bytes.data()), tensor.bytes.size());
  return out;
}

// --- .npz (zip) ------------------------------------------------------------------------------

namespace {

constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEndRecord = 0x06054b50;
constexpr std::uint32_t kZip64EndRecord = 0x06064b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;

std::string inflate_raw(std::string_view compressed, std::uint64_t size, const std::string& origin) {
  std::string out(size, '\0');
  z_stream s{};
  if (inflateInit2(&s, -MAX_WBITS) != Z_OK) fail(origin, "cannot start decompression");
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  s.avail_in = static_cast<uInt>(compressed.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&s, Z_FINISH);
  const std::uint64_t produced = s.total_out;
  inflateEnd(&s);
  if (rc != Z_STREAM_END || produced != size) fail(origin, "the compressed data is corrupt");
  return out;
}

}  // namespace

std::map<std::string, ir::Tensor> parse_npz(std::string_view bytes, const std::string& origin) {
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
  if (bytes.size() < 22) fail(origin, "not a .npz archive (too short)");
  std::size_t end = std::string_view::npos;
  const std::size_t lowest = bytes.size() > 65557 ? bytes.size() - 65557 : 0;
  for (std::size_t i = bytes.size() - 22 + 1; i-- > lowest;)
    if (read_le(bytes, i, 4) == kEndRecord) {
      end = i;
      break;
    }
  if (end == std::string_view::npos) fail(origin, "not a .npz archive (no zip directory)");
  std::uint64_t entries = read_le(bytes, end + 10, 2);
  std::uint64_t directory = read_le(bytes, end + 16, 4);
  if ((entries == 0xFFFF || directory == 0xFFFFFFFF) && end >= 20 &&
      read_le(bytes, end - 20, 4) == kZip64Locator) {
    const std::uint64_t record = read_le(bytes, end - 20 + 8, 8);
    if (record > bytes.size() - 56 || read_le(bytes, record, 4) != kZip64EndRecord)
      fail(origin, "the zip64 directory record is corrupt");
    entries = read_le(bytes, record + 32, 8);
    directory = read_le(bytes, record + 48, 8);
  }
  std::map<std::string, ir::Tensor> arrays;
  std::uint64_t at = directory;
  for (std::uint64_t n = 0; n < entries; ++n) {
    if (at > bytes.size() || bytes.size() - at < 46 || read_le(bytes, at, 4) != kCentralHeader)
      fail(origin, "the zip directory is corrupt");
    const auto method = read_le(bytes, at + 10, 2);
    std::uint64_t compressed = read_le(bytes, at + 20, 4);
    std::uint64_t size = read_le(bytes, at + 24, 4);
    const auto name_len = read_le(bytes, at + 28, 2);
    const auto extra_len = read_le(bytes, at + 30, 2);
    const auto comment_len = read_le(bytes, at + 32, 2);
    std::uint64_t local = read_le(bytes, at + 42, 4);
    if (bytes.size() - at - 46 < name_len + extra_len + comment_len)
      fail(origin, "the zip directory is corrupt");
    const std::string name(bytes.substr(at + 46, name_len));
    // Zip64 extra field: the 0xFFFFFFFF fields, in order size, compressed, local offset.
    for (std::uint64_t e = at + 46 + name_len; e + 4 <= at + 46 + name_len + extra_len;) {
      const auto id = read_le(bytes, e, 2);
      const auto len = read_le(bytes, e + 2, 2);
      if (id == 0x0001) {
        std::uint64_t f = e + 4;
        const std::uint64_t limit = e + 4 + len;
        if (size == 0xFFFFFFFF && f + 8 <= limit) size = read_le(bytes, (f += 8) - 8, 8);
        if (compressed == 0xFFFFFFFF && f + 8 <= limit) compressed = read_le(bytes, (f += 8) - 8, 8);
        if (local == 0xFFFFFFFF && f + 8 <= limit) local = read_le(bytes, f, 8);
      }
      e += 4 + len;
    }
    at += 46 + name_len + extra_len + comment_len;

    std::string member = origin;
    member.append(": member '").append(name).append("'");
    if (local > bytes.size() || bytes.size() - local < 30 || read_le(bytes, local, 4) != kLocalHeader)
      fail(member, "the local zip header is corrupt");
    const std::uint64_t data = local + 30 + read_le(bytes, local + 26, 2) + read_le(bytes, local + 28, 2);
    if (data > bytes.size() || bytes.size() - data < compressed) fail(member, "the data is truncated");
    const std::string_view raw = bytes.substr(data, compressed);
    std::string payload;
    if (method == 0) {
      if (compressed != size) fail(member, "stored sizes disagree");
      payload = std::string(raw);
    } else if (method == 8) {
      if (size > (std::uint64_t{1} << 40U)) fail(member, "the member is too large");
      payload = inflate_raw(raw, size, member);
    } else {
      fail(member, "zip compression method " + std::to_string(method) +
                       " is not supported (numpy writes stored or deflated members)");
    }
    std::string key = name;
    if (key.size() > 4 && key.ends_with(".npy")) key.resize(key.size() - 4);
    arrays[key] = parse_npy(payload, member);
  }
  return arrays;
}

std::map<std::string, ir::Tensor> read_npz(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path, "cannot open the file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_npz(buffer.str(), path);
}

void write_npz(const std::string& path, const std::map<std::string, ir::Tensor>& arrays) {
  std::string out;
  std::string directory;
  for (const auto& [key, tensor] : arrays) {
    const std::string name = key + ".npy";
    const std::string data = format_npy(tensor);
    if (data.size() >= 0xFFFFFFFFULL || out.size() >= 0xFFFFFFFFULL)
      throw UserError(path, "array '" + key + "' is too large for a plain zip (4 GiB)");
    const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(data.data()),
                           static_cast<uInt>(data.size()));
    const std::uint64_t offset = out.size();
    append_le(out, kLocalHeader, 4);
    append_le(out, 20, 2);  // version needed
    append_le(out, 0, 2);   // flags
    append_le(out, 0, 2);   // stored
    append_le(out, 0, 2);   // time
    append_le(out, 0x21, 2);  // date: 1980-01-01
    append_le(out, crc, 4);
    append_le(out, data.size(), 4);
    append_le(out, data.size(), 4);
    append_le(out, name.size(), 2);
    append_le(out, 0, 2);
    out += name;
    out += data;

    append_le(directory, kCentralHeader, 4);
    append_le(directory, 20, 2);  // made by
    append_le(directory, 20, 2);  // needed
    append_le(directory, 0, 2);
    append_le(directory, 0, 2);
    append_le(directory, 0, 2);
    append_le(directory, 0x21, 2);
    append_le(directory, crc, 4);
    append_le(directory, data.size(), 4);
    append_le(directory, data.size(), 4);
    append_le(directory, name.size(), 2);
    append_le(directory, 0, 2);  // extra
    append_le(directory, 0, 2);  // comment
    append_le(directory, 0, 2);  // disk
    append_le(directory, 0, 2);  // internal attributes
    append_le(directory, 0, 4);  // external attributes
    append_le(directory, offset, 4);
    directory += name;
  }
  const std::uint64_t directory_offset = out.size();
  out += directory;
  append_le(out, kEndRecord, 4);
  append_le(out, 0, 2);
  append_le(out, 0, 2);
  append_le(out, arrays.size(), 2);
  append_le(out, arrays.size(), 2);
  append_le(out, directory.size(), 4);
  append_le(out, directory_offset, 4);
  append_le(out, 0, 2);

  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) throw UserError(path, "cannot write the file");
    file.write(out.data(), static_cast<std::streamsize>(out.size()));
    if (!file) throw UserError(path, "writing failed");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) throw UserError(path, "cannot write the file (" + ec.message() + ")");
}

}  // namespace sluice::pipeline
