// What the generator writes for a tiny program, in full below the prelude, so a reviewer sees the
// output and a change to it is deliberate: Y[i] = 2 * X[i] + b over a parallel map, then a
// sequential row-wise sum with a write conflict.
#include <string>

#include <gtest/gtest.h>

#include "codegen/cpu/cpu_generator.h"
#include "codegen/cpu/prelude.h"
#include "ir/builder.h"

namespace sluice::codegen {
namespace {

ir::Program tiny() {
  ir::ProgramBuilder b("tiny");
  const ir::Expr n = b.symbol("N");
  b.array("X", ir::DType::f32, {n, 4});
  b.scalar("b", ir::DType::f32);
  b.array("Y", ir::DType::f32, {n, 4});
  b.array("S", ir::DType::f64, {n});
  auto g = b.state("main");
  auto scale = g.mapped_tasklet("scale", "i=0:N, j=0:4", {{"x", "X", "i, j"}, {"c", "b", ""}},
                                "y = 2.0 * x + c;", {{"y", "Y", "i, j"}});
  g.mapped_tasklet("rowsum", "i=0:N, j=0:4", {{"y", "Y", "i, j", {}, scale.outer_outputs["Y"]}},
                   "s = cast<f64>(y);", {{"s", "S", "i", ir::WriteConflict::Sum}},
                   ir::Schedule::Sequential);
  return b.build();
}

constexpr std::string_view kExpected = R"GEN(

struct SluiceState {
  int64_t symbols[1];
  void* buffers[1];
  void* arena;
  size_t transient_bytes;
  double kernel_seconds[2];
};

// kernel 0: scale
static void sl_kernel_0(float* __restrict__ c_X, float* __restrict__ c_Y, float* __restrict__ c_b, const int64_t s_N) {
  #pragma omp parallel for schedule(static) num_threads(sl_num_threads()) if((4 * s_N) >= 2048)
  for (int64_t s_i = 0; s_i < s_N; ++s_i) {
    for (int64_t s_j = 0; s_j < 4; ++s_j) {
      {  // tasklet 'scale'
        const float v_x = c_X[(4 * s_i) + s_j];
        const float v_c = c_b[0];
        float v_y{};
        v_y = ((2.0f * v_x) + v_c);
        c_Y[(4 * s_i) + s_j] = v_y;
      }
    }
  }
}

// kernel 1: rowsum
static void sl_kernel_1(double* __restrict__ c_S, float* __restrict__ c_Y, const int64_t s_N) {
  for (int64_t s_i = 0; s_i < s_N; ++s_i) {
    for (int64_t s_j = 0; s_j < 4; ++s_j) {
      {  // tasklet 'rowsum'
        const float v_y = c_Y[(4 * s_i) + s_j];
        double v_s{};
        v_s = ((double)v_y);
        c_S[s_i] += v_s;
      }
    }
  }
}

static const char* const sl_kernel_names[] = {"scale", "rowsum", nullptr};

extern "C" {

int sluice_abi_version(void) { return 1; }
int sluice_num_kernels(void) { return 2; }
const char* sluice_kernel_name(int k) { return k >= 0 && k < 2 ? sl_kernel_names[k] : nullptr; }
const double* sluice_kernel_seconds(void* state) { return static_cast<SluiceState*>(state)->kernel_seconds; }
size_t sluice_transient_bytes(void* state) { return static_cast<SluiceState*>(state)->transient_bytes; }

void sluice_finalize(void* state) {
  if (!state) return;
  auto* st = static_cast<SluiceState*>(state);
  for (void* b : st->buffers) std::free(b);
  std::free(st->arena);
  std::free(st);
}

void* sluice_init(const int64_t* symbols) {
  auto* st = static_cast<SluiceState*>(std::calloc(1, sizeof(SluiceState)));
  if (!st) return nullptr;
  st->symbols[0] = symbols[0];
  int64_t s_N = symbols[0];
  (void)s_N;
  return st;
}

int sluice_run(void* state, void* const* args) {
  auto* st = static_cast<SluiceState*>(state);
  (void)st;
  (void)args;
  int64_t s_N = st->symbols[0];
  (void)s_N;
  float* __restrict__ c_X = static_cast<float*>(args[0]);
  float* __restrict__ c_b = static_cast<float*>(args[1]);
  float* __restrict__ c_Y = static_cast<float*>(args[2]);
  double* __restrict__ c_S = static_cast<double*>(args[3]);
  int64_t sl_state = 0;
  while (sl_state >= 0) {
    switch (sl_state) {
      case 0: {  // state 'main'
        {  // kernel 0: scale
          sl_kernel_0(c_X, c_Y, c_b, s_N);
        }
        {  // kernel 1: rowsum
          sl_kernel_1(c_S, c_Y, s_N);
        }
        sl_state = -1;
        break;
      }
      default: sl_state = -1;
    }
  }
  return 0;
}

}  // extern "C"
)GEN";

TEST(CpuGolden, TinyProgram) {
  const GeneratedSource source = generate_cpu(tiny(), CpuOptions{.timers = false});
  ASSERT_EQ(source.code.substr(0, kCpuPrelude.size()), kCpuPrelude);
  const std::string rest = source.code.substr(kCpuPrelude.size());
  EXPECT_EQ(rest, kExpected.substr(1)) << rest;
  EXPECT_EQ(source.arguments, (std::vector<std::string>{"X", "b", "Y", "S"}));
  EXPECT_EQ(source.symbols, (std::vector<std::string>{"N"}));
  EXPECT_EQ(source.kernels, (std::vector<std::string>{"scale", "rowsum"}));
}

}  // namespace
}  // namespace sluice::codegen
