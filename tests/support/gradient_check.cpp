#include "gradient_check.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <random>

#include <gtest/gtest.h>

#include "ir/builder.h"
#include "ir/text_format.h"
#include "ops/expansion.h"
#include "program_interpreter.h"
#include "transforms/autodiff/reverse_mode.h"

namespace sluice::autodiff::testing {
namespace {

using ops::testing::Buffer;

std::uint64_t fresh_seed() {
  if (const char* s = std::getenv("SLUICE_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

std::int64_t count(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (const auto d : shape) n *= d;
  return n;
}

// "0:3, 0:4": the whole of a container of this shape.
std::string whole(const std::vector<std::int64_t>& shape) {
  std::string out;
  for (std::size_t d = 0; d < shape.size(); ++d)
    out += (d ? ", 0:" : "0:") + std::to_string(shape[d]);
  return out;
}

std::vector<ir::Expr> exprs(const std::vector<std::int64_t>& shape) {
  std::vector<ir::Expr> out;
  for (const auto d : shape) out.emplace_back(d);
  return out;
}

struct Built {
  ir::Program forward;   // expanded, for the finite differences
  ir::Program backward;  // forward + backward, expanded
};

Built build(const GradientCase& c) {
  ir::ProgramBuilder b("gradient_check");
  for (const auto& in : c.inputs)
    if (!in.name.empty()) b.array(in.name, in.dtype, exprs(in.shape));
  for (std::size_t j = 0; j < c.output_shapes.size(); ++j) {
    const ir::DType dt = j < c.output_dtypes.size() ? c.output_dtypes[j] : ir::DType::f64;
    b.array("Y" + std::to_string(j), dt, exprs(c.output_shapes[j]));
  }
  ir::GraphBuilder g = b.state("main");
  std::vector<std::string> ins;
  std::vector<std::string> outs;
  for (std::size_t k = 0; k < c.inputs.size(); ++k)
    if (!c.inputs[k].name.empty()) ins.push_back("in" + std::to_string(k));
  for (std::size_t j = 0; j < c.output_shapes.size(); ++j)
    outs.push_back("out" + std::to_string(j));
  const ir::NodeId lib = g.library("node", c.op, ins, outs, c.attributes);
  for (std::size_t k = 0; k < c.inputs.size(); ++k) {
    if (c.inputs[k].name.empty()) continue;
    const ir::NodeId a = g.access(c.inputs[k].name);
    g.read(a, whole(c.inputs[k].shape), lib, "in" + std::to_string(k));
  }
  for (std::size_t j = 0; j < c.output_shapes.size(); ++j)
    g.write(lib, "out" + std::to_string(j), g.access("Y" + std::to_string(j)),
            whole(c.output_shapes[j]));
  ir::Program forward = b.build();

  ir::Program backward = forward;
  BackwardRequest request;
  for (std::size_t j = 0; j < c.output_shapes.size(); ++j) {
    const bool seeded =
        c.seeded.empty()
            ? ir::is_float(
                  forward.containers[*forward.find_container("Y" + std::to_string(j))].dtype)
            : std::find(c.seeded.begin(), c.seeded.end(), static_cast<int>(j)) != c.seeded.end();
    if (!seeded) continue;
    const std::string y = "Y" + std::to_string(j);
    const ir::Container yc = forward.containers[*forward.find_container(y)];
    ir::Container s = yc;
    s.name = "S" + std::to_string(j);
    backward.containers.add(s);
    request.seeds[y] = s.name;
  }
  for (const auto& in : c.inputs) {
    if (in.name.empty() || !in.differentiate || !ir::is_float(in.dtype)) continue;
    ir::Container gc = forward.containers[*forward.find_container(in.name)];
    gc.name = "G_" + in.name;
    backward.containers.add(gc);
    request.gradients[in.name] = gc.name;
  }
  append_backward(backward, request);
  ops::expand_all(forward);
  ops::expand_all(backward);
  return {std::move(forward), std::move(backward)};
}

}  // namespace

void check_gradient(const GradientCase& c) {
  const std::uint64_t seed = fresh_seed();
  SCOPED_TRACE(c.op + ", seed " + std::to_string(seed) +
               " (SLUICE_TEST_SEED=" + std::to_string(seed) + " reproduces)");
  std::cout << "gradient check " << c.op << ": seed " << seed << "\n";
  std::mt19937_64 rng(seed);
  Built built;
  try {
    built = build(c);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "building the backward pass failed: " << e.what();
    return;
  }

  std::map<std::string, Buffer> args;
  for (const auto& in : c.inputs) {
    if (in.name.empty()) continue;
    Buffer buf{in.dtype, in.shape, {}};
    if (in.values) {
      buf.values = *in.values;
    } else if (c.distinct_inputs && ir::is_float(in.dtype)) {
      const std::int64_t n = count(in.shape);
      for (std::int64_t i = 0; i < n; ++i)
        buf.values.push_back(in.low + (in.high - in.low) * (static_cast<double>(i) + 0.5) /
                                          static_cast<double>(n));
      std::shuffle(buf.values.begin(), buf.values.end(), rng);
    } else {
      std::uniform_real_distribution<double> u(in.low, in.high);
      for (std::int64_t i = 0; i < count(in.shape); ++i) buf.values.push_back(u(rng));
    }
    args[in.name] = std::move(buf);
  }
  std::map<std::string, Buffer> seeds;
  for (std::size_t j = 0; j < c.output_shapes.size(); ++j) {
    const std::string s = "S" + std::to_string(j);
    if (!built.backward.find_container(s)) continue;
    Buffer buf{ir::DType::f64, c.output_shapes[j], {}};
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (std::int64_t i = 0; i < count(c.output_shapes[j]); ++i) buf.values.push_back(u(rng));
    seeds["Y" + std::to_string(j)] = std::move(buf);
  }
  auto outputs_of = [&](const ir::Program& p, std::map<std::string, Buffer>& a) {
    for (std::size_t j = 0; j < c.output_shapes.size(); ++j) {
      const ir::DType dt = j < c.output_dtypes.size() ? c.output_dtypes[j] : ir::DType::f64;
      a["Y" + std::to_string(j)] =
          Buffer{dt, c.output_shapes[j],
                 std::vector<double>(static_cast<std::size_t>(count(c.output_shapes[j])), 0.0)};
    }
    ops::testing::interpret(p, a);
  };
  auto loss = [&](const std::map<std::string, Buffer>& inputs) {
    std::map<std::string, Buffer> a = inputs;
    outputs_of(built.forward, a);
    double l = 0.0;
    for (const auto& [y, s] : seeds)
      for (std::size_t i = 0; i < s.values.size(); ++i) l += a.at(y).values[i] * s.values[i];
    return l;
  };

  std::map<std::string, Buffer> all = args;
  for (const auto& [y, s] : seeds) all["S" + y.substr(1)] = s;
  for (const auto& in : c.inputs)
    if (!in.name.empty() && in.differentiate && ir::is_float(in.dtype))
      all["G_" + in.name] = Buffer{
          in.dtype, in.shape, std::vector<double>(static_cast<std::size_t>(count(in.shape)), 0.0)};
  try {
    outputs_of(built.backward, all);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "running the backward program failed: " << e.what() << "\n"
                  << ir::print_text(built.backward);
    return;
  }

  for (const auto& in : c.inputs) {
    if (in.name.empty() || !in.differentiate || !ir::is_float(in.dtype)) continue;
    const auto& analytic = all.at("G_" + in.name).values;
    for (std::size_t i = 0; i < analytic.size(); ++i) {
      const double x0 = args.at(in.name).values[i];
      const double h = c.step * std::max(1.0, std::abs(x0));
      auto at = [&](double x) {
        std::map<std::string, Buffer> a = args;
        a.at(in.name).values[i] = x;
        return loss(a);
      };
      const double d1 = (at(x0 + h) - at(x0 - h)) / (2 * h);
      const double d2 = (at(x0 + h / 2) - at(x0 - h / 2)) / h;
      const double numeric = (4 * d2 - d1) / 3;  // Richardson: O(h^4)
      EXPECT_NEAR(analytic[i], numeric, c.atol + c.rtol * std::abs(numeric))
          << c.op << ": d loss / d " << in.name << "[" << i << "]";
    }
  }
}

}  // namespace sluice::autodiff::testing
