//===- GraphFolders.cpp - tg folders and canonicalization -----------------===//
//
// Cheap, exact simplifications: identities (x + 0, reshape to the same type,
// identity transpose …), composition of reshapes and transposes, and constant
// folding of the integer and float arithmetic that shape computations in
// exported models are made of. Folding stops at kMaxFoldElements so that a
// fold never materialises a large tensor.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APSInt.h"

using namespace mlir;
using namespace tessera::tg;

namespace {
#include "dialects/Graph/IR/GraphCanonicalization.inc"

constexpr int64_t kMaxFoldElements = 1 << 16;

/// A dense constant small enough to fold, or null.
DenseElementsAttr foldable(Attribute attr) {
  auto dense = dyn_cast_if_present<DenseElementsAttr>(attr);
  if (!dense || (!dense.isSplat() && dense.getNumElements() > kMaxFoldElements))
    return {};
  return dense;
}

/// True when `attr` is a constant whose every element equals `value`.
bool isSplatOf(Attribute attr, double value) {
  auto dense = dyn_cast_if_present<DenseElementsAttr>(attr);
  if (!dense || !dense.isSplat())
    return false;
  Type elementType = dense.getElementType();
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    // Bitwise: -0.0 and +0.0 are different identities.
    APFloat expected(value);
    bool losesInfo;
    expected.convert(floatType.getFloatSemantics(),
                     APFloat::rmNearestTiesToEven, &losesInfo);
    return dense.getSplatValue<APFloat>().bitwiseIsEqual(expected);
  }
  if (isa<IntegerType>(elementType) && value == static_cast<int64_t>(value))
    return dense.getSplatValue<APInt>() ==
           APInt(elementType.getIntOrFloatBitWidth(),
                 static_cast<int64_t>(value), /*isSigned=*/true);
  return false;
}

/// Row-major strides of `shape` broadcast into `resultShape` (0 for
/// broadcast dimensions), so that element `i` of the result reads element
/// sum(index_d * stride_d) of the operand.
SmallVector<int64_t> broadcastStrides(ArrayRef<int64_t> shape,
                                      ArrayRef<int64_t> resultShape) {
  SmallVector<int64_t> strides(resultShape.size(), 0);
  int64_t stride = 1;
  size_t offset = resultShape.size() - shape.size();
  for (int64_t d = shape.size() - 1; d >= 0; --d) {
    strides[d + offset] = shape[d] == 1 ? 0 : stride;
    stride *= shape[d];
  }
  return strides;
}

/// Applies `fn` elementwise to two broadcast constants of result type
/// `resultType`; `fn` returns std::nullopt to refuse (division by zero …).
template <typename T, typename Fn>
Attribute foldBroadcast(DenseElementsAttr lhs, DenseElementsAttr rhs,
                        RankedTensorType resultType, Fn fn) {
  if (resultType.getNumElements() > kMaxFoldElements)
    return {};
  ArrayRef<int64_t> shape = resultType.getShape();
  SmallVector<int64_t> lhsStrides =
      broadcastStrides(cast<ShapedType>(lhs.getType()).getShape(), shape);
  SmallVector<int64_t> rhsStrides =
      broadcastStrides(cast<ShapedType>(rhs.getType()).getShape(), shape);
  auto lhsValues = lhs.getValues<T>();
  auto rhsValues = rhs.getValues<T>();
  SmallVector<T> results;
  results.reserve(resultType.getNumElements());
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t n = 0, e = resultType.getNumElements(); n < e; ++n) {
    int64_t l = 0, r = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      l += index[d] * lhsStrides[d];
      r += index[d] * rhsStrides[d];
    }
    std::optional<T> value =
        fn(lhsValues[lhs.isSplat() ? 0 : l], rhsValues[rhs.isSplat() ? 0 : r]);
    if (!value)
      return {};
    results.push_back(*value);
    for (int64_t d = shape.size() - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return DenseElementsAttr::get(resultType, results);
}

using IntFn = std::function<std::optional<APInt>(const APInt &, const APInt &,
                                                 bool isUnsigned)>;
using FloatFn =
    std::function<std::optional<APFloat>(const APFloat &, const APFloat &)>;

