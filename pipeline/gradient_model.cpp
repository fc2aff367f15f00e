#include "pipeline/gradient_model.h"

#include <algorithm>
#include <set>
#include <utility>

#include "ir/diagnostic.h"
#include "transforms/autodiff/reverse_mode.h"

namespace sluice::pipeline {
namespace {

// A new argument container shaped like `like`, named `<like>_<suffix>` (made unique).
std::string add_argument(ir::Program& program, const std::string& like, const std::string& suffix) {
  ir::Container c = program.containers[*program.find_container(like)];
  const std::string base = like + "_" + suffix;
  std::string name = base;
  for (int k = 2; program.find_container(name); ++k) name = base + "_" + std::to_string(k);
  c.name = name;
  c.transient = false;
  c.view.reset();
  c.kind = ir::ContainerKind::Array;
  c.strides = ir::contiguous_strides(c.shape);
  c.offset = ir::Expr(0);
  program.containers.add(std::move(c));
  return name;
}

bool is_float_container(const ir::Program& program, const std::string& name) {
  return ir::is_float(program.containers[*program.find_container(name)].dtype);
}

// The container an Access node holds (library level: every edge joins a library node and an
// Access node).
ir::ContainerId accessed(const ir::Graph& g, ir::NodeId n) {
  const auto* access = std::get_if<ir::AccessNode>(&g.node(n));
  SLUICE_CHECK(access != nullptr, "gradient split: an edge between two library nodes");
  return access->data;
}

// Removes the library nodes `drop`, then the Access nodes left without edges and the containers
// no Access node holds any more (except `keep`).
void remove_nodes(ir::Program& program, const std::set<ir::NodeId>& drop,
                  const std::set<std::string>& keep) {
  ir::Graph& g = program.states[program.start_state].graph;
  for (const ir::NodeId n : drop) g.remove_node(n);
  std::set<ir::ContainerId> used;
  for (const ir::NodeId n : g.node_ids()) {
    const auto* access = std::get_if<ir::AccessNode>(&g.node(n));
    if (access == nullptr) continue;
    if (g.in_edges(n).empty() && g.out_edges(n).empty())
      g.remove_node(n);
    else
      used.insert(access->data);
  }
  for (const ir::ContainerId c : program.containers.ids())
    if (!used.contains(c) && !keep.contains(program.containers[c].name))
      program.containers.erase(c);
}

// Ops that only move elements: cheaper to recompute than to store, and views after the default
// pipeline.
bool is_relayout(const std::string& op) {
  return op == "Transpose" || op == "Reshape" || op == "Flatten" || op == "Squeeze" ||
         op == "Unsqueeze" || op == "Identity";
}

bool has_container(const ir::Program& program, const std::string& name) {
  return program.find_container(name).has_value();
}

}  // namespace

frontends::Model with_gradients(frontends::Model model) {
  ir::Program& program = model.program;
  autodiff::BackwardRequest request;
  std::vector<frontends::ModelValue> seeds;
  std::vector<frontends::ModelValue> gradients;
  for (const auto& out : model.outputs) {
    // An output folded to a constant at import depends on nothing.
    if (!is_float_container(program, out.container) || model.constants.contains(out.container))
      continue;
    const std::string seed = add_argument(program, out.container, "seed");
    request.seeds[out.container] = seed;
    seeds.push_back({out.onnx_name + std::string(kSeedSuffix), seed});
  }
  std::vector<frontends::ModelValue> wrt = model.parameters;
  for (const auto& in : model.inputs)
    if (is_float_container(program, in.container) &&
        std::none_of(wrt.begin(), wrt.end(),
                     [&](const frontends::ModelValue& p) { return p.container == in.container; }))
      wrt.push_back(in);
  for (const auto& v : wrt) {
    const std::string grad = add_argument(program, v.container, "grad");
    request.gradients[v.container] = grad;
    gradients.push_back({v.onnx_name + std::string(kGradSuffix), grad});
  }
  autodiff::append_backward(program, request);
  model.inputs.insert(model.inputs.end(), seeds.begin(), seeds.end());
  model.outputs.insert(model.outputs.end(), gradients.begin(), gradients.end());
  return model;
}

SplitGradients split_gradients(frontends::Model model) {
  SplitGradients split;
  frontends::Model combined = with_gradients(model);
  split.forward = std::move(model);
  const ir::Program& forward_program = split.forward.program;
  ir::Program& program = combined.program;
  SLUICE_CHECK(program.states.size() == 1, "gradient split: not one state");
  const ir::Graph& g = program.states[program.start_state].graph;
  const ir::Graph& forward_graph = forward_program.states[forward_program.start_state].graph;

  // Library nodes that existed before append_backward are the forward; the rest the backward.
  std::set<ir::NodeId> forward_nodes;
  std::set<ir::NodeId> backward_nodes;
  for (const ir::NodeId n : g.node_ids()) {
    if (!std::holds_alternative<ir::LibraryNode>(g.node(n))) continue;
    const bool forward =
        forward_graph.has_node(n) && std::holds_alternative<ir::LibraryNode>(forward_graph.node(n));
    (forward ? forward_nodes : backward_nodes).insert(n);
  }
  const auto written_by = [&](const std::set<ir::NodeId>& nodes) {
    std::set<ir::ContainerId> out;
    for (const ir::NodeId n : nodes)
      for (const ir::EdgeId e : g.out_edges(n)) out.insert(accessed(g, g.edge(e).dst));
    return out;
  };
  const auto read_by = [&](const std::set<ir::NodeId>& nodes) {
    std::set<ir::ContainerId> in;
    for (const ir::NodeId n : nodes)
      for (const ir::EdgeId e : g.in_edges(n)) in.insert(accessed(g, g.edge(e).src));
    return in;
  };
  // A relayout of values the backward has anyway (parameters, inputs, constants, or another
  // recomputed relayout) is recomputed by the backward rather than stored: storing it would
  // make the forward materialize what it reads as a view (a weight's transpose, say).
  for (bool changed = true; changed;) {
    changed = false;
    const std::set<ir::ContainerId> forward_written = written_by(forward_nodes);
    const std::set<ir::ContainerId> backward_read = read_by(backward_nodes);
    for (const ir::NodeId n : forward_nodes) {
      if (!is_relayout(g.get<ir::LibraryNode>(n).op)) continue;
      bool needed = false;
      for (const ir::EdgeId e : g.out_edges(n))
        needed = needed || backward_read.contains(accessed(g, g.edge(e).dst));
      bool available = true;
      for (const ir::EdgeId e : g.in_edges(n))
        available = available && !forward_written.contains(accessed(g, g.edge(e).src));
      if (!needed || !available) continue;
      forward_nodes.erase(n);
      backward_nodes.insert(n);
      changed = true;
      break;
    }
  }
  const std::set<ir::ContainerId> forward_written = written_by(forward_nodes);
  const std::set<ir::ContainerId> backward_read = read_by(backward_nodes);

  // Saved: forward-written containers the backward reads. A model output keeps its name.
  for (const ir::ContainerId c : program.containers.ids()) {
    if (!forward_written.contains(c) || !backward_read.contains(c)) continue;
    const std::string& container = program.containers[c].name;
    const auto output =
        std::find_if(split.forward.outputs.begin(), split.forward.outputs.end(),
                     [&](const frontends::ModelValue& v) { return v.container == container; });
    SavedValue saved;
    saved.container = container;
    if (output != split.forward.outputs.end()) {
      saved.name = output->onnx_name + std::string(kSavedSuffix);
      saved.forward_output = output->onnx_name;
    } else {
      saved.name = container + std::string(kSavedSuffix);
      saved.forward_output = saved.name;
    }
    split.saved.push_back(std::move(saved));
  }
  for (const SavedValue& s : split.saved) {
    ir::Container& c =
        split.forward.program.containers[*split.forward.program.find_container(s.container)];
    if (s.forward_output != s.name) continue;  // an output already
    c.transient = false;
    split.forward.outputs.push_back({s.name, s.container});
  }

  // The backward: the added nodes, reading the saved values as arguments.
  std::set<std::string> gradients;
  for (const auto& v : combined.outputs)
    if (v.onnx_name.ends_with(kGradSuffix)) gradients.insert(v.container);
  remove_nodes(program, forward_nodes, gradients);
  for (const SavedValue& s : split.saved)
    program.containers[*program.find_container(s.container)].transient = false;
  frontends::Model& backward = split.backward;
  backward.opset = combined.opset;
  backward.program = std::move(program);
  const ir::Program& kept = backward.program;
  for (const auto& v : combined.inputs)
    if (has_container(kept, v.container) && !v.onnx_name.ends_with(kSeedSuffix))
      backward.inputs.push_back(v);
  for (const auto& v : combined.inputs)
    if (has_container(kept, v.container) && v.onnx_name.ends_with(kSeedSuffix))
      backward.inputs.push_back(v);
  for (const SavedValue& s : split.saved) backward.inputs.push_back({s.name, s.container});
  for (const auto& v : combined.outputs)
    if (v.onnx_name.ends_with(kGradSuffix)) backward.outputs.push_back(v);
  for (const auto& p : combined.parameters)
    if (has_container(kept, p.container)) backward.parameters.push_back(p);
  for (auto& [name, tensor] : combined.constants)
    if (has_container(kept, name)) backward.constants.emplace(name, std::move(tensor));
  return split;
}

frontends::Model parameters_as_inputs(frontends::Model model) {
  for (const auto& p : model.parameters) {
    model.constants.erase(p.container);
    model.inputs.push_back(p);
  }
  return model;
}

}  // namespace sluice::pipeline
