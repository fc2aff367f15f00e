#include "codegen/cpu/cpu_generator.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

#include "codegen/cpu/blas_calls.h"
#include "codegen/cpu/cpp_expr.h"
#include "codegen/cpu/cpp_tasklet.h"
#include "codegen/cpu/generator_support.h"
#include "codegen/cpu/prelude.h"
#include "codegen/cpu/transient_arena.h"
#include "ir/diagnostic.h"

namespace sluice::codegen {

namespace {

using ir::Container;
using ir::ContainerId;
using ir::Graph;
using ir::NodeId;

/// Parallel maps whose nest has fewer iterations than this run sequentially (fork/join costs
/// more).
constexpr int kParallelThreshold = 2048;
/// Largest transient (in elements) kept as a local array instead of a heap buffer.
constexpr std::int64_t kMaxLocalElements = 1024;
/// Largest write-conflict sum target (in bytes) that a parallel map may privatize: each thread
/// sums into its own copy on its stack, and the copies are added in thread order afterwards.
constexpr std::int64_t kMaxPrivateSumBytes = std::int64_t{64} * 1024;

/// Loop iterations one execution of a map body runs: one per tasklet, plus the nests of its
/// maps (a fused normalization's rows are long even when they are few). A nest whose size
/// depends on enclosing parameters (a tile) counts once.
ir::Expr body_iterations(const Graph& g, const std::map<std::string, ir::DType>& symbols) {
  ir::Expr total = 0;
  for (const NodeId n : g.node_ids()) {
    if (const auto* inner = std::get_if<ir::MapNode>(&g.node(n))) {
      ir::Expr nest = body_iterations(*inner->body, symbols);
      for (const ir::MapParam& p : inner->params) nest = nest * p.range.size();
      const std::vector<std::string> uses = nest.free_symbols();
      const bool outer = std::any_of(uses.begin(), uses.end(),
                                     [&](const std::string& u) { return !symbols.contains(u); });
      total = total + (outer ? ir::Expr(1) : nest);
    } else if (std::holds_alternative<ir::TaskletNode>(g.node(n))) {
      total = total + 1;
    }
  }
  return total == ir::Expr(0) ? ir::Expr(1) : total;
}

/// Write-conflict memlets anywhere in a map body, and every map parameter declared there.
void collect_body(const Graph& g, std::vector<const ir::Memlet*>& wcr,
                  std::set<std::string>& params, bool& nested) {
  for (const ir::EdgeId e : g.edge_ids())
    if (g.edge(e).memlet.wcr != ir::WriteConflict::None) wcr.push_back(&g.edge(e).memlet);
  for (const NodeId n : g.node_ids())
    if (const auto* inner = std::get_if<ir::MapNode>(&g.node(n))) {
      nested = true;
      for (const ir::MapParam& p : inner->params) params.insert(p.name);
      collect_body(*inner->body, wcr, params, nested);
    }
}

/// Every non-empty memlet anywhere in a map body.
void collect_memlets(const Graph& g, std::vector<const ir::Memlet*>& memlets) {
  for (const ir::EdgeId e : g.edge_ids())
    if (!g.edge(e).memlet.empty()) memlets.push_back(&g.edge(e).memlet);
  for (const NodeId n : g.node_ids())
    if (const auto* inner = std::get_if<ir::MapNode>(&g.node(n)))
      collect_memlets(*inner->body, memlets);
}

class CpuGenerator {
public:
  CpuGenerator(const ir::Program& program, const CpuOptions& options)
      : program_(program), options_(options) {}

