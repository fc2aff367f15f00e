#pragma once
/// `Box<T>`: a heap-allocated T with value semantics (copying deep-copies).
///
/// Lets recursive IR types hold each other by value: a Map owns a Graph whose nodes may be Maps,
/// and a Nested node owns a whole Program that owns Graphs. Copy and delete are captured when a
/// Box is created from a T, so a type holding a `Box<T>` can be copied and destroyed where T is
/// incomplete. Never null.

#include <utility>

namespace sluice::ir {

template <typename T>
class Box {
public:
  Box() : Box(T{}) {}
  Box(T value)  // NOLINT(google-explicit-constructor): a T is a Box<T> by value
      : ptr_(new T(std::move(value))), ops_(&kOpsFor) {}
  Box(const Box& other) : ptr_(other.ops_->clone(other.ptr_)), ops_(other.ops_) {}
  Box(Box&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)), ops_(other.ops_) {}
  Box& operator=(Box other) noexcept {
    std::swap(ptr_, other.ptr_);
    std::swap(ops_, other.ops_);
    return *this;
  }
  ~Box() {
    if (ptr_) ops_->destroy(ptr_);
  }

  T& operator*() { return *ptr_; }
  const T& operator*() const { return *ptr_; }
  T* operator->() { return ptr_; }
  const T* operator->() const { return ptr_; }
  bool operator==(const Box& other) const { return *ptr_ == *other.ptr_; }

private:
  struct Ops {
    T* (*clone)(const T*);
    void (*destroy)(T*);
  };
  static constexpr Ops kOpsFor{[](const T* p) { return new T(*p); }, [](T* p) { delete p; }};

  T* ptr_;  // null only in a moved-from Box, which may only be destroyed or assigned
  const Ops* ops_;
};

}  // namespace sluice::ir
