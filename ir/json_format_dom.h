#pragma once
/// Internal to the JSON format reader: a compact, read-only JSON document.
///
/// nlohmann's lexer and (non-recursive) SAX parser fill one vector of values, one vector of
/// array/object members and one string pool, so a 10,000-node program loads with a few dozen
/// allocations instead of a million, and reading the document back is cheap. Values are small
/// handles into the document; strings are views into its pool.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::ir::json_dom {

enum class Type : std::uint8_t { Null, Boolean, Integer, Unsigned, Float, String, Array, Object };

/// An element of an array (key unused) or an object.
struct Member {
  std::uint32_t key_begin;
  std::uint32_t key_size;
  std::uint32_t value;
};

class Document;

/// A value of a document; default-constructed, it is "absent" (false in a condition).
class Value {
public:
  Value() = default;
  Value(const Document* doc, std::uint32_t index) : doc_(doc), index_(index) {}

  explicit operator bool() const { return doc_ != nullptr; }
  [[nodiscard]] Type type() const;
  [[nodiscard]] bool is_object() const { return type() == Type::Object; }
  [[nodiscard]] bool is_array() const { return type() == Type::Array; }
  [[nodiscard]] bool is_string() const { return type() == Type::String; }
  [[nodiscard]] bool is_boolean() const { return type() == Type::Boolean; }
  /// An integer literal (signed or not).
  [[nodiscard]] bool is_integer() const {
    return type() == Type::Integer || type() == Type::Unsigned;
  }
  [[nodiscard]] bool is_unsigned() const { return type() == Type::Unsigned; }
  [[nodiscard]] bool is_float() const { return type() == Type::Float; }

  // Payloads; valid only for the matching type.
  [[nodiscard]] bool boolean() const;
  [[nodiscard]] std::int64_t integer() const;
  [[nodiscard]] std::uint64_t unsigned_integer() const;
  [[nodiscard]] double floating() const;
  [[nodiscard]] std::string_view string() const;
  /// Elements of an array or members of an object, in document order.
  [[nodiscard]] std::span<const Member> members() const;

  /// The value and key of a member of this value.
  [[nodiscard]] Value operator[](const Member& m) const { return {doc_, m.value}; }
  [[nodiscard]] std::string_view key(const Member& m) const;

private:
  const Document* doc_ = nullptr;
  std::uint32_t index_ = 0;
};

class Document {
public:
  /// Parses `text`. Throws `UserError` at `source:line:column` for bad syntax, and for arrays
  /// and objects nested deeper than `max_depth` (refused before anything is built).
  static Document parse(std::string_view text, std::string_view source, int max_depth);

  [[nodiscard]] Value root() const { return {this, 0}; }

private:
  friend class Value;
  friend class Builder;
  struct Range {
    std::uint32_t begin;  // into pool_ (strings) or members_ (arrays, objects)
    std::uint32_t size;
  };
  struct Node {
    Type type = Type::Null;
    bool boolean = false;
    union {
      std::int64_t integer;
      std::uint64_t unsigned_integer;
      double floating;
      Range range;
    };
    Node() : integer(0) {}
  };

  std::vector<Node> nodes_;
  std::vector<Member> members_;
  std::string pool_;
};

/// `line:column` (both 1-based) of a byte offset of `text`.
std::string line_column(std::string_view text, std::size_t offset);

}  // namespace sluice::ir::json_dom
