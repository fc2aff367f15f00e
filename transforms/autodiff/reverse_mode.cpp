// The reverse-mode driver: which nodes need a gradient, in which order, and how the
// contributions to one value are summed.

#include "transforms/autodiff/reverse_mode.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "ir/builder.h"
#include "ir/diagnostic.h"
#include "ops/op_helpers.h"
#include "transforms/autodiff/gradient_builder.h"

namespace sluice::autodiff {
namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

const ir::Container& checked_float(const ir::Program& program, const std::string& name,
                                   const std::string& role) {
  const auto id = program.find_container(name);
  if (!id) throw UserError("autodiff", role + " " + quoted(name) + " is not a container");
  const ir::Container& c = program.containers[*id];
  if (!ir::is_float(c.dtype))
    throw UserError("autodiff", role + " " + quoted(name) + " has dtype " +
                                    std::string(ir::dtype_name(c.dtype)) +
                                    "; only float values have gradients");
  return c;
}

void check_same(const ir::Container& value, const ir::Container& partner, const std::string& what) {
  if (value.shape != partner.shape || value.dtype != partner.dtype)
    throw UserError("autodiff", "the " + what + " " + quoted(partner.name) + " of " +
                                    quoted(value.name) + " must have its shape and dtype");
}

// Input/output container of a library node, per connector.
std::vector<ir::ContainerId> containers_on(const ir::Graph& g, ir::NodeId n, bool inputs) {
  std::vector<ir::ContainerId> out;
  for (const ir::EdgeId e : inputs ? g.in_edges(n) : g.out_edges(n))
    if (!g.edge(e).memlet.empty()) out.push_back(g.edge(e).memlet.data);
  return out;
}

class ReverseMode {
public:
  ReverseMode(ir::Program& program, const BackwardRequest& request)
      : program_(program), request_(request) {}

