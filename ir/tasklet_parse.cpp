// Lexer and recursive-descent parser of the tasklet language. Every failure is a UserError at
// "line L, column C" saying what was expected and what was found; nesting is bounded by
// kMaxTaskletDepth so hostile input cannot exhaust the stack.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/tasklet.h"

namespace sluice::ir {
namespace {

using Op = TaskletOp;

enum class Tok : std::uint8_t { End, Name, Int, Float, Punct };

struct Token {
  Tok kind = Tok::End;
  std::string_view text;
  int line = 1;
  int column = 1;
};

[[noreturn]] void fail_at(int line, int column, const std::string& message) {
  throw UserError("line " + std::to_string(line) + ", column " + std::to_string(column), message);
}

std::string describe(const Token& t) {
  if (t.kind == Tok::End) return "end of input";
  return "'" + std::string(t.text) + "'";
}

std::string describe_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "'\\x%02X'", u);
  return buffer;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

class Lexer {
public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    for (;;) {
      skip_space();
      Token t;
      t.line = line_;
      t.column = column();
      if (pos_ >= text_.size()) {
        tokens.push_back(t);
        return tokens;
      }
      const std::size_t start = pos_;
      const char c = text_[pos_];
      if (is_name_start(c)) {
        while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
        t.kind = Tok::Name;
      } else if (is_digit(c)) {
        t.kind = lex_number(t);
      } else {
        static constexpr std::string_view kTwo[] = {"==", "!=", "<=", ">=", "&&", "||"};
        static constexpr std::string_view kOne = "+-*/%<>!=(),;:[]";
        t.kind = Tok::Punct;
        for (auto two : kTwo) {
          if (text_.substr(pos_, 2) == two) {
            pos_ += 2;
            break;
          }
        }
        if (pos_ == start) {
          if (kOne.find(c) == std::string_view::npos)
            fail_at(t.line, t.column, "unexpected character " + describe_char(c));
          ++pos_;
        }
      }
      t.text = text_.substr(start, pos_ - start);
      tokens.push_back(t);
    }
  }

private:
  int column() const { return static_cast<int>(pos_ - line_start_) + 1; }

  void skip_space() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        line_start_ = ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        return;
      }
    }
  }

  void digits() {
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
  }

  // [0-9]+ ('.' [0-9]+)? ([eE] [+-]? [0-9]+)?, not followed by a name character or '.'.
  Tok lex_number(const Token& t) {
    const std::size_t start = pos_;
    const auto malformed = [&] {
      std::size_t end = pos_;
      while (end < text_.size() && (is_name_char(text_[end]) || text_[end] == '.')) ++end;
      fail_at(t.line, t.column,
              "malformed number '" + std::string(text_.substr(start, end - start)) + "'");
    };
    bool is_float = false;
    digits();
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (pos_ >= text_.size() || !is_digit(text_[pos_])) malformed();
      digits();
      is_float = true;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (pos_ >= text_.size() || !is_digit(text_[pos_])) malformed();
      digits();
      is_float = true;
    }
    if (pos_ < text_.size() && (is_name_char(text_[pos_]) || text_[pos_] == '.')) malformed();
    return is_float ? Tok::Float : Tok::Int;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  int line_ = 1;
};

class Parser {
public:
  explicit Parser(std::string_view text) : tokens_(Lexer(text).run()) {}

  TaskletCode code() {
    TaskletCode out;
    while (peek().kind != Tok::End) out.statements.push_back(statement());
    return out;
  }

