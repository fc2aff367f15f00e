// MapNode::block_size (threads per block of a GPU map, set by gpu-map) survives the text and
// JSON formats, takes part in equality, and out-of-range values are refused where they are read.

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "ir/json_format.h"
#include "ir/text_format.h"

namespace sluice::ir {
namespace {

constexpr const char* kProgram = R"(program p {
  symbol N: i64
  array X: f32[N] storage=gpu_global
  state 0 "main" start {
    node 0 = map "zero" [i = 0:N] () -> (X) schedule=gpu_grid block_size=128 {
      node 0 = tasklet "z" () -> (x) { x = 0.0; }
      node 1 = access X
      edge 0: node 0.x -> node 1 X[i]
    }
    node 1 = access X
    edge 0: node 0.X -> node 1 X[0:N]
  }
}
)";

const MapNode& the_map(const Program& p) {
  const Graph& g = p.states[p.start_state].graph;
  return g.get<MapNode>(NodeId(0));
}

TEST(MapBlockSize, RoundTripsThroughTextAndJson) {
  const Program p = parse_text(kProgram);
  EXPECT_EQ(the_map(p).block_size, 128);
  EXPECT_EQ(the_map(p).schedule, Schedule::GpuGrid);
  EXPECT_EQ(print_text(p), kProgram);
  const std::string json = write_json(p);
  EXPECT_NE(json.find(R"("block_size": 128)"), std::string::npos) << json;
  const Program back = read_json(json, "p.sluice.json");
  EXPECT_EQ(the_map(back).block_size, 128);
  EXPECT_TRUE(back == p);
}

TEST(MapBlockSize, TakesPartInEqualityAndIsLeftOutWhenZero) {
  Program p = parse_text(kProgram);
  const Program q = p;
  p.states[p.start_state].graph.get<MapNode>(NodeId(0)).block_size = 0;
  EXPECT_FALSE(p == q);
  EXPECT_EQ(print_text(p).find("block_size"), std::string::npos);
  EXPECT_EQ(write_json(p).find("block_size"), std::string::npos);
}

TEST(MapBlockSize, RefusesOutOfRangeValues) {
  std::string text = kProgram;
  text.replace(text.find("block_size=128"), 14, "block_size=2048");
  try {
    (void)parse_text(text);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("block_size must be between 1 and 1024"),
              std::string::npos)
        << e.what();
  }
  std::string json = write_json(parse_text(kProgram));
  json.replace(json.find(R"("block_size": 128)"), 17, R"("block_size": 0)");
  EXPECT_THROW((void)read_json(json, "p.sluice.json"), UserError);
}

}  // namespace
}  // namespace sluice::ir
