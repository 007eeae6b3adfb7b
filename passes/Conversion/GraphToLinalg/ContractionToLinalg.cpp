//===- ContractionToLinalg.cpp - matmul, convolutions, pooling ------------===//
//
// Contractions and windows as linalg: 2-D matmul becomes linalg.matmul, the
// batched and broadcasting forms a linalg.generic. Convolutions of any
// spatial rank, with groups, strides and dilations, are one linalg.generic
// over the padded input viewed as N x G x C/G x ...; transposed convolutions
// are convolutions over the stride-dilated input with the flipped kernel.
// The 2-D dense and depthwise cases are linalg.conv_2d_nchw_fchw and
// linalg.depthwise_conv_2d_nchw_chw. Pooling is a windowed reduction;
// average pooling divides by tg.avg_pool's divisors. (f32 convolutions and
// pools become tk kernels before this lowering; these are the paths of the
// other element types.)
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "passes/Conversion/GraphToLinalg/LoweringUtils.h"
#include "passes/Conversion/GraphToLinalg/Patterns.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace tessera::lowering;
namespace tg = tessera::tg;

namespace {

//===----------------------------------------------------------------------===//
// MatMul
//===----------------------------------------------------------------------===//

/// numpy.matmul of `lhs` and `rhs` (converted operands) into `resultType` as
/// one contraction linalg.generic: result dims (batch..., m?, n?), then k;
/// `body` combines the accumulator with one element of each operand.
Value matmulGeneric(
    OpBuilder &b, Location loc, RankedTensorType resultType, Value lhs,
    Value rhs,
    llvm::function_ref<Value(OpBuilder &, Location, Value, Value, Value)>
        body) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  Value zero = scalarConstant(b, loc, resultType.getElementType(), 0);
  Value init = filledTensor(b, loc, resultType, zero);
  bool lhsVector = lhsType.getRank() == 1, rhsVector = rhsType.getRank() == 1;
  int64_t rank = resultType.getRank();
  int64_t batchRank = rank - (lhsVector ? 0 : 1) - (rhsVector ? 0 : 1);
  MLIRContext *context = b.getContext();
  AffineExpr k = getAffineDimExpr(rank, context);
  auto batchExprs = [&](RankedTensorType type, int64_t matrixRank) {
    SmallVector<AffineExpr> exprs;
    int64_t operandBatch = type.getRank() - matrixRank;
    for (int64_t j = 0; j < operandBatch; ++j) {
      int64_t d = j + batchRank - operandBatch;
      exprs.push_back(type.getDimSize(j) == 1 && resultType.getDimSize(d) != 1
                          ? getAffineConstantExpr(0, context)
                          : getAffineDimExpr(d, context));
    }
    return exprs;
  };
  SmallVector<AffineExpr> lhsExprs = batchExprs(lhsType, lhsVector ? 1 : 2);
  if (!lhsVector)
    lhsExprs.push_back(getAffineDimExpr(batchRank, context));
  lhsExprs.push_back(k);
  SmallVector<AffineExpr> rhsExprs = batchExprs(rhsType, rhsVector ? 1 : 2);
  rhsExprs.push_back(k);
  if (!rhsVector)
    rhsExprs.push_back(getAffineDimExpr(rank - 1, context));
  SmallVector<AffineMap> maps{
      AffineMap::get(rank + 1, 0, lhsExprs, context),
      AffineMap::get(rank + 1, 0, rhsExprs, context),
      AffineMap::getMultiDimIdentityMap(rank + 1, context)
          .getMajorSubMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{lhs, rhs}, ValueRange{init},
      maps, iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, body(nb, l, args[2], args[0], args[1]));
      });
  return generic.getResult(0);
}

