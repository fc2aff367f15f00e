#include "codegen/cpu/generator_support.h"

#include <algorithm>
#include <cstdio>

namespace sluice::codegen {

std::string content_hash(std::string_view data) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(h));
  return buffer;
}

std::optional<std::int64_t> constant_span(const ir::Container& c) {
  const auto offset = c.offset.constant_value();
  if (!offset) return std::nullopt;
  std::int64_t span = *offset + 1;
  for (std::size_t d = 0; d < c.shape.size(); ++d) {
    const auto size = c.shape[d].constant_value();
    const auto stride = c.strides[d].constant_value();
    if (!size || !stride) return std::nullopt;
    if (*size <= 0) return 1;
    span += (*size - 1) * *stride;
  }
  return std::max<std::int64_t>(span, 1);
}

bool distinct_per(const ir::Memlet& m, const std::vector<std::string>& params,
                  const std::set<std::string>& map_params) {
  std::set<std::size_t> taken;
  for (const std::string& p : params) {
    bool found = false;
    for (std::size_t d = 0; d < m.subset.size() && !found; ++d) {
      const ir::Range& r = m.subset[d];
      if (taken.contains(d) || !r.is_index()) continue;
      const std::vector<std::string> uses = r.begin.free_symbols();
      if (std::find(uses.begin(), uses.end(), p) == uses.end()) continue;
      const std::vector<std::string> rest = (r.begin - ir::Expr::symbol(p)).free_symbols();
      if (std::any_of(rest.begin(), rest.end(),
                      [&](const std::string& s) { return map_params.contains(s); }))
        continue;
      taken.insert(d);
      found = true;
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace sluice::codegen
