//===- GraphQuantOps.cpp - tg quantized tensors ---------------------------===//
//
// The element types tg admits for quantized values, the verifiers of
// quantize, dequantize and storage_cast, the type inference of
// matmul_integer, and the zero-point matmul built around it.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphBuild.h"
#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::tg;

bool tessera::tg::isTGQuantizedType(Type type) {
  auto quantized = dyn_cast<quant::QuantizedType>(type);
  if (!quantized ||
      !isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(
          type))
    return false;
  unsigned width = quantized.getStorageTypeIntegralWidth();
  if (width != 8 && width != 16)
    return false;
  if (!quantized.getExpressedType().isF32() &&
      !quantized.getExpressedType().isF16() &&
      !quantized.getExpressedType().isBF16())
    return false;
  bool isSigned = quantized.isSigned();
  return quantized.getStorageTypeMin() ==
             quant::QuantizedType::getDefaultMinimumForInteger(isSigned,
                                                               width) &&
         quantized.getStorageTypeMax() ==
             quant::QuantizedType::getDefaultMaximumForInteger(isSigned, width);
}

Type tessera::tg::storageElementType(Type quantizedType) {
  auto quantized = cast<quant::QuantizedType>(quantizedType);
  return IntegerType::get(
      quantizedType.getContext(), quantized.getStorageTypeIntegralWidth(),
      quantized.isSigned() ? IntegerType::Signless : IntegerType::Unsigned);
}

namespace {

/// Shapes equal, and a per-axis type's dimension and scale count fit them.
LogicalResult verifyQuantizedShape(Operation *op, RankedTensorType quantized,
                                   RankedTensorType other) {
  if (quantized.getShape() != other.getShape())
    return op->emitOpError()
           << "input " << op->getOperand(0).getType() << " and result "
           << op->getResult(0).getType() << " have different shapes";
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(
          quantized.getElementType())) {
    int64_t axis = perAxis.getQuantizedDimension();
    if (axis < 0 || axis >= quantized.getRank())
      return op->emitOpError()
             << "quantized dimension " << axis << " is outside a rank-"
             << quantized.getRank() << " tensor";
    int64_t count = perAxis.getScales().size();
    if (count != quantized.getDimSize(axis))
      return op->emitOpError()
             << "has " << count << " scales along dimension " << axis
             << ", which has size " << quantized.getDimSize(axis);
  }
  return success();
}

/// `floatType` is the expressed type of the quantized element type.
LogicalResult verifyExpressed(Operation *op, RankedTensorType quantized,
                              RankedTensorType floating) {
  Type expressed =
      cast<quant::QuantizedType>(quantized.getElementType()).getExpressedType();
  if (expressed != floating.getElementType())
    return op->emitOpError()
           << "the quantized type is expressed in " << expressed
           << ", the float tensor holds " << floating.getElementType();
  return verifyQuantizedShape(op, quantized, floating);
}

} // namespace

LogicalResult QuantizeOp::verify() {
  return verifyExpressed(*this, cast<RankedTensorType>(getType()),
                         cast<RankedTensorType>(getInput().getType()));
}

LogicalResult DequantizeOp::verify() {
  return verifyExpressed(*this, cast<RankedTensorType>(getInput().getType()),
                         cast<RankedTensorType>(getType()));
}

LogicalResult StorageCastOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  auto result = cast<RankedTensorType>(getType());
  bool inputQuantized = isTGQuantizedType(input.getElementType());
  bool resultQuantized = isTGQuantizedType(result.getElementType());
  if (inputQuantized == resultQuantized)
    return emitOpError("casts between a quantized tensor and its storage "
                       "integers; both sides are ")
           << (inputQuantized ? "quantized" : "integers");
  RankedTensorType quantized = inputQuantized ? input : result;
  RankedTensorType storage = inputQuantized ? result : input;
  Type expected = storageElementType(quantized.getElementType());
  if (storage.getElementType() != expected)
    return emitOpError() << quantized.getElementType() << " is stored as "
                         << expected << ", not " << storage.getElementType();
  return verifyQuantizedShape(*this, quantized, storage);
}

OpFoldResult StorageCastOp::fold(FoldAdaptor) {
  if (auto previous = getInput().getDefiningOp<StorageCastOp>())
    if (previous.getInput().getType() == getType())
      return previous.getInput();
  return {};
}

