#pragma once
/// Constant folding for the ONNX importer (internal to frontends/onnx): evaluates the small
/// computations exporters emit around shapes (Gather, Concat, Unsqueeze, Slice, Cast,
/// arithmetic, Where, Range, ConstantOfShape, Reshape, Expand, ...) on constant inputs, so that
/// shape-determining inputs become constants. Shape and Size are folded by the importer itself,
/// which knows the static shapes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "frontends/onnx/host_tensor.h"

namespace onnx {
class NodeProto;
}

namespace sluice::frontends::detail {

/// Whether `fold_node` knows the op (it may still decline a particular node).
bool is_foldable_op(std::string_view op_type);

/// The outputs of `node` (default domain, opset `opset`) given its inputs, positional, nullptr
/// for an absent optional input. nullopt when the importer does not fold this node (an op,
/// element type or case it leaves to the program, or a result over kMaxFoldElements). Throws
/// UserError at `location`, naming the node by `node_name`, when the node cannot be evaluated
/// (an index out of range, mismatched shapes, a missing input).
std::optional<std::vector<HostTensor>> fold_node(const onnx::NodeProto& node, std::int64_t opset,
                                                 const std::vector<const HostTensor*>& inputs,
                                                 const std::string& location,
                                                 const std::string& node_name);

}  // namespace sluice::frontends::detail
