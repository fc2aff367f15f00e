#include "codegen/cpu/blas_calls.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>

#include "codegen/cpu/cpp_expr.h"
#include "codegen/cpu/cpp_tasklet.h"
#include "ir/diagnostic.h"

namespace sluice::codegen {

namespace {

constexpr int kRowMajor = 101;
constexpr int kNoTrans = 111;
constexpr int kTrans = 112;

struct Operand {
  const ir::Container* c = nullptr;
  std::string pointer;  // C++ pointer to the container's element (0, ..., 0)
};

double attribute_float(const ir::LibraryNode& lib, const std::string& name, double fallback) {
  const auto it = lib.attributes.find(name);
  if (it == lib.attributes.end()) return fallback;
  if (const auto* d = std::get_if<double>(&it->second)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  return fallback;
}

std::int64_t attribute_int(const ir::LibraryNode& lib, const std::string& name,
                           std::int64_t fallback) {
  const auto it = lib.attributes.find(name);
  if (it == lib.attributes.end()) return fallback;
  if (const auto* i = std::get_if<std::int64_t>(&it->second)) return *i;
  return fallback;
}

/// How the last two dimensions of an operand are passed to BLAS: row-major (unit stride in the
/// last dimension, leading dimension the stride of the one before) or, for an input whose unit
/// stride is in the dimension before the last (a permuted view), as the transpose.
struct MatrixLayout {
  bool transposed = false;
  ir::Expr ld;
};

std::optional<MatrixLayout> matrix_layout(const ir::Container& c, bool input) {
  const std::size_t r = c.rank();
  if (r == 0) return std::nullopt;
  if (r == 1) {
    if (c.strides[0] != ir::Expr(1)) return std::nullopt;
    return MatrixLayout{false, c.shape[0]};
  }
  // A dimension of extent 1 has a stride nobody steps by (a view may give it any value), and
  // BLAS wants the leading dimension at least the row length: one row's ld is its length.
  const bool one_row = c.shape[r - 2] == ir::Expr(1);
  const bool one_column = c.shape[r - 1] == ir::Expr(1);
  if (c.strides[r - 1] == ir::Expr(1) || one_column)
    return MatrixLayout{false, one_row ? c.shape[r - 1] : c.strides[r - 2]};
  if (input && (c.strides[r - 2] == ir::Expr(1) || one_row))
    return MatrixLayout{true, one_column ? c.shape[r - 2] : c.strides[r - 1]};
  return std::nullopt;
}

std::string literal(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

}  // namespace

std::string emit_blas_call(const ir::Program& program, const ir::Graph& graph, ir::NodeId node) {
  const auto& lib = graph.get<ir::LibraryNode>(node);
  const std::string where = "library node '" + lib.label + "' (" + lib.op + ")";
  std::map<std::string, Operand> ports;
  const auto operand = [&](ir::ContainerId id) {
    ir::ContainerId root = id;
    while (program.containers[root].view) root = program.containers[root].view->source;
    const ir::Container& c = program.containers[id];
    return Operand{&c, "(c_" + program.containers[root].name + " + " + cpp_expr(c.offset) + ")"};
  };
  // Connectors are positional (`in<k>`, `out<k>`, docs/cpu-path.md); a node built by hand with
  // other names (`A`, `B`, `Y`) is read by the position of the name in its connector list.
  const auto positional = [](const std::string& conn, const std::vector<std::string>& list,
                             const std::string& prefix) {
    if (conn.size() > prefix.size() && conn.starts_with(prefix) &&
        conn.find_first_not_of("0123456789", prefix.size()) == std::string::npos)
      return conn;
    const auto it = std::find(list.begin(), list.end(), conn);
    return prefix + std::to_string(it - list.begin());
  };
  for (const ir::EdgeId e : graph.in_edges(node))
    if (!graph.edge(e).memlet.empty())
      ports[positional(graph.edge(e).dst_conn, lib.inputs, "in")] =
          operand(graph.edge(e).memlet.data);
  for (const ir::EdgeId e : graph.out_edges(node))
    if (!graph.edge(e).memlet.empty())
      ports[positional(graph.edge(e).src_conn, lib.outputs, "out")] =
          operand(graph.edge(e).memlet.data);
  if (!ports.contains("in0") || !ports.contains("in1") || !ports.contains("out0"))
    throw UserError(where, "needs inputs in0, in1 and output out0");
  const Operand& a = ports["in0"];
  const Operand& b = ports["in1"];
  const Operand& y = ports["out0"];
  const ir::DType t = y.c->dtype;
  if ((t != ir::DType::f32 && t != ir::DType::f64) || a.c->dtype != t || b.c->dtype != t)
    throw UserError(where, "the blas implementation takes f32 or f64 operands of one type");
  const auto layout_of = [&](const Operand& o, bool input) {
    const auto l = matrix_layout(*o.c, input);
    if (!l)
      throw UserError(where, "operand '" + o.c->name + "' has unit stride in neither of its " +
                                 (input ? "last two dimensions" : "last dimension"));
    return *l;
  };
  const MatrixLayout la = layout_of(a, true);
  const MatrixLayout lb = layout_of(b, true);
  (void)layout_of(y, false);
  const auto trans = [](bool t) { return std::to_string(t ? kTrans : kNoTrans); };
  const std::string gemm = t == ir::DType::f32 ? "cblas_sgemm" : "cblas_dgemm";
  const std::string scalar = compute_type(t);
  const auto e = [](const ir::Expr& x) { return cpp_expr(x); };
  std::string out;

  if (lib.op == "Gemm") {
    const bool ta = attribute_int(lib, "transA", 0) != 0;
    const bool tb = attribute_int(lib, "transB", 0) != 0;
    const double alpha = attribute_float(lib, "alpha", 1.0);
    const double beta = attribute_float(lib, "beta", 1.0);
    if (a.c->rank() != 2 || b.c->rank() != 2 || y.c->rank() != 2)
      throw UserError(where, "Gemm takes 2-D operands");
    const std::string m = e(y.c->shape[0]);
    const std::string n = e(y.c->shape[1]);
    const std::string k = e(ta ? a.c->shape[0] : a.c->shape[1]);
    const bool with_c = ports.contains("in2") && beta != 0.0;
    out += "  {\n    const int64_t m = " + m + ", n = " + n + ", k = " + k + ";\n";
    if (with_c) {
      // Y = beta * C (broadcast), then Y += alpha * op(A) op(B).
      const ir::Container& c = *ports["in2"].c;
      const std::string cp = ports["in2"].pointer;
      std::string index = "0";
      const std::size_t r = c.rank();
      if (r >= 1) index += " + (" + e(c.shape[r - 1]) + " == 1 ? 0 : j) * " + e(c.strides[r - 1]);
      if (r >= 2) index += " + (" + e(c.shape[r - 2]) + " == 1 ? 0 : i) * " + e(c.strides[r - 2]);
      out +=
          "    for (int64_t i = 0; i < m; ++i)\n      for (int64_t j = 0; j < n; ++j)\n"
          "        " +
          y.pointer + "[i * " + e(y.c->strides[0]) + " + j] = (" + scalar + ")" + literal(beta) +
          " * " + cp + "[" + index + "];\n";
    }
    out += "    if (m > 0 && n > 0) " + gemm + "(" + std::to_string(kRowMajor) + ", " +
           trans(ta != la.transposed) + ", " + trans(tb != lb.transposed) +
           ", (int)m, (int)n, (int)k, (" + scalar + ")" + literal(alpha) + ", " + a.pointer +
           ", (int)sl_max(1, " + e(la.ld) + "), " + b.pointer + ", (int)sl_max(1, " + e(lb.ld) +
           "), (" + scalar + ")" + (with_c ? "1" : "0") + ", " + y.pointer + ", (int)sl_max(1, " +
           e(y.c->strides[0]) + "));\n  }\n";
    return out;
  }
  if (lib.op != "MatMul") throw UserError(where, "no blas implementation for " + lib.op);

  // MatMul: [..., M, K] @ [..., K, N]; a 1-D A is [1, K] (M dropped), a 1-D B is [K, 1].
  const std::size_t ra = a.c->rank();
  const std::size_t rb = b.c->rank();
  const std::size_t ry = y.c->rank();
  if (ra == 0 || rb == 0) throw UserError(where, "MatMul operands must have rank >= 1");
  // A 2-D B shared by every batch, and A and Y whose batch dims are laid out row after row:
  // the batch folds into M and the whole product is one call (a linear layer on [B, S, H]).
  const auto rows_contiguous = [](const ir::Container& c, std::size_t rank) {
    for (std::size_t d = 0; d + 2 < rank; ++d)
      if (!(c.strides[d] == c.strides[d + 1] * c.shape[d + 1])) return false;
    return true;
  };
  const bool shared_b = rb == 2 && ra >= 3 && ry == ra && !la.transposed;
  if (shared_b && rows_contiguous(*a.c, ra) && rows_contiguous(*y.c, ry)) {
    ir::Expr rows = 1;
    for (std::size_t d = 0; d + 1 < ra; ++d) rows = rows * a.c->shape[d];
    out += "  {\n    const int64_t m = " + e(rows) + ", n = " + e(b.c->shape[1]) +
           ", k = " + e(a.c->shape[ra - 1]) + ";\n    if (m > 0 && n > 0) " + gemm + "(" +
           std::to_string(kRowMajor) + ", " + std::to_string(kNoTrans) + ", " +
           trans(lb.transposed) + ", (int)m, (int)n, (int)k, (" + scalar + ")1, " + a.pointer +
           ", (int)sl_max(1, " + e(a.c->strides[ra - 2]) + "), " + b.pointer + ", (int)sl_max(1, " +
           e(lb.ld) + "), (" + scalar + ")0, " + y.pointer + ", (int)sl_max(1, " +
           e(y.c->strides[ry - 2]) + "));\n  }\n";
    return out;
  }
  // A 2-D B shared by rows whose dims are not laid out one after the other (A a permuted view):
  // the longest row dim (when the sizes are known) is the GEMM's M, the other row dims loop.
  if (shared_b) {
    std::size_t mdim = ra - 2;
    for (std::size_t d = 0; d + 1 < ra; ++d) {
      const auto size = a.c->shape[d].constant_value();
      const auto best = a.c->shape[mdim].constant_value();
      if (size && best && *size > *best) mdim = d;
    }
    out += "  {\n    const int64_t m = " + e(a.c->shape[mdim]) + ", n = " + e(b.c->shape[1]) +
           ", k = " + e(a.c->shape[ra - 1]) + ";\n";
    std::string off_a = "0";
    std::string off_y = "0";
    for (std::size_t d = 0; d + 1 < ra; ++d) {
      if (d == mdim) continue;
      const std::string i = "sl_b" + std::to_string(d);
      out.append("    for (int64_t ").append(i).append(" = 0; ").append(i).append(" < ");
      out.append(e(a.c->shape[d])).append("; ++").append(i).append(")\n");
      off_a.append(" + ").append(i).append(" * ").append(e(a.c->strides[d]));
      off_y.append(" + ").append(i).append(" * ").append(e(y.c->strides[d]));
    }
    out += "    if (m > 0 && n > 0) " + gemm + "(" + std::to_string(kRowMajor) + ", " +
           std::to_string(kNoTrans) + ", " + trans(lb.transposed) + ", (int)m, (int)n, (int)k, (" +
           scalar + ")1, " + a.pointer + " + " + off_a + ", (int)sl_max(1, " +
           e(a.c->strides[mdim]) + "), " + b.pointer + ", (int)sl_max(1, " + e(lb.ld) + "), (" +
           scalar + ")0, " + y.pointer + " + " + off_y + ", (int)sl_max(1, " +
           e(y.c->strides[mdim]) + "));\n  }\n";
    return out;
  }
  const std::string m = ra >= 2 ? e(a.c->shape[ra - 2]) : "1";
  const std::string k = e(a.c->shape[ra - 1]);
  const std::string n = rb >= 2 ? e(b.c->shape[rb - 1]) : "1";
  const std::string lda = ra >= 2 ? e(la.ld) : k;
  const std::string ldb = rb >= 2 ? e(lb.ld) : "1";
  const std::string ldc = rb >= 2 ? (ry >= 2 && ra >= 2 ? e(y.c->strides[ry - 2]) : n) : "1";
  const std::size_t batch = ry - (ra >= 2 ? 1 : 0) - (rb >= 2 ? 1 : 0);
  out += "  {\n    const int64_t m = " + m + ", n = " + n + ", k = " + k + ";\n";
  std::string off_a = "0";
  std::string off_b = "0";
  std::string off_y = "0";
  for (std::size_t d = 0; d < batch; ++d) {
    const std::string i = "sl_b" + std::to_string(d);
    out.append("    for (int64_t ").append(i).append(" = 0; ").append(i).append(" < ");
    out.append(e(y.c->shape[d])).append("; ++").append(i).append(")\n");
    off_y.append(" + ").append(i).append(" * ").append(e(y.c->strides[d]));
    // Batch dims align to the right of the output's batch dims; size-1 dims broadcast.
    const auto add = [&](const Operand& o, std::size_t matrix_dims, std::string& off) {
      const std::size_t ob = o.c->rank() - matrix_dims;
      if (d + ob < batch) return;
      const std::size_t od = d + ob - batch;
      off += " + (" + e(o.c->shape[od]) + " == 1 ? 0 : " + i + ") * " + e(o.c->strides[od]);
    };
    add(a, ra >= 2 ? 2 : 1, off_a);
    add(b, rb >= 2 ? 2 : 1, off_b);
  }
  out += "    if (m > 0 && n > 0) " + gemm + "(" + std::to_string(kRowMajor) + ", " +
         trans(ra >= 2 && la.transposed) + ", " + trans(rb >= 2 && lb.transposed) +
         ", (int)m, (int)n, (int)k, (" + scalar + ")1, " + a.pointer + " + " + off_a +
         ", (int)sl_max(1, " + lda + "), " + b.pointer + " + " + off_b + ", (int)sl_max(1, " + ldb +
         "), (" + scalar + ")0, " + y.pointer + " + " + off_y + ", (int)sl_max(1, " + ldc +
         "));\n  }\n";
  return out;
}

}  // namespace sluice::codegen
