// .npz reading checked against archives numpy wrote (np.savez and np.savez_compressed, see
// tests/data/npz/), and writing checked by reading back.
#include "pipeline/npz.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "ir/diagnostic.h"

namespace sluice::pipeline {
namespace {

const std::string kData = std::string(SLUICE_SOURCE_DIR) + "/tests/data/npz/";

void expect_numpy_arrays(const std::map<std::string, ir::Tensor>& arrays) {
  ASSERT_EQ(arrays.size(), 5U);
  const ir::Tensor& a = arrays.at("a");
  EXPECT_EQ(a.dtype, ir::DType::f32);
  EXPECT_EQ(a.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_FLOAT_EQ(a.data<float>()[5], 1.25F);
  const ir::Tensor& b = arrays.at("b");
  EXPECT_EQ(b.dtype, ir::DType::i64);
  EXPECT_EQ(b.data<std::int64_t>()[1], -2);
  const ir::Tensor& c = arrays.at("c");
  EXPECT_EQ(c.dtype, ir::DType::boolean);
  EXPECT_EQ(c.shape, (std::vector<std::int64_t>{3}));
  EXPECT_EQ(static_cast<int>(c.data<std::uint8_t>()[1]), 0);
  const ir::Tensor& d = arrays.at("d");
  EXPECT_EQ(d.dtype, ir::DType::f64);
  EXPECT_TRUE(d.shape.empty());
  EXPECT_DOUBLE_EQ(d.data<double>()[0], 2.5);
  EXPECT_EQ(arrays.at("e").dtype, ir::DType::f16);
}

TEST(Npz, ReadsWhatNumpySavezWrites) { expect_numpy_arrays(read_npz(kData + "stored.npz")); }

TEST(Npz, ReadsWhatNumpySavezCompressedWrites) {
  expect_numpy_arrays(read_npz(kData + "deflated.npz"));
}

TEST(Npz, WriteThenReadIsTheIdentity) {
  const auto arrays = read_npz(kData + "deflated.npz");
  const auto path = std::filesystem::temp_directory_path() / "sluice_npz_test.npz";
  write_npz(path.string(), arrays);
  EXPECT_EQ(read_npz(path.string()), arrays);
  std::filesystem::remove(path);
}

TEST(Npz, TruncatedArchiveIsAUserError) {
  std::ifstream in(kData + "stored.npz", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const std::size_t keep : {std::size_t{0}, std::size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_THROW(parse_npz(std::string_view(bytes).substr(0, keep), "x.npz"), UserError) << keep;
  }
}

TEST(Npz, CorruptMemberNamesTheMember) {
  std::ifstream in(kData + "stored.npz", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = bytes.find("NUMPY");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'X';
  try {
    parse_npz(bytes, "in.npz");
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("in.npz: member 'a.npy'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a .npy array"), std::string::npos) << e.what();
  }
}

TEST(Npz, MissingFileIsAUserError) { EXPECT_THROW(read_npz(kData + "absent.npz"), UserError); }

TEST(Npz, Bf16HasNoNumpySpelling) {
  EXPECT_THROW(format_npy(ir::Tensor::zeros(ir::DType::bf16, {2})), UserError);
}

}  // namespace
}  // namespace sluice::pipeline
