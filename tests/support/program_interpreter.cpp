#include "program_interpreter.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

#include "ir/tasklet.h"

namespace sluice::ops::testing {
namespace {

using Env = std::map<std::string, std::int64_t>;

// Where a container's elements live: a root buffer (an argument or a transient) addressed
// through the container's own strides and offset (so views alias their source).
struct Storage {
  std::vector<double>* data = nullptr;
  ir::DType dtype = ir::DType::f32;
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> strides;
  std::int64_t offset = 0;
};

double stored(ir::DType dtype, double v) {
  switch (dtype) {
    case ir::DType::f32: return static_cast<double>(static_cast<float>(v));
    case ir::DType::boolean: return v != 0.0 ? 1.0 : 0.0;
    case ir::DType::i8:
    case ir::DType::i32:
    case ir::DType::i64: {
      // As `cast` does: float values truncate (the evaluator already typed the value).
      const double t = std::trunc(v);
      if (dtype == ir::DType::i8) return static_cast<double>(static_cast<std::int8_t>(t));
      if (dtype == ir::DType::i32) return static_cast<double>(static_cast<std::int32_t>(t));
      return t;
    }
    default: return v;
  }
}

class Interpreter {
public:
  Interpreter(const ir::Program& program, std::map<std::string, Buffer>& arguments,
              const Env& symbols)
      : program_(program), symbols_(symbols) {
    for (const ir::ContainerId id : program.containers.ids()) {
      const ir::Container& c = program.containers[id];
      if (c.view) continue;
      std::vector<double>* data = nullptr;
      if (!c.transient) {
        const auto it = arguments.find(c.name);
        if (it == arguments.end()) throw std::runtime_error("no argument '" + c.name + "'");
        data = &it->second.values;
        // The program sees the values its dtype can hold (f32 rounding, integer truncation).
        for (double& v : *data) v = stored(c.dtype, v);
        if (it->second.shape != eval_all(c.shape, symbols_))
          throw std::runtime_error("argument '" + c.name + "' has another shape");
      } else {
        transients_[c.name] = std::vector<double>(static_cast<std::size_t>(span(c)), 0.0);
        data = &transients_[c.name];
      }
      storage_[id] = make_storage(c, data);
    }
    for (const ir::ContainerId id : program.containers.ids()) {
      const ir::Container& c = program.containers[id];
      if (!c.view) continue;
      ir::ContainerId root = c.view->source;
      while (program.containers[root].view) root = program.containers[root].view->source;
      storage_[id] = make_storage(c, storage_.at(root).data);
    }
  }

  void run() {
    ir::StateId state = program_.start_state;
    Env symbols = symbols_;
    for (int steps = 0; state.valid(); ++steps) {
      if (steps > 100000) throw std::runtime_error("too many state transitions");
      run_graph(program_.states[state].graph, symbols);
      ir::StateId next;
      for (const ir::InterstateEdgeId e : program_.out_interstate_edges(state)) {
        const ir::InterstateEdge& edge = program_.interstate_edges[e];
        std::map<std::string, double> values(symbols.begin(), symbols.end());
        if (edge.condition && ir::evaluate_tasklet_expr(*edge.condition, values) == 0.0) continue;
        for (const auto& [name, value] : edge.assignments) symbols[name] = value.evaluate(symbols);
        next = edge.dst;
        break;
      }
      state = next;
    }
  }

private:
  static std::vector<std::int64_t> eval_all(const std::vector<ir::Expr>& es, const Env& env) {
    std::vector<std::int64_t> v;
    for (const ir::Expr& e : es) v.push_back(e.evaluate(env));
    return v;
  }

  std::int64_t span(const ir::Container& c) const {
    std::int64_t last = c.offset.evaluate(symbols_);
    for (std::size_t d = 0; d < c.shape.size(); ++d) {
      const std::int64_t n = c.shape[d].evaluate(symbols_);
      if (n == 0) return 0;
      last += (n - 1) * c.strides[d].evaluate(symbols_);
    }
    return last + 1;
  }

  Storage make_storage(const ir::Container& c, std::vector<double>* data) const {
    return {data, c.dtype, eval_all(c.shape, symbols_), eval_all(c.strides, symbols_),
            c.offset.evaluate(symbols_)};
  }

