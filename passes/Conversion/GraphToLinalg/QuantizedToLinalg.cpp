//===- QuantizedToLinalg.cpp - quantize, dequantize, storage_cast ---------===//
//
// Quantized tensors lower to their storage integers (signless), so a
// storage_cast is the value itself. quantize and dequantize are elementwise
// maps whose scale and zero point are scalars of the body (per tensor) or
// constant tensors along the quantized dimension (per axis):
//   quantize:   q = trunc(clamp(roundeven(x / s) + z, lo, hi))
//   dequantize: x = (float(q) - z) * s
// in the expressed float type, as ONNX Runtime computes them.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "passes/Conversion/GraphToLinalg/LoweringUtils.h"
#include "passes/Conversion/GraphToLinalg/Patterns.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace tessera::lowering;
namespace tg = tessera::tg;

namespace {

/// The scale and zero point of `quantType` for a tensor of `shape`: scalar
/// constants (per tensor, `inputs` untouched) or, per axis, constant tensors
/// shaped [1, .., C, .., 1] appended to `inputs` (their block arguments
/// then come after the data's).
struct Parameters {
  Value scale, zero; // scalars, null when per axis
  bool perAxis = false;
};

Parameters parameters(OpBuilder &b, Location loc, Type quantType,
                      Type floatType, int64_t rank,
                      SmallVectorImpl<Value> &inputs) {
  Parameters p;
  if (auto uniform = dyn_cast<quant::UniformQuantizedType>(quantType)) {
    p.scale = scalarConstant(b, loc, floatType, uniform.getScale());
    p.zero = scalarConstant(b, loc, floatType,
                            static_cast<double>(uniform.getZeroPoint()));
    return p;
  }
  auto perAxis = cast<quant::UniformQuantizedPerAxisType>(quantType);
  p.perAxis = true;
  int64_t count = perAxis.getScales().size();
  SmallVector<int64_t> shape(rank, 1);
  shape[perAxis.getQuantizedDimension()] = count;
  auto type = RankedTensorType::get(shape, floatType);
  SmallVector<Attribute> scales, zeros;
  for (int64_t i = 0; i < count; ++i) {
    scales.push_back(b.getFloatAttr(floatType, perAxis.getScales()[i]));
    zeros.push_back(b.getFloatAttr(
        floatType, static_cast<double>(perAxis.getZeroPoints()[i])));
  }
  inputs.push_back(arith::ConstantOp::create(
      b, loc, type, DenseElementsAttr::get(type, scales)));
  inputs.push_back(arith::ConstantOp::create(
      b, loc, type, DenseElementsAttr::get(type, zeros)));
  return p;
}

struct QuantizeLowering : OpConversionPattern<tg::QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto quantType = cast<quant::QuantizedType>(
        getElementTypeOrSelf(op.getType()));
    Type floatType = getElementTypeOrSelf(op.getInput().getType());
    RankedTensorType resultType =
        convertedType(*getTypeConverter(), op.getType());
    SmallVector<Value> inputs{adaptor.getInput()};
    Parameters p = parameters(rewriter, loc, quantType, floatType,
                              resultType.getRank(), inputs);
    double lo = static_cast<double>(quantType.getStorageTypeMin());
    double hi = static_cast<double>(quantType.getStorageTypeMax());
    Type storage = resultType.getElementType();
    Value result = broadcastMap(
        rewriter, loc, resultType, inputs,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value scale = p.perAxis ? args[1] : p.scale;
          Value zero = p.perAxis ? args[2] : p.zero;
          Value y = arith::DivFOp::create(b, l, args[0], scale);
          Value r = math::RoundEvenOp::create(b, l, y);
          Value shifted = arith::AddFOp::create(b, l, r, zero);
          Value above = arith::MaxNumFOp::create(
              b, l, shifted, scalarConstant(b, l, floatType, lo));
          Value clamped = arith::MinNumFOp::create(
              b, l, above, scalarConstant(b, l, floatType, hi));
          Value wide = arith::FPToSIOp::create(b, l, b.getI32Type(), clamped);
          return Value(arith::TruncIOp::create(b, l, storage, wide));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct DequantizeLowering : OpConversionPattern<tg::DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto quantType = cast<quant::QuantizedType>(
        getElementTypeOrSelf(op.getInput().getType()));
    RankedTensorType resultType =
        convertedType(*getTypeConverter(), op.getType());
    Type floatType = resultType.getElementType();
    SmallVector<Value> inputs{adaptor.getInput()};
    Parameters p = parameters(rewriter, loc, quantType, floatType,
                              resultType.getRank(), inputs);
    bool isSigned = quantType.isSigned();
    Value result = broadcastMap(
        rewriter, loc, resultType, inputs,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value scale = p.perAxis ? args[1] : p.scale;
          Value zero = p.perAxis ? args[2] : p.zero;
          Value x = isSigned
                        ? Value(arith::SIToFPOp::create(b, l, floatType,
                                                        args[0]))
                        : Value(arith::UIToFPOp::create(b, l, floatType,
                                                        args[0]));
          Value centered = arith::SubFOp::create(b, l, x, zero);
          return Value(arith::MulFOp::create(b, l, centered, scale));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Both sides convert to the same signless integers.
struct StorageCastLowering : OpConversionPattern<tg::StorageCastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::StorageCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

} // namespace

void tessera::lowering::populateQuantizedLoweringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<QuantizeLowering, DequantizeLowering, StorageCastLowering>(
      converter, patterns.getContext());
}
