#include "transforms/fusion/index_simplify.h"

#include <algorithm>

namespace sluice::transforms {

namespace {

using ir::Expr;
using ir::ExprKind;

/// One term of a sum: coefficient * atom; the constant term has the atom 1.
struct Term {
  std::int64_t coef = 0;
  Expr atom;
};

std::vector<Term> terms_of(const Expr& e) {
  std::vector<Term> out;
  const auto one = [&](const Expr& t) {
    if (const auto c = t.constant_value()) {
      out.push_back({*c, Expr(1)});
      return;
    }
    if (t.kind() == ExprKind::Mul) {
      const auto& ops = t.operands();
      if (const auto c = ops.front().constant_value()) {
        out.push_back({*c, ir::product(std::vector<Expr>(ops.begin() + 1, ops.end()))});
        return;
      }
    }
    out.push_back({1, t});
  };
  if (e.kind() == ExprKind::Add)
    for (const Expr& t : e.operands()) one(t);
  else
    one(e);
  return out;
}

Expr build(const std::vector<Term>& terms) {
  std::vector<Expr> parts;
  parts.reserve(terms.size());
  for (const Term& t : terms) parts.push_back(Expr(t.coef) * t.atom);
  return ir::sum(parts);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

bool within(const ir::Interval& iv, std::int64_t lo, std::int64_t hi) {
  return iv.lo && iv.hi && *iv.lo >= lo && *iv.hi <= hi;
}

/// Divisors of d > 1 greater than 1, largest first.
std::vector<std::int64_t> divisors(std::int64_t d) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 1; i * i <= d; ++i) {
    if (d % i != 0) continue;
    if (i > 1) out.push_back(i);
    if (d / i != i) out.push_back(d / i);
  }
  std::sort(out.rbegin(), out.rend());
  return out;
}

class Simplifier {
public:
  explicit Simplifier(const IndexRanges& ranges) : ranges_(ranges) {}

  Expr run(const Expr& e) {
    switch (e.kind()) {
      case ExprKind::Constant:
      case ExprKind::Symbol: return e;
      case ExprKind::Add: {
        std::vector<Term> terms;
        for (const Expr& t : e.operands()) {
          const Expr s = run(t);
          for (const Term& u : terms_of(s)) terms.push_back(u);
        }
        return recombine(std::move(terms));
      }
      case ExprKind::Mul: {
        std::vector<Expr> factors;
        for (const Expr& f : e.operands()) factors.push_back(run(f));
        return ir::product(factors);
      }
      case ExprKind::FloorDiv:
      case ExprKind::Mod: {
        const Expr x = run(e.operands()[0]);
        const Expr d = run(e.operands()[1]);
        const auto dv = d.constant_value();
        if (dv && *dv > 0) return div_mod(e.kind(), x, *dv);
        return e.kind() == ExprKind::FloorDiv ? ir::floordiv(x, d) : ir::mod(x, d);
      }
      case ExprKind::Min:
      case ExprKind::Max: return min_max(e);
    }
    return e;
  }

private:
  [[nodiscard]] ir::Interval bounds(const Expr& e) const { return ir::bounds(e, ranges_); }

  Expr div_mod(ExprKind kind, const Expr& x, std::int64_t d) {
    const bool is_div = kind == ExprKind::FloorDiv;
    if (d == 1) return is_div ? x : Expr(0);
    const ir::Interval b = bounds(x);
    if (b.lo && b.hi) {
      const std::int64_t q = floor_div(*b.lo, d);
      if (q == floor_div(*b.hi, d)) return is_div ? Expr(q) : run(x - Expr(q * d));
    }
    const std::vector<Term> terms = terms_of(x);
    for (const std::int64_t g : divisors(d)) {
      std::vector<Term> high;
      std::vector<Term> low;
      for (const Term& t : terms) {
        if (t.atom == Expr(1)) {
          const std::int64_t q = floor_div(t.coef, g);
          if (q != 0) high.push_back({q * g, t.atom});
          if (t.coef - q * g != 0) low.push_back({t.coef - q * g, t.atom});
        } else {
          (t.coef % g == 0 ? high : low).push_back(t);
        }
      }
      if (high.empty() || low.empty()) continue;  // nothing to split off
      const Expr rest = build(low);
      if (!within(bounds(rest), 0, g - 1)) continue;
      for (Term& t : high) t.coef /= g;
      const Expr a = build(high);
      if (is_div) return div_mod(ExprKind::FloorDiv, a, d / g);
      return run(Expr(g) * div_mod(ExprKind::Mod, a, d / g) + rest);
    }
    return is_div ? ir::floordiv(x, Expr(d)) : ir::mod(x, Expr(d));
  }

