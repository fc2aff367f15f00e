#pragma once
/// The tasklet language: the typed scalar code inside a `Tasklet` node, and the conditions of
/// interstate edges. It is deliberately small and regular, so autodiff can differentiate it,
/// fusion and vectorization can reason about it, and one body prints to both C++ and CUDA.
///
///   let z: f32 = x * 0.7071067811865476;        // a typed local
///   y = 0.5 * x * (1.0 + erf(z));               // an output connector
///   mask = select(x > 0.0, 1.0, 0.0) * cast<f32>(i % 2 == 0);   // i: a map parameter (i64)
///
/// Grammar (whitespace is free; `//` starts a comment that runs to the end of the line):
///
///   code      := statement*
///   statement := NAME '=' expr ';'                   assign an output (or a declared local)
///              | 'let' NAME ':' TYPE '=' expr ';'    declare a local of type TYPE
///   expr      := binary operators, loosest first, all left-associative:
///                  ||   &&   == !=   < <= > >=   + -   * / %
///              | ('-' | '!') expr                    binds tighter than every binary operator
///              | INT | FLOAT | 'true' | 'false' | 'inf' | NAME | '(' expr ')'
///              | 'cast' '<' TYPE '>' '(' expr ')'
///              | FUNCTION '(' expr (',' expr)* ')'   see `TaskletOp`, arity checked when parsed
///              | NAME '[' expr (',' expr)* ']'      subscript of an input connector
///   NAME      := [A-Za-z_][A-Za-z0-9_]*, not a keyword (let true false cast inf)
///   INT       := [0-9]+                              (fits in i64)
///   FLOAT     := [0-9]+ '.' [0-9]+ ([eE] [+-]? [0-9]+)? | [0-9]+ [eE] [+-]? [0-9]+
///   TYPE      := f32 f16 bf16 f64 i8 i32 i64 bool
///
/// Names are the node's connectors, its locals, and free symbols (map parameters, program
/// symbols, which are i64). Connectors are not declared in the code: their dtypes come from the
/// node's signature (`infer_tasklet_types`). A name assigned without `let` is an output; a name
/// declared with `let` anywhere is a local. A function name is only a call when followed by `(`,
/// so a connector may be called `max`.
///
/// Subscripts: `y = d[j, 0];` reads one element of an input connector whose memlet is a range
/// subset (`D[0:N, k]`), one integer index per dimension of that subset (single-index
/// dimensions included, where the index is 0), each relative to the range's start: `d[j, 0]` is
/// `D[j, k]`. The subscripted value has the connector's dtype. This is how data-dependent
/// indexing (Gather, Resize, ...) is written; the indices may themselves read subscripts.
///
/// The AST has no negative literals (a literal is >= 0; `-1.5` is `Neg(1.5)`), no NaN literal and
/// no location information, so `==` is plain structural equality and printing is canonical:
/// `parse_tasklet(print_tasklet(c)) == c` and printing again gives the same text.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ir/dtype.h"

