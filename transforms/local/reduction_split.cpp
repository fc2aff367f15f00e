// reduction-split (tier 1): a map that sums over one of its parameters into a small result can
// only run in parallel over its other parameters. Splitting the reduced range into `parts`
// chunks, each summed into its own partial result, lets the chunks run in parallel; a second
// map adds the partial results up. (The partial buffer costs memory traffic; it pays when the
// result is too small to keep every core busy.)

#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

/// Moves every use of `from` in `graph` (recursively) to `to`, with one more index `extra`.
void to_partial(ir::Graph& graph, ir::ContainerId from, ir::ContainerId to,
                const std::string& from_name, const std::string& to_name, const ir::Expr& extra) {
  for (const ir::EdgeId e : graph.edge_ids()) {
    ir::Edge edge = graph.edge(e);
    bool changed = false;
    if (edge.memlet.data == from) {
      edge.memlet.data = to;
      edge.memlet.subset.push_back(ir::Range::index(extra));
      changed = true;
    }
    for (std::string* conn : {&edge.src_conn, &edge.dst_conn})
      if (*conn == from_name && !conn->empty()) {
        *conn = to_name;
        changed = true;
      }
    if (!changed) continue;
    graph.remove_edge(e);
    graph.insert_edge_at(e, std::move(edge));
  }
  for (const ir::NodeId n : graph.node_ids()) {
    ir::Node& node = graph.node(n);
    if (auto* a = std::get_if<ir::AccessNode>(&node); a && a->data == from) a->data = to;
    if (auto* map = std::get_if<ir::MapNode>(&node)) {
      std::replace(map->outputs.begin(), map->outputs.end(), from_name, to_name);
      to_partial(*map->body, from, to, from_name, to_name, extra);
    }
  }
}

bool all_sums(const ir::Graph& body, ir::ContainerId c) {
  for (const ir::EdgeId e : body.edge_ids()) {
    const ir::Memlet& m = body.edge(e).memlet;
    if (m.data == c && std::holds_alternative<ir::AccessNode>(body.node(body.edge(e).dst)) &&
        m.wcr != ir::WriteConflict::Sum)
      return false;
  }
  for (const ir::NodeId n : inner_maps(body))
    if (!all_sums(*body.get<ir::MapNode>(n).body, c)) return false;
  return true;
}

bool written_by(const ir::Graph& body, ir::ContainerId c, const std::string& param) {
  for (const ir::Memlet* w : conflicting_writes(body))
    if (w->data == c && mentions(w->subset, param)) return true;
  return false;
}

