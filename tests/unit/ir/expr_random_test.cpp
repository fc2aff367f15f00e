// Randomized checks of symbolic expressions against a reference evaluator written here.
//
// Each run draws a fresh seed (printed; set SLUICE_EXPR_SEED=N to replay one) and builds
// thousands of random expression trees over a few symbols. For each tree:
//   1. the simplified expression evaluates like the raw tree, for random symbol values;
//   2. parse_expr(e.str()) == e, and the raw tree's own text parses to the same values;
//   3. substituting every symbol by its value folds to the same constant;
//   4. bounds() contain every value sampled inside the given symbol intervals;
//   5. every node is a fixed point of its own constructor, and commuting the operands of
//      +, *, min and max (or writing a - b as a + -b) builds the very same node.

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <random>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "ir/expr.h"

namespace sluice::ir {
namespace {

const char* const kSymbols[] = {"a", "b", "N", "k2"};

struct Raw {
  enum Op { Const, Sym, Add, Sub, Mul, Neg, FloorDiv, Mod, Min, Max } op = Const;
  std::int64_t value = 0;
  std::string name;
  std::vector<Raw> kids;
};

using Values = std::map<std::string, std::int64_t>;

/// Reference semantics: Python integers restricted to int64; nullopt where undefined
/// (division or modulo by zero) or out of range.
std::optional<std::int64_t> reference(const Raw& r, const Values& v) {
  auto kid = [&](std::size_t k) { return reference(r.kids[k], v); };
  switch (r.op) {
    case Raw::Const: return r.value;
    case Raw::Sym: return v.at(r.name);
    case Raw::Neg: {
      auto x = kid(0);
      if (!x || *x == std::numeric_limits<std::int64_t>::min()) return std::nullopt;
      return -*x;
    }
    case Raw::Min:
    case Raw::Max: {
      std::optional<std::int64_t> acc;
      for (std::size_t k = 0; k < r.kids.size(); ++k) {
        auto x = kid(k);
        if (!x) return std::nullopt;
        if (!acc || (r.op == Raw::Min ? *x < *acc : *x > *acc)) acc = x;
      }
      return acc;
    }
    default: break;
  }
  auto x = kid(0);
  auto y = kid(1);
  if (!x || !y) return std::nullopt;
  std::int64_t out;
  switch (r.op) {
    case Raw::Add: return __builtin_add_overflow(*x, *y, &out) ? std::nullopt : std::optional(out);
    case Raw::Sub: return __builtin_sub_overflow(*x, *y, &out) ? std::nullopt : std::optional(out);
    case Raw::Mul: return __builtin_mul_overflow(*x, *y, &out) ? std::nullopt : std::optional(out);
    case Raw::FloorDiv:
    case Raw::Mod: {
      if (*y == 0) return std::nullopt;
      if (*y == -1) {
        if (r.op == Raw::Mod) return 0;
        if (*x == std::numeric_limits<std::int64_t>::min()) return std::nullopt;
        return -*x;
      }
      std::int64_t q = *x / *y;
      std::int64_t m = *x % *y;
      if (m != 0 && ((m < 0) != (*y < 0))) {
        q -= 1;
        m += *y;
      }
      return r.op == Raw::FloorDiv ? q : m;
    }
    default: return std::nullopt;
  }
}

Expr build(const Raw& r) {
  auto kid = [&](std::size_t k) { return build(r.kids[k]); };
  switch (r.op) {
    case Raw::Const: return Expr(r.value);
    case Raw::Sym: return Expr::symbol(r.name);
    case Raw::Add: return kid(0) + kid(1);
    case Raw::Sub: return kid(0) - kid(1);
    case Raw::Mul: return kid(0) * kid(1);
    case Raw::Neg: return -kid(0);
    case Raw::FloorDiv: return floordiv(kid(0), kid(1));
    case Raw::Mod: return mod(kid(0), kid(1));
    case Raw::Min:
    case Raw::Max: {
      Expr acc = kid(0);
      for (std::size_t k = 1; k < r.kids.size(); ++k) {
        acc = r.op == Raw::Min ? min(acc, kid(k)) : max(acc, kid(k));
      }
      return acc;
    }
  }
  return Expr();
}

/// The raw tree as text, fully parenthesized, in both spellings of floordiv and mod.
std::string text(const Raw& r, std::mt19937_64& rng) {
  auto kid = [&](std::size_t k) { return text(r.kids[k], rng); };
  bool call = rng() % 2 == 0;
  switch (r.op) {
    case Raw::Const:
      return r.value < 0 ? "(" + std::to_string(r.value) + ")" : std::to_string(r.value);
    case Raw::Sym: return r.name;
    case Raw::Add: return "(" + kid(0) + " + " + kid(1) + ")";
    case Raw::Sub: return "(" + kid(0) + " - " + kid(1) + ")";
    case Raw::Mul: return "(" + kid(0) + "*" + kid(1) + ")";
    case Raw::Neg: return "(-" + kid(0) + ")";
    case Raw::FloorDiv:
      return call ? "floordiv(" + kid(0) + ", " + kid(1) + ")"
                  : "(" + kid(0) + " // " + kid(1) + ")";
    case Raw::Mod:
      return call ? "mod(" + kid(0) + ", " + kid(1) + ")" : "(" + kid(0) + " % " + kid(1) + ")";
    case Raw::Min:
    case Raw::Max: {
      std::string s = r.op == Raw::Min ? "min(" : "max(";
      for (std::size_t k = 0; k < r.kids.size(); ++k) s += (k ? ", " : "") + kid(k);
      return s + ")";
    }
  }
  return "";
}

/// The same tree with the operands of commutative operators shuffled and a - b as a + (-b).
Raw commuted(const Raw& r, std::mt19937_64& rng) {
  Raw out = r;
  for (Raw& k : out.kids) k = commuted(k, rng);
  if (r.op == Raw::Add || r.op == Raw::Mul || r.op == Raw::Min || r.op == Raw::Max) {
    std::shuffle(out.kids.begin(), out.kids.end(), rng);
  } else if (r.op == Raw::Sub && rng() % 2 == 0) {
    Raw negated;
    negated.op = Raw::Neg;
    negated.kids.push_back(out.kids[1]);
    out.op = Raw::Add;
    out.kids = {negated, out.kids[0]};
  }
  return out;
}

/// Rebuilding any node from its own operands must give the node back.
void expect_fixed_point(const Expr& e) {
  const auto& ops = e.operands();
  for (const Expr& op : ops) expect_fixed_point(op);
  Expr rebuilt = e;
  switch (e.kind()) {
    case ExprKind::Constant: rebuilt = Expr(*e.constant_value()); break;
    case ExprKind::Symbol: rebuilt = Expr::symbol(e.symbol_name()); break;
    case ExprKind::Add: rebuilt = sum(ops); break;
    case ExprKind::Mul: rebuilt = product(ops); break;
    case ExprKind::FloorDiv: rebuilt = floordiv(ops[0], ops[1]); break;
    case ExprKind::Mod: rebuilt = mod(ops[0], ops[1]); break;
    case ExprKind::Min: rebuilt = min(ops); break;
    case ExprKind::Max: rebuilt = max(ops); break;
  }
  EXPECT_EQ(rebuilt, e) << e.str() << " rebuilt as " << rebuilt.str();
}

Raw random_tree(std::mt19937_64& rng, int depth) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  Raw r;
  if (depth == 0 || pick(10) < 3) {
    if (pick(2) == 0) {
      r.op = Raw::Const;
      r.value = pick(16) - 6;
    } else {
      r.op = Raw::Sym;
      r.name = kSymbols[pick(4)];
    }
    return r;
  }
  static constexpr Raw::Op kOps[] = {Raw::Add, Raw::Add,      Raw::Sub, Raw::Mul, Raw::Mul,
                                     Raw::Neg, Raw::FloorDiv, Raw::Mod, Raw::Min, Raw::Max};
  r.op = kOps[pick(10)];
  int arity = r.op == Raw::Neg ? 1 : ((r.op == Raw::Min || r.op == Raw::Max) ? 2 + pick(2) : 2);
  for (int k = 0; k < arity; ++k) r.kids.push_back(random_tree(rng, depth - 1));
  if ((r.op == Raw::FloorDiv || r.op == Raw::Mod) && pick(10) < 6) {
    Raw d;
    d.value = pick(12) - 4;  // mostly small constant divisors, sometimes 0 or negative
    r.kids[1] = d;
  }
  return r;
}

/// Fresh values in [-9, 9] for every symbol (reusing the map's nodes).
void random_values(std::mt19937_64& rng, Values& v) {
  for (const char* s : kSymbols) v[s] = static_cast<std::int64_t>(rng() % 19) - 9;
}

std::uint64_t fresh_seed() {
  if (const char* env = std::getenv("SLUICE_EXPR_SEED")) return std::strtoull(env, nullptr, 10);
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) | device();
}

