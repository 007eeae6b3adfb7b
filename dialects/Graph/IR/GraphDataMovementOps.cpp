//===- GraphDataMovementOps.cpp - tg re-indexing ops ----------------------===//
//
// Type inference and verifiers of reshape, transpose, concat, slice, gather,
// pad, resize, cast, expand, squeeze, unsqueeze, flatten and split.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::tg;

namespace {

std::string listString(ArrayRef<int64_t> values) {
  return formatShape(Shape(values.begin(), values.end()));
}

/// The shapes and element type of an op with an explicit result type.
struct InOut {
  RankedTensorType input, result;
};

InOut inOut(Operation *op) {
  return {cast<RankedTensorType>(op->getOperand(0).getType()),
          cast<RankedTensorType>(op->getResult(0).getType())};
}

LogicalResult verifySameElementType(Operation *op) {
  InOut t = inOut(op);
  if (t.input.getElementType() != t.result.getElementType())
    return op->emitOpError()
           << "result element type " << t.result.getElementType()
           << " differs from input element type " << t.input.getElementType();
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Reshape, transpose, concat
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  InOut t = inOut(*this);
  if (t.input.getNumElements() != t.result.getNumElements())
    return emitOpError() << "input " << t.input << " and result " << t.result
                         << " have different element counts";
  return verifySameElementType(*this);
}

LogicalResult TransposeOp::inferResultTypes(InferContext &context,
                                            Adaptor adaptor) {
  FailureOr<Shape> shape = context.shapeOf(adaptor.getInput(), "input");
  if (failed(shape))
    return failure();
  ArrayRef<int64_t> perm = adaptor.getPerm();
  int64_t rank = shape->size();
  SmallVector<bool> seen(rank, false);
  bool valid = static_cast<int64_t>(perm.size()) == rank;
  for (int64_t p : perm) {
    if (!valid || p < 0 || p >= rank || seen[p]) {
      valid = false;
      break;
    }
    seen[p] = true;
  }
  if (!valid)
    return context.error("perm " + listString(perm) +
                         " is not a permutation of [0, " + Twine(rank) + ")");
  Shape result;
  for (int64_t p : perm)
    result.push_back((*shape)[p]);
  return context.addResult(result, getElementTypeOrSelf(adaptor.getInput()));
}

LogicalResult ConcatOp::inferResultTypes(InferContext &context,
                                         Adaptor adaptor) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return context.error("expects an input");
  FailureOr<Shape> first = context.shapeOf(inputs.front(), "input 0");
  if (failed(first))
    return failure();
  int64_t axis = adaptor.getAxis();
  int64_t rank = first->size();
  if (failed(context.checkAxis(axis, rank)))
    return failure();
  Shape result = *first;
  Type elementType = getElementTypeOrSelf(inputs.front());
  for (auto [index, value] : llvm::enumerate(inputs.drop_front())) {
    FailureOr<Shape> shape = context.shapeOf(value, "input");
    if (failed(shape))
      return failure();
    if (getElementTypeOrSelf(value) != elementType)
      return context.error("inputs must have one element type");
    bool compatible = static_cast<int64_t>(shape->size()) == rank;
    for (int64_t d = 0; compatible && d < rank; ++d)
      compatible = d == axis || (*shape)[d] == result[d];
    if (!compatible)
      return context.error("input " + Twine(index + 1) + " shape " +
                           formatShape(*shape) + " does not match " +
                           formatShape(*first) + " outside axis " +
                           Twine(axis));
    result[axis] += (*shape)[axis];
  }
  return context.addResult(result, elementType);
}

//===----------------------------------------------------------------------===//
// Slice, gather, pad
//===----------------------------------------------------------------------===//