class ReductionSplit final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "reduction-split"; }
  [[nodiscard]] int tier() const override { return 1; }
  [[nodiscard]] std::string_view description() const override {
    return "Split the range a top-level map sums over (its parameter at position `dim`, -1: the "
           "last) into `parts` chunks that accumulate into partial results in parallel; a second "
           "map adds the partial results into the original one.";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"dim", ParamType::Int, std::int64_t{-1}, "position of the reduced parameter", {}},
            {"parts", ParamType::Int, std::int64_t{4}, "number of partial results", {}}};
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    const auto parts = param_int(params, "parts");
    MatchResult result;
    for (const ir::StateId s : program.states.ids()) {
      const ir::Graph& g = program.states[s].graph;
      for (const ir::NodeId n : inner_maps(g)) {
        const auto& map = g.get<ir::MapNode>(n);
        if (g.out_edges(n).size() != 1) continue;
        const ir::Memlet& out = g.edge(g.out_edges(n).front()).memlet;
        if (out.wcr != ir::WriteConflict::Sum) continue;  // not a reduction: no candidate
        Match m = make_match({s, {}}, {n}, "map '" + map.label + "'");
        auto dim = param_int(params, "dim");
        if (dim < 0) dim += static_cast<std::int64_t>(map.params.size());
        std::string why;
        const std::string& c = program.containers[out.data].name;
        if (parts < 2)
          why = "parts must be at least 2";
        else if (dim < 0 || dim >= static_cast<std::int64_t>(map.params.size()))
          why = "map '" + map.label + "' has no parameter at that position";
        else if (written_by(*map.body, out.data, map.params[dim].name))
          why = "'" + map.params[dim].name + "' indexes the result '" + c +
                "': the map does not sum over it";
        else if (!all_sums(*map.body, out.data))
          why = "map '" + map.label + "' writes '" + c + "' other than by summing";
        if (why.empty())
          result.matches.push_back(std::move(m));
        else
          result.rejected.push_back({std::move(m), why});
      }
    }
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& params) const override {
    const Scope& scope = match.scope;
    const ir::NodeId map_id = match.nodes[0];
    const ir::Graph& g = rewriter.graph(scope);
    const ir::MapNode original = g.get<ir::MapNode>(map_id);
    auto dim = static_cast<std::size_t>(param_int(params, "dim") < 0
                                            ? param_int(params, "dim") +
                                                  static_cast<std::int64_t>(original.params.size())
                                            : param_int(params, "dim"));
    const std::int64_t parts = param_int(params, "parts");
    const ir::EdgeId out_edge = g.out_edges(map_id).front();
    const ir::NodeId result_node = g.edge(out_edge).dst;
    const ir::ContainerId result = g.edge(out_edge).memlet.data;
    const ir::Container result_container = rewriter.program().containers[result];

    // Names: the chunk index, the partial buffer, the parameters over the result.
    std::set<std::string> taken;
    for (const auto& p : original.params) taken.insert(p.name);
    const std::string chunk =
        fresh_name(rewriter.program(), taken, original.params[dim].name + "_part");
    taken.insert(chunk);
    std::vector<std::string> over;
    for (std::size_t d = 0; d < result_container.rank(); ++d) {
      over.push_back(fresh_name(rewriter.program(), taken, "_r" + std::to_string(d)));
      taken.insert(over.back());
    }
    ir::Container partial = result_container;
    partial.name = fresh_name(rewriter.program(), {}, result_container.name + "_partial");
    partial.kind = ir::ContainerKind::Array;
    partial.view.reset();
    partial.shape.push_back(parts);
    partial.strides = ir::contiguous_strides(partial.shape);
    partial.offset = 0;
    partial.transient = true;
    partial.lifetime = ir::Lifetime::Scope;
    const std::string partial_name = partial.name;
    const ir::ContainerId partial_id = rewriter.add_container(std::move(partial));

    ir::Subset whole_result;
    for (const auto& d : result_container.shape) whole_result.push_back({0, d, 1});
    ir::Subset whole_partial = whole_result;
    whole_partial.push_back({0, parts, 1});
    ir::Subset point;
    for (const auto& p : over) point.push_back(ir::Range::index(ir::Expr::symbol(p)));
    ir::Subset partial_point = point;
    partial_point.push_back(ir::Range::index(ir::Expr::symbol(chunk)));
    const auto memlet = [&](ir::ContainerId c, ir::Subset subset, ir::WriteConflict wcr) {
      ir::Memlet m;
      m.data = c;
      m.volume = ir::subset_size(subset);
      m.subset = std::move(subset);
      m.wcr = wcr;
      return m;
    };
    std::vector<ir::MapParam> point_params;
    for (std::size_t d = 0; d < over.size(); ++d)
      point_params.push_back({over[d], whole_result[d]});
    point_params.push_back({chunk, {0, parts, 1}});

    // 1. Zero the partial results.
    ir::MapNode zero{
        original.label + "_zero", point_params, original.schedule, {}, {partial_name}, {}};
    {
      ir::Graph& body = *zero.body;
      const auto t =
          body.add_node(ir::TaskletNode{"zero", {}, {"z"}, ir::parse_tasklet("z = 0.0;")});
      const auto a = body.add_node(ir::AccessNode{partial_id});
      body.add_edge(t, "z", a, "", memlet(partial_id, partial_point, ir::WriteConflict::None));
    }
    const ir::NodeId zero_id = rewriter.add_node(scope, std::move(zero));
    const ir::NodeId zeroed = rewriter.add_node(scope, ir::AccessNode{partial_id});
    rewriter.add_edge(scope, {zero_id, partial_name, zeroed, "",
                              memlet(partial_id, whole_partial, ir::WriteConflict::None)});

    // 2. The map sums each chunk into its partial result.
    const ir::MapParam reduced = original.params[dim];
    const ir::Expr q = ir::Expr::symbol(chunk);
    const ir::Expr length = reduced.range.end - reduced.range.begin;
    const ir::Expr per_part = ir::floordiv(length + (parts - 1), parts);
    ir::MapNode inner = original;
    inner.label = original.label + "_chunk";
    inner.schedule = ir::Schedule::Sequential;
    inner.params = {{reduced.name,
                     {reduced.range.begin + q * per_part,
                      ir::min(reduced.range.begin + (q + 1) * per_part, reduced.range.end),
                      reduced.range.step}}};
    to_partial(*inner.body, result, partial_id, result_container.name, partial_name, q);
    std::replace(inner.outputs.begin(), inner.outputs.end(), result_container.name, partial_name);
    ir::MapNode outer = original;
    outer.params[dim] = {chunk, {0, parts, 1}};
    outer.outputs = inner.outputs;
    {
      ir::Graph body;
      const auto inner_id = body.add_node(std::move(inner));
      for (const ir::EdgeId e : g.in_edges(map_id)) {
        const ir::Edge& edge = g.edge(e);
        if (edge.memlet.empty()) continue;
        const auto a = body.add_node(ir::AccessNode{edge.memlet.data});
        body.add_edge(a, "", inner_id, edge.dst_conn, edge.memlet);
      }
      ir::Subset chunk_partial = whole_result;
      chunk_partial.push_back(ir::Range::index(q));
      const auto a = body.add_node(ir::AccessNode{partial_id});
      body.add_edge(inner_id, partial_name, a, "",
                    memlet(partial_id, chunk_partial, ir::WriteConflict::Sum));
      outer.body = std::move(body);
    }
    rewriter.remove_edge(scope, out_edge);
    rewriter.replace_node(scope, map_id, std::move(outer));
    rewriter.add_edge(scope, {zeroed, "", map_id, "", ir::Memlet{}});
    const ir::NodeId summed = rewriter.add_node(scope, ir::AccessNode{partial_id});
    rewriter.add_edge(scope, {map_id, partial_name, summed, "",
                              memlet(partial_id, whole_partial, ir::WriteConflict::Sum)});

    // 3. Add the partial results into the original result.
    ir::MapNode combine{original.label + "_combine", point_params,
                        original.schedule,           {partial_name},
                        {result_container.name},     {}};
    {
      ir::Graph& body = *combine.body;
      const auto t =
          body.add_node(ir::TaskletNode{"combine", {"p"}, {"c"}, ir::parse_tasklet("c = p;")});
      const auto in = body.add_node(ir::AccessNode{partial_id});
      const auto out = body.add_node(ir::AccessNode{result});
      body.add_edge(in, "", t, "p", memlet(partial_id, partial_point, ir::WriteConflict::None));
      body.add_edge(t, "c", out, "", memlet(result, point, ir::WriteConflict::Sum));
    }
    const ir::NodeId combine_id = rewriter.add_node(scope, std::move(combine));
    rewriter.add_edge(scope, {summed, "", combine_id, partial_name,
                              memlet(partial_id, whole_partial, ir::WriteConflict::None)});
    ir::Memlet into = memlet(result, whole_result, ir::WriteConflict::Sum);
    into.volume = ir::subset_size(whole_partial);
    rewriter.add_edge(scope, {combine_id, result_container.name, result_node, "", into});
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_reduction_split() {
  return std::make_shared<ReductionSplit>();
}

}  // namespace sluice::transforms