class ExprRandom : public ::testing::Test {
protected:
  void SetUp() override {
    seed_ = fresh_seed();
    std::cout << "[ seed     ] SLUICE_EXPR_SEED=" << seed_ << "\n";
    RecordProperty("seed", std::to_string(seed_));
    rng_.seed(seed_);
  }
  std::uint64_t seed_ = 0;
  std::mt19937_64 rng_;
};

TEST_F(ExprRandom, SimplifiedMatchesReferenceAndRoundTrips) {
  SCOPED_TRACE("SLUICE_EXPR_SEED=" + std::to_string(seed_));
  int checked = 0;
  int skipped = 0;
  for (int round = 0; round < 2000; ++round) {
    Raw raw = random_tree(rng_, 1 + static_cast<int>(rng_() % 4));
    std::string raw_text = text(raw, rng_);
    SCOPED_TRACE("raw: " + raw_text);
    Expr e;
    try {
      e = build(raw);
    } catch (const UserError&) {
      ++skipped;  // a constant overflowed while folding
      continue;
    }
    SCOPED_TRACE("simplified: " + e.str());
    ASSERT_EQ(parse_expr(e.str()), e);
    expect_fixed_point(e);
    Raw other = commuted(raw, rng_);
    ASSERT_EQ(build(other), e) << "commuted: " << text(other, rng_);
    Expr reparsed = parse_expr(raw_text);
    Values v;
    for (int sample = 0; sample < 6; ++sample) {
      random_values(rng_, v);
      auto expected = reference(raw, v);
      if (!expected) {
        ++skipped;
        continue;
      }
      ++checked;
      try {
        ASSERT_EQ(e.evaluate(v), *expected)
            << "a=" << v["a"] << " b=" << v["b"] << " N=" << v["N"] << " k2=" << v["k2"];
        ASSERT_EQ(reparsed.evaluate(v), *expected);
        std::map<std::string, Expr> as_constants;
        for (const auto& [name, value] : v) as_constants.emplace(name, Expr(value));
        ASSERT_EQ(e.substitute(as_constants), Expr(*expected));
      } catch (const UserError& error) {
        FAIL() << "unexpected error: " << error.what();
      }
    }
  }
  std::cout << "[ stats    ] " << checked << " evaluations checked, " << skipped << " skipped\n";
  EXPECT_GT(checked, 5000);
}

