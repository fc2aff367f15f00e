// Reverse accumulation over the statements of a tasklet. The forward statements are first put
// in single-assignment form (a reassigned name gets a fresh version), so the backward pass can
// read every intermediate value; then each statement, last first, sums the contributions to its
// target's adjoint and pushes that adjoint through its expression tree to the names it reads.
// Only "varied" values, float values that depend on a differentiated input, take part: that
// prunes integer index arithmetic, conditions and the zero-derivative ops in one place.
#include "ops/tasklet_derivative.h"

#include <cstddef>
#include <optional>
#include <ranges>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ir/diagnostic.h"

namespace sluice::ops {
namespace {

using ir::DType;
using ir::TaskletCode;
using ir::TaskletExpr;
using ir::TaskletStatement;
using Op = ir::TaskletOp;

// 2 / sqrt(pi): d/dx erf(x) = 2 / sqrt(pi) * exp(-x^2).
constexpr double kTwoOverSqrtPi = 1.1283791670955126;

TaskletExpr var(const std::string& name) { return TaskletExpr::variable(name); }
TaskletExpr lit(double value) { return TaskletExpr::floating(value); }
TaskletExpr call(Op op, std::vector<TaskletExpr> operands) {
  return TaskletExpr::make(op, std::move(operands));
}

bool is_literal(const TaskletExpr& e) {
  return e.op() == Op::Int || e.op() == Op::Float || e.op() == Op::Bool;
}

// Cheap enough to repeat rather than bind to a local.
bool is_trivial(const TaskletExpr& e) {
  return e.op() == Op::Var || is_literal(e) || (e.op() == Op::Neg && is_literal(e.operand(0)));
}

struct Forward {
  std::string name;  // the version this statement defines
  DType type;
  TaskletExpr value;  // over versions
};

class Differentiator {
public:
  Differentiator(const TaskletCode& code, const TaskletDerivativeSpec& spec)
      : code_(code), spec_(spec) {}

  TaskletCode run() {
    const auto assigned = check_types();
    validate();
    const std::vector<Forward> forward = single_assignment(assigned);
    for (const auto& [output, adjoint] : spec_.outputs) {
      const std::string& v = version_.at(output);
      types_[adjoint] = types_.at(v);
      if (varied_.contains(v)) adjoints_[v].push_back(var(adjoint));
    }
    for (const Forward& f : std::ranges::reverse_view(forward)) {
      const auto contributions = adjoints_.find(f.name);
      if (contributions == adjoints_.end()) continue;
      TaskletExpr g = sum(contributions->second);
      if (!is_trivial(g)) g = bind("g_" + f.name, f.type, std::move(g));
      backprop(f.value, g, var(f.name));
    }
    for (const auto& [input, gradient] : spec_.inputs) {
      const auto contributions = adjoints_.find(input);
      backward_.push_back(
          {gradient, std::nullopt,
           contributions == adjoints_.end() ? lit(0.0) : sum(contributions->second)});
    }
    return without_dead_lets(forward);
  }

private:
  [[nodiscard]] std::string where() const { return "tasklet '" + spec_.tasklet + "'"; }
  [[noreturn]] void fail(const std::string& message) const { throw UserError(where(), message); }

  std::map<std::string, DType> check_types() const {
    try {
      return ir::infer_tasklet_types(code_, spec_.input_types, spec_.output_types);
    } catch (const UserError& e) {
      std::vector<Diagnostic> diagnostics = e.diagnostics();
      for (auto& d : diagnostics) d.location = where() + " / " + d.location;
      throw UserError(std::move(diagnostics));
    }
  }

  void validate() {
    const auto reads = ir::tasklet_reads(code_);
    const auto writes = ir::tasklet_writes(code_);
    const auto locals = ir::tasklet_locals(code_);
    const auto subscripts = ir::tasklet_subscripts(code_);
    used_.insert(reads.begin(), reads.end());
    used_.insert(writes.begin(), writes.end());
    used_.insert(locals.begin(), locals.end());
    for (const auto& [name, type] : spec_.input_types) used_.insert(name);
    const std::set<std::string> code_names = used_;
    const auto claim = [&](const std::string& name, const std::string& what) {
      if (!ir::is_tasklet_identifier(name)) fail(what + " '" + name + "' is not a valid name");
      if (code_names.contains(name)) fail(what + " '" + name + "' clashes with a name of the code");
      if (!used_.insert(name).second) fail(what + " '" + name + "' is given twice");
    };
    for (const auto& [input, gradient] : spec_.inputs) {
      const auto type = spec_.input_types.find(input);
      if (type == spec_.input_types.end()) fail("'" + input + "' is not an input of the tasklet");
      if (!ir::is_float(type->second))
        fail("cannot differentiate with respect to '" + input + "' of type " +
             std::string(ir::dtype_name(type->second)) + ": only float inputs have gradients");
      if (subscripts.contains(input)) {
        std::string message = "no derivative of subscript '" + input + "[...]' with respect to '";
        message += input;
        message += "': its gradient is a scatter into the array, which tasklet code cannot write";
        fail(message);
      }
      claim(gradient, "gradient");
      varied_.insert(input);
    }
    for (const auto& [output, adjoint] : spec_.outputs) {
      if (!writes.contains(output)) fail("'" + output + "' is not an output of the tasklet");
      claim(adjoint, "adjoint");
    }
  }

