// gpu-map (tier 1): runs a top-level map on the GPU. The map's schedule becomes `gpu_grid` (the
// CUDA generator makes it one kernel: a grid-stride loop over all of its parameters, flattened,
// `block_size` threads a block), and the arrays it reads or writes get GPU-global storage.
// Writes that two iterations combine into one element (sums over a parameter) become atomics
// in the kernel, so only the conflicts the generator has atomics for are accepted.

#include <set>

#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

/// True when updates through `m` at distinct values of `params` touch distinct elements: each
/// parameter is the index of a dimension of its own (the code generator's rule, so a match here
/// needs no atomic there).
bool distinct_per(const ir::Memlet& m, const std::vector<ir::MapParam>& params) {
  std::set<std::size_t> taken;
  for (const ir::MapParam& p : params) {
    bool found = false;
    for (std::size_t d = 0; d < m.subset.size() && !found; ++d) {
      const ir::Range& r = m.subset[d];
      if (taken.contains(d) || !r.is_index() || !mentions(r.begin, p.name)) continue;
      const ir::Expr rest = r.begin - ir::Expr::symbol(p.name);
      bool other = false;
      for (const ir::MapParam& q : params) other = other || mentions(rest, q.name);
      if (other) continue;
      taken.insert(d);
      found = true;
    }
    if (!found) return false;
  }
  return true;
}

/// Why the CUDA generator has no atomic for this combination, or empty when it has one.
std::string unsupported_atomic(const ir::Program& program, const ir::Memlet& m) {
  const ir::Container& c = program.containers[m.data];
  const ir::DType t = c.dtype;
  const bool wide_float = t == ir::DType::f32 || t == ir::DType::f64;
  const bool wide_int = t == ir::DType::i32 || t == ir::DType::i64;
  if (m.wcr == ir::WriteConflict::Sum && (wide_float || wide_int)) return "";
  if (m.wcr != ir::WriteConflict::Sum && wide_float) return "";  // max, min, product: CAS loops
  return "iterations combine into the same element of '" + c.name + "' (" +
         std::string(ir::dtype_name(t)) + "), and the CUDA generator has atomics only for sums " +
         "of f32/f64/i32/i64 and max/min/product of f32/f64";
}

/// Why the body cannot run inside one GPU thread, or empty.
std::string unsupported_body(const ir::Graph& g) {
  for (const ir::NodeId n : g.node_ids()) {
    const ir::Node& node = g.node(n);
    if (const auto* inner = std::get_if<ir::MapNode>(&node)) {
      if (std::string why = unsupported_body(*inner->body); !why.empty()) return why;
    } else if (!std::holds_alternative<ir::AccessNode>(node) &&
               !std::holds_alternative<ir::TaskletNode>(node)) {
      return "the body holds " + std::string(ir::node_kind_name(node)) + " '" +
             ir::node_label(node) + "' (expand it first)";
    }
  }
  return "";
}

void collect_containers(const ir::Graph& g, std::set<ir::ContainerId>& out) {
  for (const ir::EdgeId e : g.edge_ids())
    if (!g.edge(e).memlet.empty()) out.insert(g.edge(e).memlet.data);
  for (const ir::NodeId n : g.node_ids())
    if (const auto* inner = std::get_if<ir::MapNode>(&g.node(n)))
      collect_containers(*inner->body, out);
}

class GpuMap final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "gpu-map"; }
  [[nodiscard]] int tier() const override { return 1; }
  [[nodiscard]] std::string_view description() const override {
    return "Run a top-level map on the GPU: one kernel whose threads (block_size a block) sweep "
           "its parameters, flattened, in a grid-stride loop; the arrays it touches move to GPU "
           "global memory. Sums that iterations share become atomics.";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"block_size",
             ParamType::Int,
             std::int64_t{256},
             "threads per block (a multiple of 32, at most 1024)",
             {}}};
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    const std::int64_t block = param_int(params, "block_size");
    MatchResult result;
    for_each_scope(program, [&](const Scope& scope, const ir::Graph& g) {
      for (const ir::NodeId n : inner_maps(g)) {
        const auto& map = g.get<ir::MapNode>(n);
        Match m = make_match(scope, {n}, "map '" + map.label + "'");
        if (map.schedule == ir::Schedule::GpuGrid) continue;
        std::string why;
        if (!scope.maps.empty())
          why = "map '" + map.label +
                "' is nested in another map: only a top-level map becomes a GPU grid";
        if (why.empty() && (block < 32 || block > 1024 || block % 32 != 0))
          why = "block_size " + std::to_string(block) +
                " is not a multiple of 32 between 32 and 1024";
        for (std::size_t i = 0; i < map.params.size() && why.empty(); ++i)
          for (const ir::MapParam& q : map.params)
            for (const ir::Expr* x :
                 {&map.params[i].range.begin, &map.params[i].range.end, &map.params[i].range.step})
              if (why.empty() && mentions(*x, q.name))
                why = "the range of '" + map.params[i].name + "' depends on '" + q.name +
                      "': the grid flattens only independent ranges";
        if (why.empty()) why = unsupported_body(*map.body);
        for (const ir::Memlet* w : conflicting_writes(*map.body))
          if (why.empty() && !distinct_per(*w, map.params)) why = unsupported_atomic(program, *w);
        if (!why.empty()) {
          result.rejected.push_back({m, why});
          continue;
        }
        m.description += ": a GPU grid of " + std::to_string(block) + "-thread blocks";
        result.matches.push_back(std::move(m));
      }
    });
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& params) const override {
    ir::MapNode map = rewriter.graph(match.scope).get<ir::MapNode>(match.nodes[0]);
    map.schedule = ir::Schedule::GpuGrid;
    map.block_size = param_int(params, "block_size");
    std::set<ir::ContainerId> touched;
    collect_containers(*map.body, touched);
    const ir::Graph& g = rewriter.graph(match.scope);
    for (const ir::EdgeId e : g.in_edges(match.nodes[0])) touched.insert(g.edge(e).memlet.data);
    for (const ir::EdgeId e : g.out_edges(match.nodes[0])) touched.insert(g.edge(e).memlet.data);
    rewriter.replace_node(match.scope, match.nodes[0], std::move(map));
    const ir::Program& program = rewriter.program();
    std::set<ir::ContainerId> roots;
    for (ir::ContainerId id : touched) {
      if (!id.valid() || !program.containers.contains(id)) continue;
      int guard = 0;
      while (program.containers[id].view && guard++ < 64) id = program.containers[id].view->source;
      roots.insert(id);
    }
    for (const ir::ContainerId id : roots) {
      ir::Container c = program.containers[id];
      // Per-thread values (scalars, registers) stay where they are: each thread has its own.
      if (c.kind == ir::ContainerKind::Scalar || c.storage == ir::Storage::Register ||
          c.storage == ir::Storage::GpuGlobal)
        continue;
      c.storage = ir::Storage::GpuGlobal;
      rewriter.replace_container(id, std::move(c));
    }
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_gpu_map() { return std::make_shared<GpuMap>(); }

}  // namespace sluice::transforms