namespace sluice::ir {

/// Every node kind of a tasklet expression: one flat enum so a walker is one `switch`.
enum class TaskletOp : std::uint8_t {
  // Leaves.
  Int,    ///< integer literal >= 0
  Float,  ///< float literal >= 0 (finite or inf)
  Bool,   ///< `true` / `false`
  Var,    ///< a name
  // Prefix operators.
  Neg,
  Not,
  // Infix operators.
  Add,
  Sub,
  Mul,
  Div,  ///< float division; floor division on integers
  Mod,  ///< integers only; the result has the divisor's sign (floor semantics)
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  And,
  Or,
  // `cast<T>(x)`.
  Cast,
  // Calls `name(args)`.
  Select,  ///< select(condition, if_true, if_false)
  Exp,
  Log,
  Tanh,
  Erf,
  Sqrt,
  Rsqrt,
  Sigmoid,
  Sin,
  Cos,
  Floor,
  Ceil,
  Abs,
  Pow,
  Min,
  Max,
  /// philox_uniform(seed, offset, index): a float in [0, 1) from the Philox4x32-10
  /// counter-based generator (see `philox4x32_10`), a pure function of its three integers.
  PhiloxUniform,
  // `name[index, ...]`: operand 0 is the Var, then one integer index per subset dimension.
  Subscript,
};

/// How an op is written.
enum class TaskletOpForm : std::uint8_t { Leaf, Prefix, Infix, Cast, Call, Subscript };

/// The table row of one op.
struct TaskletOpInfo {
  TaskletOp op;
  std::string_view spelling;  ///< operator symbol or function name ("" for leaves)
  int arity;                  ///< number of operands; -1: variadic (Subscript: a name + >= 1)
  TaskletOpForm form;
  int precedence;  ///< binding strength for printing: 1 (`||`) .. 6 (`*`), 7 prefix, 8 primary
  int flops;       ///< counted by `count_flops`: 1 for arithmetic, comparisons and math calls
};

/// The row of `op`; every op has one.
const TaskletOpInfo& tasklet_op_info(TaskletOp op);
/// The op of a callable function name (`exp`, `select`, ...); nullopt otherwise.
std::optional<TaskletOp> tasklet_function(std::string_view name);
/// True if `name` can be a variable: an identifier that is not a keyword.
bool is_tasklet_identifier(std::string_view name);

/// One expression node and its operands (owned, deep-copied). Built only through the factories,
/// which keep the invariants (valid names, arities, non-negative non-NaN literals). Also the
/// interstate edge condition; the default-constructed value is the literal `true`.
///
/// A walker is one `switch (e.op())` recursing into `e.operands()`; a rewriter rebuilds with
/// `e.with_operands(new_operands)` (see `substitute_variables`). `e.info()` gives the op's
/// spelling, arity, form and FLOP weight, so most walkers need no per-op cases for the calls.
struct TaskletExpr {
  TaskletExpr() = default;

  /// Integer literal; a negative value becomes `Neg(literal)`.
  static TaskletExpr integer(std::int64_t value);
  /// Float literal; a negative value (or -0.0) becomes `Neg(literal)`. NaN is a bug.
  static TaskletExpr floating(double value);
  static TaskletExpr boolean(bool value);
  /// A name; must satisfy `is_tasklet_identifier`.
  static TaskletExpr variable(std::string name);
  /// Any operator or call, with `tasklet_op_info(op).arity` operands (not leaves, not Cast).
  static TaskletExpr make(TaskletOp op, std::vector<TaskletExpr> operands);
  /// `name[indices...]`; at least one index.
  static TaskletExpr subscript(std::string name, std::vector<TaskletExpr> indices);
  static TaskletExpr cast(DType to, TaskletExpr operand);

  /// The same node (op, literal, name, cast type) over new operands: the rebuild step of a
  /// rewriting walk.
  [[nodiscard]] TaskletExpr with_operands(std::vector<TaskletExpr> operands) const;

  [[nodiscard]] TaskletOp op() const { return op_; }
  [[nodiscard]] const TaskletOpInfo& info() const { return tasklet_op_info(op_); }
  [[nodiscard]] const std::vector<TaskletExpr>& operands() const { return operands_; }
  [[nodiscard]] const TaskletExpr& operand(std::size_t i) const { return operands_.at(i); }
  /// Literal payloads; valid only for the matching op.
  [[nodiscard]] std::int64_t int_value() const { return int_value_; }
  [[nodiscard]] double float_value() const { return float_value_; }
  [[nodiscard]] bool bool_value() const { return int_value_ != 0; }
  /// The name of a Var; empty otherwise.
  [[nodiscard]] const std::string& name() const { return name_; }
  /// The target type of a Cast.
  [[nodiscard]] DType cast_type() const { return cast_type_; }
  /// Height of the tree: 1 for a leaf.
  [[nodiscard]] int depth() const { return depth_; }