LogicalResult SliceOp::inferResultTypes(InferContext &context,
                                        Adaptor adaptor) {
  FailureOr<Shape> shape = context.shapeOf(adaptor.getInput(), "input");
  if (failed(shape))
    return failure();
  ArrayRef<int64_t> offsets = adaptor.getOffsets(), sizes = adaptor.getSizes(),
                    steps = adaptor.getSteps();
  size_t rank = shape->size();
  if (offsets.size() != rank || sizes.size() != rank || steps.size() != rank)
    return context.error("offsets, sizes and steps need " + Twine(rank) +
                         " values each (the input rank)");
  for (size_t d = 0; d < rank; ++d) {
    if (steps[d] == 0)
      return context.error("step of dimension " + Twine(d) + " is zero");
    if (sizes[d] < 0)
      return context.error("size of dimension " + Twine(d) + " is negative");
    if (sizes[d] == 0)
      continue;
    int64_t last = offsets[d] + (sizes[d] - 1) * steps[d];
    int64_t dim = (*shape)[d];
    if (offsets[d] < 0 || offsets[d] >= dim || last < 0 || last >= dim)
      return context.error("dimension " + Twine(d) + " reads indices " +
                           Twine(offsets[d]) + " to " + Twine(last) +
                           ", outside [0, " + Twine(dim) + ")");
  }
  return context.addResult(sizes, getElementTypeOrSelf(adaptor.getInput()));
}

/// Indices can address no position of an empty dimension: when there is
/// any index at all, every one would be out of range at run time.
static LogicalResult checkAddressable(InferContext &context, const Shape &data,
                                      int64_t dim, ArrayRef<int64_t> indices) {
  bool anyIndex = llvm::all_of(indices, [](int64_t d) { return d != 0; });
  if (anyIndex && dim < static_cast<int64_t>(data.size()) && data[dim] == 0)
    return context.error("indices address dimension " + Twine(dim) +
                         " of data " + formatShape(data) +
                         ", which is empty: every index is out of range");
  return success();
}

LogicalResult GatherOp::inferResultTypes(InferContext &context,
                                         Adaptor adaptor) {
  FailureOr<Shape> data = context.shapeOf(adaptor.getData(), "data");
  FailureOr<Shape> indices = context.shapeOf(adaptor.getIndices(), "indices");
  if (failed(data) || failed(indices))
    return failure();
  int64_t axis = adaptor.getAxis();
  if (failed(context.checkAxis(axis, data->size())) ||
      failed(checkAddressable(context, *data, axis, *indices)))
    return failure();
  Shape result(data->begin(), data->begin() + axis);
  result.insert(result.end(), indices->begin(), indices->end());
  result.insert(result.end(), data->begin() + axis + 1, data->end());
  return context.addResult(result, getElementTypeOrSelf(adaptor.getData()));
}

/// GatherElements / ScatterElements: `indices` has the rank of `data` and
/// fits inside it except along `axis`.
static LogicalResult checkElementIndices(InferContext &context,
                                         const Shape &data,
                                         const Shape &indices, int64_t axis) {
  if (data.size() != indices.size())
    return context.error("indices " + formatShape(indices) +
                         " must have the rank of data " + formatShape(data));
  if (failed(context.checkAxis(axis, data.size())) ||
      failed(checkAddressable(context, data, axis, indices)))
    return failure();
  for (size_t d = 0; d < data.size(); ++d)
    if (static_cast<int64_t>(d) != axis && indices[d] > data[d])
      return context.error("indices " + formatShape(indices) + " exceed data " +
                           formatShape(data) + " in dimension " +
                           std::to_string(d));
  return success();
}

LogicalResult GatherElementsOp::inferResultTypes(InferContext &context,
                                                 Adaptor adaptor) {
  FailureOr<Shape> data = context.shapeOf(adaptor.getData(), "data");
  FailureOr<Shape> indices = context.shapeOf(adaptor.getIndices(), "indices");
  if (failed(data) || failed(indices))
    return failure();
  if (failed(checkElementIndices(context, *data, *indices, adaptor.getAxis())))
    return failure();
  return context.addResult(*indices, getElementTypeOrSelf(adaptor.getData()));
}

LogicalResult PadOp::verify() {
  Attribute value = getValueAttr();
  if (!value)
    return success();
  if (getMode() != PadMode::constant)
    return emitOpError() << "a pad value is only allowed in constant mode";
  if (!isa<IntegerAttr, FloatAttr>(value) ||
      cast<TypedAttr>(value).getType() != getType().getElementType())
    return emitOpError() << "pad value must be a scalar of the element type";
  return success();
}

