//===- GraphOps.cpp - tg type inference and verifiers ---------------------===//
//
// Result type inference states every shape rule once (here, in
// GraphDataMovementOps.cpp, or in tessera/Support/Shape.h); verifiers check
// what does not decide a result type.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::tg;

#include "dialects/Graph/IR/GraphEnums.cpp.inc"

//===----------------------------------------------------------------------===//
// InferContext
//===----------------------------------------------------------------------===//

LogicalResult InferContext::error(const Twine &message) const {
  if (location)
    emitError(*location) << "'" << opName << "' op " << message;
  return failure();
}

FailureOr<Shape> InferContext::shapeOf(Value value, StringRef what) const {
  auto type =
      value ? dyn_cast<RankedTensorType>(value.getType()) : RankedTensorType();
  if (!type || !type.hasStaticShape())
    return error(what + " must be a statically shaped tensor");
  return Shape(type.getShape().begin(), type.getShape().end());
}

LogicalResult InferContext::sameElementType(ValueRange values) const {
  Type expected = getElementTypeOrSelf(values.front());
  for (Value value : values.drop_front()) {
    Type actual = getElementTypeOrSelf(value);
    if (actual == expected)
      continue;
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "operands must have one element type, got '" << expected << "' and '"
       << actual << "'";
    return error(text);
  }
  return success();
}

LogicalResult InferContext::checkAxis(int64_t axis, int64_t bound) const {
  if (axis < 0 || axis >= bound)
    return error("axis " + Twine(axis) + " is out of range [0, " +
                 Twine(bound) + ")");
  return success();
}

LogicalResult InferContext::checkAxes(ArrayRef<int64_t> axes,
                                      int64_t rank) const {
  std::string message =
      checkSortedAxes(std::vector<int64_t>(axes.begin(), axes.end()), rank);
  return message.empty() ? success() : error(message);
}

