//===- ReductionToLinalg.cpp - reductions and normalisations --------------===//
//
// Reductions are one linalg.generic with reduction iterators; softmax and
// the normalisations are map-reduce-map chains of the same primitives, with
// the reduced tensor kept at rank (size-1 dims) so that it broadcasts back.
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

using Combine = function_ref<Value(OpBuilder &, Location, Value, Value)>;

/// Reduces over `axes` and keeps them as size-1 dimensions.
Value reduceKeepDims(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> axes, Value init, Combine combine) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(type.getShape());
  for (int64_t axis : axes)
    shape[axis] = 1;
  Value reduced = reduce(b, loc, input, axes, init, combine);
  return reshape(b, loc, reduced,
                 RankedTensorType::get(shape, type.getElementType()));
}

int64_t reducedCount(RankedTensorType type, ArrayRef<int64_t> axes) {
  int64_t count = 1;
  for (int64_t axis : axes)
    count *= type.getDimSize(axis);
  return count;
}

/// x / count, elementwise.
Value divideBy(OpBuilder &b, Location loc, Kind kind, Value x, int64_t count) {
  auto type = cast<RankedTensorType>(x.getType());
  Value divisor =
      scalarConstant(b, loc, type.getElementType(), static_cast<double>(count));
  return broadcastMap(b, loc, type, ValueRange{x},
                      [&](OpBuilder &nb, Location l, ValueRange args) {
                        return div(nb, l, kind, args[0], divisor);
                      });
}

enum class Reduction { Sum, Mean, Max, Min, Prod };

/// The reduction of `input` (tg element kind `kind`) into `resultType`.
Value lowerReduction(OpBuilder &b, Location loc, Reduction reduction, Kind kind,
                     Value input, ArrayRef<int64_t> axes,
                     RankedTensorType resultType) {
  if (axes.empty())
    return input;
  Type elementType = resultType.getElementType();
  Value init;
  std::function<Value(OpBuilder &, Location, Value, Value)> combine;
  switch (reduction) {
  case Reduction::Sum:
  case Reduction::Mean:
    init = scalarConstant(b, loc, elementType, 0);
    combine = [kind](OpBuilder &nb, Location l, Value a, Value x) {
      return add(nb, l, kind, a, x);
    };
    break;
  case Reduction::Prod:
    init = scalarConstant(b, loc, elementType, 1);
    combine = [kind](OpBuilder &nb, Location l, Value a, Value x) {
      return mul(nb, l, kind, a, x);
    };
    break;
  case Reduction::Max:
    init = extremeConstant(b, loc, elementType, kind, /*largest=*/false);
    combine = [kind](OpBuilder &nb, Location l, Value a, Value x) {
      return maximum(nb, l, kind, a, x);
    };
    break;
  case Reduction::Min:
    init = extremeConstant(b, loc, elementType, kind, /*largest=*/true);
    combine = [kind](OpBuilder &nb, Location l, Value a, Value x) {
      return minimum(nb, l, kind, a, x);
    };
    break;
  }
  Value result = reduce(b, loc, input, axes, init, combine);
  if (reduction == Reduction::Mean)
    result =
        divideBy(b, loc, kind, result,
                 reducedCount(cast<RankedTensorType>(input.getType()), axes));
  return reshape(b, loc, result, resultType);
}

template <typename OpTy, Reduction R>
struct ReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op,
        lowerReduction(rewriter, op.getLoc(), R,
                       kindOf(getElementTypeOrSelf(op.getInput())),
                       adaptor.getInput(), op.getAxes(),
                       convertedType(*this->getTypeConverter(), op.getType())));
    return success();
  }
};

template <typename OpTy, Reduction R>
struct GlobalPoolLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    int64_t rank = op.getInput().getType().getRank();
    SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(2, rank));
    rewriter.replaceOp(
        op, lowerReduction(
                rewriter, op.getLoc(), R, Kind::Float, adaptor.getInput(), axes,
                convertedType(*this->getTypeConverter(), op.getType())));
    return success();
  }
};

