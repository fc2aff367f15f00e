#pragma once
/// What a transformation is: a named, tiered, parameterized rewrite with a const `match` and an
/// `apply` that edits only through a `Rewriter`.
///
///   class DeadDataflowElimination : public Transformation {
///     std::string_view name() const override { return "dead-dataflow-elimination"; }
///     int tier() const override { return 4; }
///     ...
///     MatchResult match(const ir::Program& p, const ParamValues&) const override;
///     void apply(Rewriter& r, const Match& m, const ParamValues&) const override;
///   };
///
/// The contract (MLIR's, see STYLE.md): `match` never mutates and returns every match in a
/// deterministic order, plus, for candidates it looked at and turned down, the reason; `apply`
/// may assume its match came from `match` on the same program (the framework re-checks that),
/// throws `UserError` when it cannot proceed, and is run on a copy so a failure changes nothing
/// (transforms/apply.h).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ir/program.h"
#include "transforms/scope.h"

namespace sluice::transforms {

class Rewriter;

enum class ParamType : std::uint8_t { Bool, Int, Float, String };
std::string_view param_type_name(ParamType type);

using ParamValue = std::variant<bool, std::int64_t, double, std::string>;
using ParamValues = std::map<std::string, ParamValue>;

/// A declared parameter: the GUI, Python and the CLI read these to offer and check values.
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Int;
  ParamValue default_value;
  std::string description;
  std::vector<std::string> choices;  ///< String parameters: the allowed values (empty: any).
};

/// One place a transformation applies: its nodes, by stable id, in one scope.
struct Match {
  std::string transformation;
  Scope scope;
  std::vector<ir::NodeId> nodes;  ///< In the order of the transformation's pattern.
  std::string description;        ///< For people: "fuse map 'add' into map 'relu' via 't3'".
  bool operator==(const Match& other) const {
    return transformation == other.transformation && scope == other.scope && nodes == other.nodes;
  }
};

/// A candidate the transformation looked at and turned down, and why.
struct Rejection {
  Match candidate;
  std::string reason;  ///< "the intermediate 'x' is read after the second map"
};

struct MatchResult {
  std::vector<Match> matches;
  std::vector<Rejection> rejected;
};

class Transformation {
public:
  Transformation() = default;
  Transformation(const Transformation&) = delete;
  Transformation& operator=(const Transformation&) = delete;
  virtual ~Transformation() = default;

  /// Stable kebab-case name, the same in the CLI, Python, the GUI and recipes.
  [[nodiscard]] virtual std::string_view name() const = 0;
  /// 1 expansion and local, 2 layout, 3 fusion, 4 global data movement.
  [[nodiscard]] virtual int tier() const = 0;
  /// One paragraph for people.
  [[nodiscard]] virtual std::string_view description() const = 0;
  [[nodiscard]] virtual std::vector<ParamSpec> params() const { return {}; }
  /// True when applying a match can create new matches that a pipeline should also take (fusing
  /// a chain); false when each original match is applied once (tiling would tile forever).
  [[nodiscard]] virtual bool repeat_to_fixpoint() const { return false; }

  /// Every match in `program`, in a deterministic order. `params` is complete (defaults filled).
  [[nodiscard]] virtual MatchResult match(const ir::Program& program,
                                          const ParamValues& params) const = 0;
  /// Performs one match through `rewriter`. Throws `UserError` when it cannot.
  virtual void apply(Rewriter& rewriter, const Match& match, const ParamValues& params) const = 0;

protected:
  /// A match of this transformation (fills in its name).
  [[nodiscard]] Match make_match(Scope scope, std::vector<ir::NodeId> nodes,
                                 std::string description) const;
};

/// `params` checked against `transformation.params()` and completed with defaults. An unknown
/// name, a wrong type or a value outside `choices` is a UserError naming the transformation and
/// the parameter (an Int given for a Float parameter is accepted and converted).
ParamValues complete_params(const Transformation& transformation, const ParamValues& params);

/// Reads a parameter from a completed set (a missing or mistyped one is a bug).
bool param_bool(const ParamValues& params, const std::string& name);
std::int64_t param_int(const ParamValues& params, const std::string& name);
double param_float(const ParamValues& params, const std::string& name);
const std::string& param_string(const ParamValues& params, const std::string& name);

/// `true`, `4`, `0.5`, `pure`: how values print in pipelines and tables.
std::string param_value_str(const ParamValue& value);
/// Parses the text of a value for a parameter of `type`. Throws UserError naming `where`.
ParamValue parse_param_value(std::string_view text, ParamType type, const std::string& where);

}  // namespace sluice::transforms
