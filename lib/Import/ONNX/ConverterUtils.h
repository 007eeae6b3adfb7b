//===- ConverterUtils.h - helpers shared by the ONNX op converters -*- C++
//-*-===//

#ifndef TESSERA_IMPORT_ONNX_CONVERTERUTILS_H
#define TESSERA_IMPORT_ONNX_CONVERTERUTILS_H

#include "lib/Import/ONNX/NodeContext.h"

namespace tessera::onnx_import {

/// One input, one tg op, one output.
template <typename OpTy>
mlir::LogicalResult
convertUnary(NodeContext &ctx,
             llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
  auto x = ctx.required(0);
  if (mlir::failed(x))
    return mlir::failure();
  return ctx.setOutput(ctx.build<OpTy>({*x}, attrs));
}

/// Two inputs with broadcasting.
template <typename OpTy>
mlir::LogicalResult
convertBinary(NodeContext &ctx,
              llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
  auto a = ctx.required(0), b = ctx.required(1);
  if (mlir::failed(a) || mlir::failed(b))
    return mlir::failure();
  return ctx.setOutput(ctx.build<OpTy>({*a, *b}, attrs));
}

/// Registrable forms (no extra attributes).
template <typename OpTy> mlir::LogicalResult unary(NodeContext &ctx) {
  return convertUnary<OpTy>(ctx);
}
template <typename OpTy> mlir::LogicalResult binary(NodeContext &ctx) {
  return convertBinary<OpTy>(ctx);
}

/// Opsets 1-6 broadcast only with broadcast=1, aligning B at `axis` (default:
/// at the end, as numpy). B is reshaped so numpy rules give that alignment.
template <typename OpTy> mlir::LogicalResult legacyBinary(NodeContext &ctx) {
  auto a = ctx.required(0), b = ctx.required(1);
  if (mlir::failed(a) || mlir::failed(b))
    return mlir::failure();
  mlir::Value rhs = *b;
  if (ctx.getInt("broadcast", 0) && ctx.attribute("axis")) {
    int64_t rank = ctx.rankOf(*a), rhsRank = ctx.rankOf(rhs);
    auto axis = ctx.normalizeAxis(ctx.getInt("axis", 0), rank);
    if (mlir::failed(axis))
      return mlir::failure();
    llvm::SmallVector<int64_t> shape(ctx.typeOf(rhs).getShape());
    shape.append(std::max<int64_t>(0, rank - *axis - rhsRank), 1);
    auto reshaped =
        ctx.buildTyped<tg::ReshapeOp>(ctx.typeOf(rhs).clone(shape), {rhs});
    if (mlir::failed(reshaped))
      return mlir::failure();
    rhs = *reshaped;
  }
  return ctx.setOutput(ctx.build<OpTy>({*a, rhs}));
}

/// Variadic Max/Min/Sum as a chain of binary ops.
template <typename OpTy>
mlir::FailureOr<mlir::Value> foldInputs(NodeContext &ctx) {
  if (ctx.numInputs() == 0)
    return ctx.error("expects at least one input");
  auto acc = ctx.required(0);
  if (mlir::failed(acc))
    return mlir::failure();
  mlir::Value result = *acc;
  for (size_t i = 1; i < ctx.numInputs(); ++i) {
    auto next = ctx.required(i);
    if (mlir::failed(next))
      return mlir::failure();
    auto combined = ctx.build<OpTy>({result, *next});
    if (mlir::failed(combined))
      return mlir::failure();
    result = *combined;
  }
  return result;
}

/// Spatial window parameters common to Conv, ConvTranspose and pooling.
struct Window {
  llvm::SmallVector<int64_t> kernel, strides, dilations;
};

/// The node's `strides` and `dilations` (default 1) for a `kernel`.
Window windowOf(NodeContext &ctx, llvm::ArrayRef<int64_t> kernel);

/// The dilated extent of each kernel dimension.
llvm::SmallVector<int64_t> effective(const Window &w);

/// Explicit pads for a window op from `pads` / `auto_pad`, given the spatial
/// input sizes and effective (dilated) kernel extents.
mlir::FailureOr<llvm::SmallVector<int64_t>>
windowPads(NodeContext &ctx, llvm::ArrayRef<int64_t> spatialDims,
           llvm::ArrayRef<int64_t> effectiveKernel,
           llvm::ArrayRef<int64_t> strides);

/// `name` as ints with `count` entries, or `defaultValue` repeated.
llvm::SmallVector<int64_t> intsOr(NodeContext &ctx, llvm::StringRef name,
                                  size_t count, int64_t defaultValue);

/// Softmax-like ops: opset < 13 flattens to 2-D at `axis`.
template <typename OpTy> mlir::LogicalResult convertSoftmax(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (mlir::failed(x))
    return mlir::failure();
  int64_t rank = ctx.rankOf(*x);
  auto axis =
      ctx.normalizeAxis(ctx.getInt("axis", ctx.opset < 13 ? 1 : -1), rank);
  if (mlir::failed(axis))
    return mlir::failure();
  mlir::OpBuilder &b = ctx.builder;
  if (ctx.opset >= 13 || *axis == rank - 1) {
    return ctx.setOutput(
        ctx.build<OpTy>({*x}, {ctx.named("axis", b.getI64IntegerAttr(*axis))}));
  }
  mlir::RankedTensorType type = ctx.typeOf(*x);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < *axis ? outer : inner) *= type.getDimSize(d);
  auto flat = ctx.buildTyped<tg::ReshapeOp>(
      mlir::RankedTensorType::get({outer, inner}, type.getElementType()), {*x});
  if (mlir::failed(flat))
    return mlir::failure();
  auto y =
      ctx.build<OpTy>({*flat}, {ctx.named("axis", b.getI64IntegerAttr(1))});
  if (mlir::failed(y))
    return mlir::failure();
  return ctx.setOutput(ctx.buildTyped<tg::ReshapeOp>(type, {*y}));
}

