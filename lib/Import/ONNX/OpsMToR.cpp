//===- OpsMToR.cpp - ONNX ops MatMul … Reshape ----------------------------===//

#include "lib/Import/ONNX/ConverterUtils.h"

#include "tessera/Support/Shape.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

namespace {

template <typename OpTy> LogicalResult convertVariadic(NodeContext &ctx) {
  auto y = foldInputs<OpTy>(ctx);
  if (failed(y))
    return failure();
  return ctx.setOutputs({*y});
}

LogicalResult convertMean(NodeContext &ctx) {
  auto sum = foldInputs<tg::AddOp>(ctx);
  if (failed(sum))
    return failure();
  Type elementType = ctx.typeOf(*sum).getElementType();
  Value count = ctx.constant(DenseElementsAttr::get(
      RankedTensorType::get({}, elementType),
      ctx.builder.getFloatAttr(elementType,
                               static_cast<double>(ctx.numInputs()))));
  return ctx.setOutput(ctx.build<tg::DivOp>({*sum, count}));
}

LogicalResult convertPad(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  RankedTensorType type = ctx.typeOf(*x);
  int64_t rank = type.getRank();
  Type elementType = type.getElementType();
  OpBuilder &b = ctx.builder;
  std::string mode = ctx.getString("mode", "constant");
  SmallVector<int64_t> pads;
  std::optional<double> value;
  Value runtimeValue;
  if (ctx.opset < 11) {
    auto given = ctx.getInts(ctx.opset < 2 ? "paddings" : "pads");
    if (!given)
      return ctx.error("requires pads");
    pads = *given;
    value = ctx.getFloat("value", 0.0f);
  } else {
    auto given = ctx.requireConstantInts(1, "pads");
    if (failed(given))
      return failure();
    pads = *given;
    // constant_value only matters in constant mode; computed at run time
    // it is selected into the border (below).
    if (ctx.input(2) && mode == "constant") {
      if (ctx.constantFloats(ctx.input(2))) {
        auto given = ctx.requireConstantScalar(2, "constant_value");
        if (failed(given))
          return failure();
        value = *given;
      } else {
        RankedTensorType valueType = ctx.typeOf(ctx.input(2));
        if (valueType.getElementType() != elementType ||
            valueType.getNumElements() != 1)
          return ctx.error("constant_value must be one value of the input's "
                           "element type");
        runtimeValue = ctx.input(2);
      }
    }
    if (Value axesInput = ctx.input(3)) {
      // Opset 18: pads for the listed axes only.
      auto axes = ctx.requireConstantInts(3, "axes");
      if (failed(axes))
        return failure();
      auto normalized = ctx.normalizeAxes(*axes, rank, /*sort=*/false);
      if (failed(normalized))
        return failure();
      if (pads.size() != 2 * normalized->size())
        return ctx.error("expected " + Twine(2 * normalized->size()) +
                         " pads for the given axes, got " + Twine(pads.size()));
      SmallVector<int64_t> full(2 * rank, 0);
      size_t n = normalized->size();
      for (size_t i = 0; i < n; ++i) {
        full[(*normalized)[i]] = pads[i];
        full[(*normalized)[i] + rank] = pads[i + n];
      }
      pads = full;
    }
  }
  tg::PadMode padMode;
  if (mode == "constant")
    padMode = tg::PadMode::constant;
  else if (mode == "reflect")
    padMode = tg::PadMode::reflect;
  else if (mode == "edge")
    padMode = tg::PadMode::edge;
  else if (mode == "wrap")
    padMode = tg::PadMode::wrap;
  else
    return ctx.error("unknown mode '" + mode + "'");
  SmallVector<NamedAttribute> attrs{
      ctx.named("mode", tg::PadModeAttr::get(b.getContext(), padMode)),
      ctx.named("pads", ctx.i64s(pads))};
  if (padMode == tg::PadMode::constant && value && *value != 0.0) {
    Attribute attr = isa<FloatType>(elementType)
                         ? Attribute(b.getFloatAttr(elementType, *value))
                         : Attribute(b.getIntegerAttr(
                               elementType, saturatingInt(*value)));
    attrs.push_back(ctx.named("value", attr));
  }
  TRY(padded, ctx.build<tg::PadOp>({*x}, attrs));
  if (!runtimeValue)
    return ctx.setOutput(padded);
  // where(inside, pad(x, 0), value): `inside` is where a padded ones tensor
  // kept its ones (the ones splat and its pad fold or fuse; no data copy).
  Attribute one = isa<FloatType>(elementType)
                      ? Attribute(b.getFloatAttr(elementType, 1.0))
                      : Attribute(b.getIntegerAttr(elementType, 1));
  Value ones = ctx.constant(DenseElementsAttr::get(type, one));
  TRY(onesPadded, ctx.build<tg::PadOp>({ones}, attrs));
  TRY(inside, compareOp(ctx, tg::ComparePredicate::gt, onesPadded,
                        scalarOf(ctx, elementType, 0)));
  Value fill = runtimeValue;
  if (ctx.typeOf(fill).getRank() != 0) {
    TRY(reshaped, ctx.buildTyped<tg::ReshapeOp>(
                      ctx.typeOf(fill).clone(ArrayRef<int64_t>{}), {fill}));
    fill = reshaped;
  }
  return ctx.setOutput(whereOp(ctx, inside, padded, fill));
}

LogicalResult convertReshape(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  SmallVector<int64_t> shape;
  if (ctx.opset < 5) {
    auto given = ctx.getInts("shape");
    if (!given)
      return ctx.error("requires shape");
    shape = *given;
  } else {
    auto given = ctx.requireConstantInts(1, "shape");
    if (failed(given))
      return failure();
    shape = *given;
  }
  RankedTensorType type = ctx.typeOf(*x);
  ShapeOr target =
      reshapeTarget(Shape(type.getShape().begin(), type.getShape().end()),
                    std::vector<int64_t>(shape.begin(), shape.end()),
                    ctx.getInt("allowzero", 0) != 0);
  if (!target)
    return ctx.error(target.message());
  shape.assign(target.shape().begin(), target.shape().end());
  return ctx.setOutput(ctx.buildTyped<tg::ReshapeOp>(
      RankedTensorType::get(shape, type.getElementType()), {*x}));
}

/// Resize (opsets 10-19): scales or sizes (with axes and
/// keep_aspect_ratio_policy) become per-dimension scales and the result type.
LogicalResult convertResize(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  RankedTensorType type = ctx.typeOf(*x);
  int64_t rank = type.getRank();
  OpBuilder &b = ctx.builder;
  bool v10 = ctx.opset < 11;
  size_t scalesInput = v10 ? 1 : 2, sizesInput = 3, roiInput = 1;

  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (auto given = ctx.getInts("axes"); given && !given->empty()) {
    auto normalized = ctx.normalizeAxes(*given, rank, /*sort=*/false);
    if (failed(normalized))
      return failure();
    axes = *normalized;
  }
  SmallVector<double> scales(rank, 1.0);
  SmallVector<int64_t> shape(type.getShape());
  auto givenScales = ctx.input(scalesInput)
                         ? ctx.constantFloats(ctx.input(scalesInput))
                         : std::optional<SmallVector<double>>();
  if (ctx.input(scalesInput) && !givenScales)
    return ctx.notConstant(scalesInput, "scales");
  auto givenSizes = (!v10 && ctx.input(sizesInput))
                        ? ctx.constantInts(ctx.input(sizesInput))
                        : std::optional<SmallVector<int64_t>>();
  if (!v10 && ctx.input(sizesInput) && !givenSizes)
    return ctx.notConstant(sizesInput, "sizes");
  if (givenScales && !givenScales->empty()) {
    if (givenSizes && !givenSizes->empty())
      return ctx.error("only one of scales and sizes may be given");
    if (givenScales->size() != axes.size())
      return ctx.error("expected " + Twine(axes.size()) + " scales, got " +
                       Twine(givenScales->size()));
    for (auto [axis, scale] : llvm::zip(axes, *givenScales)) {
      if (!(scale > 0))
        return ctx.error("scales must be positive");
      float single = static_cast<float>(scale);
      double size = std::floor(type.getDimSize(axis) * double(single));
      if (!std::isfinite(size) || size > 4.6e18)
        return ctx.error("scale " + std::to_string(scale) +
                         " gives no usable output size");
      scales[axis] = single;
      shape[axis] = static_cast<int64_t>(size);
    }
  } else if (givenSizes && !givenSizes->empty()) {
    if (givenSizes->size() != axes.size())
      return ctx.error("expected " + Twine(axes.size()) + " sizes, got " +
                       Twine(givenSizes->size()));
    std::string policy = ctx.getString("keep_aspect_ratio_policy", "stretch");
    if (policy == "stretch") {
      for (auto [axis, size] : llvm::zip(axes, *givenSizes)) {
        shape[axis] = size;
        scales[axis] = static_cast<float>(double(size) / type.getDimSize(axis));
      }
    } else if (policy == "not_larger" || policy == "not_smaller") {
      double scale = policy == "not_larger" ? INFINITY : 0.0;
      for (auto [axis, size] : llvm::zip(axes, *givenSizes)) {
        double ratio = double(size) / type.getDimSize(axis);
        scale = policy == "not_larger" ? std::min(scale, ratio)
                                       : std::max(scale, ratio);
      }
      for (int64_t axis : axes) {
        scales[axis] = static_cast<float>(scale);
        double size = std::round(scale * type.getDimSize(axis));
        if (!std::isfinite(size) || size < 0 || size > 4.6e18)
          return ctx.error("the sizes and the input shape give no usable "
                           "output size");
        shape[axis] = static_cast<int64_t>(size);
      }
    } else {
      return ctx.error("unknown keep_aspect_ratio_policy '" + policy + "'");
    }
  } else {
    return ctx.error("needs scales or sizes");
  }

  std::string modeText = ctx.getString("mode", "nearest");
  tg::ResizeMode mode;
  if (modeText == "nearest")
    mode = tg::ResizeMode::nearest;
  else if (modeText == "linear" || modeText == "bilinear" ||
           modeText == "trilinear")
    mode = tg::ResizeMode::linear;
  else if (modeText == "cubic" || modeText == "bicubic")
    mode = tg::ResizeMode::cubic;
  else
    return ctx.error("unknown mode '" + modeText + "'");
  std::string coordinateText =
      v10 ? "asymmetric"
          : ctx.getString("coordinate_transformation_mode", "half_pixel");
  auto coordinate = tg::symbolizeCoordinateMode(coordinateText);
  if (!coordinate)
    return ctx.error("unknown coordinate_transformation_mode '" +
                     coordinateText + "'");
  std::string nearestText =
      v10 ? "floor" : ctx.getString("nearest_mode", "round_prefer_floor");
  auto nearest = tg::symbolizeNearestMode(nearestText);
  if (!nearest)
    return ctx.error("unknown nearest_mode '" + nearestText + "'");

  SmallVector<float> floatScales(scales.begin(), scales.end());
  SmallVector<NamedAttribute> attrs{
      ctx.named("mode", tg::ResizeModeAttr::get(b.getContext(), mode)),
      ctx.named("coordinate_mode",
                tg::CoordinateModeAttr::get(b.getContext(), *coordinate)),
      ctx.named("nearest_mode",
                tg::NearestModeAttr::get(b.getContext(), *nearest)),
      ctx.named("scales", b.getDenseF32ArrayAttr(floatScales))};
  if (mode == tg::ResizeMode::cubic)
    attrs.push_back(ctx.named("cubic_coeff_a", b.getF32FloatAttr(ctx.getFloat(
                                                   "cubic_coeff_a", -0.75f))));
  if (ctx.getInt("exclude_outside", 0))
    attrs.push_back(ctx.named("exclude_outside", b.getUnitAttr()));
  if (ctx.getInt("antialias", 0))
    attrs.push_back(ctx.named("antialias", b.getUnitAttr()));
  if (*coordinate == tg::CoordinateMode::tf_crop_and_resize) {
    auto roi = ctx.constantFloats(ctx.input(roiInput));
    if (!roi)
      return ctx.notConstant(roiInput, "roi");
    SmallVector<float> full;
    for (int64_t d = 0; d < rank; ++d)
      full.push_back(0.0f);
    for (int64_t d = 0; d < rank; ++d)
      full.push_back(1.0f);
    if (roi->size() != 2 * axes.size())
      return ctx.error("expected " + Twine(2 * axes.size()) +
                       " roi values, got " + Twine(roi->size()));
    for (size_t i = 0; i < axes.size(); ++i) {
      full[axes[i]] = (*roi)[i];
      full[axes[i] + rank] = (*roi)[i + axes.size()];
    }
    attrs.push_back(ctx.named("roi", b.getDenseF32ArrayAttr(full)));
    attrs.push_back(ctx.named(
        "extrapolation_value",
        b.getF32FloatAttr(ctx.getFloat("extrapolation_value", 0.0f))));
  }
  return ctx.setOutput(ctx.buildTyped<tg::ResizeOp>(
      RankedTensorType::get(shape, type.getElementType()), {*x}, attrs));
}

/// ReverseSequence: the first sequence_lens[b] steps of every batch entry
/// reversed along time_axis, as a gather_elements with constant indices;
/// the lengths must be known at compile time.
LogicalResult convertReverseSequence(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  auto lengths = ctx.requireConstantInts(1, "sequence_lens");
  if (failed(lengths))
    return failure();
  RankedTensorType type = ctx.typeOf(*x);
  int64_t rank = type.getRank();
  int64_t batchAxis = ctx.getInt("batch_axis", 1),
          timeAxis = ctx.getInt("time_axis", 0);
  if (rank < 2 || std::min(batchAxis, timeAxis) < 0 ||
      std::max(batchAxis, timeAxis) > 1 || batchAxis == timeAxis)
    return ctx.error("batch_axis and time_axis must be 0 and 1 (in either "
                     "order) of a tensor of rank >= 2");
  int64_t batch = type.getDimSize(batchAxis), steps = type.getDimSize(timeAxis);
  if (static_cast<int64_t>(lengths->size()) != batch)
    return ctx.error("sequence_lens has " + Twine(lengths->size()) +
                     " entries for a batch of " + Twine(batch));
  for (int64_t n : *lengths)
    if (n < 0 || n > steps)
      return ctx.error("sequence length " + Twine(n) + " is outside [0, " +
                       Twine(steps) + "]");
  // index[b, t, ...] along time: lens[b] - 1 - t inside the prefix, else t.
  SmallVector<int64_t> indices;
  indices.reserve(type.getNumElements());
  int64_t inner = type.getNumElements() / (batch * steps);
  for (int64_t i = 0; i < type.getDimSize(0); ++i)
    for (int64_t j = 0; j < type.getDimSize(1); ++j) {
      int64_t b = batchAxis == 0 ? i : j, t = timeAxis == 0 ? i : j;
      int64_t n = (*lengths)[b];
      int64_t source = t < n ? n - 1 - t : t;
      indices.append(inner, source);
    }
  Value table = ctx.constant(DenseElementsAttr::get(
      RankedTensorType::get(type.getShape(), ctx.builder.getI64Type()),
      ArrayRef<int64_t>(indices)));
  return ctx.setOutput(ctx.build<tg::GatherElementsOp>(
      {*x, table},
      {ctx.named("axis", ctx.builder.getI64IntegerAttr(timeAxis))}));
}

} // namespace

