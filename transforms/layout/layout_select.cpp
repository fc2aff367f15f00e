// layout-select (tier 2): chooses the memory layout (dimension order) of every transient array
// at once, to minimize the layout-aware cost of transforms/layout/layout_cost.h over all the
// kernels that touch them. The choice for one array changes the cost of the kernels on both
// sides of it, so arrays are decided together: rounds of coordinate descent, each array taking
// its cheapest order given the others' current ones, until a round changes nothing (for a chain
// of kernels this is the shortest path over their configurations that "Data Movement Is All You
// Need" computes). Arrays read by Views keep their layout.
//
// With measure=true the weights are measured: for each array, the cost model ranks its orders
// and the `candidates` cheapest are compiled and timed through the installed KernelTimer
// (kernel_timer.h), the array taking the order whose kernels ran fastest. Measurements are cached
// by program text, so match, apply and later rounds reuse them.

#include <algorithm>
#include <charconv>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <numeric>
#include <set>
#include <sstream>

#include "ir/diagnostic.h"
#include "ir/text_format.h"
#include "transforms/aliasing.h"
#include "transforms/builtins.h"
#include "transforms/layout/kernel_timer.h"
#include "transforms/layout/layout_cost.h"
#include "transforms/rewriter.h"

namespace sluice::transforms {

namespace {

std::vector<ir::Expr> strides_in_order(const std::vector<ir::Expr>& shape,
                                       const std::vector<std::size_t>& order) {
  std::vector<ir::Expr> strides(shape.size(), ir::Expr(1));
  ir::Expr step = 1;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    strides[*it] = step;
    step = step * shape[*it];
  }
  return strides;
}

struct Plan {
  std::map<ir::ContainerId, std::vector<ir::Expr>> strides;  ///< Only the arrays that change.
  double before = 0.0;  ///< Weighted bytes, or measured seconds.
  double after = 0.0;
  bool feasible = true;
  bool measured = false;
};

struct Options {
  std::int64_t rounds = 4;
  bool measure = false;
  std::size_t candidates = 2;
  int repeats = 5;
  double min_gain = 0.05;  ///< A measured order must beat the current one by this fraction.
  ir::analysis::SymbolValues symbols;
};

/// `B=8,S=128` (commas, semicolons or spaces between the bindings).
ir::analysis::SymbolValues parse_symbols(const std::string& text) {
  ir::analysis::SymbolValues out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find_first_of(",; ", pos), text.size());
    const std::string item = text.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    std::int64_t value = 0;
    const char* first = item.data() + (eq == std::string::npos ? 0 : eq + 1);
    const char* last = item.data() + item.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (eq == std::string::npos || eq == 0 || ec != std::errc() || ptr != last)
      throw UserError("layout-select: parameter 'symbols'",
                      "'" + item + "' is not NAME=INTEGER (write symbols=\"B=8,S=128\")");
    out[item.substr(0, eq)] = value;
  }
  return out;
}

Options read_options(const ir::Program& program, const ParamValues& params) {
  Options o;
  o.rounds = param_int(params, "rounds");
  o.measure = param_bool(params, "measure");
  o.candidates =
      static_cast<std::size_t>(std::max<std::int64_t>(1, param_int(params, "candidates")));
  o.repeats = static_cast<int>(std::clamp<std::int64_t>(param_int(params, "repeats"), 1, 1000));
  o.min_gain = std::clamp(param_float(params, "min_gain"), 0.0, 0.99);
  o.symbols = parse_symbols(param_string(params, "symbols"));
  if (!o.measure) return o;
  if (!kernel_timer())
    throw UserError("layout-select",
                    "measure=true needs a kernel timer and none is installed (the sluice CLI and "
                    "the Python module install one; a C++ host calls transforms::"
                    "set_kernel_timer(pipeline::make_cpu_kernel_timer()))");
  std::string unbound;
  for (const auto& [symbol, type] : program.symbols)
    if (!o.symbols.contains(symbol)) unbound += (unbound.empty() ? "" : ", ") + symbol;
  if (!unbound.empty())
    throw UserError(
        "layout-select",
        "measure=true runs the program and needs a value for every symbol; unbound: " + unbound +
            " (give them as symbols=\"" + unbound.substr(0, unbound.find(',')) + "=...\")");
  for (const ir::StateId s : program.states.ids()) {
    const ir::Graph& g = program.states[s].graph;
    for (const ir::NodeId n : g.node_ids())
      if (const auto* lib = std::get_if<ir::LibraryNode>(&g.node(n));
          lib && lib->implementation == "pure")
        throw UserError("layout-select: library node '" + lib->label + "'",
                        "measure=true times compiled kernels, and this " + lib->op +
                            " is not expanded yet (run `expand` before layout-select)");
  }
  return o;
}

