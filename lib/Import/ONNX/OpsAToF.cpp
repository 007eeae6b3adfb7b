//===- OpsAToF.cpp - ONNX ops Abs … Floor ---------------------------------===//

#include "lib/Import/ONNX/ConverterUtils.h"

#include "tessera/Support/Shape.h"

#include <cmath>

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

SmallVector<int64_t> tessera::onnx_import::intsOr(NodeContext &ctx,
                                                  StringRef name, size_t count,
                                                  int64_t defaultValue) {
  if (auto values = ctx.getInts(name))
    if (!values->empty())
      return *values;
  return SmallVector<int64_t>(count, defaultValue);
}

FailureOr<SmallVector<int64_t>>
tessera::onnx_import::windowPads(NodeContext &ctx, ArrayRef<int64_t> dims,
                                 ArrayRef<int64_t> effectiveKernel,
                                 ArrayRef<int64_t> strides) {
  size_t k = dims.size();
  std::string autoPad = ctx.getString("auto_pad", "NOTSET");
  if (autoPad == "NOTSET") {
    SmallVector<int64_t> pads = intsOr(ctx, "pads", 2 * k, 0);
    if (pads.size() != 2 * k)
      return ctx.error("expected " + Twine(2 * k) + " pads, got " +
                       Twine(pads.size()));
    return pads;
  }
  if (autoPad == "VALID")
    return SmallVector<int64_t>(2 * k, 0);
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return ctx.error("unknown auto_pad '" + autoPad + "'");
  SmallVector<int64_t> pads(2 * k, 0);
  for (size_t i = 0; i < k; ++i) {
    int64_t out = (dims[i] + strides[i] - 1) / strides[i];
    int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] +
                                             effectiveKernel[i] - dims[i]);
    int64_t small = total / 2, large = total - small;
    pads[i] = autoPad == "SAME_UPPER" ? small : large;
    pads[i + k] = autoPad == "SAME_UPPER" ? large : small;
  }
  return pads;
}

Window tessera::onnx_import::windowOf(NodeContext &ctx,
                                     ArrayRef<int64_t> kernel) {
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  w.strides = intsOr(ctx, "strides", kernel.size(), 1);
  w.dilations = intsOr(ctx, "dilations", kernel.size(), 1);
  return w;
}

SmallVector<int64_t> tessera::onnx_import::effective(const Window &w) {
  SmallVector<int64_t> result;
  for (size_t i = 0; i < w.kernel.size(); ++i)
    result.push_back((w.kernel[i] - 1) * w.dilations[i] + 1);
  return result;
}