  GeneratedSource generate() {
    for (const auto& [name, dtype] : program_.symbols) out_.symbols.push_back(name);
    arguments_ = program_.arguments();
    for (const ContainerId id : arguments_) out_.arguments.push_back(program_.containers[id].name);
    for (const ContainerId id : program_.containers.ids()) {
      const Container& c = program_.containers[id];
      if (!c.transient || c.view) continue;
      if (is_local(c))
        locals_.insert(id);
      else
        transients_.push_back(id);
    }
    lifetimes_ = options_.share_transient_memory ? plan_arena_lifetimes(program_, transients_)
                                                 : std::vector<ArenaLifetime>(transients_.size());
    std::set<ContainerId> run_locals;
    for (const ir::StateId s : program_.states.ids())
      for (const ContainerId id : locals_in(program_.states[s].graph)) run_locals.insert(id);

    declared_ = run_locals;
    for (const ContainerId id : arguments_)
      if (!program_.containers[id].view) pointers_[pointer(id)] = element_type(id);
    for (const ContainerId id : transients_) pointers_[pointer(id)] = element_type(id);
    for (const ContainerId id : run_locals) pointers_[pointer(id)] = element_type(id);
    std::string run_body = indent(emit_states(), 1);
    std::ostringstream code;
    code << kCpuPrelude;
    if (options_.timers) code << kCpuTimerPrelude;
    code << '\n';
    code << "struct SluiceState {\n  int64_t symbols["
         << std::max<std::size_t>(1, out_.symbols.size()) << "];\n  void* buffers["
         << std::max<std::size_t>(1, transients_.size())
         << "];\n  void* arena;\n  size_t transient_bytes;\n  double kernel_seconds["
         << std::max<std::size_t>(1, out_.kernels.size()) << "];\n};\n\n";
    emit_arena_tables(code);
    code << kernel_functions_;
    code << "static const char* const sl_kernel_names[] = {";
    for (const std::string& k : out_.kernels) code << '"' << escape(k) << "\", ";
    code << "nullptr};\n\n";
    code << "extern \"C\" {\n\nint sluice_abi_version(void) { return 1; }\n"
         << "int sluice_num_kernels(void) { return " << out_.kernels.size() << "; }\n"
         << "const char* sluice_kernel_name(int k) { return k >= 0 && k < " << out_.kernels.size()
         << " ? sl_kernel_names[k] : nullptr; }\n"
         << "const double* sluice_kernel_seconds(void* state) { return "
            "static_cast<SluiceState*>(state)->kernel_seconds; }\n"
         << "size_t sluice_transient_bytes(void* state) { return "
            "static_cast<SluiceState*>(state)->transient_bytes; }\n\n";
    code << "void sluice_finalize(void* state) {\n  if (!state) return;\n"
         << "  auto* st = static_cast<SluiceState*>(state);\n"
         << (pooled_count() == 0
                 ? "  for (void* b : st->buffers) std::free(b);\n"
                 : "  for (int i = 0; i < " + std::to_string(transients_.size()) +
                       "; ++i)\n    if (!sl_in_arena[i]) std::free(st->buffers[i]);\n")
         << "  std::free(st->arena);\n  std::free(st);\n}\n\n";
    emit_init(code);
    code << "int sluice_run(void* state, void* const* args) {\n"
         << "  auto* st = static_cast<SluiceState*>(state);\n  (void)st;\n  (void)args;\n";
    declare_symbols(code, "st->symbols");
    for (std::size_t i = 0; i < arguments_.size(); ++i) {
      if (program_.containers[arguments_[i]].view) continue;  // addresses its source's memory
      code << "  " << pointer_decl(arguments_[i]) << " = static_cast<"
           << storage_type(program_.containers[arguments_[i]].dtype) << "*>(args[" << i << "]);\n";
    }
    for (std::size_t i = 0; i < transients_.size(); ++i)
      code << "  " << pointer_decl(transients_[i]) << " = static_cast<"
           << storage_type(program_.containers[transients_[i]].dtype) << "*>(st->buffers[" << i
           << "]);\n";
    for (const ContainerId id : run_locals) code << "  " << local_decl(id);
    code << run_body << "  return 0;\n}\n\n}  // extern \"C\"\n";
    out_.code = code.str();
    out_.hash = content_hash(out_.code);
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

  /// Re-indents generated statements by their braces (two spaces a level, from `depth`);
  /// braces in `//` comments do not count (labels appear there).
  static std::string indent(const std::string& code, int depth) {
    std::string out;
    std::istringstream lines(code);
    for (std::string line; std::getline(lines, line);) {
      const auto first = line.find_first_not_of(' ');
      if (first == std::string::npos) continue;
      line.erase(0, first);
      const std::string code_part = line.substr(0, line.find("//"));
      int opens = 0;
      int closes = 0;
      for (const char c : code_part) {
        opens += c == '{';
        closes += c == '}';
      }
      const int leading = line.front() == '}' ? 1 : 0;
      out += std::string(static_cast<std::size_t>(2 * std::max(0, depth - leading)), ' ') + line +
             '\n';
      depth += opens - closes;
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

  /// Small constant-size scalars and Register/HostStack transients live in locals.
  [[nodiscard]] static bool is_local(const Container& c) {
    if (c.kind != ir::ContainerKind::Scalar && c.storage != ir::Storage::Register &&
        c.storage != ir::Storage::HostStack)
      return false;
    if (c.lifetime == ir::Lifetime::Persistent) return false;  // keeps its value across runs
    const auto span = constant_span(c);
    return span && *span <= kMaxLocalElements;
  }

  /// The local containers a graph touches at its own level (not inside nested maps).
  [[nodiscard]] std::set<ContainerId> locals_in(const Graph& g) const {
    std::set<ContainerId> found;
    const auto note = [&](ContainerId id) {
      if (!program_.containers.contains(id)) return;
      if (const ContainerId r = root(id); locals_.contains(r)) found.insert(r);
    };
    for (const NodeId n : g.node_ids())
      if (const auto* a = std::get_if<ir::AccessNode>(&g.node(n))) note(a->data);
    for (const ir::EdgeId e : g.edge_ids())
      if (!g.edge(e).memlet.empty()) note(g.edge(e).memlet.data);
    return found;
  }

  [[nodiscard]] std::string local_decl(ContainerId id) const {
    const Container& c = program_.containers[id];
    return storage_type(c.dtype) + " c_" + c.name + "[" + std::to_string(*constant_span(c)) +
           "] = {};\n";
  }

  void declare_symbols(std::ostringstream& code, const char* from) const {
    for (std::size_t i = 0; i < out_.symbols.size(); ++i)
      code << "  int64_t " << cpp_symbol(out_.symbols[i]) << " = " << from << "[" << i
           << "];\n  (void)" << cpp_symbol(out_.symbols[i]) << ";\n";
  }

  [[nodiscard]] std::size_t pooled_count() const {
    return static_cast<std::size_t>(std::count_if(lifetimes_.begin(), lifetimes_.end(),
                                                  [](const ArenaLifetime& l) { return l.pooled; }));
  }

  /// The arena's planner and its tables: which buffers it holds and when each is live.
  void emit_arena_tables(std::ostringstream& code) const {
    if (pooled_count() == 0) return;
    code << kArenaPlannerSource << '\n';
    std::string members;
    std::string firsts;
    std::string lasts;
    std::string in_arena;
    for (std::size_t i = 0; i < lifetimes_.size(); ++i) {
      in_arena += lifetimes_[i].pooled ? "1, " : "0, ";
      if (!lifetimes_[i].pooled) continue;
      members += std::to_string(i) + ", ";
      firsts += std::to_string(lifetimes_[i].first) + ", ";
      lasts += std::to_string(lifetimes_[i].last) + ", ";
    }
    code << "static const int sl_arena_member[] = {" << members << "};\n"
         << "static const int64_t sl_arena_first[] = {" << firsts << "};\n"
         << "static const int64_t sl_arena_last[] = {" << lasts << "};\n"
         << "static const unsigned char sl_in_arena[] = {" << in_arena << "};\n\n";
  }

  void emit_init(std::ostringstream& code) const {
    code << "void* sluice_init(const int64_t* symbols) {\n"
         << "  auto* st = static_cast<SluiceState*>(std::calloc(1, sizeof(SluiceState)));\n"
         << "  if (!st) return nullptr;\n";
    for (std::size_t i = 0; i < out_.symbols.size(); ++i)
      code << "  st->symbols[" << i << "] = symbols[" << i << "];\n";
    declare_symbols(code, "symbols");
    if (!transients_.empty()) code << "  size_t sl_bytes[" << transients_.size() << "];\n";
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
           << "    sl_bytes[" << i << "] = ((size_t)(n > 0 ? n : 1) * sizeof("
           << storage_type(c.dtype) << ") + 63) / 64 * 64;\n  }\n";
      if (lifetimes_[i].pooled) continue;
      code << "  st->buffers[" << i << "] = std::aligned_alloc(64, sl_bytes[" << i << "]);\n"
           << "  if (!st->buffers[" << i << "]) { sluice_finalize(st); return nullptr; }\n"
           << "  std::memset(st->buffers[" << i << "], 0, sl_bytes[" << i << "]);\n"
           << "  st->transient_bytes += sl_bytes[" << i << "];\n";
    }
    if (const std::size_t pooled = pooled_count(); pooled > 0) {
      code << "  {  // the arena: transients live at different kernels share memory\n"
           << "    size_t bytes[" << pooled << "];\n    size_t offset[" << pooled << "];\n"
           << "    for (int k = 0; k < " << pooled
           << "; ++k) bytes[k] = sl_bytes[sl_arena_member[k]];\n"
           << "    const size_t total = sl_plan_arena(" << pooled
           << ", bytes, sl_arena_first, sl_arena_last, offset);\n"
           << "    if (total == (size_t)-1) { sluice_finalize(st); return nullptr; }\n"
           << "    st->arena = std::aligned_alloc(64, total > 0 ? total : 64);\n"
           << "    if (!st->arena) { sluice_finalize(st); return nullptr; }\n"
           << "    std::memset(st->arena, 0, total);\n"
           << "    st->transient_bytes += total;\n"
           << "    for (int k = 0; k < " << pooled
           << "; ++k) st->buffers[sl_arena_member[k]] = static_cast<char*>(st->arena) + "
              "offset[k];\n  }\n";
    }
    code << "  return st;\n}\n\n";
  }

  // --- element access ----------------------------------------------------------------------------

  /// `c_X[offset + i0*s0 + ...]` for C++ index expressions, one per dimension.
  [[nodiscard]] std::string element(ContainerId id, const std::vector<std::string>& index) const {
    const Container& c = program_.containers[id];
    std::string address = c.offset == ir::Expr(0) ? "" : cpp_expr(c.offset);
    for (std::size_t d = 0; d < c.shape.size() && d < index.size(); ++d) {
      if (!address.empty()) address += " + ";
      address += "(" + index[d] + ")";
      if (c.strides[d] != ir::Expr(1)) address += " * " + cpp_expr(c.strides[d]);
    }
    return pointer(id) + "[" + (address.empty() ? "0" : address) + "]";
  }
  /// The element at the start of a subset: the address is simplified symbolically.
  [[nodiscard]] std::string element(ContainerId id, const ir::Subset& subset) const {
    const Container& c = program_.containers[id];
    ir::Expr address = c.offset;
    for (std::size_t d = 0; d < c.shape.size() && d < subset.size(); ++d)
      address = address + subset[d].begin * c.strides[d];
    std::string text = cpp_expr(address);
    if (text.size() > 2 && text.front() == '(' && text.back() == ')' &&
        address.kind() != ir::ExprKind::Constant)
      text = text.substr(1, text.size() - 2);
    return pointer(id) + "[" + text + "]";
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
        return is_float ? "sl_fmin(" + old + ", " + value + ")"
                        : "(" + compute_type(t) + ")sl_min(" + old + ", " + value + ")";
      case ir::WriteConflict::Max:
        return is_float ? "sl_fmax(" + old + ", " + value + ")"
                        : "(" + compute_type(t) + ")sl_max(" + old + ", " + value + ")";
      case ir::WriteConflict::None: break;
    }
    return value;
  }
  [[nodiscard]] std::string store(const ir::Memlet& m, const std::string& value) const {
    const ir::DType t = program_.containers[m.data].dtype;
    const std::string ref = element(m.data, m.subset);
    const bool plain = t != ir::DType::f16 && t != ir::DType::bf16 && t != ir::DType::boolean;
    if (plain && m.wcr == ir::WriteConflict::Sum) return ref + " += " + value + ";\n";
    if (plain && m.wcr == ir::WriteConflict::Product) return ref + " *= " + value + ";\n";
    return ref + " = " + store_value(t, combine(m.wcr, t, load(t, ref), value)) + ";\n";
  }

  // --- kernels -------------------------------------------------------------------------------

  [[nodiscard]] std::string element_type(ContainerId id) const {
    return storage_type(program_.containers[id].dtype);
  }

  /// Identifiers in generated code (comments included: a spurious one costs a parameter).
  static std::set<std::string> identifiers(const std::string& code) {
    std::set<std::string> out;
    const auto word = [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    };
    for (std::size_t i = 0; i < code.size();) {
      if (!word(code[i])) {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < code.size() && word(code[j])) ++j;
      out.insert(code.substr(i, j - i));
      i = j;
    }
    return out;
  }

  /// Makes `body` a kernel: a function of its own, taking the pointers and symbols it names
  /// (GCC honors `__restrict__` on parameters, not on locals, and optimizes many small functions
  /// faster than one large one), called from the state machine between timer reads.
  void add_kernel(std::string& out, const std::string& name, const std::string& body) {
    const std::string id = std::to_string(out_.kernels.size());
    out_.kernels.push_back(name);
    const std::set<std::string> names = identifiers(body);
    std::string params;
    std::string args;
    const auto add = [&](const std::string& param, const std::string& arg) {
      params += (params.empty() ? "" : ", ") + param;
      args += (args.empty() ? "" : ", ") + arg;
    };
    for (const auto& [pointer_name, type] : pointers_)
      if (names.contains(pointer_name))
        add(cat(type, "* __restrict__ ", pointer_name), pointer_name);
    for (const std::string& symbol : out_.symbols)
      if (names.contains(cpp_symbol(symbol)))
        add(cat("const int64_t ", cpp_symbol(symbol)), cpp_symbol(symbol));
    kernel_functions_ += cat("// kernel ", id, ": ", escape(name), "\nstatic void sl_kernel_", id,
                             "(", params, ") {\n", indent(body, 1), "}\n\n");
    out += cat("{  // kernel ", id, ": ", escape(name), "\n");
    if (options_.timers) out += "const double sl_t0 = sl_now();\n";
    out += cat("sl_kernel_", id, "(", args, ");\n");
    if (options_.timers) out += cat("st->kernel_seconds[", id, "] += sl_now() - sl_t0;\n");
    out += "}\n";
  }

  std::string emit_states() {
    std::string out;
    out += "  int64_t sl_state = " + std::to_string(program_.start_state.value) + ";\n";
    out += "  while (sl_state >= 0) {\n    switch (sl_state) {\n";
    for (const ir::StateId s : program_.states.ids()) {
      const ir::State& state = program_.states[s];
      out +=
          "    case " + std::to_string(s.value) + ": {  // state '" + escape(state.label) + "'\n";
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
        for (const ir::EdgeId e : g.in_edges(n)) {
          const ir::Edge& edge = g.edge(e);
          if (!std::holds_alternative<ir::AccessNode>(g.node(edge.src)) || edge.memlet.empty())
            continue;
          std::string body;
          emit_copy(body, g, e);
          add_kernel(out,
                     cat("copy ", program_.containers[g.get<ir::AccessNode>(edge.src).data].name,
                         " -> ", program_.containers[g.get<ir::AccessNode>(n).data].name),
                     body);
        }
      } else if (const auto* map = std::get_if<ir::MapNode>(&node)) {
        std::string body;
        emit_map(body, *map, /*top_level=*/true);
        add_kernel(out, map->label, body);
      } else if (const auto* tasklet = std::get_if<ir::TaskletNode>(&node)) {
        std::string body;
        emit_tasklet(body, g, n, *tasklet);
        add_kernel(out, tasklet->label, body);
      } else if (const auto* lib = std::get_if<ir::LibraryNode>(&node)) {
        if (lib->implementation != "blas" || (lib->op != "MatMul" && lib->op != "Gemm"))
          throw UserError("state '" + state_label + "'",
                          "library node '" + lib->label + "' (" + lib->op +
                              ") must be expanded first (implementation '" + lib->implementation +
                              "' is not one the CPU generator calls)");
        add_kernel(out, lib->label, emit_blas_call(program_, g, n));
        out_.uses_blas = true;
      } else {
        throw UserError("state '" + state_label + "' / " + std::string(ir::node_kind_name(node)) +
                            " '" + ir::node_label(node) + "'",
                        "nested programs are not supported by the CPU generator");
      }
    }
    return out;
  }