template <typename OpTy, bool Log>
struct SoftmaxLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type elementType = type.getElementType();
    int64_t axis = op.getAxis();
    Value max = reduceKeepDims(
        rewriter, loc, x, {axis},
        extremeConstant(rewriter, loc, elementType, Kind::Float, false),
        [](OpBuilder &b, Location l, Value a, Value v) {
          return arith::MaximumFOp::create(b, l, a, v);
        });
    Value shifted =
        broadcastMap(rewriter, loc, type, ValueRange{x, max},
                     [](OpBuilder &b, Location l, ValueRange args) {
                       return arith::SubFOp::create(b, l, args[0], args[1]);
                     });
    Value exps = broadcastMap(rewriter, loc, type, ValueRange{shifted},
                              [](OpBuilder &b, Location l, ValueRange args) {
                                return math::ExpOp::create(b, l, args[0]);
                              });
    Value sum = reduceKeepDims(rewriter, loc, exps, {axis},
                               scalarConstant(rewriter, loc, elementType, 0),
                               [](OpBuilder &b, Location l, Value a, Value v) {
                                 return arith::AddFOp::create(b, l, a, v);
                               });
    Value result;
    if (Log)
      result =
          broadcastMap(rewriter, loc, type, ValueRange{shifted, sum},
                       [](OpBuilder &b, Location l, ValueRange args) {
                         return arith::SubFOp::create(
                             b, l, args[0], math::LogOp::create(b, l, args[1]));
                       });
    else
      result =
          broadcastMap(rewriter, loc, type, ValueRange{exps, sum},
                       [](OpBuilder &b, Location l, ValueRange args) {
                         return arith::DivFOp::create(b, l, args[0], args[1]);
                       });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct BatchNormLowering : OpConversionPattern<tg::BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    auto paramType = cast<RankedTensorType>(adaptor.getScale().getType());
    Type elementType = type.getElementType();
    Value epsilon = scalarConstant(rewriter, loc, elementType,
                                   op.getEpsilon().convertToDouble());
    // a = scale / sqrt(var + eps), b = bias - mean * a, per channel.
    Value a =
        broadcastMap(rewriter, loc, paramType,
                     ValueRange{adaptor.getScale(), adaptor.getVar()},
                     [&](OpBuilder &b, Location l, ValueRange args) {
                       Value s = math::SqrtOp::create(
                           b, l, arith::AddFOp::create(b, l, args[1], epsilon));
                       return arith::DivFOp::create(b, l, args[0], s);
                     });
    Value shift = broadcastMap(
        rewriter, loc, paramType,
        ValueRange{adaptor.getBias(), adaptor.getMean(), a},
        [](OpBuilder &b, Location l, ValueRange args) {
          return arith::SubFOp::create(
              b, l, args[0], arith::MulFOp::create(b, l, args[1], args[2]));
        });
    // C -> C x 1 x ... x 1 so that it broadcasts along dimension 1.
    SmallVector<int64_t> channelShape(type.getRank() - 1, 1);
    channelShape[0] = paramType.getDimSize(0);
    auto channelType = RankedTensorType::get(channelShape, elementType);
    Value scale = reshape(rewriter, loc, a, channelType);
    Value offset = reshape(rewriter, loc, shift, channelType);
    rewriter.replaceOp(
        op,
        broadcastMap(
            rewriter, loc, type, ValueRange{adaptor.getInput(), scale, offset},
            [](OpBuilder &b, Location l, ValueRange args) {
              return arith::AddFOp::create(
                  b, l, arith::MulFOp::create(b, l, args[0], args[1]), args[2]);
            }));
    return success();
  }
};

struct LayerNormLowering : OpConversionPattern<tg::LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type elementType = type.getElementType();
    SmallVector<int64_t> axes =
        llvm::to_vector(llvm::seq<int64_t>(op.getAxis(), type.getRank()));
    int64_t count = reducedCount(type, axes);
    Value zero = scalarConstant(rewriter, loc, elementType, 0);
    auto sum = [](OpBuilder &b, Location l, Value a, Value v) -> Value {
      return arith::AddFOp::create(b, l, a, v);
    };
    Value mean =
        divideBy(rewriter, loc, Kind::Float,
                 reduceKeepDims(rewriter, loc, x, axes, zero, sum), count);
    Value centered =
        broadcastMap(rewriter, loc, type, ValueRange{x, mean},
                     [](OpBuilder &b, Location l, ValueRange args) {
                       return arith::SubFOp::create(b, l, args[0], args[1]);
                     });
    Value squares =
        broadcastMap(rewriter, loc, type, ValueRange{centered},
                     [](OpBuilder &b, Location l, ValueRange args) {
                       return arith::MulFOp::create(b, l, args[0], args[0]);
                     });
    Value variance = divideBy(
        rewriter, loc, Kind::Float,
        reduceKeepDims(rewriter, loc, squares, axes, zero, sum), count);
    Value epsilon = scalarConstant(rewriter, loc, elementType,
                                   op.getEpsilon().convertToDouble());
    SmallVector<Value> inputs{centered, variance, adaptor.getScale()};
    if (adaptor.getBias())
      inputs.push_back(adaptor.getBias());
    rewriter.replaceOp(
        op,
        broadcastMap(
            rewriter, loc, type, inputs,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value deviation = math::SqrtOp::create(
                  b, l, arith::AddFOp::create(b, l, args[1], epsilon));
              Value y = arith::MulFOp::create(
                  b, l, arith::DivFOp::create(b, l, args[0], deviation),
                  args[2]);
              return args.size() > 3
                         ? arith::AddFOp::create(b, l, y, args[3]).getResult()
                         : y;
            }));
    return success();
  }
};

