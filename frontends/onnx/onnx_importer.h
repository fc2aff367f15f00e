#pragma once
/// The ONNX importer: an ONNX model file becomes a `Model`, an `ir::Program` of one library node
/// per ONNX operator plus the constant values it needs (docs/cpu-path.md, section 1).
///
///   frontends::ImportOptions options;
///   options.input_shapes["input_ids"] = {1, 128};   // fix a symbolic batch and sequence
///   frontends::Model model = frontends::import_onnx_file("bert.onnx", options);
///   // model.program: state `main`, library nodes `MatMul`, `Add`, ...; model.constants: weights
///
/// The importer runs ONNX's shape inference, folds the shape computations exporters emit
/// (Shape -> Gather -> Concat -> Reshape, ...) into constants, moves shape-determining inputs
/// into attributes, and names every container after its ONNX value. Every problem with the
/// file (corrupt bytes, a missing external-data file, an unsupported operator, a shape ONNX
/// cannot infer, ...) is a `UserError` naming the file and, where there is one, the node.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ir/program.h"
#include "ir/tensor.h"

namespace sluice::frontends {

/// A graph input or output: its ONNX name and the container that holds it.
struct ModelValue {
  std::string onnx_name;
  std::string container;
  bool operator==(const ModelValue&) const = default;
};

struct Model {
  ir::Program program;                          ///< docs/cpu-path.md, section 1
  std::map<std::string, ir::Tensor> constants;  ///< by container name: initializers and folded
                                                ///< constants that the program reads or returns
  std::vector<ModelValue> inputs;   ///< graph inputs that are not initializers, in order
  std::vector<ModelValue> outputs;  ///< graph outputs, in order
  /// Float initializers the program reads: the parameters autodiff differentiates by default.
  std::vector<ModelValue> parameters;
  std::int64_t opset = 0;  ///< of the default (`ai.onnx`) domain
};

struct ImportOptions {
  /// Fixes input shapes (by ONNX name) before shape inference; a name that is not a graph input
  /// is an error, as is a rank that differs from the model's.
  std::map<std::string, std::vector<std::int64_t>> input_shapes;
  /// Refuses ops that `ops::find_op` does not know, all of them in one message.
  bool check_supported = true;
  /// Float initializers stay values of the program: nodes that read them are not folded at
  /// import (a transposed weight stays a Transpose of the weight), so gradients with respect
  /// to them can be taken (autodiff, training).
  bool keep_parameters = false;
};

/// Reads and imports a model; external data files are looked up next to it.
Model import_onnx_file(const std::string& path, const ImportOptions& options = {});

/// Imports a serialized ModelProto. `origin` names it in messages (a path, "<memory>");
/// `external_data_dir` is where external data locations are resolved (empty: the model may not
/// use external data).
Model import_onnx_bytes(std::string_view bytes, const std::string& origin,
                        const std::string& external_data_dir, const ImportOptions& options = {});

}  // namespace sluice::frontends