  double& element(ir::ContainerId id, const std::vector<std::int64_t>& index) {
    Storage& s = storage_.at(id);
    if (index.size() != s.shape.size())
      throw std::runtime_error("index of rank " + std::to_string(index.size()) + " into '" +
                               program_.containers[id].name + "'");
    std::int64_t linear = s.offset;
    for (std::size_t d = 0; d < index.size(); ++d) {
      if (index[d] < 0 || index[d] >= s.shape[d])
        throw std::runtime_error("index " + std::to_string(index[d]) + " out of bounds in dim " +
                                 std::to_string(d) + " of '" + program_.containers[id].name + "'");
      linear += index[d] * s.strides[d];
    }
    if (linear < 0 || static_cast<std::size_t>(linear) >= s.data->size())
      throw std::runtime_error("element outside the buffer of '" + program_.containers[id].name +
                               "'");
    return (*s.data)[static_cast<std::size_t>(linear)];
  }

  static std::vector<std::int64_t> point(const ir::Subset& subset, const Env& env) {
    std::vector<std::int64_t> p;
    for (const ir::Range& r : subset) p.push_back(r.begin.evaluate(env));
    return p;
  }

  // Every point of a subset, in row-major order.
  static void each_point(const ir::Subset& subset, const Env& env,
                         const std::function<void(const std::vector<std::int64_t>&)>& f) {
    std::vector<std::int64_t> begin;
    std::vector<std::int64_t> end;
    std::vector<std::int64_t> step;
    for (const ir::Range& r : subset) {
      begin.push_back(r.begin.evaluate(env));
      end.push_back(r.end.evaluate(env));
      step.push_back(r.step.evaluate(env));
    }
    for (std::size_t d = 0; d < subset.size(); ++d)
      if (begin[d] >= end[d]) return;
    std::vector<std::int64_t> p = begin;
    while (true) {
      f(p);
      std::size_t d = subset.size();
      while (d > 0) {
        --d;
        p[d] += step[d];
        if (p[d] < end[d]) break;
        p[d] = begin[d];
        if (d == 0) return;
      }
      if (subset.empty()) return;
    }
  }

  void run_graph(const ir::Graph& graph, const Env& env) {
    const auto order = graph.topological_order();
    if (!order) throw std::runtime_error("the graph has a cycle");
    for (const ir::NodeId id : *order) {
      const ir::Node& node = graph.node(id);
      if (std::holds_alternative<ir::AccessNode>(node)) {
        copy_out_of(graph, id, env);
      } else if (const auto* t = std::get_if<ir::TaskletNode>(&node)) {
        run_tasklet(graph, id, *t, env);
      } else if (const auto* m = std::get_if<ir::MapNode>(&node)) {
        run_map(*m, env);
      } else {
        throw std::runtime_error("cannot interpret a " + std::string(ir::node_kind_name(node)) +
                                 " node ('" + ir::node_label(node) + "')");
      }
    }
  }

  // Access -> Access edges are copies.
  void copy_out_of(const ir::Graph& graph, ir::NodeId id, const Env& env) {
    const ir::ContainerId src = graph.get<ir::AccessNode>(id).data;
    for (const ir::EdgeId e : graph.out_edges(id)) {
      const ir::Edge& edge = graph.edge(e);
      if (edge.memlet.empty() || !std::holds_alternative<ir::AccessNode>(graph.node(edge.dst)))
        continue;
      const ir::ContainerId dst = graph.get<ir::AccessNode>(edge.dst).data;
      const bool on_src = edge.memlet.data == src;
      const ir::Subset& src_subset =
          on_src ? edge.memlet.subset : edge.memlet.other_subset.value_or(edge.memlet.subset);
      const ir::Subset& dst_subset =
          on_src ? edge.memlet.other_subset.value_or(edge.memlet.subset) : edge.memlet.subset;
      std::vector<double> values;
      each_point(src_subset, env, [&](const auto& p) { values.push_back(element(src, p)); });
      std::size_t k = 0;
      const ir::DType dtype = program_.containers[dst].dtype;
      each_point(dst_subset, env, [&](const auto& p) {
        element(dst, p) = combine(edge.memlet.wcr, element(dst, p), stored(dtype, values.at(k++)));
      });
    }
  }

