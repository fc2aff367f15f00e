#pragma once
/// Memlets: the edges of a dataflow graph, each saying exactly which data moves.
///
/// A memlet names a container, the subset of it that moves (one half-open range per dimension),
/// for copies the subset on the other side, the volume (elements moved per execution of the
/// enclosing scope), and how concurrent writes combine (write-conflict resolution).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/expr.h"
#include "ir/ids.h"

namespace sluice::ir {

/// The half-open range `begin:end:step`; a single index `i` is `i:i+1`.
struct Range {
  Expr begin;
  Expr end;
  Expr step = 1;

  static Range index(const Expr& i) { return {i, i + 1, 1}; }
  /// Number of points: ceil((end - begin) / step).
  [[nodiscard]] Expr size() const;
  [[nodiscard]] bool is_index() const;
  bool operator==(const Range&) const = default;
};

using Subset = std::vector<Range>;

/// Number of points of a subset (product of the ranges' sizes).
Expr subset_size(const Subset& subset);
/// `i, 0:N, 2:M:2` — ranges separated by commas; a single index prints as the index.
std::string subset_str(const Subset& subset);
/// Parses `subset_str`'s form. Throws UserError.
Subset parse_subset(std::string_view text);

enum class WriteConflict : std::uint8_t { None, Sum, Product, Min, Max };
std::string_view write_conflict_name(WriteConflict wcr);
std::optional<WriteConflict> parse_write_conflict(std::string_view name);

struct Memlet {
  ContainerId data;  ///< Invalid for an empty memlet (an ordering-only edge).
  Subset subset;
  std::optional<Subset> other_subset;
  Expr volume;  ///< Elements moved per execution of the enclosing scope.
  WriteConflict wcr = WriteConflict::None;
  bool dynamic = false;  ///< `volume` is an upper bound (data-dependent access).

  [[nodiscard]] bool empty() const { return !data.valid(); }
  bool operator==(const Memlet&) const = default;
};

/// The subset `0:d0, 0:d1, ...` of every element of a container of `shape`.
Subset whole_subset(const std::vector<Expr>& shape);
/// A memlet moving every element of container `data` of `shape` (as a library node's edges do).
Memlet whole_memlet(ContainerId data, const std::vector<Expr>& shape);

}  // namespace sluice::ir