LogicalResult PadOp::inferResultTypes(InferContext &context, Adaptor adaptor) {
  FailureOr<Shape> shape = context.shapeOf(adaptor.getInput(), "input");
  if (failed(shape))
    return failure();
  ArrayRef<int64_t> pads = adaptor.getPads();
  size_t rank = shape->size();
  if (pads.size() != 2 * rank)
    return context.error("expected " + Twine(2 * rank) + " pads for rank " +
                         Twine(rank) + ", got " + Twine(pads.size()));
  PadMode mode = adaptor.getMode();
  Shape result(rank);
  for (size_t d = 0; d < rank; ++d) {
    int64_t dim = (*shape)[d];
    int64_t before = pads[d], after = pads[d + rank];
    int64_t grow = std::max(before, after);
    bool ok = true;
    if (mode == PadMode::reflect && grow > 0)
      ok = grow < dim;
    else if (mode == PadMode::wrap && grow > 0)
      ok = grow <= dim;
    else if (mode == PadMode::edge && grow > 0)
      ok = dim > 0;
    if (!ok)
      return context.error("pads " + Twine(before) + ", " + Twine(after) +
                           " of dimension " + Twine(d) + " (size " +
                           Twine(dim) + ") are too large for " +
                           stringifyPadMode(mode) + " mode");
    result[d] = dim + before + after;
    if (result[d] < 0)
      return context.error("negative pads remove more than dimension " +
                           Twine(d) + " holds");
  }
  return context.addResult(result, getElementTypeOrSelf(adaptor.getInput()));
}

//===----------------------------------------------------------------------===//
// Resize, cast, expand
//===----------------------------------------------------------------------===//

LogicalResult ResizeOp::verify() {
  InOut t = inOut(*this);
  if (failed(verifySameElementType(*this)))
    return failure();
  int64_t rank = t.input.getRank();
  if (t.result.getRank() != rank)
    return emitOpError() << "result rank " << t.result.getRank()
                         << " differs from input rank " << rank;
  ArrayRef<float> scales = getScales();
  if (static_cast<int64_t>(scales.size()) != rank)
    return emitOpError() << "expected " << rank << " scales, got "
                         << scales.size();
  for (int64_t d = 0; d < rank; ++d) {
    float scale = scales[d];
    if (!(scale > 0.0f))
      return emitOpError() << "scale " << scale << " of dimension " << d
                           << " must be positive";
    // ONNX floors in * scale when scales are given, and rounds it under
    // keep_aspect_ratio_policy; sizes given as scales (out / in) reproduce
    // out up to float rounding. So in * scale - out lies in [-0.5, 1).
    double expected = static_cast<double>(t.input.getDimSize(d)) * scale;
    double excess = expected - static_cast<double>(t.result.getDimSize(d));
    if (excess >= 1.0 || excess < -0.5 - 1e-6 * expected)
      return emitOpError() << "result dimension " << d << " ("
                           << t.result.getDimSize(d)
                           << ") does not match input size "
                           << t.input.getDimSize(d) << " times scale " << scale;
  }
  bool interpolating = getMode() != ResizeMode::nearest;
  if (interpolating && !isa<FloatType>(t.input.getElementType()))
    return emitOpError() << stringifyResizeMode(getMode())
                         << " resize needs a floating-point element type";
  if (getAntialias() && !interpolating)
    return emitOpError() << "antialias needs linear or cubic mode";
  bool crop = getCoordinateMode() == CoordinateMode::tf_crop_and_resize;
  if (crop != getRoi().has_value())
    return emitOpError() << (crop ? "tf_crop_and_resize needs roi"
                                  : "roi is only used by tf_crop_and_resize");
  if (crop && static_cast<int64_t>(getRoi()->size()) != 2 * rank)
    return emitOpError() << "expected " << 2 * rank << " roi values, got "
                         << getRoi()->size();
  return success();
}

LogicalResult CastOp::verify() {
  InOut t = inOut(*this);
  if (t.input.getShape() != t.result.getShape())
    return emitOpError() << "input " << t.input << " and result " << t.result
                         << " have different shapes";
  return success();
}

