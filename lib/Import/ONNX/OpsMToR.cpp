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
  auto y = ctx.build<tg::DivOp>({*sum, count});
  if (failed(y))
    return failure();
  return ctx.setOutputs({*y});
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
    if (ctx.input(2)) {
      auto given = ctx.requireConstantScalar(2, "constant_value");
      if (failed(given))
        return failure();
      value = *given;
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
                               elementType, static_cast<int64_t>(*value)));
    attrs.push_back(ctx.named("value", attr));
  }
  auto y = ctx.build<tg::PadOp>({*x}, attrs);
  if (failed(y))
    return failure();
  return ctx.setOutputs({*y});
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
  bool allowZero = ctx.getInt("allowzero", 0) != 0;
  int64_t known = 1, inferred = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allowZero) {
      if (static_cast<int64_t>(i) >= type.getRank())
        return ctx.error("shape entry " + Twine(i) +
                         " is 0 (copy) but the input has rank " +
                         Twine(type.getRank()));
      shape[i] = type.getDimSize(i);
    }
    if (shape[i] == -1) {
      if (inferred >= 0)
        return ctx.error("shape has more than one -1");
      inferred = i;
      continue;
    }
    if (shape[i] < 0)
      return ctx.error("shape entry " + Twine(shape[i]) + " is invalid");
    known *= shape[i];
  }
  if (inferred >= 0) {
    if (known == 0 || type.getNumElements() % known != 0)
      return ctx.error("cannot infer the -1 of shape for " +
                       Twine(type.getNumElements()) + " elements");
    shape[inferred] = type.getNumElements() / known;
  }
  auto y = ctx.buildTyped<tg::ReshapeOp>(
      RankedTensorType::get(shape, type.getElementType()), {*x});
  if (failed(y))
    return failure();
  return ctx.setOutputs({*y});
}

} // namespace

void tessera::onnx_import::registerOpsMToR(ConverterRegistry &r) {
  r.add("MatMul", 1, binary<tg::MatMulOp>);
  r.add("Max", 6, convertVariadic<tg::MaxOp>);
  r.add("MaxPool", 1, [](NodeContext &ctx) -> LogicalResult {
    if (ctx.outputUsed(1))
      return ctx.error("the Indices output is not supported");
    return convertPoolOp(ctx, /*average=*/false);
  });
  r.add("Mean", 6, convertMean);
  r.add("Min", 6, convertVariadic<tg::MinOp>);
  r.add("Mul", 7, binary<tg::MulOp>);
  r.add("Neg", 6, unary<tg::NegOp>);
  r.add("Pad", 1, convertPad);
  r.add("Pow", 7, binary<tg::PowOp>);
  r.add("Reciprocal", 6, unary<tg::ReciprocalOp>);
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
  r.add("Relu", 6, unary<tg::ReluOp>);
  r.add("Reshape", 1, convertReshape);
}
