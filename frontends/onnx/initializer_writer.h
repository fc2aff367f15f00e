#pragma once
/// Writing trained values back into an ONNX model (`sluice train --save`).

#include <map>
#include <string>

#include "ir/tensor.h"

namespace sluice::frontends {

/// Copies the model at `model_path` to `out_path` with the initializers named in `values` (ONNX
/// names) replaced by those values, stored inline. Throws UserError when the model cannot be
/// read or written, or a value names no initializer or changes its shape or type.
void write_initializers(const std::string& model_path, const std::string& out_path,
                        const std::map<std::string, ir::Tensor>& values);

}  // namespace sluice::frontends
