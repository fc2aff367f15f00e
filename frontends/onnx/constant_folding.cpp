#include "frontends/onnx/constant_folding.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>

#include <onnx/onnx_pb.h>

#include "ir/diagnostic.h"

namespace sluice::frontends::detail {
namespace {

using TP = onnx::TensorProto;
using Shape = std::vector<std::int64_t>;
using Folded = std::optional<std::vector<HostTensor>>;

constexpr std::array kUnary = {"Abs",  "Ceil", "Floor", "Neg",  "Not",     "Reciprocal",
                               "Sqrt", "Exp",  "Log",   "Sign", "Identity"};
constexpr std::array kBinary = {"Add",
                                "Sub",
                                "Mul",
                                "Div",
                                "Mod",
                                "Pow",
                                "Equal",
                                "Less",
                                "Greater",
                                "LessOrEqual",
                                "GreaterOrEqual",
                                "And",
                                "Or",
                                "Xor",
                                "Min",
                                "Max"};
constexpr std::array kOther = {"Cast",   "Gather",  "Concat",   "Unsqueeze",       "Squeeze",
                               "Slice",  "Where",   "Range",    "ConstantOfShape", "Reshape",
                               "Expand", "Flatten", "Transpose"};

template <typename List>
bool contains(const List& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, std::string_view name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

// Wraps instead of overflowing: folded shape arithmetic never has UB, whatever the model says.
std::int64_t wrap_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
std::int64_t wrap_sub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
std::int64_t wrap_mul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

class Folder {
public:
  Folder(const onnx::NodeProto& node, std::int64_t opset,
         const std::vector<const HostTensor*>& inputs, const std::string& location,
         const std::string& name)
      : node_(node), opset_(opset), inputs_(inputs), location_(location), name_(name) {}

  Folded run() {
    const std::string& op = node_.op_type();
    if (contains(kUnary, op)) return unary(op);
    if (contains(kBinary, op)) return binary(op);
    if (op == "Cast") return cast();
    if (op == "Gather") return gather();
    if (op == "Concat") return concat();
    if (op == "Unsqueeze") return unsqueeze();
    if (op == "Squeeze") return squeeze();
    if (op == "Slice") return slice();
    if (op == "Where") return where();
    if (op == "Range") return range();
    if (op == "ConstantOfShape") return constant_of_shape();
    if (op == "Reshape") return reshape();
    if (op == "Expand") return expand();
    if (op == "Flatten") return flatten();
    if (op == "Transpose") return transpose();
    return std::nullopt;
  }

private:
  [[noreturn]] void fail(const std::string& message) const {
    throw UserError(location_, "node '" + name_ + "' (" + node_.op_type() + "): " + message);
  }

  const HostTensor& input(std::size_t k) const {
    if (k >= inputs_.size() || inputs_[k] == nullptr)
      fail("input " + std::to_string(k) + " is missing");
    return *inputs_[k];
  }
  const HostTensor* optional_input(std::size_t k) const {
    return k < inputs_.size() ? inputs_[k] : nullptr;
  }

  std::int64_t int_attr(std::string_view name, std::int64_t fallback) const {
    const auto* a = find_attribute(node_, name);
    return a ? a->i() : fallback;
  }
  std::optional<Shape> ints_attr(std::string_view name) const {
    const auto* a = find_attribute(node_, name);
    if (!a) return std::nullopt;
    return Shape(a->ints().begin(), a->ints().end());
  }

  // An axis in [-rank, rank) made non-negative.
  std::int64_t axis(std::int64_t a, std::int64_t rank) const {
    if (a < -rank || a >= rank)
      fail("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
    return a < 0 ? a + rank : a;
  }

  std::optional<HostTensor> make(std::int32_t type, Shape shape) const {
    for (const std::int64_t d : shape)
      if (d < 0) fail("the result has a negative dimension");
    const auto n = checked_num_elements(shape);
    if (!n || *n > kMaxFoldElements) return std::nullopt;  // left to the program
    return HostTensor::zeros(type, std::move(shape));
  }

  static Folded one(std::optional<HostTensor> t) {
    if (!t) return std::nullopt;
    return std::vector<HostTensor>{std::move(*t)};
  }

  // Numpy broadcasting of several shapes.
  Shape broadcast(const std::vector<Shape>& shapes) const {
    std::size_t rank = 0;
    for (const auto& s : shapes) rank = std::max(rank, s.size());
    Shape out(rank, 1);
    for (const auto& s : shapes) {
      for (std::size_t i = 0; i < s.size(); ++i) {
        std::int64_t& o = out[rank - s.size() + i];
        if (s[i] == o || s[i] == 1) continue;
        if (o != 1) fail("shapes cannot be broadcast together");
        o = s[i];
      }
    }
    return out;
  }

  // Calls f(out_index, in_indices) for every element of `out`, with each input broadcast.
  static void for_each_broadcast(
      const Shape& out, const std::vector<Shape>& ins,
      const std::function<void(std::int64_t, const std::vector<std::int64_t>&)>& f) {
    const std::size_t rank = out.size();
    std::vector<Shape> strides;
    for (const auto& s : ins) {
      Shape st(rank, 0);
      std::int64_t stride = 1;
      for (std::size_t i = s.size(); i-- > 0;) {
        if (s[i] != 1) st[rank - s.size() + i] = stride;
        stride *= s[i];
      }
      strides.push_back(std::move(st));
    }
    const std::int64_t total = checked_num_elements(out).value_or(0);
    Shape index(rank, 0);
    std::vector<std::int64_t> offsets(ins.size(), 0);
    for (std::int64_t n = 0; n < total; ++n) {
      f(n, offsets);
      for (std::size_t d = rank; d-- > 0;) {
        ++index[d];
        for (std::size_t k = 0; k < ins.size(); ++k) offsets[k] += strides[k][d];
        if (index[d] < out[d]) break;
        for (std::size_t k = 0; k < ins.size(); ++k) offsets[k] -= strides[k][d] * out[d];
        index[d] = 0;
      }
    }
  }

  Folded unary(const std::string& op) const {
    const HostTensor& x = input(0);
    if (op == "Identity") return std::vector<HostTensor>{x};
    auto out = make(x.elem_type, x.shape);
    if (!out) return std::nullopt;
    for (std::int64_t i = 0; i < x.num_elements(); ++i) {
      if (x.is_float()) {
        const double v = x.as_double(i);
        double r = v;
        if (op == "Abs")
          r = std::fabs(v);
        else if (op == "Ceil")
          r = std::ceil(v);
        else if (op == "Floor")
          r = std::floor(v);
        else if (op == "Neg")
          r = -v;
        else if (op == "Reciprocal")
          r = 1.0 / v;
        else if (op == "Sqrt")
          r = std::sqrt(v);
        else if (op == "Exp")
          r = std::exp(v);
        else if (op == "Log")
          r = std::log(v);
        else if (op == "Sign")
          r = v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0;
        else
          return std::nullopt;
        out->set_double(i, r);
      } else {
        const std::int64_t v = x.as_int(i);
        std::int64_t r = v;
        if (op == "Abs")
          r = v < 0 ? wrap_sub(0, v) : v;
        else if (op == "Neg")
          r = wrap_sub(0, v);
        else if (op == "Not")
          r = v == 0;
        else if (op == "Sign")
          r = v > 0 ? 1 : v < 0 ? -1 : 0;
        else if (op != "Ceil" && op != "Floor")
          return std::nullopt;
        out->set_int(i, r);
      }
    }
    return one(std::move(out));
  }

  Folded binary(const std::string& op) const {
    if (op == "Min" || op == "Max") {  // variadic
      if (inputs_.empty()) fail("no inputs");
      HostTensor acc = input(0);
      for (std::size_t k = 1; k < inputs_.size(); ++k) {
        auto r = binary_pair(op, acc, input(k));
        if (!r) return std::nullopt;
        acc = std::move(*r);
      }
      return std::vector<HostTensor>{std::move(acc)};
    }
    auto r = binary_pair(op, input(0), input(1));
    if (!r) return std::nullopt;
    return std::vector<HostTensor>{std::move(*r)};
  }

  std::optional<HostTensor> binary_pair(const std::string& op, const HostTensor& a,
                                        const HostTensor& b) const {
    if (a.elem_type != b.elem_type && op != "Pow") fail("inputs have different element types");
    const bool compare = op == "Equal" || op == "Less" || op == "Greater" || op == "LessOrEqual" ||
                         op == "GreaterOrEqual";
    const Shape shape = broadcast({a.shape, b.shape});
    auto out = make(compare ? TP::BOOL : a.elem_type, shape);
    if (!out) return std::nullopt;
    const bool fl = a.is_float() || b.is_float();
    bool unsupported = false;
    for_each_broadcast(shape, {a.shape, b.shape}, [&](std::int64_t n, const auto& at) {
      if (fl) {
        const double x = a.as_double(at[0]);
        const double y = b.as_double(at[1]);
        double r = 0;
        if (op == "Add")
          r = x + y;
        else if (op == "Sub")
          r = x - y;
        else if (op == "Mul")
          r = x * y;
        else if (op == "Div")
          r = x / y;
        else if (op == "Mod")
          r = int_attr("fmod", 0) ? std::fmod(x, y) : x - y * std::floor(x / y);
        else if (op == "Pow")
          r = std::pow(x, y);
        else if (op == "Equal")
          r = x == y;
        else if (op == "Less")
          r = x < y;
        else if (op == "Greater")
          r = x > y;
        else if (op == "LessOrEqual")
          r = x <= y;
        else if (op == "GreaterOrEqual")
          r = x >= y;
        else if (op == "Min")
          r = std::min(x, y);
        else if (op == "Max")
          r = std::max(x, y);
        else
          unsupported = true;
        out->set_double(n, r);
      } else {
        const std::int64_t x = a.as_int(at[0]);
        const std::int64_t y = b.as_int(at[1]);
        std::int64_t r = 0;
        if (op == "Add")
          r = wrap_add(x, y);
        else if (op == "Sub")
          r = wrap_sub(x, y);
        else if (op == "Mul")
          r = wrap_mul(x, y);
        else if (op == "Div" || op == "Mod") {
          if (y == 0) fail("integer division by zero");
          if (x == std::numeric_limits<std::int64_t>::min() && y == -1) fail("integer overflow");
          if (op == "Div")
            r = x / y;
          else if (int_attr("fmod", 0))
            r = x % y;
          else {
            r = x % y;  // then the sign of the divisor, as Python's % (r + y cannot overflow)
            if (r != 0 && (r < 0) != (y < 0)) r += y;
          }
        } else if (op == "Equal")
          r = x == y;
        else if (op == "Less")
          r = x < y;
        else if (op == "Greater")
          r = x > y;
        else if (op == "LessOrEqual")
          r = x <= y;
        else if (op == "GreaterOrEqual")
          r = x >= y;
        else if (op == "And")
          r = x && y;
        else if (op == "Or")
          r = x || y;
        else if (op == "Xor")
          r = (x != 0) != (y != 0);
        else if (op == "Min")
          r = std::min(x, y);
        else if (op == "Max")
          r = std::max(x, y);
        else
          unsupported = true;
        out->set_int(n, r);
      }
    });
    if (unsupported) return std::nullopt;
    return out;
  }

  Folded cast() const {
    const HostTensor& x = input(0);
    const auto to = static_cast<std::int32_t>(int_attr("to", 0));
    if (element_size(to) == 0) return std::nullopt;
    auto out = make(to, x.shape);
    if (!out) return std::nullopt;
    const bool via_double = x.is_float() || out->is_float();
    for (std::int64_t i = 0; i < x.num_elements(); ++i) {
      if (via_double)
        out->set_double(i, x.as_double(i));
      else
        out->set_int(i, x.as_int(i));
    }
    return one(std::move(out));
  }

  // Copies `count` contiguous elements.
  static void copy(const HostTensor& from, std::int64_t from_at, HostTensor& to, std::int64_t to_at,
                   std::int64_t count) {
    const int size = element_size(from.elem_type);
    std::copy_n(from.bytes.begin() + from_at * size, count * size, to.bytes.begin() + to_at * size);
  }

  static std::int64_t product(const Shape& s, std::size_t from, std::size_t to) {
    std::int64_t n = 1;
    for (std::size_t i = from; i < to; ++i) n *= s[i];
    return n;
  }

  Folded gather() const {
    const HostTensor& data = input(0);
    const HostTensor& indices = input(1);
    if (indices.is_float()) fail("indices must be integers");
    const auto rank = static_cast<std::int64_t>(data.shape.size());
    if (rank == 0) fail("data must have rank >= 1");
    const auto ax = static_cast<std::size_t>(axis(int_attr("axis", 0), rank));
    Shape shape(data.shape.begin(), data.shape.begin() + static_cast<std::ptrdiff_t>(ax));
    shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
    shape.insert(shape.end(), data.shape.begin() + static_cast<std::ptrdiff_t>(ax) + 1,
                 data.shape.end());
    auto out = make(data.elem_type, shape);
    if (!out) return std::nullopt;
    if (out->num_elements() == 0) return one(std::move(out));  // outer may still be huge
    const std::int64_t outer = product(data.shape, 0, ax);
    const std::int64_t inner = product(data.shape, ax + 1, data.shape.size());
    const std::int64_t dim = data.shape[ax];
    const std::int64_t n = indices.num_elements();
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t k = 0; k < n; ++k) {
        std::int64_t idx = indices.as_int(k);
        if (idx < -dim || idx >= dim)
          fail("index " + std::to_string(idx) + " is out of range for a dimension of size " +
               std::to_string(dim));
        if (idx < 0) idx += dim;
        copy(data, (o * dim + idx) * inner, *out, (o * n + k) * inner, inner);
      }
    }
    return one(std::move(out));
  }

  Folded concat() const {
    if (inputs_.empty()) fail("no inputs");
    const HostTensor& first = input(0);
    const auto rank = static_cast<std::int64_t>(first.shape.size());
    if (rank == 0) fail("inputs must have rank >= 1");
    const auto ax = static_cast<std::size_t>(axis(int_attr("axis", 0), rank));
    Shape shape = first.shape;
    shape[ax] = 0;
    for (std::size_t k = 0; k < inputs_.size(); ++k) {
      const HostTensor& t = input(k);
      if (t.elem_type != first.elem_type || t.shape.size() != first.shape.size())
        fail("inputs differ in element type or rank");
      for (std::size_t d = 0; d < t.shape.size(); ++d)
        if (d != ax && t.shape[d] != first.shape[d]) fail("input shapes differ off the axis");
      if (__builtin_add_overflow(shape[ax], t.shape[ax], &shape[ax]))
        fail("the result's shape is too large");
    }
    auto out = make(first.elem_type, shape);
    if (!out) return std::nullopt;
    if (out->num_elements() == 0) return one(std::move(out));  // outer may still be huge
    const std::int64_t outer = product(shape, 0, ax);
    const std::int64_t inner = product(shape, ax + 1, shape.size());
    std::int64_t at = 0;
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::size_t k = 0; k < inputs_.size(); ++k) {
        const std::int64_t chunk = input(k).shape[ax] * inner;
        copy(input(k), o * chunk, *out, at, chunk);
        at += chunk;
      }
    }
    return one(std::move(out));
  }