LogicalResult MatMulIntegerOp::inferResultTypes(InferContext &context,
                                                Adaptor adaptor) {
  FailureOr<Shape> lhs = context.shapeOf(adaptor.getLhs(), "lhs");
  FailureOr<Shape> rhs = context.shapeOf(adaptor.getRhs(), "rhs");
  if (failed(lhs) || failed(rhs))
    return failure();
  for (Value operand : adaptor.getOperands()) {
    Type element = getElementTypeOrSelf(operand);
    if (!element.isInteger(8))
      return context.error(
          "operands must be i8 or ui8, got " +
          Twine(element.isIntOrFloat()
                    ? std::to_string(element.getIntOrFloatBitWidth()) +
                          "-bit elements"
                    : std::string("non-scalar elements")));
  }
  return context.addResultOrError(
      matmulShape(*lhs, *rhs),
      IntegerType::get(adaptor.getLhs().getContext(), 32));
}

//===----------------------------------------------------------------------===//
// Zero-point matmuls
//===----------------------------------------------------------------------===//

namespace {

RankedTensorType i32Like(Value value, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, IntegerType::get(value.getContext(), 32));
}

Value i32Constant(OpBuilder &builder, Location loc, ArrayRef<int64_t> shape,
                  ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get(shape, builder.getI32Type());
  SmallVector<int32_t> narrow(values.begin(), values.end());
  return ConstantOp::create(builder, loc, type,
                            DenseElementsAttr::get(type, ArrayRef(narrow)));
}

/// The stored integers of a constant, or of a transposed constant (a
/// weight read transposed), in the row-major order of `value`'s shape.
std::optional<SmallVector<int64_t>> constantIntegers(Value value) {
  SmallVector<int64_t> perm;
  if (auto transpose = value.getDefiningOp<TransposeOp>()) {
    perm.assign(transpose.getPerm().begin(), transpose.getPerm().end());
    value = transpose.getInput();
  }
  DenseIntElementsAttr dense;
  if (!matchPattern(value, m_Constant(&dense)))
    return std::nullopt;
  bool isUnsigned = getElementTypeOrSelf(value).isUnsignedInteger();
  SmallVector<int64_t> source;
  source.reserve(dense.getNumElements());
  for (const APInt &v : dense.getValues<APInt>())
    source.push_back(isUnsigned ? static_cast<int64_t>(v.getZExtValue())
                                : v.getSExtValue());
  if (perm.empty())
    return source;
  // result[i0..in] = source[j] with j's digit perm[d] = i_d.
  ArrayRef<int64_t> shape = cast<RankedTensorType>(value.getType()).getShape();
  int64_t rank = shape.size();
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  SmallVector<int64_t> result(source.size()), index(rank, 0);
  for (size_t i = 0; i < result.size(); ++i) {
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d)
      offset += index[d] * strides[perm[d]];
    result[i] = source[offset];
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < shape[perm[d]])
        break;
      index[d] = 0;
    }
  }
  return result;
}

} // namespace