namespace {

LogicalResult convertConv(NodeContext &ctx) {
  auto x = ctx.required(0), w = ctx.required(1);
  if (failed(x) || failed(w))
    return failure();
  return ctx.setOutput(buildConv(ctx, *x, *w, ctx.input(2)));
}

/// Compress: the slices along `axis` (of the flattened input without one)
/// whose condition is true, as a gather with the condition folded to
/// constant indices; the condition must be known at compile time.
LogicalResult convertCompress(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  auto conditionValue = ctx.required(1);
  if (failed(conditionValue))
    return failure();
  std::optional<SmallVector<int64_t>> condition =
      ctx.constantInts(*conditionValue);
  Value input = *x;
  RankedTensorType type = ctx.typeOf(input);
  int64_t axis = 0;
  if (ctx.attribute("axis")) {
    auto normalized = ctx.normalizeAxis(ctx.getInt("axis", 0), type.getRank());
    if (failed(normalized))
      return failure();
    axis = *normalized;
  } else {
    auto flat = ctx.buildTyped<tg::ReshapeOp>(
        type.clone({type.getNumElements()}), {input});
    if (failed(flat))
      return failure();
    input = *flat;
  }
  int64_t extent = ctx.typeOf(input).getDimSize(axis);
  RankedTensorType conditionType = ctx.typeOf(*conditionValue);
  if (conditionType.getRank() != 1)
    return ctx.error("condition must be 1-D, got rank " +
                     Twine(conditionType.getRank()));
  if (conditionType.getDimSize(0) > extent)
    return ctx.error("condition has " + Twine(conditionType.getDimSize(0)) +
                     " entries for an axis of " + Twine(extent));
  // A constant condition that keeps nothing would give an empty tensor:
  // the bounded form reports the size 0 instead.
  if (condition && llvm::none_of(*condition, [](int64_t v) { return v; }))
    condition.reset();
  if (!condition) {
    // Known at run time: the positions NonZero finds, gathered; the result
    // is bounded along the axis by the condition's length.
    auto positions = tg::NonZeroOp::create(ctx.builder, ctx.loc, *conditionValue);
    auto indices = ctx.buildTyped<tg::ReshapeOp>(
        RankedTensorType::get({conditionType.getDimSize(0)},
                              ctx.builder.getI64Type()),
        {positions.getIndices()});
    if (failed(indices))
      return failure();
    ctx.setBounded(0, axis, positions.getCount());
    return ctx.setOutput(ctx.build<tg::GatherOp>(
        {input, *indices},
        {ctx.named("axis", ctx.builder.getI64IntegerAttr(axis))}));
  }
  SmallVector<int64_t> kept;
  for (auto [i, keep] : llvm::enumerate(*condition))
    if (keep)
      kept.push_back(i);
  Value indices = ctx.constant(DenseElementsAttr::get(
      RankedTensorType::get({static_cast<int64_t>(kept.size())},
                            ctx.builder.getI64Type()),
      ArrayRef<int64_t>(kept)));
  return ctx.setOutput(ctx.build<tg::GatherOp>(
      {input, indices},
      {ctx.named("axis", ctx.builder.getI64IntegerAttr(axis))}));
}

/// Col2Im: the blocks of `input` ([N, C * prod(block), L]) summed back into
/// an image, as a grouped ConvTranspose (one group per channel) of the blocks
/// laid out on their grid with one-hot weights picking each block position.
LogicalResult convertCol2Im(NodeContext &ctx) {
  auto x = ctx.required(0);
  auto image = ctx.requireConstantInts(1, "image_shape");
  auto block = ctx.requireConstantInts(2, "block_shape");
  if (failed(x) || failed(image) || failed(block))
    return failure();
  RankedTensorType type = ctx.typeOf(*x);
  size_t k = image->size();
  if (type.getRank() != 3 || block->size() != k || k == 0)
    return ctx.error("expects input [N, C * prod(block_shape), L] and "
                     "image_shape and block_shape of one length");
  SmallVector<int64_t> dilations = intsOr(ctx, "dilations", k, 1),
                       strides = intsOr(ctx, "strides", k, 1),
                       pads = intsOr(ctx, "pads", 2 * k, 0);
  if (dilations.size() != k || strides.size() != k || pads.size() != 2 * k)
    return ctx.error("dilations, strides and pads must match the " + Twine(k) +
                     " image dimensions");
  int64_t blockSize = 1, blocks = 1;
  SmallVector<int64_t> grid, outputPadding;
  for (size_t i = 0; i < k; ++i) {
    int64_t span = dilations[i] * ((*block)[i] - 1) + 1;
    int64_t room = (*image)[i] + pads[i] + pads[i + k] - span;
    if ((*block)[i] < 1 || strides[i] < 1 || room < 0)
      return ctx.error("block " + Twine((*block)[i]) +
                       " does not fit image dimension " + Twine(i));
    grid.push_back(room / strides[i] + 1);
    // Rows past the last block (room not a multiple of the stride) stay 0.
    outputPadding.push_back(room % strides[i]);
    blockSize *= (*block)[i];
    blocks *= grid.back();
  }
  int64_t n = type.getDimSize(0), channels = type.getDimSize(1);
  if (channels % blockSize != 0 || type.getDimSize(2) != blocks)
    return ctx.error("input " + formatShape(type.getShape()) + " must be [N, " +
                     "C * " + Twine(blockSize) + ", " + Twine(blocks) + "]");
  int64_t c = channels / blockSize;
  SmallVector<int64_t> gridShape{n, channels};
  llvm::append_range(gridShape, grid);
  auto laidOut = ctx.buildTyped<tg::ReshapeOp>(type.clone(gridShape), {*x});
  if (failed(laidOut))
    return failure();
  // weight[c * blockSize + p, 0, block position q] = (p == q)
  SmallVector<int64_t> weightShape{channels, 1};
  llvm::append_range(weightShape, *block);
  Type t = type.getElementType();
  SmallVector<Attribute> weights;
  for (int64_t row = 0; row < channels; ++row)
    for (int64_t q = 0; q < blockSize; ++q)
      weights.push_back(ctx.builder.getFloatAttr(t, row % blockSize == q));
  Value weight = ctx.constant(
      DenseElementsAttr::get(RankedTensorType::get(weightShape, t), weights));
  return ctx.setOutput(ctx.build<tg::ConvTransposeOp>(
      {*laidOut, weight},
      {ctx.named("strides", ctx.i64s(strides)),
       ctx.named("pads", ctx.i64s(pads)),
       ctx.named("output_padding", ctx.i64s(outputPadding)),
       ctx.named("dilations", ctx.i64s(dilations)),
       ctx.named("group", ctx.builder.getI64IntegerAttr(c))}));
}

LogicalResult convertConvTranspose(NodeContext &ctx) {
  auto x = ctx.required(0), w = ctx.required(1);
  if (failed(x) || failed(w))
    return failure();
  RankedTensorType xType = ctx.typeOf(*x), wType = ctx.typeOf(*w);
  if (xType.getRank() < 3 || wType.getRank() != xType.getRank())
    return ctx.error("expects input and weight of one rank >= 3");
  size_t k = xType.getRank() - 2;
  Window window = windowOf(ctx, wType.getShape().drop_front(2));
  SmallVector<int64_t> outputPadding = intsOr(ctx, "output_padding", k, 0);
  SmallVector<int64_t> pads = intsOr(ctx, "pads", 2 * k, 0);
  std::string autoPad = ctx.getString("auto_pad", "NOTSET");
  auto outputShape = ctx.getInts("output_shape");
  if (outputShape && outputShape->size() == k + 2)
    outputShape->erase(outputShape->begin(), outputShape->begin() + 2);
  if ((outputShape && !outputShape->empty()) || autoPad == "SAME_UPPER" ||
      autoPad == "SAME_LOWER") {
    SmallVector<int64_t> target;
    if (outputShape && !outputShape->empty())
      target = *outputShape;
    else
      for (size_t i = 0; i < k; ++i)
        target.push_back(xType.getDimSize(i + 2) * window.strides[i]);
    if (target.size() != k)
      return ctx.error("output_shape needs " + Twine(k) + " spatial sizes");
    SmallVector<int64_t> eff = effective(window);
    for (size_t i = 0; i < k; ++i) {
      int64_t total = window.strides[i] * (xType.getDimSize(i + 2) - 1) +
                      outputPadding[i] + eff[i] - target[i];
      if (total < 0) {
        // The requested output is larger: the extra goes to output_padding.
        outputPadding[i] -= total;
        total = 0;
      }
      bool upper = autoPad != "SAME_LOWER";
      pads[i] = upper ? total / 2 : total - total / 2;
      pads[i + k] = total - pads[i];
    }
  } else if (autoPad == "VALID") {
    pads.assign(2 * k, 0);
  }
  SmallVector<Value> operands{*x, *w};
  if (Value bias = ctx.input(2))
    operands.push_back(bias);
  OpBuilder &b = ctx.builder;
  return ctx.setOutput(ctx.build<tg::ConvTransposeOp>(
      operands,
      {ctx.named("strides", ctx.i64s(window.strides)),
       ctx.named("pads", ctx.i64s(pads)),
       ctx.named("output_padding", ctx.i64s(outputPadding)),
       ctx.named("dilations", ctx.i64s(window.dilations)),
       ctx.named("group", b.getI64IntegerAttr(ctx.getInt("group", 1)))}));
}

/// MaxPool's Indices output: for every window, the flat NCHW index (or
/// column-major over the spatial dimensions with storage_order 1) of its
/// first maximum. The windows are gathered through a compile-time table of
/// source positions, padding masked to the lowest value, and arg_max picks
/// the tap, which the same table turns into a position.
FailureOr<Value> maxPoolIndices(NodeContext &ctx, Value x,
                                ArrayRef<int64_t> pooledShape,
                                const Window &window, ArrayRef<int64_t> pads) {
  RankedTensorType type = ctx.typeOf(x);
  ArrayRef<int64_t> spatial = type.getShape().drop_front(2),
                    out = pooledShape.drop_front(2);
  size_t k = spatial.size();
  bool columnMajor = ctx.getInt("storage_order", 0) == 1;
  int64_t n = type.getDimSize(0), c = type.getDimSize(1), area = 1, outArea = 1,
          taps = 1;
  for (size_t d = 0; d < k; ++d) {
    area *= spatial[d];
    outArea *= out[d];
    taps *= window.kernel[d];
  }
  // The tables hold a position per window tap: bounded, and counted
  // without overflow, before anything is built.
  int64_t entries = 0, planes = 0;
  if (__builtin_mul_overflow(outArea, taps, &entries) ||
      entries > (int64_t(1) << 24) || __builtin_mul_overflow(n, c, &planes) ||
      planes > (int64_t(1) << 24))
    return ctx.error("the Indices output needs a table of more than 2^24 "
                     "window positions or planes, more than the importer "
                     "builds");
  SmallVector<int64_t> table, position;
  SmallVector<bool> padding;
  bool anyPadding = false;
  for (int64_t o = 0; o < outArea; ++o) {
    for (int64_t q = 0; q < taps; ++q) {
      int64_t rowMajor = 0, colMajor = 0, colStride = 1, oRest = o, qRest = q;
      bool inside = true;
      SmallVector<int64_t> coords(k);
      for (size_t d = k; d-- > 0;) {
        int64_t od = oRest % out[d], qd = qRest % window.kernel[d];
        oRest /= out[d];
        qRest /= window.kernel[d];
        coords[d] = od * window.strides[d] - pads[d] + qd * window.dilations[d];
        inside &= coords[d] >= 0 && coords[d] < spatial[d];
      }
      for (size_t d = 0; d < k; ++d) {
        rowMajor = rowMajor * spatial[d] + coords[d];
        colMajor += coords[d] * colStride;
        colStride *= spatial[d];
      }
      table.push_back(inside ? rowMajor : 0);
      position.push_back(inside ? (columnMajor ? colMajor : rowMajor) : 0);
      padding.push_back(!inside);
      anyPadding |= !inside;
    }
  }
  Type i64 = ctx.builder.getI64Type(), t = type.getElementType();
  auto tableOf = [&](ArrayRef<int64_t> values, ArrayRef<int64_t> shape) {
    return ctx.constant(
        DenseElementsAttr::get(RankedTensorType::get(shape, i64), values));
  };
  TRY(flat, ctx.buildTyped<tg::ReshapeOp>(type.clone({n, c, area}), {x}));
  TRY(gathered, ctx.build<tg::GatherOp>(
                    {flat, tableOf(table, {outArea * taps})},
                    {ctx.named("axis", ctx.builder.getI64IntegerAttr(2))}));
  TRY(windows, ctx.buildTyped<tg::ReshapeOp>(type.clone({n, c, outArea, taps}),
                                             {gathered}));
  Value candidates = windows;
  if (anyPadding) {
    Value mask = ctx.constant(DenseElementsAttr::get(
        RankedTensorType::get({outArea, taps}, ctx.builder.getI1Type()),
        ArrayRef<bool>(padding)));
    double lowest = isa<FloatType>(t) ? -INFINITY
                    : t.isUnsignedInteger()
                        ? 0.0
                        : -std::ldexp(1.0, t.getIntOrFloatBitWidth() - 1);
    TRY(masked, whereOp(ctx, mask, scalarOf(ctx, t, lowest), windows));
    candidates = masked;
  }
  TRY(best,
      ctx.build<tg::ArgMaxOp>(
          {candidates}, {ctx.named("axis", ctx.builder.getI64IntegerAttr(3)),
                         ctx.named("keepdims", ctx.builder.getUnitAttr())}));
  // The chosen tap's position, then the (n, c) plane's offset.
  SmallVector<int64_t> offsets;
  for (int64_t i = 0; i < planes; ++i)
    offsets.push_back(i * area);
  TRY(positions, ctx.build<tg::AddOp>(
                     {tableOf(position, {1, 1, outArea, taps}),
                      tableOf(SmallVector<int64_t>(planes, 0), {n, c, 1, 1})}));
  TRY(chosen, ctx.build<tg::GatherElementsOp>(
                  {positions, best},
                  {ctx.named("axis", ctx.builder.getI64IntegerAttr(3))}));
  TRY(offset, ctx.build<tg::AddOp>({chosen, tableOf(offsets, {n, c, 1, 1})}));
  return ctx.buildTyped<tg::ReshapeOp>(RankedTensorType::get(pooledShape, i64),
                                       {offset});
}

template <typename PoolOp>
LogicalResult convertPool(NodeContext &ctx, bool average) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  RankedTensorType type = ctx.typeOf(*x);
  auto kernel = ctx.getInts("kernel_shape");
  if (!kernel)
    return ctx.error("requires kernel_shape");
  if (type.getRank() < 3 ||
      kernel->size() != static_cast<size_t>(type.getRank() - 2))
    return ctx.error("kernel_shape has " + Twine(kernel->size()) +
                     " values for an input of rank " + Twine(type.getRank()));
  Window window = windowOf(ctx, *kernel);
  auto pads = windowPads(ctx, type.getShape().drop_front(2), effective(window),
                         window.strides);
  if (failed(pads))
    return failure();
  OpBuilder &b = ctx.builder;
  SmallVector<NamedAttribute> attrs{
      ctx.named("kernel_shape", ctx.i64s(window.kernel)),
      ctx.named("strides", ctx.i64s(window.strides)),
      ctx.named("pads", ctx.i64s(*pads)),
      ctx.named("dilations", ctx.i64s(window.dilations))};
  if (ctx.getInt("ceil_mode", 0))
    attrs.push_back(ctx.named("ceil_mode", b.getUnitAttr()));
  if (average && ctx.getInt("count_include_pad", 0))
    attrs.push_back(ctx.named("count_include_pad", b.getUnitAttr()));
  auto pooled = ctx.build<PoolOp>({*x}, attrs);
  if (failed(pooled))
    return failure();
  if (average || !ctx.outputUsed(1))
    return ctx.setOutputs({*pooled});
  auto indices =
      maxPoolIndices(ctx, *x, ctx.typeOf(*pooled).getShape(), window, *pads);
  if (failed(indices))
    return failure();
  return ctx.setOutputs({*pooled, *indices});
}

