// local-storage (tier 1): before an inner map runs, copies the part of a container it reads into
// a small transient on the stack, and has the inner map read the copy: the tile is fetched once,
// contiguously, and stays close to the computation (what a GPU kernel does with shared memory).

#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

/// Re-bases every memlet on `from` in `graph` (recursively) onto `to`, shifted by `origin`.
void retarget(ir::Graph& graph, ir::ContainerId from, ir::ContainerId to,
              const std::string& to_name, const std::string& from_name,
              const std::vector<ir::Expr>& origin) {
  for (const ir::EdgeId e : graph.edge_ids()) {
    ir::Memlet& m = graph.memlet(e);
    if (m.data != from) continue;
    m.data = to;
    for (std::size_t d = 0; d < m.subset.size(); ++d) {
      m.subset[d].begin = m.subset[d].begin - origin[d];
      m.subset[d].end = m.subset[d].end - origin[d];
    }
  }
  for (const ir::NodeId n : graph.node_ids()) {
    ir::Node& node = graph.node(n);
    if (auto* a = std::get_if<ir::AccessNode>(&node); a && a->data == from) a->data = to;
    if (auto* map = std::get_if<ir::MapNode>(&node)) {
      std::replace(map->inputs.begin(), map->inputs.end(), from_name, to_name);
      retarget(*map->body, from, to, to_name, from_name, origin);
    }
  }
  for (const ir::EdgeId e : graph.edge_ids()) {
    const ir::Edge& edge = graph.edge(e);
    if (edge.dst_conn != from_name || !std::holds_alternative<ir::MapNode>(graph.node(edge.dst)))
      continue;
    ir::Edge renamed = edge;
    renamed.dst_conn = to_name;
    graph.remove_edge(e);
    graph.insert_edge_at(e, std::move(renamed));
  }
}

class LocalStorage final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "local-storage"; }
  [[nodiscard]] int tier() const override { return 1; }
  [[nodiscard]] std::string_view description() const override {
    return "Copy the tile of a container that an inner map reads into a transient on the stack "
           "before the inner map runs, and have the inner map read the copy. The tile must have "
           "a constant size of at most `max_elements` and not be written in the enclosing map.";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"max_elements", ParamType::Int, std::int64_t{4096}, "largest tile to copy", {}}};
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    const auto max = param_int(params, "max_elements");
    MatchResult result;
    for_each_scope(program, [&](const Scope& scope, const ir::Graph& g) {
      if (scope.maps.empty()) return;  // the body of a map: where the copy would go
      std::set<ir::ContainerId> written;
      for (const ir::EdgeId e : g.edge_ids())
        if (std::holds_alternative<ir::AccessNode>(g.node(g.edge(e).dst)))
          written.insert(g.edge(e).memlet.data);
      for (const ir::NodeId n : inner_maps(g)) {
        for (const ir::EdgeId e : g.in_edges(n)) {
          const ir::Edge& edge = g.edge(e);
          if (edge.memlet.empty() || !std::holds_alternative<ir::AccessNode>(g.node(edge.src)))
            continue;
          const ir::Container& c = program.containers[edge.memlet.data];
          Match m = make_match(scope, {n, edge.src},
                               "'" + c.name + "' into map '" + g.get<ir::MapNode>(n).label + "'");
          const auto size = ir::subset_size(edge.memlet.subset).constant_value();
          const std::string tile = c.name + "[" + ir::subset_str(edge.memlet.subset) + "]";
          std::string why;
          if (!size)
            why = tile + " does not have a constant size";
          else if (*size > max)
            why = tile + " holds " + std::to_string(*size) +
                  " elements, more than max_elements=" + std::to_string(max);
          else if (*size < 2)
            why = tile + " is a single element";
          else if (written.contains(edge.memlet.data))
            why = "'" + c.name + "' is written in the enclosing map";
          for (const auto& r : edge.memlet.subset)
            if (why.empty() && !(r.step == ir::Expr(1))) why = tile + " is strided";
          if (why.empty())
            result.matches.push_back(std::move(m));
          else
            result.rejected.push_back({std::move(m), why});
        }
      }
    });
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& /*params*/) const override {
    const Scope& scope = match.scope;
    const ir::NodeId inner = match.nodes[0];
    const ir::NodeId source = match.nodes[1];
    const ir::Graph& g = rewriter.graph(scope);
    ir::EdgeId feed;
    for (const ir::EdgeId e : g.in_edges(inner))
      if (g.edge(e).src == source) feed = e;
    const ir::Memlet tile = g.edge(feed).memlet;
    const ir::Container& original = rewriter.program().containers[tile.data];
    const std::string original_name = original.name;

    ir::Container local;
    std::set<std::string> taken;
    local.name = fresh_name(rewriter.program(), taken, original.name + "_local");
    local.dtype = original.dtype;
    std::vector<ir::Expr> origin;
    ir::Subset whole;
    for (const auto& r : tile.subset) {
      local.shape.push_back(r.size());
      origin.push_back(r.begin);
      whole.push_back({0, r.size(), 1});
    }
    local.strides = ir::contiguous_strides(local.shape);
    local.storage = ir::Storage::HostStack;
    local.lifetime = ir::Lifetime::Scope;
    local.transient = true;
    const std::string local_name = local.name;
    const ir::ContainerId local_id = rewriter.add_container(std::move(local));

    ir::MapNode map = g.get<ir::MapNode>(inner);
    retarget(*map.body, tile.data, local_id, local_name, original_name, origin);
    std::replace(map.inputs.begin(), map.inputs.end(), original_name, local_name);

    const ir::NodeId copy = rewriter.add_node(scope, ir::AccessNode{local_id});
    ir::Memlet fetch = tile;
    fetch.other_subset = whole;
    rewriter.add_edge(scope, {source, "", copy, "", fetch});
    ir::Memlet read = tile;
    read.data = local_id;
    read.subset = whole;
    rewriter.remove_edge(scope, feed);
    rewriter.replace_node(scope, inner, std::move(map));
    rewriter.add_edge(scope, {copy, "", inner, local_name, read});
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_local_storage() {
  return std::make_shared<LocalStorage>();
}

}  // namespace sluice::transforms
