#include "op_case_util.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "ir/builder.h"
#include "ir/verifier.h"
#include "ops/expansion.h"
#include "program_interpreter.h"

namespace sluice::ops::testing {
namespace {

std::string subset_of(const std::vector<std::int64_t>& shape) {
  std::string s;
  for (std::size_t d = 0; d < shape.size(); ++d)
    s += (d > 0 ? ", " : "") + std::string("0:") + std::to_string(shape[d]);
  return s;
}

std::vector<ir::Expr> exprs(const std::vector<std::int64_t>& shape) {
  return {shape.begin(), shape.end()};
}

}  // namespace

CaseTensor tensor(ir::DType dtype, std::vector<std::int64_t> shape, std::vector<double> values) {
  return {dtype, std::move(shape), std::move(values)};
}

ir::Program single_node_program(const OpCase& c) {
  ir::ProgramBuilder b("single_" + c.op);
  std::vector<std::string> ins;
  std::vector<std::string> outs;
  for (std::size_t k = 0; k < c.inputs.size(); ++k) {
    if (!c.inputs[k]) continue;
    b.array("x" + std::to_string(k), c.inputs[k]->dtype, exprs(c.inputs[k]->shape));
    ins.push_back("in" + std::to_string(k));
  }
  for (std::size_t k = 0; k < c.outputs.size(); ++k) {
    b.array("y" + std::to_string(k), c.outputs[k].dtype, exprs(c.outputs[k].shape));
    outs.push_back("out" + std::to_string(k));
  }
  ir::GraphBuilder g = b.state("main");
  const ir::NodeId node = g.library("node", c.op, ins, outs, c.attributes);
  for (std::size_t k = 0; k < c.inputs.size(); ++k) {
    if (!c.inputs[k]) continue;
    g.read(g.access("x" + std::to_string(k)), subset_of(c.inputs[k]->shape), node,
           "in" + std::to_string(k));
  }
  for (std::size_t k = 0; k < c.outputs.size(); ++k)
    g.write(node, "out" + std::to_string(k), g.access("y" + std::to_string(k)),
            subset_of(c.outputs[k].shape));
  return b.build();
}

ir::Program expanded(const OpCase& c) {
  ir::Program p = single_node_program(c);
  expand_all(p);
  for (const Diagnostic& d : ir::verify(p)) ADD_FAILURE() << c.name << ": " << d.str();
  const ir::State& main = p.states[p.start_state];
  for (const ir::NodeId id : main.graph.node_ids())
    EXPECT_FALSE(std::holds_alternative<ir::LibraryNode>(main.graph.node(id)))
        << c.name << ": a library node is left";
  return p;
}

std::vector<CaseTensor> run(const ir::Program& program, const OpCase& c) {
  std::map<std::string, Buffer> args;
  for (std::size_t k = 0; k < c.inputs.size(); ++k)
    if (c.inputs[k])
      args["x" + std::to_string(k)] = {c.inputs[k]->dtype, c.inputs[k]->shape, c.inputs[k]->values};
  for (std::size_t k = 0; k < c.outputs.size(); ++k) {
    const CaseTensor& o = c.outputs[k];
    args["y" + std::to_string(k)] = {o.dtype, o.shape, std::vector<double>(o.values.size(), 0.0)};
  }
  interpret(program, args);
  std::vector<CaseTensor> out;
  for (std::size_t k = 0; k < c.outputs.size(); ++k) {
    Buffer& b = args.at("y" + std::to_string(k));
    out.push_back({b.dtype, b.shape, std::move(b.values)});
  }
  return out;
}

void check_case(const OpCase& c) {
  SCOPED_TRACE(c.name);
  ir::Program p;
  try {
    p = expanded(c);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expansion failed: " << e.what();
    return;
  }
  std::vector<CaseTensor> got;
  try {
    got = run(p, c);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "run failed: " << e.what();
    return;
  }
  ASSERT_EQ(got.size(), c.outputs.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    const CaseTensor& want = c.outputs[k];
    ASSERT_EQ(got[k].values.size(), want.values.size()) << "output " << k;
    const bool exact = !ir::is_float(want.dtype);
    int reported = 0;
    for (std::size_t i = 0; i < want.values.size(); ++i) {
      const double a = got[k].values[i];
      const double b = want.values[i];
      const bool ok = exact ? a == b
                            : (std::isnan(a) && std::isnan(b)) ||
                                  std::abs(a - b) <= c.tolerance * (1.0 + std::abs(b));
      if (!ok && reported++ < 8)
        ADD_FAILURE() << "output " << k << " element " << i << ": got " << a << ", want " << b;
    }
  }
}

std::vector<OpCase> load_cases(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<OpCase> cases;
  OpCase current;
  std::string line;
  const auto dtype_of = [&](const std::string& name) {
    const auto d = ir::parse_dtype(name);
    if (!d) throw std::runtime_error(path + ": unknown dtype " + name);
    return *d;
  };
  const auto read_tensor = [&](std::istringstream& s) {
    std::string dtype;
    std::string shape;
    s >> dtype >> shape;
    CaseTensor t;
    t.dtype = dtype_of(dtype);
    shape = shape.substr(1, shape.size() - 2);
    std::istringstream dims(shape);
    for (std::string d; std::getline(dims, d, ',');) t.shape.push_back(std::stoll(d));
    for (std::string v; s >> v;) t.values.push_back(std::stod(v));
    return t;
  };
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    std::string word;
    s >> word;
    if (word == "case") {
      current = OpCase{};
      s >> current.name;
    } else if (word == "op") {
      s >> current.op;
    } else if (word == "attr") {
      std::string name;
      std::string kind;
      s >> name >> kind;
      if (kind == "int") {
        std::int64_t v = 0;
        s >> v;
        current.attributes[name] = v;
      } else if (kind == "float") {
        std::string v;
        s >> v;
        current.attributes[name] = std::stod(v);
      } else if (kind == "string") {
        std::string v;
        s >> v;
        current.attributes[name] = v;
      } else if (kind == "ints") {
        std::vector<std::int64_t> v;
        for (std::int64_t i = 0; s >> i;) v.push_back(i);
        current.attributes[name] = v;
      } else if (kind == "floats") {
        std::vector<double> v;
        for (std::string f; s >> f;) v.push_back(std::stod(f));
        current.attributes[name] = v;
      } else {
        throw std::runtime_error(path + ": unknown attribute kind " + kind);
      }
    } else if (word == "input") {
      std::size_t k = 0;
      s >> k;
      if (current.inputs.size() <= k) current.inputs.resize(k + 1);
      current.inputs[k] = read_tensor(s);
    } else if (word == "output") {
      std::size_t k = 0;
      s >> k;
      if (current.outputs.size() <= k) current.outputs.resize(k + 1);
      current.outputs[k] = read_tensor(s);
    } else if (word == "end") {
      cases.push_back(current);
    } else {
      throw std::runtime_error(path + ": unexpected line '" + line + "'");
    }
  }
  return cases;
}

}  // namespace sluice::ops::testing