  void run() {
    if (program_.states.size() != 1)
      throw UserError(
          "autodiff",
          "the program has " + std::to_string(program_.states.size()) +
              " states; reverse mode works on one state of library nodes (as imported)");
    state_ = program_.start_state;
    const ir::Graph& g = program_.states[state_].graph;
    for (const ir::NodeId n : g.node_ids()) {
      const ir::Node& node = g.node(n);
      if (std::holds_alternative<ir::AccessNode>(node) ||
          std::holds_alternative<ir::LibraryNode>(node))
        continue;
      throw UserError("autodiff",
                      "node " + quoted(ir::node_label(node)) + " is a " +
                          std::string(ir::node_kind_name(node)) +
                          "; reverse mode works on library nodes: differentiate before expanding");
    }
    for (const auto& [value, seed] : request_.seeds)
      check_same(checked_float(program_, value, "seeded value"),
                 checked_float(program_, seed, "seed"), "seed");
    for (const auto& [wrt, grad] : request_.gradients)
      check_same(checked_float(program_, wrt, "value to differentiate"),
                 checked_float(program_, grad, "gradient"), "gradient");

    const auto order = g.topological_order();
    SLUICE_CHECK(order.has_value(), "autodiff: the state graph has a cycle");
    std::vector<ir::NodeId> nodes;
    for (const ir::NodeId n : *order)
      if (std::holds_alternative<ir::LibraryNode>(g.node(n))) nodes.push_back(n);
    mark_active(nodes);
    for (const auto& [value, seed] : request_.seeds) adjoints_[value].push_back(seed);
    std::map<std::string, std::vector<std::string>> missing;  // op -> node labels
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) differentiate(*it, missing);
    if (!missing.empty()) {
      std::string message = "no gradient rule for ";
      bool first = true;
      for (const auto& [op, labels] : missing) {
        if (!first) message += "; ";
        first = false;
        message += op + " (used by";
        for (const auto& l : labels) message += " " + quoted(l);
        message += ")";
      }
      throw UserError("autodiff", message);
    }
    for (const auto& [wrt, grad] : request_.gradients) write_gradient(wrt, grad);
  }

private:
  // Values that depend on what is differentiated, and values a seeded value depends on: only
  // nodes between the two need a backward node.
  void mark_active(const std::vector<ir::NodeId>& nodes) {
    const ir::Graph& g = program_.states[state_].graph;
    for (const auto& [wrt, grad] : request_.gradients)
      depends_.insert(*program_.find_container(wrt));
    for (const ir::NodeId n : nodes) {
      const auto ins = containers_on(g, n, true);
      if (std::none_of(ins.begin(), ins.end(), [&](auto c) { return depends_.contains(c); }))
        continue;
      for (const auto c : containers_on(g, n, false))
        if (ir::is_float(program_.containers[c].dtype)) depends_.insert(c);
    }
    for (const auto& [value, seed] : request_.seeds)
      needed_.insert(*program_.find_container(value));
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
      const auto outs = containers_on(g, *it, false);
      if (std::none_of(outs.begin(), outs.end(), [&](auto c) { return needed_.contains(c); }))
        continue;
      for (const auto c : containers_on(g, *it, true)) needed_.insert(c);
    }
  }

  void differentiate(ir::NodeId n, std::map<std::string, std::vector<std::string>>& missing) {
    const ir::Graph& g = program_.states[state_].graph;
    const auto& lib = std::get<ir::LibraryNode>(g.node(n));
    const std::string op = lib.op;
    const std::string label = lib.label;
    // Which inputs need a gradient.
    GradientBuilder probe(program_, state_, n, {}, {});
    std::set<int> wanted;
    for (int k = 0; k < probe.num_inputs(); ++k) {
      if (!probe.has_input(k)) continue;
      const ir::ContainerId c = *program_.find_container(probe.input_name(k));
      if (depends_.contains(c) && needed_.contains(c) && ir::is_float(program_.containers[c].dtype))
        wanted.insert(k);
    }
    if (wanted.empty()) return;
    bool any_adjoint = false;
    for (int j = 0; j < probe.num_outputs(); ++j)
      if (adjoints_.contains(probe.output_name(j))) any_adjoint = true;
    if (!any_adjoint) return;
    const GradientRule* rule = find_gradient_rule(op);
    if (rule == nullptr) {
      missing[op].push_back(label);
      return;
    }
    std::vector<std::string> adjoints;
    for (int j = 0; j < probe.num_outputs(); ++j)
      adjoints.push_back(probe.output(j).name.empty() ? ""
                                                      : total_adjoint(n, probe.output_name(j)));
    GradientBuilder builder(program_, state_, n, std::move(adjoints), std::move(wanted));
    (*rule)(builder);
    for (const auto& [k, value] : builder.contributions())
      adjoints_[builder.input_name(k)].push_back(value);
  }

  // The one container holding the adjoint of `value`: its single contribution, or their Sum.
  std::string total_adjoint(ir::NodeId n, const std::string& value) {
    auto it = adjoints_.find(value);
    if (it == adjoints_.end() || it->second.empty()) return "";
    if (it->second.size() > 1) {
      GradientBuilder sum(program_, state_, n, {}, {});
      const auto id = *program_.find_container(value);
      const ir::Container c = program_.containers[id];
      const std::string total = sum.op("Sum", it->second, c);
      it->second = {total};
    }
    return it->second.front();
  }

  void write_gradient(const std::string& wrt, const std::string& grad) {
    const auto it = adjoints_.find(wrt);
    const ir::Container c = program_.containers[*program_.find_container(grad)];
    ir::GraphBuilder gb(program_, state_);
    if (it == adjoints_.end() || it->second.empty()) {
      // Nothing seeded depends on it: zeros.
      std::string params;
      std::string index;
      for (std::size_t d = 0; d < c.rank(); ++d) {
        const std::string p = "_d" + std::to_string(d);
        params += (d ? ", " : "") + p + "=0:" + c.shape[d].str();
        index += (d ? ", " : "") + p;
      }
      if (c.rank() == 0) {
        params = "_d0=0:1";
        index = "";
      }
      gb.mapped_tasklet(grad + "_zero", params, {}, "y = " + ops::literal(c.dtype, 0.0) + ";",
                        {{"y", grad, index}});
      return;
    }
    const std::vector<std::string> parts = it->second;
    const std::string op = parts.size() == 1 ? "Identity" : "Sum";
    // Sources first: finding one may add an Access node, which would move a node reference.
    std::vector<ir::NodeId> sources;
    std::vector<std::string> connectors;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      sources.push_back(value_node(program_, state_, parts[k]));
      connectors.push_back("in" + std::to_string(k));
    }
    const ir::NodeId n =
        gb.graph().add_node(ir::LibraryNode{grad, op, connectors, {"out0"}, {}, "pure"});
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const ir::ContainerId part = *program_.find_container(parts[k]);
      gb.graph().add_edge(sources[k], "", n, connectors[k],
                          ir::whole_memlet(part, program_.containers[part].shape));
    }
    const ir::ContainerId out_id = *program_.find_container(grad);
    const ir::NodeId out = gb.graph().add_node(ir::AccessNode{out_id});
    gb.graph().add_edge(n, "out0", out, "",
                        ir::whole_memlet(out_id, program_.containers[out_id].shape));
  }

  ir::Program& program_;
  const BackwardRequest& request_;
  ir::StateId state_;
  std::set<ir::ContainerId> depends_;
  std::set<ir::ContainerId> needed_;
  std::map<std::string, std::vector<std::string>> adjoints_;  // value -> contributions
};

}  // namespace

void append_backward(ir::Program& program, const BackwardRequest& request) {
  ir::Program work = program;
  ReverseMode(work, request).run();
  program = std::move(work);
}

}  // namespace sluice::autodiff