  /// A copy between two Access nodes as a loop (the caller makes a top-level one a kernel).
  void emit_copy(std::string& out, const Graph& g, ir::EdgeId e) {
    const ir::Edge& edge = g.edge(e);
    const ContainerId src = g.get<ir::AccessNode>(edge.src).data;
    const ContainerId dst = g.get<ir::AccessNode>(edge.dst).data;
    const ir::Memlet& m = edge.memlet;
    const ir::Subset& src_subset = m.data == src ? m.subset : m.other_subset.value_or(m.subset);
    const ir::Subset& dst_subset = m.data == src ? m.other_subset.value_or(m.subset) : m.subset;
    // One linear counter, unflattened into each side's ranges.
    const auto index_of = [&](const ir::Subset& subset) {
      std::vector<std::string> index(subset.size());
      std::string rest = "sl_l";
      for (std::size_t d = subset.size(); d-- > 0;) {
        const std::string size = cpp_expr(subset[d].size());
        index[d] = cat(cpp_expr(subset[d].begin), " + (", rest, " % ", size, ") * ",
                       cpp_expr(subset[d].step));
        rest = cat("(", rest, " / ", size, ")");
      }
      return index;
    };
    const ir::DType ts = program_.containers[src].dtype;
    const ir::DType td = program_.containers[dst].dtype;
    out += "  for (int64_t sl_l = 0; sl_l < " + cpp_expr(ir::subset_size(src_subset)) +
           "; ++sl_l) {\n    " + element(dst, index_of(dst_subset)) + " = " +
           store_value(td, load(ts, element(src, index_of(src_subset)))) + ";\n  }\n";
  }