  // Every assignment defines a new version; the first keeps the name unless that is an input.
  std::vector<Forward> single_assignment(const std::map<std::string, DType>& assigned) {
    for (const auto& name : ir::tasklet_reads(code_)) version_[name] = name;
    for (const auto& [name, type] : spec_.input_types) {
      version_[name] = name;
      types_[name] = type;
    }
    std::vector<Forward> forward;
    forward.reserve(code_.statements.size());
    for (const auto& s : code_.statements) {
      TaskletExpr value = ir::rename_variables(s.value, version_);
      const DType type = s.let_type ? *s.let_type : assigned.at(s.target);
      const std::string name = version_.contains(s.target) ? fresh(s.target) : s.target;
      types_[name] = type;
      if (ir::is_float(type) && varied(value)) varied_.insert(name);
      version_[s.target] = name;
      forward.push_back({name, type, std::move(value)});
    }
    return forward;
  }

  std::string fresh(const std::string& base) {
    std::string name = base;
    for (int i = 1; used_.contains(name); ++i) name = base + "_" + std::to_string(i);
    used_.insert(name);
    return name;
  }

  // A float value that depends on a differentiated input through ops with a derivative.
  [[nodiscard]] bool varied(const TaskletExpr& e) const {
    switch (e.op()) {
      case Op::Var: return varied_.contains(e.name());
      case Op::Cast: return ir::is_float(e.cast_type()) && varied(e.operand(0));
      case Op::Select: return varied(e.operand(1)) || varied(e.operand(2));
      case Op::Int:
      case Op::Float:
      case Op::Bool:
      case Op::Not:
      case Op::And:
      case Op::Or:
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge:
      case Op::Mod:
      case Op::Floor:
      case Op::Ceil:
      case Op::Subscript: return false;
      default: break;
    }
    for (const auto& operand : e.operands())
      if (varied(operand)) return true;
    return false;
  }

  // The type of a varied expression: that of a varied operand (literals are weak).
  [[nodiscard]] DType type_of(const TaskletExpr& e) const {
    if (e.op() == Op::Var) return types_.at(e.name());
    if (e.op() == Op::Cast) return e.cast_type();
    for (const auto& operand : e.operands())
      if (varied(operand)) return type_of(operand);
    SLUICE_CHECK(false, "type of a value that is not varied: " + ir::print_tasklet_expr(e));
    return DType::f64;
  }

  TaskletExpr bind(const std::string& base, DType type, TaskletExpr value) {
    const std::string name = fresh(base);
    types_[name] = type;
    backward_.push_back({name, type, std::move(value)});
    return var(name);
  }

  // `e` when it is cheap to repeat, else a local holding it.
  TaskletExpr share(const TaskletExpr& e, DType type) {
    return is_trivial(e) ? e : bind("s", type, e);
  }

  static TaskletExpr sum(const std::vector<TaskletExpr>& terms) {
    TaskletExpr total = terms.front();
    for (std::size_t i = 1; i < terms.size(); ++i) {
      const TaskletExpr& t = terms[i];
      total = t.op() == Op::Neg ? std::move(total) - t.operand(0) : std::move(total) + t;
    }
    return total;
  }