struct MatMulLowering : OpConversionPattern<tg::MatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Kind kind = kindOf(getElementTypeOrSelf(op.getType()));
    RankedTensorType resultType =
        convertedType(*getTypeConverter(), op.getType());
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    if (cast<RankedTensorType>(lhs.getType()).getRank() == 2 &&
        cast<RankedTensorType>(rhs.getType()).getRank() == 2) {
      Value zero =
          scalarConstant(rewriter, loc, resultType.getElementType(), 0);
      Value init = filledTensor(rewriter, loc, resultType, zero);
      rewriter.replaceOp(op, linalg::MatmulOp::create(rewriter, loc,
                                                      ValueRange{lhs, rhs},
                                                      ValueRange{init})
                                 .getResult(0));
      return success();
    }
    rewriter.replaceOp(
        op, matmulGeneric(rewriter, loc, resultType, lhs, rhs,
                          [&](OpBuilder &b, Location l, Value acc, Value x,
                              Value y) {
                            return add(b, l, kind, acc, mul(b, l, kind, x, y));
                          }));
    return success();
  }
};

/// matmul_integer: each 8-bit operand sign- or zero-extended to i32 by the
/// signedness it had in tg, multiplied and summed in i32.
struct MatMulIntegerLowering : OpConversionPattern<tg::MatMulIntegerOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::MatMulIntegerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType =
        convertedType(*getTypeConverter(), op.getType());
    Type i32 = resultType.getElementType();
    bool lhsUnsigned =
        getElementTypeOrSelf(op.getLhs().getType()).isUnsignedInteger();
    bool rhsUnsigned =
        getElementTypeOrSelf(op.getRhs().getType()).isUnsignedInteger();
    auto extend = [&](OpBuilder &b, Location l, Value v, bool isUnsigned) {
      return isUnsigned ? Value(arith::ExtUIOp::create(b, l, i32, v))
                        : Value(arith::ExtSIOp::create(b, l, i32, v));
    };
    rewriter.replaceOp(
        op, matmulGeneric(rewriter, op.getLoc(), resultType, adaptor.getLhs(),
                          adaptor.getRhs(),
                          [&](OpBuilder &b, Location l, Value acc, Value x,
                              Value y) {
                            Value product = arith::MulIOp::create(
                                b, l, extend(b, l, x, lhsUnsigned),
                                extend(b, l, y, rhsUnsigned));
                            return Value(
                                arith::AddIOp::create(b, l, acc, product));
                          }));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

/// Splits dimension `dim` of `value` into (groups, size / groups).
Value splitDim(OpBuilder &b, Location loc, Value value, int64_t dim,
               int64_t groups) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] /= groups;
  shape.insert(shape.begin() + dim, groups);
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (d < dim)
      reassociation.push_back({d});
    else if (d == dim)
      reassociation.push_back({d, d + 1});
    else
      reassociation.push_back({d + 1});
  }
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      reassociation);
}

/// Merges dimensions `dim` and `dim + 1` of `value`.
Value mergeDims(OpBuilder &b, Location loc, Value value, int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (d == dim + 1)
      continue;
    if (d == dim)
      reassociation.push_back({d, d + 1});
    else
      reassociation.push_back({d});
  }
  return tensor::CollapseShapeOp::create(b, loc, value, reassociation);
}

/// The convolution core: input N x G x Cg x P..., weight G x Mg x Cg x K...,
/// accumulating into `init` N x G x Mg x O...
Value convolve(OpBuilder &b, Location loc, Kind kind, Value input, Value weight,
               Value init, ArrayRef<int64_t> strides,
               ArrayRef<int64_t> dilations) {
  auto initType = cast<RankedTensorType>(init.getType());
  int64_t spatial = initType.getRank() - 3;
  // Loops: n, g, m, o1..ok (parallel), c, k1..kk (reduction).
  int64_t loops = 4 + 2 * spatial;
  MLIRContext *context = b.getContext();
  auto dim = [&](int64_t i) { return getAffineDimExpr(i, context); };
  AffineExpr n = dim(0), g = dim(1), m = dim(2), c = dim(3 + spatial);
  SmallVector<AffineExpr> inputExprs{n, g, c}, weightExprs{g, m, c},
      outputExprs{n, g, m};
  for (int64_t i = 0; i < spatial; ++i) {
    AffineExpr o = dim(3 + i), k = dim(4 + spatial + i);
    inputExprs.push_back(o * strides[i] + k * dilations[i]);
    weightExprs.push_back(k);
    outputExprs.push_back(o);
  }
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, inputExprs, context),
                              AffineMap::get(loops, 0, weightExprs, context),
                              AffineMap::get(loops, 0, outputExprs, context)};
  SmallVector<utils::IteratorType> iterators(3 + spatial,
                                             utils::IteratorType::parallel);
  iterators.append(1 + spatial, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, TypeRange{initType}, ValueRange{input, weight},
             ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l,
                                       add(nb, l, kind, args[2],
                                           mul(nb, l, kind, args[0], args[1])));
             })
      .getResult(0);
}

