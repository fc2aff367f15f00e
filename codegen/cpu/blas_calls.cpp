#include "codegen/cpu/blas_calls.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "codegen/cpu/cpp_expr.h"
#include "codegen/cpu/cpp_tasklet.h"
#include "ir/diagnostic.h"
#include "ir/epilogue.h"

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

/// One GEMM call (inside the batch loops `loops`), what it needs to run panel by panel, and how
/// a row of it maps to the output's indices (for an epilogue).
struct GemmPlan {
  std::string gemm, scalar, one, zero;
  std::string loops;  ///< `for (...)\n` lines around the call (batch dims).
  std::string m, n, k;
  bool ta = false;
  bool tb = false;
  std::string alpha, beta;
  std::string a, lda, b, ldb, y, ldy;  ///< Pointers at the batch's matrices; leading dims.
  /// Gemm's `Y = beta * C` for rows [begin, end), or empty.
  std::function<std::string(const std::string& begin, const std::string& end)> init;
  /// The output's indices 0 .. rank-2 of GEMM row `row` (C++ int64_t expressions).
  std::function<std::vector<std::string>(const std::string& row)> row_index;
};

/// Rows per panel of an epilogue: the panel's output (rows x n elements) about the L2 of a core
/// (1 MiB here), so it is still in cache when the epilogue reads it, within 128-256 rows.
constexpr std::int64_t kPanelBytes = std::int64_t{1024} * 1024;
constexpr std::int64_t kMinPanelRows = 128;
/// Multiply-adds below which one GEMM of a batch runs single-threaded, the batch in parallel.
constexpr std::int64_t kSmallGemm = std::int64_t{1} << 22;
constexpr std::int64_t kMaxPanelRows = 256;

std::string indent_lines(const std::string& text, const std::string& pad) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.append(pad).append(text, start, end - start).append("\n");
    start = end + 1;
  }
  return out;
}

std::string gemm_call(const GemmPlan& p, const std::string& rows, const std::string& a,
                      const std::string& y) {
  const auto trans = [](bool t) { return std::to_string(t ? kTrans : kNoTrans); };
  return p.gemm + "(" + std::to_string(kRowMajor) + ", " + trans(p.ta) + ", " + trans(p.tb) +
         ", (int)" + rows + ", (int)n, (int)k, " + p.alpha + ", " + a + ", (int)sl_max(1, " +
         p.lda + "), " + p.b + ", (int)sl_max(1, " + p.ldb + "), " + p.beta + ", " + y +
         ", (int)sl_max(1, " + p.ldy + "));\n";
}

