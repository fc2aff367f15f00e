#pragma once
/// What a gradient rule sees and builds with (reverse-mode autodiff, transforms/autodiff/).
///
/// Autodiff works on the imported program: one state of library nodes. For each forward
/// library node, in reverse order, the driver (`reverse_mode.h`) calls the rule registered for
/// its op. The rule reads the node (inputs, outputs, attributes) and the adjoints of its outputs,
/// and builds the backward dataflow as more library nodes: ops of the operator library
/// (`MatMul`, `Transpose`, `ReduceSum`, ...) and the gradient ops that exist for this purpose
/// (`SoftmaxGrad`, `<Op>Grad` for element-wise ops, ...; ops/*_gradient_ops.cpp). It hands each
/// input's gradient contribution to `contribute`; the driver sums the contributions of an input
/// read by several nodes (a `Sum` node) and writes the requested gradients.
///
///   void relu_gradient(GradientBuilder& g) {        // dX = dY * (X > 0), by ReluGrad
///     g.contribute(0, g.op("ReluGrad", {g.input_name(0), g.adjoint(0)}, g.input(0)));
///   }
///
/// Backward nodes read forward values straight from their containers: every value a rule reads
/// is stored until the backward pass (the `recompute-activation` transformation changes that).

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ir/program.h"

namespace sluice::autodiff {

class GradientBuilder {
public:
  /// Used by the driver. `adjoints[j]` is the container holding dL/d(output j), or "" when no
  /// loss depends on that output; `wanted` are the input slots whose gradients are needed.
  GradientBuilder(ir::Program& program, ir::StateId state, ir::NodeId node,
                  std::vector<std::string> adjoints, std::set<int> wanted);

  // --- the forward node ----------------------------------------------------------------------
  [[nodiscard]] const ir::LibraryNode& node() const { return node_; }
  /// One past the highest `in<k>` slot (absent optional inputs leave gaps).
  [[nodiscard]] int num_inputs() const;
  [[nodiscard]] int num_outputs() const;
  [[nodiscard]] bool has_input(int k) const;
  /// The container of input/output slot k (a copy: building may grow the container arena).
  [[nodiscard]] ir::Container input(int k) const;
  [[nodiscard]] ir::Container output(int k) const;
  [[nodiscard]] std::string input_name(int k) const { return input(k).name; }
  [[nodiscard]] std::string output_name(int k) const { return output(k).name; }
  /// Whether the driver needs the gradient of input k (a float input that depends on what is
  /// differentiated with respect to).
  [[nodiscard]] bool wants(int k) const { return wanted_.contains(k); }
  /// The container holding the adjoint of output j; "" when nothing depends on output j.
  [[nodiscard]] bool has_adjoint(int j) const;
  [[nodiscard]] std::string adjoint(int j) const;

  [[nodiscard]] bool has_attr(std::string_view name) const;
  [[nodiscard]] std::int64_t attr_int(std::string_view name,
                                      std::optional<std::int64_t> fallback = {}) const;
  [[nodiscard]] double attr_float(std::string_view name, std::optional<double> fallback = {}) const;
  [[nodiscard]] std::string attr_string(std::string_view name,
                                        std::optional<std::string> fallback = {}) const;
  [[nodiscard]] std::vector<std::int64_t> attr_ints(
      std::string_view name, std::optional<std::vector<std::int64_t>> fallback = {}) const;

  /// A UserError naming the node: "<Op> '<label>': no gradient: <message>".
  [[noreturn]] void fail(const std::string& message) const;

  // --- building ------------------------------------------------------------------------------
  /// A new transient named `<node label>_<hint>` (made unique); returns its name.
  std::string transient(std::string_view hint, ir::DType dtype, std::vector<ir::Expr> shape);
  /// A library node reading `inputs` (container names; "" leaves the slot empty) through
  /// in0, in1, ... and writing `outputs` (container names, "" for none) through out0, ....
  void op(std::string op, const std::vector<std::string>& inputs,
          const std::vector<std::string>& outputs, ir::Attributes attributes = {});
  /// An op with one output, written to a new transient shaped like `like`; returns its name.
  std::string op(std::string op, const std::vector<std::string>& inputs, const ir::Container& like,
                 ir::Attributes attributes = {});
  /// An op with one output of this dtype and shape; returns the new transient's name.
  std::string op(std::string op, const std::vector<std::string>& inputs, ir::DType dtype,
                 std::vector<ir::Expr> shape, ir::Attributes attributes = {});

  /// The container that a Transpose node permuted by `before` into `container`, when applying
  /// `perm` after it gives the identity (so `perm` of `container` is that container itself:
  /// Transpose(Transpose(W)) is W, and a rule reads W instead of materializing a copy).
  [[nodiscard]] std::optional<std::string> untransposed(
      const std::string& container, const std::vector<std::int64_t>& perm) const;

  /// `value` (shaped like input k, or broadcast to a larger shape under numpy rules) is a
  /// contribution to input k's gradient; a broadcast value is summed down to input k's shape.
  void contribute(int k, const std::string& value);

  /// The contributions made, per input slot (read by the driver).
  [[nodiscard]] const std::vector<std::pair<int, std::string>>& contributions() const {
    return contributions_;
  }

private:
  [[nodiscard]] const ir::AttributeValue* find_attr(std::string_view name) const;
  ir::NodeId read_node(const std::string& container);

  ir::Program& program_;
  ir::StateId state_;
  ir::LibraryNode node_;
  std::vector<std::optional<ir::ContainerId>> inputs_;   // by slot
  std::vector<std::optional<ir::ContainerId>> outputs_;  // by slot
  std::vector<std::string> adjoints_;
  std::set<int> wanted_;
  std::vector<std::pair<int, std::string>> contributions_;
  int ops_ = 0;  // backward nodes built, for their labels
};

using GradientRule = std::function<void(GradientBuilder&)>;

/// The rule for an op (ONNX spelling), nullptr when Sluice has none.
const GradientRule* find_gradient_rule(std::string_view op);
/// Every op with a gradient rule, sorted.
std::vector<std::string> differentiable_ops();

/// The Access node holding `container`'s value in `graph` for a new reader: the one its writer
/// writes, else any (an argument). Added when the graph has none.
ir::NodeId value_node(ir::Program& program, ir::StateId state, const std::string& container);

}  // namespace sluice::autodiff