/// The accumulator N x F x O...: the bias per output channel, or zeros.
Value channelInit(OpBuilder &b, Location loc, RankedTensorType resultType,
                  Value bias) {
  if (!bias)
    return filledTensor(b, loc, resultType,
                        scalarConstant(b, loc, resultType.getElementType(), 0));
  MLIRContext *context = b.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps{
      AffineMap::get(rank, 0, {getAffineDimExpr(1, context)}, context),
      b.getMultiDimIdentityMap(rank)};
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{bias},
             ValueRange{emptyTensor(b, loc, resultType)}, maps,
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, args[0]);
             })
      .getResult(0);
}

/// The accumulator of a grouped convolution, N x G x F/G x O....
Value convInit(OpBuilder &b, Location loc, RankedTensorType resultType,
               int64_t groups, Value bias) {
  return splitDim(b, loc, channelInit(b, loc, resultType, bias), 1, groups);
}

SmallVector<int64_t> spatialPads(ArrayRef<int64_t> pads, bool end) {
  size_t k = pads.size() / 2;
  SmallVector<int64_t> result{0, 0};
  for (size_t i = 0; i < k; ++i)
    result.push_back(pads[end ? i + k : i]);
  return result;
}

struct ConvLowering : OpConversionPattern<tg::ConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType =
        convertedType(*getTypeConverter(), op.getType());
    Type elementType = resultType.getElementType();
    int64_t groups = op.getGroup();
    Value zero = scalarConstant(rewriter, loc, elementType, 0);
    Value padded = padConstant(rewriter, loc, adaptor.getInput(),
                               spatialPads(op.getPads(), false),
                               spatialPads(op.getPads(), true), zero);
    // The common 2-D cases as named ops: dense, and depthwise (one filter
    // per channel). (With kernel formation, f32 convolutions are tk.conv
    // before this lowering; these are -O0's and other tools' path.)
    auto weightType = cast<RankedTensorType>(adaptor.getWeight().getType());
    bool depthwise = groups > 1 && weightType.getDimSize(0) == groups &&
                     weightType.getDimSize(1) == 1;
    if ((groups == 1 || depthwise) && resultType.getRank() == 4 &&
        elementType.isF32()) {
      Value init = channelInit(rewriter, loc, resultType, adaptor.getBias());
      auto strides = rewriter.getI64TensorAttr(op.getStrides());
      auto dilations = rewriter.getI64TensorAttr(op.getDilations());
      Value result;
      if (groups == 1)
        result = linalg::Conv2DNchwFchwOp::create(
                     rewriter, loc, TypeRange{resultType},
                     ValueRange{padded, adaptor.getWeight()}, ValueRange{init},
                     strides, dilations)
                     .getResult(0);
      else
        result = linalg::DepthwiseConv2DNchwChwOp::create(
                     rewriter, loc, TypeRange{resultType},
                     ValueRange{padded, mergeDims(rewriter, loc,
                                                  adaptor.getWeight(), 0)},
                     ValueRange{init}, strides, dilations)
                     .getResult(0);
      rewriter.replaceOp(op, result);
      return success();
    }
    Value result = convolve(
        rewriter, loc, Kind::Float, splitDim(rewriter, loc, padded, 1, groups),
        splitDim(rewriter, loc, adaptor.getWeight(), 0, groups),
        convInit(rewriter, loc, resultType, groups, adaptor.getBias()),
        op.getStrides(), op.getDilations());
    rewriter.replaceOp(op, mergeDims(rewriter, loc, result, 1));
    return success();
  }
};

