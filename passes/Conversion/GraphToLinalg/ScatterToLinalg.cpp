//===- ScatterToLinalg.cpp - multi-dimensional indexing -------------------===//
//
// gather_nd is a linalg.generic over the result that reads its coordinates
// from `indices` and the element from `data` with tensor.extract. The
// scatters copy `data` into a fresh tensor and walk `updates` in row-major
// order with an scf.for nest carrying that tensor: extract the update,
// compute the target coordinates, combine with the element there and insert.
// The walk is sequential, which gives duplicate indices their ONNX meaning.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "passes/Conversion/GraphToLinalg/LoweringUtils.h"
#include "passes/Conversion/GraphToLinalg/Patterns.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace tessera::lowering;
namespace tg = tessera::tg;

namespace {

/// The position read from `indices` at `position`, negative values counting
/// back from `extent`.
Value readIndex(OpBuilder &b, Location loc, Value indices,
                ArrayRef<Value> position, int64_t extent) {
  return indexFrom(b, loc, tensor::ExtractOp::create(b, loc, indices, position),
                   extent);
}

struct GatherNDLowering : OpConversionPattern<tg::GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::GatherNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = convertedType(*getTypeConverter(), op.getType());
    auto dataType = cast<RankedTensorType>(adaptor.getData().getType());
    auto indicesType = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t batch = op.getBatchDims(), q = indicesType.getRank(),
            k = indicesType.getDimSize(q - 1);
    Value indices = adaptor.getIndices();
    rewriter.replaceOp(
        op,
        gatherGeneric(
            rewriter, op.getLoc(), type, adaptor.getData(), {}, {},
            [&](OpBuilder &b, Location l, ValueRange, ArrayRef<Value> result) {
              // result = indices.shape[:-1] + data.shape[batch + k:]
              SmallVector<Value> source(result.take_front(batch));
              SmallVector<Value> position(result.take_front(q - 1));
              position.push_back(Value());
              for (int64_t j = 0; j < k; ++j) {
                position.back() = indexConstant(b, l, j);
                source.push_back(readIndex(b, l, indices, position,
                                           dataType.getDimSize(batch + j)));
              }
              llvm::append_range(source, result.drop_front(q - 1));
              return source;
            }));
    return success();
  }
};

/// `current` combined with `update` by `reduction`.
Value combine(OpBuilder &b, Location loc, tg::ScatterReduction reduction,
              Kind kind, Value current, Value update) {
  switch (reduction) {
  case tg::ScatterReduction::none:
    return update;
  case tg::ScatterReduction::add:
    return add(b, loc, kind, current, update);
  case tg::ScatterReduction::mul:
    return mul(b, loc, kind, current, update);
  case tg::ScatterReduction::max:
    return maximum(b, loc, kind, current, update);
  case tg::ScatterReduction::min:
    return minimum(b, loc, kind, current, update);
  }
  llvm_unreachable("unknown scatter reduction");
}

/// A copy of `data` with every element of `updates` combined into it at the
/// coordinates `target` computes from the update's position.
Value scatter(
    OpBuilder &b, Location loc, Value data, Value updates,
    tg::ScatterReduction reduction, Kind kind,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ArrayRef<Value>)>
        target) {
  auto dataType = cast<RankedTensorType>(data.getType());
  Value copy =
      linalg::CopyOp::create(b, loc, data, emptyTensor(b, loc, dataType))
          .getResult(0);
  auto updatesType = cast<RankedTensorType>(updates.getType());
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t size : updatesType.getShape()) {
    lbs.push_back(indexConstant(b, loc, 0));
    ubs.push_back(indexConstant(b, loc, size));
    steps.push_back(indexConstant(b, loc, 1));
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{copy},
      [&](OpBuilder &nb, Location l, ValueRange ivs,
          ValueRange iterArgs) -> scf::ValueVector {
        SmallVector<Value> position(ivs);
        Value update = tensor::ExtractOp::create(nb, l, updates, position);
        SmallVector<Value> at = target(nb, l, position);
        Value value = update;
        if (reduction != tg::ScatterReduction::none)
          value = combine(nb, l, reduction, kind,
                          tensor::ExtractOp::create(nb, l, iterArgs[0], at),
                          update);
        return {tensor::InsertOp::create(nb, l, value, iterArgs[0], at)};
      });
  return nest.results.front();
}

struct ScatterElementsLowering : OpConversionPattern<tg::ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::ScatterElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto dataType = cast<RankedTensorType>(adaptor.getData().getType());
    int64_t axis = op.getAxis(), extent = dataType.getDimSize(axis);
    Value indices = adaptor.getIndices();
    rewriter.replaceOp(
        op,
        scatter(rewriter, op.getLoc(), adaptor.getData(), adaptor.getUpdates(),
                op.getReduction(), kindOf(op.getType().getElementType()),
                [&](OpBuilder &b, Location l, ArrayRef<Value> position) {
                  SmallVector<Value> at(position);
                  at[axis] = readIndex(b, l, indices, position, extent);
                  return at;
                }));
    return success();
  }
};

struct ScatterNDLowering : OpConversionPattern<tg::ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::ScatterNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto dataType = cast<RankedTensorType>(adaptor.getData().getType());
    auto indicesType = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t q = indicesType.getRank(), k = indicesType.getDimSize(q - 1);
    Value indices = adaptor.getIndices();
    rewriter.replaceOp(
        op,
        scatter(rewriter, op.getLoc(), adaptor.getData(), adaptor.getUpdates(),
                op.getReduction(), kindOf(op.getType().getElementType()),
                [&](OpBuilder &b, Location l, ArrayRef<Value> position) {
                  // position = indices.shape[:-1] + data.shape[k:]
                  SmallVector<Value> at;
                  SmallVector<Value> where(position.take_front(q - 1));
                  where.push_back(Value());
                  for (int64_t j = 0; j < k; ++j) {
                    where.back() = indexConstant(b, l, j);
                    at.push_back(readIndex(b, l, indices, where,
                                           dataType.getDimSize(j)));
                  }
                  llvm::append_range(at, position.drop_front(q - 1));
                  return at;
                }));
    return success();
  }
};

} // namespace

void tessera::lowering::populateScatterLoweringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<GatherNDLowering, ScatterElementsLowering, ScatterNDLowering>(
      converter, patterns.getContext());
}