  /// How many leading parameters of a top-level map run in parallel, and whether its innermost
  /// loop is vectorized (see cpu_generator.h).
  struct LoopPlan {
    std::size_t parallel = 0;
    bool simd = false;
    /// Targets of write-conflict sums that each thread accumulates into a private copy (roots);
    /// without them the leading parameters would conflict.
    std::vector<ContainerId> private_sums;
  };

  /// Roots that every conflicting memlet of `wcr` sums into, when each one can be privatized:
  /// a plain arithmetic type, a small constant span, and only Sum memlets touch it in the body.
  /// Empty when any conflicting target cannot.
  [[nodiscard]] std::vector<ContainerId> privatizable_sums(
      const ir::MapNode& map, const std::vector<const ir::Memlet*>& conflicting) const {
    std::set<ContainerId> roots;
    for (const ir::Memlet* m : conflicting) {
      if (m->wcr != ir::WriteConflict::Sum) return {};
      roots.insert(root(m->data));
    }
    std::vector<const ir::Memlet*> all;
    collect_memlets(*map.body, all);
    for (const ContainerId r : roots) {
      const Container& c = program_.containers[r];
      const std::string t = storage_type(c.dtype);
      if (t != "float" && t != "double" && t != "int32_t" && t != "int64_t") return {};
      const auto span = constant_span(c);
      if (!span || *span * ir::dtype_size(c.dtype) > kMaxPrivateSumBytes) return {};
      for (const ir::Memlet* m : all)
        if (root(m->data) == r && m->wcr != ir::WriteConflict::Sum) return {};
    }
    return {roots.begin(), roots.end()};
  }