/// The statements of a call. Without an epilogue: one GEMM over all rows. With one: the GEMM
/// panel by panel over its rows, each panel's epilogue right after its GEMM, while the panel is
/// in cache. Parallelism: OpenMP over panels, each panel's GEMM single-threaded (OpenBLAS's own
/// threads set to 1 around the loop, then restored). Measured for M=2048, N=3072, K=768 f32
/// with bias + GeLU on this 2-core box (loaded by other builds; medians of 9): one threaded GEMM
/// per panel followed by an OpenMP-parallel epilogue took 380-1000 ms (64-512-row panels: every
/// call forks OpenBLAS's threads and splits a small panel between them), OpenMP over panels with
/// single-threaded GEMMs 262-362 ms, the unfused threaded GEMM then a parallel epilogue pass
/// 295-410 ms. Larger panels measured faster than L2-sized ones (each GEMM call re-packs B), so
/// the panel is L2-sized but at least 128 rows.
std::string emit_plan(const GemmPlan& p, const std::string& where, const std::string* epilogue,
                      const ir::Container& y, const std::string& y_base,
                      const std::vector<std::pair<std::string, Operand>>& inputs) {
  std::string out = "  {\n    const int64_t m = " + p.m + ", n = " + p.n + ", k = " + p.k + ";\n";
  if (epilogue == nullptr) {
    if (p.init) out += indent_lines(p.init("0", "m"), "    ");
    if (p.loops.empty()) {
      out += "    if (m > 0 && n > 0) " + gemm_call(p, "m", p.a, p.y) + "  }\n";
      return out;
    }
    // A batch of small GEMMs (attention's per-head products) runs one GEMM per OpenMP thread,
    // OpenBLAS single-threaded: handing each small call to OpenBLAS's own threads costs a wake-up
    // per call, which on a loaded machine took longer than the GEMM (two 16-head batched
    // MatMuls of 128x128x64: 88 ms each on 2 threads at load 5, against 2 ms single-threaded).
    const auto depth = std::count(p.loops.begin(), p.loops.end(), '\n');
    out += "    const bool sl_split = (double)m * (double)n * (double)k < " +
           std::to_string(kSmallGemm) + ".0 && sl_num_threads() > 1;\n";
    out += "    const int sl_blas_threads = openblas_get_num_threads();\n";
    out += "    if (sl_split) openblas_set_num_threads(1);\n";
    out += "#pragma omp parallel for collapse(" + std::to_string(depth) +
           ") num_threads(sl_num_threads()) schedule(static) if(sl_split)\n";
    out += indent_lines(p.loops, "    ");
    out += "    if (m > 0 && n > 0) " + gemm_call(p, "m", p.a, p.y);
    out += "    if (sl_split) openblas_set_num_threads(sl_blas_threads);\n  }\n";
    return out;
  }
  // The epilogue's row: the output element and each input's, by the output's indices.
  const std::size_t rank = y.rank();
  const std::vector<std::string> index = p.row_index("sl_r");
  // The row's element offset in a container broadcast against the output (its last dim is the
  // column, stepped by `column_stride`).
  const auto offset = [&](const ir::Container& c) {
    std::string off = "0";
    for (std::size_t d = 0; d + 1 < c.rank(); ++d) {
      const std::size_t od = rank - c.rank() + d;
      if (c.shape[d] == ir::Expr(1)) continue;
      off += " + (" + index.at(od) + ") * " + cpp_expr(c.strides[d]);
    }
    return off;
  };
  const auto column_stride = [](const ir::Container& c) -> std::string {
    if (c.rank() == 0 || c.shape[c.rank() - 1] == ir::Expr(1)) return "0";
    return cpp_expr(c.strides[c.rank() - 1]);
  };
  const auto at = [](const std::string& stride) {
    return stride == "1" ? std::string("sl_j") : "sl_j * (" + stride + ")";
  };
  TaskletNames names;
  names.connectors[std::string(ir::kEpilogueValue)] = y.dtype;
  names.connectors[std::string(ir::kEpilogueResult)] = y.dtype;
  std::string rows = "        " + p.scalar + "* sl_y = " + y_base + " + " + offset(y) + ";\n";
  std::string loads = "          const " + p.scalar + " v_" + std::string(ir::kEpilogueValue) +
                      " = sl_y[" + at(column_stride(y)) + "];\n";
  for (const auto& [conn, o] : inputs) {
    const ir::DType dt = o.c->dtype;
    if (dt == ir::DType::f16 || dt == ir::DType::bf16)
      throw UserError(where, "the epilogue input '" + o.c->name + "' is " +
                                 std::string(ir::dtype_name(dt)) + " (the CPU call reads " +
                                 "f32, f64 or integers)");
    names.connectors[conn] = dt;
    const std::string type = compute_type(dt);
    rows += "        const " + storage_type(dt) + "* sl_" + conn + " = " + o.pointer + " + " +
            offset(*o.c) + ";\n";
    loads.append("          const ").append(type).append(" v_").append(conn).append(" = (");
    loads.append(type).append(")sl_").append(conn).append("[").append(at(column_stride(*o.c)));
    loads.append("];\n");
  }
  ir::TaskletCode code;
  try {
    code = ir::parse_tasklet(*epilogue);
  } catch (const UserError& e) {
    throw UserError(where, std::string("the epilogue does not parse: ") + e.what());
  }
  const std::string body = cpp_tasklet(code, names);
  // Rows per panel: the L2 rule, but at least one panel per thread.
  const std::string rows_rule = "sl_max(" + std::to_string(kMinPanelRows) + ", " +
                                std::to_string(kPanelBytes) + " / sl_max(1, n * (int64_t)sizeof(" +
                                p.scalar + ")))";
  out += "    const int64_t sl_rule = " + rows_rule + " < " + std::to_string(kMaxPanelRows) +
         " ? " + rows_rule + " : " + std::to_string(kMaxPanelRows) + ";\n";
  out += "    const int64_t sl_share = sl_max(1, (m + sl_num_threads() - 1) / sl_num_threads());\n";
  out += "    const int64_t sl_panel = sl_rule < sl_share ? sl_rule : sl_share;\n";
  out += "    const int64_t sl_panels = n > 0 ? (m + sl_panel - 1) / sl_panel : 0;\n";
  out += "    const int sl_blas_threads = openblas_get_num_threads();\n";
  out += "    openblas_set_num_threads(1);\n";
  out += indent_lines(p.loops, "    ");
  out +=
      "    {\n#pragma omp parallel for num_threads(sl_num_threads()) schedule(static, 1) "
      "if (sl_panels > 1)\n";
  out += "      for (int64_t sl_q = 0; sl_q < sl_panels; ++sl_q) {\n";
  out += "        const int64_t sl_p0 = sl_q * sl_panel;\n";
  out += "        const int64_t sl_pm = m - sl_p0 < sl_panel ? m - sl_p0 : sl_panel;\n";
  if (p.init) out += indent_lines(p.init("sl_p0", "sl_p0 + sl_pm"), "        ");
  const std::string a_row = p.ta ? "sl_p0" : "sl_p0 * (" + p.lda + ")";
  out +=
      "        " + gemm_call(p, "sl_pm", p.a + " + " + a_row, p.y + " + sl_p0 * (" + p.ldy + ")");
  out += "        for (int64_t sl_r = sl_p0; sl_r < sl_p0 + sl_pm; ++sl_r) {\n";
  out += indent_lines(rows, "    ");
  out += "#pragma omp simd\n            for (int64_t sl_j = 0; sl_j < n; ++sl_j) {\n";
  out += indent_lines(loads, "    ");
  out += "              " + p.scalar + " v_" + std::string(ir::kEpilogueResult) + "{};\n";
  out += indent_lines(body, "              ");
  out += "              sl_y[" + at(column_stride(y)) + "] = v_" +
         std::string(ir::kEpilogueResult) + ";\n            }\n        }\n      }\n    }\n";
  out += "    openblas_set_num_threads(sl_blas_threads);\n  }\n";
  return out;
}

}  // namespace

