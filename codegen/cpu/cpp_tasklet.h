#pragma once
/// Tasklet code as C++ statements.
///
/// Values are computed in C++ types (`compute_type`): f16 and bf16 in float (stored as 16-bit
/// patterns, converted on load and store, and rounded by an explicit `cast<f16>`), bool as
/// bool. Connectors and locals print as `v_<name>`, symbols and map parameters as `s_<name>`.
/// Integer `/` and `%` use the prelude's floor-semantics helpers (a zero divisor gives 0 where
/// the reference interpreter reports an error: compiled code must not trap); float-to-integer
/// casts saturate (NaN gives 0); float `min`/`max` ignore a NaN operand (fmin/fmax), as the
/// IR's reference interpreter does. Weak literals take the type their context gives them, so
/// `x * 0.5` with an f32 `x` stays in float.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ir/tasklet.h"

namespace sluice::codegen {

/// The C++ type a value of this dtype is computed in.
std::string compute_type(ir::DType dtype);
/// The C++ type an element of this dtype is stored as.
std::string storage_type(ir::DType dtype);

struct TaskletNames {
  /// dtypes of the connectors (inputs and outputs); locals are added from `let`.
  std::map<std::string, ir::DType> connectors;
  /// A subscript `name[indices]` as a C++ rvalue of the element's compute type; the indices are
  /// C++ int64_t expressions.
  std::function<std::string(const std::string& name, const std::vector<std::string>& indices)>
      subscript;
  /// CUDA device code (codegen/cuda): math functions without `std::`.
  bool cuda = false;
};

/// The statements of `code`; outputs are assigned to `v_<output>`, which the caller declares.
std::string cpp_tasklet(const ir::TaskletCode& code, const TaskletNames& names);
/// One expression (interstate conditions), with no connectors: names are symbols.
std::string cpp_condition(const ir::TaskletExpr& expr);

}  // namespace sluice::codegen