LogicalResult convertBatchNorm(NodeContext &ctx) {
  if (ctx.getInt("training_mode", 0))
    return ctx.error("training_mode is not supported (inference only)");
  SmallVector<Value> operands;
  for (size_t i = 0; i < 5; ++i) {
    auto v = ctx.required(i);
    if (failed(v))
      return failure();
    operands.push_back(*v);
  }
  // Opset 15 allows statistics in another float type: bring them to x's.
  Type elementType = ctx.typeOf(operands[0]).getElementType();
  for (Value &operand : llvm::drop_begin(operands)) {
    RankedTensorType type = ctx.typeOf(operand);
    if (type.getElementType() == elementType)
      continue;
    auto cast = ctx.buildTyped<tg::CastOp>(type.clone(elementType), {operand});
    if (failed(cast))
      return failure();
    operand = *cast;
  }
  return ctx.setOutput(ctx.build<tg::BatchNormOp>(
      operands, {ctx.named("epsilon", ctx.builder.getF32FloatAttr(
                                          ctx.getFloat("epsilon", 1e-5f)))}));
}

LogicalResult convertCast(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  int64_t to = ctx.getInt("to", 0);
  Type type = elementType(ctx.builder.getContext(), to);
  if (!type)
    return ctx.error("cast to data type " + Twine(to) + " is not supported");
  return ctx.setOutput(
      ctx.buildTyped<tg::CastOp>(ctx.typeOf(*x).clone(type), {*x}));
}

