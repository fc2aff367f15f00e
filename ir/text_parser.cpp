// Reads the text form that text_printer.cpp prints (grammar: docs/ir-text-format.md).
//
// A hand-written lexer with one token of lookahead and a recursive-descent parser. Every
// problem is a `UserError` at SOURCE:LINE:COLUMN. The parser validates before it calls the
// Graph and Arena APIs, which treat duplicate ids and dangling endpoints as bugs; recursion is
// bounded by `kMaxTextNesting`; and the ids a text may use are bounded by its length, so a few
// bytes cannot make an arena allocate gigabytes. Expressions and tasklet code are cut out of
// the text here and handed to `parse_expr` / `parse_tasklet`, whose diagnostics are moved to
// the position in this text.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ir/text_format.h"

namespace sluice::ir {
namespace {

// Every text may use this many id slots, plus `kIdSlotsPerByte` per byte of text, summed over
// all arenas (nodes, edges, containers, states, transitions) of all graphs and programs.
constexpr std::uint64_t kBaseIdSlots = std::uint64_t{1} << 16;
constexpr std::uint64_t kIdSlotsPerByte = 16;
// Longer expressions are refused before they reach `parse_expr`.
constexpr std::size_t kMaxExprTokens = 10000;

enum class Tok : std::uint8_t { End, Ident, Int, Float, String, Punct };

struct Position {
  std::size_t offset = 0;
  std::uint32_t line = 1;
  std::uint32_t column = 1;
};

struct Token {
  Tok kind = Tok::End;
  std::string_view text;  // the source slice; a String's includes the quotes
  Position pos;

  [[nodiscard]] bool is(std::string_view punct) const {
    return kind == Tok::Punct && text == punct;
  }
  [[nodiscard]] bool is_word(std::string_view word) const {
    return kind == Tok::Ident && text == word;
  }
};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string clip(std::string_view s) {
  constexpr std::size_t kMax = 40;
  if (s.size() <= kMax) return std::string(s);
  return std::string(s.substr(0, kMax - 3)) + "...";
}

std::string describe_char(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  if (c >= 0x20 && c < 0x7f) return std::string("'") + ch + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("'\\x") + kHex[c >> 4] + kHex[c & 15] + "'";
}

// The number after `prefix` at the start of `s` ("line 3, column 7" with prefix "line ").
std::optional<std::uint32_t> number_after(std::string_view s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return std::nullopt;
  s.remove_prefix(prefix.size());
  std::uint32_t value = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), value);
  if (r.ec != std::errc() || value == 0) return std::nullopt;
  return value;
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::End: return "end of input";
    case Tok::String: return "string " + clip(t.text);
    default: return "'" + clip(t.text) + "'";
  }
}

class Lexer {
public:
  Lexer(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  const Token& peek() {
    if (!peeked_) {
      peek_ = lex();
      peeked_ = true;
    }
    return peek_;
  }
  Token next() {
    peek();
    peeked_ = false;
    return peek_;
  }

  [[noreturn]] void fail(const Position& at, std::string message) const {
    throw UserError(source_ + ":" + std::to_string(at.line) + ":" + std::to_string(at.column),
                    std::move(message));
  }

  /// The position `k` bytes after `start`, whose text is `text`.
  static Position advance(Position start, std::string_view text, std::size_t k) {
    for (std::size_t i = 0; i < k && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++start.line;
        start.column = 1;
      } else {
        ++start.column;
      }
    }
    start.offset += k;
    return start;
  }

  struct Raw {
    std::string_view text;
    Position start;
  };

  /// The raw text after an opening bracket (the token just consumed) up to its matching
  /// `close`, which is consumed too: tasklet code and conditions, which are in the tasklet
  /// language (its `//` comments are skipped when looking for the close).
  Raw raw_until(char open, char close, const Token& opener) {
    SLUICE_CHECK(!peeked_, "raw text requested with a token of lookahead");
    const Position start = here();
    int depth = 0;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
        continue;
      }
      if (c == '\n') {
        ++pos_;
        ++line_;
        line_start_ = pos_;
        continue;
      }
      if (c == open) ++depth;
      if (c == close && depth-- == 0) {
        Raw raw{text_.substr(start.offset, pos_ - start.offset), start};
        ++pos_;
        return raw;
      }
      ++pos_;
    }
    fail(opener.pos, std::string("expected '") + close + "' to close this '" + open +
                         "' but found end of input");
  }

  /// The value of a String token (its escapes were checked when it was lexed).
  static std::string decode(const Token& t) {
    std::string out;
    const std::string_view body = t.text.substr(1, t.text.size() - 2);
    out.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (body[i] != '\\') {
        out += body[i];
        continue;
      }
      const char e = body[++i];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'x':
          out += static_cast<char>(hex_value(body[i + 1]) * 16 + hex_value(body[i + 2]));
          i += 2;
          break;
        default: out += e; break;  // '"' or '\\'
      }
    }
    return out;
  }