  // The axes of Squeeze/Unsqueeze/Reduce*: an attribute before opset 13, then input 1.
  std::optional<Shape> axes_operand() const {
    if (opset_ < 13) return ints_attr("axes");
    if (const HostTensor* t = optional_input(1)) return t->ints();
    return std::nullopt;
  }

  Folded reshaped(const HostTensor& x, Shape shape) const {
    if (!checked_num_elements(shape)) fail("the result's shape is too large");
    HostTensor out = x;
    out.shape = std::move(shape);
    return std::vector<HostTensor>{std::move(out)};
  }

  Folded unsqueeze() const {
    const HostTensor& x = input(0);
    const auto axes = axes_operand();
    if (!axes) fail("no axes");
    const auto rank = static_cast<std::int64_t>(x.shape.size() + axes->size());
    std::vector<bool> inserted(static_cast<std::size_t>(rank), false);
    for (const std::int64_t a : *axes) {
      const auto k = static_cast<std::size_t>(axis(a, rank));
      if (inserted[k]) fail("an axis is repeated");
      inserted[k] = true;
    }
    Shape shape;
    std::size_t next = 0;
    for (const bool is_new : inserted) shape.push_back(is_new ? 1 : x.shape[next++]);
    return reshaped(x, std::move(shape));
  }