/// The normalized axes of a ReduceX node: from the attribute (old opsets) or
/// the second input (`axesInputSince` and later), all axes when empty;
/// std::nullopt when empty axes with noop_with_empty_axes mean "no-op".
mlir::FailureOr<std::optional<llvm::SmallVector<int64_t>>>
reductionAxes(NodeContext &ctx, int64_t rank, int64_t axesInputSince);

/// ReduceX: reductionAxes, keepdims.
template <typename OpTy>
mlir::LogicalResult convertReduce(NodeContext &ctx, int64_t axesInputSince) {
  auto x = ctx.required(0);
  if (mlir::failed(x))
    return mlir::failure();
  auto axes = reductionAxes(ctx, ctx.rankOf(*x), axesInputSince);
  if (mlir::failed(axes))
    return mlir::failure();
  if (!*axes)
    return ctx.setOutputs({*x});
  llvm::SmallVector<mlir::NamedAttribute> attrs{
      ctx.named("axes", ctx.i64s(**axes))};
  if (ctx.getInt("keepdims", 1) != 0)
    attrs.push_back(ctx.named("keepdims", ctx.builder.getUnitAttr()));
  return ctx.setOutput(ctx.build<OpTy>({*x}, attrs));
}

/// Equal, Less, … as tg.compare.
inline mlir::LogicalResult convertCompare(NodeContext &ctx,
                                          tg::ComparePredicate predicate) {
  return convertBinary<tg::CompareOp>(
      ctx, {ctx.named("predicate", tg::ComparePredicateAttr::get(
                                       ctx.builder.getContext(), predicate))});
}

