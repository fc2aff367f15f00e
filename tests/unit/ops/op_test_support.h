#pragma once
/// Test support for the compute ops: one node in a program of its own, expanded, verified, run
/// by the reference interpreter and compared with expected values.
///
///   Node n{"Relu", {}, {f32({3}, {-1, 0, 2})}, {f32({3})}};
///   expect_outputs(n, {{0, 0, 2}});     // expands, verifies, runs, compares (tolerance 1e-5)

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/program.h"
#include "program_interpreter.h"

namespace sluice::ops::testing {

/// One ONNX-style node: op, attributes, inputs (a Buffer with an empty dtype-less shape marks an
/// absent optional input: `absent()`), outputs (shapes and dtypes; values unused).
struct Node {
  std::string op;
  ir::Attributes attributes;
  std::vector<Buffer> inputs;
  std::vector<Buffer> outputs;
  bool operator==(const Node&) const = default;
};

inline bool operator==(const Buffer& a, const Buffer& b) {
  return a.dtype == b.dtype && a.shape == b.shape && a.values == b.values;
}

Buffer buffer(ir::DType dtype, std::vector<std::int64_t> shape, std::vector<double> values = {});
inline Buffer f32(std::vector<std::int64_t> shape, std::vector<double> values = {}) {
  return buffer(ir::DType::f32, std::move(shape), std::move(values));
}
inline Buffer f64(std::vector<std::int64_t> shape, std::vector<double> values = {}) {
  return buffer(ir::DType::f64, std::move(shape), std::move(values));
}
inline Buffer i64(std::vector<std::int64_t> shape, std::vector<double> values = {}) {
  return buffer(ir::DType::i64, std::move(shape), std::move(values));
}
inline Buffer boolean(std::vector<std::int64_t> shape, std::vector<double> values = {}) {
  return buffer(ir::DType::boolean, std::move(shape), std::move(values));
}
/// An absent optional input (no connector, no edge).
Buffer absent();

/// The program holding the node alone: state "main", containers x<k> and y<k>, node label "node".
ir::Program node_program(const Node& n);
/// `node_program` expanded with expand_all; fails the test (and throws) if the result does not
/// verify or still holds a library node.
ir::Program expand_node_program(const Node& n);
/// Expands and runs the node; returns the outputs' values.
std::vector<std::vector<double>> run_node(const Node& n);
/// Expands, runs, compares every output (NaN equals NaN; relative+absolute tolerance).
void expect_outputs(const Node& n, const std::vector<std::vector<double>>& want,
                    double tolerance = 1e-5);
/// Expanding the node fails with a UserError that contains `needle` and names the node
/// ("<Op> 'node'").
void expect_user_error(const Node& n, const std::string& needle);
/// A tensor of a node with a symbolic shape (symbols N and S).
struct SymbolicTensor {
  ir::DType dtype;
  std::vector<ir::Expr> shape;
};
/// The program holding one node over symbolically shaped tensors (see below).
ir::Program symbolic_node_program(const std::string& op, const ir::Attributes& attributes,
                                  const std::vector<SymbolicTensor>& inputs,
                                  const std::vector<SymbolicTensor>& outputs);
/// Exported transformers and CNNs keep batch and sequence symbolic: the node (label "node",
/// containers x<k>/y<k>, symbols N and S) must expand and verify with symbolic dimensions.
void expect_expands_symbolically(const std::string& op, const ir::Attributes& attributes,
                                 const std::vector<SymbolicTensor>& inputs,
                                 const std::vector<SymbolicTensor>& outputs);
/// The printed IR of the expanded node program.
std::string expanded_text(const Node& n);

/// A generator seeded from the clock, its seed printed (gtest's RecordProperty and stdout).
std::mt19937_64 seeded_rng(const std::string& test);
std::vector<double> uniform(std::mt19937_64& rng, std::size_t n, double lo, double hi);

}  // namespace sluice::ops::testing
