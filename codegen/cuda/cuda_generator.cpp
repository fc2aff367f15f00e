#include "codegen/cuda/cuda_generator.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "codegen/cpu/cpp_expr.h"
#include "codegen/cpu/cpp_tasklet.h"
#include "codegen/cpu/generator_support.h"
#include "codegen/cuda/cuda_prelude.h"
#include "ir/diagnostic.h"

namespace sluice::codegen {

namespace {

using ir::Container;
using ir::ContainerId;
using ir::Graph;
using ir::NodeId;

/// Threads per block when a GPU map does not say.
constexpr std::int64_t kDefaultBlockSize = 256;
/// Most blocks a launch asks for: the grid-stride loop covers the rest.
constexpr std::int64_t kMaxBlocks = 65536;
/// Largest transient (elements) that may be a per-thread local (as on the CPU).
constexpr std::int64_t kMaxLocalElements = 1024;

void collect_params(const Graph& g, std::set<std::string>& params) {
  for (const NodeId n : g.node_ids())
    if (const auto* inner = std::get_if<ir::MapNode>(&g.node(n))) {
      for (const ir::MapParam& p : inner->params) params.insert(p.name);
      collect_params(*inner->body, params);
    }
}

std::set<std::string> identifiers(const std::string& code) {
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

std::string escape(const std::string& s) {
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

class CudaGenerator {
public:
  CudaGenerator(const ir::Program& program, const CudaOptions& options)
      : program_(program), options_(options) {}

  CudaSource generate() {
    for (const auto& [name, dtype] : program_.symbols) out_.symbols.push_back(name);
    const std::vector<ContainerId> arguments = program_.arguments();
    for (const ContainerId id : arguments) out_.arguments.push_back(program_.containers[id].name);
    std::set<ContainerId> state_level;
    for (const ir::StateId s : program_.states.ids()) {
      const Graph& g = program_.states[s].graph;
      for (const NodeId n : g.node_ids())
        if (const auto* a = std::get_if<ir::AccessNode>(&g.node(n))) {
          state_level.insert(root(a->data));
          for (const ir::EdgeId e : g.in_edges(n))
            if (!g.edge(e).memlet.empty()) written_.insert(root(a->data));
        }
    }
    for (const ContainerId id : arguments)
      if (!program_.containers[id].view) buffers_.push_back(id);
    for (const ContainerId id : program_.containers.ids()) {
      const Container& c = program_.containers[id];
      if (!c.transient || c.view) continue;
      if (is_local(c) && !state_level.contains(id))
        locals_.insert(id);
      else
        buffers_.push_back(id);
    }
    for (std::size_t b = 0; b < buffers_.size(); ++b) buffer_index_[buffers_[b]] = b;

    const std::string run_body = emit_states();
    std::ostringstream kernels;
    kernels << kCudaDevicePrelude << '\n' << kernel_code_;
    out_.kernel_code = kernels.str();

    std::ostringstream host;
    host << kCudaHostPrelude << '\n';
    const std::size_t nb = std::max<std::size_t>(1, buffers_.size());
    const std::size_t nk = std::max<std::size_t>(1, out_.kernel_names.size());
    host << "struct SluiceState {\n  SlDriver cu;\n  CUdevice device;\n  CUcontext context;\n"
         << "  CUmodule module;\n  CUfunction functions[" << nk << "];\n  int64_t symbols["
         << std::max<std::size_t>(1, out_.symbols.size()) << "];\n  CUdeviceptr buffers[" << nb
         << "];\n  size_t bytes[" << nb << "];\n  size_t transient_bytes;\n  double kernel_seconds["
         << std::max<std::size_t>(1, out_.kernels.size()) << "];\n};\n\n";
    host << "static const char* const sl_function_names[] = {";
    for (const std::string& k : out_.kernel_names) host << '"' << k << "\", ";
    host << "nullptr};\nstatic const char* const sl_kernel_names[] = {";
    for (const std::string& k : out_.kernels) host << '"' << escape(k) << "\", ";
    host << "nullptr};\n\n";
    host << "extern \"C\" {\n\nint sluice_abi_version(void) { return 1; }\n"
         << "int sluice_num_kernels(void) { return " << out_.kernels.size() << "; }\n"
         << "const char* sluice_kernel_name(int k) { return k >= 0 && k < " << out_.kernels.size()
         << " ? sl_kernel_names[k] : nullptr; }\n"
         << "const double* sluice_kernel_seconds(void* state) { return "
            "static_cast<SluiceState*>(state)->kernel_seconds; }\n"
         << "size_t sluice_transient_bytes(void* state) { return "
            "static_cast<SluiceState*>(state)->transient_bytes; }\n\n";
    host << "void sluice_finalize(void* state) {\n  if (!state) return;\n"
         << "  auto* st = static_cast<SluiceState*>(state);\n"
         << "  if (st->context) {\n    st->cu.cuCtxSetCurrent(st->context);\n"
         << "    for (CUdeviceptr b : st->buffers) if (b) st->cu.cuMemFree(b);\n"
         << "    if (st->module) st->cu.cuModuleUnload(st->module);\n"
         << "    st->cu.cuDevicePrimaryCtxRelease(st->device);\n  }\n  std::free(st);\n}\n\n";
    emit_init(host);
    host << "int sluice_run(void* state, void* const* args) {\n"
         << "  auto* st = static_cast<SluiceState*>(state);\n  (void)args;\n"
         << "  if (st->cu.cuCtxSetCurrent(st->context) != 0) return 1;\n";
    declare_symbols(host, "st->symbols");
    host << "  // host -> device: every argument\n";
    for (std::size_t i = 0; i < arguments.size(); ++i) {
      if (program_.containers[arguments[i]].view) continue;
      const std::size_t b = buffer_index_.at(arguments[i]);
      host << "  if (st->cu.cuMemcpyHtoD(st->buffers[" << b << "], args[" << i << "], st->bytes["
           << b << "]) != 0) return 2;\n";
    }
    host << run_body;
    host << "  if (st->cu.cuCtxSynchronize() != 0) return 3;\n";
    host << "  // device -> host: the arguments the program writes\n";
    for (std::size_t i = 0; i < arguments.size(); ++i) {
      if (program_.containers[arguments[i]].view || !written_.contains(arguments[i])) continue;
      const std::size_t b = buffer_index_.at(arguments[i]);
      host << "  if (st->cu.cuMemcpyDtoH(args[" << i << "], st->buffers[" << b << "], st->bytes["
           << b << "]) != 0) return 4;\n";
    }
    host << "  return 0;\n}\n\n}  // extern \"C\"\n";
    out_.host_code = host.str();
    return std::move(out_);
  }

private:
  [[nodiscard]] ContainerId root(ContainerId id) const {
    int guard = 0;
    while (program_.containers[id].view && guard++ < 64) id = program_.containers[id].view->source;
    return id;
  }
  [[nodiscard]] std::string pointer(ContainerId id) const {
    return "c_" + program_.containers[root(id)].name;
  }
  [[nodiscard]] static bool is_local(const Container& c) {
    if (c.kind != ir::ContainerKind::Scalar && c.storage != ir::Storage::Register &&
        c.storage != ir::Storage::HostStack)
      return false;
    if (c.lifetime == ir::Lifetime::Persistent) return false;
    const auto span = constant_span(c);
    return span && *span <= kMaxLocalElements;
  }
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

  void emit_init(std::ostringstream& code) const {
    code << "void* sluice_init(const int64_t* symbols) {\n"
         << "  auto* st = static_cast<SluiceState*>(std::calloc(1, sizeof(SluiceState)));\n"
         << "  if (!st) return nullptr;\n"
         << "  if (!sl_load_driver(&st->cu) || st->cu.cuInit(0) != 0 ||\n"
         << "      st->cu.cuDeviceGet(&st->device, 0) != 0) { std::free(st); return nullptr; }\n"
         << "  if (st->cu.cuDevicePrimaryCtxRetain(&st->context, st->device) != 0) {\n"
         << "    st->context = nullptr; sluice_finalize(st); return nullptr;\n  }\n"
         << "  if (st->cu.cuCtxSetCurrent(st->context) != 0 ||\n"
         << "      st->cu.cuModuleLoadData(&st->module, sl_module_image) != 0) {\n"
         << "    sluice_finalize(st); return nullptr;\n  }\n"
         << "  for (int k = 0; k < " << out_.kernel_names.size() << "; ++k)\n"
         << "    if (st->cu.cuModuleGetFunction(&st->functions[k], st->module, "
            "sl_function_names[k]) != 0) { sluice_finalize(st); return nullptr; }\n";
    for (std::size_t i = 0; i < out_.symbols.size(); ++i)
      code << "  st->symbols[" << i << "] = symbols[" << i << "];\n";
    declare_symbols(code, "symbols");
    for (std::size_t b = 0; b < buffers_.size(); ++b) {
      const Container& c = program_.containers[buffers_[b]];
      std::string span = "(" + cpp_expr(c.offset) + " + 1";
      std::string empty = "false";
      for (std::size_t d = 0; d < c.shape.size(); ++d) {
        span += " + (" + cpp_expr(c.shape[d]) + " - 1) * " + cpp_expr(c.strides[d]);
        empty += " || " + cpp_expr(c.shape[d]) + " <= 0";
      }
      span += ")";
      code << "  {  // '" << escape(c.name) << "'\n    const int64_t n = (" << empty
           << ") ? 0 : " << span << ";\n    st->bytes[" << b
           << "] = (size_t)(n > 0 ? n : 0) * sizeof(" << storage_type(c.dtype) << ");\n"
           << "    if (st->cu.cuMemAlloc(&st->buffers[" << b << "], st->bytes[" << b
           << "] > 0 ? st->bytes[" << b << "] : 1) != 0 ||\n        st->cu.cuMemsetD8(st->buffers["
           << b << "], 0, st->bytes[" << b << "]) != 0) { sluice_finalize(st); return nullptr; }\n";
      if (c.transient) code << "    st->transient_bytes += st->bytes[" << b << "];\n";
      code << "  }\n";
    }
    code << "  return st;\n}\n\n";
  }

  // --- element access (as on the CPU) ------------------------------------------------------

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
  [[nodiscard]] std::string element(ContainerId id, const ir::Subset& subset) const {
    const Container& c = program_.containers[id];
    ir::Expr address = c.offset;
    for (std::size_t d = 0; d < c.shape.size() && d < subset.size(); ++d)
      address = address + subset[d].begin * c.strides[d];
    return pointer(id) + "[" + cpp_expr(address) + "]";
  }
  [[nodiscard]] static std::string load(ir::DType t, const std::string& ref) {
    switch (t) {
      case ir::DType::f16: return "sl_h2f(" + ref + ")";
      case ir::DType::bf16: return "sl_bf2f(" + ref + ")";
      case ir::DType::boolean: return "(" + ref + " != 0)";
      default: return ref;
    }
  }
  [[nodiscard]] static std::string store_value(ir::DType t, const std::string& value) {
    switch (t) {
      case ir::DType::f16: return "sl_f2h(" + value + ")";
      case ir::DType::bf16: return "sl_f2bf(" + value + ")";
      case ir::DType::boolean: return "(uint8_t)((" + value + ") ? 1 : 0)";
      default: return value;
    }
  }
  [[nodiscard]] static std::string combine(ir::WriteConflict wcr, ir::DType t,
                                           const std::string& old, const std::string& value) {
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

  /// A store; a write conflict that other threads share is an atomic.
  [[nodiscard]] std::string store(const ir::Memlet& m, const std::string& value) const {
    const ir::DType t = program_.containers[m.data].dtype;
    const std::string ref = element(m.data, m.subset);
    if (m.wcr != ir::WriteConflict::None && shared_by_threads(m)) {
      const bool wide_float = t == ir::DType::f32 || t == ir::DType::f64;
      const bool wide_int = t == ir::DType::i32 || t == ir::DType::i64;
      const char* fn = nullptr;
      if (m.wcr == ir::WriteConflict::Sum && (wide_float || wide_int)) fn = "sl_atomic_sum";
      if (wide_float && m.wcr == ir::WriteConflict::Max) fn = "sl_atomic_max";
      if (wide_float && m.wcr == ir::WriteConflict::Min) fn = "sl_atomic_min";
      if (wide_float && m.wcr == ir::WriteConflict::Product) fn = "sl_atomic_product";
      if (fn == nullptr)
        throw UserError("map '" + current_map_ + "'", "threads combine into the same element of '" +
                                                          program_.containers[m.data].name + "' (" +
                                                          std::string(ir::dtype_name(t)) +
                                                          "), which has no atomic here");
      return cat(fn, "(&", ref, ", (", compute_type(t), ")(", value, "));\n");
    }
    return ref + " = " + store_value(t, combine(m.wcr, t, load(t, ref), value)) + ";\n";
  }

  /// Another thread of the grid may update the element `m` updates.
  [[nodiscard]] bool shared_by_threads(const ir::Memlet& m) const {
    const ContainerId r = root(m.data);
    if (locals_.contains(r)) return false;  // per thread
    return !distinct_per(m, grid_params_, all_params_);
  }

  // --- kernels -----------------------------------------------------------------------------

  [[nodiscard]] static std::string loop_header(const ir::MapParam& p) {
    const std::string v = cpp_symbol(p.name);
    return cat("for (int64_t ", v, " = ", cpp_expr(p.range.begin), "; ", v, " < ",
               cpp_expr(p.range.end), "; ",
               p.range.step == ir::Expr(1) ? cat("++", v) : cat(v, " += ", cpp_expr(p.range.step)),
               ") {\n");
  }

  void emit_body(std::string& out, const ir::MapNode& map) {
    const Graph& body = *map.body;
    std::vector<ContainerId> scoped;
    for (const ContainerId id : locals_in(body))
      if (declared_.insert(id).second) {
        scoped.push_back(id);
        out += local_decl(id);
      }
    const auto order = body.topological_order();
    if (!order) throw UserError("map '" + map.label + "'", "the body has a cycle");
    for (const NodeId n : *order) {
      const ir::Node& node = body.node(n);
      if (const auto* inner = std::get_if<ir::MapNode>(&node)) {
        for (const ir::MapParam& p : inner->params) out += loop_header(p);
        emit_body(out, *inner);
        for (std::size_t i = 0; i < inner->params.size(); ++i) out += "}\n";
      } else if (const auto* tasklet = std::get_if<ir::TaskletNode>(&node)) {
        emit_tasklet(out, body, n, *tasklet);
      } else if (std::holds_alternative<ir::AccessNode>(node)) {
        for (const ir::EdgeId e : body.in_edges(n))
          if (std::holds_alternative<ir::AccessNode>(body.node(body.edge(e).src)) &&
              !body.edge(e).memlet.empty())
            out += copy_loop(body, e, "for (int64_t sl_l = 0; sl_l < ", "; ++sl_l) {\n");
      } else {
        throw UserError("map '" + map.label + "' / " + std::string(ir::node_kind_name(node)) +
                            " '" + ir::node_label(node) + "'",
                        "only maps, tasklets and access nodes may be inside a GPU map");
      }
    }
    for (const ContainerId id : scoped) declared_.erase(id);
  }

  static void subscripted_names(const ir::TaskletExpr& e, std::set<std::string>& names) {
    if (e.op() == ir::TaskletOp::Subscript) names.insert(e.operand(0).name());
    for (const ir::TaskletExpr& o : e.operands()) subscripted_names(o, names);
  }

  void emit_tasklet(std::string& out, const Graph& g, NodeId n, const ir::TaskletNode& t) {
    std::set<std::string> arrays;
    for (const ir::TaskletStatement& s : t.code.statements) subscripted_names(s.value, arrays);
    TaskletNames names;
    names.cuda = true;
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
      loads += "const " + compute_type(dtype) + " v_" + edge.dst_conn + " = " +
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
        loads += compute_type(dtype) + " v_" + edge.src_conn + "{};\n";
      stores += store(edge.memlet, "v_" + edge.src_conn);
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
    out += "{  // tasklet '" + escape(t.label) + "'\n" + loads + cpp_tasklet(t.code, names) +
           stores + "}\n";
  }

  /// A copy between two Access nodes as a loop over one linear counter `sl_l`, unflattened into
  /// each side's ranges; `open`/`close` frame the loop header around the element count.
  std::string copy_loop(const Graph& g, ir::EdgeId e, const std::string& open,
                        const std::string& close) {
    const ir::Edge& edge = g.edge(e);
    const ContainerId src = g.get<ir::AccessNode>(edge.src).data;
    const ContainerId dst = g.get<ir::AccessNode>(edge.dst).data;
    const ir::Memlet& m = edge.memlet;
    const ir::Subset& src_subset = m.data == src ? m.subset : m.other_subset.value_or(m.subset);
    const ir::Subset& dst_subset = m.data == src ? m.other_subset.value_or(m.subset) : m.subset;
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
    return open + cpp_expr(ir::subset_size(src_subset)) + close +
           element(dst, index_of(dst_subset)) + " = " +
           store_value(td, load(ts, element(src, index_of(src_subset)))) + ";\n}\n";
  }

  /// Adds `sl_kernel_<k>` with `body` (inside the grid-stride loop, which the body opens) and
  /// returns the host statements that launch it over `total` iterations.
  std::string add_kernel(const std::string& name, std::int64_t block, const std::string& body,
                         const std::string& total) {
    const std::size_t k = out_.kernel_names.size();
    const std::string fn = "sl_kernel_" + std::to_string(k);
    out_.kernel_names.push_back(fn);
    out_.kernels.push_back(name);
    const std::set<std::string> names = identifiers(body + " " + total);
    std::string params;
    std::string args;
    const auto add = [&](const std::string& param, const std::string& arg) {
      params += (params.empty() ? "" : ", ") + param;
      args += (args.empty() ? "" : ", ") + arg;
    };
    for (std::size_t b = 0; b < buffers_.size(); ++b) {
      const std::string p = pointer(buffers_[b]);
      if (names.contains(p))
        add(cat(storage_type(program_.containers[buffers_[b]].dtype), "* __restrict__ ", p),
            cat("&st->buffers[", std::to_string(b), "]"));
    }
    for (const std::string& symbol : out_.symbols)
      if (names.contains(cpp_symbol(symbol)))
        add(cat("const int64_t ", cpp_symbol(symbol)), cat("&", cpp_symbol(symbol)));
    kernel_code_ += cat("// kernel ", std::to_string(k), ": ", escape(name),
                        "\nextern \"C\" __global__ void __launch_bounds__(", std::to_string(block),
                        ") ", fn, "(", params, ") {\n", "const int64_t sl_total = ", total, ";\n",
                        "for (int64_t sl_flat = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; "
                        "sl_flat < sl_total; sl_flat += (int64_t)gridDim.x * blockDim.x) {\n",
                        body, "}\n}\n\n");
    const std::string ks = std::to_string(k);
    std::string launch = cat("{  // kernel ", ks, ": ", escape(name), "\n",
                             "const int64_t sl_n = ", total, ";\n", "if (sl_n > 0) {\n");
    launch += cat("void* sl_args[] = {", args.empty() ? "nullptr" : args, "};\n");
    launch += cat("const int64_t sl_blocks = sl_min((sl_n + ", std::to_string(block - 1), ") / ",
                  std::to_string(block), ", ", std::to_string(kMaxBlocks), ");\n");
    if (options_.timers) launch += "const double sl_t0 = sl_now();\n";
    launch += cat("if (st->cu.cuLaunchKernel(st->functions[", ks, "], (unsigned)sl_blocks, 1, 1, ",
                  std::to_string(block), ", 1, 1, 0, nullptr, sl_args, nullptr) != 0) return 5;\n");
    if (options_.timers)
      launch += cat("if (st->cu.cuCtxSynchronize() != 0) return 3;\nst->kernel_seconds[", ks,
                    "] += sl_now() - sl_t0;\n");
    launch += "}\n}\n";
    return launch;
  }

  std::string emit_map_kernel(const ir::MapNode& map) {
    current_map_ = map.label;
    grid_params_.clear();
    all_params_.clear();
    for (const ir::MapParam& p : map.params) {
      grid_params_.push_back(p.name);
      all_params_.insert(p.name);
    }
    collect_params(*map.body, all_params_);
    std::string total = "(int64_t)1";
    std::vector<std::string> sizes;
    for (const ir::MapParam& p : map.params) {
      for (const ir::Expr* x : {&p.range.begin, &p.range.end, &p.range.step})
        for (const std::string& s : x->free_symbols())
          if (!program_.symbols.contains(s))
            throw UserError("map '" + map.label + "'",
                            "the range of '" + p.name + "' depends on '" + s +
                                "': a GPU grid flattens only ranges of program symbols");
      const std::string size = "sl_max(" + cpp_expr(p.range.size()) + ", 0)";
      sizes.push_back(size);
      total += " * " + size;
    }
    // Unflatten: the last parameter varies fastest (consecutive threads, consecutive elements).
    std::string body = "int64_t sl_rest = sl_flat;\n(void)sl_rest;\n";
    for (std::size_t i = map.params.size(); i-- > 0;) {
      const ir::MapParam& p = map.params[i];
      std::string step = p.range.step == ir::Expr(1) ? "" : " * " + cpp_expr(p.range.step);
      body += cat("const int64_t ", cpp_symbol(p.name), " = ", cpp_expr(p.range.begin), " + (",
                  i == 0 ? "sl_rest" : "sl_rest % " + sizes[i], ")", step, ";\n");
      if (i > 0) body += "sl_rest /= " + sizes[i] + ";\n";
    }
    emit_body(body, map);
    const std::int64_t block = map.block_size > 0 ? map.block_size : kDefaultBlockSize;
    return add_kernel(map.label, block, body, total);
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
          const ContainerId src = g.get<ir::AccessNode>(edge.src).data;
          const ContainerId dst = g.get<ir::AccessNode>(n).data;
          grid_params_.clear();
          all_params_.clear();
          const ir::Memlet& m = edge.memlet;
          const ir::Subset& src_subset =
              m.data == src ? m.subset : m.other_subset.value_or(m.subset);
          const std::string body =
              copy_loop(g, e, "{\nconst int64_t sl_l = sl_flat;\n(void)", ";\n");
          out += add_kernel(
              cat("copy ", program_.containers[src].name, " -> ", program_.containers[dst].name),
              kDefaultBlockSize, body, cpp_expr(ir::subset_size(src_subset)));
        }
      } else if (const auto* map = std::get_if<ir::MapNode>(&node)) {
        if (map->schedule != ir::Schedule::GpuGrid)
          throw UserError("state '" + state_label + "' / map '" + map->label + "'",
                          "the map is not GPU-scheduled (apply gpu-map first)");
        out += emit_map_kernel(*map);
      } else {
        throw UserError("state '" + state_label + "' / " + std::string(ir::node_kind_name(node)) +
                            " '" + ir::node_label(node) + "'",
                        "the CUDA generator runs only GPU maps and copies at the top level");
      }
    }
    return out;
  }

  const ir::Program& program_;
  CudaOptions options_;
  CudaSource out_;
  std::vector<ContainerId> buffers_;                 // device buffers: arguments, transients
  std::map<ContainerId, std::size_t> buffer_index_;  // container -> buffers_ index
  std::set<ContainerId> written_;                    // roots some top-level edge writes
  std::set<ContainerId> locals_;                     // per-thread locals
  std::set<ContainerId> declared_;                   // locals declared in the scope emitted
  std::string kernel_code_;
  std::string current_map_;
  std::vector<std::string> grid_params_;  // the kernel's grid parameters
  std::set<std::string> all_params_;      // and every map parameter in its body
};

}  // namespace

CudaSource generate_cuda(const ir::Program& program, const CudaOptions& options) {
  return CudaGenerator(program, options).generate();
}

GeneratedSource cuda_host_source(const CudaSource& source, const std::string& module_image) {
  std::string image = "alignas(16) static const unsigned char sl_module_image[] = {";
  char buffer[8];
  for (std::size_t i = 0; i < module_image.size(); ++i) {
    if (i % 24 == 0) image += "\n ";
    std::snprintf(buffer, sizeof buffer, "%u,", static_cast<unsigned char>(module_image[i]));
    image += buffer;
  }
  image += "0};\n\n";
  GeneratedSource out;
  // The image goes after the prelude (its first line is the generated-file banner).
  const std::size_t at = source.host_code.find("struct SluiceState");
  out.code = source.host_code.substr(0, at) + image + source.host_code.substr(at);
  out.symbols = source.symbols;
  out.arguments = source.arguments;
  out.kernels = source.kernels;
  out.hash = content_hash(out.code);
  return out;
}

}  // namespace sluice::codegen