/// What timing one configuration gave: seconds per kernel, or why it could not run (a layout
/// the cost model accepts that the code generator refuses for a BLAS operand).
struct Measurement {
  std::vector<KernelSeconds> times;
  std::string refused;
};

/// Measured seconds per kernel of the programs layout-select tries, by program text, symbols
/// and repeats: the descent, `match` and `apply` come back to the same layouts, and recompiling
/// them would cost seconds each and give different noise. Filled by one timer; installing
/// another starts afresh.
class MeasurementCache {
public:
  static MeasurementCache& global() {
    static MeasurementCache cache;
    return cache;
  }
  std::optional<Measurement> find(const KernelTimer* timer, const std::string& key) {
    const std::lock_guard lock(mutex_);
    if (timer != timer_.get()) return std::nullopt;
    const auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }
  void add(const std::shared_ptr<KernelTimer>& timer, const std::string& key,
           Measurement measurement) {
    const std::lock_guard lock(mutex_);
    use(timer);
    entries_[key] = std::move(measurement);
  }
  std::optional<bool> find_verdict(const KernelTimer* timer, const std::string& key) {
    const std::lock_guard lock(mutex_);
    if (timer != timer_.get()) return std::nullopt;
    const auto it = verdicts_.find(key);
    if (it == verdicts_.end()) return std::nullopt;
    return it->second;
  }
  void add_verdict(const std::shared_ptr<KernelTimer>& timer, const std::string& key, bool faster) {
    const std::lock_guard lock(mutex_);
    use(timer);
    verdicts_[key] = faster;
  }

private:
  void use(const std::shared_ptr<KernelTimer>& timer) {
    if (timer == timer_ && entries_.size() + verdicts_.size() < kMaxEntries) return;
    entries_.clear();
    verdicts_.clear();
    timer_ = timer;
  }

  static constexpr std::size_t kMaxEntries = 1024;
  std::mutex mutex_;
  std::shared_ptr<KernelTimer> timer_;  // held, so its address is not reused while cached
  std::map<std::string, Measurement> entries_;
  std::map<std::string, bool> verdicts_;  ///< Confirmations, by both programs' texts.
};

constexpr int kConfirmPairs = 3;

double sum_over(const std::vector<double>& values, const std::vector<std::size_t>& which) {
  double total = 0.0;
  for (const auto k : which) total += values[k];
  return total;
}

double median(std::vector<double> values) {
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2),
                   values.end());
  return values[values.size() / 2];
}

/// Times the kernels of the program with its current layouts, through the cache.
class Measurer {
public:
  Measurer(const Options& options, const std::vector<const ir::analysis::KernelMovement*>& kernels)
      : options_(options), kernels_(kernels), timer_(kernel_timer()) {
    key_suffix_ = "\n// repeats " + std::to_string(options.repeats) + " symbols";
    for (const auto& [name, value] : options.symbols)
      key_suffix_ += " " + name + "=" + std::to_string(value);
  }

