// ONNX's own backend test models (Debian's libonnx-testdata, opsets up to 17): every one either
// imports into a program that verifies or is refused with a UserError, and the share that
// imports does not drop. Skipped where the package is not installed.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "frontends/onnx/onnx_importer.h"
#include "ir/diagnostic.h"
#include "ir/verifier.h"

namespace sluice::frontends {
namespace {

const char* const kTestData = "/usr/share/libonnx-testdata/data";

struct Counts {
  int imported = 0;
  int refused = 0;
};

Counts import_all(const std::string& folder) {
  Counts counts;
  ImportOptions options;
  options.check_supported = false;  // conversion, not the op library's coverage
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    if (entry.path().filename() != "model.onnx") continue;
    try {
      const Model m = import_onnx_file(entry.path().string(), options);
      EXPECT_TRUE(ir::verify(m.program).empty()) << entry.path();
      ++counts.imported;
    } catch (const UserError&) {
      ++counts.refused;
    } catch (const std::exception& e) {
      ADD_FAILURE() << entry.path() << ": " << e.what();
    }
  }
  return counts;
}

class onnx_backend_models : public ::testing::Test {
protected:
  void SetUp() override {
    if (!std::filesystem::is_directory(kTestData)) GTEST_SKIP() << kTestData << " not installed";
  }
};

TEST_F(onnx_backend_models, NodeTests) {
  // The refused ones feed shape inputs (Reshape's shape, TopK's k...) as graph inputs, use
  // unsigned or string types, sequences, subgraphs or training ops.
  const Counts c = import_all(std::string(kTestData) + "/node");
  EXPECT_GE(c.imported, 718) << "refused " << c.refused;
}

TEST_F(onnx_backend_models, PytorchConvertedAndOperatorTestsAllImport) {
  for (const char* folder : {"pytorch-converted", "pytorch-operator"}) {
    const Counts c = import_all(std::string(kTestData) + "/" + folder);
    EXPECT_EQ(c.refused, 0) << folder;
    EXPECT_GT(c.imported, 30) << folder;
  }
}

}  // namespace
}  // namespace sluice::frontends
