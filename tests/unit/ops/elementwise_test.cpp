// Element-wise ops: each unary op on fixed inputs against numpy (make_compute_expectations.py
// elementwise), broadcasting, integer semantics, dtypes, a golden expansion, random inputs
// against C++ reference loops, and errors.

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ir/diagnostic.h"
#include "op_test_support.h"
#include "ops/expansion.h"

namespace sluice::ops::testing {
namespace {

using ir::DType;
using Values = std::vector<double>;

struct Unary {
  std::string op;
  Values want;
};

// The inputs as numpy saw them (f32 values widened to double).
const Values kX{-2.5, -1.0, -0.30000001192092896, 0.0, 0.4000000059604645,
                1.0,  2.5,  3.700000047683716};
const Values kU{-0.8999999761581421, -0.5, -0.10000000149011612, 0.0,
                0.20000000298023224, 0.5,  0.699999988079071,    0.949999988079071};
const Values kP{0.10000000149011612, 0.5, 1.0, 1.5, 2.0, 3.0, 7.5, 10.0};

const std::vector<Unary> kOnX{
    {"Neg",
     {2.5, 1.0, 0.30000001192092896, -0.0, -0.4000000059604645, -1.0, -2.5, -3.700000047683716}},
    {"Abs", {2.5, 1.0, 0.30000001192092896, 0.0, 0.4000000059604645, 1.0, 2.5, 3.700000047683716}},
    {"Exp",
     {0.0820849986238988, 0.3678794411714424, 0.7408182118504766, 1.0, 1.4918247065332384,
      2.718281828459045, 12.182493960703473, 40.4473062887452}},
    {"Tanh",
     {-0.9866142981514303, -0.7615941559557649, -0.2913126233608736, 0.0, 0.37994896735522943,
      0.7615941559557649, 0.9866142981514303, 0.998778241397576}},
    {"Erf",
     {-0.999593047982555, -0.8427007929497149, -0.32862677175271543, 0.0, 0.4283923607779012,
      0.8427007929497149, 0.999593047982555, 0.9999998328490031}},
    {"Sigmoid",
     {0.07585818002124355, 0.2689414213699951, 0.4255574802741708, 0.5, 0.5986876615445177,
      0.7310585786300049, 0.9241418199787566, 0.9758729797050395}},
    {"Floor", {-3.0, -1.0, -1.0, 0.0, 0.0, 1.0, 2.0, 3.0}},
    {"Ceil", {-2.0, -1.0, -0.0, 0.0, 1.0, 1.0, 3.0, 4.0}},
    {"Relu", {0.0, 0.0, 0.0, 0.0, 0.4000000059604645, 1.0, 2.5, 3.700000047683716}},
    {"Sign", {-1.0, -1.0, -1.0, 0.0, 1.0, 1.0, 1.0, 1.0}},
    {"Sin",
     {-0.5984721441039564, -0.8414709848078965, -0.295520218049838, 0.0, 0.38941834779860185,
      0.8414709848078965, 0.5984721441039564, -0.5298361813490534}},
    {"Cos",
     {-0.8011436155469338, 0.5403023058681397, 0.9553364856027307, 1.0, 0.9210609916817707,
      0.5403023058681397, -0.8011436155469338, -0.8481000064458513}},
    {"Tan",
     {0.7470222972386602, -1.557407724654902, -0.30933626267125297, 0.0, 0.42279322576408374,
      1.557407724654902, -0.7470222972386602, 0.6247331415188263}},
    {"Sinh",
     {-6.0502044810397875, -1.1752011936438014, -0.30452030590854884, 0.0, 0.410752332246509,
      1.1752011936438014, 6.0502044810397875, 20.211291381726884}},
    {"Cosh",
     {6.132289479663686, 1.5430806348152437, 1.0453385177590253, 1.0, 1.0810723742867296,
      1.5430806348152437, 6.132289479663686, 20.236014907018316}},
    {"Asinh",
     {-1.6472311463710958, -0.881373587019543, -0.2956730589816015, 0.0, 0.3900353253048676,
      0.881373587019543, 1.6472311463710958, 2.0192606685960723}},
    {"Softplus",
     {0.07888973429254957, 0.3132616875182228, 0.5543552393954867, 0.6931471805599453,
      0.913015255968409, 1.3132616875182228, 2.5788897342925496, 3.724422892467029}},
    {"Softsign",
     {-0.7142857142857143, -0.5, -0.23076923782303482, 0.0, 0.285714288755339, 0.5,
      0.7142857142857143, 0.7872340447118024}},
    {"Mish",
     {-0.1968162039065332, -0.3034014613741089, -0.15113318200816367, 0.0, 0.28903053906137627,
      0.8650983882673103, 2.471392304557881, 3.6956949166998605}},
    {"Elu",
     {-0.9179150013761012, -0.6321205588285577, -0.2591817881495234, 0.0, 0.4000000059604645, 1.0,
      2.5, 3.700000047683716}},
    {"Selu",
     {-1.6137857588732423, -1.1113307378125625, -0.4556673309053215, 0.0, 0.4202804012048581,
      1.0507009873554805, 2.626752468388701, 3.887593703316605}},
    {"Celu",
     {-0.9179150013761012, -0.6321205588285577, -0.2591817881495234, 0.0, 0.4000000059604645, 1.0,
      2.5, 3.700000047683716}},
    {"HardSigmoid", {0.0, 0.3, 0.4399999976158142, 0.5, 0.5800000011920929, 0.7, 1.0, 1.0}},
    {"HardSwish",
     {-0.2083333333333333, -0.33333333333333337, -0.13500000476837157, 0.0, 0.22666667044162753,
      0.6666666666666666, 2.291666666666667, 3.700000047683716}},
    {"LeakyRelu",
     {-0.025, -0.01, -0.0030000001192092896, 0.0, 0.4000000059604645, 1.0, 2.5, 3.700000047683716}},
    {"ThresholdedRelu", {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.5, 3.700000047683716}},
    {"Shrink", {-2.5, -1.0, 0.0, 0.0, 0.0, 1.0, 2.5, 3.700000047683716}},
    {"Gelu",
     {-0.015524163314440398, -0.15865525393145707, -0.11462657653421583, 0.0, 0.2621687014287721,
      0.8413447460685429, 2.4844758366855597, 3.699601188739653}},
};
const std::vector<Unary> kOnU{
    {"Asin",
     {-1.119769460301664, -0.5235987755982989, -0.10016742265918284, 0.0, 0.2013579238320176,
      0.5235987755982989, 0.7753974799181137, 1.2532358593258506}},
    {"Acos",
     {2.6905657870965607, 2.0943951023931957, 1.6709637494540794, 1.5707963267948966,
      1.369438402962879, 1.0471975511965976, 0.7953988468767829, 0.31756046746904604}},
    {"Atan",
     {-0.7328150886142092, -0.4636476090008061, -0.09966865396652452, 0.0, 0.19739556271548866,
      0.4636476090008061, 0.6107259563885851, 0.7597627486098423}},
    {"Atanh",
     {-1.4722193640997716, -0.5493061443340549, -0.10033534923624338, 0.0, 0.20273255715849078,
      0.5493061443340549, 0.8673005043196831, 1.8317807007988993}},
};
const std::vector<Unary> kOnP{
    {"Sqrt",
     {0.3162277683729184, 0.7071067811865476, 1.0, 1.224744871391589, 1.4142135623730951,
      1.7320508075688772, 2.7386127875258306, 3.1622776601683795}},
    {"Log",
     {-2.3025850780928847, -0.6931471805599453, 0.0, 0.4054651081081644, 0.6931471805599453,
      1.0986122886681096, 2.0149030205422647, 2.3025850929940455}},
    {"Reciprocal",
     {9.99999985098839, 2.0, 1.0, 0.6666666666666666, 0.5, 0.3333333333333333, 0.13333333333333333,
      0.1}},
    {"Acosh",
     {0.4435682576368151, 0.9624236501192069, 1.3169578969248168, 1.566799236972411,
      1.762747174039086, 2.0634370688955603, 2.82973503752439, 3.088969904844603}},
};

void check_unary(const Unary& u, const Values& input, DType dtype) {
  SCOPED_TRACE(u.op + " " + std::string(ir::dtype_name(dtype)));
  const auto n = static_cast<std::int64_t>(input.size());
  expect_outputs({u.op, {}, {buffer(dtype, {2, n / 2}, input)}, {buffer(dtype, {2, n / 2})}},
                 {u.want}, dtype == DType::f16 ? 2e-3 : 1e-5);
}

TEST(Elementwise, UnaryOpsMatchNumpy) {
  for (const DType t : {DType::f32, DType::f64}) {
    for (const Unary& u : kOnX) check_unary(u, kX, t);
    for (const Unary& u : kOnU) check_unary(u, kU, t);
    for (const Unary& u : kOnP) {
      Values p = kP;
      if (u.op == "Acosh")
        for (double& v : p) v += 1.0;
      check_unary(u, p, t);
    }
  }
}

TEST(Elementwise, HalfPrecisionTypeChecks) {
  // f16 literals: the same code must type-check (values computed in double by the interpreter).
  for (const Unary& u : kOnX) check_unary(u, kX, DType::f16);
}

TEST(Elementwise, GeluTanhAndAttributes) {
  expect_outputs({"Gelu", {{"approximate", std::string("tanh")}}, {f32({8}, kX)}, {f32({8})}},
                 {{-0.015084266089998577, -0.1588080093917233, -0.1146290796485276, 0.0,
                   0.2621611742115757, 0.8411919906082768, 2.484915733910001, 3.6997282417174806}});
  expect_outputs({"LeakyRelu", {{"alpha", 0.5}}, {f32({3}, {-2, 0, 2})}, {f32({3})}}, {{-1, 0, 2}});
  expect_outputs({"Elu", {{"alpha", 2.0}}, {f64({2}, {-1, 1})}, {f64({2})}},
                 {{2 * (std::exp(-1.0) - 1), 1}});
  expect_outputs(
      {"Shrink", {{"lambd", 1.5}, {"bias", 1.0}}, {f32({5}, {-2, -1, 0, 1, 2})}, {f32({5})}},
      {{-1, 0, 0, 0, 1}});
  expect_outputs(
      {"HardSigmoid", {{"alpha", 0.5}, {"beta", 0.25}}, {f32({3}, {-1, 0, 2})}, {f32({3})}},
      {{0, 0.25, 1}});
  expect_outputs({"Celu", {{"alpha", 2.0}}, {f64({2}, {-1, 1})}, {f64({2})}},
                 {{2 * (std::exp(-0.5) - 1), 1}});
  expect_outputs({"ThresholdedRelu", {{"alpha", 0.0}}, {f32({3}, {-1, 0, 2})}, {f32({3})}},
                 {{0, 0, 2}});
}

TEST(Elementwise, RoundHalfToEven) {
  expect_outputs(
      {"Round", {}, {f32({9}, {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, 2.51, -2.7})}, {f32({9})}},
      {{-2.0, -2.0, -0.0, 0.0, 2.0, 2.0, 0.0, 3.0, -3.0}});
}

TEST(Elementwise, BinaryBroadcasting) {
  const Buffer a = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  const Buffer row = f32({3}, {2, 4, 8});
  expect_outputs({"Sub", {}, {a, row}, {f32({2, 3})}}, {{-1, -2, -5, 2, 1, -2}});
  expect_outputs({"Mul", {}, {a, row}, {f32({2, 3})}}, {{2, 8, 24, 8, 20, 48}});
  expect_outputs({"Div", {}, {a, row}, {f32({2, 3})}}, {{0.5, 0.5, 0.375, 2, 1.25, 0.75}});
  expect_outputs({"Pow", {}, {a, f32({1}, {2})}, {f32({2, 3})}}, {{1, 4, 9, 16, 25, 36}});
  // Pow with an integer exponent of another type.
  expect_outputs({"Pow", {}, {f32({3}, {2, 3, 4}), i64({3}, {3, 2, 0})}, {f32({3})}}, {{8, 9, 1}});
  // [3, 1] against [1, 2] gives [3, 2]; a scalar against a matrix.
  expect_outputs({"Add", {}, {f64({3, 1}, {1, 2, 3}), f64({1, 2}, {10, 20})}, {f64({3, 2})}},
                 {{11, 21, 12, 22, 13, 23}});
  expect_outputs({"Add", {}, {f32({}, {1}), a}, {f32({2, 3})}}, {{2, 3, 4, 5, 6, 7}});
  expect_outputs(
      {"PRelu", {}, {f32({2, 3}, {-1, 2, -3, 4, -5, 6}), f32({3}, {0.5, 0.25, 2})}, {f32({2, 3})}},
      {{-0.5, 2, -6, 4, -1.25, 6}});
}

TEST(Elementwise, VariadicAndClip) {
  const Buffer a = f32({2, 2}, {1, 5, -3, 7});
  const Buffer b = f32({2}, {2, 4});
  const Buffer c = f32({}, {3});
  expect_outputs({"Sum", {}, {a, b, c}, {f32({2, 2})}}, {{6, 12, 2, 14}});
  expect_outputs({"Mean", {}, {a, b, c}, {f32({2, 2})}}, {{2, 4, 2.0 / 3, 14.0 / 3}});
  expect_outputs({"Max", {}, {a, b, c}, {f32({2, 2})}}, {{3, 5, 3, 7}});
  expect_outputs({"Min", {}, {a, b, c}, {f32({2, 2})}}, {{1, 3, -3, 3}});
  expect_outputs({"Sum", {}, {a}, {f32({2, 2})}}, {{1, 5, -3, 7}});
  // Clip: inputs (opset 11+), only max (min absent), attributes (opset 6), nothing.
  expect_outputs({"Clip", {}, {a, f32({}, {0}), f32({}, {6})}, {f32({2, 2})}}, {{1, 5, 0, 6}});
  expect_outputs({"Clip", {}, {a, absent(), f32({}, {2})}, {f32({2, 2})}}, {{1, 2, -3, 2}});
  expect_outputs({"Clip", {{"min", -1.0}, {"max", 4.0}}, {a}, {f32({2, 2})}}, {{1, 4, -1, 4}});
  expect_outputs({"Clip", {}, {a}, {f32({2, 2})}}, {{1, 5, -3, 7}});
  expect_outputs({"Clip", {}, {i64({3}, {-5, 0, 5}), i64({}, {-1}), i64({}, {1})}, {i64({3})}},
                 {{-1, 0, 1}});
}

TEST(Elementwise, ComparisonsLogicWhere) {
  const Buffer a = f32({4}, {1, 2, 3, 4});
  const Buffer b = f32({4}, {4, 2, 1, 5});
  expect_outputs({"Equal", {}, {a, b}, {boolean({4})}}, {{0, 1, 0, 0}});
  expect_outputs({"Less", {}, {a, b}, {boolean({4})}}, {{1, 0, 0, 1}});
  expect_outputs({"LessOrEqual", {}, {a, b}, {boolean({4})}}, {{1, 1, 0, 1}});
  expect_outputs({"Greater", {}, {a, b}, {boolean({4})}}, {{0, 0, 1, 0}});
  expect_outputs({"GreaterOrEqual", {}, {a, b}, {boolean({4})}}, {{0, 1, 1, 0}});
  expect_outputs({"Equal", {}, {i64({2}, {3, 4}), i64({1}, {4})}, {boolean({2})}}, {{0, 1}});
  const Buffer p = boolean({4}, {0, 0, 1, 1});
  const Buffer q = boolean({4}, {0, 1, 0, 1});
  expect_outputs({"And", {}, {p, q}, {boolean({4})}}, {{0, 0, 0, 1}});
  expect_outputs({"Or", {}, {p, q}, {boolean({4})}}, {{0, 1, 1, 1}});
  expect_outputs({"Xor", {}, {p, q}, {boolean({4})}}, {{0, 1, 1, 0}});
  expect_outputs({"Not", {}, {p}, {boolean({4})}}, {{1, 1, 0, 0}});
  expect_outputs({"Equal", {}, {p, q}, {boolean({4})}}, {{1, 0, 0, 1}});
  expect_outputs({"Where", {}, {boolean({2, 1}, {1, 0}), a, f32({}, {-1})}, {f32({2, 4})}},
                 {{1, 2, 3, 4, -1, -1, -1, -1}});
  expect_outputs({"IsNaN", {}, {f32({3}, {NAN, 1, INFINITY})}, {boolean({3})}}, {{1, 0, 0}});
  const Buffer inf = f32({4}, {-INFINITY, 0, INFINITY, NAN});
  expect_outputs({"IsInf", {}, {inf}, {boolean({4})}}, {{1, 0, 1, 0}});
  expect_outputs({"IsInf", {{"detect_negative", std::int64_t{0}}}, {inf}, {boolean({4})}},
                 {{0, 0, 1, 0}});
  expect_outputs({"IsInf", {{"detect_positive", std::int64_t{0}}}, {inf}, {boolean({4})}},
                 {{1, 0, 0, 0}});
}

TEST(Elementwise, IntegerSemantics) {
  const Buffer a = i64({6}, {-7, -7, 7, 7, 5, -5});
  const Buffer b = i64({6}, {2, -2, 2, -2, 3, 3});
  // Division truncates toward zero; Mod floors unless fmod=1 (numpy: np.mod, np.fmod).
  expect_outputs({"Div", {}, {a, b}, {i64({6})}}, {{-3.0, 3.0, 3.0, -3.0, 1.0, -1.0}});
  expect_outputs({"Mod", {}, {a, b}, {i64({6})}}, {{1.0, -1.0, 1.0, -1.0, 2.0, 1.0}});
  expect_outputs({"Mod", {{"fmod", std::int64_t{1}}}, {a, b}, {i64({6})}},
                 {{-1.0, -1.0, 1.0, 1.0, 2.0, -2.0}});
  expect_outputs({"Mod",
                  {{"fmod", std::int64_t{1}}},
                  {f64({4}, {-7.5, 7.5, 5.25, -5.25}), f64({4}, {2.0, -2.0, 1.5, 1.5})},
                  {f64({4})}},
                 {{-1.5, 1.5, 0.75, -0.75}});
  expect_outputs({"BitShift",
                  {{"direction", std::string("LEFT")}},
                  {i64({3}, {1, 3, 5}), i64({3}, {0, 2, 3})},
                  {i64({3})}},
                 {{1, 12, 40}});
  expect_outputs({"BitShift",
                  {{"direction", std::string("RIGHT")}},
                  {i64({3}, {16, 7, 255}), i64({3}, {2, 1, 4})},
                  {i64({3})}},
                 {{4, 3, 15}});
  const Buffer small = buffer(DType::i32, {4}, {-3, 0, 2, 9});
  expect_outputs({"Relu", {}, {small}, {buffer(DType::i32, {4})}}, {{0, 0, 2, 9}});
  expect_outputs({"Abs", {}, {small}, {buffer(DType::i32, {4})}}, {{3, 0, 2, 9}});
  expect_outputs({"Neg", {}, {buffer(DType::i8, {2}, {-3, 5})}, {buffer(DType::i8, {2})}},
                 {{3, -5}});
  expect_outputs({"Sign", {}, {small}, {buffer(DType::i32, {4})}}, {{-1, 0, 1, 1}});
  expect_outputs({"Pow", {}, {i64({3}, {2, 3, 5}), i64({3}, {10, 3, 0})}, {i64({3})}},
                 {{1024, 27, 1}});
}

TEST(Elementwise, CastDropoutIdentities) {
  expect_outputs({"Cast", {{"to", std::int64_t{7}}}, {f32({4}, {-1.7, 0.2, 2.9, 3})}, {i64({4})}},
                 {{-1, 0, 2, 3}});
  expect_outputs({"Cast", {{"to", std::int64_t{9}}}, {f32({3}, {0, 0.5, -2})}, {boolean({3})}},
                 {{0, 1, 1}});
  expect_outputs({"Cast", {{"to", std::int64_t{1}}}, {boolean({2}, {1, 0})}, {f32({2})}}, {{1, 0}});
  expect_outputs({"CastLike", {}, {i64({2}, {3, -4}), f64({1}, {0})}, {f64({2})}}, {{3, -4}});
  expect_outputs({"Dropout", {}, {f32({3}, {1, 2, 3})}, {f32({3})}}, {{1, 2, 3}});
  expect_outputs({"Dropout", {{"ratio", 0.3}}, {f32({3}, {1, 2, 3})}, {f32({3}), boolean({3})}},
                 {{1, 2, 3}, {1, 1, 1}});
}

// The inverse trigonometric functions are built from sqrt and a series: exact in double
// precision over the whole domain, the ends included.
TEST(Elementwise, InverseTrigonometryIsExact) {
  auto rng = seeded_rng("Elementwise.InverseTrigonometryIsExact");
  Values u = uniform(rng, 40, -1, 1);
  u.insert(u.end(), {-1.0, 1.0, 0.0, 1e-9, -0.999999});
  Values wide = uniform(rng, 40, -50, 50);
  wide.insert(wide.end(), {1e6, -1e6, 0.0});
  const auto n = static_cast<std::int64_t>(u.size());
  const auto m = static_cast<std::int64_t>(wide.size());
  Values asin_want, acos_want, atan_want;
  for (const double v : u) asin_want.push_back(std::asin(v));
  for (const double v : u) acos_want.push_back(std::acos(v));
  for (const double v : wide) atan_want.push_back(std::atan(v));
  expect_outputs({"Asin", {}, {f64({n}, u)}, {f64({n})}}, {asin_want}, 1e-14);
  expect_outputs({"Acos", {}, {f64({n}, u)}, {f64({n})}}, {acos_want}, 1e-14);
  expect_outputs({"Atan", {}, {f64({m}, wide)}, {f64({m})}}, {atan_want}, 1e-14);
}

// Random inputs against C++ reference loops.
TEST(Elementwise, RandomAgainstReference) {
  auto rng = seeded_rng("Elementwise.RandomAgainstReference");
  const struct {
    std::string op;
    std::function<double(double)> f;
  } ops[] = {
      {"Tanh", [](double v) { return std::tanh(v); }},
      {"Softplus", [](double v) { return std::log1p(std::exp(v)); }},
      {"Gelu", [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }},
      {"Sinh", [](double v) { return std::sinh(v); }},
      {"Asinh", [](double v) { return std::asinh(v); }},
      {"Mish", [](double v) { return v * std::tanh(std::log1p(std::exp(v))); }},
  };
  for (const auto& op : ops) {
    const Values in = uniform(rng, 24, -6, 6);
    Values want;
    for (const double v : in) want.push_back(op.f(v));
    expect_outputs({op.op, {}, {f64({2, 3, 4}, in)}, {f64({2, 3, 4})}}, {want});
  }
  // Broadcast Add over random shapes [A, 1, C] + [B, 1].
  std::uniform_int_distribution<std::int64_t> dim(1, 4);
  const std::int64_t A = dim(rng), B = dim(rng), C = dim(rng);
  const Values x = uniform(rng, static_cast<std::size_t>(A * C), -1, 1);
  const Values y = uniform(rng, static_cast<std::size_t>(B), -1, 1);
  Values want;
  for (std::int64_t i = 0; i < A; ++i)
    for (std::int64_t j = 0; j < B; ++j)
      for (std::int64_t k = 0; k < C; ++k)
        want.push_back(x[static_cast<std::size_t>(i * C + k)] + y[static_cast<std::size_t>(j)]);
  expect_outputs({"Add", {}, {f64({A, 1, C}, x), f64({B, 1}, y)}, {f64({A, B, C})}}, {want});
}

TEST(Elementwise, GoldenBroadcastAdd) {
  const std::string text = expanded_text({"Add", {}, {f32({2, 3}), f32({3})}, {f32({2, 3})}});
  EXPECT_NE(text.find(R"(tasklet "add" (a, b) -> (y) { y = a + b; })"), std::string::npos) << text;
  EXPECT_NE(text.find("x0[_d0, _d1]"), std::string::npos) << text;
  EXPECT_NE(text.find("x1[_d1]"), std::string::npos) << text;
  EXPECT_NE(text.find("node 1 -> node 5.x0 x0[0:2, 0:3]"), std::string::npos) << text;
}

TEST(Elementwise, Errors) {
  expect_user_error({"Gelu", {{"approximate", std::string("fast")}}, {f32({2})}, {f32({2})}},
                    "approximate");
  expect_user_error({"Exp", {}, {i64({2})}, {i64({2})}}, "floating-point");
  expect_user_error(
      {"BitShift", {{"direction", std::string("UP")}}, {i64({2}), i64({2})}, {i64({2})}},
      "direction");
  expect_user_error({"Cast", {}, {f32({2})}, {i64({2})}}, "attribute 'to' is missing");
  expect_user_error(
      {"Dropout", {{"training_mode", std::int64_t{1}}, {"ratio", 1.0}}, {f32({2})}, {f32({2})}},
      "ratio");
  expect_user_error(
      {"Dropout", {{"training_mode", std::int64_t{1}}, {"ratio", 0.5}}, {i64({2})}, {i64({2})}},
      "floating-point");
  expect_user_error({"Dropout",
                     {{"training_mode", std::int64_t{1}}},
                     {f32({2}), absent(), absent(), f32({1}, {0})},
                     {f32({2})}},
                    "offset");
}

}  // namespace
}  // namespace sluice::ops::testing
