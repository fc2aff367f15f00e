// mixed-precision (tier 4): activations and activation gradients are stored in bf16 (or f16);
// master weights, optimizer state, parameter gradients, the loss and the program's arguments
// stay f32; sums accumulate in f32.
//
// A training step moves its activations twice (written in the forward, read in the backward)
// and their gradients once more; storing them in 16 bits halves those bytes. What must keep
// f32 is what persists or is small and sensitive: the parameters and the optimizer's moments
// (a 16-bit weight cannot take an update of lr * g, much smaller than its last bit), and the
// gradients the optimizer reads. In the IR those are exactly the non-transient containers (the
// model's buffers and arguments), so the rule is: an f32 transient that only library nodes
// touch becomes dtype storage. Then each library node computes in the precision of what it
// writes: a node whose float outputs are all 16-bit reads 16-bit copies of its f32 inputs (a
// Cast node, shared by readers of one Access node); a node that writes an f32 container (the
// loss, a parameter gradient) reads f32 copies of its 16-bit inputs, so the loss and weight
// gradients are computed from the stored activations with f32 arithmetic. A node with outputs
// of both kinds computes in f32 and casts its 16-bit outputs down.
//
// Sums stay f32: the expansions' reduction maps accumulate into 16-bit outputs through an f32
// transient (ops/low_precision_sums.h), and the tasklets compute 16-bit values in float.

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "transforms/aliasing.h"
#include "transforms/builtins.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

using ir::ContainerId;
using ir::EdgeId;
using ir::Graph;
using ir::NodeId;

std::string quoted(const std::string& s) { return "'" + s + "'"; }

/// Ops whose expansion ties a float dtype to an attribute or to another input (Cast, CastLike,
/// the constant makers), and the optimizer updates, which own master weights: their containers
/// keep their dtype.
bool keeps_dtypes(const std::string& op) {
  static const std::set<std::string> kOps{"AdamUpdate",      "AdamWUpdate", "Cast",  "CastLike",
                                          "ConstantOfShape", "EyeLike",     "Range", "SgdUpdate",
                                          "Shape",           "Size"};
  return kOps.contains(op);
}

/// The ONNX TensorProto data type of a float dtype (Cast's `to`).
std::int64_t onnx_type(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::f16: return 10;
    case ir::DType::bf16: return 16;
    default: return 1;
  }
}

bool whole(const ir::Program& program, const ir::Memlet& m) {
  const ir::Container& c = program.containers[m.data];
  if (m.subset.size() != c.rank()) return false;
  for (std::size_t d = 0; d < c.rank(); ++d)
    if (!(m.subset[d].begin == ir::Expr(0)) || !(m.subset[d].end == c.shape[d]) ||
        !(m.subset[d].step == ir::Expr(1)))
      return false;
  return true;
}

/// A Cast the conversion needs: on an input edge (from the Access node the node reads) or on an
/// output edge (to the Access node it writes), to dtype `to`.
struct CastSite {
  ir::StateId state;
  NodeId node;  ///< the library node
  EdgeId edge;
  bool input = true;
  ir::DType to = ir::DType::f32;
};

/// What the transformation would do to a program.
struct Plan {
  std::set<ContainerId> lowered;            ///< f32 transients that become 16-bit
  std::map<ContainerId, std::string> kept;  ///< f32 transients that stay f32, and why
  std::vector<CastSite> casts;              ///< in state, node, edge order
  std::size_t cast_nodes = 0;               ///< after sharing input casts per Access node
};

ir::DType dtype_after(const ir::Program& program, const Plan& plan, ContainerId c, ir::DType low) {
  return plan.lowered.contains(c) ? low : program.containers[c].dtype;
}

bool converts(ir::DType d) {
  return d == ir::DType::f32 || d == ir::DType::f16 || d == ir::DType::bf16;
}