/// Constant-folds a broadcasting arithmetic op.
Attribute foldArithmetic(Operation *op, ArrayRef<Attribute> operands,
                         const IntFn &intFn, const FloatFn &floatFn) {
  DenseElementsAttr lhs = foldable(operands[0]), rhs = foldable(operands[1]);
  if (!lhs || !rhs)
    return {};
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  Type elementType = resultType.getElementType();
  if (isa<FloatType>(elementType))
    return foldBroadcast<APFloat>(lhs, rhs, resultType, floatFn);
  bool isUnsigned = elementType.isUnsignedInteger();
  return foldBroadcast<APInt>(
      lhs, rhs, resultType,
      [&](const APInt &a, const APInt &b) { return intFn(a, b, isUnsigned); });
}

/// `x op identity` folds to x when no broadcasting grows x.
OpFoldResult foldRightIdentity(Operation *op, Attribute rhs, double identity) {
  Value lhs = op->getOperand(0);
  if (lhs.getType() == op->getResult(0).getType() && isSplatOf(rhs, identity))
    return lhs;
  return {};
}

/// Builds a constant of `type` whose element at each multi-index is
/// `source(index)`, an element of a small dense constant. Used to fold the
/// re-indexing ops of shape computations (slice, concat, gather).
Attribute foldByIndex(RankedTensorType type,
                      llvm::function_ref<Attribute(ArrayRef<int64_t>)> source) {
  if (type.getNumElements() > kMaxFoldElements)
    return {};
  SmallVector<Attribute> values;
  values.reserve(type.getNumElements());
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t n = 0, e = type.getNumElements(); n < e; ++n) {
    Attribute value = source(index);
    if (!value)
      return {};
    values.push_back(value);
    for (int64_t d = shape.size() - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return DenseElementsAttr::get(type, values);
}

/// Element `index` of a dense constant.
Attribute elementAt(DenseElementsAttr dense, ArrayRef<int64_t> index) {
  if (dense.isSplat())
    return dense.getSplatValue<Attribute>();
  ArrayRef<int64_t> shape = dense.getType().getShape();
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    flat = flat * shape[d] + index[d];
  return dense.getValues<Attribute>()[flat];
}
} // namespace

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValueAttr(); }

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getInput().getDefiningOp<NegOp>())
    return inner.getInput();
  // Constants (shape arithmetic): negate element by element.
  DenseElementsAttr dense = foldable(adaptor.getInput());
  if (!dense)
    return {};
  if (isa<FloatType>(dense.getElementType()))
    return dense.mapValues(dense.getElementType(), [](const APFloat &v) {
      APFloat n = v;
      n.changeSign();
      return n.bitcastToAPInt();
    });
  return dense.mapValues(dense.getElementType(),
                         [](const APInt &v) { return -v; });
}

OpFoldResult CompareOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr lhs = foldable(adaptor.getLhs()),
                    rhs = foldable(adaptor.getRhs());
  if (!lhs || !rhs || !isa<IntegerType>(lhs.getElementType()))
    return {};
  bool isUnsigned = lhs.getElementType().isUnsignedInteger();
  ComparePredicate predicate = getPredicate();
  return foldBroadcast<APInt>(
      lhs, rhs, cast<RankedTensorType>(getType()),
      [&](const APInt &a, const APInt &b) -> std::optional<APInt> {
        bool result = false;
        switch (predicate) {
        case ComparePredicate::eq:
          result = a == b;
          break;
        case ComparePredicate::lt:
          result = isUnsigned ? a.ult(b) : a.slt(b);
          break;
        case ComparePredicate::le:
          result = isUnsigned ? a.ule(b) : a.sle(b);
          break;
        case ComparePredicate::gt:
          result = isUnsigned ? a.ugt(b) : a.sgt(b);
          break;
        case ComparePredicate::ge:
          result = isUnsigned ? a.uge(b) : a.sge(b);
          break;
        }
        return APInt(1, result);
      });
}