void tessera::onnx_import::registerOpsMToR(ConverterRegistry &r) {
  r.add("MatMul", 1, binary<tg::MatMulOp>);
  r.add("ReverseSequence", 10, convertReverseSequence);
  // Upsample-9 is Resize-10 (asymmetric coordinates, nearest rounds down).
  r.add("Upsample", 9, convertResize);
  r.add("Max", 1, convertVariadic<tg::MaxOp>);
  r.add("MaxPool", 1,
        [](NodeContext &ctx) { return convertPoolOp(ctx, /*average=*/false); });
  r.add("Mean", 1, convertMean);
  r.add("Min", 1, convertVariadic<tg::MinOp>);
  r.add("Mul", 1, legacyBinary<tg::MulOp>);
  r.add("Mul", 7, binary<tg::MulOp>);
  r.add("Neg", 1, unary<tg::NegOp>);
  r.add("Pad", 1, convertPad);
  r.add("Pow", 1, legacyBinary<tg::PowOp>);
  r.add("Pow", 7, binary<tg::PowOp>);
  r.add("Reciprocal", 1, unary<tg::ReciprocalOp>);
  r.add("ReduceMax", 1,
        [](NodeContext &c) { return convertReduce<tg::ReduceMaxOp>(c, 18); });
  r.add("ReduceMean", 1,
        [](NodeContext &c) { return convertReduce<tg::ReduceMeanOp>(c, 18); });
  r.add("ReduceMin", 1,
        [](NodeContext &c) { return convertReduce<tg::ReduceMinOp>(c, 18); });
  r.add("ReduceProd", 1,
        [](NodeContext &c) { return convertReduce<tg::ReduceProdOp>(c, 18); });
  r.add("ReduceSum", 1,
        [](NodeContext &c) { return convertReduce<tg::ReduceSumOp>(c, 13); });
  r.add("Relu", 1, unary<tg::ReluOp>);
  r.add("Reshape", 1, convertReshape);
  r.add("Round", 11, unary<tg::RoundOp>);
  r.add("Resize", 10, convertResize);
}
