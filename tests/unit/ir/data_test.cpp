// Data descriptors, dtypes, memlet subsets.
#include <gtest/gtest.h>

#include "ir/builder.h"
#include "ir/data.h"
#include "ir/memlet.h"

namespace sluice::ir {
namespace {

TEST(DType, SizesAndNames) {
  EXPECT_EQ(dtype_size(DType::f32), 4);
  EXPECT_EQ(dtype_size(DType::bf16), 2);
  EXPECT_EQ(dtype_size(DType::f64), 8);
  EXPECT_EQ(dtype_size(DType::boolean), 1);
  for (auto d : {DType::f32, DType::f16, DType::bf16, DType::f64, DType::i8, DType::i32,
                 DType::i64, DType::boolean})
    EXPECT_EQ(parse_dtype(dtype_name(d)), d);
  EXPECT_EQ(dtype_name(DType::boolean), "bool");
  EXPECT_FALSE(parse_dtype("float32").has_value());
  EXPECT_TRUE(is_float(DType::bf16));
  EXPECT_FALSE(is_float(DType::i8));
  EXPECT_TRUE(is_integer(DType::i64));
}

TEST(Container, ContiguousStridesAreRowMajor) {
  const Expr n = Expr::symbol("N");
  const Expr m = Expr::symbol("M");
  EXPECT_EQ(contiguous_strides({n, m, 4}), (std::vector<Expr>{m * 4, Expr(4), Expr(1)}));
  EXPECT_TRUE(contiguous_strides({}).empty());
}

TEST(Container, SizeInBytes) {
  Container c;
  c.dtype = DType::f16;
  c.shape = {Expr::symbol("N"), 8};
  EXPECT_EQ(c.num_elements(), Expr::symbol("N") * 8);
  EXPECT_EQ(c.size_bytes().evaluate({{"N", 3}}), 3 * 8 * 2);
  Container scalar;
  scalar.kind = ContainerKind::Scalar;
  scalar.dtype = DType::f64;
  EXPECT_EQ(scalar.size_bytes(), Expr(8));
}

TEST(Container, EnumNamesRoundTrip) {
  for (auto s : {Storage::Default, Storage::HostHeap, Storage::HostStack, Storage::Register,
                 Storage::GpuGlobal, Storage::GpuShared})
    EXPECT_EQ(parse_storage(storage_name(s)), s);
  for (auto l : {Lifetime::Scope, Lifetime::State, Lifetime::Program, Lifetime::Persistent})
    EXPECT_EQ(parse_lifetime(lifetime_name(l)), l);
  for (auto k : {ContainerKind::Scalar, ContainerKind::Array, ContainerKind::View})
    EXPECT_EQ(parse_container_kind(container_kind_name(k)), k);
  for (auto v : {ViewKind::Reshape, ViewKind::Permute, ViewKind::Slice})
    EXPECT_EQ(parse_view_kind(view_kind_name(v)), v);
  EXPECT_FALSE(parse_storage("gpu").has_value());
}

TEST(Container, PermuteViewPermutesShapeAndStrides) {
  ProgramBuilder b("v");
  const Expr n = b.symbol("N");
  const Expr m = b.symbol("M");
  b.array("A", DType::bf16, {n, m});
  const ContainerId v = b.permute_view("At", "A", {1, 0});
  const Container& c = b.program().containers[v];
  EXPECT_EQ(c.kind, ContainerKind::View);
  EXPECT_EQ(c.dtype, DType::bf16);
  EXPECT_EQ(c.shape, (std::vector<Expr>{m, n}));
  EXPECT_EQ(c.strides, (std::vector<Expr>{Expr(1), m}));
  ASSERT_TRUE(c.view.has_value());
  EXPECT_EQ(c.view->kind, ViewKind::Permute);
  EXPECT_THROW(b.permute_view("bad", "A", {0, 2}), UserError);
  EXPECT_THROW(b.permute_view("bad", "Q", {0, 1}), UserError);
}

TEST(Memlet, RangeSizes) {
  const Expr n = Expr::symbol("N");
  EXPECT_EQ((Range{0, n, 1}).size(), n);
  EXPECT_EQ((Range{2, 11, 3}).size(), Expr(3));
  EXPECT_EQ(Range::index(Expr::symbol("i")).size(), Expr(1));
  EXPECT_TRUE(Range::index(Expr::symbol("i")).is_index());
  EXPECT_EQ(subset_size({Range{0, n, 1}, Range::index(3), Range{0, 4, 2}}), n * 2);
}

TEST(Memlet, SubsetTextRoundTrips) {
  for (const char* text : {"i, 0:N", "0:N:2, j + 1, floordiv(k, 4)", "min(i, 3):N", ""}) {
    const Subset s = parse_subset(text);
    EXPECT_EQ(subset_str(s), text);
    EXPECT_EQ(parse_subset(subset_str(s)), s);
  }
}

TEST(Memlet, BadSubsetNamesTheDimension) {
  try {
    (void)parse_subset("i, 0:N:2:1");
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_EQ(e.diagnostics().at(0).message,
              "expected 'index' or 'begin:end[:step]' in dimension ' 0:N:2:1'");
  }
  EXPECT_THROW((void)parse_subset("i,"), UserError);
}

TEST(Memlet, WriteConflictNames) {
  for (auto w : {WriteConflict::None, WriteConflict::Sum, WriteConflict::Product,
                 WriteConflict::Min, WriteConflict::Max})
    EXPECT_EQ(parse_write_conflict(write_conflict_name(w)), w);
}

TEST(Diagnostic, FormatsLocationAndNotes) {
  Diagnostic d{Severity::Error, "state 'main' / node 3 'mm'", "bad thing", {"why", "fix"}};
  EXPECT_EQ(d.str(), "error: state 'main' / node 3 'mm': bad thing\n  note: why\n  note: fix");
  UserError e({d, Diagnostic{Severity::Warning, "", "minor", {}}});
  EXPECT_EQ(std::string(e.what()), d.str() + "\nwarning: minor");
}

}  // namespace
}  // namespace sluice::ir
