#include "ir/json_format_dom.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "ir/diagnostic.h"

namespace sluice::ir::json_dom {
namespace {

// "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error ..." ->
// "syntax error ...": the location is ours.
std::string nlohmann_message(std::string_view m) {
  if (m.starts_with("[json.exception.")) {
    const auto close = m.find("] ");
    if (close != std::string_view::npos) m.remove_prefix(close + 2);
  }
  if (m.starts_with("parse error")) {
    const auto colon = m.find(": ");
    if (colon != std::string_view::npos) m.remove_prefix(colon + 2);
  }
  return std::string(m);
}

// nlohmann's parser does not recurse, but the reader walking the document does; refuse deep
// text before anything is built.
void check_depth(std::string_view text, std::string_view source, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        throw UserError(
            std::string(source) + ":" + line_column(text, i),
            "arrays and objects are nested more than " + std::to_string(max_depth) + " deep");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

}  // namespace

// nlohmann's SAX interface, building a Document.
class Builder {
public:
  using Json = nlohmann::json;

  explicit Builder(Document& doc) : doc_(doc) {}

  bool null() { return add(Document::Node()); }
  bool boolean(bool v) {
    Document::Node n;
    n.type = Type::Boolean;
    n.boolean = v;
    return add(n);
  }
  bool number_integer(Json::number_integer_t v) {
    Document::Node n;
    n.type = Type::Integer;
    n.integer = v;
    return add(n);
  }
  bool number_unsigned(Json::number_unsigned_t v) {
    Document::Node n;
    n.type = Type::Unsigned;
    n.unsigned_integer = v;
    return add(n);
  }
  bool number_float(Json::number_float_t v, const Json::string_t& /*text*/) {
    Document::Node n;
    n.type = Type::Float;
    n.floating = v;
    return add(n);
  }
  bool string(Json::string_t& s) {
    Document::Node n;
    n.type = Type::String;
    n.range = pool(s);
    return add(n);
  }
  bool binary(Json::binary_t& /*b*/) { return false; }  // not in JSON text
  bool key(Json::string_t& k) {
    key_ = pool(k);
    return true;
  }
  bool start_object(std::size_t /*size*/) { return open(Type::Object); }
  bool end_object() { return close(); }
  bool start_array(std::size_t /*size*/) { return open(Type::Array); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    error_position_ = position;
    error_ = nlohmann_message(ex.what());
    return false;
  }

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::size_t error_position() const { return error_position_; }

private:
  Document::Range pool(const std::string& s) {
    const Document::Range r{static_cast<std::uint32_t>(doc_.pool_.size()),
                            static_cast<std::uint32_t>(s.size())};
    doc_.pool_ += s;
    return r;
  }
  bool add(const Document::Node& n) {
    const auto index = static_cast<std::uint32_t>(doc_.nodes_.size());
    doc_.nodes_.push_back(n);
    if (!open_.empty()) pending_.push_back({key_.begin, key_.size, index});
    key_ = {0, 0};
    return true;
  }
  bool open(Type type) {
    Document::Node n;
    n.type = type;
    n.range = {0, 0};
    const auto index = static_cast<std::uint32_t>(doc_.nodes_.size());
    add(n);  // filed under its parent before its own members start
    open_.push_back({index, pending_.size()});
    return true;
  }
  bool close() {
    const Frame f = open_.back();
    open_.pop_back();
    Document::Node& n = doc_.nodes_[f.node];
    n.range = {static_cast<std::uint32_t>(doc_.members_.size()),
               static_cast<std::uint32_t>(pending_.size() - f.pending_start)};
    doc_.members_.insert(doc_.members_.end(),
                         pending_.begin() + static_cast<std::ptrdiff_t>(f.pending_start),
                         pending_.end());
    pending_.resize(f.pending_start);
    return true;
  }

  struct Frame {
    std::uint32_t node;
    std::size_t pending_start;  // this container's members are pending_[pending_start..]
  };
  Document& doc_;
  std::vector<Frame> open_;
  std::vector<Member> pending_;
  Document::Range key_{0, 0};
  std::string error_;
  std::size_t error_position_ = 0;
};

Document Document::parse(std::string_view text, std::string_view source, int max_depth) {
  if (text.size() >= std::numeric_limits<std::uint32_t>::max() / 2)
    throw UserError(std::string(source), "the file is too large (4 GiB or more)");
  check_depth(text, source, max_depth);
  Document doc;
  doc.nodes_.reserve(text.size() / 8);
  doc.pool_.reserve(text.size() / 2);
  Builder builder(doc);
  if (!nlohmann::json::sax_parse(text.begin(), text.end(), &builder)) {
    const std::size_t position = builder.error_position();
    throw UserError(std::string(source) + ":" + line_column(text, position == 0 ? 0 : position - 1),
                    builder.error().empty() ? "syntax error" : builder.error());
  }
  return doc;
}

Type Value::type() const { return doc_->nodes_[index_].type; }
bool Value::boolean() const { return doc_->nodes_[index_].boolean; }
std::int64_t Value::integer() const { return doc_->nodes_[index_].integer; }
std::uint64_t Value::unsigned_integer() const { return doc_->nodes_[index_].unsigned_integer; }
double Value::floating() const { return doc_->nodes_[index_].floating; }
std::string_view Value::string() const {
  const auto& r = doc_->nodes_[index_].range;
  return std::string_view(doc_->pool_).substr(r.begin, r.size);
}
std::span<const Member> Value::members() const {
  const auto& r = doc_->nodes_[index_].range;
  return std::span<const Member>(doc_->members_).subspan(r.begin, r.size);
}
std::string_view Value::key(const Member& m) const {
  return std::string_view(doc_->pool_).substr(m.key_begin, m.key_size);
}

std::string line_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  const std::size_t line =
      1 + static_cast<std::size_t>(
              std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  const std::size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  const std::size_t column =
      line_start == std::string_view::npos || line == 1 ? offset + 1 : offset - line_start;
  return std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace sluice::ir::json_dom
