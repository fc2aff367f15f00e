#include "codegen/executable.h"

#include <cstdlib>
#include <mutex>
#include <utility>

#include "ir/diagnostic.h"

namespace sluice::codegen {

namespace {

template <typename F>
F lookup(LoadedCode& code, const char* name) {
  void* p = code.find(name);
  if (!p)
    throw UserError(code.origin().string(),
                    std::string("not a Sluice executable: no symbol ") + name);
  return reinterpret_cast<F>(p);
}

}  // namespace

void set_runtime_defaults() {
  static std::once_flag once;
  std::call_once(once, [] {
    // OpenBLAS 0.3.21 does not recognize newer AVX-512 CPUs (AMD Zen 5) and falls back to slow
    // kernels; naming the SkylakeX kernels roughly doubles its GEMM rate there.
    if (__builtin_cpu_supports("avx512f")) setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
    // Idle OpenMP threads that spin steal the cores OpenBLAS's threads need right after a
    // parallel kernel (measured: an encoder layer 48 ms -> 15 ms per forward on 2 cores).
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  });
}

Executable Executable::load(std::unique_ptr<LoadedCode> code,
                            std::vector<std::string> symbol_order) {
  set_runtime_defaults();
  SLUICE_CHECK(code != nullptr, "Executable::load without code");
  LoadedCode& c = *code;
  const auto version = lookup<int (*)()>(c, "sluice_abi_version")();
  if (version != kAbiVersion)
    throw UserError(c.origin().string(), "ABI version " + std::to_string(version) +
                                             ", but this Sluice runs ABI version " +
                                             std::to_string(kAbiVersion));
  Executable e;
  e.init_ = lookup<void* (*)(const std::int64_t*)>(c, "sluice_init");
  e.run_ = lookup<int (*)(void*, void* const*)>(c, "sluice_run");
  e.finalize_ = lookup<void (*)(void*)>(c, "sluice_finalize");
  e.num_kernels_ = lookup<int (*)()>(c, "sluice_num_kernels");
  e.kernel_name_ = lookup<const char* (*)(int)>(c, "sluice_kernel_name");
  e.kernel_seconds_ = lookup<const double* (*)(void*)>(c, "sluice_kernel_seconds");
  e.transient_bytes_ = reinterpret_cast<std::size_t (*)(void*)>(c.find("sluice_transient_bytes"));
  e.symbol_order_ = std::move(symbol_order);
  e.code_ = std::move(code);
  return e;
}

Executable Executable::load(const std::filesystem::path& path,
                            std::vector<std::string> symbol_order) {
  // Before dlopen: the defaults only take effect before OpenBLAS and libgomp are loaded.
  set_runtime_defaults();
  return load(open_shared_object(path), std::move(symbol_order));
}

Executable::Executable(Executable&& other) noexcept { *this = std::move(other); }

Executable& Executable::operator=(Executable&& other) noexcept {
  if (this != &other) {
    finalize();
    code_ = std::move(other.code_);
    state_ = std::exchange(other.state_, nullptr);
    symbol_order_ = std::move(other.symbol_order_);
    init_ = other.init_;
    run_ = other.run_;
    finalize_ = other.finalize_;
    num_kernels_ = other.num_kernels_;
    kernel_name_ = other.kernel_name_;
    kernel_seconds_ = other.kernel_seconds_;
    transient_bytes_ = other.transient_bytes_;
  }
  return *this;
}

Executable::~Executable() { finalize(); }

void Executable::finalize() {
  if (state_ && finalize_) finalize_(state_);
  state_ = nullptr;
}

void Executable::init(const std::map<std::string, std::int64_t>& symbol_values) {
  std::vector<std::int64_t> values;
  values.reserve(symbol_order_.size());
  for (const std::string& s : symbol_order_) {
    const auto it = symbol_values.find(s);
    if (it == symbol_values.end()) throw UserError("symbol '" + s + "'", "has no value");
    values.push_back(it->second);
  }
  finalize();
  state_ = init_(values.data());
  if (!state_) throw UserError("", "out of memory allocating the program's transients");
}

void Executable::run(const std::vector<void*>& args) {
  SLUICE_CHECK(state_ != nullptr, "Executable::run before init");
  const int rc = run_(state_, args.data());
  if (rc != 0)
    throw UserError("", "the compiled program failed (status " + std::to_string(rc) + ")");
}

std::vector<double> Executable::kernel_times() const {
  std::vector<double> times;
  if (!state_) return times;
  const double* seconds = kernel_seconds_(state_);
  for (int k = 0; k < num_kernels_(); ++k) times.push_back(seconds[k]);
  return times;
}

std::size_t Executable::transient_bytes() const {
  return state_ != nullptr && transient_bytes_ != nullptr ? transient_bytes_(state_) : 0;
}

std::vector<std::string> Executable::kernel_names() const {
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(num_kernels_()));
  for (int k = 0; k < num_kernels_(); ++k) names.emplace_back(kernel_name_(k));
  return names;
}

}  // namespace sluice::codegen
