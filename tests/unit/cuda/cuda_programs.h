#pragma once
// Small GPU-scheduled programs for the CUDA path's tests: element-wise, a full sum (atomics),
// a softmax over rows (inner sequential maps, max and sum conflicts per row), a naive GEMM.

#include <string>
#include <vector>

namespace sluice::test {

struct CudaCase {
  std::string name;
  std::string text;
  std::vector<std::pair<std::string, long long>> symbols;
};

inline std::vector<CudaCase> cuda_cases() {
  return {
      {"elementwise",
       R"(program ew {
  symbol N: i64
  array X: f32[N] storage=gpu_global
  array Y: f32[N] storage=gpu_global
  state 0 "main" start {
    node 0 = access X
    node 1 = map "gelu" [i = 0:N] (X) -> (Y) schedule=gpu_grid block_size=128 {
      node 0 = tasklet "t" (x) -> (y) { y = 0.5 * x * (1.0 + erf(x * 0.7071067811865476)) + exp(-x * x) + tanh(x); }
      node 1 = access X
      node 2 = access Y
      edge 0: node 1 -> node 0.x X[i]
      edge 1: node 0.y -> node 2 Y[i]
    }
    node 2 = access Y
    edge 0: node 0 -> node 1.X X[0:N]
    edge 1: node 1.Y -> node 2 Y[0:N]
  }
})",
       {{"N", 100003}}},
      {"sum",
       R"(program total {
  symbol N: i64
  array X: f32[N] storage=gpu_global
  array S: f32[1] storage=gpu_global
  state 0 "main" start {
    node 0 = access X
    node 1 = map "sum" [i = 0:N] (X) -> (S) schedule=gpu_grid {
      node 0 = tasklet "acc" (x) -> (s) { s = x; }
      node 1 = access X
      node 2 = access S
      edge 0: node 1 -> node 0.x X[i]
      edge 1: node 0.s -> node 2 S[0] wcr=sum
    }
    node 2 = access S
    edge 0: node 0 -> node 1.X X[0:N]
    edge 1: node 1.S -> node 2 S[0:1] wcr=sum
  }
})",
       {{"N", 4099}}},
      {"softmax",
       R"(program softmax {
  symbol R: i64
  symbol C: i64
  array X: f32[R, C] storage=gpu_global
  array Y: f32[R, C] storage=gpu_global
  array M: f32[R] storage=gpu_global transient
  array S: f32[R] storage=gpu_global transient
  state 0 "main" start {
    node 0 = access X
    node 1 = map "init" [r = 0:R] () -> (M, S) schedule=gpu_grid {
      node 0 = tasklet "i" () -> (m, s) { m = -inf; s = 0.0; }
      node 1 = access M
      node 2 = access S
      edge 0: node 0.m -> node 1 M[r]
      edge 1: node 0.s -> node 2 S[r]
    }
    node 2 = access M
    node 3 = access S
    node 4 = map "rowmax" [r = 0:R] (X) -> (M) schedule=gpu_grid {
      node 0 = map "cols" [c = 0:C] (X) -> (M) {
        node 0 = tasklet "mx" (x) -> (m) { m = x; }
        node 1 = access X
        node 2 = access M
        edge 0: node 1 -> node 0.x X[r, c]
        edge 1: node 0.m -> node 2 M[r] wcr=max
      }
      node 1 = access X
      node 2 = access M
      edge 0: node 1 -> node 0.X X[r, 0:C]
      edge 1: node 0.M -> node 2 M[r] wcr=max
    }
    node 5 = access M
    node 6 = map "expsum" [r = 0:R, c = 0:C] (X, M) -> (Y, S) schedule=gpu_grid {
      node 0 = tasklet "e" (x, m) -> (y, s) { y = exp(x - m); s = y; }
      node 1 = access X
      node 2 = access M
      node 3 = access Y
      node 4 = access S
      edge 0: node 1 -> node 0.x X[r, c]
      edge 1: node 2 -> node 0.m M[r]
      edge 2: node 0.y -> node 3 Y[r, c]
      edge 3: node 0.s -> node 4 S[r] wcr=sum
    }
    node 7 = access Y
    node 8 = access S
    node 9 = map "norm" [r = 0:R, c = 0:C] (Y, S) -> (Y) schedule=gpu_grid {
      node 0 = tasklet "n" (y, s) -> (o) { o = y / s; }
      node 1 = access Y
      node 2 = access S
      node 3 = access Y
      edge 0: node 1 -> node 0.y Y[r, c]
      edge 1: node 2 -> node 0.s S[r]
      edge 2: node 0.o -> node 3 Y[r, c]
    }
    node 10 = access Y
    edge 0: node 1.M -> node 2 M[0:R]
    edge 1: node 1.S -> node 3 S[0:R]
    edge 2: node 0 -> node 4.X X[0:R, 0:C]
    edge 3: node 2 -> node 4 empty
    edge 4: node 4.M -> node 5 M[0:R] wcr=max
    edge 5: node 0 -> node 6.X X[0:R, 0:C]
    edge 6: node 5 -> node 6.M M[0:R]
    edge 7: node 3 -> node 6 empty
    edge 8: node 6.Y -> node 7 Y[0:R, 0:C]
    edge 9: node 6.S -> node 8 S[0:R] wcr=sum
    edge 10: node 7 -> node 9.Y Y[0:R, 0:C]
    edge 11: node 8 -> node 9.S S[0:R]
    edge 12: node 9.Y -> node 10 Y[0:R, 0:C]
  }
})",
       {{"R", 37}, {"C", 300}}},
      {"gemm",
       R"(program gemm {
  symbol M: i64
  symbol N: i64
  symbol K: i64
  array A: f32[M, K] storage=gpu_global
  array B: f32[K, N] storage=gpu_global
  array C: f32[M, N] storage=gpu_global
  state 0 "main" start {
    node 0 = access A
    node 1 = access B
    node 2 = map "mm" [i = 0:M, j = 0:N] (A, B) -> (C) schedule=gpu_grid block_size=64 {
      node 0 = map "k" [k = 0:K] (A, B) -> (C) {
        node 0 = tasklet "fma" (a, b) -> (c) { c = a * b; }
        node 1 = access A
        node 2 = access B
        node 3 = access C
        edge 0: node 1 -> node 0.a A[i, k]
        edge 1: node 2 -> node 0.b B[k, j]
        edge 2: node 0.c -> node 3 C[i, j] wcr=sum
      }
      node 1 = access A
      node 2 = access B
      node 3 = access C
      edge 0: node 1 -> node 0.A A[i, 0:K]
      edge 1: node 2 -> node 0.B B[0:K, j]
      edge 2: node 0.C -> node 3 C[i, j] wcr=sum
    }
    node 3 = access C
    edge 0: node 0 -> node 2.A A[0:M, 0:K]
    edge 1: node 1 -> node 2.B B[0:K, 0:N]
    edge 2: node 2.C -> node 3 C[0:M, 0:N] wcr=sum
  }
})",
       {{"M", 65}, {"N", 70}, {"K", 33}}},
  };
}

}  // namespace sluice::test
