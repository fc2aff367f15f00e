// Canonical text of tasklet code: minimal parentheses, shortest exact float literals.
#include <charconv>
#include <cmath>
#include <string>

#include "ir/diagnostic.h"
#include "ir/tasklet.h"

namespace sluice::ir {
namespace {

using Op = TaskletOp;

// Shortest text that reads back as the same double, always recognizably a float: fixed notation
// for ordinary magnitudes, an exponent (without '+' or leading zeros) for the others.
std::string format_float(double value) {
  if (std::isinf(value)) return "inf";
  if (value == 0.0) return "0.0";
  char buffer[64];
  const bool fixed = value >= 1e-5 && value < 1e16;
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value,
                                    fixed ? std::chars_format::fixed : std::chars_format::scientific);
  SLUICE_CHECK(result.ec == std::errc(), "float literal does not fit the print buffer");
  std::string text(buffer, result.ptr);
  if (fixed) {
    if (text.find('.') == std::string::npos) text += ".0";
    return text;
  }
  const auto e = text.find('e');
  std::string mantissa = text.substr(0, e);
  std::string exponent = text.substr(e + 1);
  std::string sign;
  if (exponent.front() == '+' || exponent.front() == '-') {
    if (exponent.front() == '-') sign = "-";
    exponent.erase(0, 1);
  }
  while (exponent.size() > 1 && exponent.front() == '0') exponent.erase(0, 1);
  return mantissa + "e" + sign + exponent;
}

void print(const TaskletExpr& e, std::string& out);

void print_operand(const TaskletExpr& operand, bool parenthesize, std::string& out) {
  if (parenthesize) out += '(';
  print(operand, out);
  if (parenthesize) out += ')';
}

void print(const TaskletExpr& e, std::string& out) {
  const auto& info = e.info();
  switch (info.form) {
    case TaskletOpForm::Leaf:
      switch (e.op()) {
        case Op::Int: out += std::to_string(e.int_value()); return;
        case Op::Float: out += format_float(e.float_value()); return;
        case Op::Bool: out += e.bool_value() ? "true" : "false"; return;
        default: out += e.name(); return;
      }
    case TaskletOpForm::Prefix:
      out += info.spelling;
      print_operand(e.operand(0), e.operand(0).info().precedence < info.precedence, out);
      return;
    case TaskletOpForm::Infix:
      // Left-associative: a right operand of equal precedence keeps its parentheses.
      print_operand(e.operand(0), e.operand(0).info().precedence < info.precedence, out);
      out += ' ';
      out += info.spelling;
      out += ' ';
      print_operand(e.operand(1), e.operand(1).info().precedence <= info.precedence, out);
      return;
    case TaskletOpForm::Cast:
      out += "cast<";
      out += dtype_name(e.cast_type());
      out += ">(";
      print(e.operand(0), out);
      out += ')';
      return;
    case TaskletOpForm::Subscript:
      out += e.operand(0).name();
      out += '[';
      for (std::size_t i = 1; i < e.operands().size(); ++i) {
        if (i > 1) out += ", ";
        print(e.operand(i), out);
      }
      out += ']';
      return;
    case TaskletOpForm::Call:
      out += info.spelling;
      out += '(';
      for (std::size_t i = 0; i < e.operands().size(); ++i) {
        if (i > 0) out += ", ";
        print(e.operand(i), out);
      }
      out += ')';
      return;
  }
}

}  // namespace

std::string print_tasklet_expr(const TaskletExpr& expr) {
  std::string out;
  print(expr, out);
  return out;
}

std::string print_tasklet_statement(const TaskletStatement& statement) {
  std::string out;
  if (statement.let_type) {
    out += "let " + statement.target + ": ";
    out += dtype_name(*statement.let_type);
  } else {
    out += statement.target;
  }
  out += " = ";
  print(statement.value, out);
  out += ';';
  return out;
}

std::string print_tasklet(const TaskletCode& code) {
  std::string out;
  for (const auto& statement : code.statements) {
    if (!out.empty()) out += '\n';
    out += print_tasklet_statement(statement);
  }
  return out;
}

}  // namespace sluice::ir