struct ConvTransposeLowering : OpConversionPattern<tg::ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::ConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType =
        convertedType(*getTypeConverter(), op.getType());
    Type elementType = resultType.getElementType();
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto weightType = cast<RankedTensorType>(adaptor.getWeight().getType());
    int64_t groups = op.getGroup();
    int64_t spatial = inputType.getRank() - 2;
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(),
                      pads = op.getPads(),
                      outputPadding = op.getOutputPadding();
    Value zero = scalarConstant(rewriter, loc, elementType, 0);

    // 1. Insert stride - 1 zeros between input elements.
    SmallVector<int64_t> dilatedShape(inputType.getShape());
    SmallVector<int64_t> insertStrides{1, 1};
    for (int64_t i = 0; i < spatial; ++i) {
      dilatedShape[i + 2] = (inputType.getDimSize(i + 2) - 1) * strides[i] + 1;
      insertStrides.push_back(strides[i]);
    }
    Value dilated = filledTensor(
        rewriter, loc, RankedTensorType::get(dilatedShape, elementType), zero);
    SmallVector<int64_t> offsets(inputType.getRank(), 0);
    dilated = insertSlice(rewriter, loc, adaptor.getInput(), dilated, offsets,
                          insertStrides);

    // 2. Pad by the dilated kernel extent minus the pads (negative crops).
    SmallVector<int64_t> low{0, 0}, high{0, 0};
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t extent = dilations[i] * (weightType.getDimSize(i + 2) - 1);
      low.push_back(extent - pads[i]);
      high.push_back(extent - pads[i + spatial] + outputPadding[i]);
    }
    Value padded = padConstant(rewriter, loc, dilated, low, high, zero);

    // 3. Flip the kernel and swap its channel dimensions per group:
    //    W'[g, m, c, k] = W[g, c, m, K - 1 - k].
    Value grouped = splitDim(rewriter, loc, adaptor.getWeight(), 0, groups);
    auto groupedType = cast<RankedTensorType>(grouped.getType());
    SmallVector<int64_t> flippedShape(groupedType.getShape());
    std::swap(flippedShape[1], flippedShape[2]);
    auto flippedType = RankedTensorType::get(flippedShape, elementType);
    int64_t rank = flippedType.getRank();
    SmallVector<AffineExpr> readExprs{rewriter.getAffineDimExpr(0),
                                      rewriter.getAffineDimExpr(2),
                                      rewriter.getAffineDimExpr(1)};
    for (int64_t i = 0; i < spatial; ++i)
      readExprs.push_back(weightType.getDimSize(i + 2) - 1 -
                          rewriter.getAffineDimExpr(3 + i));
    SmallVector<AffineMap> maps{
        AffineMap::get(rank, 0, readExprs, rewriter.getContext()),
        rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    Value flipped =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{flippedType}, ValueRange{grouped},
            ValueRange{emptyTensor(rewriter, loc, flippedType)}, maps,
            iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(b, l, args[0]);
            })
            .getResult(0);

    // 4. A stride-1 convolution with the original dilations.
    SmallVector<int64_t> ones(spatial, 1);
    Value result = convolve(
        rewriter, loc, Kind::Float, splitDim(rewriter, loc, padded, 1, groups),
        flipped, convInit(rewriter, loc, resultType, groups, adaptor.getBias()),
        ones, dilations);
    rewriter.replaceOp(op, mergeDims(rewriter, loc, result, 1));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// Pads so that every window of the result reads inside the tensor: the
/// begin pads, and at the end the larger of the end pads and what ceil mode
/// windows reach.
template <typename PoolOp>
Value padForPool(OpBuilder &b, Location loc, PoolOp op, Value input,
                 RankedTensorType resultType, Value padValue) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t spatial = inputType.getRank() - 2;
  ArrayRef<int64_t> pads = op.getPads();
  SmallVector<int64_t> low{0, 0}, high{0, 0};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t reach = (resultType.getDimSize(i + 2) - 1) * op.getStrides()[i] +
                    (op.getKernelShape()[i] - 1) * op.getDilations()[i] + 1;
    low.push_back(pads[i]);
    high.push_back(std::max(pads[i + spatial],
                            reach - inputType.getDimSize(i + 2) - pads[i]));
  }
  return padConstant(b, loc, input, low, high, padValue);
}