OpFoldResult ClipOp::fold(FoldAdaptor) {
  if (!getMinAttr() && !getMaxAttr())
    return getInput();
  return {};
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  // x + -0.0 is x for every float x; x + +0.0 is not (for x = -0.0).
  double identity = isa<FloatType>(getElementTypeOrSelf(getLhs())) ? -0.0 : 0.0;
  if (OpFoldResult folded =
          foldRightIdentity(*this, adaptor.getRhs(), identity))
    return folded;
  return foldArithmetic(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b, bool) { return a + b; },
      [](const APFloat &a, const APFloat &b) { return a + b; });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult identity = foldRightIdentity(*this, adaptor.getRhs(), 0.0))
    return identity;
  return foldArithmetic(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b, bool) { return a - b; },
      [](const APFloat &a, const APFloat &b) { return a - b; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult identity = foldRightIdentity(*this, adaptor.getRhs(), 1.0))
    return identity;
  return foldArithmetic(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b, bool) { return a * b; },
      [](const APFloat &a, const APFloat &b) { return a * b; });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult identity = foldRightIdentity(*this, adaptor.getRhs(), 1.0))
    return identity;
  return foldArithmetic(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b,
         bool isUnsigned) -> std::optional<APInt> {
        if (b.isZero())
          return std::nullopt;
        if (isUnsigned)
          return a.udiv(b);
        bool overflow = false;
        APInt quotient = a.sdiv_ov(b, overflow);
        if (overflow)
          return std::nullopt;
        return quotient;
      },
      [](const APFloat &a, const APFloat &b) { return a / b; });
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

OpFoldResult tessera::tg::foldEmptyReduction(Operation *op,
                                             ArrayRef<int64_t> axes) {
  if (axes.empty() && op->getOperand(0).getType() == op->getResult(0).getType())
    return op->getOperand(0);
  return {};
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  if (auto dense = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPerm();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return getInput();
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    // result[i] = x[inner[perm[i]]]
    SmallVector<int64_t> composed;
    for (int64_t p : perm)
      composed.push_back(inner.getPerm()[p]);
    getInputMutable().assign(inner.getInput());
    setPerm(composed);
    return getResult();
  }
  return {};
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1)
    return getInputs().front();
  SmallVector<DenseElementsAttr> inputs;
  for (Attribute attr : adaptor.getInputs()) {
    DenseElementsAttr dense = foldable(attr);
    if (!dense)
      return {};
    inputs.push_back(dense);
  }
  int64_t axis = getAxis();
  return foldByIndex(getType(), [&](ArrayRef<int64_t> index) -> Attribute {
    SmallVector<int64_t> at(index);
    for (DenseElementsAttr input : inputs) {
      int64_t extent = input.getType().getDimSize(axis);
      if (at[axis] < extent)
        return elementAt(input, at);
      at[axis] -= extent;
    }
    return {};
  });
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() &&
      llvm::all_of(getOffsets(), [](int64_t v) { return v == 0; }) &&
      llvm::all_of(getSteps(), [](int64_t v) { return v == 1; }))
    return getInput();
  DenseElementsAttr dense = foldable(adaptor.getInput());
  if (!dense)
    return {};
  ArrayRef<int64_t> offsets = getOffsets(), steps = getSteps();
  return foldByIndex(getType(), [&](ArrayRef<int64_t> index) {
    SmallVector<int64_t> at;
    for (size_t d = 0; d < index.size(); ++d)
      at.push_back(offsets[d] + index[d] * steps[d]);
    return elementAt(dense, at);
  });
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr data = foldable(adaptor.getData());
  auto indices =
      dyn_cast_if_present<DenseIntElementsAttr>(adaptor.getIndices());
  if (!data || !indices || indices.getNumElements() > kMaxFoldElements)
    return {};
  int64_t axis = getAxis();
  int64_t extent = data.getType().getDimSize(axis);
  int64_t indicesRank = indices.getType().getRank();
  SmallVector<int64_t> positions;
  for (const APInt &v : indices.getValues<APInt>()) {
    int64_t position = v.getSExtValue();
    if (position < -extent || position >= extent)
      return {}; // out of range: undefined, left to run time
    positions.push_back(position < 0 ? position + extent : position);
  }
  ArrayRef<int64_t> indicesShape = indices.getType().getShape();
  return foldByIndex(getType(), [&](ArrayRef<int64_t> index) {
    int64_t flat = 0;
    for (int64_t d = 0; d < indicesRank; ++d)
      flat = flat * indicesShape[d] + index[axis + d];
    SmallVector<int64_t> at(index.begin(), index.begin() + axis);
    at.push_back(positions[flat]);
    at.append(index.begin() + axis + indicesRank, index.end());
    return elementAt(data, at);
  });
}