  Folded squeeze() const {
    const HostTensor& x = input(0);
    const auto rank = static_cast<std::int64_t>(x.shape.size());
    std::vector<bool> removed(x.shape.size(), false);
    if (const auto axes = axes_operand()) {
      for (const std::int64_t a : *axes) {
        const auto k = static_cast<std::size_t>(axis(a, rank));
        if (x.shape[k] != 1)
          fail("cannot squeeze a dimension of size " + std::to_string(x.shape[k]));
        removed[k] = true;
      }
    } else {
      for (std::size_t d = 0; d < x.shape.size(); ++d) removed[d] = x.shape[d] == 1;
    }
    Shape shape;
    for (std::size_t d = 0; d < x.shape.size(); ++d)
      if (!removed[d]) shape.push_back(x.shape[d]);
    return reshaped(x, std::move(shape));
  }

  Folded slice() const {
    const HostTensor& x = input(0);
    const auto rank = static_cast<std::int64_t>(x.shape.size());
    Shape starts, ends, axes, steps;
    if (opset_ < 10) {
      starts = ints_attr("starts").value_or(Shape{});
      ends = ints_attr("ends").value_or(Shape{});
      axes = ints_attr("axes").value_or(Shape{});
    } else {
      starts = input(1).ints();
      ends = input(2).ints();
      if (const HostTensor* t = optional_input(3)) axes = t->ints();
      if (const HostTensor* t = optional_input(4)) steps = t->ints();
    }
    if (axes.empty())
      for (std::int64_t d = 0; d < static_cast<std::int64_t>(starts.size()); ++d) axes.push_back(d);
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size())
      fail("starts, ends, axes and steps differ in length");
    Shape begin(x.shape.size(), 0), step(x.shape.size(), 1), shape = x.shape;
    std::vector<bool> seen(x.shape.size(), false);
    for (std::size_t i = 0; i < starts.size(); ++i) {
      const auto d = static_cast<std::size_t>(axis(axes[i], rank));
      if (seen[d]) fail("an axis is repeated");
      seen[d] = true;
      const std::int64_t dim = x.shape[d];
      if (steps[i] == 0) fail("a step is 0");
      auto clamp_index = [&](std::int64_t v, bool forward) {
        if (v < 0) v = v < -dim ? -1 : v + dim;  // v + dim cannot overflow here
        return forward ? std::clamp<std::int64_t>(v, 0, dim)
                       : std::clamp<std::int64_t>(v, -1, dim - 1);
      };
      const bool forward = steps[i] > 0;
      const std::int64_t s = clamp_index(starts[i], forward);
      const std::int64_t e = clamp_index(ends[i], forward);
      std::int64_t count = 0;
      if (forward && e > s) count = (e - s - 1) / steps[i] + 1;
      if (!forward && s > e)
        count = (s - e - 1) / (steps[i] == std::numeric_limits<std::int64_t>::min()
                                   ? std::numeric_limits<std::int64_t>::max()
                                   : -steps[i]) +
                1;
      begin[d] = s;
      step[d] = steps[i];
      shape[d] = count;
    }
    auto out = make(x.elem_type, shape);
    if (!out) return std::nullopt;
    // Source strides; walk the output in order.
    Shape strides(x.shape.size(), 1);
    for (std::size_t d = x.shape.size(); d-- > 1;) strides[d - 1] = strides[d] * x.shape[d];
    Shape index(shape.size(), 0);
    const std::int64_t total = out->num_elements();
    for (std::int64_t n = 0; n < total; ++n) {
      std::int64_t src = 0;
      for (std::size_t d = 0; d < shape.size(); ++d)
        src += (begin[d] + index[d] * step[d]) * strides[d];
      copy(x, src, *out, n, 1);
      for (std::size_t d = shape.size(); d-- > 0;) {
        if (++index[d] < shape[d]) break;
        index[d] = 0;
      }
    }
    return one(std::move(out));
  }

  Folded where() const {
    const HostTensor& c = input(0);
    const HostTensor& a = input(1);
    const HostTensor& b = input(2);
    if (a.elem_type != b.elem_type) fail("inputs have different element types");
    const Shape shape = broadcast({c.shape, a.shape, b.shape});
    auto out = make(a.elem_type, shape);
    if (!out) return std::nullopt;
    for_each_broadcast(shape, {c.shape, a.shape, b.shape}, [&](std::int64_t n, const auto& at) {
      if (c.as_int(at[0]) != 0)
        copy(a, at[1], *out, n, 1);
      else
        copy(b, at[2], *out, n, 1);
    });
    return one(std::move(out));
  }

  Folded range() const {
    const HostTensor& start = input(0);
    const HostTensor& limit = input(1);
    const HostTensor& delta = input(2);
    if (start.num_elements() != 1 || limit.num_elements() != 1 || delta.num_elements() != 1)
      fail("start, limit and delta must be scalars");
    double count = 0;
    if (start.is_float()) {
      const double d = delta.as_double(0);
      if (d == 0) fail("delta is 0");
      count = std::ceil((limit.as_double(0) - start.as_double(0)) / d);
    } else {
      const std::int64_t d = delta.as_int(0);
      if (d == 0) fail("delta is 0");
      const double span =
          static_cast<double>(limit.as_int(0)) - static_cast<double>(start.as_int(0));
      count = std::ceil(span / static_cast<double>(d));
    }
    if (!(count > 0)) count = 0;
    if (count > static_cast<double>(kMaxFoldElements)) return std::nullopt;
    auto out = make(start.elem_type, {static_cast<std::int64_t>(count)});
    if (!out) return std::nullopt;
    for (std::int64_t i = 0; i < out->num_elements(); ++i) {
      if (start.is_float())
        out->set_double(i, start.as_double(0) + static_cast<double>(i) * delta.as_double(0));
      else
        out->set_int(
            i, wrap_add(start.as_int(0), wrap_mul(static_cast<std::int64_t>(i), delta.as_int(0))));
    }
    return one(std::move(out));
  }

  Folded constant_of_shape() const {
    const Shape shape = input(0).ints();
    for (const std::int64_t d : shape)
      if (d < 0) fail("a dimension is negative");
    std::optional<HostTensor> value;
    if (const auto* a = find_attribute(node_, "value")) {
      if (!a->has_t()) fail("attribute 'value' is not a tensor");
      value = read_tensor(a->t(), "attribute 'value' of node '" + name_ + "'", location_, "");
      if (value->num_elements() != 1) fail("attribute 'value' must have one element");
    }
    auto out = make(value ? value->elem_type : TP::FLOAT, shape);
    if (!out) return std::nullopt;
    if (value)
      for (std::int64_t i = 0; i < out->num_elements(); ++i) copy(*value, 0, *out, i, 1);
    return one(std::move(out));
  }

  Folded reshape() const {
    const HostTensor& x = input(0);
    Shape shape = opset_ < 5 ? ints_attr("shape").value_or(Shape{}) : input(1).ints();
    const bool allow_zero = int_attr("allowzero", 0) != 0;
    std::int64_t known = 1;
    std::optional<std::size_t> infer;
    for (std::size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] == 0 && !allow_zero) {
        if (d >= x.shape.size()) fail("a 0 in the shape has no input dimension to copy");
        shape[d] = x.shape[d];
      }
      if (shape[d] == -1) {
        if (infer) fail("more than one -1 in the shape");
        infer = d;
      } else if (shape[d] < 0) {
        fail("a dimension is negative");
      } else {
        if (shape[d] != 0 && known > (std::int64_t{1} << 62) / shape[d])
          fail("the shape is too large");
        known *= shape[d];
      }
    }
    const std::int64_t n = x.num_elements();
    if (infer) {
      if (known == 0 || n % known != 0) fail("cannot infer the -1 dimension");
      shape[*infer] = n / known;
    } else if (known != n) {
      fail("the shape has " + std::to_string(known) + " elements, the input " + std::to_string(n));
    }
    return reshaped(x, std::move(shape));
  }

  Folded expand() const {
    const HostTensor& x = input(0);
    const Shape target = input(1).ints();
    for (const std::int64_t d : target)
      if (d < 0) fail("a dimension is negative");
    const Shape shape = broadcast({x.shape, target});
    auto out = make(x.elem_type, shape);
    if (!out) return std::nullopt;
    for_each_broadcast(shape, {x.shape},
                       [&](std::int64_t n, const auto& at) { copy(x, at[0], *out, n, 1); });
    return one(std::move(out));
  }

  Folded flatten() const {
    const HostTensor& x = input(0);
    const auto rank = static_cast<std::int64_t>(x.shape.size());
    std::int64_t a = int_attr("axis", 1);
    if (a < -rank || a > rank) fail("axis is out of range");
    if (a < 0) a += rank;
    return reshaped(x, {product(x.shape, 0, static_cast<std::size_t>(a)),
                        product(x.shape, static_cast<std::size_t>(a), x.shape.size())});
  }

  Folded transpose() const {
    const HostTensor& x = input(0);
    const std::size_t rank = x.shape.size();
    Shape perm = ints_attr("perm").value_or(Shape{});
    if (perm.empty())
      for (std::size_t d = 0; d < rank; ++d)
        perm.push_back(static_cast<std::int64_t>(rank - 1 - d));
    if (perm.size() != rank) fail("perm has the wrong length");
    std::vector<bool> used(rank, false);
    Shape shape(rank);
    for (std::size_t d = 0; d < rank; ++d) {
      if (perm[d] < 0 || perm[d] >= static_cast<std::int64_t>(rank) ||
          used[static_cast<std::size_t>(perm[d])])
        fail("perm is not a permutation");
      used[static_cast<std::size_t>(perm[d])] = true;
      shape[d] = x.shape[static_cast<std::size_t>(perm[d])];
    }
    auto out = make(x.elem_type, shape);
    if (!out) return std::nullopt;
    Shape strides(rank, 1);
    for (std::size_t d = rank; d-- > 1;) strides[d - 1] = strides[d] * x.shape[d];
    Shape index(rank, 0);
    for (std::int64_t n = 0; n < out->num_elements(); ++n) {
      std::int64_t src = 0;
      for (std::size_t d = 0; d < rank; ++d)
        src += index[d] * strides[static_cast<std::size_t>(perm[d])];
      copy(x, src, *out, n, 1);
      for (std::size_t d = rank; d-- > 0;) {
        if (++index[d] < shape[d]) break;
        index[d] = 0;
      }
    }
    return one(std::move(out));
  }

  const onnx::NodeProto& node_;
  std::int64_t opset_;
  const std::vector<const HostTensor*>& inputs_;
  const std::string& location_;
  const std::string& name_;
};

}  // namespace

bool is_foldable_op(std::string_view op_type) {
  return contains(kUnary, op_type) || contains(kBinary, op_type) || contains(kOther, op_type);
}

std::optional<std::vector<HostTensor>> fold_node(const onnx::NodeProto& node, std::int64_t opset,
                                                 const std::vector<const HostTensor*>& inputs,
                                                 const std::string& location,
                                                 const std::string& node_name) {
  return Folder(node, opset, inputs, location, node_name).run();
}

}  // namespace sluice::frontends::detail