/// Reduces each window of `padded` (N x C x P...) into `init` (N x C x O...)
/// with `combine`. (f32 pools become tk.pool kernels before this lowering;
/// this is the path of the other element types.)
template <typename PoolOp>
Value poolWindows(
    OpBuilder &b, Location loc, PoolOp op, Value padded, Value init,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto initType = cast<RankedTensorType>(init.getType());
  int64_t spatial = initType.getRank() - 2;
  int64_t loops = 2 + 2 * spatial;
  MLIRContext *context = b.getContext();
  SmallVector<AffineExpr> inputExprs{b.getAffineDimExpr(0),
                                     b.getAffineDimExpr(1)},
      windowExprs, outputExprs{b.getAffineDimExpr(0), b.getAffineDimExpr(1)};
  for (int64_t i = 0; i < spatial; ++i) {
    AffineExpr o = b.getAffineDimExpr(2 + i),
               k = b.getAffineDimExpr(2 + spatial + i);
    inputExprs.push_back(o * op.getStrides()[i] + k * op.getDilations()[i]);
    windowExprs.push_back(k);
    outputExprs.push_back(o);
  }
  // The window operand only carries the kernel extent for the loop bounds.
  Value window = tensor::EmptyOp::create(b, loc, op.getKernelShape(),
                                         initType.getElementType());
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, inputExprs, context),
                              AffineMap::get(loops, 0, windowExprs, context),
                              AffineMap::get(loops, 0, outputExprs, context)};
  SmallVector<utils::IteratorType> iterators(2 + spatial,
                                             utils::IteratorType::parallel);
  iterators.append(spatial, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, TypeRange{initType}, ValueRange{padded, window},
             ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, combine(nb, l, args[2], args[0]));
             })
      .getResult(0);
}

struct MaxPoolLowering : OpConversionPattern<tg::MaxPoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::MaxPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType =
        convertedType(*getTypeConverter(), op.getType());
    Type elementType = resultType.getElementType();
    Kind kind = kindOf(getElementTypeOrSelf(op.getType()));
    Value lowest = extremeConstant(rewriter, loc, elementType, kind, false);
    Value padded =
        padForPool(rewriter, loc, op, adaptor.getInput(), resultType, lowest);
    Value init = filledTensor(rewriter, loc, resultType, lowest);
    rewriter.replaceOp(
        op, poolWindows(rewriter, loc, op, padded, init,
                        [&](OpBuilder &b, Location l, Value acc, Value x) {
                          return maximum(b, l, kind, acc, x);
                        }));
    return success();
  }
};

struct AvgPoolLowering : OpConversionPattern<tg::AvgPoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::AvgPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType =
        convertedType(*getTypeConverter(), op.getType());
    Type elementType = resultType.getElementType();
    Value zero = scalarConstant(rewriter, loc, elementType, 0);
    Value padded =
        padForPool(rewriter, loc, op, adaptor.getInput(), resultType, zero);
    Value sums = poolWindows(rewriter, loc, op, padded,
                             filledTensor(rewriter, loc, resultType, zero),
                             [&](OpBuilder &b, Location l, Value acc, Value x) {
                               return arith::AddFOp::create(b, l, acc, x);
                             });

    // Divisors over the spatial output shape, as a constant.
    SmallVector<int64_t> spatialShape(resultType.getShape().drop_front(2));
    SmallVector<APFloat> divisors;
    const llvm::fltSemantics &semantics =
        cast<FloatType>(elementType).getFloatSemantics();
    for (int64_t count : op.getDivisors()) {
      APFloat value(static_cast<double>(count));
      bool losesInfo;
      value.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
      divisors.push_back(value);
    }
    auto divisorType = RankedTensorType::get(spatialShape, elementType);
    Value divisor = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(divisorType, divisors));
    rewriter.replaceOp(
        op, broadcastMap(rewriter, loc, resultType, ValueRange{sums, divisor},
                         [](OpBuilder &b, Location l, ValueRange args) {
                           return arith::DivFOp::create(b, l, args[0], args[1]);
                         }));
    return success();
  }
};

} // namespace

void tessera::lowering::populateContractionLoweringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, MatMulIntegerLowering, ConvLowering, ConvTransposeLowering,
               MaxPoolLowering, AvgPoolLowering>(converter,
                                                 patterns.getContext());
}