  bool operator==(const TaskletExpr&) const = default;

private:
  TaskletOp op_ = TaskletOp::Bool;
  DType cast_type_ = DType::f32;
  int depth_ = 1;
  std::int64_t int_value_ = 1;
  double float_value_ = 0.0;
  std::string name_;
  std::vector<TaskletExpr> operands_;
};

/// Building sugar for rules such as autodiff's: `dy * exp(x)` reads as it should.
TaskletExpr operator+(TaskletExpr a, TaskletExpr b);
TaskletExpr operator-(TaskletExpr a, TaskletExpr b);
TaskletExpr operator*(TaskletExpr a, TaskletExpr b);
TaskletExpr operator/(TaskletExpr a, TaskletExpr b);
TaskletExpr operator-(TaskletExpr a);

/// `target = value;`, or `let target: T = value;` when `let_type` is set.
struct TaskletStatement {
  std::string target;
  std::optional<DType> let_type;
  TaskletExpr value;
  bool operator==(const TaskletStatement&) const = default;
};

/// The body of a tasklet: statements run in order. Default: no statements.
struct TaskletCode {
  std::vector<TaskletStatement> statements;
  [[nodiscard]] bool empty() const { return statements.empty(); }
  bool operator==(const TaskletCode&) const = default;
};

/// Deepest expression the parser accepts (tree height, and nesting of parentheses and prefix
/// operators); deeper text is refused with a diagnostic, so walkers may recurse freely.
inline constexpr int kMaxTaskletDepth = 200;

/// Parses code. Throws `UserError` at "line L, column C" (1-based, bytes) saying what was
/// expected and what was found. Syntax only: names and types are checked by
/// `infer_tasklet_types`.
TaskletCode parse_tasklet(std::string_view text);
TaskletExpr parse_tasklet_expr(std::string_view text);

/// Canonical text: one statement per line, each ending in `;`, no trailing newline; single
/// spaces around binary operators and after commas; only the parentheses that precedence and
/// left-associativity need (`a - (b - c)`, `a * b + c`); floats in the shortest form that reads
/// back exactly, always with a `.` or an exponent (`1.0`, `1e-5`, `0.7071067811865476`).
std::string print_tasklet(const TaskletCode& code);
std::string print_tasklet_expr(const TaskletExpr& expr);
std::string print_tasklet_statement(const TaskletStatement& statement);

/// Type rules. Every value has a dtype; literals are "weak" until they meet a typed value:
///  - `true`/`false` are bool. An integer literal adopts any numeric type; a float literal adopts
///    any float type (never an integer one). Two weak literals combine to a weak float if either
///    is a float. A value that stays weak defaults to i64 (integer) or f32 (float) when assigned.
///  - `+ - * /`, `min`, `max`: numeric operands of one type; result that type. `%`: integers.
///  - `exp log tanh erf sqrt rsqrt sigmoid sin cos floor ceil pow`: float operands of one type.
///    `abs` and unary `-`: numeric.
///  - `== !=`: operands of one type (bool allowed); `< <= > >=`: numeric of one type; bool result.
///  - `&& || !`: bool. `select(c, a, b)`: c bool, a and b of one type.
///  - `philox_uniform(seed, offset, index)`: three integers (any integer types or literals);
///    result f32.
///  - `cast<T>(x)`: any x to any T; the only conversion there is (no implicit promotion).
///  - `d[i, ...]`: the type of `d`; every index is an integer (any integer type or a literal).
///  - `let t: T = e`: e has type T; t must not be defined yet. `name = e` gives `name` the type of
///    e, or, if `name` already has one (an input, an earlier assignment, an entry of `outputs`),
///    requires e to have it.
/// Returns the dtype of every assigned name (outputs and locals). `inputs_and_symbols` types the
/// names the code reads; `outputs`, when given, fixes the types of outputs (so `y = 0.0` is f16
/// for an f16 connector). Throws `UserError` at "statement N" naming the statement and the
/// mismatch, e.g. "in 'y = x + h;': operands of '+' have different types f32 and f16".
std::map<std::string, DType> infer_tasklet_types(
    const TaskletCode& code, const std::map<std::string, DType>& inputs_and_symbols,
    const std::map<std::string, DType>& outputs = {});

/// All names read by an expression (a subscripted name included).
std::set<std::string> tasklet_reads(const TaskletExpr& expr);
/// Names the code reads before it assigns them: its inputs and the symbols it uses.
std::set<std::string> tasklet_reads(const TaskletCode& code);
/// Names assigned and not declared with `let`: the outputs.
std::set<std::string> tasklet_writes(const TaskletCode& code);
/// Names declared with `let`.
std::set<std::string> tasklet_locals(const TaskletCode& code);
/// Subscripted names and the numbers of indices they are written with (normally one number;
/// more means the code is inconsistent, which the verifier reports).
std::map<std::string, std::set<std::size_t>> tasklet_subscripts(const TaskletCode& code);

/// Renames names (simultaneously; unlisted names stay), in reads and assignment targets alike.
/// New names must satisfy `is_tasklet_identifier`.
TaskletExpr rename_variables(const TaskletExpr& expr,
                             const std::map<std::string, std::string>& renames);
TaskletCode rename_variables(const TaskletCode& code,
                             const std::map<std::string, std::string>& renames);
/// Replaces variables by expressions (simultaneously), e.g. to inline a producer's value. The
/// name of a subscript is an array, not a value, and stays (its indices are substituted).
TaskletExpr substitute_variables(const TaskletExpr& expr,
                                 const std::map<std::string, TaskletExpr>& replacements);

/// Operations counted as FLOPs: the `flops` column of the op table summed over every node, i.e.
/// one per `+ - * / %`, unary `-`, comparison, and math call (`exp` ... `max`, `pow`, `abs`);
/// none for literals, names, subscripts (their indices count), `cast`, `select`, `! && ||`.
/// `rsqrt`, `sigmoid` and `philox_uniform` count one each.
std::int64_t count_flops(const TaskletExpr& expr);
std::int64_t count_flops(const TaskletCode& code);

/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011):
/// the four 32-bit output words of counter `counter` under key `key`. Branch-free; the CPU
/// prelude has the same function (`sl_philox4x32_10`), and the tests hold both to the published
/// known-answer vectors.
std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> counter,
                                           std::array<std::uint32_t, 2> key);
