// The text form of symbolic expressions: the printer (`Expr::str`) and a recursive-descent
// parser over
//
//   sum     := product (('+' | '-') product)*
//   product := unary (('*' | '//' | '%') unary)*        (left to right, as in Python)
//   unary   := '-' unary | primary
//   primary := INTEGER | IDENTIFIER | IDENTIFIER '(' sum (',' sum)* ')' | '(' sum ')'
//
// A run of `*` is built with one n-ary `product` call (and a run of `+`/`-` with one `sum`),
// the same way the printer's output was made, so `parse_expr(e.str()) == e` always holds.

#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "ir/diagnostic.h"
#include "ir/expr.h"

namespace sluice::ir {
namespace {

// ---------------------------------------------------------------------------------------------
// Printing

constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

void print(const Expr& e, std::string& out);

/// A term of a sum as coefficient and monomial (the factors after a Mul's coefficient).
struct TermView {
  std::int64_t coeff;
  std::span<const Expr> monomial;
};

TermView split_term(const Expr& t) {
  if (t.kind() != ExprKind::Mul) return {1, std::span<const Expr>(&t, 1)};
  std::span<const Expr> ops = t.operands();
  if (auto c = ops.front().constant_value()) return {*c, ops.subspan(1)};
  return {1, ops};
}

void print_monomial(std::span<const Expr> factors, std::string& out) {
  bool first = true;
  for (const Expr& f : factors) {
    if (!first) out += '*';
    first = false;
    if (f.kind() == ExprKind::Add) {
      out += '(';
      print(f, out);
      out += ')';
    } else {
      print(f, out);
    }
  }
}

/// `coeff*monomial`, with a leading sign only when `coeff` is negative.
void print_term(std::int64_t coeff, std::span<const Expr> monomial, std::string& out) {
  if (coeff == -1) {
    out += '-';
  } else if (coeff != 1) {
    out += std::to_string(coeff);
    out += '*';
  }
  print_monomial(monomial, out);
}

void print_sum(const Expr& e, std::string& out) {
  const auto& ops = e.operands();
  bool has_constant = ops.back().is_constant();
  std::size_t n = ops.size() - (has_constant ? 1 : 0);
  bool first = true;
  // Terms with a positive coefficient first, so `N - M` rather than `-M + N`.
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < n; ++i) {
      TermView t = split_term(ops[i]);
      if ((t.coeff > 0) != (pass == 0)) continue;
      if (first) {
        print_term(t.coeff, t.monomial, out);
      } else if (t.coeff < 0 && t.coeff != kInt64Min) {
        out += " - ";
        print_term(-t.coeff, t.monomial, out);
      } else {
        out += " + ";  // INT64_MIN has no positive counterpart: `+ -9223372036854775808*N`
        print_term(t.coeff, t.monomial, out);
      }
      first = false;
    }
  }
  if (has_constant) {
    std::int64_t c = *ops.back().constant_value();
    if (c < 0 && c != kInt64Min) {
      out += " - ";
      out += std::to_string(-c);
    } else {
      out += " + ";
      out += std::to_string(c);
    }
  }
}

void print_call(const char* name, const Expr& e, std::string& out) {
  out += name;
  out += '(';
  bool first = true;
  for (const Expr& op : e.operands()) {
    if (!first) out += ", ";
    first = false;
    print(op, out);
  }
  out += ')';
}

void print(const Expr& e, std::string& out) {
  switch (e.kind()) {
    case ExprKind::Constant: out += std::to_string(*e.constant_value()); break;
    case ExprKind::Symbol: out += e.symbol_name(); break;
    case ExprKind::Add: print_sum(e, out); break;
    case ExprKind::Mul: {
      TermView t = split_term(e);
      print_term(t.coeff, t.monomial, out);
      break;
    }
    case ExprKind::FloorDiv: print_call("floordiv", e, out); break;
    case ExprKind::Mod: print_call("mod", e, out); break;
    case ExprKind::Min: print_call("min", e, out); break;
    case ExprKind::Max: print_call("max", e, out); break;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

constexpr int kMaxDepth = 200;

enum class Tok {
  End,
  Integer,
  Identifier,
  Plus,
  Minus,
  Star,
  SlashSlash,
  Percent,
  LParen,
  RParen,
  Comma
};

struct Token {
  Tok kind = Tok::End;
  std::size_t column = 1;  // 1-based
  std::string_view text;
  std::uint64_t value = 0;  // Integer: the magnitude, up to 2^63
};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::End: return "end of input";
    case Tok::Integer: return "integer '" + std::string(t.text) + "'";
    case Tok::Identifier: return "identifier '" + std::string(t.text) + "'";
    default: return "'" + std::string(t.text) + "'";
  }
}

