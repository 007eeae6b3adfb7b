//===- DataMovementToLinalg.cpp - re-indexing tg ops ----------------------===//
//
// Reshape-like ops become collapse/expand; transpose linalg.transpose;
// concat, split and positive-step slices tensor slices; the rest
// (negative-step slices, gather, non-constant pads) a linalg.generic over
// the result that computes the source index and reads it with tensor.extract.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "passes/Conversion/GraphToLinalg/LoweringUtils.h"
#include "passes/Conversion/GraphToLinalg/Patterns.h"
#include "dialects/Kernel/IR/RuntimeChecks.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace tessera::lowering;
namespace tg = tessera::tg;

namespace {

template <typename OpTy>
struct ReshapeLikeLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, reshape(rewriter, op.getLoc(), adaptor.getInput(),
                    convertedType(*this->getTypeConverter(), op.getType())));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<tg::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = convertedType(*getTypeConverter(), op.getType());
    Value init = emptyTensor(rewriter, op.getLoc(), type);
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(),
                                                       adaptor.getInput(), init,
                                                       op.getPerm())
                               ->getResult(0));
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<tg::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = convertedType(*getTypeConverter(), op.getType());
    Value result = emptyTensor(rewriter, loc, type);
    int64_t axis = op.getAxis(), offset = 0;
    for (Value input : adaptor.getInputs()) {
      auto inputType = cast<RankedTensorType>(input.getType());
      SmallVector<int64_t> offsets(type.getRank(), 0),
          strides(type.getRank(), 1);
      offsets[axis] = offset;
      result = insertSlice(rewriter, loc, input, result, offsets, strides);
      offset += inputType.getDimSize(axis);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SplitLowering : OpConversionPattern<tg::SplitOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis = op.getAxis(), offset = 0;
    SmallVector<Value> results;
    for (Value result : op.getResults()) {
      RankedTensorType type =
          convertedType(*getTypeConverter(), result.getType());
      SmallVector<int64_t> offsets(type.getRank(), 0),
          strides(type.getRank(), 1);
      offsets[axis] = offset;
      // An empty part reads nothing (and its offset may equal the size).
      results.push_back(type.getNumElements() == 0
                            ? emptyTensor(rewriter, loc, type)
                            : extractSlice(rewriter, loc, adaptor.getInput(),
                                           offsets, type.getShape(), strides));
      offset += type.getDimSize(axis);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct SliceLowering : OpConversionPattern<tg::SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = convertedType(*getTypeConverter(), op.getType());
    ArrayRef<int64_t> offsets = op.getOffsets(), steps = op.getSteps();
    if (llvm::all_of(steps, [](int64_t s) { return s > 0; }) &&
        type.getNumElements() > 0) {
      rewriter.replaceOp(op, extractSlice(rewriter, loc, adaptor.getInput(),
                                          offsets, type.getShape(), steps));
      return success();
    }
    rewriter.replaceOp(
        op,
        gatherGeneric(
            rewriter, loc, type, adaptor.getInput(), {}, {},
            [&](OpBuilder &b, Location l, ValueRange, ArrayRef<Value> result) {
              SmallVector<Value> indices;
              for (size_t d = 0; d < result.size(); ++d)
                indices.push_back(arith::AddIOp::create(
                    b, l, indexConstant(b, l, offsets[d]),
                    arith::MulIOp::create(b, l, result[d],
                                          indexConstant(b, l, steps[d]))));
              return indices;
            }));
    return success();
  }
};

struct GatherLowering : OpConversionPattern<tg::GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = convertedType(*getTypeConverter(), op.getType());
    auto dataType = cast<RankedTensorType>(adaptor.getData().getType());
    auto indicesType = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t axis = op.getAxis(), indicesRank = indicesType.getRank();
    SmallVector<AffineExpr> indexExprs;
    for (int64_t d = 0; d < indicesRank; ++d)
      indexExprs.push_back(rewriter.getAffineDimExpr(axis + d));
    AffineMap indicesMap =
        AffineMap::get(type.getRank(), 0, indexExprs, rewriter.getContext());
    int64_t extent = dataType.getDimSize(axis);
    RuntimeCheck check = addIndexCheck(rewriter, op, axis, extent);
    rewriter.replaceOp(
        op, gatherGeneric(rewriter, loc, type, adaptor.getData(),
                          ValueRange{adaptor.getIndices()}, {indicesMap},
                          [&](OpBuilder &b, Location l, ValueRange args,
                              ArrayRef<Value> result) {
                            Value index =
                                checkedIndex(b, l, args[0], extent, check);
                            SmallVector<Value> indices(result.begin(),
                                                       result.begin() + axis);
                            indices.push_back(index);
                            indices.append(result.begin() + axis + indicesRank,
                                           result.end());
                            return indices;
                          }));
    return success();
  }
};

