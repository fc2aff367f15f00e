// The ONNX importer on the models of frontends/onnx/testdata/make_models.py: the program it
// builds (as IR text), the constants, names, symbols and attributes (docs/cpu-path.md, 1).
#include "frontends/onnx/onnx_importer.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ir/text_format.h"
#include "ir/verifier.h"

namespace sluice::frontends {
namespace {

std::string data_path(const std::string& name) {
  return std::string(SLUICE_SOURCE_DIR) + "/tests/data/onnx/" + name;
}

// Most tests check conversion, not the op library (which is still growing).
Model load(const std::string& name, ImportOptions options = {}) {
  options.check_supported = false;
  return import_onnx_file(data_path(name), options);
}

// The library nodes in node order: "label op (connectors) -> (connectors) {attributes}".
std::vector<const ir::LibraryNode*> library_nodes(const Model& m) {
  std::vector<const ir::LibraryNode*> out;
  const ir::Graph& g = m.program.states[m.program.start_state].graph;
  for (const ir::NodeId id : g.node_ids())
    if (const auto* lib = std::get_if<ir::LibraryNode>(&g.node(id))) out.push_back(lib);
  return out;
}

const ir::Container& container(const Model& m, const std::string& name) {
  const auto id = m.program.find_container(name);
  EXPECT_TRUE(id.has_value()) << name;
  return m.program.containers[*id];
}

std::string shape_str(const ir::Container& c) {
  std::string s;
  for (const ir::Expr& d : c.shape) s += (s.empty() ? "" : ",") + d.str();
  return "[" + s + "]";
}

template <typename T>
std::vector<T> values(const ir::Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.num_elements());
}

TEST(onnx_importer, AddReluProgram) {
  const Model m = load("add_relu.onnx");
  EXPECT_EQ(ir::print_text(m.program), R"(program add_relu {
  array x: f32[2, 3]
  array y: f32[2, 3]
  array b: f32[3]
  array s: f32[2, 3] transient
  state 0 "main" start {
    node 0 = library "add" Add (in0, in1) -> (out0)
    node 1 = access x
    node 2 = access b
    node 3 = access s
    node 4 = library "relu" Relu (in0) -> (out0)
    node 5 = access y
    edge 0: node 1 -> node 0.in0 x[0:2, 0:3]
    edge 1: node 2 -> node 0.in1 b[0:3]
    edge 2: node 0.out0 -> node 3 s[0:2, 0:3]
    edge 3: node 3 -> node 4.in0 s[0:2, 0:3]
    edge 4: node 4.out0 -> node 5 y[0:2, 0:3]
  }
}
)");
  EXPECT_EQ(m.inputs, (std::vector<ModelValue>{{"x", "x"}}));
  EXPECT_EQ(m.outputs, (std::vector<ModelValue>{{"y", "y"}}));
  EXPECT_EQ(m.opset, 13);
  ASSERT_EQ(m.constants.size(), 1u);
  const ir::Tensor& b = m.constants.at("b");
  EXPECT_EQ(b.dtype, ir::DType::f32);
  EXPECT_EQ(b.shape, (std::vector<std::int64_t>{3}));
  EXPECT_EQ(values<float>(b), (std::vector<float>{0, 1, 2}));
  EXPECT_TRUE(ir::verify(m.program).empty());
  for (const auto* lib : library_nodes(m)) EXPECT_EQ(lib->implementation, "pure");
}