LogicalResult ExpandOp::verify() {
  InOut t = inOut(*this);
  Shape from(t.input.getShape().begin(), t.input.getShape().end());
  Shape to(t.result.getShape().begin(), t.result.getShape().end());
  if (!isBroadcastableTo(from, to))
    return emitOpError() << "input shape " << formatShape(from)
                         << " does not broadcast to result shape "
                         << formatShape(to);
  return verifySameElementType(*this);
}

//===----------------------------------------------------------------------===//
// Squeeze, unsqueeze, flatten, split
//===----------------------------------------------------------------------===//

LogicalResult SqueezeOp::inferResultTypes(InferContext &context,
                                          Adaptor adaptor) {
  FailureOr<Shape> shape = context.shapeOf(adaptor.getInput(), "input");
  if (failed(shape))
    return failure();
  ArrayRef<int64_t> axes = adaptor.getAxes();
  if (failed(context.checkAxes(axes, shape->size())))
    return failure();
  for (int64_t axis : axes)
    if ((*shape)[axis] != 1)
      return context.error("cannot squeeze dimension " + Twine(axis) +
                           " of size " + Twine((*shape)[axis]));
  std::vector<int64_t> axisList(axes.begin(), axes.end());
  return context.addResult(reduceShape(*shape, axisList, /*keepDims=*/false),
                           getElementTypeOrSelf(adaptor.getInput()));
}

LogicalResult UnsqueezeOp::inferResultTypes(InferContext &context,
                                            Adaptor adaptor) {
  FailureOr<Shape> shape = context.shapeOf(adaptor.getInput(), "input");
  if (failed(shape))
    return failure();
  ArrayRef<int64_t> axes = adaptor.getAxes();
  int64_t resultRank = shape->size() + axes.size();
  if (failed(context.checkAxes(axes, resultRank)))
    return failure();
  Shape result;
  auto next = shape->begin();
  for (int64_t d = 0; d < resultRank; ++d)
    result.push_back(llvm::is_contained(axes, d) ? 1 : *next++);
  return context.addResult(result, getElementTypeOrSelf(adaptor.getInput()));
}

LogicalResult FlattenOp::inferResultTypes(InferContext &context,
                                          Adaptor adaptor) {
  FailureOr<Shape> shape = context.shapeOf(adaptor.getInput(), "input");
  if (failed(shape))
    return failure();
  int64_t axis = adaptor.getAxis();
  int64_t rank = shape->size();
  if (axis < 0 || axis > rank)
    return context.error("axis " + Twine(axis) + " is out of range [0, " +
                         Twine(rank) + "]");
  Shape outer(shape->begin(), shape->begin() + axis);
  Shape inner(shape->begin() + axis, shape->end());
  return context.addResult({numElements(outer), numElements(inner)},
                           getElementTypeOrSelf(adaptor.getInput()));
}

LogicalResult SplitOp::inferResultTypes(InferContext &context,
                                        Adaptor adaptor) {
  FailureOr<Shape> shape = context.shapeOf(adaptor.getInput(), "input");
  if (failed(shape))
    return failure();
  int64_t axis = adaptor.getAxis();
  if (failed(context.checkAxis(axis, shape->size())))
    return failure();
  ArrayRef<int64_t> sizes = adaptor.getSizes();
  if (sizes.empty())
    return context.error("needs at least one size");
  int64_t total = 0;
  for (int64_t size : sizes) {
    if (size < 0)
      return context.error("sizes " + listString(sizes) + " must be >= 0");
    total += size;
  }
  if (total != (*shape)[axis])
    return context.error("sizes " + listString(sizes) + " add up to " +
                         Twine(total) + ", not to dimension " + Twine(axis) +
                         " of size " + Twine((*shape)[axis]));
  for (int64_t size : sizes) {
    Shape part = *shape;
    part[axis] = size;
    (void)context.addResult(part, getElementTypeOrSelf(adaptor.getInput()));
  }
  return success();
}