/// Binds `var` to the value of `expr`, a FailureOr<Value>, or returns
/// failure from the enclosing converter (the op's message is recorded).
#define TRY(var, expr)                                                         \
  auto var##OrFailure = (expr);                                                \
  if (mlir::failed(var##OrFailure))                                            \
    return mlir::failure();                                                    \
  mlir::Value var = *var##OrFailure;

/// Constant indices must lie in [-size, size) of the dimension they index
/// (`sizeOf(position)`, negative when unknown): an error at compile time,
/// not a run-time check that always fails.
mlir::LogicalResult
checkConstantIndices(NodeContext &ctx, mlir::Value indices,
                     llvm::function_ref<int64_t(size_t)> sizeOf);

/// `value` (a float the model gave) as an integer constant's value:
/// truncated, NaN as 0, saturated at the int64 range (never an undefined
/// conversion).
int64_t saturatingInt(double value);

/// A scalar (rank-0) constant of `elementType` holding `value`.
mlir::Value scalarOf(NodeContext &ctx, mlir::Type elementType, double value);

/// Small combinators over tg ops for decompositions; each returns failure
/// after recording the op's message.
mlir::FailureOr<mlir::Value> compareOp(NodeContext &ctx, tg::ComparePredicate p,
                                       mlir::Value a, mlir::Value b);
mlir::FailureOr<mlir::Value> whereOp(NodeContext &ctx, mlir::Value c,
                                     mlir::Value x, mlir::Value y);
/// Logical not of an i1 tensor.
mlir::FailureOr<mlir::Value> notOp(NodeContext &ctx, mlir::Value x);

/// Einsum as transposes, reshapes, sums and batched matmuls.
mlir::LogicalResult convertEinsum(NodeContext &ctx);

/// tg.conv of `x` and `w` (and `bias` when set) with the node's Conv
/// attributes (strides, pads or auto_pad, dilations, group).
mlir::FailureOr<mlir::Value> buildConv(NodeContext &ctx, mlir::Value x,
                                       mlir::Value w, mlir::Value bias);

/// HannWindow, HammingWindow and BlackmanWindow, constants once the size is.
enum class WindowKind { Hann, Hamming, Blackman };
mlir::LogicalResult convertWindow(NodeContext &ctx, WindowKind kind);

/// MaxPool (average = false) and AveragePool.
mlir::LogicalResult convertPoolOp(NodeContext &ctx, bool average);

//===--- Quantization (OpsQuantization.cpp) ------------------------------===//

/// `v` with its elements cast to `elementType` (itself when they are).
mlir::FailureOr<mlir::Value> castTo(NodeContext &ctx, mlir::Value v,
                                    mlir::Type elementType);
/// float(x - zeroPoint) in `t` (zero point absent: x).
mlir::FailureOr<mlir::Value> centered(NodeContext &ctx, mlir::Value x,
                                      mlir::Value zeroPoint, mlir::Type t);
/// saturate(round-half-even(y) + zeroPoint) in `quantType`.
mlir::FailureOr<mlir::Value> requantize(NodeContext &ctx, mlir::Value y,
                                        mlir::Value zeroPoint,
                                        mlir::Type quantType);
/// The zero point's element type, uint8 when it is absent.
mlir::Type quantTypeOf(NodeContext &ctx, mlir::Value zeroPoint);
/// QuantizeLinear and DequantizeLinear (per tensor or along `axis`).
mlir::LogicalResult convertQuantizeLinear(NodeContext &ctx);
mlir::LogicalResult convertDequantizeLinear(NodeContext &ctx);

//===--- Shapes (OpsContrib.cpp) -----------------------------------------===//

/// `x` reshaped to `shape` (itself when it has it).
mlir::FailureOr<mlir::Value> reshapeTo(NodeContext &ctx, mlir::Value x,
                                       llvm::ArrayRef<int64_t> shape);
/// `x` transposed by `perm` (itself for the identity).
mlir::FailureOr<mlir::Value> transposeBy(NodeContext &ctx, mlir::Value x,
                                         llvm::ArrayRef<int64_t> perm);
/// `size` elements of `x` along `axis` from `offset` (itself when whole).
mlir::FailureOr<mlir::Value> sliceAxis(NodeContext &ctx, mlir::Value x,
                                       int64_t axis, int64_t offset,
                                       int64_t size);

//===--- Layer normalization (OpsGToL.cpp) -------------------------------===//

/// LayerNormalization (opset 17, and the contrib form ONNX Runtime accepts
/// from opset 1).
mlir::LogicalResult convertLayerNorm(NodeContext &ctx);

} // namespace tessera::onnx_import

#endif // TESSERA_IMPORT_ONNX_CONVERTERUTILS_H
