#pragma once
/// A reference interpreter for expanded programs (maps, tasklets, Access nodes and copies; no
/// library or nested nodes), slow and simple, for testing the op expansions without a code
/// generator. Values are doubles; a write into an f32 container rounds to float, into an integer
/// container converts as the tasklet language's cast does; write-conflict resolution combines
/// with the stored value; a tasklet input whose memlet is a range may be subscripted.
///
///   std::map<std::string, Buffer> args{{"X", {DType::f32, {2, 3}, {...}}}, {"Y", ...}};
///   interpret(program, args, {{"N", 2}});   // runs from the start state; writes into args
///
/// Every argument (non-transient container) must be given, with the shape the container has
/// under `symbols`; transients start as zeros. Argument values are first rounded to what their
/// dtype holds (f32, integers, bool), in place.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/program.h"

namespace sluice::ops::testing {

/// A row-major n-d array of doubles (dtype says what the program stores).
struct Buffer {
  ir::DType dtype = ir::DType::f32;
  std::vector<std::int64_t> shape;
  std::vector<double> values;
};

/// Runs `program` on `arguments` (updated in place with what the program writes). Throws
/// std::runtime_error (or the tasklet evaluator's UserError) for anything it cannot run, such as
/// a library node or an out-of-bounds access.
void interpret(const ir::Program& program, std::map<std::string, Buffer>& arguments,
               const std::map<std::string, std::int64_t>& symbols = {});

}  // namespace sluice::ops::testing