/// The value of `philox_uniform(seed, offset, index)`: key = (seed low, seed high word),
/// counter = (index low, index high, offset low, offset high); the top 24 bits of output word 0
/// times 2^-24, so the result is exact in f32 and lies in [0, 1). A training step passes a new
/// `offset` per step and the element's linear index as `index`; (seed, offset) regenerate the
/// same numbers anywhere (a backward pass recomputing a dropout mask).
float philox_uniform(std::int64_t seed, std::int64_t offset, std::int64_t index);

/// The elements of subscripted connectors for `evaluate_tasklet`: one function per name, taking
/// the indices as written in the code.
using TaskletArrays =
    std::map<std::string, std::function<double(const std::vector<std::int64_t>&)>>;

/// Reference interpreter: runs the code and returns the final value of every output
/// (`tasklet_writes`). `values` binds the names the code reads. `types` gives dtypes of inputs
/// (a name not listed is f64) and, optionally, of outputs (an assigned value is converted to it
/// as by `cast`); locals take their declared type. Semantics:
///  - every float type is computed in double precision (casts between float types are exact);
///  - integer values are 64-bit with wrap-around; `/` and `%` floor (Python semantics); division
///    by zero throws `UserError`; `cast<i8>`/`cast<i32>` of an integer wrap to the width;
///  - float to integer casts truncate toward zero and saturate (NaN gives 0), as CUDA does;
///  - `min`/`max` of floats ignore a NaN operand (`fmin`/`fmax`); bool results read as 0 or 1;
///  - `d[i, ...]` evaluates its indices (integers; an f64 holding one is taken) and calls
///    `arrays[d]` with them (relative to the subset's start, as written); the element is
///    converted to the type of `d` like an input. Without an entry for `d` it throws `UserError`
///    ("subscript of 'd' needs array values").
/// Throws `UserError` at "statement N" for a name that has no value, or an integer-typed input
/// whose value is not an integer.
std::map<std::string, double> evaluate_tasklet(const TaskletCode& code,
                                               const std::map<std::string, double>& values,
                                               const std::map<std::string, DType>& types = {},
                                               const TaskletArrays& arrays = {});
/// The same for one expression (an interstate condition); bool gives 0 or 1.
double evaluate_tasklet_expr(const TaskletExpr& expr, const std::map<std::string, double>& values,
                             const std::map<std::string, DType>& types = {},
                             const TaskletArrays& arrays = {});

}  // namespace sluice::ir