private:
  [[nodiscard]] Position here() const {
    return {pos_, line_, static_cast<std::uint32_t>(pos_ - line_start_ + 1)};
  }

  void skip_blanks() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++pos_;
        ++line_;
        line_start_ = pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        return;
      }
    }
  }

  Token lex() {
    skip_blanks();
    Token t;
    t.pos = here();
    if (pos_ >= text_.size()) return t;
    const std::size_t start = pos_;
    const char c = text_[pos_];
    const auto at = [&](std::size_t i) { return i < text_.size() ? text_[i] : '\0'; };
    if (is_alpha(c)) {
      while (is_alpha(at(pos_)) || is_digit(at(pos_))) ++pos_;
      t.kind = Tok::Ident;
    } else if (is_digit(c)) {
      t.kind = Tok::Int;
      while (is_digit(at(pos_))) ++pos_;
      if (at(pos_) == '.' && is_digit(at(pos_ + 1))) {
        t.kind = Tok::Float;
        ++pos_;
        while (is_digit(at(pos_))) ++pos_;
      }
      if (at(pos_) == 'e' || at(pos_) == 'E') {
        const std::size_t digits =
            (at(pos_ + 1) == '+' || at(pos_ + 1) == '-') ? pos_ + 2 : pos_ + 1;
        if (is_digit(at(digits))) {
          t.kind = Tok::Float;
          pos_ = digits;
          while (is_digit(at(pos_))) ++pos_;
        }
      }
    } else if (c == '"') {
      t.kind = Tok::String;
      ++pos_;
      for (;;) {
        if (pos_ >= text_.size() || text_[pos_] == '\n') fail(t.pos, "unterminated string");
        const char s = text_[pos_];
        if (s == '"') break;
        if (s == '\\') {
          const char e = at(pos_ + 1);
          if (e == 'x' && hex_value(at(pos_ + 2)) >= 0 && hex_value(at(pos_ + 3)) >= 0) {
            pos_ += 4;
            continue;
          }
          if (e != '"' && e != '\\' && e != 'n' && e != 't' && e != 'r') {
            Position p = here();
            fail(p, e == 'x' ? "expected two hex digits after '\\x' in a string"
                             : "unknown escape '\\" + std::string(1, e) +
                                   "' in a string (use \\\" \\\\ \\n \\t \\r or \\xHH)");
          }
          pos_ += 2;
          continue;
        }
        ++pos_;
      }
      ++pos_;
    } else if ((c == '-' && at(pos_ + 1) == '>') || (c == '/' && at(pos_ + 1) == '/')) {
      t.kind = Tok::Punct;
      pos_ += 2;
    } else if (std::string_view("{}()[],:=.+-*%@;").find(c) != std::string_view::npos) {
      t.kind = Tok::Punct;
      ++pos_;
    } else {
      fail(t.pos, "unexpected character " + describe_char(c));
    }
    t.text = text_.substr(start, pos_ - start);
    return t;
  }

  std::string_view text_;
  std::string source_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::size_t line_start_ = 0;
  Token peek_;
  bool peeked_ = false;
};

// A reference to a container: a name, or `@id`.
struct Ref {
  Position at;
  std::string name;
  std::optional<std::uint64_t> id;
};

// What a program's text has declared so far, and what is resolved when it ends.
struct Scope {
  Program* program;
  std::unordered_map<std::string, ContainerId> names;  // an invalid id: the name is ambiguous
  std::uint32_t next_container = 0;
  std::vector<std::pair<ContainerId, Ref>> views;
  std::vector<std::pair<std::uint64_t, Position>> state_refs;
  std::optional<Position> start;
};

struct PendingEdge {
  EdgeId id;
  Position at;
  std::uint64_t src;
  std::uint64_t dst;
  Position src_at;
  Position dst_at;
  Edge edge;
};

class Parser {
public:
  Parser(std::string_view text, std::string_view source)
      : lex_(text, source),
        text_(text),
        id_slots_left_(kBaseIdSlots + kIdSlotsPerByte * text.size()) {}

  Program parse() {
    Program p;
    expect_word("program", "at the start of the text");
    program(p, 1);
    if (lex_.peek().kind != Tok::End) unexpected("end of input", "after the program");
    return p;
  }

private:
  // --- Diagnostics and token helpers -------------------------------------------------------

  [[noreturn]] void fail(const Position& at, std::string message) const {
    lex_.fail(at, std::move(message));
  }

  [[noreturn]] void unexpected(std::string_view expected, std::string_view context) {
    const Token& t = lex_.peek();
    std::string message = "expected ";
    message += expected;
    if (!context.empty()) {
      message += ' ';
      message += context;
    }
    message += " but found ";
    message += describe(t);
    fail(t.pos, std::move(message));
  }

  void expect(std::string_view punct, std::string_view context) {
    if (!lex_.peek().is(punct)) unexpected("'" + std::string(punct) + "'", context);
    lex_.next();
  }

  bool accept(std::string_view punct) {
    if (!lex_.peek().is(punct)) return false;
    lex_.next();
    return true;
  }

  bool at_word(std::string_view word) { return lex_.peek().is_word(word); }

  Token expect_word(std::string_view word, std::string_view context) {
    if (!at_word(word)) unexpected("'" + std::string(word) + "'", context);
    return lex_.next();
  }

  // NAME := identifier | string.
  std::string name(std::string_view what, std::string_view context) {
    const Token& t = lex_.peek();
    if (t.kind == Tok::Ident) return std::string(lex_.next().text);
    if (t.kind == Tok::String) return Lexer::decode(lex_.next());
    unexpected(what, context);
  }

  // Optional `word` followed by '='; true when it was there.
  bool keyed(std::string_view word) {
    if (!at_word(word)) return false;
    lex_.next();
    expect("=", "after '" + std::string(word) + "'");
    return true;
  }