  /// Seconds per kernel of `kernels`, for `work` as it is now; nullopt when the timer refused
  /// this configuration (a UserError while compiling or running it), unless `must_run`, when
  /// that error propagates.
  std::optional<std::vector<double>> times(const ir::Program& work, const std::string& what,
                                           bool must_run = false) {
    const std::string key = ir::print_text(work) + key_suffix_;
    auto found = MeasurementCache::global().find(timer_.get(), key);
    if (!found) {
      ++measured_;
      std::cerr << "layout-select: measuring " << measured_ << "/" << std::max(measured_, planned_)
                << " (" << what << ") ...\n";
      found.emplace();
      try {
        found->times = timer_->time(work, options_.symbols, options_.repeats);
      } catch (const UserError& e) {
        if (must_run) throw;
        found->refused = e.what();
        std::cerr << "layout-select: skipping " << what << ": " << found->refused << '\n';
      }
      MeasurementCache::global().add(timer_, key, *found);
    }
    if (!found->refused.empty()) {
      if (must_run) throw UserError("layout-select: " + what, found->refused);
      return std::nullopt;
    }
    return match_kernel_times(kernels_, found->times);
  }
  /// Whether `candidate` runs the kernels in `list` faster than `current` by `min_gain` when
  /// timed again, the two alternating (kConfirmPairs times each, medians compared): a win seen
  /// once may be a moment of load on the machine. Cached like the times.
  bool confirm(const ir::Program& current, const ir::Program& candidate,
               const std::vector<std::size_t>& list, const std::string& what) {
    const std::string key =
        ir::print_text(current) + "\n// against\n" + ir::print_text(candidate) + key_suffix_;
    if (const auto verdict = MeasurementCache::global().find_verdict(timer_.get(), key))
      return *verdict;
    std::cerr << "layout-select: confirming " << what << " ...\n";
    std::vector<double> before;
    std::vector<double> after;
    for (int i = 0; i < kConfirmPairs; ++i) {
      before.push_back(sum_over(
          match_kernel_times(kernels_, timer_->time(current, options_.symbols, options_.repeats)),
          list));
      after.push_back(sum_over(
          match_kernel_times(kernels_, timer_->time(candidate, options_.symbols, options_.repeats)),
          list));
    }
    const bool faster = median(after) < median(before) * (1.0 - options_.min_gain);
    if (!faster)
      std::cerr << "layout-select: not confirmed, " << what << ": " << median(after) * 1e3
                << " ms against " << median(before) * 1e3 << " ms\n";
    MeasurementCache::global().add_verdict(timer_, key, faster);
    return faster;
  }
  void plan_more(std::size_t n) { planned_ = measured_ + n; }

private:
  const Options& options_;
  const std::vector<const ir::analysis::KernelMovement*>& kernels_;
  std::shared_ptr<KernelTimer> timer_;
  std::string key_suffix_;
  std::size_t measured_ = 0;
  std::size_t planned_ = 0;
};

/// The strides of the dimensions whose size is not 1: those alone place elements.
std::vector<ir::Expr> significant_strides(const std::vector<ir::Expr>& shape,
                                          const std::vector<ir::Expr>& strides) {
  std::vector<ir::Expr> out;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (!(shape[d] == ir::Expr(1))) out.push_back(strides[d]);
  return out;
}

std::string order_str(const ir::Container& c) {
  std::string s = "[";
  for (std::size_t d = 0; d < c.strides.size(); ++d) s += (d ? ", " : "") + c.strides[d].str();
  return s + "]";
}

