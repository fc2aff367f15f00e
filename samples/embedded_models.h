#pragma once
/// Sample ONNX models compiled into the binary, so the main job (`sluice demo`) runs anywhere.
/// The files are in samples/models/ (made by samples/models/make_models.py).

#include <string_view>

namespace sluice::samples {

/// samples/models/tiny_transformer.onnx: a 2-layer GPT-style decoder (hidden 32, 4 heads,
/// vocabulary 64, sequence 16); inputs `tokens` (i64[1, 16]) and `mask` (f32[1, 16]), output
/// `logits` (f32[1, 16, 64]).
std::string_view tiny_transformer_onnx();

}  // namespace sluice::samples
