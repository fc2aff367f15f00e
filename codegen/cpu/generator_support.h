#pragma once
/// Helpers the CPU and CUDA generators share: string building, the content hash that names
/// generated code, a layout's constant span, and the rule for when write-conflict updates at
/// distinct parameter values touch distinct elements.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ir/program.h"

namespace sluice::codegen {

/// Concatenation without temporaries (string building inside loops).
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(parts), ...);
  return out;
}

/// FNV-1a, 64 bits, as hex: stable across runs and builds (std::hash is not promised to be).
std::string content_hash(std::string_view data);

/// Elements a layout spans (offset + sum((size - 1) * stride) + 1, at least 1) when every part
/// of it is a constant.
std::optional<std::int64_t> constant_span(const ir::Container& c);

/// Updates through `m` at distinct values of `params` touch distinct elements: each parameter is
/// the exact index of a dimension of its own, plus a term free of `map_params`.
bool distinct_per(const ir::Memlet& m, const std::vector<std::string>& params,
                  const std::set<std::string>& map_params);

}  // namespace sluice::codegen
