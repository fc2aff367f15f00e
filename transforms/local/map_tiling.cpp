// map-tiling (tier 1): strip-mines one parameter of a map: `i = b:e:s` becomes an outer
// `i_tile = b:e:tile*s` around an inner map `i = i_tile:min(i_tile + tile*s, e):s` that holds
// the original body, unchanged (it still reads `i`). Tiles are what local storage copies and
// what keeps a working set in cache.

#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

class MapTiling final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "map-tiling"; }
  [[nodiscard]] int tier() const override { return 1; }
  [[nodiscard]] std::string_view description() const override {
    return "Tile one parameter of a map (by position, from 0): the map sweeps tiles of `tile` "
           "iterations and an inner sequential map sweeps each tile, holding the original body. "
           "The last tile is clipped to the range. Refused when the range is not longer than "
           "one tile.";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {{"dim", ParamType::Int, std::int64_t{0}, "position of the parameter to tile", {}},
            {"tile", ParamType::Int, std::int64_t{32}, "iterations per tile", {}}};
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    const auto dim = param_int(params, "dim");
    const auto tile = param_int(params, "tile");
    MatchResult result;
    for_each_scope(program, [&](const Scope& scope, const ir::Graph& g) {
      for (const ir::NodeId n : inner_maps(g)) {
        const auto& map = g.get<ir::MapNode>(n);
        Match m = make_match(scope, {n}, "map '" + map.label + "'");
        if (tile < 2) {
          result.rejected.push_back({m, "tile " + std::to_string(tile) + " must be at least 2"});
          continue;
        }
        if (dim < 0 || dim >= static_cast<std::int64_t>(map.params.size())) {
          result.rejected.push_back(
              {m, "map '" + map.label + "' has no parameter at position " + std::to_string(dim)});
          continue;
        }
        const auto& p = map.params[dim];
        std::string why;
        const auto length = p.range.size().constant_value();
        if (length && *length <= tile)
          why = "'" + p.name + "' sweeps " + std::to_string(*length) +
                " iterations, not more than one tile of " + std::to_string(tile);
        if (!why.empty()) {
          result.rejected.push_back({m, why});
          continue;
        }
        m.description += ": tile '" + p.name + "' by " + std::to_string(tile);
        result.matches.push_back(std::move(m));
      }
    });
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& params) const override {
    const auto dim = static_cast<std::size_t>(param_int(params, "dim"));
    const ir::Expr tile = param_int(params, "tile");
    const ir::Graph& g = rewriter.graph(match.scope);
    ir::MapNode outer = g.get<ir::MapNode>(match.nodes[0]);
    const ir::MapParam p = outer.params[dim];
    std::set<std::string> taken;
    for (const auto& q : outer.params) taken.insert(q.name);
    const std::string tile_name = fresh_name(rewriter.program(), taken, p.name + "_tile");
    const ir::Expr start = ir::Expr::symbol(tile_name);
    const ir::Expr stride = tile * p.range.step;

    ir::MapNode inner = outer;
    inner.label = outer.label + "_tile";
    inner.schedule = ir::Schedule::Sequential;
    inner.params = {{p.name, {start, ir::min(start + stride, p.range.end), p.range.step}}};
    outer.params[dim] = {tile_name, {p.range.begin, p.range.end, stride}};
    outer.body = wrap_in_body(rewriter.program(), g, match.nodes[0], std::move(inner));
    rewriter.replace_node(match.scope, match.nodes[0], std::move(outer));
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_map_tiling() { return std::make_shared<MapTiling>(); }

}  // namespace sluice::transforms