  /// c*k*floordiv(y, k) + c*mod(y, k) -> c*y, repeatedly.
  Expr recombine(std::vector<Term> terms) {
    bool changed = true;
    while (changed) {
      changed = false;
      for (std::size_t i = 0; i < terms.size() && !changed; ++i) {
        const Expr& m = terms[i].atom;
        if (m.kind() != ExprKind::Mod) continue;
        const auto k = m.operands()[1].constant_value();
        if (!k || *k <= 0) continue;
        const Expr y = m.operands()[0];
        const Expr partner = ir::floordiv(y, Expr(*k));
        for (std::size_t j = 0; j < terms.size(); ++j) {
          if (j == i || terms[j].atom != partner || terms[j].coef != terms[i].coef * *k) continue;
          const std::int64_t c = terms[i].coef;
          terms.erase(terms.begin() + static_cast<std::ptrdiff_t>(std::max(i, j)));
          terms.erase(terms.begin() + static_cast<std::ptrdiff_t>(std::min(i, j)));
          for (Term t : terms_of(y)) {
            t.coef *= c;
            terms.push_back(t);
          }
          // Like terms collect in the canonical sum; split it again for the next round.
          terms = terms_of(build(terms));
          changed = true;
          break;
        }
      }
    }
    return build(terms);
  }

  Expr min_max(const Expr& e) {
    const bool is_min = e.kind() == ExprKind::Min;
    std::vector<Expr> ops;
    for (const Expr& o : e.operands()) ops.push_back(run(o));
    std::vector<Expr> kept;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const ir::Interval bi = bounds(ops[i]);
      bool dominated = false;
      for (std::size_t j = 0; j < ops.size() && !dominated; ++j) {
        if (j == i) continue;
        const ir::Interval bj = bounds(ops[j]);
        // ops[i] never decides the result when ops[j] is always at least as good; of two
        // that always tie, the first stays.
        const auto at_least = [&](const ir::Interval& a, const ir::Interval& b) {
          return is_min ? (a.hi && b.lo && *a.hi <= *b.lo) : (a.lo && b.hi && *a.lo >= *b.hi);
        };
        dominated = at_least(bj, bi) && (!at_least(bi, bj) || j < i);
      }
      if (!dominated) kept.push_back(ops[i]);
    }
    if (kept.empty()) kept = ops;
    return is_min ? ir::min(kept) : ir::max(kept);
  }

  const IndexRanges& ranges_;
};

}  // namespace

void add_param_ranges(const std::vector<ir::MapParam>& params, IndexRanges& ranges) {
  for (const ir::MapParam& p : params) {
    const ir::Interval begin = ir::bounds(p.range.begin, ranges);
    const ir::Interval end = ir::bounds(p.range.end, ranges);
    ir::Interval iv{begin.lo, std::nullopt};
    if (end.hi) iv.hi = *end.hi - 1;
    ranges[p.name] = iv;
  }
}

Expr simplify_indices(const Expr& e, const IndexRanges& ranges) {
  return Simplifier(ranges).run(e);
}

std::optional<Affine> affine_in(const Expr& e, const std::vector<std::string>& names) {
  const auto is_name = [&](const std::string& s) {
    return std::find(names.begin(), names.end(), s) != names.end();
  };
  Affine out;
  std::vector<Expr> constant;
  std::map<std::string, std::vector<Expr>> coefficients;
  for (const Term& t : terms_of(e)) {
    const std::vector<std::string> free = t.atom.free_symbols();
    if (std::none_of(free.begin(), free.end(), is_name)) {
      constant.push_back(Expr(t.coef) * t.atom);
      continue;
    }
    std::vector<Expr> factors;
    if (t.atom.kind() == ExprKind::Mul)
      factors = t.atom.operands();
    else
      factors = {t.atom};
    std::string found;
    std::vector<Expr> rest{Expr(t.coef)};
    for (const Expr& f : factors) {
      if (f.is_symbol() && is_name(f.symbol_name()) && found.empty()) {
        found = f.symbol_name();
        continue;
      }
      const std::vector<std::string> inner = f.free_symbols();
      if (std::any_of(inner.begin(), inner.end(), is_name)) return std::nullopt;
      rest.push_back(f);
    }
    if (found.empty()) return std::nullopt;
    coefficients[found].push_back(ir::product(rest));
  }
  out.constant = ir::sum(constant);
  for (const auto& [name, parts] : coefficients) {
    const Expr c = ir::sum(parts);
    if (c != Expr(0)) out.coefficients[name] = c;
  }
  return out;
}

}  // namespace sluice::transforms
