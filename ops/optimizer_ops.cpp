// Optimizer updates (Sluice ops, for training-step programs): one element-wise map per parameter
// that updates the parameter and its optimizer state in place. The formulas are torch.optim's
// (SGD with momentum, Adam, AdamW), so a training step matches a torch training loop.
//
//   SgdUpdate(param, grad, velocity) -> (param, velocity)         lr, momentum, weight_decay
//   AdamUpdate(param, grad, m, v, step) -> (param, m, v)          lr, beta1, beta2, epsilon,
//   AdamWUpdate(param, grad, m, v, step) -> (param, m, v)         weight_decay
//
// `step` is the number of this update (1, 2, ...), a rank-0 float: Adam's bias corrections use it.

#include <string>

#include "ops/expansion.h"
#include "ops/op_groups.h"
#include "ops/op_helpers.h"
#include "ops/op_registry.h"

namespace sluice::ops {
namespace {

void require_float_parameter(const ExpansionContext& x) {
  if (!ir::is_float(x.input(0).dtype))
    x.fail("the parameter has dtype " + type_name(x.input(0).dtype) +
           "; optimizers update floating-point parameters");
  for (int k = 1; k < x.num_inputs(); ++k)
    if (x.has_input(k) && x.input(k).dtype != x.input(0).dtype)
      x.fail("input " + std::to_string(k) + " has dtype " + type_name(x.input(k).dtype) +
             ", the parameter " + type_name(x.input(0).dtype));
}

// torch.optim.SGD (dampening 0, not Nesterov): g += wd * p; v = momentum * v + g; p -= lr * v.
// A zero velocity makes the first step v = g, as torch's first step does.
void expand_sgd(ExpansionContext& x) {
  require_float_parameter(x);
  const ir::DType t = x.input(0).dtype;
  const auto lit = [&](double v) { return literal(t, v); };
  const std::string ty = ": " + type_name(t) + " = ";
  const double momentum = x.attr_float("momentum", 0.0);
  const std::string g = "(g + " + lit(x.attr_float("weight_decay", 0.0)) + " * p)";
  if (momentum == 0.0) {
    elementwise_on(x, "sgd", {{"p", x.input_name(0)}, {"g", x.input_name(1)}},
                   "po = p - " + lit(x.attr_float("lr")) + " * " + g + ";",
                   {{"po", x.output_name(0)}}, x.input(0).shape);
    return;
  }
  elementwise_on(x, "sgd", {{"p", x.input_name(0)}, {"g", x.input_name(1)}, {"v", x.input_name(2)}},
                 "let vn" + ty + lit(momentum) + " * v + " + g + "; po = p - " +
                     lit(x.attr_float("lr")) + " * vn; vo = vn;",
                 {{"po", x.output_name(0)}, {"vo", x.output_name(1)}}, x.input(0).shape);
}

// torch.optim.Adam / AdamW: Adam adds weight decay to the gradient, AdamW decays the parameter.
void expand_adam(ExpansionContext& x, bool decoupled) {
  require_float_parameter(x);
  const ir::DType t = x.input(0).dtype;
  const auto lit = [&](double v) { return literal(t, v); };
  const std::string ty = ": " + type_name(t) + " = ";
  const double lr = x.attr_float("lr", 1e-3);
  const double b1 = x.attr_float("beta1", 0.9);
  const double b2 = x.attr_float("beta2", 0.999);
  const double eps = x.attr_float("epsilon", 1e-8);
  const double wd = x.attr_float("weight_decay", decoupled ? 1e-2 : 0.0);
  const std::string g = decoupled ? "g" : "(g + " + lit(wd) + " * p)";
  const std::string p = decoupled ? "(p * " + lit(1.0 - lr * wd) + ")" : "p";
  const std::string code =
      "let gr" + ty + g + "; let mn" + ty + lit(b1) + " * m + " + lit(1.0 - b1) + " * gr; " +
      "let vn" + ty + lit(b2) + " * v + " + lit(1.0 - b2) + " * gr * gr; " + "let bc1" + ty +
      lit(1.0) + " - pow(" + lit(b1) + ", s); " + "let bc2" + ty + lit(1.0) + " - pow(" + lit(b2) +
      ", s); " + "po = " + p + " - " + lit(lr) + " / bc1 * mn / (sqrt(vn) / sqrt(bc2) + " +
      lit(eps) + "); mo = mn; vo = vn;";
  elementwise_on(x, decoupled ? "adamw" : "adam",
                 {{"p", x.input_name(0)},
                  {"g", x.input_name(1)},
                  {"m", x.input_name(2)},
                  {"v", x.input_name(3)},
                  {"s", x.input_name(4)}},
                 code,
                 {{"po", x.output_name(0)}, {"mo", x.output_name(1)}, {"vo", x.output_name(2)}},
                 x.input(0).shape);
}

}  // namespace

void add_optimizer_ops(OpTable& table) {
  table.add("SgdUpdate", expand_sgd);
  table.add("AdamUpdate", [](ExpansionContext& x) { expand_adam(x, false); });
  table.add("AdamWUpdate", [](ExpansionContext& x) { expand_adam(x, true); });
}

}  // namespace sluice::ops