  [[nodiscard]] LoopPlan plan(const ir::MapNode& map, bool top_level) const {
    LoopPlan result;
    if (!options_.openmp) return result;
    const bool parallel = top_level && map.schedule == ir::Schedule::CpuParallel;
    const bool vector = map.schedule == ir::Schedule::Vectorized;
    if (!parallel && !vector) return result;
    std::vector<const ir::Memlet*> wcr;
    std::set<std::string> map_params;
    bool nested = false;
    for (const ir::MapParam& p : map.params) map_params.insert(p.name);
    collect_body(*map.body, wcr, map_params, nested);
    // A local first touched inside the map is declared per iteration: no other iteration (or
    // thread) combines into it.
    std::erase_if(wcr, [&](const ir::Memlet* m) {
      const ContainerId r = root(m->data);
      return locals_.contains(r) && !declared_.contains(r);
    });
    const auto conflict_free = [&](const std::vector<std::string>& params) {
      return std::all_of(wcr.begin(), wcr.end(),
                         [&](const ir::Memlet* m) { return distinct_per(*m, params, map_params); });
    };
    if (vector) {
      result.simd = !nested && !map.params.empty() && conflict_free({map.params.back().name});
      return result;
    }
    // The first parameter already conflicts: threads may still split it when the sums that
    // conflict go to private copies.
    if (!map.params.empty() && !conflict_free({map.params.front().name})) {
      std::vector<const ir::Memlet*> conflicting;
      for (const ir::Memlet* m : wcr)
        if (!distinct_per(*m, {map.params.front().name}, map_params)) conflicting.push_back(m);
      result.private_sums = privatizable_sums(map, conflicting);
      if (!result.private_sums.empty())
        std::erase_if(wcr, [&](const ir::Memlet* m) {
          return std::find(result.private_sums.begin(), result.private_sums.end(), root(m->data)) !=
                 result.private_sums.end();
        });
    }
    std::vector<std::string> leading;
    std::set<std::string> outer;
    for (const ir::MapParam& p : map.params) {
      // A collapsed loop's bounds may not depend on the loops collapsed with it.
      bool ok = true;
      for (const ir::Expr& bound : {p.range.begin, p.range.end, p.range.step})
        for (const std::string& s : bound.free_symbols()) ok = ok && !outer.contains(s);
      leading.push_back(p.name);
      if (!ok || !conflict_free(leading)) break;
      outer.insert(p.name);
      ++result.parallel;
    }
    // Keep the innermost loop out of the collapsed space: collapsing it turns its contiguous
    // sweep into div/mod index arithmetic that the compiler cannot vectorize. (With nested maps
    // the vector loops are theirs: all of this map's loops may collapse.)
    if (result.parallel == map.params.size() && map.params.size() > 1 && !nested) --result.parallel;
    if (result.parallel == 0) result.private_sums.clear();
    return result;
  }

