#pragma once
/// Typed ids and the arena that owns IR objects.
///
/// Ids are small integers that stay valid across unrelated edits: an arena never reuses the id
/// of an erased element, so a recipe can name "node 7 of state 2" and be replayed. Iteration is
/// in id order, which makes everything built on it deterministic.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "ir/diagnostic.h"

namespace sluice::ir {

template <typename Tag>
struct Id {
  std::uint32_t value = kInvalid;
  static constexpr std::uint32_t kInvalid = 0xffffffffu;

  constexpr Id() = default;
  constexpr explicit Id(std::uint32_t v) : value(v) {}
  [[nodiscard]] constexpr bool valid() const { return value != kInvalid; }
  constexpr auto operator<=>(const Id&) const = default;
};

struct NodeTag {};
struct EdgeTag {};
struct StateTag {};
struct ContainerTag {};
struct InterstateEdgeTag {};
using NodeId = Id<NodeTag>;
using EdgeId = Id<EdgeTag>;
using StateId = Id<StateTag>;
using ContainerId = Id<ContainerTag>;
using InterstateEdgeId = Id<InterstateEdgeTag>;

/// Owns values addressed by `IdT`; erased slots stay empty so ids are never reused.
template <typename IdT, typename T>
class Arena {
public:
  IdT add(T value) {
    slots_.emplace_back(std::move(value));
    return IdT(static_cast<std::uint32_t>(slots_.size() - 1));
  }
  /// Places `value` at a given id (used by loaders that preserve ids); the slot must be free.
  void insert_at(IdT id, T value) {
    SLUICE_CHECK(id.valid(), "inserting at the invalid id");
    if (id.value >= slots_.size()) slots_.resize(id.value + 1);
    SLUICE_CHECK(!slots_[id.value].has_value(), "arena slot already in use");
    slots_[id.value].emplace(std::move(value));
  }
  void erase(IdT id) {
    SLUICE_CHECK(contains(id), "erasing an id that is not present");
    slots_[id.value].reset();
  }
  /// Makes the next `add` return at least `bound` (restoring a saved id counter).
  void reserve_ids(std::uint32_t bound) {
    if (bound > slots_.size()) slots_.resize(bound);
  }
  [[nodiscard]] bool contains(IdT id) const {
    return id.valid() && id.value < slots_.size() && slots_[id.value].has_value();
  }
  T& operator[](IdT id) {
    SLUICE_CHECK(contains(id), "id not present in arena");
    return *slots_[id.value];
  }
  const T& operator[](IdT id) const {
    SLUICE_CHECK(contains(id), "id not present in arena");
    return *slots_[id.value];
  }
  T* find(IdT id) { return contains(id) ? &*slots_[id.value] : nullptr; }
  const T* find(IdT id) const { return contains(id) ? &*slots_[id.value] : nullptr; }

  /// Live ids in increasing order.
  [[nodiscard]] std::vector<IdT> ids() const {
    std::vector<IdT> out;
    for (std::uint32_t i = 0; i < slots_.size(); ++i)
      if (slots_[i]) out.push_back(IdT(i));
    return out;
  }
  [[nodiscard]] std::size_t size() const {
    std::size_t n = 0;
    for (const auto& s : slots_) n += s.has_value();
    return n;
  }
  /// One past the largest id ever handed out (the next `add` returns this).
  [[nodiscard]] std::uint32_t capacity() const { return static_cast<std::uint32_t>(slots_.size()); }
  bool operator==(const Arena&) const = default;

private:
  std::vector<std::optional<T>> slots_;
};

}  // namespace sluice::ir

template <typename Tag>
struct std::hash<sluice::ir::Id<Tag>> {
  std::size_t operator()(const sluice::ir::Id<Tag>& id) const noexcept { return id.value; }
};