/// arg_max / arg_min: one generic with two outputs, the best value so far
/// and its index, reducing along the axis.
template <typename OpTy, bool Max>
struct ArgReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type elementType = inputType.getElementType();
    Kind kind = kindOf(getElementTypeOrSelf(op.getInput()));
    int64_t rank = inputType.getRank(), axis = op.getAxis();
    SmallVector<int64_t> shape;
    SmallVector<AffineExpr> exprs;
    SmallVector<utils::IteratorType> iterators;
    for (int64_t d = 0; d < rank; ++d) {
      iterators.push_back(d == axis ? utils::IteratorType::reduction
                                    : utils::IteratorType::parallel);
      if (d != axis) {
        shape.push_back(inputType.getDimSize(d));
        exprs.push_back(rewriter.getAffineDimExpr(d));
      }
    }
    auto valueType = RankedTensorType::get(shape, elementType);
    auto indexType = RankedTensorType::get(shape, rewriter.getI64Type());
    Value valueInit =
        filledTensor(rewriter, loc, valueType,
                     extremeConstant(rewriter, loc, elementType, kind, !Max));
    Value indexInit =
        filledTensor(rewriter, loc, indexType,
                     scalarConstant(rewriter, loc, rewriter.getI64Type(), 0));
    AffineMap reduced = AffineMap::get(rank, 0, exprs, rewriter.getContext());
    SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(rank), reduced,
                                reduced};
    bool last = op.getSelectLastIndex();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valueType, indexType}, ValueRange{input},
        ValueRange{valueInit, indexInit}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = args[0], best = args[1], bestIndex = args[2];
          Value index = arith::IndexCastOp::create(
              b, l, b.getI64Type(), linalg::IndexOp::create(b, l, axis));
          Value better;
          if (kind == Kind::Float) {
            auto p = Max ? (last ? arith::CmpFPredicate::OGE
                                 : arith::CmpFPredicate::OGT)
                         : (last ? arith::CmpFPredicate::OLE
                                 : arith::CmpFPredicate::OLT);
            better = arith::CmpFOp::create(b, l, p, x, best);
          } else {
            bool isSigned = kind == Kind::Signed;
            auto p = Max ? (last ? (isSigned ? arith::CmpIPredicate::sge
                                             : arith::CmpIPredicate::uge)
                                 : (isSigned ? arith::CmpIPredicate::sgt
                                             : arith::CmpIPredicate::ugt))
                         : (last ? (isSigned ? arith::CmpIPredicate::sle
                                             : arith::CmpIPredicate::ule)
                                 : (isSigned ? arith::CmpIPredicate::slt
                                             : arith::CmpIPredicate::ult));
            better = arith::CmpIOp::create(b, l, p, x, best);
          }
          // The first element always wins, so an all-extreme row gives 0.
          Value first =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, index,
                                    scalarConstant(b, l, b.getI64Type(), 0));
          Value take = arith::OrIOp::create(b, l, better, first);
          linalg::YieldOp::create(
              b, l,
              ValueRange{
                  arith::SelectOp::create(b, l, take, x, best),
                  arith::SelectOp::create(b, l, take, index, bestIndex)});
        });
    rewriter.replaceOp(
        op, reshape(rewriter, loc, generic.getResult(1),
                    convertedType(*this->getTypeConverter(), op.getType())));
    return success();
  }
};

} // namespace

void tessera::lowering::populateReductionLoweringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<tg::ReduceSumOp, Reduction::Sum>,
               ReduceLowering<tg::ReduceMeanOp, Reduction::Mean>,
               ReduceLowering<tg::ReduceMaxOp, Reduction::Max>,
               ReduceLowering<tg::ReduceMinOp, Reduction::Min>,
               ReduceLowering<tg::ReduceProdOp, Reduction::Prod>,
               GlobalPoolLowering<tg::GlobalMaxPoolOp, Reduction::Max>,
               GlobalPoolLowering<tg::GlobalAvgPoolOp, Reduction::Mean>,
               SoftmaxLowering<tg::SoftmaxOp, false>,
               SoftmaxLowering<tg::LogSoftmaxOp, true>, BatchNormLowering,
               ArgReduceLowering<tg::ArgMaxOp, true>,
               ArgReduceLowering<tg::ArgMinOp, false>, LayerNormLowering>(
      converter, patterns.getContext());
}
