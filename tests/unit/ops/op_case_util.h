#pragma once
/// Test support for the op expansions: one ONNX-style node in a program of its own, its
/// expansion, a run through the reference interpreter, and the comparison with expected values.
///
///   OpCase c{"Transpose", {{"perm", std::vector<std::int64_t>{1, 0}}},
///            {tensor(ir::DType::f32, {2, 3}, {1, 2, 3, 4, 5, 6})},
///            {tensor(ir::DType::f32, {3, 2}, {1, 4, 2, 5, 3, 6})}};
///   check_case(c);   // expands, verifies, runs, compares

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/program.h"
#include "ir/tensor.h"

namespace sluice::ops::testing {

/// A tensor written as doubles (exact for every value the tests use).
struct CaseTensor {
  ir::DType dtype = ir::DType::f32;
  std::vector<std::int64_t> shape;
  std::vector<double> values;
};

struct OpCase {
  std::string op;
  ir::Attributes attributes;
  std::vector<std::optional<CaseTensor>> inputs;  ///< nullopt: an absent optional input
  std::vector<CaseTensor> outputs;                ///< shapes and expected values
  std::string name = "case";
  double tolerance = 1e-5;  ///< relative and absolute, for floats
};

/// gtest prints a case by its name.
inline void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }

CaseTensor tensor(ir::DType dtype, std::vector<std::int64_t> shape, std::vector<double> values);

/// The program holding the node alone (state "main"; containers x<k> and y<k>; the library node
/// is labelled "node").
ir::Program single_node_program(const OpCase& c);
/// Expands it (`pure`), checks that the result verifies and holds no library node.
ir::Program expanded(const OpCase& c);
/// Runs an expanded program on the case's inputs; returns the outputs in order.
std::vector<CaseTensor> run(const ir::Program& program, const OpCase& c);
/// Expands, runs and compares with the expected outputs (gtest assertions).
void check_case(const OpCase& c);

/// Reads cases from the text written by tests/unit/ops/make_onnx_node_cases.py.
std::vector<OpCase> load_cases(const std::string& path);

}  // namespace sluice::ops::testing
