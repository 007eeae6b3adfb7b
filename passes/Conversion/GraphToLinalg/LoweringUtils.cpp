//===- LoweringUtils.cpp - shared pieces of the tg lowering ---------------===//

#include "passes/Conversion/GraphToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

using namespace mlir;

namespace tessera::lowering {

Kind kindOf(Type type) {
  if (isa<FloatType>(type))
    return Kind::Float;
  if (type.isInteger(1))
    return Kind::Bool;
  if (type.isUnsignedInteger())
    return Kind::Unsigned;
  return Kind::Signed;
}

RankedTensorType convertedType(const TypeConverter &converter, Type type) {
  return cast<RankedTensorType>(converter.convertType(type));
}

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType());
}

Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   Value value) {
  return linalg::FillOp::create(b, loc, ValueRange{value},
                                ValueRange{emptyTensor(b, loc, type)})
      .getResult(0);
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double v) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, v));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(v)));
}

Value extremeConstant(OpBuilder &b, Location loc, Type type, Kind kind,
                      bool largest) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(type, APFloat::getInf(floatType.getFloatSemantics(),
                                             /*Negative=*/!largest)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value;
  if (kind == Kind::Signed)
    value = largest ? APInt::getSignedMaxValue(width)
                    : APInt::getSignedMinValue(width);
  else
    value = largest ? APInt::getMaxValue(width) : APInt::getZero(width);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

AffineMap broadcastMap(MLIRContext *context, ArrayRef<int64_t> operandShape,
                       ArrayRef<int64_t> resultShape) {
  size_t rank = resultShape.size();
  size_t offset = rank - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (size_t j = 0; j < operandShape.size(); ++j) {
    size_t k = j + offset;
    if (operandShape[j] == 1 && resultShape[k] != 1)
      exprs.push_back(getAffineConstantExpr(0, context));
    else
      exprs.push_back(getAffineDimExpr(k, context));
  }
  return AffineMap::get(rank, 0, exprs, context);
}

Value broadcastMap(OpBuilder &b, Location loc, RankedTensorType resultType,
                   ValueRange inputs, ScalarBody body) {
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(broadcastMap(
        context, cast<RankedTensorType>(input.getType()).getShape(),
        resultType.getShape()));
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  SmallVector<utils::IteratorType> iterators(resultType.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs,
      ValueRange{emptyTensor(b, loc, resultType)}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args.drop_back());
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
             Value init,
             function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  SmallVector<int64_t> resultShape;
  SmallVector<AffineExpr> resultExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    if (!reduced) {
      resultShape.push_back(inputType.getDimSize(d));
      resultExprs.push_back(b.getAffineDimExpr(d));
    }
  }
  auto resultType =
      RankedTensorType::get(resultShape, inputType.getElementType());
  SmallVector<AffineMap> maps{
      b.getMultiDimIdentityMap(rank),
      AffineMap::get(rank, 0, resultExprs, b.getContext())};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{input},
      ValueRange{filledTensor(b, loc, resultType, init)}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                combine(nested, nestedLoc, args[1], args[0]));
      });
  return generic.getResult(0);
}

Value reshape(OpBuilder &b, Location loc, Value input,
              RankedTensorType resultType) {
  auto inputType = cast<RankedTensorType>(input.getType());
  if (inputType == resultType)
    return input;
  // To or from a scalar: every dimension is 1, the reassociation is empty.
  if (resultType.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, input,
                                           ArrayRef<ReassociationIndices>{});
  if (inputType.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, resultType, input,
                                         ArrayRef<ReassociationIndices>{});
  // Otherwise through 1-D: collapse everything, expand everything.
  Value flat = input;
  if (inputType.getRank() != 1) {
    SmallVector<ReassociationIndices> groups{
        llvm::to_vector(llvm::seq<int64_t>(0, inputType.getRank()))};
    flat = tensor::CollapseShapeOp::create(b, loc, input, groups);
  }
  if (resultType.getRank() == 1)
    return flat;
  SmallVector<ReassociationIndices> groups{
      llvm::to_vector(llvm::seq<int64_t>(0, resultType.getRank()))};
  return tensor::ExpandShapeOp::create(b, loc, resultType, flat, groups);
}