  static double combine(ir::WriteConflict wcr, double old, double v) {
    switch (wcr) {
      case ir::WriteConflict::None: return v;
      case ir::WriteConflict::Sum: return old + v;
      case ir::WriteConflict::Product: return old * v;
      case ir::WriteConflict::Min: return std::isnan(v) || std::isnan(old) ? NAN : std::min(old, v);
      case ir::WriteConflict::Max: return std::isnan(v) || std::isnan(old) ? NAN : std::max(old, v);
    }
    return v;
  }

  void run_map(const ir::MapNode& m, const Env& env) {
    Env inner = env;
    std::function<void(std::size_t)> sweep = [&](std::size_t k) {
      if (k == m.params.size()) {
        run_graph(*m.body, inner);
        return;
      }
      const ir::MapParam& p = m.params[k];
      const std::int64_t b = p.range.begin.evaluate(inner);
      const std::int64_t e = p.range.end.evaluate(inner);
      const std::int64_t s = p.range.step.evaluate(inner);
      if (s <= 0) throw std::runtime_error("map step is not positive");
      for (std::int64_t i = b; i < e; i += s) {
        inner[p.name] = i;
        sweep(k + 1);
      }
      inner.erase(p.name);
    };
    sweep(0);
  }

  void run_tasklet(const ir::Graph& graph, ir::NodeId id, const ir::TaskletNode& t,
                   const Env& env) {
    std::map<std::string, double> values(env.begin(), env.end());
    std::map<std::string, ir::DType> types;
    for (const auto& [name, v] : env) types[name] = ir::DType::i64;
    for (const auto& [name, dtype] : program_.symbols) types[name] = dtype;
    ir::TaskletArrays arrays;
    for (const ir::EdgeId e : graph.in_edges(id)) {
      const ir::Edge& edge = graph.edge(e);
      if (edge.memlet.empty()) continue;
      const ir::ContainerId data = edge.memlet.data;
      types[edge.dst_conn] = program_.containers[data].dtype;
      // A subscript `d[i, j]` reads relative to the start of the memlet's ranges.
      std::vector<std::int64_t> start;
      std::vector<std::int64_t> step;
      bool single = true;
      for (const ir::Range& r : edge.memlet.subset) {
        start.push_back(r.begin.evaluate(env));
        step.push_back(r.step.evaluate(env));
        single = single && r.end.evaluate(env) - start.back() == 1;
      }
      arrays[edge.dst_conn] = [this, data, start, step](const std::vector<std::int64_t>& index) {
        if (index.size() != start.size())
          throw std::runtime_error("subscript of rank " + std::to_string(index.size()));
        std::vector<std::int64_t> at(start.size());
        for (std::size_t d = 0; d < at.size(); ++d) at[d] = start[d] + index[d] * step[d];
        return element(data, at);
      };
      if (single) values[edge.dst_conn] = element(data, start);
    }
    for (const ir::EdgeId e : graph.out_edges(id)) {
      const ir::Edge& edge = graph.edge(e);
      if (!edge.memlet.empty()) types[edge.src_conn] = program_.containers[edge.memlet.data].dtype;
    }
    const std::map<std::string, double> out = ir::evaluate_tasklet(t.code, values, types, arrays);
    for (const ir::EdgeId e : graph.out_edges(id)) {
      const ir::Edge& edge = graph.edge(e);
      if (edge.memlet.empty()) continue;
      double& dst = element(edge.memlet.data, point(edge.memlet.subset, env));
      const ir::DType dtype = program_.containers[edge.memlet.data].dtype;
      dst = stored(dtype, combine(edge.memlet.wcr, dst, out.at(edge.src_conn)));
    }
  }

  const ir::Program& program_;
  Env symbols_;
  std::map<std::string, std::vector<double>> transients_;
  std::map<ir::ContainerId, Storage> storage_;
};

}  // namespace

void interpret(const ir::Program& program, std::map<std::string, Buffer>& arguments,
               const std::map<std::string, std::int64_t>& symbols) {
  Interpreter(program, arguments, symbols).run();
}

}  // namespace sluice::ops::testing
