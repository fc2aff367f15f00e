#include "ir/memlet.h"

#include <algorithm>
#include <array>
#include <utility>

#include "ir/diagnostic.h"

namespace sluice::ir {
namespace {

constexpr std::array<std::pair<WriteConflict, std::string_view>, 5> kWcrNames{{
    {WriteConflict::None, "none"},
    {WriteConflict::Sum, "sum"},
    {WriteConflict::Product, "product"},
    {WriteConflict::Min, "min"},
    {WriteConflict::Max, "max"},
}};

// Splits at top-level occurrences of `sep` (outside parentheses), keeping empty pieces.
std::vector<std::string_view> split_top_level(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    if (text[i] == ')') --depth;
    if (text[i] == sep && depth == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

Expr Range::size() const { return floordiv(end - begin + step - 1, step); }

bool Range::is_index() const { return step == Expr(1) && end == begin + 1; }

Expr subset_size(const Subset& subset) {
  Expr n = 1;
  for (const auto& r : subset) n = n * r.size();
  return n;
}

Subset whole_subset(const std::vector<Expr>& shape) {
  Subset subset;
  subset.reserve(shape.size());
  for (const Expr& d : shape) subset.push_back({0, d, 1});
  return subset;
}

Memlet whole_memlet(ContainerId data, const std::vector<Expr>& shape) {
  Memlet m;
  m.data = data;
  m.subset = whole_subset(shape);
  m.volume = subset_size(m.subset);
  return m;
}

std::string subset_str(const Subset& subset) {
  std::string out;
  for (std::size_t i = 0; i < subset.size(); ++i) {
    if (i) out += ", ";
    const Range& r = subset[i];
    if (r.is_index()) {
      out += r.begin.str();
      continue;
    }
    out += r.begin.str() + ":" + r.end.str();
    if (!(r.step == Expr(1))) out += ":" + r.step.str();
  }
  return out;
}

Subset parse_subset(std::string_view text) {
  Subset subset;
  if (is_blank(text)) return subset;
  for (auto dim : split_top_level(text, ',')) {
    auto parts = split_top_level(dim, ':');
    if (parts.size() > 3 || std::any_of(parts.begin(), parts.end(), is_blank))
      throw UserError(
          "subset '" + std::string(text) + "'",
          "expected 'index' or 'begin:end[:step]' in dimension '" + std::string(dim) + "'");
    if (parts.size() == 1) {
      subset.push_back(Range::index(parse_expr(parts[0])));
      continue;
    }
    Range r{parse_expr(parts[0]), parse_expr(parts[1]), 1};
    if (parts.size() == 3) r.step = parse_expr(parts[2]);
    subset.push_back(r);
  }
  return subset;
}

std::string_view write_conflict_name(WriteConflict wcr) {
  for (const auto& [w, name] : kWcrNames)
    if (w == wcr) return name;
  return "?";
}

std::optional<WriteConflict> parse_write_conflict(std::string_view name) {
  for (const auto& [w, n] : kWcrNames)
    if (n == name) return w;
  return std::nullopt;
}

}  // namespace sluice::ir
