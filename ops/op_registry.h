#pragma once
/// The operator library's index: which ops Sluice implements and how.
///
/// Each op (ONNX spelling, e.g. "MatMul") has a `pure` implementation, a function that replaces
/// the library node by maps and tasklets (see `ExpansionContext`), and may list library-backed
/// implementations ("blas") that the code generator emits as calls. The frontends ask
/// `find_op` to report unsupported operators at import; `expand_all` lowers a program.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::ops {

class ExpansionContext;

using ExpandFunction = std::function<void(ExpansionContext&)>;

struct OpDefinition {
  std::string name;                         ///< ONNX op_type or a Sluice op
  ExpandFunction pure;                      ///< always present
  std::vector<std::string> library_backed;  ///< e.g. {"blas"}: the code generator calls a library
  /// Other implementations that expand into other ops, e.g. Conv's "blas": an im2col map, a
  /// BLAS MatMul and a map back to the output's layout.
  std::map<std::string, ExpandFunction> lowerings = {};
  /// Every implementation besides pure, sorted: library_backed and the lowerings.
  [[nodiscard]] std::vector<std::string> implementations() const;
};

/// The table the op files fill (see op_groups.h); a second definition of one name is a bug.
class OpTable {
public:
  void add(OpDefinition definition);
  /// Shorthand for an op with only a pure implementation.
  void add(std::string name, ExpandFunction pure) { add({std::move(name), std::move(pure), {}}); }
  [[nodiscard]] const OpDefinition* find(std::string_view name) const;
  [[nodiscard]] std::vector<std::string> names() const;

private:
  std::vector<OpDefinition> ops_;  // sorted by name
};

/// The op's definition (from the built-in table, filled once on first use); nullptr when Sluice
/// does not implement it.
const OpDefinition* find_op(std::string_view name);
/// Every registered op name, sorted.
std::vector<std::string> supported_ops();

}  // namespace sluice::ops
