// Turns the folded, shape-inferred ONNX graph into the library-node program of
// docs/cpu-path.md, section 1.
#include <algorithm>
#include <optional>
#include <set>
#include <string_view>

#include "frontends/onnx/imported_graph.h"
#include "ir/builder.h"
#include "ir/diagnostic.h"
#include "ir/verifier.h"

namespace sluice::frontends::detail {
namespace {

class Builder;

}  // namespace

std::vector<ShapeInput> shape_inputs(const std::string& op, std::int64_t opset) {
  using enum AttrKind;
  static const std::set<std::string, std::less<>> kReduce = {
      "ReduceSum", "ReduceMean", "ReduceMax",    "ReduceMin",       "ReduceProd",
      "ReduceL1",  "ReduceL2",   "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"};
  if (kReduce.contains(op) || op == "Squeeze" || op == "Unsqueeze") return {{1, "axes", Ints}};
  if (op == "Reshape" || op == "Expand") return {{1, "shape", Ints}};
  if (op == "Tile") return {{1, "repeats", Ints}};
  if (op == "Slice")
    return {{1, "starts", Ints}, {2, "ends", Ints}, {3, "axes", Ints}, {4, "steps", Ints}};
  if (op == "Pad") return {{1, "pads", Ints}, {2, "constant_value", Float}, {3, "axes", Ints}};
  if (op == "Resize") {
    if (opset < 11) return {{1, "scales", Floats}};
    return {{1, "roi", Floats}, {2, "scales", Floats}, {3, "sizes", Ints}};
  }
  if (op == "Upsample") return {{1, "scales", Floats}};
  if (op == "Split") return {{1, "split", Ints}};
  if (op == "TopK") return {{1, "k", Int}};
  if (op == "OneHot") return {{1, "depth", Int}, {2, "values", Floats}};
  if (op == "CumSum") return {{1, "axis", Int}};
  if (op == "Trilu") return {{1, "k", Int}};
  if (op == "Dropout") return {{1, "ratio", Float}, {2, "training_mode", Int}};
  if (op == "ConstantOfShape") return {{0, "shape", Ints}};
  return {};
}

namespace {

class Builder {
public:
  explicit Builder(ImportedGraph& graph) : g_(graph), b_(program_name(graph.name)) {}

  Model run() {
    for (const auto& [param, symbol] : g_.symbols) b_.symbol(symbol);
    for (const auto& name : g_.inputs) add_container(name, false);
    for (const auto& name : g_.outputs) add_container(name, false);
    // Constants the program reads (shape inputs that became attributes are not read).
    std::set<std::string> read;
    for (const auto& node : g_.nodes) {
      const auto moved = shape_inputs(node.op_type(), g_.opset);
      for (int k = 0; k < node.input_size(); ++k)
        if (std::none_of(moved.begin(), moved.end(),
                         [&](const ShapeInput& s) { return s.index == k; }))
          read.insert(node.input(k));
    }
    for (const auto& [name, tensor] : g_.constants)
      if (read.contains(name)) add_container(name, false);
    for (const auto& node : g_.nodes)
      for (const auto& out : node.output())
        if (!out.empty()) add_container(out, true);

    ir::GraphBuilder state = b_.state("main");
    for (const auto& node : g_.nodes) add_node(state, node);

    Model model;
    model.opset = g_.opset;
    for (const auto& name : g_.inputs) model.inputs.push_back({name, containers_.at(name)});
    for (const auto& name : g_.outputs) model.outputs.push_back({name, containers_.at(name)});
    for (const auto& name : g_.initializers)
      if (containers_.contains(name) && g_.constants.at(name).is_float())
        model.parameters.push_back({name, containers_.at(name)});
    for (auto& [name, tensor] : g_.constants) {
      auto it = containers_.find(name);
      if (it == containers_.end()) continue;
      model.constants.emplace(it->second,
                              to_ir_tensor(std::move(tensor), "value '" + name + "'", g_.location));
    }
    model.program = b_.build();
    const auto problems = ir::verify(model.program);
    SLUICE_CHECK(problems.empty(),
                 "the ONNX importer built an invalid program: " + problems.front().str());
    return model;
  }

private:
  static std::string program_name(const std::string& graph_name) {
    return graph_name.empty() ? std::string("model") : make_identifier(graph_name, "g_");
  }

  [[noreturn]] void fail(const onnx::NodeProto& node, const std::string& message) const {
    throw UserError(g_.location, "node '" + node.name() + "' (" + node.op_type() + "): " + message);
  }