FailureOr<Value> tessera::tg::buildZeroPointMatMul(OpBuilder &builder,
                                                   Location loc, Value lhs,
                                                   ArrayRef<int64_t> lhsZeros,
                                                   Value rhs,
                                                   ArrayRef<int64_t> rhsZeros) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  int64_t rhsRank = rhsType.getRank(), lhsRank = lhsType.getRank();
  int64_t k = lhsType.getShape().back();
  int64_t rows = lhsRank >= 2 ? lhsType.getShape()[lhsRank - 2] : 1;
  int64_t columns = rhsRank >= 2 ? rhsType.getShape().back() : 1;
  bool perColumn = rhsZeros.size() > 1, perRow = lhsZeros.size() > 1;
  if (perColumn &&
      (rhsRank < 2 || static_cast<int64_t>(rhsZeros.size()) != columns))
    return emitError(loc) << "a per-column zero point needs one value per "
                             "column of a matrix operand";
  if (perRow && (lhsRank < 2 || static_cast<int64_t>(lhsZeros.size()) != rows))
    return emitError(loc) << "a per-row zero point needs one value per row "
                             "of a matrix operand";
  auto acc = buildGraphOp<MatMulIntegerOp>(builder, loc, {lhs, rhs});
  if (failed(acc))
    return failure();
  Value result = acc->front();
  auto zeroOf = [&](int64_t n) { return rhsZeros[perColumn ? n : 0]; };
  bool lhsHasZero = llvm::any_of(lhsZeros, [](int64_t z) { return z != 0; });
  bool rhsHasZero = llvm::any_of(rhsZeros, [](int64_t z) { return z != 0; });
  auto subtract = [&](Value term) -> LogicalResult {
    auto difference = buildGraphOp<SubOp>(builder, loc, {result, term});
    if (failed(difference))
      return failure();
    result = difference->front();
    return success();
  };
  // The sum of `value` (8-bit, `shape`) along `axis`, kept as 1: now for a
  // constant, at run time otherwise.
  auto sumAlong = [&](Value value, int64_t axis,
                      function_ref<int64_t(int64_t)> minus) -> Value {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<int64_t> shape(type.getShape());
    int64_t extent = shape[axis];
    shape[axis] = 1;
    if (std::optional<SmallVector<int64_t>> constant =
            constantIntegers(value)) {
      int64_t inner = 1;
      for (int64_t d = axis + 1; d < type.getRank(); ++d)
        inner *= type.getShape()[d];
      int64_t outer = static_cast<int64_t>(constant->size()) / (extent * inner);
      SmallVector<int64_t> sums(outer * inner, 0);
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t r = 0; r < extent; ++r)
          for (int64_t c = 0; c < inner; ++c)
            sums[o * inner + c] += (*constant)[(o * extent + r) * inner + c];
      for (int64_t i = 0; i < outer * inner; ++i)
        sums[i] -= minus(i % inner);
      return i32Constant(builder, loc, shape, sums);
    }
    auto wide = buildTypedGraphOp<CastOp>(
        builder, loc, i32Like(value, type.getShape()), {value});
    if (failed(wide))
      return {};
    auto sum = buildGraphOp<ReduceSumOp>(
        builder, loc, {*wide},
        {builder.getNamedAttr("axes", builder.getDenseI64ArrayAttr({axis})),
         builder.getNamedAttr("keepdims", builder.getUnitAttr())});
    if (failed(sum))
      return {};
    SmallVector<int64_t> subtracted;
    bool any = false;
    for (int64_t c = 0; c < (perColumn ? columns : 1); ++c) {
      subtracted.push_back(minus(c));
      any |= subtracted.back() != 0;
    }
    if (!any)
      return sum->front();
    auto corrected = buildGraphOp<SubOp>(
        builder, loc,
        {sum->front(), i32Constant(builder, loc,
                                   perColumn ? ArrayRef<int64_t>{columns}
                                             : ArrayRef<int64_t>{},
                                   subtracted)});
    return failed(corrected) ? Value() : corrected->front();
  };

  // lhsZero * (colsum(rhs) - K * rhsZero): the column sums over rhs's shape
  // with its reduction dimension kept as 1, times one zero point or a
  // [rows, 1] column of them.
  if (lhsHasZero) {
    Value columnSums = sumAlong(rhs, rhsRank >= 2 ? rhsRank - 2 : 0,
                                [&](int64_t c) { return k * zeroOf(c); });
    if (!columnSums)
      return failure();
    SmallVector<int64_t> zeros(lhsZeros);
    Value zero = i32Constant(
        builder, loc, perRow ? ArrayRef<int64_t>{rows, 1} : ArrayRef<int64_t>{},
        zeros);
    auto term = buildGraphOp<MulOp>(builder, loc, {columnSums, zero});
    if (failed(term) || failed(subtract(term->front())))
      return failure();
  }

  // rhsZero * rowsum(lhs): [..., M, 1] against [..., M, N] (or [..., M]
  // when rhs is a vector).
  if (rhsHasZero) {
    Value rowSums =
        sumAlong(lhs, lhsRank - 1, [](int64_t) { return int64_t(0); });
    if (!rowSums)
      return failure();
    if (rhsRank < 2 || lhsRank == 1) {
      // No column dimension in the result (a vector rhs), or no row
      // dimension (a vector lhs: its one sum).
      SmallVector<int64_t> shape(
          cast<RankedTensorType>(rowSums.getType()).getShape().drop_back());
      auto flat = buildTypedGraphOp<ReshapeOp>(builder, loc,
                                               i32Like(lhs, shape), {rowSums});
      if (failed(flat))
        return failure();
      rowSums = *flat;
    }
    SmallVector<int64_t> zeros;
    for (int64_t c = 0; c < (perColumn ? columns : 1); ++c)
      zeros.push_back(zeroOf(c));
    auto term = buildGraphOp<MulOp>(
        builder, loc,
        {rowSums, i32Constant(builder, loc,
                              perColumn ? ArrayRef<int64_t>{columns}
                                        : ArrayRef<int64_t>{},
                              zeros)});
    if (failed(term) || failed(subtract(term->front())))
      return failure();
  }
  return result;
}