LogicalResult GatherNDOp::inferResultTypes(InferContext &context,
                                           Adaptor adaptor) {
  FailureOr<Shape> data = context.shapeOf(adaptor.getData(), "data");
  FailureOr<Shape> indices = context.shapeOf(adaptor.getIndices(), "indices");
  if (failed(data) || failed(indices))
    return failure();
  int64_t batch = adaptor.getBatchDims();
  int64_t r = data->size(), q = indices->size();
  if (q < 1)
    return context.error("indices must have rank >= 1");
  int64_t k = indices->back();
  if (batch < 0 || batch >= std::min(r, q))
    return context.error("batch_dims " + Twine(batch) +
                         " must be in [0, min(rank(data), rank(indices)))");
  if (k < 1 || batch + k > r)
    return context.error("indices " + formatShape(*indices) + " address " +
                         Twine(k) + " dimensions of data " +
                         formatShape(*data) + " after " + Twine(batch) +
                         " batch dimensions");
  for (int64_t d = 0; d < batch; ++d)
    if ((*data)[d] != (*indices)[d])
      return context.error("batch dimension " + Twine(d) + " differs: data " +
                           formatShape(*data) + ", indices " +
                           formatShape(*indices));
  for (int64_t j = 0; j < k; ++j)
    if (failed(checkAddressable(context, *data, batch + j,
                                ArrayRef<int64_t>(*indices).drop_back())))
      return failure();
  Shape result(indices->begin(), indices->end() - 1);
  result.insert(result.end(), data->begin() + batch + k, data->end());
  return context.addResult(result, getElementTypeOrSelf(adaptor.getData()));
}

/// Scatter ops: `updates` carries the data's element type and the reduction
/// must make sense for it; the result is `data`'s type.
static LogicalResult checkUpdates(InferContext &context, Value data,
                                  Value updates, ScatterReduction reduction) {
  Type element = getElementTypeOrSelf(data);
  if (getElementTypeOrSelf(updates) != element)
    return context.error("updates must have the element type of data");
  if (element.isInteger(1) && reduction != ScatterReduction::none)
    return context.error("reduction " + stringifyScatterReduction(reduction) +
                         " is not defined on booleans");
  return success();
}

LogicalResult ScatterElementsOp::inferResultTypes(InferContext &context,
                                                  Adaptor adaptor) {
  FailureOr<Shape> data = context.shapeOf(adaptor.getData(), "data");
  FailureOr<Shape> indices = context.shapeOf(adaptor.getIndices(), "indices");
  FailureOr<Shape> updates = context.shapeOf(adaptor.getUpdates(), "updates");
  if (failed(data) || failed(indices) || failed(updates))
    return failure();
  if (*indices != *updates)
    return context.error("indices " + formatShape(*indices) + " and updates " +
                         formatShape(*updates) + " must have the same shape");
  if (failed(checkElementIndices(context, *data, *indices, adaptor.getAxis())))
    return failure();
  if (failed(checkUpdates(context, adaptor.getData(), adaptor.getUpdates(),
                          adaptor.getReduction())))
    return failure();
  return context.addResult(*data, getElementTypeOrSelf(adaptor.getData()));
}

LogicalResult ScatterNDOp::inferResultTypes(InferContext &context,
                                            Adaptor adaptor) {
  FailureOr<Shape> data = context.shapeOf(adaptor.getData(), "data");
  FailureOr<Shape> indices = context.shapeOf(adaptor.getIndices(), "indices");
  FailureOr<Shape> updates = context.shapeOf(adaptor.getUpdates(), "updates");
  if (failed(data) || failed(indices) || failed(updates))
    return failure();
  if (indices->empty())
    return context.error("indices must have rank >= 1");
  int64_t k = indices->back();
  if (k < 1 || k > static_cast<int64_t>(data->size()))
    return context.error("indices " + formatShape(*indices) + " address " +
                         Twine(k) + " dimensions of data " +
                         formatShape(*data));
  for (int64_t j = 0; j < k; ++j)
    if (failed(checkAddressable(context, *data, j,
                                ArrayRef<int64_t>(*indices).drop_back())))
      return failure();
  Shape expected(indices->begin(), indices->end() - 1);
  expected.insert(expected.end(), data->begin() + k, data->end());
  if (*updates != expected)
    return context.error("updates " + formatShape(*updates) +
                         " must have shape " + formatShape(expected));
  if (failed(checkUpdates(context, adaptor.getData(), adaptor.getUpdates(),
                          adaptor.getReduction())))
    return failure();
  return context.addResult(*data, getElementTypeOrSelf(adaptor.getData()));
}
