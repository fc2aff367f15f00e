// The import driver: parse, check the graph's structure, then alternate ONNX shape inference
// and constant folding until nothing more folds, check that every shape is known, and hand the
// result to build_model.
#include "frontends/onnx/onnx_importer.h"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <functional>
#include <queue>
#include <set>
#include <sstream>

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include "frontends/onnx/constant_folding.h"
#include "frontends/onnx/imported_graph.h"
#include "frontends/onnx/opset_compat.h"
#include "ir/diagnostic.h"
#include "ops/op_registry.h"

namespace sluice::frontends {
namespace {

using detail::Dim;
using detail::HostTensor;
using detail::ValueType;

constexpr std::int64_t kNewestOpset = 21;
// Constants up to this many elements are given to ONNX's shape inference as initializers (so
// Reshape and friends see their values); larger ones only by type.
constexpr std::int64_t kInferenceDataLimit = 1 << 16;

// Ops ONNX 1.12 has no schema for, whose output 0 has the type and shape of input 0.
const std::set<std::string, std::less<>> kSameShapeOps = {
    "Gelu", "Mish", "GroupNormalization", "BitwiseNot", "LayerNormalization", "IsNaN", "IsInf"};

// What a value is when it is not a tensor, for messages.
std::string non_tensor_kind(const onnx::TypeProto& type) {
  if (type.has_sequence_type()) return "is a sequence, which Sluice does not support";
  if (type.has_map_type()) return "is a map, which Sluice does not support";
  if (type.has_optional_type()) return "is an optional, which Sluice does not support";
  if (type.has_sparse_tensor_type()) return "is a sparse tensor, which Sluice does not support";
  return "has no tensor type";
}

ValueType from_proto(const onnx::TypeProto& type) {
  ValueType t;
  if (!type.has_tensor_type()) return t;
  const auto& tensor = type.tensor_type();
  t.elem_type = tensor.elem_type();
  if (tensor.has_shape()) {
    t.has_shape = true;
    for (const auto& d : tensor.shape().dim()) {
      Dim dim;
      if (d.has_dim_value() && d.dim_value() >= 0)
        dim.value = d.dim_value();
      else if (d.has_dim_param())
        dim.param = d.dim_param();
      t.dims.push_back(std::move(dim));
    }
  }
  return t;
}

void to_proto(const ValueType& t, onnx::TypeProto& type) {
  auto* tensor = type.mutable_tensor_type();
  tensor->set_elem_type(t.elem_type);
  if (!t.has_shape) return;
  auto* shape = tensor->mutable_shape();
  for (const Dim& d : t.dims) {
    auto* dim = shape->add_dim();
    if (d.value >= 0)
      dim->set_dim_value(d.value);
    else if (!d.param.empty())
      dim->set_dim_param(d.param);
  }
}

ValueType type_of(const HostTensor& t) {
  ValueType v{t.elem_type, true, {}};
  for (const std::int64_t d : t.shape) v.dims.push_back({d, {}});
  return v;
}

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, std::string_view name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

// `base_k`: the k-th of several things that want the same name.
std::string numbered(const std::string& base, int k) {
  std::string out = base;
  out += '_';
  out += std::to_string(k);
  return out;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

class Importer {
public:
  Importer(std::string location, std::string external_dir, const ImportOptions& options)
      : external_dir_(std::move(external_dir)), options_(options) {
    g_.location = std::move(location);
  }

  Model run(std::string_view bytes) {
    parse(bytes);
    read_graph();
    label_and_sort_nodes();
    check_certainly_unsupported();
    verify_nodes();
    fold_and_infer();
    check_supported();
    check_shape_inputs();
    check_shapes();
    g_.nodes = std::move(nodes_);
    return detail::build_model(g_);
  }

private:
  [[noreturn]] void fail(const std::string& message) const {
    throw UserError(g_.location, message);
  }
  [[noreturn]] void fail(const onnx::NodeProto& node, const std::string& message) const {
    fail("node '" + node.name() + "' (" + node.op_type() + "): " + message);
  }

  void parse(std::string_view bytes) {
    if (bytes.empty()) fail("the file is empty");
    if (bytes.size() > static_cast<std::size_t>(INT_MAX))
      fail("the model is larger than 2 GiB; store its weights as external data");
    if (!model_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      fail("not a valid ONNX model: protobuf parsing failed (truncated or corrupt file?)");
    if (!model_.has_graph()) fail("the model has no graph");
    bool found = false;
    for (const auto& opset : model_.opset_import()) {
      if (opset.domain().empty() || opset.domain() == "ai.onnx") {
        g_.opset = opset.version();
        found = true;
      }
    }
    if (!found) fail("the model imports no opset of the default domain (ai.onnx)");
    if (g_.opset < 1 || g_.opset > kNewestOpset)
      fail("opset " + std::to_string(g_.opset) + " is not supported (1 to " +
           std::to_string(kNewestOpset) + ")");
  }

  void read_graph() {
    const onnx::GraphProto& graph = model_.graph();
    g_.name = graph.name();
    if (graph.output_size() == 0) fail("the graph has no outputs");
    if (graph.sparse_initializer_size() != 0) fail("sparse initializers are not supported");
    for (const auto& init : graph.initializer()) {
      if (init.name().empty()) fail("an initializer has no name");
      HostTensor t = detail::read_tensor(init, "initializer '" + init.name() + "'", g_.location,
                                         external_dir_);
      if (!g_.constants.emplace(init.name(), std::move(t)).second)
        fail("initializer '" + init.name() + "' is defined twice");
      g_.initializers.insert(init.name());
    }
    model_.mutable_graph()->clear_initializer();  // their bytes live in g_.constants now
    std::set<std::string> seen;
    for (const auto& input : graph.input()) {
      const std::string& name = input.name();
      if (name.empty()) fail("a graph input has no name");
      if (!seen.insert(name).second) fail("graph input '" + name + "' is listed twice");
      if (g_.constants.contains(name)) continue;  // an initializer listed as input (IR < 4)
      ValueType t = from_proto(input.type());
      if (t.elem_type == 0) fail("graph input '" + name + "' " + non_tensor_kind(input.type()));
      if (!detail::to_dtype(t.elem_type))
        fail("value '" + name + "' has type " + detail::elem_type_name(t.elem_type) +
             ", which Sluice does not support");
      g_.inputs.push_back(name);
      input_types_[name] = std::move(t);
    }
    for (const auto& [name, shape] : options_.input_shapes) {
      auto it = input_types_.find(name);
      if (it == input_types_.end())
        fail("input_shapes names '" + name + "', which is not a graph input of the model");
      ValueType& t = it->second;
      if (t.has_shape && t.dims.size() != shape.size())
        fail("input_shapes gives '" + name + "' rank " + std::to_string(shape.size()) +
             ", but the model declares rank " + std::to_string(t.dims.size()));
      t.has_shape = true;
      t.dims.clear();
      for (const std::int64_t d : shape) {
        if (d < 0) fail("input_shapes gives '" + name + "' a negative dimension");
        t.dims.push_back({d, {}});
      }
    }
    // Symbols: every dim_param of an input; unnamed unknown dims get fresh ones.
    std::set<std::string> params;
    for (const auto& [name, t] : input_types_)
      for (const Dim& d : t.dims)
        if (d.value < 0 && !d.param.empty()) params.insert(d.param);
    for (const auto& name : g_.inputs) {
      ValueType& t = input_types_[name];
      if (!t.has_shape)
        fail("graph input '" + name + "' has no shape; give one with ImportOptions::input_shapes");
      for (std::size_t k = 0; k < t.dims.size(); ++k) {
        if (t.dims[k].known()) continue;
        std::string param = name + "_d" + std::to_string(k);
        while (params.contains(param)) param += "_";
        params.insert(param);
        t.dims[k].param = param;
      }
    }
    std::set<std::string> symbol_names;
    for (const auto& param : params) {
      std::string symbol = detail::make_identifier(param, "s");
      if (symbol[0] == '_') symbol.insert(0, 1, 's');
      std::string unique = symbol;
      for (int k = 2; symbol_names.contains(unique); ++k) unique = numbered(symbol, k);
      symbol_names.insert(unique);
      g_.symbols[param] = unique;
    }
    for (const auto& output : graph.output()) {
      if (output.name().empty()) fail("a graph output has no name");
      g_.outputs.push_back(output.name());
      declared_outputs_.push_back(output);
    }
  }

  void label_and_sort_nodes() {
    const auto& nodes = model_.graph().node();
    std::set<std::string> labels;
    std::map<std::string, int> producer;  // value -> node index
    for (int i = 0; i < nodes.size(); ++i) {
      onnx::NodeProto node = nodes[i];
      if (node.op_type().empty()) fail("node " + std::to_string(i) + " has no op_type");
      std::string label =
          node.name().empty() ? node.op_type() + "_" + std::to_string(i) : node.name();
      std::string unique = label;
      for (int k = 2; labels.contains(unique); ++k) unique = numbered(label, k);
      labels.insert(unique);
      node.set_name(unique);
      for (const auto& out : node.output()) {
        if (out.empty()) continue;
        if (input_types_.contains(out) || g_.constants.contains(out))
          fail(node, "output '" + out + "' has the name of a graph input or initializer");
        if (const auto [at, added] = producer.emplace(out, i); !added)
          fail(node, at->second == i
                         ? "output '" + out + "' is listed twice"
                         : "output '" + out + "' is also produced by node '" +
                               nodes_[static_cast<std::size_t>(at->second)].name() + "'");
      }
      nodes_.push_back(std::move(node));
    }
    // Kahn's algorithm, lowest index first, so a sorted graph keeps its order.
    const auto n = nodes_.size();
    std::vector<int> pending(n, 0);
    std::vector<std::vector<int>> users(n);
    for (std::size_t i = 0; i < n; ++i) {
      for (const auto& in : nodes_[i].input()) {
        if (in.empty() || input_types_.contains(in) || g_.constants.contains(in)) continue;
        auto it = producer.find(in);
        if (it == producer.end())
          fail(nodes_[i],
               "input '" + in + "' is not a graph input, an initializer or the output of a node");
        ++pending[i];
        users[static_cast<std::size_t>(it->second)].push_back(static_cast<int>(i));
      }
    }
    std::priority_queue<int, std::vector<int>, std::greater<>> ready;
    for (std::size_t i = 0; i < n; ++i)
      if (pending[i] == 0) ready.push(static_cast<int>(i));
    std::vector<onnx::NodeProto> sorted;
    while (!ready.empty()) {
      const auto i = static_cast<std::size_t>(ready.top());
      ready.pop();
      sorted.push_back(nodes_[i]);
      for (const int u : users[i])
        if (--pending[static_cast<std::size_t>(u)] == 0) ready.push(u);
    }
    if (sorted.size() != n) {
      for (std::size_t i = 0; i < n; ++i)
        if (pending[i] > 0) fail(nodes_[i], "the graph has a cycle through this node");
    }
    nodes_ = std::move(sorted);
    for (const auto& out : g_.outputs)
      if (!input_types_.contains(out) && !g_.constants.contains(out) && !producer.contains(out))
        fail("graph output '" + out + "' is not produced by any node, input or initializer");
  }

  // Sluice's own attributes (`sluice_offset_input`, build_model.cpp) are unknown to ONNX's
  // schemas: its checks and shape inference see the node without them.
  static onnx::NodeProto without_sluice_attributes(const onnx::NodeProto& node) {
    onnx::NodeProto copy = node;
    auto* attrs = copy.mutable_attribute();
    for (int k = attrs->size() - 1; k >= 0; --k)
      if (attrs->Get(k).name().starts_with("sluice_")) attrs->DeleteSubrange(k, 1);
    return copy;
  }

  // ONNX's own checks of each node (arity, attributes) where its schemas know the opset; newer
  // opsets changed signatures that ONNX 1.12's schemas would wrongly refuse.
  void verify_nodes() const {
    if (g_.opset > 17) return;
    for (const auto& node : nodes_) {
      if (!default_domain(node)) continue;
      const auto* schema =
          onnx::OpSchemaRegistry::Schema(node.op_type(), static_cast<int>(g_.opset), "");
      if (schema == nullptr) continue;
      try {
        schema->Verify(without_sluice_attributes(node));
      } catch (const std::exception& e) {
        fail(node, e.what());
      }
    }
  }

  // Shape-determining inputs (docs/cpu-path.md, section 1) must have folded to constants.
  void check_shape_inputs() const {
    for (const auto& node : nodes_) {
      if (!default_domain(node)) continue;
      if (node.op_type() == "Range")
        fail(node, "Range needs constant start, limit and delta (it is folded at import)");
      for (const auto& s : detail::shape_inputs(node.op_type(), g_.opset)) {
        if (s.index >= node.input_size() || node.input(s.index).empty()) continue;
        const std::string& value = node.input(s.index);
        if (!g_.constants.contains(value))
          fail(node, "input " + std::to_string(s.index) + " ('" + value + "', the " + s.attribute +
                         ") must be a constant, but it is computed at run time");
      }
    }
  }

  static bool default_domain(const onnx::NodeProto& node) {
    return node.domain().empty() || node.domain() == "ai.onnx";
  }

  // One message for every op Sluice does not implement: "Loop (node 'loop'), ...".
  void report_unsupported(const std::vector<const onnx::NodeProto*>& nodes) const {
    std::vector<std::pair<std::string, std::vector<std::string>>> ops;
    for (const auto* node : nodes) {
      const std::string op =
          default_domain(*node) ? node->op_type() : node->domain() + "." + node->op_type();
      auto it = std::find_if(ops.begin(), ops.end(), [&](const auto& p) { return p.first == op; });
      if (it == ops.end())
        ops.push_back({op, {node->name()}});
      else
        it->second.push_back(node->name());
    }
    if (ops.empty()) return;
    std::string message = "unsupported operators: ";
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (i) message += ", ";
      message += ops[i].first + (ops[i].second.size() == 1 ? " (node " : " (nodes ") +
                 quoted_list(ops[i].second) + ")";
    }
    fail(message);
  }

  bool op_unsupported(const onnx::NodeProto& node) const {
    return !default_domain(node) ||
           (options_.check_supported && ops::find_op(node.op_type()) == nullptr);
  }

  // Before any check of a node's details, which would only distract: ops that no folding can
  // remove. The message lists every op that stays after folding what folds; when that fails
  // (the graph may have other problems too), the ops that certainly stay.
  void check_certainly_unsupported() {
    std::vector<const onnx::NodeProto*> bad;
    for (const auto& node : nodes_)
      if (op_unsupported(node) && !detail::is_foldable_op(node.op_type()) &&
          node.op_type() != "Shape" && node.op_type() != "Size" && node.op_type() != "Constant")
        bad.push_back(&node);
    if (bad.empty()) return;
    const std::vector<onnx::NodeProto> nodes = nodes_;
    try {
      verify_nodes();
      fold_rounds();
    } catch (const UserError&) {
      nodes_ = nodes;
    }
    check_supported();
    SLUICE_CHECK(false, "an unsupported operator went unreported");
  }

  void check_supported() const {
    std::vector<const onnx::NodeProto*> bad;
    for (const auto& node : nodes_)
      if (op_unsupported(node)) bad.push_back(&node);
    report_unsupported(bad);
  }

  // --- constant folding ---------------------------------------------------------------------

  HostTensor constant_node_value(const onnx::NodeProto& node) const {
    if (node.attribute_size() != 1) fail(node, "a Constant needs exactly one attribute");
    const auto& a = node.attribute(0);
    const std::string what = "the value of node '" + node.name() + "'";
    auto make = [&](std::int32_t type, std::vector<std::int64_t> shape, std::size_t n,
                    const auto& get) {
      HostTensor t = *HostTensor::zeros(type, std::move(shape));
      for (std::size_t i = 0; i < n; ++i) t.set_double(static_cast<std::int64_t>(i), get(i));
      return t;
    };
    if (a.name() == "value") return detail::read_tensor(a.t(), what, g_.location, external_dir_);
    if (a.name() == "value_float")
      return make(onnx::TensorProto::FLOAT, {}, 1, [&](std::size_t) { return a.f(); });
    if (a.name() == "value_floats")
      return make(onnx::TensorProto::FLOAT, {a.floats_size()},
                  static_cast<std::size_t>(a.floats_size()),
                  [&](std::size_t i) { return a.floats(static_cast<int>(i)); });
    if (a.name() == "value_int") {
      HostTensor t = *HostTensor::zeros(onnx::TensorProto::INT64, {});
      t.set_int(0, a.i());
      return t;
    }
    if (a.name() == "value_ints") {
      HostTensor t = *HostTensor::zeros(onnx::TensorProto::INT64, {a.ints_size()});
      for (int i = 0; i < a.ints_size(); ++i) t.set_int(i, a.ints(i));
      return t;
    }
    fail(node, "attribute '" + a.name() + "' (string or sparse constants) is not supported");
  }

  std::optional<std::vector<HostTensor>> fold_shape(const onnx::NodeProto& node) const {
    if (node.input_size() < 1) return std::nullopt;
    const auto it = types_.find(node.input(0));
    if (it == types_.end() || !it->second.has_shape) return std::nullopt;
    const auto& dims = it->second.dims;
    const auto rank = static_cast<std::int64_t>(dims.size());
    auto clamp = [&](std::int64_t v) {
      return std::clamp<std::int64_t>(v < 0 ? v + rank : v, 0, rank);
    };
    std::int64_t begin = 0;
    std::int64_t end = rank;
    if (node.op_type() == "Shape") {
      if (const auto* a = find_attribute(node, "start")) begin = clamp(a->i());
      if (const auto* a = find_attribute(node, "end")) end = clamp(a->i());
      end = std::max(begin, end);
    }
    std::vector<std::int64_t> values;
    for (auto d = begin; d < end; ++d) {
      if (dims[static_cast<std::size_t>(d)].value < 0) return std::nullopt;
      values.push_back(dims[static_cast<std::size_t>(d)].value);
    }
    HostTensor t;
    if (node.op_type() == "Shape") {
      t = *HostTensor::zeros(onnx::TensorProto::INT64, {static_cast<std::int64_t>(values.size())});
      for (std::size_t i = 0; i < values.size(); ++i)
        t.set_int(static_cast<std::int64_t>(i), values[i]);
    } else {
      const auto n = detail::checked_num_elements(values);
      if (!n) return std::nullopt;
      t = *HostTensor::zeros(onnx::TensorProto::INT64, {});
      t.set_int(0, *n);
    }
    return std::vector<HostTensor>{std::move(t)};
  }

  // Folds every node it can, in order; returns whether any was.
  bool fold_pass() {
    bool folded_any = false;
    std::vector<onnx::NodeProto> kept;
    for (auto& node : nodes_) {
      std::optional<std::vector<HostTensor>> outputs;
      if (default_domain(node)) {
        const std::string& op = node.op_type();
        if (op == "Constant") {
          outputs = std::vector<HostTensor>{constant_node_value(node)};
        } else if (op == "Shape" || op == "Size") {
          outputs = fold_shape(node);
        } else if (detail::is_foldable_op(op)) {
          std::vector<const HostTensor*> inputs;
          bool all_constant = node.input_size() > 0;
          for (const auto& in : node.input()) {
            if (in.empty()) {
              inputs.push_back(nullptr);
              continue;
            }
            auto it = g_.constants.find(in);
            if (it == g_.constants.end() || is_parameter(in)) {
              all_constant = false;
              break;
            }
            inputs.push_back(&it->second);
          }
          if (all_constant)
            outputs = detail::fold_node(node, g_.opset, inputs, g_.location, node.name());
        }
      }
      if (!outputs) {
        kept.push_back(std::move(node));
        continue;
      }
      if (static_cast<std::size_t>(node.output_size()) != outputs->size())
        fail(node, "has " + std::to_string(node.output_size()) + " outputs, expected " +
                       std::to_string(outputs->size()));
      for (std::size_t k = 0; k < outputs->size(); ++k) {
        const std::string& name = node.output(static_cast<int>(k));
        if (!name.empty()) {
          types_[name] = type_of((*outputs)[k]);
          g_.constants[name] = std::move((*outputs)[k]);
        }
      }
      folded_any = true;
    }
    nodes_ = std::move(kept);
    return folded_any;
  }

  // --- shape inference ----------------------------------------------------------------------

  onnx::ModelProto inference_model() const {
    onnx::ModelProto m;
    m.set_ir_version(8);
    *m.mutable_opset_import() = model_.opset_import();
    auto* graph = m.mutable_graph();
    graph->set_name("inference");
    for (const auto& name : g_.inputs) {
      auto* in = graph->add_input();
      in->set_name(name);
      to_proto(input_types_.at(name), *in->mutable_type());
    }
    std::set<std::string> needed(g_.outputs.begin(), g_.outputs.end());
    for (const auto& node : nodes_) needed.insert(node.input().begin(), node.input().end());
    for (const auto& [name, t] : g_.constants) {
      if (!needed.contains(name)) continue;
      if (t.num_elements() <= kInferenceDataLimit) {
        detail::write_tensor(t, name, *graph->add_initializer());
      } else {
        auto* in = graph->add_input();
        in->set_name(name);
        to_proto(type_of(t), *in->mutable_type());
      }
    }
    for (const auto& node : nodes_) *graph->add_node() = without_sluice_attributes(node);
    for (const auto& out : declared_outputs_) *graph->add_output() = out;
    for (const auto& [name, t] : fallback_types_) {
      auto* vi = graph->add_value_info();
      vi->set_name(name);
      to_proto(t, *vi->mutable_type());
    }
    return m;
  }

  // `strict`: a node whose inference fails is an error (else its outputs stay untyped).
  void infer(bool strict) {
    onnx::ModelProto m = inference_model();
    try {
      // With type checks. Not with data propagation: ONNX 1.12 dereferences a null type when
      // a Shape reads a value it could not type (a fuzzer find), and the importer's own
      // folding already makes shape computations constant.
      onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(),
                                         onnx::ShapeInferenceOptions(true, strict ? 1 : 0, false));
    } catch (const std::exception& e) {
      fail(std::string("ONNX shape inference failed: ") + e.what());
    }
    types_.clear();
    for (const auto& [name, t] : input_types_) types_[name] = t;
    for (const auto& [name, t] : g_.constants) types_[name] = type_of(t);
    auto take = [&](const onnx::ValueInfoProto& vi) {
      if (g_.constants.contains(vi.name()) || input_types_.contains(vi.name())) return;
      if (vi.type().value_case() != onnx::TypeProto::kTensorType &&
          vi.type().value_case() != onnx::TypeProto::VALUE_NOT_SET)
        non_tensors_[vi.name()] = non_tensor_kind(vi.type());
      ValueType t = from_proto(vi.type());
      if (t.elem_type != 0) types_[vi.name()] = std::move(t);
    };
    for (const auto& vi : m.graph().value_info()) take(vi);
    for (const auto& vi : m.graph().output()) take(vi);
    for (const auto& [name, t] : fallback_types_)
      if (!types_.contains(name)) types_[name] = t;
  }

  // Types for outputs of ops ONNX 1.12 does not know; true when any is new.
  bool infer_fallback() {
    bool added = false;
    for (const auto& node : nodes_) {
      if (node.output_size() < 1 || node.input_size() < 1 || node.output(0).empty()) continue;
      if (!kSameShapeOps.contains(node.op_type()) || types_.contains(node.output(0))) continue;
      auto it = types_.find(node.input(0));
      if (it == types_.end()) continue;
      ValueType t = it->second;
      if (node.op_type() == "IsNaN" || node.op_type() == "IsInf")
        t.elem_type = onnx::TensorProto::BOOL;
      fallback_types_[node.output(0)] = t;
      types_[node.output(0)] = std::move(t);
      added = true;
    }
    return added;
  }

  void fold_and_infer() {
    fold_rounds();
    infer(true);
  }

  void fold_rounds() {
    for (const auto& [name, t] : input_types_) types_[name] = t;
    for (const auto& [name, t] : g_.constants) types_[name] = type_of(t);
    fold_pass();
    // Lenient rounds until nothing changes (a node ONNX 1.12 cannot infer yet may become
    // inferable once rewritten or folded); fold_and_infer ends with a strict one.
    // Each round folds, rewrites or types something (or is the last), and each of those can
    // happen only so often; a deep network needs about one round per layer, since a layer's
    // Shape nodes fold only once the previous layer's Reshape shapes have.
    const std::size_t max_rounds = 3 * nodes_.size() + 3;
    for (std::size_t round = 0; round < max_rounds; ++round) {
      infer(false);
      const bool more_types = infer_fallback();
      const bool folded = fold_pass();
      const bool rewritten =
          detail::rewrite_for_onnx_schemas(nodes_, g_.opset, g_.constants, types_, g_.location);
      if (!rewritten && !folded && !more_types) break;
    }
  }

  // --- final checks ---------------------------------------------------------------------------

  // Every value that becomes a container needs a type and a shape of constants and symbols.
  void check_shapes() {
    std::map<std::string, const onnx::NodeProto*> producer;
    for (const auto& node : nodes_)
      for (const auto& out : node.output()) producer[out] = &node;
    auto check = [&](const std::string& name) {
      const auto it = types_.find(name);
      const auto p = producer.find(name);
      const std::string what = "value '" + name + "'" +
                               (p != producer.end() ? " (an output of node '" + p->second->name() +
                                                          "', " + p->second->op_type() + ")"
                                                    : std::string());
      if (const auto nt = non_tensors_.find(name); nt != non_tensors_.end())
        fail(what + " " + nt->second);
      if (it == types_.end() || it->second.elem_type == 0)
        fail("cannot determine the type of " + what);
      if (!it->second.has_shape)
        fail("cannot determine the rank of " + what +
             "; fix the input shapes (ImportOptions::input_shapes) or make shape inputs constant");
      std::vector<std::int64_t> sizes;  // symbols count as 1
      for (std::size_t k = 0; k < it->second.dims.size(); ++k) {
        const Dim& d = it->second.dims[k];
        sizes.push_back(std::max<std::int64_t>(d.value, 1));
        if (d.value >= 0 || g_.symbols.contains(d.param)) continue;
        fail("cannot determine dimension " + std::to_string(k) + " of " + what +
             "; fix the input shapes (ImportOptions::input_shapes) or make shape inputs constant");
      }
      if (!detail::checked_num_elements(sizes)) fail(what + " has more than 2^62 elements");
    };
    // In node order, so the message names the first value that is unknown.
    for (const auto& node : nodes_)
      for (const auto& out : node.output())
        if (!out.empty()) check(out);
    for (const auto& name : g_.outputs) check(name);
  }

  std::string external_dir_;
  // A float initializer that `keep_parameters` keeps out of constant folding.
  [[nodiscard]] bool is_parameter(const std::string& value) const {
    return options_.keep_parameters && g_.initializers.contains(value) &&
           g_.constants.at(value).is_float();
  }

  const ImportOptions& options_;
  onnx::ModelProto model_;
  detail::ImportedGraph g_;
  std::vector<onnx::NodeProto> nodes_;  // the remaining nodes, in topological order
  std::map<std::string, ValueType> input_types_;
  std::map<std::string, ValueType> fallback_types_;
  std::map<std::string, std::string> non_tensors_;  // value -> "is a sequence, ..."
  std::map<std::string, ValueType>& types_ = g_.types;
  std::vector<onnx::ValueInfoProto> declared_outputs_;
};

}  // namespace

Model import_onnx_bytes(std::string_view bytes, const std::string& origin,
                        const std::string& external_data_dir, const ImportOptions& options) {
  Importer importer(origin, external_data_dir, options);
  return importer.run(bytes);
}

Model import_onnx_file(const std::string& path, const ImportOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw UserError(path, "is a directory, not an ONNX file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path, "cannot open the file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = std::move(buffer).str();
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  return import_onnx_bytes(bytes, path, dir, options);
}

}  // namespace sluice::frontends