LogicalResult convertClip(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  Type elementType = ctx.typeOf(*x).getElementType();
  OpBuilder &b = ctx.builder;
  SmallVector<NamedAttribute> attrs;
  // Bounds computed at run time (e.g. the top-dB clamp of a spectrogram,
  // Clip(x, ReduceMax(x) - 80)): max(x, min) then min(., max), as ONNX
  // defines Clip.
  Value runtimeMin, runtimeMax;
  auto bound = [&](StringRef name, size_t input, bool lower) -> LogicalResult {
    if (ctx.opset < 11) {
      float fallback = lower ? -std::numeric_limits<float>::infinity()
                             : std::numeric_limits<float>::infinity();
      float value = ctx.getFloat(name, fallback);
      if (!std::isinf(value))
        attrs.push_back(ctx.named(name, b.getFloatAttr(elementType, value)));
      return success();
    }
    if (!ctx.input(input))
      return success();
    if (!ctx.constantFloats(ctx.input(input))) {
      Value given = ctx.input(input);
      RankedTensorType type = ctx.typeOf(given);
      if (type.getElementType() != elementType) {
        std::string text;
        llvm::raw_string_ostream os(text);
        os << name << " has element type " << type.getElementType()
           << ", the input " << elementType;
        return ctx.error(text);
      }
      if (type.getNumElements() != 1)
        return ctx.error(name + " must hold one value, got " +
                         Twine(type.getNumElements()));
      (lower ? runtimeMin : runtimeMax) = given;
      return success();
    }
    auto value = ctx.requireConstantScalar(input, name);
    if (failed(value))
      return failure();
    Attribute attr = isa<FloatType>(elementType)
                         ? Attribute(b.getFloatAttr(elementType, *value))
                         : Attribute(b.getIntegerAttr(
                               elementType, saturatingInt(*value)));
    attrs.push_back(ctx.named(name, attr));
    return success();
  };
  if (failed(bound("min", 1, true)) || failed(bound("max", 2, false)))
    return failure();
  Value y = *x;
  if (!attrs.empty() || (!runtimeMin && !runtimeMax)) {
    auto clipped = ctx.build<tg::ClipOp>({y}, attrs);
    if (failed(clipped))
      return failure();
    y = *clipped;
  }
  // A rank-0 bound broadcasts; a one-element 1-d one is made rank 0 so the
  // result keeps x's shape.
  auto scalar = [&](Value bound) -> FailureOr<Value> {
    RankedTensorType type = ctx.typeOf(bound);
    if (type.getRank() == 0)
      return bound;
    return ctx.buildTyped<tg::ReshapeOp>(type.clone(ArrayRef<int64_t>{}),
                                         {bound});
  };
  if (runtimeMin) {
    TRY(low, scalar(runtimeMin));
    TRY(raised, ctx.build<tg::MaxOp>({y, low}));
    y = raised;
  }
  if (runtimeMax) {
    TRY(high, scalar(runtimeMax));
    TRY(lowered, ctx.build<tg::MinOp>({y, high}));
    y = lowered;
  }
  return ctx.setOutput(y);
}