  std::uint64_t unsigned_integer(std::string_view what, std::string_view context,
                                 bool is_id = true) {
    const Token& t = lex_.peek();
    if (t.kind != Tok::Int) unexpected(what, context);
    std::uint64_t value = 0;
    const auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), value);
    if (r.ec != std::errc()) fail(t.pos, "integer '" + clip(t.text) + "' does not fit in 64 bits");
    // An id or id bound past the 32-bit sentinel is refused here, so `id + 1` cannot wrap
    // around before claim_ids judges it.
    if (is_id && value >= Id<NodeTag>::kInvalid)
      fail(t.pos, std::string(what) + " " + clip(t.text) + " is out of range (at most " +
                      std::to_string(Id<NodeTag>::kInvalid - 1) + ")");
    lex_.next();
    return value;
  }

  // Takes the id slots an arena grows by when its capacity becomes `bound`.
  void claim_ids(std::uint64_t bound, std::uint64_t capacity, const Position& at,
                 std::string_view what) {
    if (bound <= capacity) return;
    if (bound >= Id<NodeTag>::kInvalid || bound - capacity > id_slots_left_)
      fail(at, std::string(what) + " " + std::to_string(bound - 1) +
                   " is too large for a text of " + std::to_string(text_.size()) + " bytes");
    id_slots_left_ -= bound - capacity;
  }

  template <typename F>
  auto computed(const Position& at, F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const UserError& e) {
      fail(at, e.diagnostics().empty() ? std::string(e.what()) : e.diagnostics().front().message);
    }
  }

  // Runs parse_tasklet / parse_tasklet_expr on raw text and moves a diagnostic's "line L,
  // column C" to the position in this text.
  template <typename F>
  auto tasklet_language(const Lexer::Raw& raw, std::string_view what, F&& f)
      -> decltype(f(raw.text)) {
    try {
      return f(raw.text);
    } catch (const UserError& e) {
      const Diagnostic d = e.diagnostics().empty() ? Diagnostic{Severity::Error, "", e.what(), {}}
                                                   : e.diagnostics().front();
      Position at = raw.start;
      std::string message = "in " + std::string(what) + ": ";
      const auto line = number_after(d.location, "line ");
      const auto comma = d.location.find(", ");
      const auto column =
          comma == std::string::npos
              ? std::nullopt
              : number_after(std::string_view(d.location).substr(comma), ", column ");
      if (line && column) {
        if (*line == 1) {
          at.column += *column - 1;
        } else {
          at.line += *line - 1;
          at.column = *column;
        }
      } else if (!d.location.empty()) {
        message += d.location + ": ";
      }
      fail(at, message + d.message);
    }
  }

  // --- Expressions ---------------------------------------------------------------------------

  // Cuts the longest expression out of the token stream and parses it with `parse_expr`.
  // At paren depth 0 an expression alternates operands (names, integers, calls, parenthesized
  // expressions, with any number of unary minuses) and the binary operators + - * // %;
  // inside parentheses any expression token is taken.
  Expr expr(std::string_view context) {
    const Token first = lex_.peek();
    Token last = first;
    std::size_t count = 0;
    int depth = 0;
    bool want_operand = true;
    const auto take = [&] {
      if (++count > kMaxExprTokens)
        fail(first.pos, "expression longer than " + std::to_string(kMaxExprTokens) + " tokens");
      last = lex_.next();
    };
    for (;;) {
      const Token& t = lex_.peek();
      if (depth > 0) {
        if (t.is("(")) {
          ++depth;
        } else if (t.is(")")) {
          if (--depth == 0) want_operand = false;
        } else if (!(t.kind == Tok::Ident || t.kind == Tok::Int || t.is(",") || t.is("+") ||
                     t.is("-") || t.is("*") || t.is("//") || t.is("%"))) {
          unexpected("')'", "to close a '(' in an expression");
        }
        take();
        continue;
      }
      if (want_operand) {
        if (t.is("-")) {
          take();
        } else if (t.is("(")) {
          take();
          depth = 1;
        } else if (t.kind == Tok::Ident || t.kind == Tok::Int) {
          const bool call = t.kind == Tok::Ident;
          take();
          if (call && lex_.peek().is("(")) {
            take();
            depth = 1;
          } else {
            want_operand = false;
          }
        } else if (count == 0) {
          unexpected("an expression", context);
        } else {
          unexpected("an operand", "after '" + std::string(last.text) + "' in an expression");
        }
        continue;
      }
      if (t.is("+") || t.is("-") || t.is("*") || t.is("//") || t.is("%")) {
        take();
        want_operand = true;
        continue;
      }
      break;
    }
    const std::size_t begin = first.pos.offset;
    const std::string_view raw = text_.substr(begin, last.pos.offset + last.text.size() - begin);
    if (raw.find('#') == std::string_view::npos) {
      if (auto it = expr_memo_.find(raw); it != expr_memo_.end()) return it->second;
      Expr e = parse_expression(raw, raw, first.pos);
      expr_memo_.emplace(raw, e);
      return e;
    }
    // A comment inside the expression: blank it out, keeping the columns.
    std::string blanked(raw);
    for (std::size_t i = 0; i < blanked.size(); ++i)
      if (blanked[i] == '#')
        while (i < blanked.size() && blanked[i] != '\n') blanked[i++] = ' ';
    return parse_expression(blanked, raw, first.pos);
  }

  Expr parse_expression(std::string_view text, std::string_view raw, const Position& start) {
    try {
      return parse_expr(text);
    } catch (const UserError& e) {
      const Diagnostic d = e.diagnostics().empty() ? Diagnostic{Severity::Error, "", e.what(), {}}
                                                   : e.diagnostics().front();
      Position at = start;
      std::string message = "in expression '" + clip(raw) + "': ";
      if (const auto column = number_after(d.location, "column "))
        at = Lexer::advance(start, raw, *column - 1);
      else if (!d.location.empty())
        message += d.location + ": ";
      fail(at, message + d.message);
    }
  }

  // `[` already taken: expressions separated by commas, then `]`.
  std::vector<Expr> expr_list(std::string_view what) {
    std::vector<Expr> list;
    if (accept("]")) return list;
    for (;;) {
      list.push_back(expr("in " + std::string(what)));
      if (accept(",")) continue;
      if (accept("]")) return list;
      unexpected("',' or ']'", "in " + std::string(what));
    }
  }

  // `[` already taken: `index` or `begin:end[:step]` per dimension, then `]`.
  Subset subset() {
    Subset s;
    if (accept("]")) return s;
    for (;;) {
      const Position at = lex_.peek().pos;
      Expr begin = expr("in a subset");
      if (accept(":")) {
        Range r{begin, expr("after ':' in a subset"), 1};
        if (accept(":")) r.step = expr("after ':' in a subset");
        s.push_back(r);
      } else {
        s.push_back(computed(at, [&] { return Range::index(begin); }));
      }
      if (accept(",")) continue;
      if (accept("]")) return s;
      unexpected("',' or ']'", "in a subset");
    }
  }

  // --- Programs ----------------------------------------------------------------------------

  void check_depth(int depth, const Position& at) {
    if (depth > kMaxTextNesting)
      fail(at, "nesting deeper than " + std::to_string(kMaxTextNesting) + " levels");
  }

  // `program` already taken: NAME '{' item* '}'.
  void program(Program& p, int depth) {
    p.name = name("a program name", "after 'program'");
    const Position open = lex_.peek().pos;
    expect("{", "after the program name");
    check_depth(depth, open);
    Scope scope{&p, {}, 0, {}, {}, {}};
    for (;;) {
      const Token t = lex_.peek();
      if (t.is("}")) {
        lex_.next();
        break;
      }
      if (t.kind != Tok::Ident)
        unexpected("'symbol', 'array', 'scalar', 'view', 'state', 'transition', 'reserve' or '}'",
                   "in a program");
      if (t.text == "symbol") {
        lex_.next();
        symbol(p);
      } else if (t.text == "array" || t.text == "scalar" || t.text == "view") {
        lex_.next();
        container(scope, *parse_container_kind(t.text), t);
      } else if (t.text == "state") {
        lex_.next();
        state(scope, depth);
      } else if (t.text == "transition") {
        lex_.next();
        transition(scope);
      } else if (t.text == "reserve") {
        lex_.next();
        program_reserve(p);
      } else {
        unexpected("'symbol', 'array', 'scalar', 'view', 'state', 'transition', 'reserve' or '}'",
                   "in a program");
      }
    }
    for (auto& [view, ref] : scope.views) p.containers[view].view->source = resolve(scope, ref);
    for (const auto& [id, at] : scope.state_refs)
      if (id >= StateId::kInvalid || !p.states.contains(StateId(static_cast<std::uint32_t>(id))))
        fail(at, "state " + std::to_string(id) + " does not exist");
  }

  void symbol(Program& p) {
    const Position at = lex_.peek().pos;
    std::string symbol = name("a symbol name", "after 'symbol'");
    expect(":", "after the symbol name");
    const DType dtype = this->dtype("after ':'");
    if (!p.symbols.emplace(symbol, dtype).second)
      fail(at, "duplicate symbol '" + clip(symbol) + "'");
  }

  DType dtype(std::string_view context) {
    const Token& t = lex_.peek();
    if (t.kind != Tok::Ident) unexpected("a dtype", context);
    const auto dtype = parse_dtype(t.text);
    if (!dtype)
      fail(t.pos, "unknown dtype '" + clip(t.text) +
                      "' (expected f32, f16, bf16, f64, i8, i32, i64 or bool)");
    lex_.next();
    return *dtype;
  }

  // Parses `NAME` with a table lookup such as parse_storage, naming the choices on failure.
  template <typename E>
  E choice(std::optional<E> (*lookup)(std::string_view), std::string_view what,
           std::string_view choices) {
    const Token& t = lex_.peek();
    if (t.kind != Tok::Ident) unexpected(what, "");
    const auto value = lookup(t.text);
    if (!value)
      fail(t.pos, "unknown " + std::string(what) + " '" + clip(t.text) + "' (expected " +
                      std::string(choices) + ")");
    lex_.next();
    return *value;
  }

  Ref ref(std::string_view context) {
    Ref r;
    r.at = lex_.peek().pos;
    if (accept("@")) {
      r.id = unsigned_integer("a container id", "after '@'");
      return r;
    }
    r.name = name("a container name", context);
    return r;
  }

  ContainerId resolve(const Scope& scope, const Ref& r) {
    if (r.id) {
      if (*r.id >= ContainerId::kInvalid ||
          !scope.program->containers.contains(ContainerId(static_cast<std::uint32_t>(*r.id))))
        fail(r.at, "unknown container @" + std::to_string(*r.id));
      return ContainerId(static_cast<std::uint32_t>(*r.id));
    }
    const auto it = scope.names.find(r.name);
    if (it == scope.names.end()) fail(r.at, "unknown container '" + clip(r.name) + "'");
    if (!it->second.valid())
      fail(r.at, "container name '" + clip(r.name) +
                     "' is ambiguous (several containers have it); refer to one as @ID");
    return it->second;
  }

  // KIND NAME ':' DTYPE ['[' shape ']'] attribute* ['=' VIEWKIND '(' REF [',' '[' ints ']'] ')']
  void container(Scope& scope, ContainerKind kind, const Token& keyword) {
    Program& p = *scope.program;
    Container c;
    c.kind = kind;
    const Position name_at = lex_.peek().pos;
    c.name = name("a container name", "after '" + std::string(keyword.text) + "'");
    expect(":", "after the container name");
    c.dtype = dtype("after ':'");
    if (accept("[")) c.shape = expr_list("the shape");
    bool seen[6] = {};
    std::optional<std::uint64_t> id;
    Position id_at = name_at;
    for (;;) {
      const Token t = lex_.peek();
      static constexpr std::string_view kAttributes[] = {"strides",  "offset",    "storage",
                                                         "lifetime", "transient", "id"};
      std::size_t which = 0;
      while (which < 6 && t.text != kAttributes[which]) ++which;
      if (t.kind != Tok::Ident || which == 6) break;
      if (seen[which])
        fail(t.pos, "duplicate '" + std::string(t.text) + "' in the declaration of '" +
                        clip(c.name) + "'");
      seen[which] = true;
      lex_.next();
      if (which == 4) {
        c.transient = true;
        continue;
      }
      expect("=", "after '" + std::string(t.text) + "'");
      switch (which) {
        case 0:
          expect("[", "after 'strides='");
          c.strides = expr_list("the strides");
          break;
        case 1: c.offset = expr("after 'offset='"); break;
        case 2:
          c.storage = choice(&parse_storage, "storage",
                             "default, host_heap, host_stack, register, gpu_global or gpu_shared");
          break;
        case 3:
          c.lifetime = choice(&parse_lifetime, "lifetime", "scope, state, program or persistent");
          break;
        default:
          id_at = lex_.peek().pos;
          id = unsigned_integer("a container id", "after 'id='");
          break;
      }
    }
    if (!seen[0]) c.strides = computed(name_at, [&] { return contiguous_strides(c.shape); });
    std::optional<Ref> source;
    if (accept("=")) {
      ViewOf view;
      view.kind = choice(&parse_view_kind, "view kind", "reshape, permute or slice");
      expect("(", "after the view kind");
      source = ref("in the view");
      if (accept(",")) {
        expect("[", "before the permutation");
        if (!accept("]")) {
          for (;;) {
            const bool negative = accept("-");
            view.permutation.push_back(signed_integer(negative, "in the permutation"));
            if (accept(",")) continue;
            if (accept("]")) break;
            unexpected("',' or ']'", "in the permutation");
          }
        }
      }
      expect(")", "after the view source");
      c.view = std::move(view);
    }
    const std::uint64_t raw_id = id.value_or(scope.next_container);
    claim_ids(raw_id + 1, p.containers.capacity(), id_at, "container id");
    const ContainerId cid(static_cast<std::uint32_t>(raw_id));
    if (p.containers.contains(cid)) fail(id_at, "duplicate container id " + std::to_string(raw_id));
    const auto [it, inserted] = scope.names.try_emplace(c.name, cid);
    if (!inserted) it->second = ContainerId();
    p.containers.insert_at(cid, std::move(c));
    scope.next_container = cid.value + 1;
    if (source) scope.views.emplace_back(cid, std::move(*source));
  }

  std::int64_t signed_integer(bool negative, std::string_view context) {
    const Token t = lex_.peek();
    const std::uint64_t magnitude = unsigned_integer("an integer", context, /*is_id=*/false);
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (magnitude > kMax + (negative ? 1 : 0))
      fail(t.pos, "integer '" + std::string(negative ? "-" : "") + clip(t.text) +
                      "' does not fit in 64 bits");
    if (!negative) return static_cast<std::int64_t>(magnitude);
    return magnitude == kMax + 1 ? std::numeric_limits<std::int64_t>::min()
                                 : -static_cast<std::int64_t>(magnitude);
  }

  // 'state' already taken: ID LABEL ['start'] GRAPH.
  void state(Scope& scope, int depth) {
    Program& p = *scope.program;
    const Position at = lex_.peek().pos;
    const std::uint64_t raw_id = unsigned_integer("a state id", "after 'state'");
    claim_ids(raw_id + 1, p.states.capacity(), at, "state id");
    const StateId id(static_cast<std::uint32_t>(raw_id));
    if (p.states.contains(id)) fail(at, "duplicate state id " + std::to_string(raw_id));
    std::string label = name("a state label", "after the state id");
    if (at_word("start")) {
      const Position start_at = lex_.next().pos;
      if (scope.start)
        fail(start_at, "a second start state (state " + std::to_string(p.start_state.value) +
                           " is the start already)");
      scope.start = start_at;
      p.start_state = id;
    }
    p.states.insert_at(id, State{std::move(label), {}});
    graph(p.states[id].graph, scope, depth + 1, "after the state label");
  }

  // 'transition' already taken: ID ':' 'state' ID '->' 'state' ID ['if' '(' COND ')']
  // ['assign' '{' NAME '=' EXPR (',' NAME '=' EXPR)* '}'].
  void transition(Scope& scope) {
    Program& p = *scope.program;
    const Position at = lex_.peek().pos;
    const std::uint64_t raw_id = unsigned_integer("a transition id", "after 'transition'");
    claim_ids(raw_id + 1, p.interstate_edges.capacity(), at, "transition id");
    const InterstateEdgeId id(static_cast<std::uint32_t>(raw_id));
    if (p.interstate_edges.contains(id))
      fail(at, "duplicate transition id " + std::to_string(raw_id));
    expect(":", "after the transition id");
    InterstateEdge e;
    e.src = state_ref(scope, "after ':'");
    expect("->", "after the source state");
    e.dst = state_ref(scope, "after '->'");
    if (at_word("if")) {
      lex_.next();
      const Token open = lex_.peek();
      expect("(", "after 'if'");
      const Lexer::Raw raw = lex_.raw_until('(', ')', open);
      e.condition = tasklet_language(raw, "the condition",
                                     [](std::string_view s) { return parse_tasklet_expr(s); });
    }
    if (at_word("assign")) {
      lex_.next();
      expect("{", "after 'assign'");
      if (!accept("}")) {
        for (;;) {
          std::string symbol = name("a symbol name", "in the assignments");
          expect("=", "after the assigned symbol");
          e.assignments.emplace_back(std::move(symbol), expr("after '='"));
          if (accept(",")) continue;
          if (accept("}")) break;
          unexpected("',' or '}'", "in the assignments");
        }
      }
    }
    p.interstate_edges.insert_at(id, std::move(e));
  }

  StateId state_ref(Scope& scope, std::string_view context) {
    expect_word("state", context);
    const Position at = lex_.peek().pos;
    const std::uint64_t raw = unsigned_integer("a state id", "after 'state'");
    scope.state_refs.emplace_back(raw, at);
    return StateId(raw >= StateId::kInvalid ? StateId::kInvalid : static_cast<std::uint32_t>(raw));
  }

  void program_reserve(Program& p) {
    bool any = false;
    for (;;) {
      const Token t = lex_.peek();
      if (!(t.is_word("containers") || t.is_word("states") || t.is_word("transitions"))) break;
      lex_.next();
      expect("=", "after '" + std::string(t.text) + "'");
      const Position at = lex_.peek().pos;
      const std::uint64_t bound = unsigned_integer("an id bound", "after '='");
      const auto b = static_cast<std::uint32_t>(bound);
      if (t.text == "containers") {
        claim_ids(bound, p.containers.capacity(), at, "container id");
        p.containers.reserve_ids(b);
      } else if (t.text == "states") {
        claim_ids(bound, p.states.capacity(), at, "state id");
        p.states.reserve_ids(b);
      } else {
        claim_ids(bound, p.interstate_edges.capacity(), at, "transition id");
        p.interstate_edges.reserve_ids(b);
      }
      any = true;
    }
    if (!any) unexpected("'containers', 'states' or 'transitions'", "after 'reserve'");
  }

  // --- Graphs ------------------------------------------------------------------------------

  // '{' (node | edge | reserve)* '}'. Edges are added when the graph ends, so that they may
  // name nodes declared after them and every endpoint is checked first.
  void graph(Graph& g, Scope& scope, int depth, std::string_view context) {
    const Position open = lex_.peek().pos;
    expect("{", context);
    check_depth(depth, open);
    std::vector<PendingEdge> edges;
    std::uint64_t edge_capacity = g.edge_id_bound();
    for (;;) {
      const Token t = lex_.peek();
      if (t.is("}")) {
        lex_.next();
        break;
      }
      if (t.is_word("node")) {
        lex_.next();
        node(g, scope, depth);
      } else if (t.is_word("edge")) {
        lex_.next();
        edges.push_back(edge(scope));
        claim_ids(edges.back().id.value + std::uint64_t{1}, edge_capacity, edges.back().at,
                  "edge id");
        edge_capacity = std::max<std::uint64_t>(edge_capacity, edges.back().id.value + 1);
      } else if (t.is_word("reserve")) {
        lex_.next();
        graph_reserve(g, edge_capacity);
      } else {
        unexpected("'node', 'edge', 'reserve' or '}'", "in a graph");
      }
    }
    for (const PendingEdge& e : edges) {
      const auto check = [&](std::uint64_t node, const Position& at) {
        if (node >= NodeId::kInvalid || !g.has_node(NodeId(static_cast<std::uint32_t>(node))))
          fail(at, "edge " + std::to_string(e.id.value) + " refers to node " +
                       std::to_string(node) + ", which does not exist");
      };
      check(e.src, e.src_at);
      check(e.dst, e.dst_at);
    }
    // In id order, each edge is appended to its nodes' (sorted) adjacency lists.
    // Ties (duplicate ids, reported below) keep text order through the source offset, so a
    // plain sort is deterministic; stable_sort's temporary buffer is deprecated in C++20.
    const auto by_id = [](const PendingEdge& a, const PendingEdge& b) {
      return a.id != b.id ? a.id < b.id : a.at.offset < b.at.offset;
    };
    if (!std::is_sorted(edges.begin(), edges.end(), by_id))
      std::sort(edges.begin(), edges.end(), by_id);
    for (std::size_t i = 0; i < edges.size(); ++i) {
      PendingEdge& e = edges[i];
      // The sort is stable, so `e` is the later of the two declarations.
      if (i > 0 && edges[i - 1].id == e.id)
        fail(e.at, "duplicate edge id " + std::to_string(e.id.value));
      g.insert_edge_at(e.id, std::move(e.edge));
    }
  }

  void graph_reserve(Graph& g, std::uint64_t& edge_capacity) {
    bool any = false;
    for (;;) {
      const Token t = lex_.peek();
      if (!(t.is_word("nodes") || t.is_word("edges"))) break;
      lex_.next();
      expect("=", "after '" + std::string(t.text) + "'");
      const Position at = lex_.peek().pos;
      const std::uint64_t bound = unsigned_integer("an id bound", "after '='");
      if (t.text == "nodes") {
        claim_ids(bound, g.node_id_bound(), at, "node id");
        g.reserve_ids(static_cast<std::uint32_t>(bound), 0);
      } else {
        claim_ids(bound, edge_capacity, at, "edge id");
        edge_capacity = std::max(edge_capacity, bound);
        g.reserve_ids(0, static_cast<std::uint32_t>(bound));
      }
      any = true;
    }
    if (!any) unexpected("'nodes' or 'edges'", "after 'reserve'");
  }

  // 'node' already taken: ID '=' KIND ...
  void node(Graph& g, Scope& scope, int depth) {
    const Position at = lex_.peek().pos;
    const std::uint64_t raw_id = unsigned_integer("a node id", "after 'node'");
    claim_ids(raw_id + 1, g.node_id_bound(), at, "node id");
    const NodeId id(static_cast<std::uint32_t>(raw_id));
    if (g.has_node(id)) fail(at, "duplicate node id " + std::to_string(raw_id));
    expect("=", "after the node id");
    const Token kind = lex_.peek();
    if (kind.kind != Tok::Ident) unexpected("a node kind", "after '='");
    lex_.next();
    if (kind.text == "access") {
      g.insert_node_at(id, AccessNode{resolve(scope, ref("after 'access'"))});
    } else if (kind.text == "tasklet") {
      TaskletNode t;
      t.label = name("a label", "after 'tasklet'");
      connectors(t.inputs, t.outputs);
      const Token open = lex_.peek();
      expect("{", "before the tasklet code");
      const Lexer::Raw raw = lex_.raw_until('{', '}', open);
      t.code = tasklet_language(raw, "tasklet code",
                                [](std::string_view s) { return parse_tasklet(s); });
      g.insert_node_at(id, std::move(t));
    } else if (kind.text == "map") {
      MapNode m;
      m.label = name("a label", "after 'map'");
      expect("[", "before the map parameters");
      if (!accept("]")) {
        for (;;) {
          MapParam param;
          param.name = name("a parameter name", "in the map parameters");
          expect("=", "after the parameter name");
          param.range.begin = expr("after '='");
          expect(":", "in the parameter range");
          param.range.end = expr("after ':'");
          if (accept(":")) param.range.step = expr("after ':'");
          m.params.push_back(std::move(param));
          if (accept(",")) continue;
          if (accept("]")) break;
          unexpected("',' or ']'", "in the map parameters");
        }
      }
      connectors(m.inputs, m.outputs);
      if (keyed("schedule"))
        m.schedule = choice(&parse_schedule, "schedule",
                            "default, sequential, cpu_parallel, vectorized, gpu_grid or gpu_block");
      if (keyed("block_size")) {
        const Position at = lex_.peek().pos;
        m.block_size = signed_integer(false, "after 'block_size='");
        if (m.block_size <= 0 || m.block_size > 1024)
          fail(at, "block_size must be between 1 and 1024 threads");
      }
      graph(*m.body, scope, depth + 1, "before the map body");
      g.insert_node_at(id, std::move(m));
    } else if (kind.text == "library") {
      LibraryNode lib;
      lib.label = name("a label", "after 'library'");
      lib.op = name("an operator name", "after the label");
      connectors(lib.inputs, lib.outputs);
      if (keyed("impl")) lib.implementation = name("an implementation name", "after 'impl='");
      if (accept("{")) attributes(lib.attributes);
      g.insert_node_at(id, std::move(lib));
    } else if (kind.text == "nested") {
      NestedNode n;
      n.label = name("a label", "after 'nested'");
      connectors(n.inputs, n.outputs);
      if (at_word("symbols")) {
        lex_.next();
        expect("{", "after 'symbols'");
        if (!accept("}")) {
          for (;;) {
            const Position symbol_at = lex_.peek().pos;
            std::string symbol = name("a symbol name", "in the symbol mapping");
            expect("=", "after the symbol name");
            Expr value = expr("after '='");
            if (!n.symbol_mapping.emplace(symbol, value).second)
              fail(symbol_at, "symbol '" + clip(symbol) + "' is mapped twice");
            if (accept(",")) continue;
            if (accept("}")) break;
            unexpected("',' or '}'", "in the symbol mapping");
          }
        }
      }
      expect_word("program", "for the nested program");
      program(*n.program, depth + 1);
      g.insert_node_at(id, std::move(n));
    } else {
      fail(kind.pos, "unknown node kind '" + clip(kind.text) +
                         "' (expected access, tasklet, map, library or nested)");
    }
  }

  // '(' [NAME (',' NAME)*] ')' '->' '(' ... ')'
  void connectors(std::vector<std::string>& inputs, std::vector<std::string>& outputs) {
    connector_list(inputs, "before the input connectors");
    expect("->", "after the input connectors");
    connector_list(outputs, "before the output connectors");
  }

  void connector_list(std::vector<std::string>& list, std::string_view context) {
    expect("(", context);
    if (accept(")")) return;
    for (;;) {
      list.push_back(name("a connector name", "in the connector list"));
      if (accept(",")) continue;
      if (accept(")")) return;
      unexpected("',' or ')'", "in the connector list");
    }
  }

  // '{' already taken: [NAME '=' VALUE (',' NAME '=' VALUE)*] '}'
  void attributes(Attributes& attrs) {
    if (accept("}")) return;
    for (;;) {
      const Position at = lex_.peek().pos;
      std::string key = name("an attribute name", "in the attributes");
      expect("=", "after the attribute name");
      AttributeValue value = attribute_value(key);
      if (!attrs.emplace(key, std::move(value)).second)
        fail(at, "duplicate attribute '" + clip(key) + "'");
      if (accept(",")) continue;
      if (accept("}")) return;
      unexpected("',' or '}'", "in the attributes");
    }
  }

  // One element of an attribute: an integer, a float (with '.' or exponent, or inf/nan), or a
  // string. `kind` is 0, 1 or 2 respectively.
  struct Scalar {
    int kind;
    std::int64_t i = 0;
    double d = 0;
    std::string s;
  };

  std::optional<Scalar> scalar_value() {
    const Token& first = lex_.peek();
    if (first.kind == Tok::String) return Scalar{2, 0, 0, Lexer::decode(lex_.next())};
    const bool negative = first.is("-");
    if (negative) lex_.next();
    const Token t = lex_.peek();
    if (t.kind == Tok::Int) return Scalar{0, signed_integer(negative, ""), 0, {}};
    if (t.kind == Tok::Float) {
      double value = 0;
      const auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), value);
      if (r.ec != std::errc() || r.ptr != t.text.data() + t.text.size())
        fail(t.pos, "float '" + clip(t.text) + "' is out of range");
      lex_.next();
      return Scalar{1, 0, negative ? -value : value, {}};
    }
    if (t.is_word("inf") || t.is_word("nan")) {
      lex_.next();
      const double value = t.text == "inf" ? std::numeric_limits<double>::infinity()
                                           : std::numeric_limits<double>::quiet_NaN();
      return Scalar{1, 0, negative ? -value : value, {}};
    }
    if (negative) unexpected("a number", "after '-'");
    return std::nullopt;
  }

  AttributeValue attribute_value(const std::string& key) {
    const std::string context = "for attribute '" + clip(key) + "'";
    const Token t = lex_.peek();
    int list_kind = -1;  // the element kind of a typed list
    if (t.is_word("i64") || t.is_word("f64") || t.is_word("str")) {
      list_kind = t.text == "i64" ? 0 : t.text == "f64" ? 1 : 2;
      lex_.next();
      expect("[", "after '" + std::string(t.text) + "'");
    } else if (!accept("[")) {
      std::optional<Scalar> v = scalar_value();
      if (!v) unexpected("an attribute value", context);
      if (v->kind == 0) return v->i;
      if (v->kind == 1) return v->d;
      return std::move(v->s);
    }
    std::vector<std::int64_t> ints;
    std::vector<double> floats;
    std::vector<std::string> strings;
    if (!accept("]")) {
      for (;;) {
        const Position at = lex_.peek().pos;
        std::optional<Scalar> v = scalar_value();
        if (!v) unexpected("a list element", context);
        if (list_kind < 0) list_kind = v->kind;
        if (v->kind != list_kind) {
          static constexpr const char* kNames[] = {"an integer", "a float", "a string"};
          fail(at, std::string("expected ") + kNames[list_kind] + " in the list " + context +
                       " but found " + kNames[v->kind]);
        }
        if (v->kind == 0) ints.push_back(v->i);
        if (v->kind == 1) floats.push_back(v->d);
        if (v->kind == 2) strings.push_back(std::move(v->s));
        if (accept(",")) continue;
        if (accept("]")) break;
        unexpected("',' or ']'", "in the list " + context);
      }
    }
    if (list_kind < 0)
      fail(t.pos, "an empty list needs its element type: write i64[], f64[] or str[]");
    if (list_kind == 0) return ints;
    if (list_kind == 1) return floats;
    return strings;
  }

  // 'edge' already taken: ID ':' 'node' ID ['.' NAME] '->' 'node' ID ['.' NAME] MEMLET
  PendingEdge edge(Scope& scope) {
    PendingEdge e;
    e.at = lex_.peek().pos;
    const std::uint64_t raw_id = unsigned_integer("an edge id", "after 'edge'");
    if (raw_id >= EdgeId::kInvalid)
      fail(e.at, "edge id " + std::to_string(raw_id) + " is too large");
    e.id = EdgeId(static_cast<std::uint32_t>(raw_id));
    expect(":", "after the edge id");
    endpoint(e.src, e.src_at, e.edge.src_conn, "after ':'");
    expect("->", "after the source of the edge");
    endpoint(e.dst, e.dst_at, e.edge.dst_conn, "after '->'");
    e.edge.src =
        NodeId(e.src >= NodeId::kInvalid ? NodeId::kInvalid : static_cast<std::uint32_t>(e.src));
    e.edge.dst =
        NodeId(e.dst >= NodeId::kInvalid ? NodeId::kInvalid : static_cast<std::uint32_t>(e.dst));
    e.edge.memlet = memlet(scope);
    return e;
  }

  void endpoint(std::uint64_t& node, Position& at, std::string& connector,
                std::string_view context) {
    expect_word("node", context);
    at = lex_.peek().pos;
    node = unsigned_integer("a node id", "after 'node'");
    if (accept(".")) connector = name("a connector name", "after '.'");
  }

  // ('empty' | REF) ['[' subset ']'] ('other=[' subset ']' | 'volume=' EXPR | 'wcr=' NAME |
  // 'dynamic')*
  Memlet memlet(Scope& scope) {
    Memlet m;
    const Position at = lex_.peek().pos;
    if (at_word("empty")) {
      lex_.next();
    } else {
      const Token& t = lex_.peek();
      if (!(t.kind == Tok::Ident || t.kind == Tok::String || t.is("@")))
        unexpected("a container name or 'empty'", "for the memlet");
      m.data = resolve(scope, ref("for the memlet"));
    }
    if (accept("[")) m.subset = subset();
    bool seen[4] = {};
    bool has_volume = false;
    for (;;) {
      const Token t = lex_.peek();
      static constexpr std::string_view kAttributes[] = {"other", "volume", "wcr", "dynamic"};
      std::size_t which = 0;
      while (which < 4 && t.text != kAttributes[which]) ++which;
      if (t.kind != Tok::Ident || which == 4) break;
      if (seen[which]) fail(t.pos, "duplicate '" + std::string(t.text) + "' in the memlet");
      seen[which] = true;
      lex_.next();
      switch (which) {
        case 0:
          expect("=", "after 'other'");
          expect("[", "after 'other='");
          m.other_subset = subset();
          break;
        case 1:
          expect("=", "after 'volume'");
          m.volume = expr("after 'volume='");
          has_volume = true;
          break;
        case 2:
          expect("=", "after 'wcr'");
          m.wcr = choice(&parse_write_conflict, "write-conflict resolution",
                         "none, sum, product, min or max");
          break;
        default: m.dynamic = true; break;
      }
    }
    if (!has_volume && !m.empty()) m.volume = computed(at, [&] { return subset_size(m.subset); });
    return m;
  }

  mutable Lexer lex_;
  std::string_view text_;
  std::uint64_t id_slots_left_;
  std::unordered_map<std::string_view, Expr> expr_memo_;
};

}  // namespace

Program parse_text(std::string_view text, std::string_view source_name) {
  return Parser(text, source_name).parse();
}

Program load_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path, "cannot open the file for reading");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw UserError(path, "cannot read the file");
  return parse_text(buffer.str(), path);
}

}  // namespace sluice::ir