TEST(onnx_importer, BytesAndFileGiveTheSameModel) {
  std::ifstream in(data_path("add_relu.onnx"), std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const Model from_bytes = import_onnx_bytes(buffer.str(), "<memory>", "");
  const Model from_file = load("add_relu.onnx");
  EXPECT_EQ(from_bytes.program, from_file.program);
  EXPECT_EQ(from_bytes.constants, from_file.constants);
}

TEST(onnx_importer, SupportedOpsPassTheCheck) {
  // Add and Relu are among the first ops of the library.
  const Model m = import_onnx_file(data_path("add_relu.onnx"));
  EXPECT_EQ(library_nodes(m).size(), 2u);
}

TEST(onnx_importer, SymbolicBatchBecomesASymbol) {
  const Model m = load("symbolic_batch.onnx");
  EXPECT_EQ(m.program.symbols, (std::map<std::string, ir::DType>{{"batch", ir::DType::i64}}));
  EXPECT_EQ(shape_str(container(m, "x")), "[batch,4]");
  EXPECT_EQ(shape_str(container(m, "m")), "[batch,3]");
  EXPECT_EQ(shape_str(container(m, "y")), "[batch,3]");
  EXPECT_EQ(library_nodes(m)[0]->label, "MatMul_0");

  ImportOptions fixed;
  fixed.input_shapes["x"] = {5, 4};
  const Model f = load("symbolic_batch.onnx", fixed);
  EXPECT_TRUE(f.program.symbols.empty());
  EXPECT_EQ(shape_str(container(f, "y")), "[5,3]");
}

TEST(onnx_importer, NamesAreIdentifiersAndUnnamedDimsGetSymbols) {
  const Model m = load("multi_output.onnx");
  EXPECT_EQ(m.inputs, (std::vector<ModelValue>{{"in:0", "in_0"}}));
  EXPECT_EQ(m.outputs, (std::vector<ModelValue>{{"out.relu", "out_relu"}, {"1out", "v_1out"}}));
  EXPECT_EQ(m.program.symbols.count("in_0_d0"), 1u);
  EXPECT_EQ(shape_str(container(m, "v_1out")), "[in_0_d0,5]");
  EXPECT_FALSE(container(m, "out_relu").transient);
}

TEST(onnx_importer, SymbolsAreIdentifiersThatDoNotStartWithUnderscore) {
  const Model m = load("symbol_names.onnx");
  EXPECT_EQ(shape_str(container(m, "x")), "[s_b,s2n,a_b]");
  EXPECT_EQ(m.program.symbols.size(), 3u);
}

TEST(onnx_importer, InitializersListedAsInputsStayConstants) {
  const Model m = load("initializer_as_input.onnx");
  EXPECT_EQ(m.inputs, (std::vector<ModelValue>{{"x", "x"}}));
  EXPECT_TRUE(m.constants.contains("b"));
  EXPECT_EQ(m.opset, 8);
}

TEST(onnx_importer, BoolConstantsAreZeroOrOne) {
  const Model m = load("bool_bytes.onnx");
  EXPECT_EQ(m.constants.at("cond").dtype, ir::DType::boolean);
  EXPECT_EQ(values<std::uint8_t>(m.constants.at("cond")), (std::vector<std::uint8_t>{1, 0}));
}

TEST(onnx_importer, LabelsAndContainerNamesAreUnique) {
  const Model m = load("naming.onnx");
  const auto libs = library_nodes(m);
  ASSERT_EQ(libs.size(), 3u);
  EXPECT_EQ(libs[0]->label, "n");
  EXPECT_EQ(libs[1]->label, "n_2");
  EXPECT_EQ(libs[2]->label, "Relu_2");
  // "a.b" comes first in node order and gets "a_b"; the value named "a_b" gets "a_b_2".
  EXPECT_TRUE(m.program.find_container("a_b").has_value());
  EXPECT_TRUE(m.program.find_container("a_b_2").has_value());
}

TEST(onnx_importer, ConstantNodesAreFolded) {
  const Model m = load("constants.onnx");
  const auto libs = library_nodes(m);
  ASSERT_EQ(libs.size(), 3u);
  EXPECT_EQ(libs[0]->op, "Reshape");
  EXPECT_EQ(libs[0]->inputs, (std::vector<std::string>{"in0"}));
  EXPECT_EQ(libs[0]->attributes.at("shape"), ir::AttributeValue(std::vector<std::int64_t>{3, 2}));
  // Constants the program reads are arguments with values; the moved shape is neither.
  EXPECT_EQ(values<float>(m.constants.at("c_floats")), (std::vector<float>{1, 2}));
  EXPECT_EQ(values<float>(m.constants.at("c_float")), (std::vector<float>{1.5f}));
  EXPECT_TRUE(m.constants.at("c_float").shape.empty());
  EXPECT_FALSE(m.constants.contains("c_ints"));
  EXPECT_FALSE(m.program.find_container("c_ints").has_value());
  EXPECT_FALSE(m.program.find_container("c_tensor").has_value());  // unused
  EXPECT_FALSE(container(m, "c_float").transient);
}

TEST(onnx_importer, AbsentOptionalInputKeepsPositions) {
  const Model m = load("clip_max.onnx");
  const auto libs = library_nodes(m);
  ASSERT_EQ(libs.size(), 1u);
  EXPECT_EQ(libs[0]->inputs, (std::vector<std::string>{"in0", "in2"}));
  const ir::Graph& g = m.program.states[m.program.start_state].graph;
  int edges_into_clip = 0;
  for (const ir::EdgeId e : g.edge_ids())
    if (std::holds_alternative<ir::LibraryNode>(g.node(g.edge(e).dst))) ++edges_into_clip;
  EXPECT_EQ(edges_into_clip, 2);
}

TEST(onnx_importer, ReduceMeanAxesAttributeAndInputAgree) {
  const Model m13 = load("reduce_mean_13.onnx");
  const Model m18 = load("reduce_mean_18.onnx");
  EXPECT_EQ(m13.opset, 13);
  EXPECT_EQ(m18.opset, 18);
  const ir::Attributes expected{{"axes", std::vector<std::int64_t>{1}},
                                {"keepdims", std::int64_t{1}}};
  EXPECT_EQ(library_nodes(m13)[0]->attributes, expected);
  EXPECT_EQ(library_nodes(m18)[0]->attributes, expected);
  EXPECT_EQ(library_nodes(m18)[0]->inputs, (std::vector<std::string>{"in0"}));
  EXPECT_EQ(ir::print_text(m13.program), ir::print_text(m18.program));
  EXPECT_EQ(shape_str(container(m18, "y")), "[2,1,4]");
  EXPECT_TRUE(m18.constants.empty());
}

TEST(onnx_importer, SplitSizesInputBecomesAttribute) {
  const Model m = load("split_sizes.onnx");
  const auto* split = library_nodes(m)[0];
  EXPECT_EQ(split->inputs, (std::vector<std::string>{"in0"}));
  EXPECT_EQ(split->outputs, (std::vector<std::string>{"out0", "out1"}));
  EXPECT_EQ(split->attributes.at("split"), ir::AttributeValue(std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(shape_str(container(m, "a")), "[2,3,1]");
  EXPECT_EQ(shape_str(container(m, "b")), "[2,3,3]");
}

TEST(onnx_importer, SplitNumOutputsGetsSizes) {
  const Model m = load("split_18.onnx");
  EXPECT_EQ(library_nodes(m)[0]->attributes.at("split"),
            ir::AttributeValue(std::vector<std::int64_t>{2, 2}));
}

TEST(onnx_importer, Opset18PadAxesAndUnevenSplitAreRewritten) {
  const Model m = load("opset18_pad_split.onnx");
  const auto libs = library_nodes(m);
  ASSERT_EQ(libs.size(), 3u);
  EXPECT_EQ(libs[1]->attributes, (ir::Attributes{{"pads", std::vector<std::int64_t>{0, 1, 0, 1}}}));
  EXPECT_EQ(libs[1]->inputs, (std::vector<std::string>{"in0"}));
  EXPECT_EQ(libs[2]->attributes, (ir::Attributes{{"axis", std::int64_t{1}},
                                                 {"split", std::vector<std::int64_t>{4, 3}}}));
  EXPECT_EQ(shape_str(container(m, "p")), "[2,7]");
  EXPECT_EQ(shape_str(container(m, "b")), "[2,3]");
  EXPECT_EQ(shape_str(container(m, "a")), "[2,4]");
  EXPECT_TRUE(m.constants.empty());
}

TEST(onnx_importer, OpsNewerThanOnnxLibraryStillGetShapes) {
  // Gelu (opset 20) has no schema in ONNX 1.12; its output takes its input's shape.
  const Model m = load("gelu_21.onnx");
  EXPECT_EQ(m.opset, 21);
  EXPECT_EQ(shape_str(container(m, "g")), "[2,3,4]");
  EXPECT_EQ(shape_str(container(m, "y")), "[2,3,4]");
}

TEST(onnx_importer, ExternalDataIsRead) {
  const Model m = load("external_data.onnx");
  std::vector<float> expected(12);
  for (int i = 0; i < 12; ++i) expected[static_cast<std::size_t>(i)] = static_cast<float>(i);
  EXPECT_EQ(values<float>(m.constants.at("w")), expected);
  EXPECT_EQ(m.constants.at("w").shape, (std::vector<std::int64_t>{4, 3}));
}

TEST(onnx_importer, ShapeArithmeticIsFolded) {
  const Model m = load("folding.onnx");
  const auto libs = library_nodes(m);
  ASSERT_EQ(libs.size(), 2u);
  EXPECT_EQ(libs[0]->op, "Reshape");
  EXPECT_EQ(libs[0]->attributes.at("shape"),
            ir::AttributeValue(std::vector<std::int64_t>{2, 3, 2, 2}));
  EXPECT_EQ(libs[1]->label, "add");
  EXPECT_EQ(values<float>(m.constants.at("ws")), (std::vector<float>{2, 3}));
  EXPECT_EQ(m.constants.size(), 1u);
  EXPECT_EQ(shape_str(container(m, "y")), "[2,3,2,2]");
}

TEST(onnx_importer, DeepReshapeChainsFoldLayerByLayer) {
  const Model m = load("deep_reshape_chain.onnx");
  const auto libs = library_nodes(m);
  ASSERT_EQ(libs.size(), 48u);  // a Reshape and a Relu per layer
  for (std::size_t i = 0; i < libs.size(); i += 2)
    EXPECT_EQ(libs[i]->attributes.at("shape"),
              ir::AttributeValue(std::vector<std::int64_t>{2, -1}));
  EXPECT_EQ(shape_str(container(m, "h23")), "[2,12]");
}

TEST(onnx_importer, TorchReshapeChainFoldsOnceShapesAreFixed) {
  ImportOptions options;
  options.input_shapes["x"] = {2, 3, 4};
  const Model m = load("torch_reshape.onnx", options);
  std::vector<std::string> ops;
  for (const auto* lib : library_nodes(m)) ops.push_back(lib->op);
  EXPECT_EQ(ops, (std::vector<std::string>{"Reshape", "Gemm", "Relu", "Reshape"}));
  const auto libs = library_nodes(m);
  EXPECT_EQ(libs[0]->attributes.at("shape"), ir::AttributeValue(std::vector<std::int64_t>{2, -1}));
  EXPECT_EQ(libs[3]->attributes.at("shape"),
            ir::AttributeValue(std::vector<std::int64_t>{2, 2, 3}));
  EXPECT_EQ(shape_str(container(m, "y")), "[2,2,3]");
  EXPECT_EQ(m.constants.at("linear_weight").shape, (std::vector<std::int64_t>{6, 12}));
  EXPECT_TRUE(m.program.symbols.empty());
}

TEST(onnx_importer, TorchReshapeChainWithSymbolicBatchNamesTheShapeInput) {
  try {
    load("torch_reshape.onnx");
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("node '/Reshape' (Reshape): input 1"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("must be a constant"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sluice::frontends

namespace sluice::frontends {
namespace {

std::string attrs_text(const ir::LibraryNode& node) {
  std::string out;
  for (const auto& [name, value] : node.attributes) {
    out += (out.empty() ? "" : " ") + name + "=";
    if (const auto* i = std::get_if<std::int64_t>(&value))
      out += std::to_string(*i);
    else if (const auto* d = std::get_if<double>(&value))
      out += std::to_string(*d);
    else if (const auto* s = std::get_if<std::string>(&value))
      out += *s;
    else if (const auto* is = std::get_if<std::vector<std::int64_t>>(&value)) {
      out += "[";
      for (std::size_t k = 0; k < is->size(); ++k) out += (k ? "," : "") + std::to_string((*is)[k]);
      out += "]";
    } else if (const auto* ds = std::get_if<std::vector<double>>(&value)) {
      out += "[";
      for (std::size_t k = 0; k < ds->size(); ++k) out += (k ? "," : "") + std::to_string((*ds)[k]);
      out += "]";
    }
  }
  return node.op + "(" + std::to_string(node.inputs.size()) + " in) " + out;
}

TEST(onnx_importer, OldOpsetAttributesArriveUnderTheSameNames) {
  const Model m = load("opset9_attributes.onnx");
  std::vector<std::string> nodes;
  for (const auto* lib : library_nodes(m)) nodes.push_back(attrs_text(*lib));
  EXPECT_EQ(nodes, (std::vector<std::string>{
                       "Pad(1 in) constant_value=1.500000 pads=[0,1,0,1]",
                       "Slice(1 in) axes=[1] ends=[4] starts=[0]",
                       "Unsqueeze(1 in) axes=[0]",
                       "ReduceSum(1 in) axes=[0] keepdims=0",
                       "Split(1 in) axis=1 split=[1,3]",
                   }));
  EXPECT_EQ(m.opset, 9);
}

TEST(onnx_importer, ShapeInputsOfOpset13BecomeAttributes) {
  const Model m = load("opset13_shape_inputs.onnx");
  std::vector<std::string> nodes;
  for (const auto* lib : library_nodes(m)) nodes.push_back(attrs_text(*lib));
  EXPECT_EQ(nodes, (std::vector<std::string>{
                       "Resize(1 in) mode=nearest scales=[1.000000,2.000000]",
                       "Dropout(1 in) ratio=0.250000",
                       "Pad(1 in) constant_value=0.500000 pads=[0,1,0,1]",
                       "TopK(1 in) axis=1 k=3",
                   }));
  EXPECT_TRUE(m.constants.empty());
  EXPECT_EQ(shape_str(container(m, "vals")), "[2,3]");
}

}  // namespace
}  // namespace sluice::frontends