std::string emit_blas_call(const ir::Program& program, const ir::Graph& graph, ir::NodeId node) {
  const auto& lib = graph.get<ir::LibraryNode>(node);
  const std::string where = "library node '" + lib.label + "' (" + lib.op + ")";
  std::map<std::string, Operand> ports;
  std::vector<std::pair<std::string, Operand>> epilogue_inputs;
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
  for (const ir::EdgeId e : graph.in_edges(node)) {
    const ir::Edge& edge = graph.edge(e);
    if (edge.memlet.empty()) continue;
    if (ir::is_epilogue_connector(edge.dst_conn))
      epilogue_inputs.emplace_back(edge.dst_conn, operand(edge.memlet.data));
    else
      ports[positional(edge.dst_conn, lib.inputs, "in")] = operand(edge.memlet.data);
  }
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
  const std::string scalar = compute_type(t);
  const auto e = [](const ir::Expr& x) { return cpp_expr(x); };
  const std::string* epilogue = ir::epilogue_code(lib);
  GemmPlan plan;
  plan.gemm = t == ir::DType::f32 ? "cblas_sgemm" : "cblas_dgemm";
  plan.scalar = scalar;
  plan.one = "(" + scalar + ")1";
  plan.zero = "(" + scalar + ")0";

  if (lib.op == "Gemm") {
    const bool ta = attribute_int(lib, "transA", 0) != 0;
    const bool tb = attribute_int(lib, "transB", 0) != 0;
    const double alpha = attribute_float(lib, "alpha", 1.0);
    const double beta = attribute_float(lib, "beta", 1.0);
    if (a.c->rank() != 2 || b.c->rank() != 2 || y.c->rank() != 2)
      throw UserError(where, "Gemm takes 2-D operands");
    plan.m = e(y.c->shape[0]);
    plan.n = e(y.c->shape[1]);
    plan.k = e(ta ? a.c->shape[0] : a.c->shape[1]);
    const bool with_c = ports.contains("in2") && beta != 0.0;
    if (with_c) {
      // Y = beta * C (broadcast), then Y += alpha * op(A) op(B).
      const ir::Container& c = *ports["in2"].c;
      const std::string cp = ports["in2"].pointer;
      std::string index = "0";
      const std::size_t r = c.rank();
      if (r >= 1) index += " + (" + e(c.shape[r - 1]) + " == 1 ? 0 : j) * " + e(c.strides[r - 1]);
      if (r >= 2) index += " + (" + e(c.shape[r - 2]) + " == 1 ? 0 : i) * " + e(c.strides[r - 2]);
      const std::string store = y.pointer + "[i * " + e(y.c->strides[0]) + " + j] = (" + scalar +
                                ")" + literal(beta) + " * " + cp + "[" + index + "];\n";
      plan.init = [store](const std::string& begin, const std::string& end) {
        return "for (int64_t i = " + begin + "; i < " + end +
               "; ++i)\n  for (int64_t j = 0; j < n; ++j)\n    " + store;
      };
    }
    plan.ta = ta != la.transposed;
    plan.tb = tb != lb.transposed;
    plan.alpha = "(" + scalar + ")" + literal(alpha);
    plan.beta = with_c ? plan.one : plan.zero;
    plan.a = a.pointer;
    plan.lda = e(la.ld);
    plan.b = b.pointer;
    plan.ldb = e(lb.ld);
    plan.y = y.pointer;
    plan.ldy = e(y.c->strides[0]);
    plan.row_index = [](const std::string& row) { return std::vector<std::string>{row}; };
    return emit_plan(plan, where, epilogue, *y.c, y.pointer, epilogue_inputs);
  }
  if (lib.op != "MatMul") throw UserError(where, "no blas implementation for " + lib.op);

  // MatMul: [..., M, K] @ [..., K, N]; a 1-D A is [1, K] (M dropped), a 1-D B is [K, 1].
  const std::size_t ra = a.c->rank();
  const std::size_t rb = b.c->rank();
  const std::size_t ry = y.c->rank();
  if (ra == 0 || rb == 0) throw UserError(where, "MatMul operands must have rank >= 1");
  if (epilogue != nullptr && (ra < 2 || rb < 2))
    throw UserError(where, "an epilogue needs matrix operands (rank >= 2)");
  plan.alpha = plan.one;
  plan.beta = plan.zero;
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
    plan.m = e(rows);
    plan.n = e(b.c->shape[1]);
    plan.k = e(a.c->shape[ra - 1]);
    plan.ta = false;
    plan.tb = lb.transposed;
    plan.a = a.pointer;
    plan.lda = e(a.c->strides[ra - 2]);
    plan.b = b.pointer;
    plan.ldb = e(lb.ld);
    plan.y = y.pointer;
    plan.ldy = e(y.c->strides[ry - 2]);
    // The flat row splits into the output's dims 0 .. ry-2 (row-major).
    std::vector<std::string> extents;
    for (std::size_t d = 0; d + 1 < ry; ++d) extents.push_back(e(y.c->shape[d]));
    plan.row_index = [extents](const std::string& row) {
      std::vector<std::string> index(extents.size());
      std::string stride = "1";
      for (std::size_t d = extents.size(); d-- > 0;) {
        std::string q = row;
        if (stride != "1") q.insert(0, "(").append(") / (").append(stride).append(")");
        index[d] = d == 0 ? q : "(" + q + ") % (" + extents[d] + ")";
        if (stride == "1")
          stride = extents[d];
        else
          stride.append(" * ").append(extents[d]);
      }
      return index;
    };
    return emit_plan(plan, where, epilogue, *y.c, y.pointer, epilogue_inputs);
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
    plan.m = e(a.c->shape[mdim]);
    plan.n = e(b.c->shape[1]);
    plan.k = e(a.c->shape[ra - 1]);
    std::string off_a = "0";
    std::string off_y = "0";
    std::vector<std::string> index;
    for (std::size_t d = 0; d + 1 < ra; ++d) {
      if (d == mdim) {
        index.emplace_back();
        continue;
      }
      const std::string i = "sl_b" + std::to_string(d);
      index.push_back(i);
      plan.loops.append("for (int64_t ").append(i).append(" = 0; ").append(i).append(" < ");
      plan.loops.append(e(a.c->shape[d])).append("; ++").append(i).append(")\n");
      off_a.append(" + ").append(i).append(" * ").append(e(a.c->strides[d]));
      off_y.append(" + ").append(i).append(" * ").append(e(y.c->strides[d]));
    }
    plan.ta = false;
    plan.tb = lb.transposed;
    plan.a = a.pointer + " + " + off_a;
    plan.lda = e(a.c->strides[mdim]);
    plan.b = b.pointer;
    plan.ldb = e(lb.ld);
    plan.y = y.pointer + " + " + off_y;
    plan.ldy = e(y.c->strides[mdim]);
    plan.row_index = [index, mdim](const std::string& row) {
      std::vector<std::string> out = index;
      out[mdim] = row;
      return out;
    };
    return emit_plan(plan, where, epilogue, *y.c, y.pointer, epilogue_inputs);
  }
  plan.m = ra >= 2 ? e(a.c->shape[ra - 2]) : "1";
  plan.k = e(a.c->shape[ra - 1]);
  plan.n = rb >= 2 ? e(b.c->shape[rb - 1]) : "1";
  plan.lda = ra >= 2 ? e(la.ld) : plan.k;
  plan.ldb = rb >= 2 ? e(lb.ld) : "1";
  plan.ldy = rb >= 2 ? (ry >= 2 && ra >= 2 ? e(y.c->strides[ry - 2]) : plan.n) : "1";
  const std::size_t batch = ry - (ra >= 2 ? 1 : 0) - (rb >= 2 ? 1 : 0);
  std::string off_a = "0";
  std::string off_b = "0";
  std::string off_y = "0";
  std::vector<std::string> index;
  for (std::size_t d = 0; d < batch; ++d) {
    const std::string i = "sl_b" + std::to_string(d);
    index.push_back(i);
    plan.loops.append("for (int64_t ").append(i).append(" = 0; ").append(i).append(" < ");
    plan.loops.append(e(y.c->shape[d])).append("; ++").append(i).append(")\n");
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
  plan.ta = ra >= 2 && la.transposed;
  plan.tb = rb >= 2 && lb.transposed;
  plan.a = a.pointer + " + " + off_a;
  plan.b = b.pointer + " + " + off_b;
  plan.y = y.pointer + " + " + off_y;
  plan.row_index = [index](const std::string& row) {
    std::vector<std::string> out = index;
    out.push_back(row);
    return out;
  };
  return emit_plan(plan, where, epilogue, *y.c, y.pointer, epilogue_inputs);
}

}  // namespace sluice::codegen