FailureOr<Value> tessera::tg::buildZeroPointConv(
    OpBuilder &builder, Location loc, Value x, int64_t xZero, Value w,
    ArrayRef<int64_t> wZeros, ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
    ArrayRef<int64_t> dilations) {
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t spatial = xType.getRank() - 2;
  if (spatial < 1 || wType.getRank() != xType.getRank() ||
      wType.getDimSize(1) != xType.getDimSize(1) ||
      static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(dilations.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial)
    return emitError(loc) << "an integer convolution needs x [N, C, D...] and "
                             "w [F, C, K...] with one stride, dilation and "
                             "two pads per spatial dimension";
  ArrayRef<int64_t> wShape = wType.getShape();
  int64_t batch = xType.getDimSize(0), channels = xType.getDimSize(1),
          filters = wShape[0];
  SmallVector<int64_t> outShape{batch, filters};
  int64_t taps = 1, positions = 1;
  for (int64_t d = 0; d < spatial; ++d) {
    int64_t extent = xType.getDimSize(2 + d) + pads[d] + pads[spatial + d] -
                     dilations[d] * (wShape[2 + d] - 1) - 1;
    if (extent < 0 || strides[d] < 1)
      return emitError(loc) << "an integer convolution's window does not fit "
                               "its padded input";
    outShape.push_back(extent / strides[d] + 1);
    taps *= wShape[2 + d];
    positions *= outShape.back();
  }
  int64_t k = channels * taps;
  auto reshaped = [&](Value value, ArrayRef<int64_t> shape) {
    auto type = cast<RankedTensorType>(value.getType());
    return buildTypedGraphOp<ReshapeOp>(builder, loc, type.clone(shape),
                                        {value});
  };

  // The columns: pad with the zero point, one strided slice per tap.
  Value padded = x;
  if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
    SmallVector<int64_t> all(2 * (spatial + 2), 0);
    for (int64_t d = 0; d < spatial; ++d) {
      all[2 + d] = pads[d];
      all[spatial + 4 + d] = pads[spatial + d];
    }
    Type storage = getElementTypeOrSelf(x);
    auto built = buildGraphOp<PadOp>(
        builder, loc, {x},
        {builder.getNamedAttr("mode", PadModeAttr::get(builder.getContext(),
                                                        PadMode::constant)),
         builder.getNamedAttr("pads", builder.getDenseI64ArrayAttr(all)),
         builder.getNamedAttr("value",
                               IntegerAttr::get(storage, xZero))});
    if (failed(built))
      return failure();
    padded = built->front();
  }
  SmallVector<Value> slices;
  SmallVector<int64_t> tap(spatial, 0);
  for (int64_t t = 0; t < taps; ++t) {
    SmallVector<int64_t> offsets{0, 0}, sizes{batch, channels}, steps{1, 1};
    for (int64_t d = 0; d < spatial; ++d) {
      offsets.push_back(tap[d] * dilations[d]);
      sizes.push_back(outShape[2 + d]);
      steps.push_back(strides[d]);
    }
    Value slice = padded;
    auto paddedShape = cast<RankedTensorType>(padded.getType()).getShape();
    bool whole =
        llvm::all_of(llvm::seq<int64_t>(0, spatial + 2), [&](int64_t d) {
          return offsets[d] == 0 && steps[d] == 1 &&
                 sizes[d] == paddedShape[d];
        });
    if (!whole) {
      auto built = buildGraphOp<SliceOp>(
          builder, loc, {padded},
          {builder.getNamedAttr("offsets",
                                 builder.getDenseI64ArrayAttr(offsets)),
           builder.getNamedAttr("sizes",
                                 builder.getDenseI64ArrayAttr(sizes)),
           builder.getNamedAttr("steps",
                                 builder.getDenseI64ArrayAttr(steps))});
      if (failed(built))
        return failure();
      slice = built->front();
    }
    auto flat = reshaped(slice, {batch, channels, 1, positions});
    if (failed(flat))
      return failure();
    slices.push_back(*flat);
    for (int64_t d = spatial - 1; d >= 0; --d) {
      if (++tap[d] < wShape[2 + d])
        break;
      tap[d] = 0;
    }
  }
  Value columns = slices.front();
  if (slices.size() > 1) {
    auto built = buildGraphOp<ConcatOp>(
        builder, loc, slices,
        {builder.getNamedAttr("axis", builder.getI64IntegerAttr(2))});
    if (failed(built))
      return failure();
    columns = built->front();
  }
  auto cols = reshaped(columns, {batch, k, positions});
  auto filter = reshaped(w, {filters, k});
  if (failed(cols) || failed(filter))
    return failure();

  FailureOr<Value> acc =
      buildZeroPointMatMul(builder, loc, *filter, wZeros, *cols, {xZero});
  if (failed(acc))
    return failure();
  return reshaped(*acc, outShape);
}