/// The precision a library node computes in once `plan.lowered` is stored in `low`: that of
/// what it writes (16-bit only when every float output is), or nullopt when the node touches no
/// lowered container.
std::optional<ir::DType> compute_dtype(const ir::Program& program, const Graph& g, NodeId n,
                                       const Plan& plan, ir::DType low) {
  bool touches = false;
  bool any_float_out = false;
  bool all_out_low = true;
  for (const EdgeId e : g.out_edges(n)) {
    const ir::Memlet& m = g.edge(e).memlet;
    if (m.empty()) continue;
    touches = touches || plan.lowered.contains(m.data);
    const ir::DType d = dtype_after(program, plan, m.data, low);
    if (!converts(d)) continue;
    any_float_out = true;
    all_out_low = all_out_low && d == low;
  }
  for (const EdgeId e : g.in_edges(n)) {
    const ir::Memlet& m = g.edge(e).memlet;
    if (!m.empty()) touches = touches || plan.lowered.contains(m.data);
  }
  if (!touches) return std::nullopt;
  return (!any_float_out || all_out_low) ? low : ir::DType::f32;
}

Plan make_plan(const ir::Program& program, ir::DType low) {
  Plan plan;
  const auto aliased = viewed(program);
  // Containers touched by anything but a library node's whole-container read or write.
  std::map<ContainerId, std::string> excluded;
  std::function<void(const Graph&, const std::string&)> exclude_all = [&](const Graph& body,
                                                                          const std::string& by) {
    for (const EdgeId e : body.edge_ids())
      if (!body.edge(e).memlet.empty()) excluded.emplace(body.edge(e).memlet.data, by);
    for (const NodeId n : body.node_ids()) {
      if (const auto* a = std::get_if<ir::AccessNode>(&body.node(n))) excluded.emplace(a->data, by);
      if (const auto* m = std::get_if<ir::MapNode>(&body.node(n))) exclude_all(*m->body, by);
    }
  };
  std::set<ContainerId> seen;
  for (const ir::StateId s : program.states.ids()) {
    const Graph& g = program.states[s].graph;
    for (const EdgeId e : g.edge_ids()) {
      const ir::Edge& edge = g.edge(e);
      if (edge.memlet.empty()) continue;
      seen.insert(edge.memlet.data);
      const ir::Node& src = g.node(edge.src);
      const ir::Node& dst = g.node(edge.dst);
      const ir::Node& other = std::holds_alternative<ir::AccessNode>(src) ? dst : src;
      const std::string label = quoted(ir::node_label(other));
      if (const auto* lib = std::get_if<ir::LibraryNode>(&other)) {
        if (keeps_dtypes(lib->op))
          excluded.emplace(edge.memlet.data, label + " (" + lib->op + ") fixes its dtype");
        else if (!whole(program, edge.memlet))
          excluded.emplace(edge.memlet.data, label + " reads or writes part of it");
      } else {
        excluded.emplace(edge.memlet.data, label + " is not a library node");
      }
    }
    for (const NodeId n : g.node_ids())
      if (const auto* m = std::get_if<ir::MapNode>(&g.node(n)))
        exclude_all(*m->body, "the map " + quoted(m->label) + " uses it");
  }
  for (const ContainerId c : seen) {
    const ir::Container& x = program.containers[c];
    if (x.dtype != ir::DType::f32 || !x.transient) continue;
    if (x.view || aliased.contains(c)) {
      plan.kept[c] = "it is a view or viewed";
    } else if (const auto it = excluded.find(c); it != excluded.end()) {
      plan.kept[c] = it->second;
    } else {
      plan.lowered.insert(c);
    }
  }
  // The Casts; a node that would need one on a partial memlet keeps its containers f32 (to a
  // fixpoint: keeping one may change another node's precision).
  for (bool changed = true; changed;) {
    changed = false;
    plan.casts.clear();
    for (const ir::StateId s : program.states.ids()) {
      const Graph& g = program.states[s].graph;
      for (const NodeId n : g.node_ids()) {
        if (!std::holds_alternative<ir::LibraryNode>(g.node(n))) continue;
        const auto d = compute_dtype(program, g, n, plan, low);
        if (!d) continue;
        std::vector<CastSite> sites;
        bool partial = false;
        for (const bool input : {true, false})
          for (const EdgeId e : input ? g.in_edges(n) : g.out_edges(n)) {
            const ir::Memlet& m = g.edge(e).memlet;
            if (m.empty() || !converts(dtype_after(program, plan, m.data, low)) ||
                dtype_after(program, plan, m.data, low) == *d)
              continue;
            partial = partial || !whole(program, m);
            sites.push_back({s, n, e, input, *d});
          }
        if (!partial) {
          plan.casts.insert(plan.casts.end(), sites.begin(), sites.end());
          continue;
        }
        for (const bool input : {true, false})
          for (const EdgeId e : input ? g.in_edges(n) : g.out_edges(n))
            if (!g.edge(e).memlet.empty() && plan.lowered.erase(g.edge(e).memlet.data) > 0)
              plan.kept[g.edge(e).memlet.data] =
                  quoted(ir::node_label(g.node(n))) + " would need a Cast of part of a container";
        changed = true;
      }
    }
  }
  // Input casts from one Access node to one dtype are shared.
  std::set<std::tuple<ir::StateId, NodeId, ir::DType>> shared;
  for (const CastSite& c : plan.casts) {
    const ir::Graph& g = program.states[c.state].graph;
    if (!c.input || shared.insert({c.state, g.edge(c.edge).src, c.to}).second) ++plan.cast_nodes;
  }
  return plan;
}