  TaskletExpr lone_expression() {
    TaskletExpr e = expression();
    if (peek().kind != Tok::End) fail_expected(peek(), "end of input");
    return e;
  }

private:
  const Token& peek() const { return tokens_[pos_]; }
  const Token& next() {
    const Token& t = peek();
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool at(std::string_view punct) const {
    return peek().kind == Tok::Punct && peek().text == punct;
  }
  bool accept(std::string_view punct) {
    if (!at(punct)) return false;
    next();
    return true;
  }
  void expect(std::string_view punct, std::string_view context = {}) {
    if (!accept(punct)) fail_missing(punct, context);
  }

  // Failures build their messages out of line: the recursive functions below then hold no string
  // temporaries, which keeps their stack frames small (they nest up to kMaxTaskletDepth deep).
  [[noreturn, gnu::noinline, gnu::cold]] static void fail(const Token& t,
                                                          const std::string& message) {
    fail_at(t.line, t.column, message);
  }
  [[noreturn, gnu::noinline, gnu::cold]] static void fail_expected(const Token& found,
                                                                   const std::string& what,
                                                                   std::string_view context = {}) {
    std::string message = "expected " + what;
    if (!context.empty()) message += " " + std::string(context);
    fail(found, message + ", found " + describe(found));
  }
  [[noreturn, gnu::noinline, gnu::cold]] void fail_missing(std::string_view punct,
                                                          std::string_view context) const {
    fail_expected(peek(), "'" + std::string(punct) + "'", context);
  }
  [[noreturn, gnu::noinline, gnu::cold]] void fail_unclosed(const Token& open, bool call) const {
    const std::string context =
        call ? "after the arguments of " + describe(open)
             : "to close the '(' at line " + std::to_string(open.line) + ", column " +
                   std::to_string(open.column);
    fail_expected(peek(), "')'", context);
  }
  [[noreturn, gnu::noinline, gnu::cold]] static void fail_arity(const Token& function, int arity,
                                                                std::size_t found) {
    fail(function, describe(function) + " takes " + std::to_string(arity) +
                       (arity == 1 ? " argument" : " arguments") + ", found " +
                       std::to_string(found));
  }
  [[noreturn, gnu::noinline, gnu::cold]] static void fail_literal(const Token& t,
                                                                  const char* kind) {
    fail(t, std::string(kind) + " literal " + describe(t) + " is out of range");
  }
  [[noreturn, gnu::noinline, gnu::cold]] static void fail_unknown_type(const Token& t) {
    fail(t, "unknown type " + describe(t) + "; expected f32, f16, bf16, f64, i8, i32, i64 or bool");
  }
  [[noreturn, gnu::noinline, gnu::cold]] static void fail_unknown_function(const Token& t) {
    fail(t, "unknown function " + describe(t));
  }

  std::string name(std::string_view what) {
    const Token& t = peek();
    if (t.kind != Tok::Name || !is_tasklet_identifier(t.text)) fail_expected(t, std::string(what));
    next();
    return std::string(t.text);
  }

  DType type() {
    const Token& t = peek();
    if (t.kind != Tok::Name) fail_expected(t, "a type");
    const auto dtype = parse_dtype(t.text);
    if (!dtype) fail_unknown_type(t);
    next();
    return *dtype;
  }

  TaskletStatement statement() {
    TaskletStatement s;
    if (peek().kind == Tok::Name && peek().text == "let") {
      next();
      s.target = name("a local name after 'let'");
      expect(":", "and a type after the local name");
      s.let_type = type();
    } else {
      s.target = name("a statement (a name or 'let')");
    }
    expect("=");
    s.value = expression();
    expect(";", "after the statement");
    return s;
  }

  // Counts the nesting of parentheses, prefix operators, calls and casts. Text printed from a tree
  // of depth d nests at most d deep, so everything printable parses back.
  struct Nest {
    Nest(Parser& p, const Token& at) : parser(p) {
      if (++parser.nesting_ > kMaxTaskletDepth) too_deep(at);
    }
    ~Nest() { --parser.nesting_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    Parser& parser;
  };

  [[noreturn, gnu::noinline, gnu::cold]] static void too_deep(const Token& at) {
    fail(at, "expression nested too deeply (more than " + std::to_string(kMaxTaskletDepth) +
                 " levels)");
  }

  static TaskletExpr checked(TaskletExpr e, const Token& at) {
    if (e.depth() > kMaxTaskletDepth) too_deep(at);
    return e;
  }

  static std::optional<Op> binary_op(const Token& t) {
    if (t.kind != Tok::Punct) return std::nullopt;
    static constexpr Op kInfix[] = {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Mod,
                                    Op::Eq,  Op::Ne,  Op::Lt,  Op::Le,  Op::Gt,
                                    Op::Ge,  Op::And, Op::Or};
    for (Op op : kInfix)
      if (tasklet_op_info(op).spelling == t.text) return op;
    return std::nullopt;
  }

  // Binary operators by operator precedence on explicit stacks, so only parentheses, prefix
  // operators, calls and casts recurse.
  TaskletExpr expression() {
    std::vector<TaskletExpr> values;
    std::vector<std::pair<Op, const Token*>> pending;
    const auto reduce = [&] {
      const auto [op, token] = pending.back();
      pending.pop_back();
      TaskletExpr right = std::move(values.back());
      values.pop_back();
      TaskletExpr left = std::move(values.back());
      values.back() = checked(TaskletExpr::make(op, {std::move(left), std::move(right)}), *token);
    };
    values.push_back(unary());
    while (const auto op = binary_op(peek())) {
      const int precedence = tasklet_op_info(*op).precedence;
      // Left-associative: an equal precedence on the stack binds first.
      while (!pending.empty() && tasklet_op_info(pending.back().first).precedence >= precedence)
        reduce();
      pending.emplace_back(*op, &next());
      values.push_back(unary());
    }
    while (!pending.empty()) reduce();
    return std::move(values.back());
  }

  TaskletExpr unary() {
    const Token& t = peek();
    if (at("-") || at("!")) {
      next();
      Nest nest(*this, t);
      return checked(TaskletExpr::make(t.text == "-" ? Op::Neg : Op::Not, {unary()}), t);
    }
    TaskletExpr e = primary();
    if (at("[")) fail_subscripted_expression(t, e.op() == Op::Subscript && t.kind == Tok::Name);
    return e;
  }

  [[gnu::noinline]] TaskletExpr primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::Int: {
        next();
        std::int64_t value = 0;
        const auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), value);
        if (r.ec != std::errc() || r.ptr != t.text.data() + t.text.size())
          fail_literal(t, "integer");
        return TaskletExpr::integer(value);
      }
      case Tok::Float: {
        next();
        double value = 0;
        const auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), value);
        if (r.ec != std::errc() || r.ptr != t.text.data() + t.text.size())
          fail_literal(t, "float");
        return TaskletExpr::floating(value);
      }
      case Tok::Name: return named(t);
      case Tok::Punct:
        if (t.text == "(") {
          next();
          Nest nest(*this, t);
          TaskletExpr e = expression();
          if (!accept(")")) fail_unclosed(t, false);
          return e;
        }
        break;
      case Tok::End: break;
    }
    fail_expected(t, "an expression");
  }

  [[gnu::noinline]] TaskletExpr named(const Token& t) {
    next();
    if (t.text == "true" || t.text == "false") return TaskletExpr::boolean(t.text == "true");
    if (t.text == "inf") return TaskletExpr::floating(std::numeric_limits<double>::infinity());
    if (t.text == "cast") {
      expect("<", "after 'cast'");
      const DType to = type();
      expect(">", "after the type of the cast");
      expect("(", "after 'cast<...>'");
      Nest nest(*this, t);
      TaskletExpr operand = expression();
      expect(")", "to close the cast");
      return checked(TaskletExpr::cast(to, std::move(operand)), t);
    }
    if (!is_tasklet_identifier(t.text)) fail_expected(t, "an expression");
    if (at("[")) return subscript(t);
    if (!at("(")) return TaskletExpr::variable(std::string(t.text));
    const auto function = tasklet_function(t.text);
    if (!function) fail_unknown_function(t);
    next();
    Nest nest(*this, t);
    std::vector<TaskletExpr> args;
    if (!at(")")) {
      args.push_back(expression());
      while (accept(",")) args.push_back(expression());
    }
    if (!accept(")")) fail_unclosed(t, true);
    const int arity = tasklet_op_info(*function).arity;
    if (args.size() != static_cast<std::size_t>(arity)) fail_arity(t, arity, args.size());
    return checked(TaskletExpr::make(*function, std::move(args)), t);
  }

  [[gnu::noinline]] TaskletExpr subscript(const Token& t) {
    next();
    Nest nest(*this, t);
    std::vector<TaskletExpr> indices;
    indices.push_back(expression());
    while (accept(",")) indices.push_back(expression());
    if (!accept("]")) fail_unclosed_subscript(t);
    return checked(TaskletExpr::subscript(std::string(t.text), std::move(indices)), t);
  }

  [[noreturn, gnu::noinline, gnu::cold]] void fail_unclosed_subscript(const Token& name) const {
    fail_expected(peek(), "']'", "after the indices of " + describe(name));
  }
  // Only a connector's name is an array; `a[i][j]` would index a scalar.
  [[noreturn, gnu::noinline, gnu::cold]] void fail_subscripted_expression(const Token& start,
                                                                          bool subscript) const {
    if (subscript)
      fail(peek(), "a subscript takes all its indices in one '[...]' (write '" +
                       std::string(start.text) + "[i, j]', not '" + std::string(start.text) +
                       "[i][j]')");
    fail(peek(), "only a name (an input connector) can be subscripted, not the expression at " +
                     describe(start));
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int nesting_ = 0;
};

}  // namespace

TaskletCode parse_tasklet(std::string_view text) { return Parser(text).code(); }

TaskletExpr parse_tasklet_expr(std::string_view text) { return Parser(text).lone_expression(); }

}  // namespace sluice::ir
