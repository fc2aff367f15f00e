#pragma once
/// A generated program of about `nodes` drawn nodes for the layout budget tests: a chain of
/// layers, each an activation, a weight and a library node, every tenth a mapped tasklet
/// (a map scope with a body) instead.

#include <string>

#include "ir/builder.h"

namespace sluice::gui::testing {

inline ir::Program large_program(int nodes) {
  ir::ProgramBuilder b("large");
  b.array("act0", ir::DType::f32, {64, 64});
  ir::GraphBuilder g = b.state("main");
  ir::NodeId previous = g.access("act0");
  int drawn = 1;
  for (int layer = 1; drawn < nodes; ++layer) {
    const std::string out = "act" + std::to_string(layer);
    b.array(out, ir::DType::f32, {64, 64});
    if (layer % 10 == 0) {  // map, entry/exit, 2 body accesses, tasklet, outer output
      const auto mapped =
          g.mapped_tasklet("scale" + std::to_string(layer), "i=0:64, j=0:64",
                           {{"x", "act" + std::to_string(layer - 1), "i, j", {}, previous}},
                           "y = 2.0 * x;", {{"y", out, "i, j"}});
      previous = mapped.outer_outputs.at(out);
      drawn += 6;
      continue;
    }
    const std::string weight = "w" + std::to_string(layer);
    b.array(weight, ir::DType::f32, {64, 64});
    const ir::NodeId w = g.access(weight);
    const ir::NodeId op = g.library("matmul" + std::to_string(layer), "MatMul", {"A", "B"}, {"Y"});
    g.read(previous, "0:64, 0:64", op, "A");
    g.read(w, "0:64, 0:64", op, "B");
    previous = g.access(out);
    g.write(op, "Y", previous, "0:64, 0:64");
    drawn += 3;
  }
  return b.build();
}

}  // namespace sluice::gui::testing
