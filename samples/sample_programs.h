#pragma once
/// The sample programs, built in code so the checked-in `samples/*.sluice.json` and
/// `samples/*.sluice.txt` files can be regenerated (`sluice-make-samples`) and checked in tests.

#include <string>
#include <vector>

#include "ir/program.h"

namespace sluice::samples {

/// C[M, N] = A[M, K] @ B[K, N] as one map over i, j, k with a sum-reducing tasklet.
ir::Program matmul();
/// Row-wise softmax of X[N, M] from maps: row max, exp and row sum, normalize.
ir::Program softmax();
/// Two maps joined by a transient: T = X * 2, Y = T + 1.
ir::Program producer_consumer();
/// Y = relu(X @ W + b): a MatMul library node followed by a bias + ReLU map. The embedded
/// default sample of `sluice demo`.
ir::Program small_layer();

/// A chain of `stages` element-wise maps over transients X0 -> X1 -> ... (5 nodes per stage,
/// counting map bodies), for benchmarks and stress tests: 2,000 stages make 10,001 nodes.
ir::Program synthetic_chain(int stages);

struct Sample {
  std::string name;  ///< File stem: samples/<name>.sluice.json
  ir::Program (*make)();
};
/// Every sample, in a fixed order.
const std::vector<Sample>& all_samples();

}  // namespace sluice::samples