LogicalResult convertConcat(NodeContext &ctx) {
  SmallVector<Value> inputs;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    auto v = ctx.required(i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  if (inputs.empty())
    return ctx.error("expects at least one input");
  auto axis = ctx.normalizeAxis(ctx.getInt("axis", 0), ctx.rankOf(inputs[0]));
  if (failed(axis))
    return failure();
  return ctx.setOutput(ctx.build<tg::ConcatOp>(
      inputs, {ctx.named("axis", ctx.builder.getI64IntegerAttr(*axis))}));
}

LogicalResult convertConstant(NodeContext &ctx) {
  OpBuilder &b = ctx.builder;
  MLIRContext *context = b.getContext();
  if (const onnx::AttributeProto *attr = ctx.attribute("value")) {
    std::string message;
    auto value = tensorToAttr(context, attr->t(), message, ctx.modelDirectory);
    if (failed(value))
      return ctx.error(message);
    return ctx.setOutputs({ctx.constant(*value)});
  }
  if (const onnx::AttributeProto *attr = ctx.attribute("value_float"))
    return ctx.setOutputs({ctx.constant(DenseElementsAttr::get(
        RankedTensorType::get({}, b.getF32Type()), attr->f()))});
  if (const onnx::AttributeProto *attr = ctx.attribute("value_floats")) {
    SmallVector<float> values(attr->floats().begin(), attr->floats().end());
    return ctx.setOutputs({ctx.constant(DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(values.size())},
                              b.getF32Type()),
        ArrayRef<float>(values)))});
  }
  if (const onnx::AttributeProto *attr = ctx.attribute("value_int"))
    return ctx.setOutputs({ctx.constant(DenseElementsAttr::get(
        RankedTensorType::get({}, b.getI64Type()), attr->i()))});
  if (const onnx::AttributeProto *attr = ctx.attribute("value_ints")) {
    SmallVector<int64_t> values(attr->ints().begin(), attr->ints().end());
    return ctx.setOutputs({ctx.constantI64(values)});
  }
  return ctx.error("only tensor, float(s) and int(s) constants are supported");
}