  void add_container(const std::string& onnx_name, bool transient) {
    if (containers_.contains(onnx_name)) return;
    const ValueType& type = g_.types.at(onnx_name);
    const auto dtype = to_dtype(type.elem_type);
    if (!dtype)
      throw UserError(g_.location, "value '" + onnx_name + "' has type " +
                                       elem_type_name(type.elem_type) +
                                       ", which Sluice does not support");
    std::vector<ir::Expr> shape;
    shape.reserve(type.dims.size());
    for (const Dim& d : type.dims)
      shape.push_back(d.value >= 0 ? ir::Expr(d.value) : ir::Expr::symbol(g_.symbols.at(d.param)));
    std::string name = make_identifier(onnx_name, "v_");
    if (used_names_.contains(name)) {
      int k = 2;
      while (used_names_.contains(name + "_" + std::to_string(k))) ++k;
      name += "_" + std::to_string(k);
    }
    used_names_.insert(name);
    containers_.emplace(onnx_name, name);
    if (transient)
      b_.transient(name, *dtype, std::move(shape));
    else
      b_.array(name, *dtype, std::move(shape));
  }

  ir::Memlet whole(const std::string& onnx_name) {
    const std::string& name = containers_.at(onnx_name);
    const ir::ContainerId id = *b_.program().find_container(name);
    return ir::whole_memlet(id, b_.program().containers[id].shape);
  }

  ir::NodeId access(ir::GraphBuilder& state, const std::string& onnx_name) {
    auto it = access_.find(onnx_name);
    if (it != access_.end()) return it->second;
    const ir::NodeId id = state.access(containers_.at(onnx_name));
    access_.emplace(onnx_name, id);
    return id;
  }

  ir::AttributeValue constant_attribute(const onnx::NodeProto& node, int k, const ShapeInput& s) {
    const std::string& value = node.input(k);
    auto it = g_.constants.find(value);
    if (it == g_.constants.end())
      fail(node, "input " + std::to_string(k) + " ('" + value + "', the " + s.attribute +
                     ") must be a constant, but it is computed at run time");
    const HostTensor& t = it->second;
    const auto one = [&] {
      if (t.num_elements() != 1)
        fail(node, "input " + std::to_string(k) + " ('" + value + "', the " + s.attribute +
                       ") must have one element, it has " + std::to_string(t.num_elements()));
    };
    switch (s.kind) {
      case AttrKind::Ints: return t.ints();
      case AttrKind::Floats: return t.doubles();
      case AttrKind::Int: one(); return t.as_int(0);
      case AttrKind::Float: one(); return t.as_double(0);
    }
    return std::int64_t{0};
  }

  ir::AttributeValue convert_attribute(const onnx::NodeProto& node, const onnx::AttributeProto& a) {
    using A = onnx::AttributeProto;
    auto type = a.type();
    if (type == A::UNDEFINED) {  // old exporters: the field that is set says it
      if (a.has_f())
        type = A::FLOAT;
      else if (a.has_i())
        type = A::INT;
      else if (a.has_s())
        type = A::STRING;
      else if (a.has_t())
        type = A::TENSOR;
      else if (a.has_g())
        type = A::GRAPH;
      else if (a.floats_size())
        type = A::FLOATS;
      else if (a.ints_size())
        type = A::INTS;
      else if (a.strings_size())
        type = A::STRINGS;
    }
    switch (type) {
      case A::FLOAT: return static_cast<double>(a.f());
      case A::INT: return a.i();
      case A::STRING: return a.s();
      case A::FLOATS: return std::vector<double>(a.floats().begin(), a.floats().end());
      case A::INTS: return std::vector<std::int64_t>(a.ints().begin(), a.ints().end());
      case A::STRINGS: return std::vector<std::string>(a.strings().begin(), a.strings().end());
      case A::TENSOR: {
        const HostTensor t = read_tensor(
            a.t(), "attribute '" + a.name() + "' of node '" + node.name() + "'", g_.location, "");
        if (t.num_elements() != 1)
          fail(node, "attribute '" + a.name() + "' is a tensor of " +
                         std::to_string(t.num_elements()) +
                         " elements; Sluice takes only one-element tensor attributes");
        return t.as_double(0);
      }
      case A::GRAPH:
      case A::GRAPHS:
        fail(node, "attribute '" + a.name() + "' is a subgraph; Sluice does not import subgraphs");
      default:
        fail(node, "attribute '" + a.name() + "' has a kind Sluice cannot represent (" +
                       A::AttributeType_Name(type) + ")");
    }
  }