OpFoldResult PadOp::fold(FoldAdaptor) {
  if (llvm::all_of(getPads(), [](int64_t v) { return v == 0; }))
    return getInput();
  return {};
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto dense = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput());
  if (dense && dense.isSplat())
    return dense.resizeSplat(getType());
  return {};
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  DenseElementsAttr dense = foldable(adaptor.getInput());
  if (!dense)
    return {};
  Type from = dense.getElementType(), to = getType().getElementType();
  auto convert = [&](auto fn) -> Attribute {
    if (dense.isSplat()) {
      auto value = fn(dense, 0);
      return value ? DenseElementsAttr::get(getType(), *value) : Attribute();
    }
    SmallVector<Attribute> values;
    for (int64_t i = 0, e = dense.getNumElements(); i < e; ++i) {
      auto value = fn(dense, i);
      if (!value)
        return {};
      values.push_back(*value);
    }
    return DenseElementsAttr::get(getType(), values);
  };
  auto toAttr = [&](auto value) -> std::optional<Attribute> {
    if constexpr (std::is_same_v<decltype(value), APFloat>)
      return FloatAttr::get(to, value);
    else
      return IntegerAttr::get(to, value);
  };
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  bool fromUnsigned = from.isUnsignedInteger(),
       toUnsigned = to.isUnsignedInteger();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (fromFloat) {
    auto values = dense.getValues<APFloat>();
    return convert(
        [&](DenseElementsAttr, int64_t i) -> std::optional<Attribute> {
          APFloat value = values[i];
          if (toFloat) {
            bool losesInfo;
            value.convert(cast<FloatType>(to).getFloatSemantics(),
                          APFloat::rmNearestTiesToEven, &losesInfo);
            return toAttr(value);
          }
          if (toWidth == 1)
            return toAttr(APInt(1, !value.isZero()));
          APSInt result(toWidth, toUnsigned);
          bool exact;
          if (value.convertToInteger(result, APFloat::rmTowardZero, &exact) &
              APFloat::opInvalidOp)
            return std::nullopt; // NaN or out of range: undefined in ONNX
          return toAttr(APInt(result));
        });
  }
  auto values = dense.getValues<APInt>();
  return convert([&](DenseElementsAttr, int64_t i) -> std::optional<Attribute> {
    const APInt &value = values[i];
    bool isSigned = !fromUnsigned && from.getIntOrFloatBitWidth() != 1;
    if (toFloat) {
      APFloat result(cast<FloatType>(to).getFloatSemantics());
      result.convertFromAPInt(value, isSigned, APFloat::rmNearestTiesToEven);
      return toAttr(result);
    }
    if (toWidth == 1)
      return toAttr(APInt(1, !value.isZero()));
    return toAttr(isSigned ? value.sextOrTrunc(toWidth)
                           : value.zextOrTrunc(toWidth));
  });
}

/// Squeeze, unsqueeze and flatten of a constant are the constant reshaped.
static OpFoldResult foldReshapeLike(Attribute input, RankedTensorType type) {
  if (auto dense = dyn_cast_if_present<DenseElementsAttr>(input))
    return dense.reshape(type);
  return {};
}

OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(adaptor.getInput(), getType());
}

OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(adaptor.getInput(), getType());
}

OpFoldResult FlattenOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(adaptor.getInput(), getType());
}

//===----------------------------------------------------------------------===//
// Canonicalization patterns
//===----------------------------------------------------------------------===//

void SqueezeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<SqueezeToReshape>(context);
}

void UnsqueezeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<UnsqueezeToReshape>(context);
}

void FlattenOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<FlattenToReshape>(context);
}
