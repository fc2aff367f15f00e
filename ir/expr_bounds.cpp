// Interval bounds of symbolic expressions.
//
// Plain interval arithmetic over the canonical tree. Internally an endpoint is an extended
// integer (finite, -inf or +inf); a product or quotient that leaves int64 saturates to the
// infinity of its sign, which only ever widens the result, and an endpoint that ends up
// infinite is reported as unbounded.

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

#include "ir/expr.h"

namespace sluice::ir {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

struct Ext {
  int inf = 0;  // -1: -inf, +1: +inf, 0: the finite value v
  std::int64_t v = 0;

  static Ext finite(std::int64_t value) { return {0, value}; }
  static Ext infinity(int sign) { return {sign, 0}; }
  [[nodiscard]] int sign() const { return inf != 0 ? inf : (v > 0) - (v < 0); }
  [[nodiscard]] bool is_finite() const { return inf == 0; }
};

bool ext_less(const Ext& a, const Ext& b) {
  if (a.inf != b.inf) return a.inf < b.inf;
  return a.inf == 0 && a.v < b.v;
}

Ext lo_of(const Interval& i) { return i.lo ? Ext::finite(*i.lo) : Ext::infinity(-1); }
Ext hi_of(const Interval& i) { return i.hi ? Ext::finite(*i.hi) : Ext::infinity(+1); }

std::optional<std::int64_t> to_bound(const Ext& e) {
  if (e.is_finite()) return e.v;
  return std::nullopt;
}

Interval make_interval(const Ext& lo, const Ext& hi) { return {to_bound(lo), to_bound(hi)}; }

Ext ext_mul(const Ext& a, const Ext& b) {
  if ((a.is_finite() && a.v == 0) || (b.is_finite() && b.v == 0)) return Ext::finite(0);
  if (!a.is_finite() || !b.is_finite()) return Ext::infinity(a.sign() * b.sign());
  std::int64_t r;
  if (__builtin_mul_overflow(a.v, b.v, &r)) return Ext::infinity(a.sign() * b.sign());
  return Ext::finite(r);
}

/// floor(x / d) for d != 0, with the limits at infinity.
Ext ext_floordiv(const Ext& x, const Ext& d) {
  if (!d.is_finite()) {
    if (!x.is_finite()) return Ext::infinity(x.sign() * d.sign());
    if (x.v == 0 || x.sign() == d.sign()) return Ext::finite(0);
    return Ext::finite(-1);
  }
  if (!x.is_finite()) return Ext::infinity(x.sign() * d.sign());
  if (d.v == -1) return x.v == kMin ? Ext::infinity(+1) : Ext::finite(-x.v);
  std::int64_t q = x.v / d.v;
  if (x.v % d.v != 0 && ((x.v < 0) != (d.v < 0))) --q;
  return Ext::finite(q);
}

/// Python's `a % b` for b > 0.
std::int64_t py_mod(std::int64_t a, std::int64_t b) {
  std::int64_t r = a % b;
  return r < 0 ? r + b : r;
}

Ext ext_min(const Ext& a, const Ext& b) { return ext_less(b, a) ? b : a; }
Ext ext_max(const Ext& a, const Ext& b) { return ext_less(a, b) ? b : a; }

struct ExtInterval {
  Ext lo;
  Ext hi;
};

ExtInterval hull(const std::optional<ExtInterval>& a, const std::optional<ExtInterval>& b) {
  if (!a) return *b;
  if (!b) return *a;
  return {ext_min(a->lo, b->lo), ext_max(a->hi, b->hi)};
}

const ExtInterval kEverything{Ext::infinity(-1), Ext::infinity(+1)};

Interval add(const Interval& a, const Interval& b) {
  Interval r;
  std::int64_t v;
  if (a.lo && b.lo && !__builtin_add_overflow(*a.lo, *b.lo, &v)) r.lo = v;
  if (a.hi && b.hi && !__builtin_add_overflow(*a.hi, *b.hi, &v)) r.hi = v;
  return r;
}

Interval mul(const Interval& a, const Interval& b) {
  std::array<Ext, 4> corners = {ext_mul(lo_of(a), lo_of(b)), ext_mul(lo_of(a), hi_of(b)),
                                ext_mul(hi_of(a), lo_of(b)), ext_mul(hi_of(a), hi_of(b))};
  Ext lo = *std::min_element(corners.begin(), corners.end(), ext_less);
  Ext hi = *std::max_element(corners.begin(), corners.end(), ext_less);
  return make_interval(lo, hi);
}

/// floor(x / d) over x in `x`, d in [dl, dh], where the divisor interval has one sign.
ExtInterval floordiv_one_sign(const Interval& x, const Ext& dl, const Ext& dh) {
  bool positive = dl.sign() > 0;
  // floor(x / d) rises with x for d > 0 and falls for d < 0; for a fixed x it is monotone in
  // d, so the extremes sit at the divisor's endpoints.
  Ext x_for_lo = positive ? lo_of(x) : hi_of(x);
  Ext x_for_hi = positive ? hi_of(x) : lo_of(x);
  return {ext_min(ext_floordiv(x_for_lo, dl), ext_floordiv(x_for_lo, dh)),
          ext_max(ext_floordiv(x_for_hi, dl), ext_floordiv(x_for_hi, dh))};
}

Interval floordiv(const Interval& x, const Interval& d) {
  Ext dl = lo_of(d);
  Ext dh = hi_of(d);
  std::optional<ExtInterval> neg;
  std::optional<ExtInterval> pos;
  if (ext_less(dl, Ext::finite(0))) {
    neg = floordiv_one_sign(x, dl, ext_min(dh, Ext::finite(-1)));
  }
  if (ext_less(Ext::finite(0), dh)) {
    pos = floordiv_one_sign(x, ext_max(dl, Ext::finite(1)), dh);
  }
  if (!neg && !pos) return {};  // the divisor is always 0: no value is ever defined
  ExtInterval r = hull(neg, pos);
  return make_interval(r.lo, r.hi);
}

Interval mod(const Interval& x, const Interval& d) {
  Ext dl = lo_of(d);
  Ext dh = hi_of(d);
  std::optional<ExtInterval> neg;
  std::optional<ExtInterval> pos;
  if (ext_less(Ext::finite(0), dh)) {
    // mod(x, d) for d > 0 lies in [0, d - 1], and in [0, x] when x >= 0.
    Ext hi = dh.is_finite() ? Ext::finite(dh.v - 1) : dh;
    if (x.lo && *x.lo >= 0) hi = ext_min(hi, hi_of(x));
    pos = ExtInterval{Ext::finite(0), hi};
    // One constant divisor and x within one period: mod is x shifted.
    if (d.lo && d.lo == d.hi && x.lo && x.hi) {
      std::int64_t dv = *d.lo;
      Ext q_lo = ext_floordiv(Ext::finite(*x.lo), Ext::finite(dv));
      Ext q_hi = ext_floordiv(Ext::finite(*x.hi), Ext::finite(dv));
      if (q_lo.is_finite() && q_hi.is_finite() && q_lo.v == q_hi.v) {
        pos = ExtInterval{Ext::finite(py_mod(*x.lo, dv)), Ext::finite(py_mod(*x.hi, dv))};
      }
    }
  }
  if (ext_less(dl, Ext::finite(0))) {
    // mod(x, d) for d < 0 lies in [d + 1, 0], and in [x, 0] when x <= 0.
    Ext lo = dl.is_finite() ? Ext::finite(dl.v + 1) : dl;
    if (x.hi && *x.hi <= 0) lo = ext_max(lo, lo_of(x));
    neg = ExtInterval{lo, Ext::finite(0)};
  }
  if (!neg && !pos) return {};
  ExtInterval r = hull(neg, pos);
  return make_interval(r.lo, r.hi);
}

Interval min_max(bool is_min, const Interval& a, const Interval& b) {
  auto pick = [&](const Ext& x, const Ext& y) { return is_min ? ext_min(x, y) : ext_max(x, y); };
  return make_interval(pick(lo_of(a), lo_of(b)), pick(hi_of(a), hi_of(b)));
}

Interval compute(const Expr& e, const std::map<std::string, Interval>& ranges) {
  const auto& ops = e.operands();
  switch (e.kind()) {
    case ExprKind::Constant: return {e.constant_value(), e.constant_value()};
    case ExprKind::Symbol: {
      auto it = ranges.find(e.symbol_name());
      return it == ranges.end() ? Interval{} : it->second;
    }
    case ExprKind::Add:
    case ExprKind::Mul:
    case ExprKind::Min:
    case ExprKind::Max: {
      Interval acc = compute(ops.front(), ranges);
      for (std::size_t i = 1; i < ops.size(); ++i) {
        Interval next = compute(ops[i], ranges);
        switch (e.kind()) {
          case ExprKind::Add: acc = add(acc, next); break;
          case ExprKind::Mul: acc = mul(acc, next); break;
          default: acc = min_max(e.kind() == ExprKind::Min, acc, next);
        }
      }
      return acc;
    }
    case ExprKind::FloorDiv: return floordiv(compute(ops[0], ranges), compute(ops[1], ranges));
    case ExprKind::Mod: return mod(compute(ops[0], ranges), compute(ops[1], ranges));
  }
  return {};
}

}  // namespace

Interval bounds(const Expr& e, const std::map<std::string, Interval>& symbol_ranges) {
  return compute(e, symbol_ranges);
}

}  // namespace sluice::ir