Value padConstant(OpBuilder &b, Location loc, Value input,
                  ArrayRef<int64_t> low, ArrayRef<int64_t> high,
                  Value padValue) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  bool crops = llvm::any_of(low, [](int64_t v) { return v < 0; }) ||
               llvm::any_of(high, [](int64_t v) { return v < 0; });
  if (crops) {
    SmallVector<int64_t> offsets, sizes, strides(rank, 1);
    for (int64_t d = 0; d < rank; ++d) {
      int64_t cropLow = std::max<int64_t>(0, -low[d]);
      int64_t cropHigh = std::max<int64_t>(0, -high[d]);
      offsets.push_back(cropLow);
      sizes.push_back(type.getDimSize(d) - cropLow - cropHigh);
    }
    input = extractSlice(b, loc, input, offsets, sizes, strides);
    type = cast<RankedTensorType>(input.getType());
  }
  SmallVector<OpFoldResult> lowPads, highPads;
  SmallVector<int64_t> shape;
  bool grows = false;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t l = std::max<int64_t>(0, low[d]), h = std::max<int64_t>(0, high[d]);
    grows |= l > 0 || h > 0;
    lowPads.push_back(b.getIndexAttr(l));
    highPads.push_back(b.getIndexAttr(h));
    shape.push_back(type.getDimSize(d) + l + h);
  }
  if (!grows)
    return input;
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return tensor::PadOp::create(b, loc, resultType, input, lowPads, highPads,
                               padValue);
}

static SmallVector<OpFoldResult> foldResults(OpBuilder &b,
                                             ArrayRef<int64_t> values) {
  return llvm::map_to_vector(
      values, [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); });
}

Value extractSlice(OpBuilder &b, Location loc, Value source,
                   ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes,
                   ArrayRef<int64_t> strides) {
  return tensor::ExtractSliceOp::create(b, loc, source, foldResults(b, offsets),
                                        foldResults(b, sizes),
                                        foldResults(b, strides));
}

Value insertSlice(OpBuilder &b, Location loc, Value source, Value dest,
                  ArrayRef<int64_t> offsets, ArrayRef<int64_t> strides) {
  auto sizes = cast<RankedTensorType>(source.getType()).getShape();
  return tensor::InsertSliceOp::create(
      b, loc, source, dest, foldResults(b, offsets), foldResults(b, sizes),
      foldResults(b, strides));
}