Plan choose(const ir::Program& program, const Options& options) {
  Plan plan;
  plan.measured = options.measure;
  const auto movement = ir::analysis::analyze_data_movement(program);
  std::vector<const ir::analysis::KernelMovement*> kernels;
  std::map<ir::ContainerId, std::vector<std::size_t>> touching;
  for (const auto& state : movement.states)
    for (const auto& k : state.kernels) {
      for (const auto& m : k.memlets) {
        auto& list = touching[ir::analysis::view_root(program, m.data)];
        if (list.empty() || list.back() != kernels.size()) list.push_back(kernels.size());
      }
      kernels.push_back(&k);
    }
  ir::Program work = program;
  const auto& symbols = options.symbols;
  /// The cost model's weighted bytes of the kernels in `list`; nullopt when infeasible.
  const auto model_cost = [&](const std::vector<std::size_t>& list) -> std::optional<double> {
    double total = 0.0;
    for (const auto k : list) {
      const auto kc = kernel_layout_cost(work, *kernels[k], symbols);
      if (!kc) return std::nullopt;
      total += *kc;
    }
    return total;
  };
  std::vector<double> cost(kernels.size());
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    const auto c = kernel_layout_cost(work, *kernels[i], symbols);
    if (!c) {
      plan.feasible = false;
      return plan;
    }
    cost[i] = *c;
    plan.before += *c;
  }
  const auto aliased = viewed(program);
  std::vector<ir::ContainerId> candidates;
  for (const auto& [id, list] : touching) {
    const ir::Container& c = program.containers[id];
    if (c.transient && c.kind == ir::ContainerKind::Array && !aliased.contains(id) &&
        c.rank() >= 2 && c.rank() <= 4)
      candidates.push_back(id);
  }
  std::optional<Measurer> measurer;
  if (options.measure && candidates.empty()) return plan;
  if (options.measure) {
    measurer.emplace(options, kernels);
    // One measurement per array and order the model ranks among its cheapest, plus the start.
    std::size_t planned = 1;
    for (const ir::ContainerId id : candidates) {
      std::size_t orders = 1;
      for (std::size_t r = 2; r <= program.containers[id].rank(); ++r) orders *= r;
      planned += std::min(options.candidates, orders - 1);
    }
    measurer->plan_more(planned);
    cost = *measurer->times(work, "the layouts as they are", /*must_run=*/true);
    plan.before = std::accumulate(cost.begin(), cost.end(), 0.0);
  }
  for (std::int64_t round = 0; round < options.rounds; ++round) {
    bool changed = false;
    for (const ir::ContainerId id : candidates) {
      ir::Container& c = work.containers[id];
      const auto& list = touching.at(id);
      const double current = sum_over(cost, list);
      const std::vector<ir::Expr> start = c.strides;
      std::vector<ir::Expr> best = c.strides;
      double best_cost = current;
      // Every other order the model finds feasible, with its modelled cost. Measured, orders
      // that differ only in where dimensions of size 1 go are one layout, timed once.
      std::vector<std::pair<double, std::vector<ir::Expr>>> ranked;
      std::set<std::vector<ir::Expr>> layouts{significant_strides(c.shape, start)};
      std::vector<std::size_t> order(c.rank());
      std::iota(order.begin(), order.end(), 0);
      do {
        const auto strides = strides_in_order(c.shape, order);
        if (strides == start) continue;
        if (options.measure && !layouts.insert(significant_strides(c.shape, strides)).second)
          continue;
        c.strides = strides;
        if (const auto total = model_cost(list)) ranked.emplace_back(*total, strides);
      } while (std::next_permutation(order.begin(), order.end()));
      c.strides = start;
      if (!options.measure) {
        for (const auto& [total, strides] : ranked)
          if (total < best_cost - 1e-6 * best_cost) {
            best_cost = total;
            best = strides;
          }
      } else {
        std::stable_sort(ranked.begin(), ranked.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        if (ranked.size() > options.candidates) ranked.resize(options.candidates);
        for (const auto& [modelled, strides] : ranked) {
          c.strides = strides;
          const auto measured = measurer->times(work, "'" + c.name + "' strides " + order_str(c) +
                                                          ", round " + std::to_string(round + 1));
          if (!measured) continue;
          const double total = sum_over(*measured, list);
          if (total < best_cost * (1.0 - options.min_gain)) {
            best_cost = total;
            best = strides;
          }
        }
        if (!(best == start)) {
          ir::Program current = work;
          current.containers[id].strides = start;
          c.strides = best;
          if (!measurer->confirm(current, work, list, "'" + c.name + "' strides " + order_str(c)))
            best = start;
        }
      }
      c.strides = best;
      if (!(best == start)) {
        changed = true;
        if (options.measure) {
          cost = *measurer->times(work, "'" + c.name + "' chosen", /*must_run=*/true);
        } else {
          for (const auto k : list) cost[k] = *kernel_layout_cost(work, *kernels[k], symbols);
        }
      }
    }
    if (!changed) break;
    if (measurer) measurer->plan_more(candidates.size() * options.candidates);
  }
  for (const ir::ContainerId id : candidates)
    if (!(work.containers[id].strides == program.containers[id].strides))
      plan.strides[id] = work.containers[id].strides;
  plan.after = std::accumulate(cost.begin(), cost.end(), 0.0);
  return plan;
}