LogicalResult convertConstantOfShape(NodeContext &ctx) {
  auto shape = ctx.requireConstantInts(0, "shape");
  if (failed(shape))
    return failure();
  DenseElementsAttr value = DenseElementsAttr::get(
      RankedTensorType::get({1}, ctx.builder.getF32Type()), 0.0f);
  if (const onnx::AttributeProto *attr = ctx.attribute("value")) {
    std::string message;
    auto given = tensorToAttr(ctx.builder.getContext(), attr->t(), message,
                              ctx.modelDirectory);
    if (failed(given))
      return ctx.error(message);
    if (given->getNumElements() != 1)
      return ctx.error("value must hold one element");
    value = *given;
  }
  auto type = RankedTensorType::get(*shape, value.getElementType());
  return ctx.setOutputs({ctx.constant(
      DenseElementsAttr::get(type, value.getValues<Attribute>()[0]))});
}

LogicalResult convertDropout(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  if (ctx.input(2)) {
    auto mode = ctx.requireConstantScalar(2, "training_mode");
    if (failed(mode))
      return failure();
    if (*mode != 0)
      return ctx.error("training_mode is true; only inference is supported");
  }
  if (!ctx.outputUsed(1))
    return ctx.setOutputs({*x});
  // In inference every element is kept: the mask is all true.
  auto maskType = ctx.typeOf(*x).clone(ctx.builder.getI1Type());
  return ctx.setOutputs(
      {*x, ctx.constant(DenseElementsAttr::get(maskType, true))});
}

