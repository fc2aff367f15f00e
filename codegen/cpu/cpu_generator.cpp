#include "codegen/cpu/cpu_generator.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "codegen/cpu/blas_calls.h"
#include "codegen/cpu/cpp_expr.h"
#include "codegen/cpu/cpp_tasklet.h"
#include "codegen/cpu/prelude.h"
#include "ir/diagnostic.h"

namespace sluice::codegen {

namespace {

using ir::Container;
using ir::ContainerId;
using ir::Graph;
using ir::NodeId;

/// Parallel loops whose iteration count is below this run sequentially (fork/join costs more).
constexpr int kParallelThreshold = 2048;

class CpuGenerator {
public:
  CpuGenerator(const ir::Program& program, const CpuOptions& options)
      : program_(program), options_(options) {}

  GeneratedSource generate() {
    for (const auto& [name, dtype] : program_.symbols) out_.symbols.push_back(name);
    for (const ContainerId id : program_.containers.ids()) {
      const Container& c = program_.containers[id];
      if (c.view) continue;
      (c.transient ? transients_ : arguments_).push_back(id);
    }
    for (const ContainerId id : arguments_) out_.arguments.push_back(program_.containers[id].name);

    std::string run_body = emit_states();
    std::ostringstream code;
    code << kCpuPrelude << '\n';
    code << "struct SluiceState {\n  int64_t symbols[" << std::max<std::size_t>(1, out_.symbols.size())
         << "];\n  void* buffers[" << std::max<std::size_t>(1, transients_.size())
         << "];\n  double kernel_seconds[" << std::max<std::size_t>(1, out_.kernels.size())
         << "];\n};\n\n";
    code << "static const char* const sl_kernel_names[] = {";
    for (const std::string& k : out_.kernels) code << '"' << escape(k) << "\", ";
    code << "nullptr};\n\n";
    code << "extern \"C\" {\n\nint sluice_abi_version(void) { return 1; }\n"
         << "int sluice_num_kernels(void) { return " << out_.kernels.size() << "; }\n"
         << "const char* sluice_kernel_name(int k) { return k >= 0 && k < " << out_.kernels.size()
         << " ? sl_kernel_names[k] : nullptr; }\n"
         << "const double* sluice_kernel_seconds(void* state) { return "
            "static_cast<SluiceState*>(state)->kernel_seconds; }\n\n";
    code << "void sluice_finalize(void* state) {\n  if (!state) return;\n"
         << "  auto* st = static_cast<SluiceState*>(state);\n"
         << "  for (void* b : st->buffers) std::free(b);\n  std::free(st);\n}\n\n";
    emit_init(code);
    code << "int sluice_run(void* state, void* const* args) {\n"
         << "  auto* st = static_cast<SluiceState*>(state);\n  (void)st;\n  (void)args;\n";
    declare_symbols(code, "st->symbols");
    for (std::size_t i = 0; i < arguments_.size(); ++i)
      code << "  " << pointer_decl(arguments_[i]) << " = static_cast<"
           << storage_type(program_.containers[arguments_[i]].dtype) << "*>(args[" << i << "]);\n";
    for (std::size_t i = 0; i < transients_.size(); ++i)
      code << "  " << pointer_decl(transients_[i]) << " = static_cast<"
           << storage_type(program_.containers[transients_[i]].dtype) << "*>(st->buffers[" << i
           << "]);\n";
    code << run_body << "  return 0;\n}\n\n}  // extern \"C\"\n";
    out_.code = code.str();
    return std::move(out_);
  }

private:
  static std::string escape(const std::string& s) {
    std::string out;
    for (const char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    return out;
  }

  /// The root (non-View) container whose memory a container addresses.
  [[nodiscard]] ContainerId root(ContainerId id) const {
    int guard = 0;
    while (program_.containers[id].view && guard++ < 64) id = program_.containers[id].view->source;
    return id;
  }
  [[nodiscard]] std::string pointer(ContainerId id) const {
    return "c_" + program_.containers[root(id)].name;
  }
  [[nodiscard]] std::string pointer_decl(ContainerId id) const {
    return storage_type(program_.containers[id].dtype) + "* __restrict__ " + pointer(id);
  }

  void declare_symbols(std::ostringstream& code, const char* from) const {
    for (std::size_t i = 0; i < out_.symbols.size(); ++i)
      code << "  int64_t " << cpp_symbol(out_.symbols[i]) << " = " << from << "[" << i << "];\n  (void)"
           << cpp_symbol(out_.symbols[i]) << ";\n";
  }

  void emit_init(std::ostringstream& code) const {
    code << "void* sluice_init(const int64_t* symbols) {\n"
         << "  auto* st = static_cast<SluiceState*>(std::calloc(1, sizeof(SluiceState)));\n"
         << "  if (!st) return nullptr;\n";
    for (std::size_t i = 0; i < out_.symbols.size(); ++i)
      code << "  st->symbols[" << i << "] = symbols[" << i << "];\n";
    declare_symbols(code, "symbols");
    for (std::size_t i = 0; i < transients_.size(); ++i) {
      const Container& c = program_.containers[transients_[i]];
      // Elements the layout spans: offset + sum((size - 1) * stride) + 1; none when a dim is 0.
      std::string span = "(" + cpp_expr(c.offset) + " + 1";
      std::string empty = "false";
      for (std::size_t d = 0; d < c.shape.size(); ++d) {
        span += " + (" + cpp_expr(c.shape[d]) + " - 1) * " + cpp_expr(c.strides[d]);
        empty += " || " + cpp_expr(c.shape[d]) + " <= 0";
      }
      span += ")";
      code << "  {\n    const int64_t n = (" << empty << ") ? 0 : " << span << ";\n"
           << "    const size_t bytes = ((size_t)(n > 0 ? n : 1) * sizeof("
           << storage_type(c.dtype) << ") + 63) / 64 * 64;\n"
           << "    st->buffers[" << i << "] = std::aligned_alloc(64, bytes);\n"
           << "    if (!st->buffers[" << i << "]) { sluice_finalize(st); return nullptr; }\n"
           << "    std::memset(st->buffers[" << i << "], 0, bytes);\n  }\n";
    }
    code << "  return st;\n}\n\n";
  }

  // --- element access ----------------------------------------------------------------------------

  /// `c_X[offset + i0*s0 + ...]` for C++ index expressions, one per dimension.
  [[nodiscard]] std::string element(ContainerId id, const std::vector<std::string>& index) const {
    const Container& c = program_.containers[id];
    std::string address = cpp_expr(c.offset);
    for (std::size_t d = 0; d < c.shape.size() && d < index.size(); ++d)
      address += " + (" + index[d] + ") * " + cpp_expr(c.strides[d]);
    return pointer(id) + "[" + address + "]";
  }
  [[nodiscard]] std::string element(ContainerId id, const ir::Subset& subset) const {
    std::vector<std::string> index;
    for (const ir::Range& r : subset) index.push_back(cpp_expr(r.begin));
    return element(id, index);
  }
  [[nodiscard]] std::string load(ir::DType t, const std::string& ref) const {
    switch (t) {
      case ir::DType::f16: return "sl_h2f(" + ref + ")";
      case ir::DType::bf16: return "sl_bf2f(" + ref + ")";
      case ir::DType::boolean: return "(" + ref + " != 0)";
      default: return ref;
    }
  }
  [[nodiscard]] std::string store_value(ir::DType t, const std::string& value) const {
    switch (t) {
      case ir::DType::f16: return "sl_f2h(" + value + ")";
      case ir::DType::bf16: return "sl_f2bf(" + value + ")";
      case ir::DType::boolean: return "(uint8_t)((" + value + ") ? 1 : 0)";
      default: return value;
    }
  }
  [[nodiscard]] std::string combine(ir::WriteConflict wcr, ir::DType t, const std::string& old,
                                    const std::string& value) const {
    const bool is_float = ir::is_float(t);
    switch (wcr) {
      case ir::WriteConflict::Sum: return "(" + old + " + " + value + ")";
      case ir::WriteConflict::Product: return "(" + old + " * " + value + ")";
      case ir::WriteConflict::Min:
        return is_float ? "std::fmin(" + old + ", " + value + ")"
                        : "(" + compute_type(t) + ")sl_min(" + old + ", " + value + ")";
      case ir::WriteConflict::Max:
        return is_float ? "std::fmax(" + old + ", " + value + ")"
                        : "(" + compute_type(t) + ")sl_max(" + old + ", " + value + ")";
      case ir::WriteConflict::None: break;
    }
    return value;
  }
  [[nodiscard]] std::string store(const ir::Memlet& m, const std::string& value) const {
    const ir::DType t = program_.containers[m.data].dtype;
    const std::string ref = element(m.data, m.subset);
    return ref + " = " + store_value(t, combine(m.wcr, t, load(t, ref), value)) + ";\n";
  }

  // --- kernels -------------------------------------------------------------------------------

  int begin_kernel(std::string& out, const std::string& name) {
    const int id = static_cast<int>(out_.kernels.size());
    out_.kernels.push_back(name);
    out += "  {  // kernel " + std::to_string(id) + ": " + escape(name) + "\n";
    if (options_.timers) out += "  const double sl_t0 = sl_now();\n";
    return id;
  }
  void end_kernel(std::string& out, int id) const {
    if (options_.timers)
      out += "  st->kernel_seconds[" + std::to_string(id) + "] += sl_now() - sl_t0;\n";
    out += "  }\n";
  }

  std::string emit_states() {
    std::string out;
    out += "  int64_t sl_state = " + std::to_string(program_.start_state.value) + ";\n";
    out += "  while (sl_state >= 0) {\n    switch (sl_state) {\n";
    for (const ir::StateId s : program_.states.ids()) {
      const ir::State& state = program_.states[s];
      out += "    case " + std::to_string(s.value) + ": {  // state '" + escape(state.label) + "'\n";
      out += emit_graph_kernels(state.graph, state.label);
      out += "      sl_state = -1;\n";
      bool first = true;
      for (const ir::InterstateEdgeId e : program_.out_interstate_edges(s)) {
        const ir::InterstateEdge& edge = program_.interstate_edges[e];
        const std::string condition =
            edge.condition ? cpp_condition(*edge.condition) : std::string("true");
        out += std::string("      ") + (first ? "if" : "else if") + " (" + condition + ") {\n";
        for (const auto& [symbol, value] : edge.assignments)
          out += "        " + cpp_symbol(symbol) + " = " + cpp_expr(value) + ";\n";
        out += "        sl_state = " + std::to_string(edge.dst.value) + ";\n      }\n";
        first = false;
      }
      out += "      break;\n    }\n";
    }
    out += "    default: sl_state = -1;\n    }\n  }\n";
    return out;
  }

  std::string emit_graph_kernels(const Graph& g, const std::string& state_label) {
    std::string out;
    const auto order = g.topological_order();
    if (!order) throw UserError("state '" + state_label + "'", "the dataflow graph has a cycle");
    for (const NodeId n : *order) {
      const ir::Node& node = g.node(n);
      if (std::holds_alternative<ir::AccessNode>(node)) {
        for (const ir::EdgeId e : g.in_edges(n))
          if (std::holds_alternative<ir::AccessNode>(g.node(g.edge(e).src)) &&
              !g.edge(e).memlet.empty())
            emit_copy(out, g, e);
      } else if (const auto* map = std::get_if<ir::MapNode>(&node)) {
        const int k = begin_kernel(out, map->label);
        emit_map(out, *map, /*top_level=*/true);
        end_kernel(out, k);
      } else if (const auto* tasklet = std::get_if<ir::TaskletNode>(&node)) {
        const int k = begin_kernel(out, tasklet->label);
        emit_tasklet(out, g, n, *tasklet);
        end_kernel(out, k);
      } else if (const auto* lib = std::get_if<ir::LibraryNode>(&node)) {
        if (lib->implementation != "blas")
          throw UserError("state '" + state_label + "' / library node '" + lib->label + "'",
                          lib->op + " must be expanded first (implementation '" +
                              lib->implementation + "' is not a library call)");
        const int k = begin_kernel(out, lib->label);
        out += emit_blas_call(program_, g, n);
        out_.uses_blas = true;
        end_kernel(out, k);
      } else {
        throw UserError("state '" + state_label + "' / " + std::string(ir::node_kind_name(node)) +
                            " '" + ir::node_label(node) + "'",
                        "nested programs are not supported by the CPU generator");
      }
    }
    return out;
  }

  void emit_copy(std::string& out, const Graph& g, ir::EdgeId e) {
    const ir::Edge& edge = g.edge(e);
    const ContainerId src = g.get<ir::AccessNode>(edge.src).data;
    const ContainerId dst = g.get<ir::AccessNode>(edge.dst).data;
    const ir::Memlet& m = edge.memlet;
    const ir::Subset& src_subset = m.data == src ? m.subset : m.other_subset.value_or(m.subset);
    const ir::Subset& dst_subset = m.data == src ? m.other_subset.value_or(m.subset) : m.subset;
    const int k = begin_kernel(out, "copy " + program_.containers[src].name + " -> " +
                                        program_.containers[dst].name);
    // One linear counter, unflattened into each side's ranges.
    const auto index_of = [&](const ir::Subset& subset) {
      std::vector<std::string> index(subset.size());
      std::string rest = "sl_l";
      for (std::size_t d = subset.size(); d-- > 0;) {
        const std::string size = cpp_expr(subset[d].size());
        index[d] = cpp_expr(subset[d].begin) + " + (" + rest + " % " + size + ") * " +
                   cpp_expr(subset[d].step);
        rest = "(" + rest + " / " + size + ")";
      }
      return index;
    };
    const ir::DType ts = program_.containers[src].dtype;
    const ir::DType td = program_.containers[dst].dtype;
    out += "  for (int64_t sl_l = 0; sl_l < " + cpp_expr(ir::subset_size(src_subset)) +
           "; ++sl_l) {\n    " + element(dst, index_of(dst_subset)) + " = " +
           store_value(td, load(ts, element(src, index_of(src_subset)))) + ";\n  }\n";
    end_kernel(out, k);
  }

  /// Write-conflict memlets anywhere in a map body (their subsets decide what may run in
  /// parallel).
  static void collect_wcr(const Graph& g, std::vector<const ir::Memlet*>& found) {
    for (const ir::EdgeId e : g.edge_ids())
      if (g.edge(e).memlet.wcr != ir::WriteConflict::None) found.push_back(&g.edge(e).memlet);
    for (const NodeId n : g.node_ids())
      if (const auto* inner = std::get_if<ir::MapNode>(&g.node(n))) collect_wcr(*inner->body, found);
  }

  /// How many leading parameters of a top-level map can run in parallel.
  [[nodiscard]] std::size_t parallel_depth(const ir::MapNode& map) const {
    if (!options_.openmp || map.schedule == ir::Schedule::Sequential) return 0;
    std::vector<const ir::Memlet*> wcr;
    collect_wcr(*map.body, wcr);
    std::size_t depth = 0;
    std::set<std::string> outer;
    for (const ir::MapParam& p : map.params) {
      bool ok = true;
      // A collapsed loop's bounds may not depend on the loops collapsed with it.
      for (const ir::Expr& bound : {p.range.begin, p.range.end, p.range.step})
        for (const std::string& s : bound.free_symbols()) ok = ok && !outer.contains(s);
      for (const ir::Memlet* m : wcr) {
        bool uses = false;
        for (const ir::Range& r : m->subset)
          for (const std::string& s : r.begin.free_symbols()) uses = uses || s == p.name;
        ok = ok && uses;
      }
      if (!ok) break;
      outer.insert(p.name);
      ++depth;
    }
    return depth;
  }

  void emit_map(std::string& out, const ir::MapNode& map, bool top_level) {
    const std::size_t parallel = top_level ? parallel_depth(map) : 0;
    if (parallel > 0) {
      ir::Expr iterations = 1;
      for (std::size_t i = 0; i < parallel; ++i) iterations = iterations * map.params[i].range.size();
      out += "  #pragma omp parallel for schedule(static)" +
             (parallel > 1 ? " collapse(" + std::to_string(parallel) + ")" : std::string()) +
             " if(" + cpp_expr(iterations) + " >= " + std::to_string(kParallelThreshold) + ")\n";
    }
    for (const ir::MapParam& p : map.params) {
      const std::string v = cpp_symbol(p.name);
      out += "  for (int64_t " + v + " = " + cpp_expr(p.range.begin) + "; " + v + " < " +
             cpp_expr(p.range.end) + "; " + v + " += " + cpp_expr(p.range.step) + ")\n";
    }
    out += "  {\n";
    const Graph& body = *map.body;
    const auto order = body.topological_order();
    if (!order) throw UserError("map '" + map.label + "'", "the body has a cycle");
    for (const NodeId n : *order) {
      const ir::Node& node = body.node(n);
      if (const auto* inner = std::get_if<ir::MapNode>(&node)) {
        emit_map(out, *inner, false);
      } else if (const auto* tasklet = std::get_if<ir::TaskletNode>(&node)) {
        emit_tasklet(out, body, n, *tasklet);
      } else if (std::holds_alternative<ir::AccessNode>(node)) {
        for (const ir::EdgeId e : body.in_edges(n))
          if (std::holds_alternative<ir::AccessNode>(body.node(body.edge(e).src)) &&
              !body.edge(e).memlet.empty())
            emit_copy(out, body, e);
      } else {
        throw UserError("map '" + map.label + "' / " + std::string(ir::node_kind_name(node)) +
                            " '" + ir::node_label(node) + "'",
                        "only maps, tasklets and access nodes may be inside a map here");
      }
    }
    out += "  }\n";
  }

  static void subscripted_names(const ir::TaskletExpr& e, std::set<std::string>& names) {
    if (e.op() == ir::TaskletOp::Subscript) names.insert(e.operand(0).name());
    for (const ir::TaskletExpr& o : e.operands()) subscripted_names(o, names);
  }

  void emit_tasklet(std::string& out, const Graph& g, NodeId n, const ir::TaskletNode& t) {
    std::set<std::string> arrays;
    for (const ir::TaskletStatement& s : t.code.statements) subscripted_names(s.value, arrays);
    TaskletNames names;
    std::map<std::string, const ir::Memlet*> array_memlets;
    std::string loads;
    for (const ir::EdgeId e : g.in_edges(n)) {
      const ir::Edge& edge = g.edge(e);
      if (edge.memlet.empty()) continue;
      const ir::DType dtype = program_.containers[edge.memlet.data].dtype;
      names.connectors[edge.dst_conn] = dtype;
      if (arrays.contains(edge.dst_conn)) {
        array_memlets[edge.dst_conn] = &edge.memlet;
        continue;
      }
      loads += "    const " + compute_type(dtype) + " v_" + edge.dst_conn + " = " +
               load(dtype, element(edge.memlet.data, edge.memlet.subset)) + ";\n";
    }
    std::string stores;
    std::set<std::string> declared;
    for (const ir::EdgeId e : g.out_edges(n)) {
      const ir::Edge& edge = g.edge(e);
      if (edge.memlet.empty()) continue;
      const ir::DType dtype = program_.containers[edge.memlet.data].dtype;
      names.connectors[edge.src_conn] = dtype;
      if (declared.insert(edge.src_conn).second)
        loads += "    " + compute_type(dtype) + " v_" + edge.src_conn + "{};\n";
      stores += "    " + store(edge.memlet, "v_" + edge.src_conn);
    }
    names.subscript = [&](const std::string& name, const std::vector<std::string>& index) {
      const auto it = array_memlets.find(name);
      if (it == array_memlets.end())
        throw UserError("tasklet '" + t.label + "'", "subscripted name '" + name +
                                                         "' is not an input connector with data");
      const ir::Memlet& m = *it->second;
      std::vector<std::string> absolute;
      for (std::size_t d = 0; d < m.subset.size(); ++d)
        absolute.push_back(cpp_expr(m.subset[d].begin) + " + (" +
                           (d < index.size() ? index[d] : std::string("0")) + ") * " +
                           cpp_expr(m.subset[d].step));
      return load(program_.containers[m.data].dtype, element(m.data, absolute));
    };
    out += "  {  // tasklet '" + escape(t.label) + "'\n" + loads;
    std::istringstream body(cpp_tasklet(t.code, names));
    for (std::string line; std::getline(body, line);) out += "    " + line + "\n";
    out += stores + "  }\n";
  }

  const ir::Program& program_;
  CpuOptions options_;
  GeneratedSource out_;
  std::vector<ContainerId> arguments_;
  std::vector<ContainerId> transients_;
};

}  // namespace

GeneratedSource generate_cpu(const ir::Program& program, const CpuOptions& options) {
  return CpuGenerator(program, options).generate();
}

}  // namespace sluice::codegen
