#pragma once
/// Index arithmetic that knows the ranges of map parameters: what composing two maps' subsets
/// (map-fusion) or reading a copy's addresses (redundant-copy-elimination) needs.
///
///   IndexRanges r;
///   add_param_ranges(map.params, r);                        // _d1 in [0, 15], _d2 in [0, 63]
///   simplify_indices(parse_expr("floordiv(64*_d1 + _d2, 256)"), r)   // floordiv(_d1, 4)
///
/// The canonical simplifier of ir/expr.h knows nothing of ranges, so `floordiv(64*j + d, 256)`
/// stays as written even where `0 <= d < 64` makes it `floordiv(j, 4)`. This adds the rules that
/// need ranges; every rule holds for all values inside them.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/expr.h"
#include "ir/graph.h"

namespace sluice::transforms {

/// The values integer names (map parameters) take; names not listed are unbounded.
using IndexRanges = std::map<std::string, ir::Interval>;

/// Adds the ranges of `params` (a parameter with a symbolic range gets the widest bounds that
/// the earlier entries of `ranges` allow).
void add_param_ranges(const std::vector<ir::MapParam>& params, IndexRanges& ranges);

/// `e` simplified inside `ranges`:
///  - floordiv(x, d) / mod(x, d) for a constant d > 0 whose value is decided by the bounds of x;
///  - floordiv(g*a + r, d) = floordiv(a, d/g) and mod(g*a + r, d) = g*mod(a, d/g) + r, where g
///    divides d and 0 <= r < g;
///  - a*k*floordiv(x, k) + a*mod(x, k) = a*x;
///  - min/max of operands whose order the bounds decide.
ir::Expr simplify_indices(const ir::Expr& e, const IndexRanges& ranges);

/// `e` as `constant + sum(coefficient[name] * name)` over `names` when it is affine in them
/// (coefficients free of `names`, which may be symbolic); nullopt otherwise.
struct Affine {
  ir::Expr constant;
  std::map<std::string, ir::Expr> coefficients;  ///< Only names with a non-zero coefficient.
};
std::optional<Affine> affine_in(const ir::Expr& e, const std::vector<std::string>& names);

}  // namespace sluice::transforms