  /// An inner one-parameter map whose single tasklet combines (wcr) into elements that do not
  /// depend on the parameter, writes nothing else twice and reads nothing it writes: its
  /// combinations go to private accumulators under `omp simd reduction`, each combined into
  /// memory once after the loop (write-conflict resolution fixes no order). Empty otherwise.
  [[nodiscard]] std::vector<const ir::Memlet*> simd_reductions(const ir::MapNode& map) const {
    if (!options_.openmp || map.params.size() != 1) return {};
    const Graph& body = *map.body;
    NodeId tasklet;
    for (const NodeId n : body.node_ids()) {
      if (std::holds_alternative<ir::AccessNode>(body.node(n))) continue;
      if (!std::holds_alternative<ir::TaskletNode>(body.node(n)) || tasklet.valid()) return {};
      tasklet = n;
    }
    if (!tasklet.valid()) return {};
    for (const ir::EdgeId e : body.edge_ids()) {
      const ir::Edge& edge = body.edge(e);
      if (edge.src != tasklet && edge.dst != tasklet) return {};  // a copy in the body
    }
    const std::string& param = map.params.front().name;
    const std::set<std::string> params{param};
    std::set<ContainerId> written;
    std::vector<const ir::Memlet*> out;
    for (const ir::EdgeId e : body.out_edges(tasklet)) {
      const ir::Memlet& m = body.edge(e).memlet;
      if (m.empty()) continue;
      written.insert(root(m.data));
      if (m.wcr == ir::WriteConflict::None) {
        if (!distinct_per(m, {param}, params)) return {};
        continue;
      }
      const ir::DType t = program_.containers[m.data].dtype;
      if (t != ir::DType::f32 && t != ir::DType::f64) return {};
      for (const ir::Range& r : m.subset)
        for (const ir::Expr* x : {&r.begin, &r.end, &r.step})
          for (const std::string& name : x->free_symbols())
            if (name == param) return {};
      out.push_back(&m);
    }
    for (const ir::EdgeId e : body.in_edges(tasklet)) {
      const ir::Memlet& m = body.edge(e).memlet;
      if (!m.empty() && written.contains(root(m.data))) return {};
    }
    return out;
  }

  /// Lanes of the explicit vector reductions below: 16 floats fill one AVX-512 register.
  static constexpr int kReductionLanes = 16;

  /// Float reductions, one of them a max or min, over a unit-step loop: Clang does not vectorize an
  /// `omp simd` loop with a declared reduction (the NaN-aware sl_max), so these loops get
  /// explicit lanes instead.
  [[nodiscard]] bool wants_lanes(const ir::MapNode& map,
                                 const std::vector<const ir::Memlet*>& reductions) const {
    if (map.params.size() != 1 || map.params.front().range.step != ir::Expr(1)) return false;
    bool max_or_min = false;
    for (const ir::Memlet* m : reductions) {
      const std::string t = compute_type(program_.containers[m->data].dtype);
      if (t != "float" && t != "double") return false;
      max_or_min =
          max_or_min || m->wcr == ir::WriteConflict::Max || m->wcr == ir::WriteConflict::Min;
    }
    return max_or_min;
  }

  /// The body of `map` (its nodes in topological order), with the locals first touched there
  /// declared at its start.
  void emit_body(std::string& out, const ir::MapNode& map) {
    const Graph& body = *map.body;
    std::vector<ContainerId> scoped;
    for (const ContainerId id : locals_in(body))
      if (declared_.insert(id).second) {
        scoped.push_back(id);
        out += "  " + local_decl(id);
      }
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
    for (const ContainerId id : scoped) declared_.erase(id);
  }

