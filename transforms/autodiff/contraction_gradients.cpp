// Gradient rules: contraction ops. Each gradient is a contraction again, spelled so that BLAS
// takes it: MatMul + Transpose (the default pipeline turns a transpose read by BLAS into a
// view), Gemm with its trans flags.

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "transforms/autodiff/gradient_rules.h"

namespace sluice::autodiff {
namespace {

using Ints = std::vector<std::int64_t>;

// `shape` with `tail` appended.
std::vector<ir::Expr> joined(std::vector<ir::Expr> shape, const std::vector<ir::Expr>& tail) {
  shape.insert(shape.end(), tail.begin(), tail.end());
  return shape;
}

// The operand with its last two dims swapped: a Transpose node, or the forward's own source when
// the operand is that source transposed (a linear layer's W^T: dX reads W, and W^T stays a view).
std::string transposed(GradientBuilder& g, const ir::Container& x) {
  Ints perm;
  for (std::size_t d = 0; d < x.rank(); ++d) perm.push_back(static_cast<std::int64_t>(d));
  std::swap(perm[x.rank() - 2], perm[x.rank() - 1]);
  if (auto source = g.untransposed(x.name, perm)) return *source;  // W for (W^T)^T
  std::vector<ir::Expr> shape = x.shape;
  std::swap(shape[x.rank() - 2], shape[x.rank() - 1]);
  return g.op("Transpose", {x.name}, x.dtype, shape, {{"perm", perm}});
}

// Y[b, m, n] = sum_k A[b, m, k] B[b, k, n]: dA = dY @ B^T, dB = A^T @ dY, over the output's
// batch dims (contribute sums the dims an operand was broadcast along). A 1-D A is a row [1, K],
// a 1-D B a column [K, 1]; dY gets those dims back first.
void matmul_gradient(GradientBuilder& g) {
  const ir::Container a = g.input(0);
  const ir::Container b = g.input(1);
  const ir::Container y = g.output(0);
  if (a.rank() == 0 || b.rank() == 0) g.fail("MatMul does not take scalars");
  const bool a_vec = a.rank() == 1;
  const bool b_vec = b.rank() == 1;
  const std::size_t dropped = (a_vec ? 0 : 1) + (b_vec ? 0 : 1);
  if (y.rank() < dropped) g.fail("the output rank does not fit the operands");
  const ir::DType t = y.dtype;
  const ir::Expr m = a_vec ? ir::Expr(1) : a.shape[a.rank() - 2];
  const ir::Expr k = a.shape.back();
  const ir::Expr n = b_vec ? ir::Expr(1) : b.shape.back();
  const std::vector<ir::Expr> batch(y.shape.begin(),
                                    y.shape.end() - static_cast<std::ptrdiff_t>(dropped));
  const auto rows = static_cast<std::int64_t>(batch.size());
  std::string dy = g.adjoint(0);
  if (a_vec || b_vec) {
    Ints axes;
    if (a_vec) axes.push_back(rows);
    if (b_vec) axes.push_back(rows + 1);
    dy = g.op("Unsqueeze", {dy}, t, joined(batch, {m, n}), {{"axes", axes}});
  }
  if (g.wants(0)) {
    const std::string bt =
        b_vec ? g.op("Unsqueeze", {b.name}, t, {1, k}, {{"axes", Ints{0}}}) : transposed(g, b);
    g.contribute(0, g.op("MatMul", {dy, bt}, t, joined(batch, {m, k})));
  }
  if (g.wants(1) && !b_vec && b.rank() == 2 && a.rank() >= 3 && k.constant_value() &&
      n.constant_value()) {
    // A batched A times a shared B (a linear layer on [batch, seq, features]): dB sums over
    // every row, so fold the rows into one GEMM, dB = A2^T dY2 with A2 = A as [rows, K], instead
    // of a product per batch and a sum over the batch.
    ir::Expr all_rows = m;
    for (const ir::Expr& d : batch) all_rows = all_rows * d;
    const std::string a2 =
        g.op("Reshape", {a.name}, t, {all_rows, k}, {{"shape", Ints{-1, *k.constant_value()}}});
    const std::string dy2 =
        g.op("Reshape", {dy}, t, {all_rows, n}, {{"shape", Ints{-1, *n.constant_value()}}});
    if (g.untransposed(b.name, {1, 0})) {
      // B is W^T (a linear layer): compute dW = dY2^T A2 in W's layout, so W's gradient needs no
      // transposing copy (the Transpose's rule takes dW back) and the GEMM can write W's
      // gradient buffer directly.
      const std::string dw = g.op("Gemm", {dy2, a2}, t, {n, k}, {{"transA", std::int64_t{1}}});
      g.contribute(1, g.op("Transpose", {dw}, b, {{"perm", Ints{1, 0}}}));
    } else {
      g.contribute(1, g.op("Gemm", {a2, dy2}, b, {{"transA", std::int64_t{1}}}));
    }
  } else if (g.wants(1)) {
    const std::string at =
        a_vec ? g.op("Unsqueeze", {a.name}, t, {k, 1}, {{"axes", Ints{1}}}) : transposed(g, a);
    std::string db = g.op("MatMul", {at, dy}, t, joined(batch, {k, n}));
    if (b_vec) db = g.op("Squeeze", {db}, t, joined(batch, {k}), {{"axes", Ints{rows + 1}}});
    g.contribute(1, db);
  }
}

// Y = alpha * A' B' + beta * C with A' = op(A), B' = op(B): dA' = alpha dY B'^T,
// dB' = alpha A'^T dY, dC = beta dY (summed down to C's shape). The transposes of A and B become
// the trans flags of the Gemm nodes.
void gemm_gradient(GradientBuilder& g) {
  const ir::Container a = g.input(0);
  const ir::Container b = g.input(1);
  const ir::Container y = g.output(0);
  if (a.rank() != 2 || b.rank() != 2 || y.rank() != 2) g.fail("A, B and Y must have rank 2");
  const bool ta = g.attr_int("transA", 0) != 0;
  const bool tb = g.attr_int("transB", 0) != 0;
  const double alpha = g.attr_float("alpha", 1.0);
  const double beta = g.attr_float("beta", 1.0);
  const std::string dy = g.adjoint(0);
  const auto gemm = [&](const std::string& lhs, const std::string& rhs, bool t_lhs, bool t_rhs,
                        const ir::Container& like) {
    ir::Attributes attributes;
    if (t_lhs) attributes["transA"] = std::int64_t{1};
    if (t_rhs) attributes["transB"] = std::int64_t{1};
    if (alpha != 1.0) attributes["alpha"] = alpha;
    return g.op("Gemm", {lhs, rhs}, like, std::move(attributes));
  };
  // dA = (dA')^T when A is transposed: alpha B' dY^T.
  if (g.wants(0))
    g.contribute(0, ta ? gemm(b.name, dy, tb, true, a) : gemm(dy, b.name, false, !tb, a));
  // dB = (dB')^T when B is transposed: alpha dY^T A'.
  if (g.wants(1))
    g.contribute(1, tb ? gemm(dy, a.name, true, ta, b) : gemm(a.name, dy, !ta, false, b));
  if (!g.has_input(2) || !g.wants(2) || beta == 0.0) return;
  if (beta == 1.0) {
    g.contribute(2, dy);
    return;
  }
  const std::string scale =
      g.op("ConstantOfShape", {}, y.dtype, {}, {{"value", beta}, {"shape", Ints{}}});
  g.contribute(2, g.op("Mul", {dy, scale}, y));
}

// Einsum: the gradient of operand i is the einsum of the other operands and dY into operand i's
// letters ("ij,jk->ik": dA = "jk,ik->ij", dB = "ij,ik->jk"). That holds when operand i repeats
// no letter (a diagonal) and each of its letters is on another operand or the output (a letter
// summed on operand i alone has a broadcast gradient); ellipses and broadcast dims are refused.
void einsum_gradient(GradientBuilder& g) {
  std::string equation;
  for (const char c : g.attr_string("equation"))
    if (c != ' ') equation += c;
  if (equation.find('.') != std::string::npos) g.fail("equations with '...' have no rule yet");
  const auto arrow = equation.find("->");
  std::vector<std::string> terms;
  const std::string lhs = equation.substr(0, arrow);
  for (std::size_t start = 0;;) {
    const auto comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (static_cast<int>(terms.size()) != g.num_inputs())
    g.fail("the equation '" + equation + "' does not have one term per input");
  std::string out;
  if (arrow != std::string::npos) {
    out = equation.substr(arrow + 2);
  } else {  // implicit: the letters that occur once, in alphabetical order
    std::map<char, int> count;
    for (const auto& t : terms)
      for (const char c : t) ++count[c];
    for (const auto& [c, n] : count)
      if (n == 1) out += c;
  }
  std::map<char, ir::Expr> extent;
  for (int i = 0; i < g.num_inputs(); ++i) {
    const ir::Container x = g.input(i);
    if (terms[i].size() != x.rank())
      g.fail("term '" + terms[i] + "' does not match the rank of input " + std::to_string(i));
    for (std::size_t d = 0; d < x.rank(); ++d) {
      const auto [it, fresh] = extent.emplace(terms[i][d], x.shape[d]);
      if (!fresh && !(it->second == x.shape[d]))
        g.fail("the index '" + std::string(1, terms[i][d]) + "' is broadcast");
    }
  }
  for (int i = 0; i < g.num_inputs(); ++i) {
    if (!g.wants(i)) continue;
    std::string others;
    std::vector<std::string> operands;
    for (int o = 0; o < g.num_inputs(); ++o) {
      if (o == i) continue;
      others += terms[o] + ",";
      operands.push_back(g.input_name(o));
    }
    others += out;
    operands.push_back(g.adjoint(0));
    for (const char c : terms[i]) {
      if (std::count(terms[i].begin(), terms[i].end(), c) > 1)
        g.fail("input " + std::to_string(i) + " repeats the index '" + std::string(1, c) + "'");
      if (others.find(c) == std::string::npos)
        g.fail("the index '" + std::string(1, c) + "' is summed on input " + std::to_string(i) +
               " alone");
    }
    g.contribute(i, g.op("Einsum", operands, g.input(i), {{"equation", others + "->" + terms[i]}}));
  }
}

}  // namespace

void add_contraction_gradients(GradientRuleTable& table) {
  table["Einsum"] = einsum_gradient;
  table["Gemm"] = gemm_gradient;
  table["MatMul"] = matmul_gradient;
}

}  // namespace sluice::autodiff
