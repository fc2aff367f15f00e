#include "op_test_support.h"

#include <chrono>
#include <cmath>
#include <iostream>

#include <gtest/gtest.h>

#include "ir/builder.h"
#include "ir/text_format.h"
#include "ir/verifier.h"
#include "ops/expansion.h"

namespace sluice::ops::testing {
namespace {

constexpr std::int64_t kAbsent = -12345;  // shape marker of an absent input

std::string full_subset(const std::vector<std::int64_t>& shape) {
  std::string s;
  for (std::size_t d = 0; d < shape.size(); ++d)
    s += (d > 0 ? ", 0:" : "0:") + std::to_string(shape[d]);
  return s;
}

bool is_absent(const Buffer& b) { return b.shape.size() == 1 && b.shape[0] == kAbsent; }

std::int64_t count(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (const std::int64_t d : shape) n *= d;
  return n;
}

}  // namespace

Buffer buffer(ir::DType dtype, std::vector<std::int64_t> shape, std::vector<double> values) {
  return {dtype, std::move(shape), std::move(values)};
}

Buffer absent() { return {ir::DType::f32, {kAbsent}, {}}; }

ir::Program node_program(const Node& n) {
  ir::ProgramBuilder b("single_" + n.op);
  std::vector<std::string> ins;
  std::vector<std::string> outs;
  for (std::size_t k = 0; k < n.inputs.size(); ++k) {
    if (is_absent(n.inputs[k])) continue;
    b.array("x" + std::to_string(k), n.inputs[k].dtype,
            {n.inputs[k].shape.begin(), n.inputs[k].shape.end()});
    ins.push_back("in" + std::to_string(k));
  }
  for (std::size_t k = 0; k < n.outputs.size(); ++k) {
    b.array("y" + std::to_string(k), n.outputs[k].dtype,
            {n.outputs[k].shape.begin(), n.outputs[k].shape.end()});
    outs.push_back("out" + std::to_string(k));
  }
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId node = g.library("node", n.op, ins, outs, n.attributes);
  for (std::size_t k = 0; k < n.inputs.size(); ++k)
    if (!is_absent(n.inputs[k]))
      g.read(g.access("x" + std::to_string(k)), full_subset(n.inputs[k].shape), node,
             "in" + std::to_string(k));
  for (std::size_t k = 0; k < n.outputs.size(); ++k)
    g.write(node, "out" + std::to_string(k), g.access("y" + std::to_string(k)),
            full_subset(n.outputs[k].shape));
  return b.build();
}

void expect_user_error(const Node& n, const std::string& needle) {
  try {
    ir::Program p = node_program(n);
    expand_all(p);
    ADD_FAILURE() << n.op << ": no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(n.op + " 'node'"), std::string::npos) << e.what();
  }
}

ir::Program symbolic_node_program(const std::string& op, const ir::Attributes& attributes,
                                  const std::vector<SymbolicTensor>& inputs,
                                  const std::vector<SymbolicTensor>& outputs) {
  ir::ProgramBuilder b("symbolic_" + op);
  b.symbol("N");
  b.symbol("S");
  std::vector<std::string> ins;
  std::vector<std::string> outs;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    b.array("x" + std::to_string(k), inputs[k].dtype, inputs[k].shape);
    ins.push_back("in" + std::to_string(k));
  }
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    b.array("y" + std::to_string(k), outputs[k].dtype, outputs[k].shape);
    outs.push_back("out" + std::to_string(k));
  }
  const auto full = [](const std::vector<ir::Expr>& shape) {
    std::string t;
    for (std::size_t d = 0; d < shape.size(); ++d) t += (d > 0 ? ", 0:" : "0:") + shape[d].str();
    return t;
  };
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId node = g.library("node", op, ins, outs, attributes);
  for (std::size_t k = 0; k < inputs.size(); ++k)
    g.read(g.access("x" + std::to_string(k)), full(inputs[k].shape), node, ins[k]);
  for (std::size_t k = 0; k < outputs.size(); ++k)
    g.write(node, outs[k], g.access("y" + std::to_string(k)), full(outputs[k].shape));
  return b.build();
}

void expect_expands_symbolically(const std::string& op, const ir::Attributes& attributes,
                                 const std::vector<SymbolicTensor>& inputs,
                                 const std::vector<SymbolicTensor>& outputs) {
  SCOPED_TRACE(op);
  ir::Program p = symbolic_node_program(op, attributes, inputs, outputs);
  try {
    expand_all(p);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
    return;
  }
  for (const Diagnostic& d : ir::verify(p)) ADD_FAILURE() << d.str();
}

ir::Program expand_node_program(const Node& n) {
  ir::Program p = node_program(n);
  expand_all(p);
  const auto problems = ir::verify(p);
  for (const Diagnostic& d : problems) ADD_FAILURE() << n.op << ": " << d.str();
  const ir::Graph& g = p.states[p.start_state].graph;
  for (const ir::NodeId id : g.node_ids())
    if (std::holds_alternative<ir::LibraryNode>(g.node(id)))
      ADD_FAILURE() << n.op << ": a library node is left";
  if (!problems.empty()) throw std::runtime_error("the expansion does not verify");
  return p;
}

std::vector<std::vector<double>> run_node(const Node& n) {
  const ir::Program p = expand_node_program(n);
  std::map<std::string, Buffer> args;
  for (std::size_t k = 0; k < n.inputs.size(); ++k) {
    if (is_absent(n.inputs[k])) continue;
    Buffer in = n.inputs[k];
    if (static_cast<std::int64_t>(in.values.size()) != count(in.shape))
      throw std::runtime_error("input " + std::to_string(k) + " has the wrong number of values");
    args["x" + std::to_string(k)] = in;
  }
  for (std::size_t k = 0; k < n.outputs.size(); ++k) {
    Buffer out = n.outputs[k];
    // NaN shows an element the program never wrote.
    out.values.assign(static_cast<std::size_t>(count(out.shape)), NAN);
    args["y" + std::to_string(k)] = out;
  }
  interpret(p, args);
  std::vector<std::vector<double>> result;
  for (std::size_t k = 0; k < n.outputs.size(); ++k)
    result.push_back(args.at("y" + std::to_string(k)).values);
  return result;
}

void expect_outputs(const Node& n, const std::vector<std::vector<double>>& want, double tolerance) {
  SCOPED_TRACE(n.op);
  std::vector<std::vector<double>> got;
  try {
    got = run_node(n);
  } catch (const std::exception& e) {
    ADD_FAILURE() << n.op << ": " << e.what();
    return;
  }
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t k = 0; k < want.size(); ++k) {
    ASSERT_EQ(got[k].size(), want[k].size()) << "output " << k;
    int reported = 0;
    for (std::size_t i = 0; i < want[k].size(); ++i) {
      const double a = got[k][i];
      const double b = want[k][i];
      const bool ok = (std::isnan(a) && std::isnan(b)) || a == b ||
                      std::abs(a - b) <= tolerance * (1.0 + std::abs(b));
      if (!ok && reported++ < 8)
        ADD_FAILURE() << n.op << " output " << k << " element " << i << ": got " << a << ", want "
                      << b;
    }
  }
}

std::string expanded_text(const Node& n) { return ir::print_text(expand_node_program(n)); }

std::mt19937_64 seeded_rng(const std::string& test) {
  const auto seed =
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  std::cout << test << ": seed " << seed << "\n";
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return std::mt19937_64(seed);
}

std::vector<double> uniform(std::mt19937_64& rng, std::size_t n, double lo, double hi) {
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

}  // namespace sluice::ops::testing
