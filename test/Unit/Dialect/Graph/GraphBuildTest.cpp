//===- GraphBuildTest.cpp - building tg ops from C++ ----------------------===//
//
// The C++ builders of tg ops infer result types; invalid combinations fail
// verification with the same message the parser gives.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace tessera::tg;

namespace {

class GraphBuild : public ::testing::Test {
protected:
  GraphBuild() : builder(&context) {
    context.loadDialect<TGDialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// A function with arguments of `types`, the builder inside its body.
  func::FuncOp function(TypeRange types) {
    auto fn = func::FuncOp::create(builder, builder.getUnknownLoc(), "f",
                                   builder.getFunctionType(types, {}));
    builder.setInsertionPointToEnd(fn.addEntryBlock());
    return fn;
  }

  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(GraphBuild, InfersBroadcastAndConvTypes) {
  func::FuncOp fn = function({f32({1, 3, 8, 8}), f32({4, 3, 3, 3}), f32({4})});
  Location loc = builder.getUnknownLoc();
  Value x = fn.getArgument(0), w = fn.getArgument(1), b = fn.getArgument(2);
  auto conv = ConvOp::create(
      builder, loc, x, w, b, builder.getDenseI64ArrayAttr({2, 2}),
      builder.getDenseI64ArrayAttr({1, 1, 1, 1}),
      builder.getDenseI64ArrayAttr({1, 1}), builder.getI64IntegerAttr(1));
  EXPECT_EQ(conv.getType(), f32({1, 4, 4, 4}));
  auto bias = ReshapeOp::create(builder, loc, f32({4, 1, 1}), b);
  auto add = AddOp::create(builder, loc, conv, bias);
  EXPECT_EQ(add.getType(), f32({1, 4, 4, 4}));
  auto mean = ReduceMeanOp::create(builder, loc, add,
                                   builder.getDenseI64ArrayAttr({2, 3}),
                                   /*keepdims=*/false);
  EXPECT_EQ(mean.getType(), f32({1, 4}));
  func::ReturnOp::create(builder, loc);
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(GraphBuild, BadConvReportsTheShapeRule) {
  func::FuncOp fn = function({f32({1, 5, 8, 8}), f32({4, 3, 3, 3})});
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagnostics += diag.str();
    return success();
  });
  SmallVector<Type> inferred;
  OperationState state(builder.getUnknownLoc(), ConvOp::getOperationName());
  ConvOp::build(
      builder, state, TypeRange{f32({1, 4, 6, 6})}, fn.getArgument(0),
      fn.getArgument(1), Value(), builder.getDenseI64ArrayAttr({1, 1}),
      builder.getDenseI64ArrayAttr({0, 0, 0, 0}),
      builder.getDenseI64ArrayAttr({1, 1}), builder.getI64IntegerAttr(1));
  Operation *op = builder.create(state);
  func::ReturnOp::create(builder, builder.getUnknownLoc());
  EXPECT_TRUE(failed(verify(op)));
  EXPECT_NE(diagnostics.find(
                "input channels 5 must equal weight dim 1 (3) times group (1)"),
            std::string::npos)
      << diagnostics;
}

TEST_F(GraphBuild, FoldsIntegerShapeArithmetic) {
  function({});
  Location loc = builder.getUnknownLoc();
  auto i64 = [&](ArrayRef<int64_t> values) {
    auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                      builder.getI64Type());
    return ConstantOp::create(builder, loc,
                              DenseElementsAttr::get(type, values));
  };
  auto product = MulOp::create(builder, loc, i64({2, 3, 4}), i64({5}));
  SmallVector<OpFoldResult> folded;
  ASSERT_TRUE(succeeded(product->fold(folded)));
  auto dense =
      dyn_cast<DenseIntElementsAttr>(dyn_cast<Attribute>(folded.front()));
  ASSERT_TRUE(dense);
  SmallVector<int64_t> values(dense.getValues<int64_t>());
  EXPECT_EQ(values, (SmallVector<int64_t>{10, 15, 20}));
}

} // namespace
