#pragma once
/// What the ONNX importer knows once shape inference and constant folding are done (internal to
/// frontends/onnx): the remaining nodes in a topological order, every value's type, and the
/// constants. `build_model` turns it into a `Model` (docs/cpu-path.md, section 1).

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "frontends/onnx/host_tensor.h"
#include "frontends/onnx/onnx_importer.h"

namespace sluice::frontends::detail {

/// One dimension: a value (>= 0), a symbol (`param`, an ONNX dim_param), or unknown (neither).
struct Dim {
  std::int64_t value = -1;
  std::string param;
  [[nodiscard]] bool known() const { return value >= 0 || !param.empty(); }
};

struct ValueType {
  std::int32_t elem_type = 0;  ///< onnx::TensorProto::DataType; 0 when unknown
  bool has_shape = false;      ///< the rank is known
  std::vector<Dim> dims;
};

struct ImportedGraph {
  std::string location;  ///< the model file, for diagnostics
  std::string name;      ///< the ONNX graph's name
  std::int64_t opset = 0;
  std::vector<onnx::NodeProto> nodes;  ///< topological order; `name` is the unique label
  std::map<std::string, HostTensor> constants;
  std::set<std::string> initializers;          ///< which constants the model gave as initializers
  std::map<std::string, ValueType> types;      ///< every value the nodes, inputs and outputs name
  std::vector<std::string> inputs;             ///< graph inputs that are not constants, in order
  std::vector<std::string> outputs;            ///< graph outputs, in order
  std::map<std::string, std::string> symbols;  ///< dim_param -> program symbol name
};

enum class AttrKind { Ints, Floats, Int, Float };

/// An input whose value decides output shapes or indexing, and the attribute it becomes.
struct ShapeInput {
  int index;
  const char* attribute;
  AttrKind kind;
};

/// The shape-determining inputs of an op (docs/cpu-path.md, section 1); empty for most ops.
std::vector<ShapeInput> shape_inputs(const std::string& op, std::int64_t opset);

/// Builds the program and the constants it uses (their bytes move out of `graph`). Throws UserError
/// for a non-constant shape-determining input, an attribute Sluice cannot represent, or an
/// unsupported dtype.
Model build_model(ImportedGraph& graph);

/// `text` made an identifier: characters outside [A-Za-z0-9_] become `_`, a leading digit gets
/// `prefix` in front (also used when `text` is empty).
std::string make_identifier(const std::string& text, const std::string& prefix);

}  // namespace sluice::frontends::detail
