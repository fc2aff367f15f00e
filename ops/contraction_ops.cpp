// Contractions in their pure form: zero (or beta * C) the output, then a parallel map over the
// output holding a sequential map over the contracted indices that accumulates products with a
// write-conflict sum. MatMul and Gemm also name the "blas" implementation, which the code
// generator emits as a library call; Einsum's "blas" is a lowering onto one BLAS MatMul.

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "ir/epilogue.h"
#include "ops/expansion.h"
#include "ops/index_helpers.h"
#include "ops/op_groups.h"
#include "ops/op_helpers.h"
#include "ops/op_registry.h"

namespace sluice::ops {
namespace {

ir::Expr sym(const std::string& name) { return ir::Expr::symbol(name); }

/// Where the contraction stores its value: the output, or, when the node has an epilogue
/// (ir/epilogue.h), a transient that `finish_epilogue` then maps into the output.
std::string contraction_target(ExpansionContext& x, const ir::Container& out) {
  if (ir::epilogue_code(x.node()) == nullptr) return out.name;
  return x.transient("acc", out.dtype, out.shape);
}

/// The epilogue as one element-wise map: `acc` at the output's element, each epilogue input
/// broadcast to it.
void finish_epilogue(ExpansionContext& x, const std::string& acc, const ir::Container& out) {
  const std::string* code = ir::epilogue_code(x.node());
  if (code == nullptr) return;
  const Point o = param_point(x.params(out.shape));
  std::vector<Port> inputs{{std::string(ir::kEpilogueValue), acc, point_subset(o), {}}};
  for (const auto& [conn, name] : x.epilogue_inputs())
    inputs.push_back({conn, name, point_subset(broadcast_point(x.container(name).shape, o)), {}});
  pointwise(x, "epilogue", out.shape, inputs, *code,
            {{std::string(ir::kEpilogueResult), out.name, point_subset(o), {}}});
}

void expand_matmul(ExpansionContext& x) {
  const ir::Container a = x.input(0);
  const ir::Container b = x.input(1);
  const ir::Container out = x.output(0);
  if (a.rank() == 0 || b.rank() == 0) x.fail("MatMul does not take scalars");
  // 1-D operands: A [K] is [1, K] and B [K] is [K, 1], with that dimension dropped from the
  // output.
  const bool a_vec = a.rank() == 1;
  const bool b_vec = b.rank() == 1;
  const ir::Expr k_a = a.shape.back();
  const ir::Expr k_b = b_vec ? b.shape[0] : b.shape[b.rank() - 2];
  if (k_a.is_constant() && k_b.is_constant() && !(k_a == k_b))
    x.fail("the inner dimensions differ: " + k_a.str() + " and " + k_b.str());
  const Point o = param_point(x.params(out.shape));
  const std::size_t batch_rank = out.rank() - (a_vec ? 0 : 1) - (b_vec ? 0 : 1);
  if (out.rank() < (a_vec ? 0U : 1U) + (b_vec ? 0U : 1U))
    x.fail("the output rank does not fit the operands");
  const Point batch(o.begin(), o.begin() + static_cast<std::ptrdiff_t>(batch_rank));
  const ir::Expr m = a_vec ? ir::Expr(0) : o[batch_rank];
  const ir::Expr n = b_vec ? ir::Expr(0) : o.back();
  const ir::Expr k = sym("_r0");
  Point pa;
  if (!a_vec) {
    pa = broadcast_point({a.shape.begin(), a.shape.end() - 2}, batch);
    pa.push_back(m);
  }
  pa.push_back(k);
  Point pb;
  if (!b_vec) pb = broadcast_point({b.shape.begin(), b.shape.end() - 2}, batch);
  pb.push_back(k);
  if (!b_vec) pb.push_back(n);
  const std::string target = contraction_target(x, out);
  pointwise(x, "matmul_init", out.shape, {}, "y = " + literal(out.dtype, 0) + ";",
            {{"y", target, point_subset(o), {}}});
  nested_map(x, "matmul", params_over(out.shape), {{"_r0", ir::Range{0, k_a, 1}}},
             {{"a", a.name, point_subset(pa), {}}, {"b", b.name, point_subset(pb), {}}},
             "y = a * b;", {{"y", target, point_subset(o), ir::WriteConflict::Sum}});
  finish_epilogue(x, target, out);
}

void expand_gemm(ExpansionContext& x) {
  const ir::Container a = x.input(0);
  const ir::Container b = x.input(1);
  const ir::Container out = x.output(0);
  if (a.rank() != 2 || b.rank() != 2 || out.rank() != 2) x.fail("A, B and Y must have rank 2");
  const bool ta = x.attr_int("transA", 0) != 0;
  const bool tb = x.attr_int("transB", 0) != 0;
  const double alpha = x.attr_float("alpha", 1.0);
  const double beta = x.attr_float("beta", 1.0);
  const ir::Expr k_extent = ta ? a.shape[0] : a.shape[1];
  const Point o = param_point(x.params(out.shape));
  const ir::Expr k = sym("_r0");
  const Point pa = ta ? Point{k, o[0]} : Point{o[0], k};
  const Point pb = tb ? Point{o[1], k} : Point{k, o[1]};
  const ir::DType t = out.dtype;
  const std::string target = contraction_target(x, out);
  if (x.has_input(2) && beta != 0.0) {
    const ir::Container c = x.input(2);
    if (c.rank() > 2) x.fail("C must have rank 2 or less");
    pointwise(x, "gemm_init", out.shape,
              {{"c", c.name, point_subset(broadcast_point(c.shape, o)), {}}},
              "y = " + (beta == 1.0 ? std::string("c") : literal(t, beta) + " * c") + ";",
              {{"y", target, point_subset(o), {}}});
  } else {
    pointwise(x, "gemm_init", out.shape, {}, "y = " + literal(t, 0) + ";",
              {{"y", target, point_subset(o), {}}});
  }
  nested_map(x, "gemm", params_over(out.shape), {{"_r0", ir::Range{0, k_extent, 1}}},
             {{"a", a.name, point_subset(pa), {}}, {"b", b.name, point_subset(pb), {}}},
             "y = " + (alpha == 1.0 ? std::string() : literal(t, alpha) + " * ") + "a * b;",
             {{"y", target, point_subset(o), ir::WriteConflict::Sum}});
  finish_epilogue(x, target, out);
}

// --- Einsum --------------------------------------------------------------------------------

struct Equation {
  std::vector<std::string> inputs;  // one letter per dimension ('.'-free: ellipses expanded)
  std::string output;
};

// Parses "ij,jk->ik" (spaces allowed; "..." broadcasts leading dimensions; without "->" the
// output is the letters that occur once, in alphabetical order, after the ellipsis dims).
Equation parse_equation(const ExpansionContext& x, const std::string& text,
                        const std::vector<std::size_t>& ranks) {
  std::string eq;
  for (const char c : text)
    if (c != ' ') eq += c;
  const auto arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms;
  for (std::size_t start = 0;;) {
    const auto comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (terms.size() != ranks.size())
    x.fail("the equation '" + text + "' has " + std::to_string(terms.size()) +
           " operands but the node has " + std::to_string(ranks.size()) + " inputs");
  // Ellipsis dims get the letters '0', '1', ... (right-aligned across operands).
  std::size_t ellipsis_rank = 0;
  Equation e;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    std::string t = terms[i];
    const auto dots = t.find("...");
    std::size_t letters = t.size() - (dots == std::string::npos ? 0 : 3);
    for (const char c : t)
      if (c != '.' && std::isalpha(static_cast<unsigned char>(c)) == 0)
        x.fail("the equation '" + text + "' has the character '" + std::string(1, c) + "'");
    if (dots == std::string::npos) {
      if (letters != ranks[i])
        x.fail("operand " + std::to_string(i) + " of '" + text + "' has " +
               std::to_string(letters) + " indices but rank " + std::to_string(ranks[i]));
      e.inputs.push_back(t);
      continue;
    }
    if (letters > ranks[i])
      x.fail("operand " + std::to_string(i) + " of '" + text + "' is too long");
    const std::size_t n = ranks[i] - letters;
    ellipsis_rank = std::max(ellipsis_rank, n);
    std::string dims;
    for (std::size_t d = 0; d < n; ++d) dims += static_cast<char>('0' + (9 - (n - 1 - d)));
    e.inputs.push_back(t.substr(0, dots) + dims + t.substr(dots + 3));
  }
  std::string ellipsis;
  for (std::size_t d = 0; d < ellipsis_rank; ++d)
    ellipsis += static_cast<char>('0' + (9 - (ellipsis_rank - 1 - d)));
  if (arrow != std::string::npos) {
    std::string out = eq.substr(arrow + 2);
    const auto dots = out.find("...");
    if (dots != std::string::npos) out = out.substr(0, dots) + ellipsis + out.substr(dots + 3);
    e.output = out;
  } else {
    std::map<char, int> count;
    for (const auto& t : e.inputs)
      for (const char c : t) count[c] += std::isalpha(static_cast<unsigned char>(c)) != 0 ? 1 : 0;
    e.output = ellipsis;
    for (const auto& [c, n] : count)
      if (n == 1) e.output += c;
  }
  return e;
}

std::string param_of(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 ? std::string("_") + c
                                                          : std::string("_e") + c;
}

void expand_einsum(ExpansionContext& x) {
  std::vector<ir::Container> ins;
  std::vector<std::size_t> ranks;
  for (int k = 0; k < x.num_inputs(); ++k) {
    ins.push_back(x.input(k));
    ranks.push_back(ins.back().rank());
  }
  const ir::Container out = x.output(0);
  const Equation e = parse_equation(x, x.attr_string("equation"), ranks);
  if (e.output.size() != out.rank())
    x.fail("the equation's output has " + std::to_string(e.output.size()) +
           " indices but the output has rank " + std::to_string(out.rank()));
  // The extent of each index: the first operand dimension that is not 1 (broadcasting).
  std::map<char, ir::Expr> extent;
  for (std::size_t i = 0; i < ins.size(); ++i)
    for (std::size_t d = 0; d < ranks[i]; ++d) {
      const char c = e.inputs[i][d];
      const ir::Expr& n = ins[i].shape[d];
      if (!extent.count(c) || extent[c].constant_value() == 1) extent[c] = n;
    }
  for (std::size_t d = 0; d < e.output.size(); ++d) {
    const char c = e.output[d];
    if (!extent.count(c)) x.fail("the output index '" + std::string(1, c) + "' is on no operand");
    if (std::count(e.output.begin(), e.output.end(), c) > 1)
      x.fail("the output repeats the index '" + std::string(1, c) + "'");
  }
  std::vector<Param> outer;
  Point o;
  for (const char c : e.output) {
    outer.push_back({param_of(c), ir::Range{0, extent[c], 1}});
    o.push_back(sym(param_of(c)));
  }
  std::vector<Param> inner;
  for (const auto& [c, n] : extent)
    if (e.output.find(c) == std::string::npos) inner.push_back({param_of(c), ir::Range{0, n, 1}});
  std::vector<Port> ports;
  std::string product;
  for (std::size_t i = 0; i < ins.size(); ++i) {
    Point p;
    for (std::size_t d = 0; d < ranks[i]; ++d) {
      const char c = e.inputs[i][d];
      const bool broadcast =
          ins[i].shape[d].constant_value() == 1 && !(extent[c].constant_value() == 1);
      p.push_back(broadcast ? ir::Expr(0) : sym(param_of(c)));
    }
    const std::string conn(1, static_cast<char>('a' + i));
    ports.push_back({conn, ins[i].name, point_subset(p), {}});
    product += (i > 0 ? " * " : "") + conn;
  }
  const ir::WriteConflict wcr = inner.empty() ? ir::WriteConflict::None : ir::WriteConflict::Sum;
  if (!inner.empty())
    pointwise(x, "einsum_init", out.shape, {}, "y = " + literal(out.dtype, 0) + ";",
              {{"y", out.name, point_subset(param_point(x.params(out.shape))), {}}});
  nested_map(x, "einsum", outer, inner, ports, "y = " + product + ";",
             {{"y", out.name, point_subset(o), wcr}});
}

/// The letters' indices from a flat index over their extents (row-major), and back.
std::vector<ir::Expr> split_flat(const ir::Expr& flat, const std::vector<ir::Expr>& extents) {
  std::vector<ir::Expr> out(extents.size());
  ir::Expr stride = 1;
  for (std::size_t i = extents.size(); i-- > 0;) {
    out[i] = i == 0 ? ir::floordiv(flat, stride) : ir::mod(ir::floordiv(flat, stride), extents[i]);
    stride = stride * extents[i];
  }
  return out;
}

ir::Expr join_flat(const std::vector<ir::Expr>& indices, const std::vector<ir::Expr>& extents) {
  ir::Expr flat = 0;
  for (std::size_t i = 0; i < indices.size(); ++i) flat = flat * extents[i] + indices[i];
  return flat;
}

/// Einsum's "blas" lowering for two float operands: the letters sort into batch (both operands
/// and the output), M (A and the output), N (B and the output) and K (both operands, summed);
/// A and B are copied into [batch..., M, K] and [batch..., K, N] (copies that only relayout,
/// which redundant-copy-elimination turns into views when they change nothing), one BLAS MatMul
/// multiplies them, and a last copy writes the output's order. Equations with broadcasting,
/// repeated letters in an operand, or a letter summed on one operand alone take the pure
/// expansion.
void expand_einsum_blas(ExpansionContext& x) {
  if (x.num_inputs() != 2) return expand_einsum(x);
  const ir::Container a = x.input(0);
  const ir::Container b = x.input(1);
  const ir::Container out = x.output(0);
  const bool floating = out.dtype == ir::DType::f32 || out.dtype == ir::DType::f64;
  if (!floating || a.dtype != out.dtype || b.dtype != out.dtype) return expand_einsum(x);
  const Equation e = parse_equation(x, x.attr_string("equation"), {a.rank(), b.rank()});
  const std::string& la = e.inputs[0];
  const std::string& lb = e.inputs[1];
  const std::string& lo = e.output;
  std::map<char, ir::Expr> extent;
  const auto unique = [](const std::string& t) {
    return std::all_of(t.begin(), t.end(),
                       [&](char c) { return std::count(t.begin(), t.end(), c) == 1; });
  };
  if (!unique(la) || !unique(lb) || !unique(lo) || lo.size() != out.rank()) return expand_einsum(x);
  for (std::size_t d = 0; d < la.size(); ++d) extent[la[d]] = a.shape[d];
  for (std::size_t d = 0; d < lb.size(); ++d) {
    const auto it = extent.find(lb[d]);
    if (it != extent.end() && !(it->second == b.shape[d])) return expand_einsum(x);  // broadcast
    extent[lb[d]] = b.shape[d];
  }
  std::string batch, m, n, k;
  for (const char c : lo) {
    const bool in_a = la.find(c) != std::string::npos;
    const bool in_b = lb.find(c) != std::string::npos;
    if (in_a && in_b)
      batch += c;
    else if (in_a)
      m += c;
    else if (in_b)
      n += c;
    else
      return expand_einsum(x);
  }
  for (const char c : la) {
    if (lo.find(c) != std::string::npos) continue;
    if (lb.find(c) == std::string::npos) return expand_einsum(x);  // summed on A alone
    k += c;
  }
  for (const char c : lb)
    if (lo.find(c) == std::string::npos && la.find(c) == std::string::npos)
      return expand_einsum(x);  // summed on B alone
  const auto extents = [&](const std::string& letters) {
    std::vector<ir::Expr> v;
    for (const char c : letters) v.push_back(extent.at(c));
    return v;
  };
  const auto product = [](const std::vector<ir::Expr>& v) {
    ir::Expr p = 1;
    for (const auto& d : v) p = p * d;
    return p;
  };
  const auto em = extents(m), en = extents(n), ek = extents(k), eb = extents(batch);
  std::vector<ir::Expr> a_shape = eb, b_shape = eb, c_shape = eb;
  a_shape.insert(a_shape.end(), {product(em), product(ek)});
  b_shape.insert(b_shape.end(), {product(ek), product(en)});
  c_shape.insert(c_shape.end(), {product(em), product(en)});
  // A point of an operand from the letters' indices.
  const auto point_of = [](const std::string& letters, const std::map<char, ir::Expr>& at) {
    Point p;
    for (const char c : letters) p.push_back(at.at(c));
    return p;
  };
  const auto assign = [](std::map<char, ir::Expr>& at, const std::string& letters,
                         const std::vector<ir::Expr>& values) {
    for (std::size_t i = 0; i < letters.size(); ++i) at[letters[i]] = values[i];
  };
  const std::size_t nb = batch.size();
  const std::string ap = x.transient("a", out.dtype, a_shape);
  index::copy_map(x, "einsum_a", a.name, ap, a_shape, [&](const Point& p) {
    std::map<char, ir::Expr> at;
    assign(at, batch, Point(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(nb)));
    assign(at, m, split_flat(p[nb], em));
    assign(at, k, split_flat(p[nb + 1], ek));
    return point_of(la, at);
  });
  const std::string bp = x.transient("b", out.dtype, b_shape);
  index::copy_map(x, "einsum_b", b.name, bp, b_shape, [&](const Point& p) {
    std::map<char, ir::Expr> at;
    assign(at, batch, Point(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(nb)));
    assign(at, k, split_flat(p[nb], ek));
    assign(at, n, split_flat(p[nb + 1], en));
    return point_of(lb, at);
  });
  const std::string cp = x.transient("product", out.dtype, c_shape);
  x.library(x.node().label + "_gemm", "MatMul", {ap, bp}, {cp}, "blas");
  index::copy_map(x, "einsum_out", cp, out.name, out.shape, [&](const Point& p) {
    std::map<char, ir::Expr> at;
    assign(at, lo, p);
    Point q = point_of(batch, at);
    q.push_back(join_flat(point_of(m, at), em));
    q.push_back(join_flat(point_of(n, at), en));
    return q;
  });
}

}  // namespace

void add_contraction_ops(OpTable& table) {
  table.add({"Einsum", expand_einsum, {}, {{"blas", expand_einsum_blas}}});
  table.add({"Gemm", expand_gemm, {"blas"}});
  table.add({"MatMul", expand_matmul, {"blas"}});
}

}  // namespace sluice::ops