class LayoutSelect final : public Transformation {
public:
  [[nodiscard]] std::string_view name() const override { return "layout-select"; }
  [[nodiscard]] int tier() const override { return 2; }
  [[nodiscard]] std::string_view description() const override {
    return "Choose the dimension order of every transient array together, minimizing the bytes "
           "each kernel touches weighted by how its innermost loop strides through them "
           "(coordinate descent over the arrays until no order improves; BLAS operands keep a "
           "unit-stride dimension). Arrays that Views read keep their layout.";
  }
  [[nodiscard]] std::vector<ParamSpec> params() const override {
    return {
        {"rounds", ParamType::Int, std::int64_t{4}, "most rounds of descent", {}},
        {"measure",
         ParamType::Bool,
         false,
         "weigh kernel configurations by their measured times (compiled, run on random inputs) "
         "instead of the cost model; needs a kernel timer (the CLI and Python install one)",
         {}},
        {"candidates",
         ParamType::Int,
         std::int64_t{2},
         "measure mode: how many of the cost model's cheapest other orders of each array to time",
         {}},
        {"repeats",
         ParamType::Int,
         std::int64_t{5},
         "measure mode: timed runs per configuration after a warm-up (the median counts)",
         {}},
        {"min_gain",
         ParamType::Float,
         0.05,
         "measure mode: the fraction by which a measured order must beat the current one (a "
         "smaller gain is taken for timing noise)",
         {}},
        {"symbols",
         ParamType::String,
         std::string(),
         "symbol values, B=8,S=128: the sizes measure mode runs (every symbol needs one) and "
         "the cost model weighs",
         {}}};
  }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    MatchResult result;
    if (!program.start_state.valid()) return result;
    const Plan plan = choose(program, read_options(program, params));
    const Scope scope{program.start_state, {}};
    Match m = make_match(scope, {}, "");
    if (!plan.feasible) {
      result.rejected.push_back({m, "the current layouts are infeasible for a library call"});
      return result;
    }
    if (plan.strides.empty()) {
      result.rejected.push_back(
          {m, plan.measured ? "every transient array already has its fastest measured layout"
                            : "every transient array already has its cheapest layout"});
      return result;
    }
    // The match names one Access node of each array that changes (in the start state when it
    // has one), so a recipe records which arrays were relaid.
    for (const auto& [id, strides] : plan.strides)
      for (const ir::StateId s : program.states.ids()) {
        const ir::Graph& g = program.states[s].graph;
        const auto nodes = g.node_ids();
        const auto it = std::find_if(nodes.begin(), nodes.end(), [&](ir::NodeId n) {
          const auto* a = std::get_if<ir::AccessNode>(&g.node(n));
          return a && a->data == id;
        });
        if (it == nodes.end()) continue;
        if (s == scope.state) m.nodes.push_back(*it);
        break;
      }
    if (plan.measured) {
      const auto ms = [](double s) {
        std::ostringstream out;
        out << std::setprecision(4) << s * 1e3;
        return out.str();
      };
      m.description = std::to_string(plan.strides.size()) + " layouts; measured " +
                      ms(plan.before) + " ms -> " + ms(plan.after) + " ms";
    } else {
      m.description = std::to_string(plan.strides.size()) + " layouts; weighted bytes " +
                      std::to_string(static_cast<long long>(plan.before)) + " -> " +
                      std::to_string(static_cast<long long>(plan.after));
    }
    result.matches.push_back(std::move(m));
    return result;
  }

  void apply(Rewriter& rewriter, const Match& /*match*/, const ParamValues& params) const override {
    const Plan plan = choose(rewriter.program(), read_options(rewriter.program(), params));
    for (const auto& [id, strides] : plan.strides) {
      ir::Container c = rewriter.program().containers[id];
      c.strides = strides;
      rewriter.replace_container(id, std::move(c));
    }
  }
};

}  // namespace

std::shared_ptr<const Transformation> make_layout_select() {
  return std::make_shared<LayoutSelect>();
}

}  // namespace sluice::transforms
