#pragma once
/// Expanding library nodes: what an op's `pure` implementation sees and the calls it builds with.
///
/// An expansion replaces one `Library` node (at the top level of a state graph) by maps,
/// tasklets and transients in the same graph. It reads the node's inputs (containers, shapes,
/// attributes) through `ExpansionContext`, and builds with `mapped_tasklet`, which keeps the
/// dataflow ordered by itself: a read sees the latest write of that container in this
/// expansion (or the node's input), a second write of a container is ordered after the first
/// (initialize, then accumulate with a write-conflict sum). When the expansion finishes, the
/// last write of each output lands in the Access node that the node's consumers read.
///
///   void expand_relu(ExpansionContext& x) {
///     const auto p = x.params(x.output(0).rank());          // "_d0=0:N, _d1=0:4"
///     x.mapped_tasklet("relu", p.ranges, {{"a", x.input_name(0), p.index}}, "y = max(a, 0.0);",
///                      {{"y", x.output_name(0), p.index}});
///   }
///
/// Map parameters are named `_d0`, `_d1`, ... (`params`), which no program symbol can be (the
/// frontends never make a symbol starting with `_`). Subsets and ranges are written in the IR's
/// text form.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ir/builder.h"
#include "ir/program.h"

namespace sluice::ops {

/// Map parameters over a shape, in the text forms `mapped_tasklet` takes.
struct MapParams {
  std::string ranges;              ///< "_d0=0:N, _d1=0:4"
  std::string index;               ///< "_d0, _d1": the point of the output
  std::vector<std::string> names;  ///< {"_d0", "_d1"}
};

class ExpansionContext {
public:
  ExpansionContext(ir::Program& program, ir::StateId state, ir::NodeId node);

  // --- the node being expanded ---------------------------------------------------------------
  [[nodiscard]] const ir::LibraryNode& node() const { return node_; }
  /// Number of input slots: one past the highest `in<k>` connector (absent optional inputs
  /// leave gaps, see docs/cpu-path.md).
  [[nodiscard]] int num_inputs() const;
  [[nodiscard]] int num_outputs() const;
  [[nodiscard]] bool has_input(int k) const;
  [[nodiscard]] bool has_output(int k) const;
  /// The container connected to input/output slot k; a missing one is a UserError naming the
  /// node ("Gemm 'fc1': input 0 is missing").
  [[nodiscard]] const ir::Container& input(int k) const;
  [[nodiscard]] const ir::Container& output(int k) const;
  /// The references above point into the program's container arena, which `transient` may
  /// grow: copy a container that must outlive the next transient. Names are returned by value
  /// for that reason.
  [[nodiscard]] std::string input_name(int k) const { return input(k).name; }
  [[nodiscard]] std::string output_name(int k) const { return output(k).name; }
  /// Any container of the program by name (a copy: creating transients may move the arena);
  /// an unknown name is a bug.
  [[nodiscard]] ir::Container container(const std::string& name) const;
  /// The node's epilogue inputs (ir/epilogue.h): (connector `epi<k>`, container name), by k.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> epilogue_inputs() const;

  /// Attributes with an optional default; absent without a default, or of another type, is a
  /// UserError naming the node and the attribute. An INT attribute also reads as a float.
  [[nodiscard]] bool has_attr(std::string_view name) const;
  [[nodiscard]] std::int64_t attr_int(std::string_view name,
                                      std::optional<std::int64_t> fallback = {}) const;
  [[nodiscard]] double attr_float(std::string_view name, std::optional<double> fallback = {}) const;
  [[nodiscard]] std::string attr_string(std::string_view name,
                                        std::optional<std::string> fallback = {}) const;
  [[nodiscard]] std::vector<std::int64_t> attr_ints(
      std::string_view name, std::optional<std::vector<std::int64_t>> fallback = {}) const;
  [[nodiscard]] std::vector<double> attr_floats(
      std::string_view name, std::optional<std::vector<double>> fallback = {}) const;

  /// Throws the UserError every expansion failure uses: "<Op> '<label>': <message>".
  [[noreturn]] void fail(const std::string& message) const;

