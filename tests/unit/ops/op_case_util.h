#pragma once
/// Cases for the data-movement op tests: a node (op_test_support.h's `Node`) with its expected
/// outputs, a name and a tolerance, and a reader for the ONNX node cases in tests/data/ops/
/// (written by tests/unit/ops/make_onnx_node_cases.py).
///
///   OpCase c{"Transpose", {{"perm", std::vector<std::int64_t>{1, 0}}},
///            {buffer(ir::DType::f32, {2, 3}, {1, 2, 3, 4, 5, 6})},
///            {buffer(ir::DType::f32, {3, 2}, {1, 4, 2, 5, 3, 6})}};
///   check_case(c);   // expands, verifies, runs, compares

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "op_test_support.h"

namespace sluice::ops::testing {

struct OpCase {
  std::string op;
  ir::Attributes attributes;
  std::vector<std::optional<Buffer>> inputs;  ///< nullopt: an absent optional input
  std::vector<Buffer> outputs;                ///< shapes, dtypes and the expected values
  std::string name = "case";
  double tolerance = 1e-5;  ///< relative and absolute
};

/// gtest prints a case by its name.
inline void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }

/// The node of a case (absent inputs become `absent()`).
Node node_of(const OpCase& c);
/// Expands, runs and compares with the expected outputs (gtest assertions).
void check_case(const OpCase& c);

/// Reads cases from the text written by tests/unit/ops/make_onnx_node_cases.py.
std::vector<OpCase> load_cases(const std::string& path);

}  // namespace sluice::ops::testing
