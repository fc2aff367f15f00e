#pragma once
/// Data containers: the named pieces of memory a program reads and writes.
///
/// A container is a Scalar, an Array (dtype, symbolic shape, strides in elements = its layout,
/// an element offset), or a View: an alias of another container's memory with its own shape and
/// strides (reshape, permute or slice), so layout changes need no copy. Non-transient containers
/// are the program's arguments; transients are allocated by the program itself.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/dtype.h"
#include "ir/expr.h"
#include "ir/ids.h"

namespace sluice::ir {

enum class ContainerKind : std::uint8_t { Scalar, Array, View };

/// Where the memory lives. `Default` lets code generation decide.
enum class Storage : std::uint8_t { Default, HostHeap, HostStack, Register, GpuGlobal, GpuShared };

/// How long a transient lives: for one execution of its scope, of its state, of the whole
/// program run, or across runs (persistent workspaces).
enum class Lifetime : std::uint8_t { Scope, State, Program, Persistent };

enum class ViewKind : std::uint8_t { Reshape, Permute, Slice };

/// What a View aliases. Its shape/strides/offset (in the Container) address the source's memory.
struct ViewOf {
  ContainerId source;
  ViewKind kind = ViewKind::Reshape;
  std::vector<std::int64_t> permutation;  ///< Permute only: view dim d is source dim perm[d].
  bool operator==(const ViewOf&) const = default;
};

struct Container {
  std::string name;
  ContainerKind kind = ContainerKind::Array;
  DType dtype = DType::f32;
  std::vector<Expr> shape;    ///< Empty for a Scalar.
  std::vector<Expr> strides;  ///< Elements between neighbours along each dim; same rank as shape.
  Expr offset;                ///< Element offset of index (0, ..., 0).
  Storage storage = Storage::Default;
  Lifetime lifetime = Lifetime::Scope;
  bool transient = false;
  std::optional<ViewOf> view;  ///< Present exactly when kind == View.

  [[nodiscard]] std::size_t rank() const { return shape.size(); }
  /// Number of elements (product of the shape; 1 for a Scalar).
  [[nodiscard]] Expr num_elements() const;
  /// Bytes of the elements (not of the span the strides cover).
  [[nodiscard]] Expr size_bytes() const;
  bool operator==(const Container&) const = default;
};

/// Row-major (C order) strides for a shape.
std::vector<Expr> contiguous_strides(const std::vector<Expr>& shape);

std::string_view container_kind_name(ContainerKind kind);
std::string_view storage_name(Storage storage);
std::string_view lifetime_name(Lifetime lifetime);
std::string_view view_kind_name(ViewKind kind);
std::optional<ContainerKind> parse_container_kind(std::string_view name);
std::optional<Storage> parse_storage(std::string_view name);
std::optional<Lifetime> parse_lifetime(std::string_view name);
std::optional<ViewKind> parse_view_kind(std::string_view name);

}  // namespace sluice::ir