class Parser {
public:
  explicit Parser(std::string_view text) : text_(text) { advance(); }

  Expr parse_all() {
    Expr e = parse_sum();
    if (tok_.kind != Tok::End)
      fail(tok_, "expected an operator or end of input but found " + describe(tok_));
    return e;
  }

private:
  [[noreturn]] static void fail(std::size_t column, const std::string& message) {
    throw UserError("column " + std::to_string(column), message);
  }
  [[noreturn]] static void fail(const Token& at, const std::string& message) {
    fail(at.column, message);
  }

  void advance() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
    tok_ = Token{};
    tok_.column = pos_ + 1;
    if (pos_ == text_.size()) return;
    std::size_t start = pos_;
    char c = text_[pos_];
    auto single = [&](Tok kind) {
      tok_.kind = kind;
      tok_.text = text_.substr(start, 1);
      ++pos_;
    };
    if (is_digit(c)) {
      std::uint64_t value = 0;
      bool too_large = false;
      while (pos_ < text_.size() && is_digit(text_[pos_])) {
        auto digit = static_cast<std::uint64_t>(text_[pos_] - '0');
        if (value > (std::uint64_t{1} << 63) / 10 ||
            value * 10 + digit > (std::uint64_t{1} << 63)) {
          too_large = true;
        } else {
          value = value * 10 + digit;
        }
        ++pos_;
      }
      tok_.kind = Tok::Integer;
      tok_.text = text_.substr(start, pos_ - start);
      if (too_large) fail(tok_, "integer " + std::string(tok_.text) + " is out of range");
      tok_.value = value;
      if (pos_ < text_.size() && is_alpha(text_[pos_])) {
        fail(pos_ + 1, "unexpected character '" + std::string(1, text_[pos_]) + "' after integer " +
                           std::string(tok_.text));
      }
    } else if (is_alpha(c)) {
      while (pos_ < text_.size() && (is_alpha(text_[pos_]) || is_digit(text_[pos_]))) ++pos_;
      tok_.kind = Tok::Identifier;
      tok_.text = text_.substr(start, pos_ - start);
    } else if (c == '/') {
      if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        tok_.kind = Tok::SlashSlash;
        tok_.text = text_.substr(start, 2);
        pos_ += 2;
      } else {
        fail(tok_.column, "expected '//' but found '/' (use // for floor division)");
      }
    } else {
      switch (c) {
        case '+': single(Tok::Plus); break;
        case '-': single(Tok::Minus); break;
        case '*': single(Tok::Star); break;
        case '%': single(Tok::Percent); break;
        case '(': single(Tok::LParen); break;
        case ')': single(Tok::RParen); break;
        case ',': single(Tok::Comma); break;
        default: {
          auto u = static_cast<unsigned char>(c);
          std::string shown = u >= 0x20 && u < 0x7f
                                  ? std::string(1, c)
                                  : "\\x" + std::string(1, "0123456789abcdef"[u >> 4]) +
                                        std::string(1, "0123456789abcdef"[u & 15]);
          fail(tok_.column, "unexpected character '" + shown + "'");
        }
      }
    }
  }

  void expect(Tok kind, const char* spelled) {
    if (tok_.kind != kind)
      fail(tok_, std::string("expected ") + spelled + " but found " + describe(tok_));
    advance();
  }

  /// Guards the recursion: every nesting construct (parentheses, calls, unary minus) enters one.
  struct Nest {
    Nest(Parser& p, const Token& at) : parser(p) {
      if (++parser.depth_ > kMaxDepth) {
        fail(at,
             "expression nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
      }
    }
    ~Nest() { --parser.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    Parser& parser;
  };

  /// Runs a constructor; an error it throws (an integer overflow) gets `column`.
  template <typename F>
  static Expr build_at(std::size_t column, F&& build) {
    try {
      return build();
    } catch (const UserError& error) {
      std::vector<Diagnostic> diagnostics = error.diagnostics();
      if (diagnostics.front().location.empty()) {
        diagnostics.front().location = "column " + std::to_string(column);
      }
      throw UserError(std::move(diagnostics));
    }
  }

  Expr parse_sum() {
    std::size_t column = tok_.column;
    std::vector<Expr> terms;
    terms.push_back(parse_product());
    while (tok_.kind == Tok::Plus || tok_.kind == Tok::Minus) {
      Token op = tok_;
      advance();
      Expr t = parse_product();
      terms.push_back(op.kind == Tok::Minus ? build_at(op.column, [&] { return -t; }) : t);
    }
    if (terms.size() == 1) return terms.front();
    return build_at(column, [&] { return sum(terms); });
  }

  Expr parse_product() {
    std::size_t column = tok_.column;
    std::vector<Expr> factors;
    factors.push_back(parse_unary());
    auto reduce = [&] {
      if (factors.size() == 1) return factors.front();
      return build_at(column, [&] { return product(factors); });
    };
    while (true) {
      if (tok_.kind == Tok::Star) {
        advance();
        factors.push_back(parse_unary());
      } else if (tok_.kind == Tok::SlashSlash || tok_.kind == Tok::Percent) {
        Token op = tok_;
        advance();
        Expr left = reduce();
        Expr right = parse_unary();
        factors.assign(1, build_at(op.column, [&] {
                         return op.kind == Tok::SlashSlash ? floordiv(left, right)
                                                           : mod(left, right);
                       }));
      } else {
        break;
      }
    }
    return reduce();
  }

  Expr parse_unary() {
    if (tok_.kind != Tok::Minus) return parse_primary();
    Token minus = tok_;
    Nest nest(*this, minus);
    advance();
    if (tok_.kind == Tok::Integer) {  // a negative literal, so that INT64_MIN can be spelled
      std::uint64_t magnitude = tok_.value;
      advance();
      return Expr(static_cast<std::int64_t>(0 - magnitude));
    }
    Expr operand = parse_unary();
    return build_at(minus.column, [&] { return -operand; });
  }

  Expr parse_primary() {
    Token t = tok_;
    switch (t.kind) {
      case Tok::Integer:
        if (t.value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          fail(t, "integer " + std::string(t.text) + " is out of range");
        }
        advance();
        return Expr(static_cast<std::int64_t>(t.value));
      case Tok::Identifier:
        advance();
        if (tok_.kind == Tok::LParen) return parse_call(t);
        return Expr::symbol(t.text);
      case Tok::LParen: {
        Nest nest(*this, t);
        advance();
        Expr e = parse_sum();
        expect(Tok::RParen, "')'");
        return e;
      }
      default: fail(t, "expected an expression but found " + describe(t));
    }
  }

  Expr parse_call(const Token& name) {
    Nest nest(*this, name);
    bool is_min = name.text == "min";
    bool is_max = name.text == "max";
    bool is_div = name.text == "floordiv";
    bool is_mod = name.text == "mod";
    if (!is_min && !is_max && !is_div && !is_mod) {
      fail(name, "unknown function '" + std::string(name.text) +
                     "' (expected floordiv, mod, min or max)");
    }
    advance();  // '('
    std::vector<Expr> args;
    args.push_back(parse_sum());
    while (tok_.kind == Tok::Comma) {
      advance();
      args.push_back(parse_sum());
    }
    if (tok_.kind != Tok::RParen) fail(tok_, "expected ',' or ')' but found " + describe(tok_));
    advance();
    if ((is_div || is_mod) && args.size() != 2) {
      fail(name, std::string(name.text) + " takes 2 arguments but was given " +
                     std::to_string(args.size()));
    }
    if ((is_min || is_max) && args.size() < 2) {
      fail(name, std::string(name.text) + " takes at least 2 arguments but was given 1");
    }
    return build_at(name.column, [&] {
      if (is_div) return floordiv(args[0], args[1]);
      if (is_mod) return mod(args[0], args[1]);
      return is_min ? min(args) : max(args);
    });
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  Token tok_;
  int depth_ = 0;
};

}  // namespace

std::string Expr::str() const {
  std::string out;
  print(*this, out);
  return out;
}

Expr parse_expr(std::string_view text) { return Parser(text).parse_all(); }

}  // namespace sluice::ir