  // --- building ------------------------------------------------------------------------------
  /// Parameters `_d<first>` ... sweeping `shape` (default: the shape of output 0).
  [[nodiscard]] MapParams params(const std::vector<ir::Expr>& shape, int first = 0) const;
  /// A new transient of this expansion, named `<label>_<hint>` (made unique); returns its name.
  std::string transient(std::string_view hint, ir::DType dtype, std::vector<ir::Expr> shape);
  /// A new transient scalar (Register storage) for per-expansion values.
  std::string transient_scalar(std::string_view hint, ir::DType dtype);

  /// A map holding one tasklet (`ir::GraphBuilder::mapped_tasklet`), ordered as described above.
  /// The `outer` field of the ports is ignored: the context picks the Access nodes.
  void mapped_tasklet(std::string label, std::string_view params,
                      const std::vector<ir::TaskletPort>& inputs, std::string_view code,
                      const std::vector<ir::TaskletPort>& outputs,
                      ir::Schedule schedule = ir::Schedule::CpuParallel);
  /// A tasklet outside any map (for scalar work); ports' subsets are single elements.
  void tasklet(std::string label, const std::vector<ir::TaskletPort>& inputs, std::string_view code,
               const std::vector<ir::TaskletPort>& outputs);
  /// A library node that reads whole containers through in0, in1, ... and writes whole ones
  /// through out0, ... (ordered like every write of this expansion); a lowering such as Conv's
  /// "blas" builds the BLAS MatMul it calls this way.
  void library(std::string label, std::string op, const std::vector<std::string>& inputs,
               const std::vector<std::string>& outputs, std::string implementation,
               ir::Attributes attributes = {});
  /// Escape hatch for expansions that need nested maps: build with `graph()`, then report
  /// which Access nodes hold each container's latest value through `read_node`/`wrote`.
  [[nodiscard]] ir::GraphBuilder graph();
  /// The Access node to read `container`'s current value from (creating one if needed).
  ir::NodeId read_node(const std::string& container);
  /// The Access node a new write of `container` must go to. Once the writer is connected,
  /// `finish` orders it after the previous value's Access node and every reader of it.
  ir::NodeId write_node(const std::string& container);

  /// Removes the library node and connects the outputs' last writes to its consumers. Called by
  /// `expand_node`; op code never calls it.
  void finish();

private:
  template <typename T, typename Convert>
  T attr_as(std::string_view name, std::optional<T> fallback, const char* wanted,
            Convert convert) const;
  [[nodiscard]] std::string unique_name(std::string_view hint) const;
  // Adds the ordering edges recorded by `write_node` once the writers exist.
  void order_writes();

  ir::Program& program_;
  ir::StateId state_;
  ir::NodeId node_id_;
  ir::LibraryNode node_;
  std::map<std::string, ir::NodeId> latest_;  // container -> Access node with its current value
  std::set<std::string> written_;             // containers written by this expansion
  // Extensions of the first sketch: the slots as wired in the graph, the Access nodes the
  // consumers read, and the writes still to be ordered after the previous value (previous
  // Access node, new Access node).
  std::map<int, ir::ContainerId> inputs_;
  std::map<int, ir::ContainerId> outputs_;
  std::map<int, ir::ContainerId> epilogue_inputs_;
  std::map<int, ir::NodeId> output_nodes_;
  std::vector<ir::NodeId> attached_;  // Access nodes that fed the library node
  std::vector<std::pair<ir::NodeId, ir::NodeId>> pending_orders_;
};

/// Replaces one library node (at the top level of `state`) by its implementation `impl`
/// ("pure"); throws UserError for an unknown op or implementation and leaves the program as it
/// was when the expansion fails.
void expand_node(ir::Program& program, ir::StateId state, ir::NodeId node,
                 std::string_view impl = "pure");

/// Expands every library node in every state whose implementation is not in `keep` (e.g.
/// {"blas"}: those stay for the code generator). Transactional: on failure `program` is as it
/// was, and the error names the node.
void expand_all(ir::Program& program, const std::set<std::string>& keep = {});

}  // namespace sluice::ops