  // Adds the contributions of adjoint `g` of `e` to the adjoints of the names `e` reads.
  // `value`, when given, names the value of `e` (a statement's target).
  void backprop(const TaskletExpr& e, TaskletExpr g, std::optional<TaskletExpr> value = {}) {
    if (!varied(e)) return;
    const auto operand_varied = [&](std::size_t i) { return varied(e.operand(i)); };
    const DType type = type_of(e);
    // The value of `e` for rules that use it, bound once when it is used twice.
    const auto result = [&](bool twice) {
      TaskletExpr v = value ? *value : e;
      return twice ? share(v, type) : v;
    };
    TaskletExpr a = e.operands().empty() ? TaskletExpr() : e.operand(0);
    switch (e.op()) {
      case Op::Var: adjoints_[e.name()].push_back(std::move(g)); return;
      case Op::Neg: backprop(a, -std::move(g)); return;
      case Op::Cast: {
        const DType from = type_of(a);
        backprop(a, from == e.cast_type() ? std::move(g) : TaskletExpr::cast(from, std::move(g)));
        return;
      }
      case Op::Exp: backprop(a, g * result(false)); return;
      case Op::Log: backprop(a, g / a); return;
      case Op::Tanh: {
        const TaskletExpr v = result(true);
        backprop(a, g * (lit(1.0) - v * v));
        return;
      }
      case Op::Sigmoid: {
        const TaskletExpr v = result(true);
        backprop(a, g * v * (lit(1.0) - v));
        return;
      }
      case Op::Erf: {
        const TaskletExpr x = share(a, type);
        backprop(a, lit(kTwoOverSqrtPi) * g * call(Op::Exp, {-(x * x)}));
        return;
      }
      case Op::Sqrt: backprop(a, lit(0.5) * g / result(false)); return;
      case Op::Rsqrt: backprop(a, lit(-0.5) * g * result(false) / a); return;
      case Op::Sin: backprop(a, g * call(Op::Cos, {a})); return;
      case Op::Cos: backprop(a, -g * call(Op::Sin, {a})); return;
      case Op::Abs: {
        const TaskletExpr x = share(a, type);
        g = share(g, type);
        backprop(a,
                 call(Op::Select, {call(Op::Lt, {x, lit(0.0)}), -g,
                                   call(Op::Select, {call(Op::Gt, {x, lit(0.0)}), g, lit(0.0)})}));
        return;
      }
      default: break;
    }
    const bool both = e.operands().size() >= 2 && operand_varied(e.operands().size() - 2) &&
                      operand_varied(e.operands().size() - 1);
    if (both) g = share(g, type);
    switch (e.op()) {
      case Op::Add:
        backprop(a, g);
        backprop(e.operand(1), g);
        return;
      case Op::Sub:
        backprop(a, g);
        backprop(e.operand(1), -g);
        return;
      case Op::Mul:
        backprop(a, g * e.operand(1));
        backprop(e.operand(1), g * a);
        return;
      case Op::Div: {
        const TaskletExpr b = both ? share(e.operand(1), type) : e.operand(1);
        backprop(a, g / b);
        backprop(e.operand(1), -(g * result(false)) / b);
        return;
      }
      case Op::Pow: {
        const TaskletExpr& b = e.operand(1);
        if (operand_varied(0)) {
          TaskletExpr b_minus_one = b - lit(1.0);
          if (b.op() == Op::Float) b_minus_one = lit(b.float_value() - 1.0);
          if (b.op() == Op::Int) b_minus_one = lit(static_cast<double>(b.int_value()) - 1.0);
          backprop(a, g * b * call(Op::Pow, {a, b_minus_one}));
        }
        backprop(b, g * result(false) * call(Op::Log, {a}));
        return;
      }
      case Op::Min:
      case Op::Max: {
        // fmin/fmax return the first operand on a tie, so it takes the gradient.
        TaskletExpr first = call(e.op() == Op::Min ? Op::Le : Op::Ge, {a, e.operand(1)});
        if (both) first = share(first, DType::boolean);
        backprop(a, call(Op::Select, {first, g, lit(0.0)}));
        backprop(e.operand(1), call(Op::Select, {first, lit(0.0), g}));
        return;
      }
      case Op::Select: {
        const TaskletExpr c = both ? share(a, DType::boolean) : a;
        backprop(e.operand(1), call(Op::Select, {c, g, lit(0.0)}));
        backprop(e.operand(2), call(Op::Select, {c, lit(0.0), g}));
        return;
      }
      default: break;
    }
    SLUICE_CHECK(false, "no derivative rule for '" + std::string(e.info().spelling) + "'");
  }

  // The forward lets, then the backward statements, without the lets nothing reads.
  TaskletCode without_dead_lets(const std::vector<Forward>& forward) const {
    std::vector<TaskletStatement> all;
    all.reserve(forward.size() + backward_.size());
    for (const auto& f : forward) all.push_back({f.name, f.type, f.value});
    all.insert(all.end(), backward_.begin(), backward_.end());
    std::set<std::string> live;
    std::vector<TaskletStatement> kept;
    for (const TaskletStatement& s : std::ranges::reverse_view(all)) {
      if (s.let_type && !live.contains(s.target)) continue;
      const auto reads = ir::tasklet_reads(s.value);
      live.insert(reads.begin(), reads.end());
      kept.push_back(s);
    }
    return TaskletCode{{kept.rbegin(), kept.rend()}};
  }

  const TaskletCode& code_;
  const TaskletDerivativeSpec& spec_;
  std::set<std::string> used_;                  // names the result must not reuse
  std::map<std::string, DType> types_;          // of every name of the result
  std::map<std::string, std::string> version_;  // the current version of each forward name
  std::set<std::string> varied_;                // the varied versions
  std::map<std::string, std::vector<TaskletExpr>> adjoints_;  // contributions per version
  std::vector<TaskletStatement> backward_;
};

}  // namespace

TaskletCode differentiate_tasklet(const TaskletCode& code, const TaskletDerivativeSpec& spec) {
  return Differentiator(code, spec).run();
}

}  // namespace sluice::ops