Value add(OpBuilder &b, Location loc, Kind kind, Value x, Value y) {
  if (kind == Kind::Float)
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value sub(OpBuilder &b, Location loc, Kind kind, Value x, Value y) {
  if (kind == Kind::Float)
    return arith::SubFOp::create(b, loc, x, y);
  return arith::SubIOp::create(b, loc, x, y);
}

Value mul(OpBuilder &b, Location loc, Kind kind, Value x, Value y) {
  if (kind == Kind::Float)
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

Value div(OpBuilder &b, Location loc, Kind kind, Value x, Value y) {
  if (kind == Kind::Float)
    return arith::DivFOp::create(b, loc, x, y);
  if (kind == Kind::Signed)
    return arith::DivSIOp::create(b, loc, x, y);
  return arith::DivUIOp::create(b, loc, x, y);
}

Value maximum(OpBuilder &b, Location loc, Kind kind, Value x, Value y) {
  if (kind == Kind::Float)
    return arith::MaximumFOp::create(b, loc, x, y);
  if (kind == Kind::Signed)
    return arith::MaxSIOp::create(b, loc, x, y);
  return arith::MaxUIOp::create(b, loc, x, y);
}

Value minimum(OpBuilder &b, Location loc, Kind kind, Value x, Value y) {
  if (kind == Kind::Float)
    return arith::MinimumFOp::create(b, loc, x, y);
  if (kind == Kind::Signed)
    return arith::MinSIOp::create(b, loc, x, y);
  return arith::MinUIOp::create(b, loc, x, y);
}

Value castScalar(OpBuilder &b, Location loc, Value value, Type from, Type to) {
  Kind fromKind = kindOf(from), toKind = kindOf(to);
  Type target =
      isa<FloatType>(to) ? to : b.getIntegerType(to.getIntOrFloatBitWidth());
  if (toKind == Kind::Bool) {
    if (fromKind == Kind::Float)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   scalarConstant(b, loc, from, 0.0));
    if (fromKind == Kind::Bool)
      return value;
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value,
                                 scalarConstant(b, loc, value.getType(), 0));
  }
  if (fromKind == Kind::Float && toKind == Kind::Float) {
    unsigned fromWidth = from.getIntOrFloatBitWidth();
    unsigned toWidth = to.getIntOrFloatBitWidth();
    if (from == to)
      return value;
    if (fromWidth == toWidth) // f16 <-> bf16: through f32.
      value = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    if (cast<FloatType>(value.getType()).getWidth() < toWidth)
      return arith::ExtFOp::create(b, loc, target, value);
    return arith::TruncFOp::create(b, loc, target, value);
  }
  if (fromKind == Kind::Float)
    return toKind == Kind::Signed
               ? arith::FPToSIOp::create(b, loc, target, value).getResult()
               : arith::FPToUIOp::create(b, loc, target, value).getResult();
  bool signedSource = fromKind == Kind::Signed;
  if (toKind == Kind::Float)
    return signedSource
               ? arith::SIToFPOp::create(b, loc, target, value).getResult()
               : arith::UIToFPOp::create(b, loc, target, value).getResult();
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  unsigned toWidth = target.getIntOrFloatBitWidth();
  if (fromWidth == toWidth)
    return value;
  if (fromWidth > toWidth)
    return arith::TruncIOp::create(b, loc, target, value);
  return signedSource
             ? arith::ExtSIOp::create(b, loc, target, value).getResult()
             : arith::ExtUIOp::create(b, loc, target, value).getResult();
}

Value indexFrom(OpBuilder &b, Location loc, Value raw, int64_t extent) {
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                         index, indexConstant(b, loc, 0));
  return arith::SelectOp::create(
      b, loc, negative,
      arith::AddIOp::create(b, loc, index, indexConstant(b, loc, extent)),
      index);
}

Value gatherGeneric(OpBuilder &b, Location loc, RankedTensorType type,
                    Value source, ValueRange inputs,
                    ArrayRef<AffineMap> inputMaps,
                    function_ref<SmallVector<Value>(
                        OpBuilder &, Location, ValueRange, ArrayRef<Value>)>
                        sourceIndices) {
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(type.getRank()));
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs,
             ValueRange{emptyTensor(b, loc, type)}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               SmallVector<Value> resultIndices;
               for (int64_t d = 0; d < type.getRank(); ++d)
                 resultIndices.push_back(linalg::IndexOp::create(nb, l, d));
               SmallVector<Value> indices =
                   sourceIndices(nb, l, args.drop_back(), resultIndices);
               linalg::YieldOp::create(
                   nb, l,
                   tensor::ExtractOp::create(nb, l, source, indices)
                       .getResult());
             })
      .getResult(0);
}

Value compareScalars(OpBuilder &b, Location l, Kind kind, Value a, Value c,
                     bool less) {
  if (kind == Kind::Float)
    return arith::CmpFOp::create(
        b, l, less ? arith::CmpFPredicate::OLT : arith::CmpFPredicate::OGT, a,
        c);
  bool isSigned = kind == Kind::Signed;
  arith::CmpIPredicate p =
      less ? (isSigned ? arith::CmpIPredicate::slt : arith::CmpIPredicate::ult)
           : (isSigned ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::ugt);
  return arith::CmpIOp::create(b, l, p, a, c);
}

} // namespace tessera::lowering
