// make_compiler: which route CompilerOptions::route and $SLUICE_COMPILER pick.
#include "codegen/compiler_route.h"

#include <cstdlib>
#include <string>

#include "codegen_test_support.h"

namespace sluice::codegen {
namespace {

/// Sets $SLUICE_COMPILER for one scope, restoring the previous value.
class ScopedRouteVariable {
public:
  explicit ScopedRouteVariable(const char* value) {
    if (const char* old = std::getenv("SLUICE_COMPILER")) old_ = old;
    if (value) {
      setenv("SLUICE_COMPILER", value, 1);
    } else {
      unsetenv("SLUICE_COMPILER");
    }
  }
  ~ScopedRouteVariable() {
    if (old_.empty()) {
      unsetenv("SLUICE_COMPILER");
    } else {
      setenv("SLUICE_COMPILER", old_.c_str(), 1);
    }
  }
  ScopedRouteVariable(const ScopedRouteVariable&) = delete;
  ScopedRouteVariable& operator=(const ScopedRouteVariable&) = delete;

private:
  std::string old_;
};

TEST(CompilerRoute, LlvmByDefaultWhenBuiltWithIt) {
  const ScopedRouteVariable unset(nullptr);
  EXPECT_STREQ(make_compiler()->route(), llvm_route_built() ? "llvm" : "external");
  EXPECT_EQ(llvm_route_built(), SLUICE_WITH_LLVM != 0);
}

TEST(CompilerRoute, TheVariableAndTheOptionPickARoute) {
  const ScopedRouteVariable external("external");
  EXPECT_STREQ(make_compiler()->route(), "external");
  CompilerOptions o;
  o.route = "llvm";
  if (llvm_route_built()) {
    EXPECT_STREQ(make_compiler(o)->route(), "llvm");  // the option wins over the variable
  } else {
    try {
      make_compiler(o);
      FAIL() << "no error";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("built without LLVM"), std::string::npos) << e.what();
    }
  }
}

TEST(CompilerRoute, AnUnknownRouteIsAUserErrorNamingTheKnownOnes) {
  const ScopedRouteVariable bad("gcc");
  try {
    make_compiler();
    FAIL() << "no error";
  } catch (const UserError& e) {
    const Diagnostic& d = e.diagnostics().at(0);
    EXPECT_EQ(d.location, "SLUICE_COMPILER");
    EXPECT_NE(d.message.find("unknown compiler route 'gcc' (known: llvm, external)"),
              std::string::npos)
        << d.message;
  }
}

}  // namespace
}  // namespace sluice::codegen
