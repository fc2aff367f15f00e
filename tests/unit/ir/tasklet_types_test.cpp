// Type inference of tasklet code: the weak-literal rules and the diagnostics.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "ir/diagnostic.h"
#include "ir/tasklet.h"

namespace sluice::ir {
namespace {

using Types = std::map<std::string, DType>;

Types infer(const std::string& text, const Types& inputs, const Types& outputs = {}) {
  return infer_tasklet_types(parse_tasklet(text), inputs, outputs);
}

// "LOCATION: MESSAGE" of the type error, or "no error".
std::string type_error(const std::string& text, const Types& inputs, const Types& outputs = {}) {
  try {
    infer(text, inputs, outputs);
  } catch (const UserError& e) {
    const auto& d = e.diagnostics().at(0);
    return d.location + ": " + d.message;
  }
  return "no error";
}

const Types kF32{{"x", DType::f32}, {"m", DType::f32}, {"h", DType::f16}, {"i", DType::i64},
                 {"n", DType::i32}, {"b", DType::boolean}, {"g", DType::bf16}};

TEST(TaskletTypes, InfersOutputsAndLocals) {
  EXPECT_EQ(infer("y = 0.5 * x * (1.0 + erf(x * 0.7071067811865476));", kF32),
            (Types{{"y", DType::f32}}));
  EXPECT_EQ(infer("let d: f32 = x - m;\ne = exp(d);", kF32),
            (Types{{"d", DType::f32}, {"e", DType::f32}}));
  EXPECT_EQ(infer("y = h * 0.5 + 1;", kF32), (Types{{"y", DType::f16}}));
  EXPECT_EQ(infer("y = g * 2;", kF32), (Types{{"y", DType::bf16}}));
  EXPECT_EQ(infer("y = x > 0.0;", kF32), (Types{{"y", DType::boolean}}));
  EXPECT_EQ(infer("y = select(x > 0.0, x, 0.0);", kF32), (Types{{"y", DType::f32}}));
  EXPECT_EQ(infer("y = cast<f16>(x) + h;", kF32), (Types{{"y", DType::f16}}));
  EXPECT_EQ(infer("y = i / 4 % 3 + 1;", kF32), (Types{{"y", DType::i64}}));
  EXPECT_EQ(infer("y = n * 2;", kF32), (Types{{"y", DType::i32}}));
  EXPECT_EQ(infer("y = !b && (i == 0 || b != true);", kF32), (Types{{"y", DType::boolean}}));
  EXPECT_EQ(infer("y = min(abs(-n), 3);", kF32), (Types{{"y", DType::i32}}));
  EXPECT_EQ(infer("y = pow(h, 2);", kF32), (Types{{"y", DType::f16}}));
  EXPECT_EQ(infer("y = cast<f32>(i) * x;", kF32), (Types{{"y", DType::f32}}));
}

TEST(TaskletTypes, TheHeaderExampleChecks) {
  const std::string text =
      "let z: f32 = x * 0.7071067811865476;\n"
      "y = 0.5 * x * (1.0 + erf(z));\n"
      "mask = select(x > 0.0, 1.0, 0.0) * cast<f32>(i % 2 == 0);";
  EXPECT_EQ(print_tasklet(parse_tasklet(text)), text);
  EXPECT_EQ(infer(text, {{"x", DType::f32}, {"i", DType::i64}}),
            (Types{{"mask", DType::f32}, {"y", DType::f32}, {"z", DType::f32}}));
}

TEST(TaskletTypes, WeakLiteralsDefaultWhenNothingDecides) {
  EXPECT_EQ(infer("y = 1.0 + 2;", {}), (Types{{"y", DType::f32}}));
  EXPECT_EQ(infer("y = 1 + 2;", {}), (Types{{"y", DType::i64}}));
  EXPECT_EQ(infer("y = exp(1);", {}), (Types{{"y", DType::f32}}));
  EXPECT_EQ(infer("y = -inf;", {}), (Types{{"y", DType::f32}}));
  // The output's declared type decides instead.
  EXPECT_EQ(infer("y = 0.0;", {}, {{"y", DType::f16}}), (Types{{"y", DType::f16}}));
  EXPECT_EQ(infer("y = 1;", {}, {{"y", DType::f64}}), (Types{{"y", DType::f64}}));
  EXPECT_EQ(infer("let t: bf16 = 1.5;", {}), (Types{{"t", DType::bf16}}));
  EXPECT_EQ(infer("let t: i8 = 3;", {}), (Types{{"t", DType::i8}}));
}

TEST(TaskletTypes, OutputsCanBeReadAfterTheyAreWritten) {
  EXPECT_EQ(infer("y = x * 2.0;\nz = y + 1.0;\ny = z;", kF32),
            (Types{{"y", DType::f32}, {"z", DType::f32}}));
}

TEST(TaskletTypes, ErrorsNameTheStatementAndTheMismatch) {
  EXPECT_EQ(type_error("y = x;\nz = x + h;", kF32),
            "statement 2: in 'z = x + h;': operands of '+' have different types f32 and f16");
  EXPECT_EQ(type_error("y = x < b;", kF32),
            "statement 1: in 'y = x < b;': operands of '<' have different types f32 and bool");
  EXPECT_EQ(type_error("y = b < b;", kF32),
            "statement 1: in 'y = b < b;': '<' needs numeric operands, found bool");
  EXPECT_EQ(type_error("y = i * 0.5;", kF32),
            "statement 1: in 'y = i * 0.5;': operands of '*' have different types i64 and float literal");
  EXPECT_EQ(type_error("y = x + q;", kF32), "statement 1: in 'y = x + q;': unknown name 'q'");
  EXPECT_EQ(type_error("y = x % m;", kF32),
            "statement 1: in 'y = x % m;': '%' needs integer operands, found f32");
  EXPECT_EQ(type_error("y = exp(i);", kF32),
            "statement 1: in 'y = exp(i);': 'exp' needs float operands, found i64");
  EXPECT_EQ(type_error("y = b + b;", kF32),
            "statement 1: in 'y = b + b;': '+' needs numeric operands, found bool");
  EXPECT_EQ(type_error("y = x && b;", kF32),
            "statement 1: in 'y = x && b;': '&&' needs bool operands, found f32");
  EXPECT_EQ(type_error("y = !x;", kF32), "statement 1: in 'y = !x;': '!' needs bool operands, found f32");
  EXPECT_EQ(type_error("y = -b;", kF32), "statement 1: in 'y = -b;': '-' needs numeric operands, found bool");
  EXPECT_EQ(type_error("y = select(x, x, m);", kF32),
            "statement 1: in 'y = select(x, x, m);': the condition of 'select' must be bool, found f32");
  EXPECT_EQ(type_error("y = select(b, x, h);", kF32),
            "statement 1: in 'y = select(b, x, h);': operands of 'select' have different types f32 and f16");
  EXPECT_EQ(type_error("y = max(n, i);", kF32),
            "statement 1: in 'y = max(n, i);': operands of 'max' have different types i32 and i64");
  EXPECT_EQ(type_error("y = pow(x, h);", kF32),
            "statement 1: in 'y = pow(x, h);': operands of 'pow' have different types f32 and f16");
  EXPECT_EQ(type_error("let t: f16 = x;", kF32),
            "statement 1: in 'let t: f16 = x;': 't' is declared f16 but assigned f32");
  EXPECT_EQ(type_error("let t: i32 = 1.5;", kF32),
            "statement 1: in 'let t: i32 = 1.5;': 't' is declared i32 but assigned float literal");
  EXPECT_EQ(type_error("let t: f32 = x;\nlet t: f32 = m;", kF32),
            "statement 2: in 'let t: f32 = m;': 't' is already defined");
  EXPECT_EQ(type_error("let x: f32 = m;", kF32),
            "statement 1: in 'let x: f32 = m;': 'x' is already defined");
  EXPECT_EQ(type_error("y = x;\ny = h;", kF32),
            "statement 2: in 'y = h;': 'y' has type f32 but is assigned f16");
  EXPECT_EQ(type_error("y = x;", kF32, {{"y", DType::f16}}),
            "statement 1: in 'y = x;': 'y' has type f16 but is assigned f32");
  EXPECT_EQ(type_error("y = true;", kF32, {{"y", DType::f32}}),
            "statement 1: in 'y = true;': 'y' has type f32 but is assigned bool");
  EXPECT_EQ(type_error("y = t;\nlet t: f32 = x;", kF32), "statement 1: in 'y = t;': unknown name 't'");
}

}  // namespace
}  // namespace sluice::ir