LogicalResult InferContext::addResult(ArrayRef<int64_t> shape,
                                      Type elementType) {
  results.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

LogicalResult InferContext::addResultOrError(const ShapeOr &shape,
                                             Type elementType) {
  if (!shape)
    return error(shape.message());
  return addResult(shape.shape(), elementType);
}

namespace {
std::vector<int64_t> toVector(ArrayRef<int64_t> values) {
  return std::vector<int64_t>(values.begin(), values.end());
}
} // namespace

//===----------------------------------------------------------------------===//
// Elementwise and reductions
//===----------------------------------------------------------------------===//

LogicalResult tessera::tg::inferBroadcastResult(InferContext &context,
                                                Value lhs, Value rhs,
                                                bool sameElementType,
                                                bool boolResult) {
  FailureOr<Shape> lhsShape = context.shapeOf(lhs, "lhs");
  FailureOr<Shape> rhsShape = context.shapeOf(rhs, "rhs");
  if (failed(lhsShape) || failed(rhsShape) ||
      (sameElementType && failed(context.sameElementType({lhs, rhs}))))
    return failure();
  Type elementType = boolResult ? IntegerType::get(lhs.getContext(), 1)
                                : getElementTypeOrSelf(lhs);
  return context.addResultOrError(broadcastShapes(*lhsShape, *rhsShape),
                                  elementType);
}

LogicalResult tessera::tg::inferReduceResult(InferContext &context, Value input,
                                             ArrayRef<int64_t> axes,
                                             bool keepDims) {
  FailureOr<Shape> shape = context.shapeOf(input, "input");
  if (failed(shape) || failed(context.checkAxes(axes, shape->size())))
    return failure();
  return context.addResult(reduceShape(*shape, toVector(axes), keepDims),
                           getElementTypeOrSelf(input));
}

LogicalResult tessera::tg::inferArgReduceResult(InferContext &context,
                                                Value input, int64_t axis,
                                                bool keepDims) {
  FailureOr<Shape> shape = context.shapeOf(input, "input");
  if (failed(shape) || failed(context.checkAxis(axis, shape->size())))
    return failure();
  return context.addResult(reduceShape(*shape, {axis}, keepDims),
                           IntegerType::get(input.getContext(), 64));
}

LogicalResult TopKOp::inferResultTypes(InferContext &context, Adaptor adaptor) {
  FailureOr<Shape> shape = context.shapeOf(adaptor.getInput(), "input");
  int64_t axis = adaptor.getAxis(), k = adaptor.getK();
  if (failed(shape) || failed(context.checkAxis(axis, shape->size())))
    return failure();
  if (k < 0 || k > (*shape)[axis])
    return context.error("k = " + Twine(k) + " must be in [0, " +
                         Twine((*shape)[axis]) + "], the size of axis " +
                         Twine(axis));
  Shape result(*shape);
  result[axis] = k;
  if (failed(
          context.addResult(result, getElementTypeOrSelf(adaptor.getInput()))))
    return failure();
  return context.addResult(
      result, IntegerType::get(adaptor.getInput().getContext(), 64));
}

LogicalResult NonZeroOp::inferResultTypes(InferContext &context,
                                          Adaptor adaptor) {
  FailureOr<Shape> shape = context.shapeOf(adaptor.getInput(), "input");
  if (failed(shape))
    return failure();
  int64_t elements = 1;
  for (int64_t d : *shape)
    if (llvm::MulOverflow(elements, d, elements))
      return context.error("input has more elements than an i64 counts");
  Type i64 = IntegerType::get(adaptor.getInput().getContext(), 64);
  if (failed(context.addResult(
          {static_cast<int64_t>(shape->size()), elements}, i64)))
    return failure();
  return context.addResult({}, i64);
}

LogicalResult UniqueOp::inferResultTypes(InferContext &context,
                                        Adaptor adaptor) {
  FailureOr<Shape> shape = context.shapeOf(adaptor.getInput(), "input");
  if (failed(shape))
    return failure();
  if (shape->size() != 2)
    return context.error("input must be a matrix (rows x row length), got "
                         "rank " +
                         Twine(shape->size()));
  Type i64 = IntegerType::get(adaptor.getInput().getContext(), 64);
  if (failed(context.addResult(*shape,
                               getElementTypeOrSelf(adaptor.getInput()))))
    return failure();
  for (int k = 0; k < 3; ++k)
    if (failed(context.addResult({(*shape)[0]}, i64)))
      return failure();
  return context.addResult({}, i64);
}

LogicalResult NonMaxSuppressionOp::verify() {
  auto boxes = cast<RankedTensorType>(getBoxes().getType());
  auto scores = cast<RankedTensorType>(getScores().getType());
  auto selected = cast<RankedTensorType>(getSelected().getType());
  if (boxes.getRank() != 3 || boxes.getDimSize(2) != 4)
    return emitOpError("boxes must be batch x boxes x 4");
  if (scores.getRank() != 3 || scores.getDimSize(0) != boxes.getDimSize(0) ||
      scores.getDimSize(2) != boxes.getDimSize(1))
    return emitOpError("scores must be batch x classes x boxes, ")
           << boxes.getDimSize(0) << " x C x " << boxes.getDimSize(1);
  if (scores.getElementType() != boxes.getElementType())
    return emitOpError("boxes and scores must have one element type");
  for (Value scalar : {getMaxOutput(), getIouThreshold(), getScoreThreshold()})
    if (scalar && cast<RankedTensorType>(scalar.getType()).getNumElements() != 1)
      return emitOpError("max_output and the thresholds are single values");
  int64_t bound = boxes.getDimSize(0) * scores.getDimSize(1) *
                  boxes.getDimSize(1);
  if (selected.getRank() != 2 || selected.getDimSize(1) != 3 ||
      selected.getDimSize(0) > bound)
    return emitOpError("selected must be S x 3 with S at most ")
           << bound << " (batch x classes x boxes)";
  if (cast<RankedTensorType>(getCount().getType()).getRank() != 0)
    return emitOpError("count must be an i64 scalar");
  return success();
}

LogicalResult tessera::tg::inferGlobalPoolResult(InferContext &context,
                                                 Value input) {
  FailureOr<Shape> shape = context.shapeOf(input, "input");
  if (failed(shape))
    return failure();
  if (shape->size() < 3)
    return context.error(
        "input must have rank >= 3 (N x C x spatial...), got " +
        formatShape(*shape));
  Shape result(shape->size(), 1);
  result[0] = (*shape)[0];
  result[1] = (*shape)[1];
  return context.addResult(result, getElementTypeOrSelf(input));
}

LogicalResult ClipOp::verify() {
  Type elementType = getElementTypeOrSelf(getInput());
  for (auto [name, bound] :
       {std::pair<StringRef, Attribute>{"min", getMinAttr()},
        std::pair<StringRef, Attribute>{"max", getMaxAttr()}}) {
    auto typed = dyn_cast_if_present<TypedAttr>(bound);
    if (typed &&
        (!isa<IntegerAttr, FloatAttr>(typed) || typed.getType() != elementType))
      return emitOpError() << name << " must be a scalar of the element type "
                           << elementType << ", got " << bound;
  }
  return success();
}

LogicalResult ModOp::verify() {
  if (!getFmod() && isa<FloatType>(getElementTypeOrSelf(getLhs())))
    return emitOpError() << "on floats needs fmod (as ONNX requires)";
  return success();
}

LogicalResult CompareOp::verify() {
  if (getPredicate() != ComparePredicate::eq &&
      getElementTypeOrSelf(getLhs()).isInteger(1))
    return emitOpError() << "predicate '"
                         << stringifyComparePredicate(getPredicate())
                         << "' is not defined on i1 tensors";
  return success();
}

LogicalResult WhereOp::inferResultTypes(InferContext &context,
                                        Adaptor adaptor) {
  Shape shape;
  for (auto [value, what] :
       {std::pair<Value, StringRef>{adaptor.getCondition(), "condition"},
        std::pair<Value, StringRef>{adaptor.getX(), "x"},
        std::pair<Value, StringRef>{adaptor.getY(), "y"}}) {
    FailureOr<Shape> operand = context.shapeOf(value, what);
    if (failed(operand))
      return failure();
    ShapeOr joined = broadcastShapes(shape, *operand);
    if (!joined)
      return context.error(joined.message());
    shape = joined.shape();
  }
  if (failed(context.sameElementType({adaptor.getX(), adaptor.getY()})))
    return failure();
  return context.addResult(shape, getElementTypeOrSelf(adaptor.getX()));
}

//===----------------------------------------------------------------------===//
// Constants and contractions
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferResultTypes(InferContext &context,
                                           Adaptor adaptor) {
  ElementsAttr value = adaptor.getValueAttr();
  if (!value)
    return context.error("requires a value");
  ShapedType type = value.getShapedType();
  return context.addResult(type.getShape(), type.getElementType());
}

LogicalResult MatMulOp::inferResultTypes(InferContext &context,
                                         Adaptor adaptor) {
  FailureOr<Shape> lhs = context.shapeOf(adaptor.getLhs(), "lhs");
  FailureOr<Shape> rhs = context.shapeOf(adaptor.getRhs(), "rhs");
  if (failed(lhs) || failed(rhs) ||
      failed(context.sameElementType(adaptor.getOperands())))
    return failure();
  return context.addResultOrError(matmulShape(*lhs, *rhs),
                                  getElementTypeOrSelf(adaptor.getLhs()));
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

namespace {
/// Shared by conv and conv_transpose: operand shapes and element types, the
/// shape rule `compute`, then the bias (rank 1, one value per output channel).
template <typename Adaptor>
LogicalResult inferConvLike(
    InferContext &context, Adaptor adaptor,
    llvm::function_ref<ShapeOr(const Shape &, const Shape &)> compute) {
  FailureOr<Shape> input = context.shapeOf(adaptor.getInput(), "input");
  FailureOr<Shape> weight = context.shapeOf(adaptor.getWeight(), "weight");
  if (failed(input) || failed(weight) ||
      failed(context.sameElementType(adaptor.getOperands())))
    return failure();
  ShapeOr result = compute(*input, *weight);
  if (!result)
    return context.error(result.message());
  if (Value bias = adaptor.getBias()) {
    FailureOr<Shape> biasShape = context.shapeOf(bias, "bias");
    if (failed(biasShape))
      return failure();
    int64_t channels = result.shape()[1];
    if (*biasShape != Shape{channels})
      return context.error("bias must have shape [" + Twine(channels) +
                           "], got " + formatShape(*biasShape));
  }
  return context.addResultOrError(result,
                                  getElementTypeOrSelf(adaptor.getInput()));
}

template <typename Adaptor>
LogicalResult inferPool(InferContext &context, Adaptor adaptor) {
  FailureOr<Shape> input = context.shapeOf(adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  WindowParams params{toVector(adaptor.getKernelShape()),
                      toVector(adaptor.getStrides()),
                      toVector(adaptor.getDilations()),
                      toVector(adaptor.getPads()), adaptor.getCeilMode()};
  return context.addResultOrError(poolShape(*input, params),
                                  getElementTypeOrSelf(adaptor.getInput()));
}
} // namespace

LogicalResult ConvOp::inferResultTypes(InferContext &context, Adaptor adaptor) {
  return inferConvLike(
      context, adaptor, [&](const Shape &input, const Shape &weight) {
        return convShape(input, weight, toVector(adaptor.getStrides()),
                         toVector(adaptor.getDilations()),
                         toVector(adaptor.getPads()), adaptor.getGroup());
      });
}

LogicalResult ConvTransposeOp::inferResultTypes(InferContext &context,
                                                Adaptor adaptor) {
  return inferConvLike(
      context, adaptor, [&](const Shape &input, const Shape &weight) {
        return convTransposeShape(
            input, weight, toVector(adaptor.getStrides()),
            toVector(adaptor.getDilations()), toVector(adaptor.getPads()),
            toVector(adaptor.getOutputPadding()), adaptor.getGroup());
      });
}

LogicalResult MaxPoolOp::inferResultTypes(InferContext &context,
                                          Adaptor adaptor) {
  return inferPool(context, adaptor);
}

LogicalResult AvgPoolOp::inferResultTypes(InferContext &context,
                                          Adaptor adaptor) {
  return inferPool(context, adaptor);
}

//===----------------------------------------------------------------------===//
// Normalisation and softmax
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::inferResultTypes(InferContext &context,
                                            Adaptor adaptor) {
  FailureOr<Shape> input = context.shapeOf(adaptor.getInput(), "input");
  if (failed(input) || failed(context.sameElementType(adaptor.getOperands())))
    return failure();
  if (input->size() < 2)
    return context.error("input must have rank >= 2 (N x C x ...), got " +
                         formatShape(*input));
  int64_t channels = (*input)[1];
  for (auto [value, what] :
       {std::pair<Value, StringRef>{adaptor.getScale(), "scale"},
        std::pair<Value, StringRef>{adaptor.getBias(), "bias"},
        std::pair<Value, StringRef>{adaptor.getMean(), "mean"},
        std::pair<Value, StringRef>{adaptor.getVar(), "var"}}) {
    FailureOr<Shape> shape = context.shapeOf(value, what);
    if (failed(shape))
      return failure();
    if (*shape != Shape{channels})
      return context.error(what + " must have shape [" + Twine(channels) +
                           "], got " + formatShape(*shape));
  }
  return context.addResult(*input, getElementTypeOrSelf(adaptor.getInput()));
}

LogicalResult LayerNormOp::inferResultTypes(InferContext &context,
                                            Adaptor adaptor) {
  FailureOr<Shape> input = context.shapeOf(adaptor.getInput(), "input");
  if (failed(input) || failed(context.sameElementType(adaptor.getOperands())))
    return failure();
  int64_t axis = adaptor.getAxis();
  if (failed(context.checkAxis(axis, input->size())))
    return failure();
  Shape normalized(input->begin() + axis, input->end());
  for (auto [value, what] :
       {std::pair<Value, StringRef>{adaptor.getScale(), "scale"},
        std::pair<Value, StringRef>{adaptor.getBias(), "bias"}}) {
    if (!value)
      continue;
    FailureOr<Shape> shape = context.shapeOf(value, what);
    if (failed(shape))
      return failure();
    if (!isBroadcastableTo(*shape, normalized))
      return context.error(what + " " + formatShape(*shape) +
                           " does not broadcast to the normalized shape " +
                           formatShape(normalized));
  }
  return context.addResult(*input, getElementTypeOrSelf(adaptor.getInput()));
}

namespace {
LogicalResult verifySoftmaxAxis(Operation *op, int64_t axis) {
  int64_t rank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  if (axis < 0 || axis >= rank)
    return op->emitOpError()
           << "axis " << axis << " is out of range [0, " << rank << ")";
  return success();
}
} // namespace

LogicalResult SoftmaxOp::verify() {
  return verifySoftmaxAxis(*this, getAxis());
}

LogicalResult LogSoftmaxOp::verify() {
  return verifySoftmaxAxis(*this, getAxis());
}

#define GET_OP_CLASSES
#include "dialects/Graph/IR/GraphOps.cpp.inc"

/// Taps along one dimension that count for each output index: inside the
/// input, or (count_include_pad) inside the padded extent, never past the
/// end pad.
static SmallVector<int64_t> windowCounts(int64_t inputSize, int64_t outputSize,
                                         int64_t kernel, int64_t stride,
                                         int64_t dilation, int64_t padBegin,
                                         int64_t padEnd, bool includePad) {
  SmallVector<int64_t> counts;
  int64_t lo = includePad ? -padBegin : 0;
  int64_t hi = includePad ? inputSize + padEnd : inputSize;
  for (int64_t o = 0; o < outputSize; ++o) {
    int64_t count = 0;
    for (int64_t k = 0; k < kernel; ++k) {
      int64_t position = o * stride + k * dilation - padBegin;
      count += position >= lo && position < hi;
    }
    counts.push_back(count);
  }
  return counts;
}

SmallVector<int64_t> tessera::tg::AvgPoolOp::getDivisors() {
  auto inputType = cast<RankedTensorType>(getInput().getType());
  auto resultType = cast<RankedTensorType>(getType());
  int64_t spatial = resultType.getRank() - 2;
  ArrayRef<int64_t> shape = resultType.getShape().drop_front(2);
  SmallVector<SmallVector<int64_t>> perDim;
  for (int64_t i = 0; i < spatial; ++i)
    perDim.push_back(windowCounts(
        inputType.getDimSize(i + 2), resultType.getDimSize(i + 2),
        getKernelShape()[i], getStrides()[i], getDilations()[i], getPads()[i],
        getPads()[i + spatial], getCountIncludePad()));
  int64_t total = 1;
  for (int64_t s : shape)
    total *= s;
  SmallVector<int64_t> divisors;
  divisors.reserve(total);
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rest = flat, count = 1;
    for (int64_t i = spatial - 1; i >= 0; --i) {
      count *= perDim[i][rest % shape[i]];
      rest /= shape[i];
    }
    divisors.push_back(std::max<int64_t>(count, 1));
  }
  return divisors;
}