  /// A reduction loop with explicit lanes: accumulator arrays of kReductionLanes, a main loop
  /// over whole groups whose inner loop over the lanes vectorizes (no cross-iteration
  /// dependence), a scalar tail into lane 0, then the lanes combined and stored once.
  void emit_lane_reduction(std::string& out, const ir::MapNode& map,
                           const std::vector<const ir::Memlet*>& reductions) {
    const ir::MapParam& p = map.params.front();
    const std::string v = cpp_symbol(p.name);
    const std::string lanes = std::to_string(kReductionLanes);
    const std::size_t id = next_accumulator_++;
    const std::string begin = "sl_begin" + std::to_string(id);
    const std::string end = "sl_end" + std::to_string(id);
    const std::string whole = "sl_whole" + std::to_string(id);
    const std::string group = "sl_group" + std::to_string(id);
    const std::string lane = "sl_lane" + std::to_string(id);
    out += "{\n";
    out += cat("const int64_t ", begin, " = ", cpp_expr(p.range.begin), ", ", end, " = ",
               cpp_expr(p.range.end), ";\n");
    out += cat("const int64_t ", whole, " = ", begin, " + (", end, " > ", begin, " ? (", end, " - ",
               begin, ") / ", lanes, " * ", lanes, " : 0);\n");
    std::vector<std::string> arrays;
    for (const ir::Memlet* m : reductions) {
      const std::string acc = "sl_acc" + std::to_string(next_accumulator_++);
      arrays.push_back(acc);
      const std::string t = compute_type(program_.containers[m->data].dtype);
      const char* identity = m->wcr == ir::WriteConflict::Max       ? "-INFINITY"
                             : m->wcr == ir::WriteConflict::Min     ? "INFINITY"
                             : m->wcr == ir::WriteConflict::Product ? "1"
                                                                    : "0";
      out += cat(t, " ", acc, "[", lanes, "];\n");
      out += cat("for (int ", lane, " = 0; ", lane, " < ", lanes, "; ++", lane, ") ", acc, "[",
                 lane, "] = ", identity, ";\n");
    }
    auto body_with = [&](const std::string& index) {
      for (std::size_t r = 0; r < reductions.size(); ++r)
        accumulators_[reductions[r]] = arrays[r] + "[" + index + "]";
      emit_body(out, map);
    };
    out += cat("for (int64_t ", group, " = ", begin, "; ", group, " < ", whole, "; ", group,
               " += ", lanes, ") {\n");
    out += "#pragma omp simd\n";
    out += cat("for (int64_t ", lane, " = 0; ", lane, " < ", lanes, "; ++", lane, ") {\n");
    out += cat("const int64_t ", v, " = ", group, " + ", lane, ";\n");
    body_with(lane);
    out += "}\n}\n";
    out += cat("for (int64_t ", v, " = ", whole, "; ", v, " < ", end, "; ++", v, ") {\n");
    body_with("0");
    out += "}\n";
    for (std::size_t r = 0; r < reductions.size(); ++r) {
      const ir::Memlet* m = reductions[r];
      const ir::DType t = program_.containers[m->data].dtype;
      const std::string total = arrays[r] + "_total";
      out += cat(compute_type(t), " ", total, " = ", arrays[r], "[0];\n");
      out += cat("for (int ", lane, " = 1; ", lane, " < ", lanes, "; ++", lane, ") ", total, " = ",
                 combine(m->wcr, t, total, arrays[r] + "[" + lane + "]"), ";\n");
      out += store(*m, total);
      accumulators_.erase(m);
    }
    out += "}\n";
  }

  /// `for (int64_t s_i = begin; s_i < end; ++s_i) {`
  [[nodiscard]] static std::string loop_header(const ir::MapParam& p) {
    const std::string v = cpp_symbol(p.name);
    return cat("for (int64_t ", v, " = ", cpp_expr(p.range.begin), "; ", v, " < ",
               cpp_expr(p.range.end), "; ",
               p.range.step == ir::Expr(1) ? cat("++", v) : cat(v, " += ", cpp_expr(p.range.step)),
               ") {\n");
  }

  void emit_map(std::string& out, const ir::MapNode& map, bool top_level) {
    const std::vector<const ir::Memlet*> reductions =
        top_level ? std::vector<const ir::Memlet*>{} : simd_reductions(map);
    if (!reductions.empty() && wants_lanes(map, reductions)) {
      emit_lane_reduction(out, map, reductions);
      return;
    }
    std::string reduction_clauses;
    if (!reductions.empty()) {
      out += "{\n";
      for (const ir::Memlet* m : reductions) {
        const std::string acc = "sl_acc" + std::to_string(next_accumulator_++);
        const ir::DType t = program_.containers[m->data].dtype;
        const bool floating = compute_type(t) == "float" || compute_type(t) == "double";
        const char* identity = "0";
        const char* op = "+";
        switch (m->wcr) {
          case ir::WriteConflict::Product:
            identity = "1";
            op = "*";
            break;
          case ir::WriteConflict::Max:
            identity = "-INFINITY";
            op = floating ? "sl_max" : "max";  // the prelude's: lanes start at -inf
            break;
          case ir::WriteConflict::Min:
            identity = "INFINITY";
            op = floating ? "sl_min" : "min";
            break;
          default: break;
        }
        out += cat(compute_type(t), " ", acc, " = ", identity, ";\n");
        reduction_clauses += cat(" reduction(", op, ":", acc, ")");
        accumulators_[m] = acc;
      }
    }
    const LoopPlan loops = plan(map, top_level);
    if (loops.parallel > 0) {
      // Forking pays off by the work of the whole nest, not by the parallel iterations alone
      // (a row-wise reduction over few long rows still wants threads).
      ir::Expr iterations = body_iterations(*map.body, program_.symbols);
      for (const ir::MapParam& p : map.params) iterations = iterations * p.range.size();
      const std::string collapse =
          loops.parallel > 1 ? " collapse(" + std::to_string(loops.parallel) + ")" : "";
      const std::string team = " num_threads(sl_num_threads()) if(" + cpp_expr(iterations) +
                               " >= " + std::to_string(kParallelThreshold) + ")";
      if (!loops.private_sums.empty()) {
        emit_privatized_map(out, map, loops, collapse, team);
        return;
      }
      out += "#pragma omp parallel for schedule(static)" + collapse + team + "\n";
    }
    for (std::size_t i = 0; i < map.params.size(); ++i) {
      if (!reductions.empty())
        out += "#pragma omp simd" + reduction_clauses + "\n";
      else if (loops.simd && i + 1 == map.params.size())
        out += "#pragma omp simd\n";
      out += loop_header(map.params[i]);
    }
    // Locals first touched here are private to one iteration.
    emit_body(out, map);
    for (std::size_t i = 0; i < map.params.size(); ++i) out += "}\n";
    if (reductions.empty()) return;
    for (const ir::Memlet* m : reductions) {
      out += store(*m, accumulators_.at(m));
      accumulators_.erase(m);
    }
    out += "}\n";
  }