LogicalResult convertExpand(NodeContext &ctx) {
  auto x = ctx.required(0);
  auto shape = ctx.requireConstantInts(1, "shape");
  if (failed(x) || failed(shape))
    return failure();
  RankedTensorType type = ctx.typeOf(*x);
  ShapeOr result =
      broadcastShapes(Shape(type.getShape().begin(), type.getShape().end()),
                      Shape(shape->begin(), shape->end()));
  if (!result)
    return ctx.error(result.message());
  return ctx.setOutput(ctx.buildTyped<tg::ExpandOp>(
      RankedTensorType::get(result.shape(), type.getElementType()), {*x}));
}

LogicalResult convertFlatten(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  int64_t rank = ctx.rankOf(*x);
  int64_t axis = ctx.getInt("axis", 1);
  if (axis < -rank || axis > rank)
    return ctx.error("axis " + Twine(axis) + " is out of range [" +
                     Twine(-rank) + ", " + Twine(rank) + "]");
  if (axis < 0)
    axis += rank;
  return ctx.setOutput(ctx.build<tg::FlattenOp>(
      {*x}, {ctx.named("axis", ctx.builder.getI64IntegerAttr(axis))}));
}

/// CenterCropPad: each listed axis cropped to a centred window of the target
/// size, or zero-padded on both sides (the extra element after) to reach it.
LogicalResult convertCenterCropPad(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  auto shape = ctx.requireConstantInts(1, "shape");
  if (failed(shape))
    return failure();
  RankedTensorType type = ctx.typeOf(*x);
  int64_t rank = type.getRank();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (auto given = ctx.getInts("axes")) {
    auto normalized = ctx.normalizeAxes(*given, rank, /*sort=*/false);
    if (failed(normalized))
      return failure();
    axes = *normalized;
  }
  if (shape->size() != axes.size())
    return ctx.error("shape has " + Twine(shape->size()) + " entries for " +
                     Twine(axes.size()) + " axes");
  SmallVector<int64_t> offsets(rank, 0), sizes(type.getShape()), steps(rank, 1),
      pads(2 * rank, 0);
  bool crop = false, pad = false;
  for (auto [axis, target] : llvm::zip(axes, *shape)) {
    int64_t dim = type.getDimSize(axis);
    if (ShapedType::isDynamic(dim))
      return ctx.error("axis " + Twine(axis) + " must have a static size");
    if (target < 0)
      return ctx.error("negative target size " + Twine(target));
    if (target < dim) {
      offsets[axis] = (dim - target) / 2;
      sizes[axis] = target;
      crop = true;
    } else if (target > dim) {
      pads[axis] = (target - dim) / 2;
      pads[axis + rank] = target - dim - pads[axis];
      pad = true;
    }
  }
  Value y = *x;
  if (crop) {
    auto sliced =
        ctx.build<tg::SliceOp>({y}, {ctx.named("offsets", ctx.i64s(offsets)),
                                     ctx.named("sizes", ctx.i64s(sizes)),
                                     ctx.named("steps", ctx.i64s(steps))});
    if (failed(sliced))
      return failure();
    y = *sliced;
  }
  if (!pad)
    return ctx.setOutputs({y});
  return ctx.setOutput(ctx.build<tg::PadOp>(
      {y}, {ctx.named("mode", tg::PadModeAttr::get(ctx.builder.getContext(),
                                                   tg::PadMode::constant)),
            ctx.named("pads", ctx.i64s(pads))}));
}

} // namespace