/// "'a', 'b', 'c' and 4 more".
std::string some_names(const ir::Program& program, const std::set<ContainerId>& ids) {
  std::string out;
  std::size_t k = 0;
  for (const ContainerId c : ids) {
    if (k == 4) return out + " and " + std::to_string(ids.size() - k) + " more";
    out += (k == 0 ? "" : ", ") + quoted(program.containers[c].name);
    ++k;
  }
  return out;
}

class MixedPrecision final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "mixed-precision"; }
  [[nodiscard]] int tier() const override { return 4; }
  [[nodiscard]] std::string_view description() const override {
    return "Store the float32 transients (activations and activation gradients) in bf16 or f16, "
           "halving their bytes, while master weights stay f32: parameters, optimizer state, the "
           "gradients the optimizer reads, the loss and the program's inputs and outputs keep "
           "their dtype. Each library node computes in the precision it writes; Cast nodes make "
           "16-bit copies of f32 inputs and f32 copies of 16-bit inputs where they meet, and "
           "sums accumulate in f32. Applies to library-level programs (before expand).";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"dtype",
             ParamType::String,
             std::string("bf16"),
             "the storage type of activations: bf16 or f16",
             {}}};
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    MatchResult result;
    const std::string& spelled = param_string(params, "dtype");
    const Scope scope{program.start_state, {}};
    const auto low = ir::parse_dtype(spelled);
    if (!low || (*low != ir::DType::bf16 && *low != ir::DType::f16)) {
      result.rejected.push_back(
          {make_match(scope, {}, "store activations in " + spelled),
           "dtype=" + spelled +
               " is not a 16-bit float: mixed precision stores activations in bf16 or f16 and "
               "keeps f32 for master weights"});
      return result;
    }
    const Plan plan = make_plan(program, *low);
    if (plan.lowered.empty()) {
      std::string why =
          "nothing to convert: no float32 transient is read and written only by "
          "library nodes";
      if (!plan.kept.empty()) {
        const auto& [c, reason] = *plan.kept.begin();
        why += " (" + quoted(program.containers[c].name) + " stays: " + reason + ")";
      }
      result.rejected.push_back({make_match(scope, {}, "store activations in " + spelled), why});
      return result;
    }
    std::string what = "store " + std::to_string(plan.lowered.size()) + " float32 transient" +
                       (plan.lowered.size() == 1 ? "" : "s") + " in " + spelled + " (" +
                       some_names(program, plan.lowered) + "); " + std::to_string(plan.cast_nodes) +
                       " Cast node" + (plan.cast_nodes == 1 ? "" : "s") +
                       " where they meet f32 containers; parameters, optimizer state, "
                       "parameter gradients, the loss and arguments stay f32";
    if (!plan.kept.empty()) {
      std::set<ContainerId> kept;
      for (const auto& [c, reason] : plan.kept) kept.insert(c);
      what += "; kept f32: " + some_names(program, kept) + " (" +
              quoted(program.containers[plan.kept.begin()->first].name) + ": " +
              plan.kept.begin()->second + ")";
    }
    result.matches.push_back(make_match(scope, {}, what));
    return result;
  }

  void apply(Rewriter& rewriter, const Match& /*match*/, const ParamValues& params) const override {
    const ir::DType low = *ir::parse_dtype(param_string(params, "dtype"));
    const Plan plan = make_plan(rewriter.program(), low);
    for (const ContainerId c : plan.lowered) {
      ir::Container x = rewriter.program().containers[c];
      x.dtype = low;
      rewriter.replace_container(c, std::move(x));
    }
    // One transient per cast: a copy of the container in the node's precision.
    std::map<std::tuple<ir::StateId, NodeId, ir::DType>, ContainerId> input_copies;
    std::vector<ContainerId> copy_of(plan.casts.size());
    std::vector<bool> new_copy(plan.casts.size(), false);
    for (std::size_t k = 0; k < plan.casts.size(); ++k) {
      const CastSite& site = plan.casts[k];
      const Graph& g = rewriter.program().states[site.state].graph;
      const ir::Edge& edge = g.edge(site.edge);
      if (site.input)
        if (const auto it = input_copies.find({site.state, edge.src, site.to});
            it != input_copies.end()) {
          copy_of[k] = it->second;
          continue;
        }
      ir::Container copy = rewriter.program().containers[edge.memlet.data];
      copy.name =
          unique(rewriter.program(), copy.name + "_" + std::string(ir::dtype_name(site.to)));
      copy.dtype = site.to;
      copy.transient = true;
      copy.strides = ir::contiguous_strides(copy.shape);
      copy.offset = ir::Expr(0);
      copy.storage = ir::Storage::Default;
      copy_of[k] = rewriter.add_container(std::move(copy));
      new_copy[k] = true;
      if (site.input) input_copies[{site.state, edge.src, site.to}] = copy_of[k];
    }
    for (const ir::StateId s : rewriter.program().states.ids()) {
      if (std::none_of(plan.casts.begin(), plan.casts.end(),
                       [&](const CastSite& c) { return c.state == s; }))
        continue;  // only dtypes changed here (the update state reads no transient)
      rewriter.edit_state(s, [&](ir::Program& program) {
        Graph& g = program.states[s].graph;
        std::map<ContainerId, NodeId> copy_access;
        for (std::size_t k = 0; k < plan.casts.size(); ++k) {
          const CastSite& site = plan.casts[k];
          if (site.state != s) continue;
          ir::Edge edge = g.edge(site.edge);
          const ContainerId original = edge.memlet.data;
          const ContainerId copy = copy_of[k];
          const std::string& original_name = program.containers[original].name;
          if (new_copy[k]) {
            const NodeId a = g.add_node(ir::AccessNode{copy});
            copy_access[copy] = a;
            ir::LibraryNode cast{
                original_name + "/to_" + std::string(ir::dtype_name(site.to)),
                "Cast",
                {"in0"},
                {"out0"},
                {{"to", onnx_type(site.input ? site.to : program.containers[original].dtype)}},
                "pure"};
            const NodeId cn = g.add_node(std::move(cast));
            if (site.input) {
              g.add_edge(edge.src, "", cn, "in0", whole_memlet(program, original));
              g.add_edge(cn, "out0", a, "", whole_memlet(program, copy));
            } else {
              g.add_edge(a, "", cn, "in0", whole_memlet(program, copy));
              g.add_edge(cn, "out0", edge.dst, "", whole_memlet(program, original));
            }
          }
          g.remove_edge(site.edge);
          edge.memlet.data = copy;
          (site.input ? edge.src : edge.dst) = copy_access.at(copy);
          g.add_edge(std::move(edge));
        }
      });
    }
  }

private:
  static std::string unique(const ir::Program& program, const std::string& base) {
    std::string name = base;
    for (int k = 2; program.find_container(name); ++k) name = base + "_" + std::to_string(k);
    return name;
  }

  static ir::Memlet whole_memlet(const ir::Program& program, ContainerId id) {
    ir::Memlet m;
    m.data = id;
    for (const ir::Expr& d : program.containers[id].shape) m.subset.push_back({0, d, 1});
    m.volume = ir::subset_size(m.subset);
    return m;
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_mixed_precision() {
  return std::make_shared<MixedPrecision>();
}

}  // namespace sluice::transforms
