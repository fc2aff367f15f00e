// constant-folding (tier 4): simplifies tasklet code: arithmetic on float literals is computed
// (in double precision, then written as one literal), and identities that hold exactly in IEEE
// arithmetic go: x * 1.0, 1.0 * x, x / 1.0, x - 0.0, -(-x). (x + 0.0 stays: it turns -0.0 into
// +0.0.) Shape arithmetic was folded at import; this is what expansions and fusion leave.

#include <algorithm>
#include <cmath>

#include "transforms/builtins.h"
#include "transforms/map_utils.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

using ir::TaskletExpr;
using ir::TaskletOp;

bool is_float_literal(const TaskletExpr& e) {
  return e.op() == TaskletOp::Float ||
         (e.op() == TaskletOp::Neg && e.operand(0).op() == TaskletOp::Float);
}

double literal_value(const TaskletExpr& e) {
  return e.op() == TaskletOp::Neg ? -e.operand(0).float_value() : e.float_value();
}

bool is_literal(const TaskletExpr& e, double value) {
  return is_float_literal(e) && literal_value(e) == value;
}

/// Ops whose value on float literals is a float computed the same way everywhere.
bool foldable(TaskletOp op) {
  switch (op) {
    case TaskletOp::Neg:
    case TaskletOp::Add:
    case TaskletOp::Sub:
    case TaskletOp::Mul:
    case TaskletOp::Div:
    case TaskletOp::Exp:
    case TaskletOp::Log:
    case TaskletOp::Tanh:
    case TaskletOp::Erf:
    case TaskletOp::Sqrt:
    case TaskletOp::Rsqrt:
    case TaskletOp::Sigmoid:
    case TaskletOp::Sin:
    case TaskletOp::Cos:
    case TaskletOp::Abs:
    case TaskletOp::Pow:
    case TaskletOp::Min:
    case TaskletOp::Max: return true;
    default: return false;
  }
}

TaskletExpr fold(const TaskletExpr& e) {
  if (e.operands().empty()) return e;
  std::vector<TaskletExpr> operands;
  operands.reserve(e.operands().size());
  for (const auto& o : e.operands()) operands.push_back(fold(o));
  TaskletExpr rebuilt = e.with_operands(operands);
  if (rebuilt.op() == TaskletOp::Neg && is_float_literal(operands[0])) {
    return rebuilt;  // already a literal: -(2.0) is how negative literals are written
  }
  if (foldable(rebuilt.op()) && std::all_of(operands.begin(), operands.end(), is_float_literal)) {
    const double v = ir::evaluate_tasklet_expr(rebuilt, {});
    if (std::isfinite(v)) return TaskletExpr::floating(v);
  }
  switch (rebuilt.op()) {
    case TaskletOp::Mul:
      if (is_literal(operands[1], 1.0)) return operands[0];
      if (is_literal(operands[0], 1.0)) return operands[1];
      break;
    case TaskletOp::Div:
      if (is_literal(operands[1], 1.0)) return operands[0];
      break;
    case TaskletOp::Sub:
      if (is_literal(operands[1], 0.0) && !std::signbit(literal_value(operands[1])))
        return operands[0];
      break;
    case TaskletOp::Neg:
      if (operands[0].op() == TaskletOp::Neg) return operands[0].operand(0);
      break;
    default: break;
  }
  return rebuilt;
}

/// `x + 0.0` somewhere: the one identity left alone on purpose (a reason to give).
bool adds_zero(const TaskletExpr& e) {
  if (e.op() == TaskletOp::Add && (is_literal(e.operand(0), 0.0) || is_literal(e.operand(1), 0.0)))
    return true;
  return std::any_of(e.operands().begin(), e.operands().end(), adds_zero);
}

ir::TaskletCode fold(const ir::TaskletCode& code) {
  ir::TaskletCode out = code;
  for (auto& statement : out.statements) statement.value = fold(statement.value);
  return out;
}

class ConstantFolding final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "constant-folding"; }
  [[nodiscard]] int tier() const override { return 4; }
  [[nodiscard]] std::string_view description() const override {
    return "Simplify tasklet code: compute arithmetic on float literals (in double precision) "
           "and drop identities that are exact in IEEE arithmetic (x * 1.0, x / 1.0, x - 0.0, "
           "-(-x)).";
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& /*params*/) const override {
    MatchResult result;
    for_each_scope(program, [&](const Scope& scope, const ir::Graph& g) {
      for (const ir::NodeId n : g.node_ids()) {
        const auto* t = std::get_if<ir::TaskletNode>(&g.node(n));
        if (!t) continue;
        Match m = make_match(scope, {n}, "tasklet '" + t->label + "'");
        if (!(fold(t->code) == t->code)) {
          result.matches.push_back(std::move(m));
          continue;
        }
        for (const auto& statement : t->code.statements)
          if (adds_zero(statement.value)) {
            result.rejected.push_back(
                {m, "tasklet '" + t->label + "': x + 0.0 stays (it turns -0.0 into +0.0)"});
            break;
          }
      }
    });
    return result;
  }

  void apply(Rewriter& rewriter, const Match& match, const ParamValues& /*params*/) const override {
    ir::TaskletNode t = rewriter.graph(match.scope).get<ir::TaskletNode>(match.nodes[0]);
    t.code = fold(t.code);
    rewriter.replace_node(match.scope, match.nodes[0], std::move(t));
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_constant_folding() {
  return std::make_shared<ConstantFolding>();
}

}  // namespace sluice::transforms
