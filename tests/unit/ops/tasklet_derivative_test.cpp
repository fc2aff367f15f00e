// The symbolic tasklet derivative against central finite differences in float64 on random points
// (seed printed), for every float op and for tasklets of the operator library; golden text for
// two small tasklets; and the errors.
#include "ops/tasklet_derivative.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "ir/tasklet.h"

namespace sluice::ops {
namespace {

using ir::DType;

std::mt19937_64 seeded_rng(const std::string& test) {
  const auto seed =
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  std::cout << test << ": seed " << seed << "\n";
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return std::mt19937_64(seed);
}

struct Input {
  DType type = DType::f64;
  double lo = -2.0;  // random values in [lo, hi]; integers for integer types
  double hi = 2.0;
  bool differentiate = true;
};

struct Case {
  std::string name;
  std::string code;
  std::map<std::string, Input> inputs;
  std::map<std::string, DType> outputs;  // empty: every output is f64
  ir::TaskletArrays arrays;
};

TaskletDerivativeSpec spec_of(const Case& c, const ir::TaskletCode& code) {
  TaskletDerivativeSpec spec;
  spec.tasklet = c.name;
  for (const auto& [name, in] : c.inputs) {
    spec.input_types[name] = in.type;
    if (in.differentiate) spec.inputs[name] = "g" + name;
  }
  for (const auto& name : ir::tasklet_writes(code)) {
    spec.output_types[name] = c.outputs.contains(name) ? c.outputs.at(name) : DType::f64;
    spec.outputs[name] = "g" + name;
  }
  return spec;
}

// loss = sum over outputs of adjoint * output.
double loss(const ir::TaskletCode& code, const std::map<std::string, double>& values,
            const std::map<std::string, DType>& types,
            const std::map<std::string, double>& adjoints, const ir::TaskletArrays& arrays) {
  double total = 0.0;
  for (const auto& [name, value] : ir::evaluate_tasklet(code, values, types, arrays))
    total += adjoints.at(name) * value;
  return total;
}

std::string print_point(const std::map<std::string, double>& values) {
  std::ostringstream out;
  out.precision(17);
  for (const auto& [name, value] : values) out << name << "=" << value << " ";
  return out.str();
}

void check_against_finite_differences(const Case& c, std::mt19937_64& rng) {
  SCOPED_TRACE(c.name + ": " + c.code);
  const ir::TaskletCode code = ir::parse_tasklet(c.code);
  const TaskletDerivativeSpec spec = spec_of(c, code);
  const ir::TaskletCode derivative = differentiate_tasklet(code, spec);
  const std::string text = ir::print_tasklet(derivative);
  SCOPED_TRACE("derivative:\n" + text);
  ASSERT_EQ(ir::parse_tasklet(text), derivative);
  ASSERT_EQ(ir::print_tasklet(ir::parse_tasklet(text)), text);
  std::map<std::string, DType> types = spec.input_types;
  std::map<std::string, DType> gradient_types;
  for (const auto& [input, gradient] : spec.inputs) gradient_types[gradient] = types.at(input);
  for (const auto& [output, adjoint] : spec.outputs) types[adjoint] = spec.output_types.at(output);
  ASSERT_NO_THROW(ir::infer_tasklet_types(derivative, types, gradient_types));
  EXPECT_EQ(ir::tasklet_writes(derivative).size(), spec.inputs.size());
  std::map<std::string, DType> all_types = types;
  all_types.insert(spec.output_types.begin(), spec.output_types.end());

  // A point within a step of a jump or a kink (floor, min, select, abs) has no derivative to
  // compare: its two finite differences disagree, and another point is drawn.
  int checked = 0;
  for (int attempt = 0; attempt < 100 && checked < 8; ++attempt) {
    std::map<std::string, double> values;
    for (const auto& [name, in] : c.inputs) {
      const double v = std::uniform_real_distribution<double>(in.lo, in.hi)(rng);
      values[name] = ir::is_float(in.type) ? v : std::round(v);
    }
    std::map<std::string, double> adjoints;
    std::map<std::string, double> with_adjoints = values;
    for (const auto& [output, adjoint] : spec.outputs) {
      adjoints[output] = std::uniform_real_distribution<double>(-1.5, 1.5)(rng);
      with_adjoints[adjoint] = adjoints[output];
    }
    const auto central = [&](const std::string& input, double h) {
      auto plus = values;
      auto minus = values;
      plus[input] += h;
      minus[input] -= h;
      return (loss(code, plus, all_types, adjoints, c.arrays) -
              loss(code, minus, all_types, adjoints, c.arrays)) /
             (2 * h);
    };
    std::map<std::string, double> fds;
    bool smooth = true;
    for (const auto& [input, gradient] : spec.inputs) {
      const double h = 1e-4 * std::max(1.0, std::fabs(values.at(input)));
      const double coarse = central(input, h);
      const double fine = central(input, h / 2);
      smooth = smooth && std::fabs(coarse - fine) <= 1e-2 * std::max(1.0, std::fabs(fine));
      fds[input] = (4 * fine - coarse) / 3;  // Richardson: the h^2 error terms cancel
    }
    if (!smooth) continue;
    ++checked;
    const auto gradients = ir::evaluate_tasklet(derivative, with_adjoints, types, c.arrays);
    for (const auto& [input, gradient] : spec.inputs) {
      const double fd = fds.at(input);
      const double ad = gradients.at(gradient);
      const double scale = std::max({std::fabs(fd), std::fabs(ad), 1e-2});
      EXPECT_LE(std::fabs(ad - fd), 1e-6 * scale)
          << "d/d" << input << " at " << print_point(values) << ": symbolic " << ad
          << ", finite differences " << fd;
    }
  }
  EXPECT_EQ(checked, 8) << "too few points away from jumps and kinks";
}

Input positive() { return {DType::f64, 0.2, 3.0}; }
Input integer(double lo, double hi) { return {DType::i64, lo, hi, false}; }

std::vector<Case> op_cases() {
  const std::map<std::string, Input> a{{"a", {}}};
  const std::map<std::string, Input> ab{{"a", {}}, {"b", {}}};
  return {
      {"add", "y = a + b;", ab, {}, {}},
      {"sub", "y = a - b;", ab, {}, {}},
      {"mul", "y = a * b;", ab, {}, {}},
      {"div", "y = a / b;", {{"a", {}}, {"b", positive()}}, {}, {}},
      {"neg", "y = -a;", a, {}, {}},
      {"exp", "y = exp(a);", a, {}, {}},
      {"log", "y = log(a);", {{"a", positive()}}, {}, {}},
      {"tanh", "y = tanh(a);", a, {}, {}},
      {"erf", "y = erf(a);", a, {}, {}},
      {"sqrt", "y = sqrt(a);", {{"a", positive()}}, {}, {}},
      {"rsqrt", "y = rsqrt(a);", {{"a", positive()}}, {}, {}},
      {"sigmoid", "y = sigmoid(a);", a, {}, {}},
      {"sin", "y = sin(a);", a, {}, {}},
      {"cos", "y = cos(a);", a, {}, {}},
      {"pow", "y = pow(a, b);", {{"a", positive()}, {"b", {}}}, {}, {}},
      {"pow_constant", "y = pow(a, 3.0) + pow(a, 2);", a, {}, {}},
      {"abs", "y = abs(a) * abs(a * b - 0.5);", ab, {}, {}},
      {"min", "y = min(a, b);", ab, {}, {}},
      {"max", "y = max(a, b);", ab, {}, {}},
      {"select", "y = select(a > b, a * a, b * 3.0);", ab, {}, {}},
      {"cast",
       "y = cast<f32>(a) * w + cast<f32>(cast<f16>(w));",
       {{"a", {}}, {"w", {DType::f32, -2.0, 2.0}}},
       {{"y", DType::f32}},
       {}},
      {"floor_ceil", "y = floor(a) * b + ceil(a * b);", ab, {}, {}},
      {"integer_and_comparison",
       "y = select(a < 0.0 && i % 2 == 0, 0.0, a) * cast<f64>(i / 2 + cast<i64>(a * 3.0));",
       {{"a", {}}, {"i", integer(-5, 5)}},
       {},
       {}},
      {"subscript_by_index",
       "y = d[cast<i64>(floor(a)) + 2] * a;",
       {{"a", {}}, {"d", {DType::f64, 0, 0, false}}},
       {},
       {{"d", [](const std::vector<std::int64_t>& i) { return 0.5 + static_cast<double>(i[0]); }}}},
  };
}

std::vector<Case> library_cases() {
  const std::map<std::string, Input> a{{"a", {}}};
  return {
      {"gelu", "y = 0.5 * a * (1.0 + erf(a * 0.7071067811865476));", a, {}, {}},
      {"gelu_tanh",
       "y = 0.5 * a * (1.0 + tanh(0.7978845608028654 * (a + 0.044715 * a * a * a)));",
       a,
       {},
       {}},
      {"silu", "y = a * sigmoid(a);", a, {}, {}},
      {"softplus", "y = max(a, 0.0) + log(1.0 + exp(-abs(a)));", a, {}, {}},
      {"elu", "y = select(a < 0.0, 1.5 * (exp(a) - 1.0), a);", a, {}, {}},
      {"softmax",
       "let m: f64 = max(a, b); let ea: f64 = exp(a - m); let eb: f64 = exp(b - m);"
       "let s: f64 = ea + eb; y = ea / s; z = eb / s;",
       {{"a", {}}, {"b", {}}},
       {},
       {}},
      {"layer_norm",
       "let mean: f64 = (a + b + c) / 3.0;"
       "let da: f64 = a - mean; let db: f64 = b - mean; let dc: f64 = c - mean;"
       "let var: f64 = (da * da + db * db + dc * dc) / 3.0;"
       "let r: f64 = rsqrt(var + 1e-5);"
       "y = da * r * gamma + beta; z = db * r;",
       {{"a", {}}, {"b", {}}, {"c", {}}, {"gamma", {}}, {"beta", {}}},
       {},
       {}},
      {"pow_f32",
       "y = cast<f32>(pow(cast<f64>(a), cast<f64>(b)));",
       {{"a", {DType::f32, 0.5, 2.0}}, {"b", {DType::f32, -2.0, 2.0}}},
       {{"y", DType::f32}},
       {}},
      {"min_max_select",
       "let lo: f64 = min(a, b); let hi: f64 = max(a, c);"
       "y = select(lo > 0.0, hi * lo, hi - lo);",
       {{"a", {}}, {"b", {}}, {"c", {}}},
       {},
       {}},
      {"lets_reassigned_and_reused",
       "let t: f64 = a * a; t = t * b + a; let u: f64 = sin(t) * a;"
       "y = u + t; y = y * a; z = u / (1.0 + t * t);",
       {{"a", {}}, {"b", {}}, {"k", {DType::f64, -1, 1, false}}},
       {},
       {}},
  };
}

TEST(TaskletDerivative, EveryOpMatchesFiniteDifferences) {
  auto rng = seeded_rng("TaskletDerivative.EveryOpMatchesFiniteDifferences");
  for (const auto& c : op_cases()) check_against_finite_differences(c, rng);
}

TEST(TaskletDerivative, LibraryTaskletsMatchFiniteDifferences) {
  auto rng = seeded_rng("TaskletDerivative.LibraryTaskletsMatchFiniteDifferences");
  for (const auto& c : library_cases()) check_against_finite_differences(c, rng);
}

std::map<std::string, double> gradient_at(const std::string& text, double a, double b) {
  Case c{"tie", text, {{"a", {}}, {"b", {}}}, {}, {}};
  const auto code = ir::parse_tasklet(text);
  const auto derivative = differentiate_tasklet(code, spec_of(c, code));
  return ir::evaluate_tasklet(derivative, {{"a", a}, {"b", b}, {"gy", 2.0}});
}

TEST(TaskletDerivative, MinAndMaxGiveATieToTheFirstOperand) {
  EXPECT_EQ(gradient_at("y = min(a, b);", 0.5, 0.5),
            (std::map<std::string, double>{{"ga", 2.0}, {"gb", 0.0}}));
  EXPECT_EQ(gradient_at("y = max(a, b);", 0.5, 0.5),
            (std::map<std::string, double>{{"ga", 2.0}, {"gb", 0.0}}));
  EXPECT_EQ(gradient_at("y = min(a, b);", 0.7, 0.5),
            (std::map<std::string, double>{{"ga", 0.0}, {"gb", 2.0}}));
}

std::string derivative_text(const std::string& text, const TaskletDerivativeSpec& spec) {
  return ir::print_tasklet(differentiate_tasklet(ir::parse_tasklet(text), spec));
}

TEST(TaskletDerivative, GoldenText) {
  TaskletDerivativeSpec spec{"t", {{"x", DType::f32}}, {}, {{"x", "gx"}}, {{"y", "gy"}}};
  EXPECT_EQ(derivative_text("y = x * exp(x);", spec), "gx = gy * exp(x) + gy * x * exp(x);");
  EXPECT_EQ(derivative_text("let z: f32 = x * 0.7071067811865476;\n"
                            "y = 0.5 * x * (1.0 + erf(z));",
                            spec),
            "let z: f32 = x * 0.7071067811865476;\n"
            "let g_z: f32 = 1.1283791670955126 * (gy * (0.5 * x)) * exp(-(z * z));\n"
            "gx = gy * (1.0 + erf(z)) * 0.5 + g_z * 0.7071067811865476;");
}

TEST(TaskletDerivative, OutputsWithoutAdjointAndUnusedInputsGiveZero) {
  TaskletDerivativeSpec spec{
      "t", {{"x", DType::f32}, {"w", DType::f32}}, {}, {{"x", "gx"}, {"w", "gw"}}, {{"y", "gy"}}};
  EXPECT_EQ(derivative_text("y = exp(x); z = w * y;", spec),
            "let y: f32 = exp(x);\ngw = 0.0;\ngx = gy * y;");
}

std::string error_of(const std::string& text, const TaskletDerivativeSpec& spec) {
  try {
    differentiate_tasklet(ir::parse_tasklet(text), spec);
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

TEST(TaskletDerivative, Errors) {
  const std::map<std::string, DType> types{{"d", DType::f32}, {"i", DType::i64}, {"a", DType::f32}};
  EXPECT_EQ(error_of("y = d[i] * a;", {"gather", types, {}, {{"d", "gd"}}, {{"y", "gy"}}}),
            "error: tasklet 'gather': no derivative of subscript 'd[...]' with respect to 'd': its "
            "gradient is a scatter into the array, which tasklet code cannot write");
  EXPECT_EQ(error_of("y = d[i] * a;", {"gather", types, {}, {{"i", "gi"}}, {{"y", "gy"}}}),
            "error: tasklet 'gather': cannot differentiate with respect to 'i' of type i64: only "
            "float inputs have gradients");
  EXPECT_EQ(error_of("y = d[i] * a;", {"gather", types, {}, {{"a", "i"}}, {{"y", "gy"}}}),
            "error: tasklet 'gather': gradient 'i' clashes with a name of the code");
  EXPECT_EQ(error_of("y = d[i] * a + i;", {"gather", types, {}, {{"a", "ga"}}, {{"y", "gy"}}}),
            "error: tasklet 'gather' / statement 1: in 'y = d[i] * a + i;': operands of '+' have "
            "different types f32 and i64");
  EXPECT_EQ(error_of("y = d[i] * a;", {"gather", types, {}, {{"a", "ga"}}, {{"q", "gq"}}}),
            "error: tasklet 'gather': 'q' is not an output of the tasklet");
  EXPECT_EQ(error_of("y = d[i] * a;", {"gather", types, {}, {{"a", "g"}}, {{"y", "g"}}}),
            "error: tasklet 'gather': adjoint 'g' is given twice");
}

}  // namespace
}  // namespace sluice::ops