  ir::Attributes attributes(const onnx::NodeProto& node, const std::vector<ShapeInput>& moved) {
    ir::Attributes attrs;
    for (const auto& a : node.attribute()) {
      if (a.name().empty()) fail(node, "an attribute has no name");
      if (!a.ref_attr_name().empty())
        fail(node, "attribute '" + a.name() + "' refers to a function attribute");
      std::string name = a.name();
      // Opset-older spellings arrive under today's names.
      if (node.op_type() == "Pad" && name == "value") name = "constant_value";
      if (node.op_type() == "Pad" && name == "paddings") name = "pads";
      if (!attrs.emplace(name, convert_attribute(node, a)).second)
        fail(node, "attribute '" + name + "' is given twice");
    }
    for (const ShapeInput& s : moved) {
      if (s.index >= node.input_size() || node.input(s.index).empty()) continue;
      const auto it = g_.constants.find(node.input(s.index));
      // Resize: an empty roi/scales/sizes tensor means "not given".
      if (node.op_type() == "Resize" && it != g_.constants.end() && it->second.num_elements() == 0)
        continue;
      attrs[s.attribute] = constant_attribute(node, s.index, s);
    }
    if (node.op_type() == "Split" && !attrs.contains("split")) split_sizes(node, attrs);
    return attrs;
  }

  // Split without sizes divides evenly (or, with num_outputs, the last part is smaller); the
  // output shapes say how, so the op sees one spelling.
  void split_sizes(const onnx::NodeProto& node, ir::Attributes& attrs) {
    std::int64_t axis = 0;
    if (auto it = attrs.find("axis"); it != attrs.end())
      if (const auto* v = std::get_if<std::int64_t>(&it->second)) axis = *v;
    std::vector<std::int64_t> sizes;
    for (const auto& out : node.output()) {
      if (out.empty()) return;
      const ValueType& t = g_.types.at(out);
      const auto rank = static_cast<std::int64_t>(t.dims.size());
      const std::int64_t a = axis < 0 ? axis + rank : axis;
      if (a < 0 || a >= rank || t.dims[static_cast<std::size_t>(a)].value < 0) return;
      sizes.push_back(t.dims[static_cast<std::size_t>(a)].value);
    }
    attrs["split"] = sizes;
  }

  void add_node(ir::GraphBuilder& state, const onnx::NodeProto& node) {
    const auto moved = shape_inputs(node.op_type(), g_.opset);
    std::vector<std::string> ins;
    std::vector<std::pair<std::string, std::string>> in_edges;  // connector, value
    for (int k = 0; k < node.input_size(); ++k) {
      if (node.input(k).empty()) continue;
      if (std::any_of(moved.begin(), moved.end(),
                      [&](const ShapeInput& s) { return s.index == k; }))
        continue;
      ins.push_back("in" + std::to_string(k));
      in_edges.emplace_back(ins.back(), node.input(k));
    }
    std::vector<std::string> outs;
    for (int k = 0; k < node.output_size(); ++k)
      if (!node.output(k).empty()) outs.push_back("out" + std::to_string(k));
    ir::Attributes attrs = attributes(node, moved);
    // Sluice's extension for training: a Dropout's counter offset from a graph input (ONNX's
    // Dropout has no such input), so each step draws a new mask and its backward the same one.
    if (const auto it = attrs.find("sluice_offset_input");
        node.op_type() == "Dropout" && it != attrs.end()) {
      const auto* value = std::get_if<std::string>(&it->second);
      if (value == nullptr || !containers_.contains(*value))
        fail(node, "attribute 'sluice_offset_input' must name a graph input");
      ins.emplace_back("in3");
      in_edges.emplace_back("in3", *value);
      attrs.erase(it);
    }
    const ir::NodeId lib = state.library(node.name(), node.op_type(), ins, outs, std::move(attrs));
    for (const auto& [conn, value] : in_edges)
      state.graph().add_edge(access(state, value), "", lib, conn, whole(value));
    for (int k = 0; k < node.output_size(); ++k) {
      const std::string& value = node.output(k);
      if (value.empty()) continue;
      const ir::NodeId out = state.access(containers_.at(value));
      access_[value] = out;
      state.graph().add_edge(lib, "out" + std::to_string(k), out, "", whole(value));
    }
  }

  ImportedGraph& g_;  // its constants' bytes move into the model
  ir::ProgramBuilder b_;
  std::map<std::string, std::string> containers_;  // ONNX value -> container
  std::set<std::string> used_names_;
  std::map<std::string, ir::NodeId> access_;  // ONNX value -> its Access node (the producer's)
};

}  // namespace

std::string make_identifier(const std::string& text, const std::string& prefix) {
  std::string out;
  for (const char c : text) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = prefix + out;
  return out;
}

Model build_model(ImportedGraph& graph) { return Builder(graph).run(); }

}  // namespace sluice::frontends::detail
