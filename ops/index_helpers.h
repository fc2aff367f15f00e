#pragma once
/// Index arithmetic and builders shared by the data-movement op files (shape, indexing,
/// convolution/pooling, misc): an output point is a list of symbolic expressions over the map
/// parameters, an input point is computed from it, and the tasklet only moves or combines the
/// values.
///
///   // out[p] = in[p0, p2, p1]  (a transpose)
///   copy_map(x, "transpose", x.input_name(0), x.output_name(0), x.output(0).shape,
///            [](const std::vector<ir::Expr>& p) { return std::vector{p[0], p[2], p[1]}; });

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ir/builder.h"
#include "ops/expansion.h"

// Note for op code: `x.input(k)` and `x.output(k)` refer into the program's container arena,
// which `x.transient(...)` may grow; ops that create transients copy the containers first.

namespace sluice::ops::index {

using Point = std::vector<ir::Expr>;

/// The parameters of `params` as expressions (`_d0`, `_d1`, ...).
Point param_exprs(const MapParams& params);
/// Concatenation without the temporaries of a chain of `+` (the generated code is built from
/// many small pieces).
std::string cat(std::initializer_list<std::string_view> parts);
/// A subset written as single indices: "i, j + 1" ("" for rank 0).
std::string subset_text(const Point& point);
/// An expression in the tasklet language (floordiv -> `/`, mod -> `%`, both floor on integers).
std::string tasklet_text(const ir::Expr& e);
/// A literal of `dtype` with `value` (integers round toward zero, bool is `value != 0`); an
/// infinity becomes the lowest/highest finite value for integer types.
std::string literal(ir::DType dtype, double value);
/// The smallest/largest value of `dtype` as a literal (-inf/inf for floats).
std::string lowest(ir::DType dtype);
std::string highest(ir::DType dtype);

/// The first index a slice (or its gradient) touches along an axis of size `dim` for the ONNX
/// `start` and `step`, clamped as ONNX says.
ir::Expr slice_start(const ir::Expr& dim, std::int64_t start, std::int64_t step);
/// The value of a dimension that must be known when expanding (kernel sizes, resized dims).
std::int64_t constant_dim(const ExpansionContext& x, const ir::Expr& dim, std::string_view what);
/// True when some dimension is the constant 0 (the tensor holds nothing: no map is built).
bool is_empty(const std::vector<ir::Expr>& shape);
/// The product of the dimensions (1 for rank 0).
ir::Expr num_elements(const std::vector<ir::Expr>& shape);

/// True when no output of the node holds an element: the op has nothing to build (the
/// context needs no write of an output without elements).
bool outputs_empty(const ExpansionContext& x);

/// A map over `shape` with one tasklet (a plain tasklet for rank 0); the port subsets may use
/// the parameters `_d0`... of `params(shape)`. Nothing is built for an empty shape.
void pointwise(ExpansionContext& x, const std::string& label, const std::vector<ir::Expr>& shape,
               const std::vector<ir::TaskletPort>& inputs, const std::string& code,
               const std::vector<ir::TaskletPort>& outputs);

/// out[p] = in[source(p)] for every point p of `out_shape` (tasklet `y = a;`).
void copy_map(ExpansionContext& x, const std::string& label, const std::string& in,
              const std::string& out, const std::vector<ir::Expr>& out_shape,
              const std::function<Point(const Point&)>& source);

/// Sets every element of `out` to the tasklet expression `value` (e.g. a literal).
void fill(ExpansionContext& x, const std::string& label, const std::string& out,
          const std::string& value);

/// The source point of a row-major reshape from `in_shape` to `out_shape` (equal element
/// counts): dimensions are matched group by group so that unchanged or split/merged dimensions
/// keep simple indices.
Point reshape_source(const std::vector<ir::Expr>& in_shape, const std::vector<ir::Expr>& out_shape,
                     const Point& out_point);

/// A reduction: a parallel map over `outer_ranges` (e.g. the output's `_d0=0:N, ...`) holding a
/// sequential map over `inner_ranges` (e.g. `_r0=0:K`) with one tasklet; ports may use both
/// parameter sets and the outputs carry the write-conflict resolution. The outputs must have been
/// initialized by an earlier write of this expansion. `shapes` gives the shapes of transients
/// (the node's inputs and outputs are looked up).
void reduce_map(ExpansionContext& x, const std::string& label, const std::string& outer_ranges,
                const std::string& inner_ranges, const std::vector<ir::TaskletPort>& inputs,
                const std::string& code, const std::vector<ir::TaskletPort>& outputs,
                const std::map<std::string, std::vector<ir::Expr>>& shapes = {});

/// "_r0=0:4, _r1=0:N" for the given extents, and the parameters as expressions.
struct InnerParams {
  std::string ranges;
  Point exprs;
};
InnerParams inner_params(const std::vector<ir::Expr>& extents, std::string_view prefix = "_r");

}  // namespace sluice::ops::index