  /// A parallel map whose write-conflict sums go to per-thread copies (on each thread's stack,
  /// shadowing the target's name), added into the target in thread order after the loop: the
  /// same sum for the same thread count, run after run.
  void emit_privatized_map(std::string& out, const ir::MapNode& map, const LoopPlan& loops,
                           const std::string& collapse, const std::string& team) {
    out += "#pragma omp parallel" + team + "\n{\n";
    std::vector<std::pair<std::string, std::string>> copies;  // target pointer, private copy
    for (const ContainerId r : loops.private_sums) {
      const Container& c = program_.containers[r];
      const std::string copy = "sl_private" + std::to_string(next_accumulator_++);
      out += cat(storage_type(c.dtype), " ", copy, "[", std::to_string(*constant_span(c)),
                 "] = {};\n");
      copies.emplace_back(pointer(r), copy);
    }
    out += "{\n";
    for (const auto& [target, copy] : copies)
      out += cat("auto* __restrict__ ", target, " = ", copy, ";\n");
    out += "#pragma omp for schedule(static)" + collapse + "\n";
    for (const ir::MapParam& p : map.params) out += loop_header(p);
    emit_body(out, map);
    for (std::size_t i = 0; i < map.params.size(); ++i) out += "}\n";
    out += "}\n";
    // Thread t adds its copies in round t (libomp 14, the runtime the JIT links, has no entry
    // point for `ordered` as Clang 19 emits it).
    out +=
        "for (int sl_t = 0; sl_t < sl_team_size(); ++sl_t) {\nif (sl_thread_index() == sl_t) {\n";
    for (std::size_t i = 0; i < copies.size(); ++i) {
      const auto& [target, copy] = copies[i];
      out += cat("for (int64_t sl_i = 0; sl_i < ",
                 std::to_string(*constant_span(program_.containers[loops.private_sums[i]])),
                 "; ++sl_i) ", target, "[sl_i] += ", copy, "[sl_i];\n");
    }
    out += "}\n#pragma omp barrier\n}\n}\n";
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
      if (const auto acc = accumulators_.find(&edge.memlet); acc != accumulators_.end())
        stores += cat("    ", acc->second, " = ",
                      combine(edge.memlet.wcr, dtype, acc->second, "v_" + edge.src_conn), ";\n");
      else
        stores += "    " + store(edge.memlet, "v_" + edge.src_conn);
    }
    names.subscript = [&](const std::string& name, const std::vector<std::string>& index) {
      const auto it = array_memlets.find(name);
      if (it == array_memlets.end())
        throw UserError("tasklet '" + t.label + "'",
                        "subscripted name '" + name + "' is not an input connector with data");
      const ir::Memlet& m = *it->second;
      std::vector<std::string> absolute;
      for (std::size_t d = 0; d < m.subset.size(); ++d) {
        const ir::Range& r = m.subset[d];
        std::string at = d < index.size() ? index[d] : std::string("0");
        if (r.step != ir::Expr(1)) at = cat("(", at, ") * ", cpp_expr(r.step));
        if (r.begin != ir::Expr(0)) at = cat(cpp_expr(r.begin), " + ", at);
        absolute.push_back(at);
      }
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
  std::vector<ContainerId> transients_;          // heap buffers, allocated in sluice_init
  std::vector<ArenaLifetime> lifetimes_;         // per transient: in the arena, and when
  std::set<ContainerId> locals_;                 // see is_local
  std::set<ContainerId> declared_;               // locals declared in the scope being emitted
  std::map<std::string, std::string> pointers_;  // `c_X` in sluice_run -> its element type
  std::string kernel_functions_;                 // `static void sl_kernel_<k>(...)`, in order
  std::map<const ir::Memlet*, std::string> accumulators_;  // simd reductions being emitted
  std::size_t next_accumulator_ = 0;
};

}  // namespace

GeneratedSource generate_cpu(const ir::Program& program, const CpuOptions& options) {
  return CpuGenerator(program, options).generate();
}

}  // namespace sluice::codegen
