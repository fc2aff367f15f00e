// Epilogues of contractions (ir/epilogue.h): the attribute and its connectors round-trip through
// the text and JSON formats, and the verifier checks the code and the broadcast of its inputs.
#include "ir/epilogue.h"

#include <gtest/gtest.h>

#include "ir/json_format.h"
#include "ir/text_format.h"
#include "ir/verifier.h"

namespace sluice::ir {
namespace {

// A MatMul with a bias + GeLU epilogue, as epilogue-fusion leaves it (`%CODE%` and `%BIAS%`
// are replaced by the tests).
constexpr const char* kProgram = R"(program p {
  symbol M: i64
  array A: f32[M, 4]
  array W: f32[4, 6]
  array B: %BIAS%
  array Y: f32[M, 6]
  state 0 "main" start {
    node 0 = access A
    node 1 = access W
    node 2 = access B
    node 3 = library "fc" MatMul (in0, in1, epi0) -> (out0) impl=blas {epilogue=%CODE%}
    node 4 = access Y
    edge 0: node 0 -> node 3.in0 A[0:M, 0:4]
    edge 1: node 1 -> node 3.in1 W[0:4, 0:6]
    edge 2: node 2 -> node 3.epi0 %SUBSET%
    edge 3: node 3.out0 -> node 4 Y[0:M, 0:6]
  }
}
)";

constexpr const char* kGelu =
    R"("let t: f32 = acc + epi0;\ny = 0.5 * t * (1.0 + erf(t * 0.7071067811865476));")";

std::string program_text(const std::string& code, const std::string& bias = "f32[6]",
                         const std::string& subset = "B[0:6]") {
  std::string text = kProgram;
  const auto put = [&](const std::string& key, const std::string& value) {
    text.replace(text.find(key), key.size(), value);
  };
  put("%CODE%", code);
  put("%BIAS%", bias);
  put("%SUBSET%", subset);
  return text;
}

std::string messages(const Program& p) {
  std::string out;
  for (const Diagnostic& d : verify(p)) out += d.str() + "\n";
  return out;
}

TEST(Epilogue, RoundTripsThroughTextAndJson) {
  const Program p = parse_text(program_text(kGelu));
  const auto& lib = p.states[p.start_state].graph.get<LibraryNode>(NodeId{3});
  const std::string* code = epilogue_code(lib);
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(*code, "let t: f32 = acc + epi0;\ny = 0.5 * t * (1.0 + erf(t * 0.7071067811865476));");
  EXPECT_EQ(lib.inputs, (std::vector<std::string>{"in0", "in1", "epi0"}));
  EXPECT_EQ(messages(p), "");
  const std::string text = print_text(p);
  EXPECT_EQ(parse_text(text), p);
  EXPECT_EQ(print_text(parse_text(text)), text);
  const Program from_json = read_json(write_json(p));
  EXPECT_EQ(from_json, p);
  EXPECT_EQ(print_text(from_json), text);
}

TEST(Epilogue, ConnectorNames) {
  EXPECT_TRUE(is_epilogue_connector("epi0"));
  EXPECT_TRUE(is_epilogue_connector("epi12"));
  EXPECT_FALSE(is_epilogue_connector("epi"));
  EXPECT_FALSE(is_epilogue_connector("epix"));
  EXPECT_FALSE(is_epilogue_connector("in0"));
  EXPECT_EQ(epilogue_connector(3), "epi3");
}

TEST(Epilogue, VerifierChecksTheCode) {
  EXPECT_NE(messages(parse_text(program_text(R"("y = acc + bias;")")))
                .find("the epilogue reads 'bias', which is neither 'acc'"),
            std::string::npos);
  EXPECT_NE(messages(parse_text(program_text(R"("z = acc + epi0;")")))
                .find("the epilogue must assign 'y' and nothing else"),
            std::string::npos);
  EXPECT_NE(messages(parse_text(program_text(R"("y = acc +")"))).find("does not check"),
            std::string::npos);
  // A bias of another dtype needs a cast: the types are checked.
  EXPECT_NE(
      messages(parse_text(program_text(R"("y = acc + epi0;")", "f64[6]"))).find("does not check"),
      std::string::npos);
  EXPECT_EQ(messages(parse_text(program_text(R"("y = acc + cast<f32>(epi0);")", "f64[6]"))), "");
}

TEST(Epilogue, VerifierChecksTheBroadcast) {
  EXPECT_EQ(messages(parse_text(program_text(R"("y = acc + epi0;")", "f32[1, 6]", "B[0:1, 0:6]"))),
            "");
  EXPECT_EQ(messages(parse_text(program_text(R"("y = acc + epi0;")", "f32[M, 1]", "B[0:M, 0:1]"))),
            "");
  EXPECT_NE(messages(parse_text(program_text(R"("y = acc + epi0;")", "f32[5]", "B[0:5]")))
                .find("the epilogue input 'B' (epi0) does not broadcast against the output 'Y'"),
            std::string::npos);
}

TEST(Epilogue, OnlyContractionsTakeOne) {
  std::string text = program_text(R"("y = acc;")");
  text.replace(text.find("MatMul"), 6, "Conv");
  EXPECT_NE(messages(parse_text(text)).find("an epilogue follows a contraction"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice::ir
