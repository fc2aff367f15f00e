#pragma once
/// Private to the verifier (verifier.cpp: program, symbols, containers, control flow and the
/// symbolic reasoning; verify_graph.cpp: dataflow graphs, nodes and edges). Not part of the API.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/ir_path.h"
#include "ir/program.h"

namespace sluice::ir::verify_detail {

bool is_identifier(std::string_view name);

/// One message from its parts (`cat("view ", name, " views itself")`), without the temporaries
/// of a chain of `+`.
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

/// Symbolic arithmetic throws `UserError` when a constant overflows int64; a fact whose
/// computation overflows is undecided, never a crash of the verifier.
template <typename F, typename T>
T or_if_overflow(F&& compute, T undecided) {
  try {
    return compute();
  } catch (const UserError&) {
    return undecided;
  }
}

/// A map parameter in scope.
struct ScopeParam {
  std::string name;
  Range range;
};

/// The enclosing map parameters of a graph, outermost first. Interned: equal parameter lists
/// share one key, so the symbolic caches below serve every map with the same ranges.
struct ScopeInfo {
  std::vector<ScopeParam> params;
  std::optional<std::map<std::string, Interval>> ranges;  ///< symbols and parameters, lazily
};

/// A graph being checked: where it is and which map parameters are in scope there. Locations
/// are built from it only when a diagnostic needs one.
struct Scope {
  IrPath state;                         ///< A state's graph: its path (prefix / state 'x').
  const Scope* parent = nullptr;        ///< A map's body: the scope of the graph holding the map,
  const Graph* parent_graph = nullptr;  ///< that graph,
  NodeId map_id;                        ///< the map's id there
  const MapNode* map = nullptr;         ///< and the map.
  int key = 0;                          ///< Interned parameters of all enclosing maps.

  /// The innermost enclosing map with a parameter of this name.
  [[nodiscard]] const MapNode* map_of_param(const std::string& name) const;
};

/// A place in a graph to report at: the graph itself, one of its nodes or one of its edges.
struct Where {
  enum class Kind : std::uint8_t { Graph, Node, Edge };
  const Scope* scope = nullptr;
  const Graph* graph = nullptr;
  Kind kind = Kind::Graph;
  std::uint32_t id = 0;
};

/// What a subset range is, decided under a scope (unknown facts are `Ok`).
enum class RangeVerdict : std::uint8_t { Ok, StepZero, Reversed, BelowZero, Exceeds };
struct RangeFacts {
  RangeVerdict verdict = RangeVerdict::Ok;
  bool point = false;  ///< `i:i+1`: one index
};

class Verifier {
public:
  Verifier(const Program& program, IrPath prefix, std::vector<Diagnostic>& out);
  void run();

  // --- Reporting and names -------------------------------------------------------------------
  void error(const IrPath& where, std::string message);
  void error(const Where& where, std::string message) { error(path(where), std::move(message)); }
  [[nodiscard]] IrPath path(const Scope& scope) const;
  [[nodiscard]] IrPath path(const Where& where) const;
  /// "Nothing more specific": the program itself (or the nested node that holds it).
  [[nodiscard]] IrPath program_path() const;
  [[nodiscard]] const Program& program() const { return program_; }
  [[nodiscard]] const Container* container(ContainerId id) const {
    return program_.containers.find(id);
  }
  /// The first container with this name, if any.
  [[nodiscard]] const Container* container_named(const std::string& name) const;
  [[nodiscard]] bool is_symbol(const std::string& name) const {
    return program_.symbols.count(name) != 0;
  }

  // --- Symbolic reasoning (cached per expression and scope) ----------------------------------
  /// The key of `outer`'s parameters followed by `map`'s.
  int enter_map(int outer, const MapNode& map);
  [[nodiscard]] bool is_param(const std::string& name, int scope) const;
  const std::vector<std::string>& free_symbols(const Expr& e);
  /// The first symbol of `e` that is neither a program symbol nor a parameter in scope.
  std::optional<std::string> unknown_symbol(const Expr& e, int scope);
  Interval bounds_in(const Expr& e, int scope);
  RangeFacts check_range(const Range& range, const Expr* size, int scope);
  /// True when `a` and `b` differ for every value of the symbols and parameters.
  bool provably_different(const Expr& a, const Expr& b, int scope);
  /// The number of points of a subset (nullopt on overflow).
  std::optional<Expr> size_of(const Subset& subset);

private:
  void check_symbols();
  void check_containers();
  void check_views();
  void check_control_flow();
  void check_transition(InterstateEdgeId id);
  // verify_graph.cpp
  void check_graph(const Graph& graph, const Scope& scope);
  void check_cycle(const Graph& graph, const Scope& scope);
  void check_node(const Graph& graph, NodeId id, const Scope& scope);
  void check_connectors(const Graph& graph, NodeId id, const Where& where);
  void check_tasklet(const Graph& graph, NodeId id, const TaskletNode& t, const Where& where,
                     const Scope& scope);
  void check_map(const MapNode& m, const Where& where, const Scope& scope);
  void check_map_body(const MapNode& m, const Where& where, const Scope& body);
  void check_nested(const Graph& graph, NodeId id, const NestedNode& n, const Where& where,
                    const Scope& scope);
  void check_edge(const Graph& graph, EdgeId id, const Scope& scope);
  /// Reports what is wrong with a subset; returns whether nothing was, and sets `*points` to
  /// whether every range is one index.
  bool check_subset(const Subset& subset, const Container& c, const char* what, const Where& where,
                    int scope, bool* points);

  const std::map<std::string, Interval>& ranges(int scope);
  std::optional<Expr> extreme(const Expr& e, bool maximize, int scope);
  std::optional<Expr> extreme_unguarded(const Expr& e, bool maximize, int scope);
  RangeVerdict range_verdict(const Range& r, const Expr* size, int scope);

  const Program& program_;
  IrPath prefix_;
  std::vector<Diagnostic>& out_;
  std::unordered_map<std::string, ContainerId> by_name_;

  std::deque<ScopeInfo> scopes_;
  std::unordered_map<std::string, int> scope_keys_;
  struct PairHash {
    std::size_t operator()(const std::pair<const void*, int>& k) const noexcept {
      return std::hash<const void*>()(k.first) * 31u + static_cast<std::size_t>(k.second);
    }
  };
  struct RangeKey {
    const void* begin;
    const void* end;
    const void* step;
    const void* size;
    int scope;
    bool operator==(const RangeKey&) const = default;
  };
  struct RangeKeyHash {
    std::size_t operator()(const RangeKey& k) const noexcept {
      auto h = static_cast<std::size_t>(k.scope);
      for (const void* p : {k.begin, k.end, k.step, k.size})
        h = h * 1000003u ^ std::hash<const void*>()(p);
      return h;
    }
  };
  std::vector<std::uint32_t> pending_;  // check_cycle's buffers
  std::vector<NodeId> ready_;
  std::vector<std::pair<NodeId, const Container*>> sources_;  // check_map_body's
  std::vector<std::pair<NodeId, const Container*>> sinks_;
  std::unordered_map<const void*, std::vector<std::string>> free_symbols_;
  std::unordered_map<std::pair<const void*, int>, std::optional<std::string>, PairHash> unknown_;
  std::unordered_map<std::pair<const void*, int>, Interval, PairHash> bounds_;
  std::unordered_map<RangeKey, RangeFacts, RangeKeyHash> verdicts_;
};

}  // namespace sluice::ir::verify_detail
