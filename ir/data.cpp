#include "ir/data.h"

#include <array>
#include <utility>

namespace sluice::ir {
namespace {

// One table per enum, so each name is spelled exactly once for printing and parsing.
template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<ContainerKind, 3> kKindNames{
    {{ContainerKind::Scalar, "scalar"}, {ContainerKind::Array, "array"}, {ContainerKind::View, "view"}}};
constexpr NameTable<Storage, 6> kStorageNames{{{Storage::Default, "default"},
                                                {Storage::HostHeap, "host_heap"},
                                                {Storage::HostStack, "host_stack"},
                                                {Storage::Register, "register"},
                                                {Storage::GpuGlobal, "gpu_global"},
                                                {Storage::GpuShared, "gpu_shared"}}};
constexpr NameTable<Lifetime, 4> kLifetimeNames{{{Lifetime::Scope, "scope"},
                                                  {Lifetime::State, "state"},
                                                  {Lifetime::Program, "program"},
                                                  {Lifetime::Persistent, "persistent"}}};
constexpr NameTable<ViewKind, 3> kViewKindNames{
    {{ViewKind::Reshape, "reshape"}, {ViewKind::Permute, "permute"}, {ViewKind::Slice, "slice"}}};

template <typename E, std::size_t N>
std::string_view name_of(const NameTable<E, N>& table, E value) {
  for (const auto& [e, name] : table)
    if (e == value) return name;
  return "?";
}

template <typename E, std::size_t N>
std::optional<E> parse_name(const NameTable<E, N>& table, std::string_view name) {
  for (const auto& [e, n] : table)
    if (n == name) return e;
  return std::nullopt;
}

}  // namespace

Expr Container::num_elements() const {
  Expr n = 1;
  for (const auto& d : shape) n = n * d;
  return n;
}

Expr Container::size_bytes() const { return num_elements() * dtype_size(dtype); }

std::vector<Expr> contiguous_strides(const std::vector<Expr>& shape) {
  std::vector<Expr> strides(shape.size());
  Expr stride = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride = stride * shape[i];
  }
  return strides;
}

std::string_view container_kind_name(ContainerKind kind) { return name_of(kKindNames, kind); }
std::string_view storage_name(Storage storage) { return name_of(kStorageNames, storage); }
std::string_view lifetime_name(Lifetime lifetime) { return name_of(kLifetimeNames, lifetime); }
std::string_view view_kind_name(ViewKind kind) { return name_of(kViewKindNames, kind); }
std::optional<ContainerKind> parse_container_kind(std::string_view name) {
  return parse_name(kKindNames, name);
}
std::optional<Storage> parse_storage(std::string_view name) {
  return parse_name(kStorageNames, name);
}
std::optional<Lifetime> parse_lifetime(std::string_view name) {
  return parse_name(kLifetimeNames, name);
}
std::optional<ViewKind> parse_view_kind(std::string_view name) {
  return parse_name(kViewKindNames, name);
}

}  // namespace sluice::ir
