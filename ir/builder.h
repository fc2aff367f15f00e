#pragma once
/// Concise construction of programs for C++ code, tests and samples.
///
///   ProgramBuilder b("scale");
///   Expr n = b.symbol("N");
///   b.array("X", DType::f32, {n});
///   b.array("Y", DType::f32, {n});
///   GraphBuilder g = b.state("main");
///   auto scale = g.mapped_tasklet("scale", "i=0:N", {{"x", "X", "i"}}, "y = 2.0 * x;",
///                                 {{"y", "Y", "i"}});
///   // A consumer of Y reads from scale.outer_outputs["Y"] so the two are ordered.
///   Program p = b.build();
///
/// Subsets and map ranges are written in the text form (`i, 0:N`, `i=0:N, j=0:M:2`).

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ir/program.h"

namespace sluice::ir {

/// One side of a mapped tasklet: connector, container name, subset inside the map, and
/// optionally an existing outer Access node to read from / write to (so a consumer hangs off
/// its producer's output node and the dataflow orders them).
struct TaskletPort {
  std::string connector;
  std::string container;
  std::string subset;
  WriteConflict wcr = WriteConflict::None;
  NodeId outer{};
};

/// What `mapped_tasklet` created: the map and the outer Access node of each container.
struct MappedTasklet {
  NodeId map;
  std::map<std::string, NodeId> outer_inputs;
  std::map<std::string, NodeId> outer_outputs;
};

/// Builds into one graph (a state's or a map body's) of a program being built. It stays valid
/// while other states are added: a state's graph is looked up by id on every use, because the
/// state arena may move it; a map body is boxed and never moves.
class GraphBuilder {
public:
  GraphBuilder(Program& program, StateId state) : program_(&program), state_(state) {}
  GraphBuilder(Program& program, Graph& body) : program_(&program), body_(&body) {}

  [[nodiscard]] Graph& graph() { return body_ ? *body_ : program_->states[state_].graph; }
  NodeId access(std::string_view container);
  NodeId tasklet(std::string label, std::vector<std::string> inputs,
                 std::vector<std::string> outputs, std::string_view code);
  NodeId library(std::string label, std::string op, std::vector<std::string> inputs,
                 std::vector<std::string> outputs, Attributes attributes = {});
  /// An empty map; fill its body with `body(map)` and wire it with `read`/`write`.
  NodeId map(std::string label, std::string_view params, Schedule schedule = Schedule::Default);
  GraphBuilder body(NodeId map);

  /// An edge from an Access node (the container is taken from it) with the given subset; the
  /// volume is the subset's size.
  EdgeId read(NodeId access, std::string_view subset, NodeId dst, std::string dst_conn);
  EdgeId write(NodeId src, std::string src_conn, NodeId access, std::string_view subset,
               WriteConflict wcr = WriteConflict::None);
  /// Adds a connector to a map (and, through `read`/`write`, wires it to an Access node).
  EdgeId map_read(NodeId access, NodeId map, std::string_view subset);
  EdgeId map_write(NodeId map, NodeId access, std::string_view subset,
                   WriteConflict wcr = WriteConflict::None);

  /// A map containing one tasklet, as DaCe's add_mapped_tasklet: new outer Access nodes (or the
  /// given ones), the map, body Access nodes and the tasklet, with outer memlets covering what
  /// the body touches over the whole parameter range.
  MappedTasklet mapped_tasklet(std::string label, std::string_view params,
                        const std::vector<TaskletPort>& inputs, std::string_view code,
                        const std::vector<TaskletPort>& outputs,
                        Schedule schedule = Schedule::CpuParallel);

private:
  ContainerId container(std::string_view name) const;
  Memlet memlet_for(ContainerId data, std::string_view subset, WriteConflict wcr) const;

  Program* program_;
  StateId state_;
  Graph* body_ = nullptr;
};

class ProgramBuilder {
public:
  explicit ProgramBuilder(std::string name);

  Expr symbol(std::string name, DType dtype = DType::i64);
  ContainerId array(std::string name, DType dtype, std::vector<Expr> shape);
  ContainerId transient(std::string name, DType dtype, std::vector<Expr> shape);
  ContainerId scalar(std::string name, DType dtype, bool transient = false);
  /// A permuted alias of `source`: view dim d is source dim permutation[d].
  ContainerId permute_view(std::string name, std::string_view source,
                           std::vector<std::int64_t> permutation);
  /// A reshaped alias of a contiguous `source`.
  ContainerId reshape_view(std::string name, std::string_view source, std::vector<Expr> shape);

  /// A new state; the first one becomes the start state.
  GraphBuilder state(std::string label);
  [[nodiscard]] StateId state_id(std::string_view label) const;
  InterstateEdgeId transition(
      std::string_view from, std::string_view to, std::string_view condition = "",
      const std::vector<std::pair<std::string, std::string>>& assignments = {});

  [[nodiscard]] Program& program() { return program_; }
  Program build() { return program_; }

private:
  Program program_;
};

/// Parses `i=0:N, j=0:M:2` into map parameters. Throws UserError.
std::vector<MapParam> parse_map_params(std::string_view text);

}  // namespace sluice::ir
