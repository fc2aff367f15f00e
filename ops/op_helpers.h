#pragma once
/// Builders that most compute ops are made of: ONNX broadcasting, axes, element-wise maps and
/// reductions, so that an op is one or two calls.
///
///   void expand_relu(ExpansionContext& x) { elementwise(x, "y = max(a, 0.0);"); }
///   void expand_reduce_sum(ExpansionContext& x) {
///     Reduction r = reduction_of(x);            // axes, keepdims, noop_with_empty_axes
///     r.init = "0.0"; r.wcr = ir::WriteConflict::Sum;
///     reduce(x, r);
///   }
///
/// Tasklet connectors: element-wise inputs are `a`, `b`, `c`, ... by input slot (absent optional
/// inputs keep their letter), outputs `y` (slot 0), `z` (slot 1), `w` (slot 2). Literals in code
/// must have the container's dtype (`literal(dtype, v)` writes one; see ir/tasklet.h).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/builder.h"
#include "ops/expansion.h"

namespace sluice::ops {

using Point = std::vector<ir::Expr>;

/// A tasklet port whose subset is a point (or ranges) given as expressions over map parameters.
struct Port {
  std::string connector;
  std::string container;
  ir::Subset subset;  ///< one Range::index per dimension for a point
  ir::WriteConflict wcr = ir::WriteConflict::None;
};

/// `Range::index` of each expression.
ir::Subset point_subset(const Point& point);
/// "i, j + 1" (text form of a subset; "" for rank 0).
std::string subset_text(const ir::Subset& subset);
/// Parameter symbols `_d0`, `_d1`, ... of `params`.
Point param_point(const MapParams& params);

/// ONNX multidirectional broadcasting: the point of an input of shape `in_shape` that feeds
/// output point `out` (right-aligned; a dimension of constant size 1 reads index 0).
Point broadcast_point(const std::vector<ir::Expr>& in_shape, const Point& out);
/// The broadcast result shape of several shapes (a dimension 1 yields to the other; symbolic
/// dimensions must be equal or 1). nullopt when they do not broadcast.
std::optional<std::vector<ir::Expr>> broadcast_shapes(
    const std::vector<std::vector<ir::Expr>>& shapes);

/// `axis` in [-rank, rank) made non-negative; otherwise a UserError naming the node.
std::int64_t normalize_axis(const ExpansionContext& x, std::int64_t axis, std::int64_t rank,
                            std::string_view what = "axis");
/// Every axis normalized, sorted, duplicates refused.
std::vector<std::int64_t> normalize_axes(const ExpansionContext& x,
                                         const std::vector<std::int64_t>& axes, std::int64_t rank,
                                         std::string_view what = "axes");

/// An integer expression in the tasklet language (floordiv → `/`, mod → `%`).
std::string tasklet_text(const ir::Expr& e);
/// A literal of `dtype` (floats print with a `.`; integers truncate; bool is value != 0).
std::string literal(ir::DType dtype, double value);
/// The lowest/highest value of `dtype` (-inf/inf for floats).
std::string lowest(ir::DType dtype);
std::string highest(ir::DType dtype);
/// `T`'s tasklet spelling (`f32`, `i64`, `bool`).
std::string type_name(ir::DType dtype);
/// `cast<T>(e)` of an i64 expression, to a float type.
std::string count_as(ir::DType dtype, const ir::Expr& count);

/// A map over `shape` with one tasklet (a bare tasklet for rank 0; nothing for an empty shape).
void pointwise(ExpansionContext& x, const std::string& label, const std::vector<ir::Expr>& shape,
               const std::vector<Port>& inputs, const std::string& code,
               const std::vector<Port>& outputs);

/// Nested maps: a parallel map over `outer` holding a sequential map over `inner` (both lists of
/// (name, range)), one tasklet inside. Either list may be empty (no map at that level).
/// Outputs written from the inner map carry a write-conflict resolution and must have been
/// initialized earlier in this expansion.
struct Param {
  std::string name;
  ir::Range range;
};
void nested_map(ExpansionContext& x, const std::string& label, const std::vector<Param>& outer,
                const std::vector<Param>& inner, const std::vector<Port>& inputs,
                const std::string& code, const std::vector<Port>& outputs);
/// `_d0=0:shape[0]`, ... as Params (prefix `_d` from `first`).
std::vector<Param> params_over(const std::vector<ir::Expr>& shape, std::string_view prefix = "_d",
                               int first = 0);

/// The generic element-wise op: every present input k (connector `a` + k) broadcast to the
/// output's shape, outputs `y`, `z`, `w`. `label` defaults to the op name in lower case.
void elementwise(ExpansionContext& x, std::string_view code, std::string label = "");
/// The same over explicit containers: inputs broadcast to `shape`, outputs of that shape.
void elementwise_on(ExpansionContext& x, const std::string& label,
                    const std::vector<std::pair<std::string, std::string>>& inputs,
                    std::string_view code,
                    const std::vector<std::pair<std::string, std::string>>& outputs,
                    const std::vector<ir::Expr>& shape);

/// A reduction of `input` over `axes` into `output`:
///   acc = init;  acc (wcr)= accumulate(a, extras at the output point);  output = finalize(s)
/// `accumulate` is an expression of the connector `a` (the input element) and of the `extras`
/// (containers of the output's shape read at the output point; their connectors are named in
/// the pair's first element). When `finalize` is empty the accumulation goes straight into the
/// output; otherwise into a transient of `acc_dtype` that `finalize` (an expression of `s` and
/// the extras) turns into the output. With keepdims the output keeps the reduced dims as 1.
struct Reduction {
  std::string input;
  std::string output;
  std::vector<std::int64_t> axes;  ///< normalized, sorted
  bool keepdims = true;
  std::string init;
  std::string accumulate = "a";
  ir::WriteConflict wcr = ir::WriteConflict::Sum;
  std::string finalize;
  std::optional<ir::DType> acc_dtype;  ///< default: the output's dtype
  std::vector<std::pair<std::string, std::string>> extras;
  std::string label = "reduce";
};
void reduce(ExpansionContext& x, const Reduction& r);
/// The ONNX Reduce* attributes of the node: `axes` (absent or empty: all axes unless
/// `noop_with_empty_axes`), `keepdims` (default 1); input 0 into output 0.
/// `noop` is set when the node reduces nothing (noop_with_empty_axes with empty axes).
Reduction reduction_of(const ExpansionContext& x, bool* noop = nullptr);
/// The number of elements a reduction combines (product of the reduced dims of the input).
ir::Expr reduced_count(const std::vector<ir::Expr>& in_shape,
                       const std::vector<std::int64_t>& axes);
/// The output point of a reduction for the input point `in` (reduced dims dropped, or 0 with
/// keepdims).
Point reduced_point(const Point& in, const std::vector<std::int64_t>& axes, bool keepdims);
/// The reduced shape.
std::vector<ir::Expr> reduced_shape(const std::vector<ir::Expr>& in_shape,
                                    const std::vector<std::int64_t>& axes, bool keepdims);
/// A sum over `axes` that keeps the innermost axis and few elements (a bias or a normalization
/// scale gradient): its loops best run in the input's memory order, one flat map, so the inner
/// loop is contiguous. Such a map's outer loops conflict; the CPU generator gives each thread a
/// private copy of the small result (codegen/cpu/cpu_generator.h). Otherwise the kept dims go
/// outside and the reduced dims inside.
bool sums_in_memory_order(const std::vector<ir::Expr>& in_shape,
                          const std::vector<std::int64_t>& axes);
/// The loops of a sum over `axes` of `shape`: {outer, inner} (see sums_in_memory_order).
std::pair<std::vector<Param>, std::vector<Param>> reduction_loops(
    const std::vector<ir::Expr>& shape, const std::vector<std::int64_t>& axes, bool sum);

/// The statistics of a numerically stable softmax over `axis` of `input` (shape `shape`):
/// `max`, the largest element of each row, and `sum`, the sum of exp(a - max) over the row, both
/// transients with the reduced dim kept as 1. Reductions labeled `<label>_max` and `<label>_sum`.
struct SoftmaxStats {
  std::string max;
  std::string sum;
};
SoftmaxStats softmax_stats(ExpansionContext& x, const std::string& input,
                           const std::vector<ir::Expr>& shape, ir::DType dtype, std::int64_t axis,
                           const std::string& label);

/// The index along `axis` of the largest (`max`) or smallest element of `input` into `output`
/// (i64, the input's shape reduced over `axis`, keepdims as `output`'s rank says): the first such
/// index, or the last with `last`. Two reductions: the extreme value, then the least (greatest)
/// index that holds it.
void arg_extreme(ExpansionContext& x, const std::string& label, const std::string& input,
                 std::int64_t axis, bool max, bool last, const std::string& output);

}  // namespace sluice::ops