FailureOr<Value> tessera::onnx_import::buildConv(NodeContext &ctx, Value x,
                                                 Value w, Value bias) {
  RankedTensorType xType = ctx.typeOf(x), wType = ctx.typeOf(w);
  if (xType.getRank() < 3 || wType.getRank() != xType.getRank())
    return ctx.error("expects input and weight of one rank >= 3");
  Window window = windowOf(ctx, wType.getShape().drop_front(2));
  auto pads = windowPads(ctx, xType.getShape().drop_front(2), effective(window),
                         window.strides);
  if (failed(pads))
    return failure();
  SmallVector<Value> operands{x, w};
  if (bias)
    operands.push_back(bias);
  return ctx.build<tg::ConvOp>(
      operands, {ctx.named("strides", ctx.i64s(window.strides)),
                 ctx.named("pads", ctx.i64s(*pads)),
                 ctx.named("dilations", ctx.i64s(window.dilations)),
                 ctx.named("group", ctx.builder.getI64IntegerAttr(
                                        ctx.getInt("group", 1)))});
}

LogicalResult tessera::onnx_import::convertPoolOp(NodeContext &ctx,
                                                  bool average) {
  return average ? convertPool<tg::AvgPoolOp>(ctx, true)
                 : convertPool<tg::MaxPoolOp>(ctx, false);
}

void tessera::onnx_import::registerOpsAToF(ConverterRegistry &r) {
  r.add("Abs", 1, unary<tg::AbsOp>);
  r.add("Acos", 7, unary<tg::AcosOp>);
  r.add("Acosh", 9, unary<tg::AcoshOp>);
  r.add("Asin", 7, unary<tg::AsinOp>);
  r.add("Asinh", 9, unary<tg::AsinhOp>);
  r.add("Atan", 7, unary<tg::AtanOp>);
  r.add("Atanh", 9, unary<tg::AtanhOp>);
  r.add("BitwiseAnd", 18, binary<tg::BitwiseAndOp>);
  r.add("BitwiseNot", 18, unary<tg::BitwiseNotOp>);
  r.add("BitwiseOr", 18, binary<tg::BitwiseOrOp>);
  r.add("BitwiseXor", 18, binary<tg::BitwiseXorOp>);
  r.add("Cos", 7, unary<tg::CosOp>);
  r.add("Cosh", 9, unary<tg::CoshOp>);
  r.add("Add", 1, legacyBinary<tg::AddOp>);
  r.add("Add", 7, binary<tg::AddOp>);
  r.add("AveragePool", 1,
        [](NodeContext &ctx) { return convertPoolOp(ctx, true); });
  r.add("BatchNormalization", 1, convertBatchNorm);
  r.add("BlackmanWindow", 17, [](NodeContext &ctx) {
    return convertWindow(ctx, WindowKind::Blackman);
  });
  r.add("Cast", 6, convertCast);
  r.add("CenterCropPad", 18, convertCenterCropPad);
  r.add("Ceil", 1, unary<tg::CeilOp>);
  r.add("Clip", 1, convertClip);
  r.add("Col2Im", 18, convertCol2Im);
  r.add("Compress", 9, convertCompress);
  r.add("Concat", 4, convertConcat);
  r.add("Constant", 1, convertConstant);
  r.add("ConstantOfShape", 9, convertConstantOfShape);
  r.add("Conv", 1, convertConv);
  r.add("ConvTranspose", 1, convertConvTranspose);
  r.add("Div", 1, legacyBinary<tg::DivOp>);
  r.add("Div", 7, binary<tg::DivOp>);
  r.add("Dropout", 1, convertDropout);
  r.add("Equal", 7, [](NodeContext &ctx) {
    return convertCompare(ctx, tg::ComparePredicate::eq);
  });
  r.add("Erf", 9, unary<tg::ErfOp>);
  r.add("Exp", 1, unary<tg::ExpOp>);
  r.add("Expand", 8, convertExpand);
  r.add("Flatten", 1, convertFlatten);
  r.add("Floor", 1, unary<tg::FloorOp>);
}