TEST_F(ExprRandom, SubstitutionCommutesWithEvaluation) {
  SCOPED_TRACE("SLUICE_EXPR_SEED=" + std::to_string(seed_));
  const Expr a = Expr::symbol("a");
  const Expr b = Expr::symbol("b");
  for (int round = 0; round < 1000; ++round) {
    Raw raw = random_tree(rng_, 1 + static_cast<int>(rng_() % 3));
    Expr e;
    try {
      e = build(raw);
    } catch (const UserError&) {
      continue;
    }
    SCOPED_TRACE("expr: " + e.str());
    // a := b + 1 and b := 2*a at once: simultaneous, not one after the other.
    Expr substituted = e.substitute({{"a", b + 1}, {"b", 2 * a}});
    Values v;
    for (int sample = 0; sample < 4; ++sample) {
      random_values(rng_, v);
      Values w = v;
      w["a"] = v["b"] + 1;
      w["b"] = 2 * v["a"];
      auto expected = reference(raw, w);
      if (!expected) continue;
      try {
        ASSERT_EQ(substituted.evaluate(v), *expected);
      } catch (const UserError& error) {
        FAIL() << "unexpected error: " << error.what();
      }
    }
  }
}

TEST_F(ExprRandom, BoundsContainSampledValues) {
  SCOPED_TRACE("SLUICE_EXPR_SEED=" + std::to_string(seed_));
  auto pick = [&](int n) {
    return static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(n));
  };
  int checked = 0;
  for (int round = 0; round < 1500; ++round) {
    Raw raw = random_tree(rng_, 1 + static_cast<int>(rng_() % 4));
    Expr e;
    try {
      e = build(raw);
    } catch (const UserError&) {
      continue;
    }
    std::map<std::string, Interval> ranges;
    for (const char* s : kSymbols) {
      int shape = static_cast<int>(pick(10));
      if (shape == 0) continue;  // unlisted: unbounded
      std::int64_t lo = pick(16) - 10;
      std::int64_t hi = lo + pick(11);
      Interval range{lo, hi};
      if (shape == 1) range.lo.reset();
      if (shape == 2) range.hi.reset();
      ranges[s] = range;
    }
    Interval b = bounds(e, ranges);
    SCOPED_TRACE("expr: " + e.str());
    for (int sample = 0; sample < 6; ++sample) {
      Values v;
      for (const char* s : kSymbols) {
        auto it = ranges.find(s);
        std::int64_t lo = -12;
        std::int64_t hi = 12;
        if (it != ranges.end()) {
          lo = it->second.lo.value_or(it->second.hi ? *it->second.hi - 12 : -12);
          hi = it->second.hi.value_or(lo + 12);
        }
        v[s] = lo + pick(static_cast<int>(hi - lo + 1));
      }
      std::int64_t value;
      try {
        value = e.evaluate(v);
      } catch (const UserError&) {
        continue;  // division by zero at this point
      }
      ++checked;
      std::string at = "a=" + std::to_string(v["a"]) + " b=" + std::to_string(v["b"]) +
                       " N=" + std::to_string(v["N"]) + " k2=" + std::to_string(v["k2"]);
      ASSERT_LE(b.lo.value_or(value), value) << at;
      ASSERT_GE(b.hi.value_or(value), value) << at;
    }
  }
  EXPECT_GT(checked, 5000);
}

}  // namespace
}  // namespace sluice::ir
