#pragma once
/// Newer opsets in terms ONNX 1.12 understands (internal to frontends/onnx). ONNX 1.12's shape
/// inference knows opsets up to 17 and infers newer nodes with their opset-17 schema, which
/// refuses two spellings that exporters use from opset 18 on. Where the values needed are
/// known, such nodes are rewritten into the older spelling, which means the same:
///  - Pad with an `axes` input: `pads` expanded to every axis, `axes` dropped;
///  - Split with `num_outputs` and no sizes: the sizes (the last part may be smaller) as input 1.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "frontends/onnx/imported_graph.h"

namespace sluice::frontends::detail {

/// Rewrites the nodes it can; new constants go into `constants`. Returns whether any changed.
/// Throws UserError at `location` for a node whose axes or sizes are invalid.
bool rewrite_for_onnx_schemas(std::vector<onnx::NodeProto>& nodes, std::int64_t opset,
                              std::map<std::string, HostTensor>& constants,
                              const std::map<std::string, ValueType>& types,
                              const std::string& location);

}  // namespace sluice::frontends::detail
