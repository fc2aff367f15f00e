#include "op_case_util.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

namespace sluice::ops::testing {

Node node_of(const OpCase& c) {
  Node n{c.op, c.attributes, {}, c.outputs};
  for (const auto& in : c.inputs) n.inputs.push_back(in ? *in : absent());
  return n;
}

void check_case(const OpCase& c) {
  SCOPED_TRACE(c.name);
  std::vector<std::vector<double>> want;
  for (const Buffer& out : c.outputs) want.push_back(out.values);
  expect_outputs(node_of(c), want, c.tolerance);
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
    Buffer t;
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
