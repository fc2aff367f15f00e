#include "frontends/onnx/opset_compat.h"

#include <set>

#include "ir/diagnostic.h"

namespace sluice::frontends::detail {
namespace {

class Rewriter {
public:
  Rewriter(std::vector<onnx::NodeProto>& nodes, std::map<std::string, HostTensor>& constants,
           const std::map<std::string, ValueType>& types, const std::string& location)
      : nodes_(nodes), constants_(constants), types_(types), location_(location) {
    for (const auto& [name, t] : constants) names_.insert(name);
    for (const auto& [name, t] : types) names_.insert(name);
    for (const auto& node : nodes) {
      names_.insert(node.input().begin(), node.input().end());
      names_.insert(node.output().begin(), node.output().end());
    }
  }

  bool run() {
    bool changed = false;
    for (auto& node : nodes_) {
      if (!node.domain().empty() && node.domain() != "ai.onnx") continue;
      if (node.op_type() == "Pad") changed |= pad(node);
      if (node.op_type() == "Split") changed |= split(node);
    }
    return changed;
  }

private:
  [[noreturn]] void fail(const onnx::NodeProto& node, const std::string& message) const {
    throw UserError(location_, "node '" + node.name() + "' (" + node.op_type() + "): " + message);
  }

  const HostTensor* constant(const onnx::NodeProto& node, int k) const {
    if (k >= node.input_size() || node.input(k).empty()) return nullptr;
    const auto it = constants_.find(node.input(k));
    return it == constants_.end() ? nullptr : &it->second;
  }

  const ValueType* type(const std::string& value) const {
    const auto it = types_.find(value);
    return it == types_.end() || !it->second.has_shape ? nullptr : &it->second;
  }

  // A new constant input `<label>/<what>` (made unique) holding int64 `values`.
  std::string add_constant(const onnx::NodeProto& node, const std::string& what,
                           const std::vector<std::int64_t>& values) {
    std::string name = node.name() + "/" + what;
    for (int k = 2; names_.contains(name); ++k) name = node.name() + "/" + what + std::to_string(k);
    names_.insert(name);
    HostTensor t =
        *HostTensor::zeros(onnx::TensorProto::INT64, {static_cast<std::int64_t>(values.size())});
    for (std::size_t i = 0; i < values.size(); ++i)
      t.set_int(static_cast<std::int64_t>(i), values[i]);
    constants_.emplace(name, std::move(t));
    return name;
  }

  bool pad(onnx::NodeProto& node) {
    const HostTensor* axes = constant(node, 3);
    const HostTensor* pads = constant(node, 1);
    const ValueType* x = node.input_size() > 0 ? type(node.input(0)) : nullptr;
    if (axes == nullptr || pads == nullptr || x == nullptr || node.input_size() != 4) return false;
    const auto rank = static_cast<std::int64_t>(x->dims.size());
    const std::vector<std::int64_t> a = axes->ints();
    const std::vector<std::int64_t> p = pads->ints();
    if (p.size() != 2 * a.size()) fail(node, "pads must have two values per axis");
    std::vector<std::int64_t> full(static_cast<std::size_t>(2 * rank), 0);
    std::vector<bool> seen(static_cast<std::size_t>(rank), false);
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::int64_t axis = a[i] < 0 ? a[i] + rank : a[i];
      if (axis < 0 || axis >= rank || seen[static_cast<std::size_t>(axis)])
        fail(node, "axis " + std::to_string(a[i]) + " is out of range or repeated");
      seen[static_cast<std::size_t>(axis)] = true;
      full[static_cast<std::size_t>(axis)] = p[i];
      full[static_cast<std::size_t>(axis + rank)] = p[i + a.size()];
    }
    node.set_input(1, add_constant(node, "pads", full));
    node.mutable_input()->RemoveLast();  // axes is the last input
    return true;
  }

  bool split(onnx::NodeProto& node) {
    if (node.input_size() > 1 && !node.input(1).empty()) return false;
    auto* attrs = node.mutable_attribute();
    std::int64_t axis = 0;
    int num_outputs_at = -1;
    for (int i = 0; i < attrs->size(); ++i) {
      if (attrs->Get(i).name() == "axis") axis = attrs->Get(i).i();
      if (attrs->Get(i).name() == "num_outputs") num_outputs_at = i;
    }
    const ValueType* x = node.input_size() > 0 ? type(node.input(0)) : nullptr;
    if (num_outputs_at < 0 || x == nullptr) return false;
    const auto rank = static_cast<std::int64_t>(x->dims.size());
    if (axis < -rank || axis >= rank)
      fail(node, "axis " + std::to_string(axis) + " is out of range");
    const std::int64_t dim = x->dims[static_cast<std::size_t>(axis < 0 ? axis + rank : axis)].value;
    const std::int64_t n = attrs->Get(num_outputs_at).i();
    if (dim < 0) return false;
    if (n < 1 || n != node.output_size())
      fail(node, "num_outputs is " + std::to_string(n) + " but the node has " +
                     std::to_string(node.output_size()) + " outputs");
    const std::int64_t chunk = dim / n + (dim % n != 0 ? 1 : 0);
    std::vector<std::int64_t> sizes(static_cast<std::size_t>(n), chunk);
    sizes.back() = dim - chunk * (n - 1);
    if (sizes.back() < 0)
      fail(node, "a dimension of " + std::to_string(dim) + " cannot be split into " +
                     std::to_string(n) + " parts");
    attrs->DeleteSubrange(num_outputs_at, 1);
    if (node.input_size() < 2) node.add_input();
    node.set_input(1, add_constant(node, "split", sizes));
    return true;
  }

  std::vector<onnx::NodeProto>& nodes_;
  std::map<std::string, HostTensor>& constants_;
  const std::map<std::string, ValueType>& types_;
  const std::string& location_;
  std::set<std::string> names_;
};

}  // namespace

bool rewrite_for_onnx_schemas(std::vector<onnx::NodeProto>& nodes, std::int64_t opset,
                              std::map<std::string, HostTensor>& constants,
                              const std::map<std::string, ValueType>& types,
                              const std::string& location) {
  if (opset < 18) return false;
  return Rewriter(nodes, constants, types, location).run();
}

}  // namespace sluice::frontends::detail
