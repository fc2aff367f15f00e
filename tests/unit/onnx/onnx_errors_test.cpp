// Bad models: each is refused with one UserError whose location is the file and whose message
// says what is wrong (and where, naming the node or value), never a crash.
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "frontends/onnx/onnx_importer.h"
#include "ir/diagnostic.h"

namespace sluice::frontends {
namespace {

std::string data_path(const std::string& name) {
  return std::string(SLUICE_SOURCE_DIR) + "/tests/data/onnx/" + name;
}

std::string read_bytes(const std::string& name) {
  std::ifstream in(data_path(name), std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The message of the UserError that importing throws ("" when it does not throw).
std::string error_of(const std::function<void()>& import, const std::string& location) {
  try {
    import();
  } catch (const UserError& e) {
    EXPECT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics().front().location, location);
    return e.diagnostics().front().message;
  }
  ADD_FAILURE() << "no UserError";
  return "";
}

std::string file_error(const std::string& name, ImportOptions options = {}) {
  return error_of([&] { import_onnx_file(data_path(name), options); }, data_path(name));
}

std::string unchecked_file_error(const std::string& name, ImportOptions options = {}) {
  options.check_supported = false;
  return file_error(name, options);
}

std::string bytes_error(const std::string& bytes) {
  return error_of([&] { import_onnx_bytes(bytes, "mem.onnx", ""); }, "mem.onnx");
}

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

TEST(onnx_errors, EmptyFile) { EXPECT_EQ(bytes_error(""), "the file is empty"); }

TEST(onnx_errors, TruncatedFile) {
  const std::string bytes = read_bytes("torch_reshape.onnx");
  EXPECT_CONTAINS(bytes_error(bytes.substr(0, bytes.size() / 2)), "not a valid ONNX model");
}

TEST(onnx_errors, GarbageBytes) {
  EXPECT_CONTAINS(bytes_error("\xff\xff\xff\xff garbage"), "not a valid ONNX model");
}

TEST(onnx_errors, MissingAndUnreadableFiles) {
  const std::string missing = data_path("no_such_model.onnx");
  EXPECT_EQ(error_of([&] { import_onnx_file(missing); }, missing), "cannot open the file");
  const std::string dir = data_path("");
  EXPECT_EQ(error_of([&] { import_onnx_file(dir); }, dir), "is a directory, not an ONNX file");
}

TEST(onnx_errors, ValidProtobufButNoGraph) {
  // Field 1 (ir_version) = 8 and nothing else.
  EXPECT_EQ(bytes_error(std::string("\x08\x08", 2)), "the model has no graph");
}

TEST(onnx_errors, MissingExternalDataFile) {
  EXPECT_CONTAINS(unchecked_file_error("external_missing.onnx"),
                  "initializer 'w': cannot read external data file");
  EXPECT_CONTAINS(unchecked_file_error("external_missing.onnx"), "no_such_file.bin");
}

TEST(onnx_errors, ExternalDataOutOfRange) {
  EXPECT_CONTAINS(unchecked_file_error("external_out_of_range.onnx"),
                  "initializer 'w': external data out of range: bytes 32 to 80 of");
}

TEST(onnx_errors, ExternalDataOutsideTheModelFolder) {
  EXPECT_EQ(unchecked_file_error("external_escape.onnx"),
            "initializer 'w': external data location '../external_data.bin' must be a relative "
            "path inside the model's folder");
}

TEST(onnx_errors, ExternalDataWithoutAFolder) {
  EXPECT_EQ(bytes_error(read_bytes("external_data.onnx")),
            "initializer 'w' has external data ('external_data.bin') but no folder to find it in "
            "was given");
}

TEST(onnx_errors, UnsupportedOperatorsAreListedTogether) {
  EXPECT_EQ(file_error("unsupported_ops.onnx"),
            "unsupported operators: NonMaxSuppression (nodes 'nms_1', 'nms_2'), Loop (node "
            "'loop')");
}

TEST(onnx_errors, OpsThatFoldAwayAreNotReported) {
  // Gather, Unsqueeze and Concat compute Reshape's shape at import; only NMS would remain.
  EXPECT_EQ(file_error("unsupported_beside_folding.onnx"),
            "unsupported operators: NonMaxSuppression (node 'nms')");
}

TEST(onnx_errors, OtherDomainsAreUnsupportedEvenUnchecked) {
  EXPECT_EQ(unchecked_file_error("foreign_domain.onnx"),
            "unsupported operators: com.microsoft.FusedMatMul (node 'fused')");
}

TEST(onnx_errors, TypeMismatchNamesTheNode) {
  const std::string message = unchecked_file_error("type_mismatch.onnx");
  EXPECT_CONTAINS(message, "ONNX shape inference failed");
  EXPECT_CONTAINS(message, "add_mixed");
}

TEST(onnx_errors, ShapeMismatchNamesTheNode) {
  const std::string message = unchecked_file_error("shape_mismatch.onnx");
  EXPECT_CONTAINS(message, "add_bad");
  EXPECT_CONTAINS(message, "Incompatible dimensions");
}

TEST(onnx_errors, NoOutputs) {
  EXPECT_EQ(unchecked_file_error("no_outputs.onnx"), "the graph has no outputs");
}

TEST(onnx_errors, MissingInitializerData) {
  EXPECT_EQ(unchecked_file_error("missing_initializer_data.onnx"),
            "initializer 'w' has no data, but its shape needs 6");
}

TEST(onnx_errors, Cycle) {
  EXPECT_EQ(unchecked_file_error("cycle.onnx"),
            "node 'first' (Relu): the graph has a cycle through this node");
}

TEST(onnx_errors, UnknownInternalDimensionNamesValueAndNode) {
  EXPECT_EQ(unchecked_file_error("unknown_dim.onnx"),
            "cannot determine dimension 1 of value 'nz' (an output of node 'nonzero', NonZero); "
            "fix the input shapes (ImportOptions::input_shapes) or make shape inputs constant");
}

TEST(onnx_errors, UnsupportedDtypeNamesTheValue) {
  EXPECT_EQ(unchecked_file_error("uint8_input.onnx"),
            "value 'u' has type uint8, which Sluice does not support");
}

TEST(onnx_errors, NonConstantShapeInputNamesNodeAndInput) {
  EXPECT_EQ(unchecked_file_error("dynamic_reshape.onnx"),
            "node 'reshape' (Reshape): input 1 ('s', the shape) must be a constant, but it is "
            "computed at run time");
}

TEST(onnx_errors, InputShapesMustNameInputsOfTheRightRank) {
  ImportOptions unknown;
  unknown.input_shapes["nope"] = {1};
  EXPECT_EQ(unchecked_file_error("add_relu.onnx", unknown),
            "input_shapes names 'nope', which is not a graph input of the model");
  ImportOptions initializer;
  initializer.input_shapes["b"] = {3};
  EXPECT_CONTAINS(unchecked_file_error("add_relu.onnx", initializer), "not a graph input");
  ImportOptions rank;
  rank.input_shapes["x"] = {2, 3, 1};
  EXPECT_EQ(unchecked_file_error("add_relu.onnx", rank),
            "input_shapes gives 'x' rank 3, but the model declares rank 2");
  ImportOptions negative;
  negative.input_shapes["x"] = {2, -3};
  EXPECT_EQ(unchecked_file_error("add_relu.onnx", negative),
            "input_shapes gives 'x' a negative dimension");
  ImportOptions conflict;
  conflict.input_shapes["x"] = {2, 4};  // b has 3 elements
  EXPECT_CONTAINS(unchecked_file_error("add_relu.onnx", conflict), "ONNX shape inference failed");
}

TEST(onnx_errors, HostileGraphs) {
  EXPECT_EQ(unchecked_file_error("hostile_gather_index.onnx"),
            "node 'gather' (Gather): index 7 is out of range for a dimension of size 3");
  EXPECT_EQ(unchecked_file_error("hostile_huge_initializer.onnx"),
            "initializer 'w' has an invalid shape (a negative or huge dimension)");
  EXPECT_EQ(unchecked_file_error("hostile_unnamed_input.onnx"), "a graph input has no name");
  EXPECT_EQ(unchecked_file_error("hostile_undefined_input.onnx"),
            "node 'orphan' (Relu): input 'nowhere' is not a graph input, an initializer or the "
            "output of a node");
}

TEST(onnx_errors, HugeValuesAreRefused) {
  // 2^80 elements: too many to fold, and too many for a container.
  EXPECT_EQ(unchecked_file_error("hostile_huge_constant_of_shape.onnx"),
            "value 'z' (an output of node 'cos', ConstantOfShape) has more than 2^62 elements");
}

// Fuzzer finds, one test each.
TEST(onnx_errors, RegressShapeOfAnUntypedValue) {
  EXPECT_EQ(unchecked_file_error("regress_shape_of_untyped.onnx"),
            "cannot determine the type of value 'w' (an output of node 'foo', Foo)");
}

TEST(onnx_errors, RegressGatherOfNothingIsQuick) {
  ImportOptions options;
  options.check_supported = false;
  const Model m = import_onnx_file(data_path("regress_gather_empty_huge.onnx"), options);
  EXPECT_EQ(m.constants.at("g").shape, (std::vector<std::int64_t>{std::int64_t{1} << 40, 0}));
}

TEST(onnx_errors, RegressModByAHugeDivisorDoesNotOverflow) {
  ImportOptions options;
  options.check_supported = false;
  const Model m = import_onnx_file(data_path("regress_mod_overflow.onnx"), options);
  const ir::Tensor& t = m.constants.at("m");
  const std::int64_t big = std::numeric_limits<std::int64_t>::max() - 2;
  EXPECT_EQ(std::vector<std::int64_t>(t.data<std::int64_t>(), t.data<std::int64_t>() + 2),
            (std::vector<std::int64_t>{7, big - 7}));
}

TEST(onnx_errors, RegressOutputListedTwice) {
  EXPECT_EQ(unchecked_file_error("regress_output_twice.onnx"),
            "node 'split' (Split): output 'y' is listed twice");
  EXPECT_EQ(unchecked_file_error("output_of_two_nodes.onnx"),
            "node 'second' (Neg): output 'y' is also produced by node 'first'");
}

}  // namespace
}  // namespace sluice::frontends
