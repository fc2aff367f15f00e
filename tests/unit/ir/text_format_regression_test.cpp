// Inputs the fuzzers found; each must give a diagnostic, never undefined behaviour.
#include <gtest/gtest.h>

#include "ir/text_format.h"

namespace sluice::ir {
namespace {

// text_loader_fuzzer, 2026-11-21: a node id of 2^64 - 1 wrapped `id + 1` to 0 and reached
// Arena::insert_at with the invalid id.
TEST(TextFormatRegression, HugeNodeIdIsRefused) {
  const char* text =
      "program p {\n  array X: f32[4]\n  state 0 \"main\" start {\n"
      "    node 18446744073709551615 = access X\n  }\n}\n";
  try {
    (void)parse_text(text, "huge.sluice.txt");
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_EQ(e.diagnostics().at(0).location, "huge.sluice.txt:4:10");
    EXPECT_EQ(e.diagnostics().at(0).message,
              "a node id 18446744073709551615 is out of range (at most 4294967294)");
  }
}

TEST(TextFormatRegression, LargestIdBelowTheSentinelIsJudgedBySize) {
  const char* text =
      "program p {\n  array X: f32[4]\n  state 0 \"main\" start {\n"
      "    node 4294967294 = access X\n  }\n}\n";
  EXPECT_THROW((void)parse_text(text, "big.sluice.txt"), UserError);
}

}  // namespace
}  // namespace sluice::ir