struct GatherElementsLowering : OpConversionPattern<tg::GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = convertedType(*getTypeConverter(), op.getType());
    auto dataType = cast<RankedTensorType>(adaptor.getData().getType());
    int64_t axis = op.getAxis(), extent = dataType.getDimSize(axis);
    RuntimeCheck check = addIndexCheck(rewriter, op, axis, extent);
    rewriter.replaceOp(
        op, gatherGeneric(rewriter, loc, type, adaptor.getData(),
                          ValueRange{adaptor.getIndices()},
                          {rewriter.getMultiDimIdentityMap(type.getRank())},
                          [&](OpBuilder &b, Location l, ValueRange args,
                              ArrayRef<Value> result) {
                            Value index =
                                checkedIndex(b, l, args[0], extent, check);
                            SmallVector<Value> indices(result);
                            indices[axis] = index;
                            return indices;
                          }));
    return success();
  }
};

struct PadLowering : OpConversionPattern<tg::PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = convertedType(*getTypeConverter(), op.getType());
    Type elementType = type.getElementType();
    int64_t rank = type.getRank();
    ArrayRef<int64_t> pads = op.getPads();
    SmallVector<int64_t> low(pads.take_front(rank)),
        high(pads.drop_front(rank));
    if (op.getMode() == tg::PadMode::constant) {
      Value value = scalarConstant(rewriter, loc, elementType, 0);
      if (auto attr = op.getValueAttr()) {
        if (auto i = dyn_cast<IntegerAttr>(attr))
          value = arith::ConstantOp::create(
              rewriter, loc,
              rewriter.getIntegerAttr(elementType, i.getValue()));
        else
          value =
              arith::ConstantOp::create(rewriter, loc, cast<TypedAttr>(attr));
      }
      rewriter.replaceOp(
          op, padConstant(rewriter, loc, adaptor.getInput(), low, high, value));
      return success();
    }
    // Crop the negative pads first, then index the rest by mode.
    SmallVector<int64_t> cropLow, cropHigh;
    for (int64_t d = 0; d < rank; ++d) {
      cropLow.push_back(std::min<int64_t>(0, low[d]));
      cropHigh.push_back(std::min<int64_t>(0, high[d]));
      low[d] = std::max<int64_t>(0, low[d]);
    }
    Value source = padConstant(rewriter, loc, adaptor.getInput(), cropLow,
                               cropHigh, Value());
    auto sourceType = cast<RankedTensorType>(source.getType());
    tg::PadMode mode = op.getMode();
    rewriter.replaceOp(
        op,
        gatherGeneric(
            rewriter, loc, type, source, {}, {},
            [&](OpBuilder &b, Location l, ValueRange, ArrayRef<Value> result) {
              SmallVector<Value> indices;
              for (int64_t d = 0; d < rank; ++d) {
                int64_t n = sourceType.getDimSize(d);
                Value zero = indexConstant(b, l, 0);
                Value last = indexConstant(b, l, n - 1);
                Value i = arith::SubIOp::create(b, l, result[d],
                                                indexConstant(b, l, low[d]));
                if (mode == tg::PadMode::edge) {
                  i = arith::MaxSIOp::create(b, l, i, zero);
                  i = arith::MinSIOp::create(b, l, i, last);
                } else if (mode == tg::PadMode::reflect) {
                  // -i before the start, 2 (n - 1) - i past the end.
                  Value neg = arith::SubIOp::create(b, l, zero, i);
                  i = arith::MaxSIOp::create(b, l, i, neg);
                  Value mirrored = arith::SubIOp::create(
                      b, l, indexConstant(b, l, 2 * (n - 1)), i);
                  i = arith::MinSIOp::create(b, l, i, mirrored);
                } else {
                  Value size = indexConstant(b, l, n);
                  i = arith::RemSIOp::create(
                      b, l,
                      arith::AddIOp::create(
                          b, l, arith::RemSIOp::create(b, l, i, size), size),
                      size);
                }
                indices.push_back(i);
              }
              return indices;
            }));
    return success();
  }
};

} // namespace

void tessera::lowering::populateDataMovementLoweringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<
      ReshapeLikeLowering<tg::ReshapeOp>, ReshapeLikeLowering<tg::SqueezeOp>,
      ReshapeLikeLowering<tg::UnsqueezeOp>, ReshapeLikeLowering<tg::FlattenOp>,
      TransposeLowering, ConcatLowering, SplitLowering, SliceLowering,
      GatherLowering, GatherElementsLowering, PadLowering>(
      converter, patterns.getContext());
}
