#pragma once
/// Sums into f16/bf16 containers accumulate in f32.
///
/// A reduction map writes its output with a write-conflict sum, once per reduced element. When
/// the output is stored in f16 or bf16 (mixed precision, transforms/global/mixed_precision.cpp),
/// every partial sum would be rounded to 8 (bf16) or 11 (f16) significant bits: a long dot
/// product loses most of its digits. The builders of reduction maps (`nested_map`,
/// `index::reduce_map`) route such outputs through an f32 accumulator:
///
///   acc = cast<f32>(out)            (the value the expansion initialized `out` with)
///   acc += cast<f32>(<the term>)    (the reduction map, retargeted)
///   out = cast<bf16>(acc)           (once, after the map)

#include <string>
#include <vector>

#include "ir/program.h"
#include "ops/expansion.h"

namespace sluice::ops {

/// One output of a reduction map: its connector, its container, its write conflict.
struct ReductionOutput {
  std::string connector;
  std::string container;
  ir::WriteConflict wcr = ir::WriteConflict::None;
};

/// Whether `dtype` is a storage-only precision whose sums must accumulate in f32.
bool accumulates_wider(ir::DType dtype);

/// An output routed through an f32 accumulator: `narrow_sums` writes `wide` back to `low`.
struct WidenedSum {
  std::string low;
  std::string wide;
};

/// For each output with a Sum or Product conflict into an f16/bf16 container: adds an f32
/// transient holding the container's current value, renames the output's container to it (in
/// `outputs`, by index) and makes the code's assignments to its connector `cast<f32>(...)`.
/// Call before building the map; `narrow_sums` after.
std::vector<WidenedSum> widen_sums(ExpansionContext& x, const std::string& label, std::string& code,
                                   std::vector<ReductionOutput>& outputs);
/// Writes each f32 accumulator back into its f16/bf16 container.
void narrow_sums(ExpansionContext& x, const std::string& label,
                 const std::vector<WidenedSum>& widened);

}  // namespace sluice::ops
