//===- GraphOps.cpp - tessera::Graph, one method per tg op ----------------===//
//
// Each method gives ONNX-style defaults and axis conventions (negative axes,
// empty means all), then builds the canonical tg op through the same path
// as the ONNX importer, so invalid arguments fail at the call with the op's
// own message.
//
//===----------------------------------------------------------------------===//

#include "lib/Builder/GraphImpl.h"

namespace tessera {

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

#define TESSERA_BINARY(Method, Op)                                             \
  Tensor Graph::Method(Tensor a, Tensor b) {                                   \
    return impl->build<tg::Op>(#Method, {a, b});                               \
  }
TESSERA_BINARY(add, AddOp)
TESSERA_BINARY(sub, SubOp)
TESSERA_BINARY(mul, MulOp)
TESSERA_BINARY(div, DivOp)
TESSERA_BINARY(pow, PowOp)
TESSERA_BINARY(max, MaxOp)
TESSERA_BINARY(min, MinOp)
TESSERA_BINARY(matmul, MatMulOp)
#undef TESSERA_BINARY

#define TESSERA_UNARY(Method, Op)                                              \
  Tensor Graph::Method(Tensor x) { return impl->build<tg::Op>(#Method, {x}); }
TESSERA_UNARY(relu, ReluOp)
TESSERA_UNARY(sigmoid, SigmoidOp)
TESSERA_UNARY(tanh, TanhOp)
TESSERA_UNARY(exp, ExpOp)
TESSERA_UNARY(log, LogOp)
TESSERA_UNARY(sqrt, SqrtOp)
TESSERA_UNARY(abs, AbsOp)
TESSERA_UNARY(neg, NegOp)
TESSERA_UNARY(erf, ErfOp)
TESSERA_UNARY(floor, FloorOp)
TESSERA_UNARY(ceil, CeilOp)
TESSERA_UNARY(reciprocal, ReciprocalOp)
TESSERA_UNARY(hardSwish, HardSwishOp)
TESSERA_UNARY(globalMaxPool, GlobalMaxPoolOp)
TESSERA_UNARY(globalAvgPool, GlobalAvgPoolOp)
#undef TESSERA_UNARY

namespace {
Tensor compare(Graph::Impl &impl, const char *op, tg::ComparePredicate p,
               Tensor a, Tensor b) {
  return impl.build<tg::CompareOp>(
      op, {a, b},
      {impl.named("predicate",
                  tg::ComparePredicateAttr::get(impl.context.get(), p))});
}
} // namespace

Tensor Graph::equal(Tensor a, Tensor b) {
  return compare(*impl, "equal", tg::ComparePredicate::eq, a, b);
}
Tensor Graph::less(Tensor a, Tensor b) {
  return compare(*impl, "less", tg::ComparePredicate::lt, a, b);
}
Tensor Graph::lessOrEqual(Tensor a, Tensor b) {
  return compare(*impl, "less_or_equal", tg::ComparePredicate::le, a, b);
}
Tensor Graph::greater(Tensor a, Tensor b) {
  return compare(*impl, "greater", tg::ComparePredicate::gt, a, b);
}
Tensor Graph::greaterOrEqual(Tensor a, Tensor b) {
  return compare(*impl, "greater_or_equal", tg::ComparePredicate::ge, a, b);
}

Tensor Graph::where(Tensor condition, Tensor x, Tensor y) {
  return impl->build<tg::WhereOp>("where", {condition, x, y});
}

Tensor Graph::hardSigmoid(Tensor x, double alpha, double beta) {
  return impl->build<tg::HardSigmoidOp>(
      "hard_sigmoid", {x},
      {impl->named("alpha", impl->builder.getF32FloatAttr(alpha)),
       impl->named("beta", impl->builder.getF32FloatAttr(beta))});
}

Tensor Graph::leakyRelu(Tensor x, double alpha) {
  return impl->build<tg::LeakyReluOp>(
      "leaky_relu", {x},
      {impl->named("alpha", impl->builder.getF32FloatAttr(alpha))});
}

Tensor Graph::gelu(Tensor x, bool tanhApproximation) {
  SmallVector<NamedAttribute> attrs;
  if (tanhApproximation)
    attrs.push_back(
        impl->named("approximate_tanh", impl->builder.getUnitAttr()));
  return impl->build<tg::GeluOp>("gelu", {x}, attrs);
}

Tensor Graph::clip(Tensor x, std::optional<double> min,
                   std::optional<double> max) {
  Value v = impl->get(x, "clip");
  if (!v)
    return Tensor();
  Type elementType = impl->typeOf(v).getElementType();
  auto bound = [&](double value) -> Attribute {
    if (isa<FloatType>(elementType))
      return impl->builder.getFloatAttr(elementType, value);
    return impl->builder.getIntegerAttr(elementType,
                                        static_cast<int64_t>(value));
  };
  SmallVector<NamedAttribute> attrs;
  if (min)
    attrs.push_back(impl->named("min", bound(*min)));
  if (max)
    attrs.push_back(impl->named("max", bound(*max)));
  return impl->build<tg::ClipOp>("clip", {x}, attrs);
}

Tensor Graph::cast(Tensor x, DType to) {
  Value v = impl->get(x, "cast");
  if (!v)
    return Tensor();
  return impl->buildTyped<tg::CastOp>(
      "cast", impl->typeOf(v).clone(mlirType(impl->context.get(), to)), v);
}

//===----------------------------------------------------------------------===//
// Windows and normalisation
//===----------------------------------------------------------------------===//

namespace {
std::vector<int64_t> orDefault(const std::vector<int64_t> &given, size_t count,
                               int64_t value) {
  return given.empty() ? std::vector<int64_t>(count, value) : given;
}
} // namespace

Tensor Graph::conv(Tensor x, Tensor weight, Tensor bias, const ConvOptions &o) {
  Value v = impl->get(x, "conv");
  if (!v)
    return Tensor();
  size_t k = std::max<int64_t>(impl->typeOf(v).getRank() - 2, 0);
  SmallVector<NamedAttribute> attrs{
      impl->named("strides", impl->i64s(orDefault(o.strides, k, 1))),
      impl->named("pads", impl->i64s(orDefault(o.pads, 2 * k, 0))),
      impl->named("dilations", impl->i64s(orDefault(o.dilations, k, 1))),
      impl->named("group", impl->builder.getI64IntegerAttr(o.group))};
  if (bias.valid())
    return impl->build<tg::ConvOp>("conv", {x, weight, bias}, attrs);
  return impl->build<tg::ConvOp>("conv", {x, weight}, attrs);
}

Tensor Graph::convTranspose(Tensor x, Tensor weight, Tensor bias,
                            const ConvOptions &o) {
  Value v = impl->get(x, "conv_transpose");
  if (!v)
    return Tensor();
  size_t k = std::max<int64_t>(impl->typeOf(v).getRank() - 2, 0);
  SmallVector<NamedAttribute> attrs{
      impl->named("strides", impl->i64s(orDefault(o.strides, k, 1))),
      impl->named("pads", impl->i64s(orDefault(o.pads, 2 * k, 0))),
      impl->named("output_padding",
                  impl->i64s(orDefault(o.outputPadding, k, 0))),
      impl->named("dilations", impl->i64s(orDefault(o.dilations, k, 1))),
      impl->named("group", impl->builder.getI64IntegerAttr(o.group))};
  if (bias.valid())
    return impl->build<tg::ConvTransposeOp>("conv_transpose", {x, weight, bias},
                                            attrs);
  return impl->build<tg::ConvTransposeOp>("conv_transpose", {x, weight}, attrs);
}

namespace {
SmallVector<NamedAttribute> poolAttributes(Graph::Impl &impl,
                                           const PoolOptions &o) {
  size_t k = o.kernel.size();
  SmallVector<NamedAttribute> attrs{
      impl.named("kernel_shape", impl.i64s(o.kernel)),
      impl.named("strides", impl.i64s(orDefault(o.strides, k, 1))),
      impl.named("pads", impl.i64s(orDefault(o.pads, 2 * k, 0))),
      impl.named("dilations", impl.i64s(orDefault(o.dilations, k, 1)))};
  if (o.ceilMode)
    attrs.push_back(impl.named("ceil_mode", impl.builder.getUnitAttr()));
  return attrs;
}
} // namespace

Tensor Graph::maxPool(Tensor x, const PoolOptions &options) {
  return impl->build<tg::MaxPoolOp>("max_pool", {x},
                                    poolAttributes(*impl, options));
}

Tensor Graph::avgPool(Tensor x, const PoolOptions &options) {
  SmallVector<NamedAttribute> attrs = poolAttributes(*impl, options);
  if (options.countIncludePad)
    attrs.push_back(
        impl->named("count_include_pad", impl->builder.getUnitAttr()));
  return impl->build<tg::AvgPoolOp>("avg_pool", {x}, attrs);
}

Tensor Graph::batchNorm(Tensor x, Tensor scale, Tensor bias, Tensor mean,
                        Tensor var, double epsilon) {
  return impl->build<tg::BatchNormOp>(
      "batch_norm", {x, scale, bias, mean, var},
      {impl->named("epsilon", impl->builder.getF32FloatAttr(epsilon))});
}

Tensor Graph::layerNorm(Tensor x, Tensor scale, Tensor bias, int64_t axis,
                        double epsilon) {
  Value v = impl->get(x, "layer_norm");
  if (!v)
    return Tensor();
  auto axes = impl->axes("layer_norm", {axis}, impl->typeOf(v).getRank());
  if (!axes)
    return Tensor();
  SmallVector<NamedAttribute> attrs{
      impl->named("axis", impl->builder.getI64IntegerAttr(axes->front())),
      impl->named("epsilon", impl->builder.getF32FloatAttr(epsilon))};
  if (bias.valid())
    return impl->build<tg::LayerNormOp>("layer_norm", {x, scale, bias}, attrs);
  return impl->build<tg::LayerNormOp>("layer_norm", {x, scale}, attrs);
}

namespace {
template <typename OpTy>
Tensor softmaxLike(Graph::Impl &impl, const char *op, Tensor x, int64_t axis) {
  Value v = impl.get(x, op);
  if (!v)
    return Tensor();
  auto axes = impl.axes(op, {axis}, impl.typeOf(v).getRank());
  if (!axes)
    return Tensor();
  return impl.build<OpTy>(
      op, {x},
      {impl.named("axis", impl.builder.getI64IntegerAttr(axes->front()))});
}

template <typename OpTy>
Tensor reduction(Graph::Impl &impl, const char *op, Tensor x,
                 std::vector<int64_t> axes, bool keepDims) {
  Value v = impl.get(x, op);
  if (!v)
    return Tensor();
  int64_t rank = impl.typeOf(v).getRank();
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  auto normalized = impl.axes(op, axes, rank);
  if (!normalized)
    return Tensor();
  SmallVector<NamedAttribute> attrs{impl.named("axes", impl.i64s(*normalized))};
  if (keepDims)
    attrs.push_back(impl.named("keepdims", impl.builder.getUnitAttr()));
  return impl.build<OpTy>(op, {x}, attrs);
}
} // namespace

Tensor Graph::softmax(Tensor x, int64_t axis) {
  return softmaxLike<tg::SoftmaxOp>(*impl, "softmax", x, axis);
}
Tensor Graph::logSoftmax(Tensor x, int64_t axis) {
  return softmaxLike<tg::LogSoftmaxOp>(*impl, "log_softmax", x, axis);
}
Tensor Graph::reduceSum(Tensor x, std::vector<int64_t> axes, bool keepDims) {
  return reduction<tg::ReduceSumOp>(*impl, "reduce_sum", x, axes, keepDims);
}
Tensor Graph::reduceMean(Tensor x, std::vector<int64_t> axes, bool keepDims) {
  return reduction<tg::ReduceMeanOp>(*impl, "reduce_mean", x, axes, keepDims);
}
Tensor Graph::reduceMax(Tensor x, std::vector<int64_t> axes, bool keepDims) {
  return reduction<tg::ReduceMaxOp>(*impl, "reduce_max", x, axes, keepDims);
}
Tensor Graph::reduceMin(Tensor x, std::vector<int64_t> axes, bool keepDims) {
  return reduction<tg::ReduceMinOp>(*impl, "reduce_min", x, axes, keepDims);
}
Tensor Graph::reduceProd(Tensor x, std::vector<int64_t> axes, bool keepDims) {
  return reduction<tg::ReduceProdOp>(*impl, "reduce_prod", x, axes, keepDims);
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

Tensor Graph::reshape(Tensor x, const Shape &shape) {
  Value v = impl->get(x, "reshape");
  if (!v)
    return Tensor();
  RankedTensorType type = impl->typeOf(v);
  ShapeOr target =
      reshapeTarget(Shape(type.getShape().begin(), type.getShape().end()),
                    shape, /*allowZero=*/false);
  if (!target) {
    impl->fail("reshape: " + target.message());
    return Tensor();
  }
  return impl->buildTyped<tg::ReshapeOp>("reshape", type.clone(target.shape()),
                                         v);
}

Tensor Graph::transpose(Tensor x, std::vector<int64_t> perm) {
  Value v = impl->get(x, "transpose");
  if (!v)
    return Tensor();
  int64_t rank = impl->typeOf(v).getRank();
  if (perm.empty())
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  auto normalized = impl->axes("transpose", perm, rank, /*keepOrder=*/true);
  if (!normalized)
    return Tensor();
  return impl->build<tg::TransposeOp>(
      "transpose", {x}, {impl->named("perm", impl->i64s(*normalized))});
}

Tensor Graph::concat(const std::vector<Tensor> &inputs, int64_t axis) {
  SmallVector<Value> operands;
  for (Tensor t : inputs) {
    Value v = impl->get(t, "concat");
    if (!v)
      return Tensor();
    operands.push_back(v);
  }
  if (operands.empty()) {
    impl->fail("concat: needs at least one input");
    return Tensor();
  }
  auto axes = impl->axes("concat", {axis}, impl->typeOf(operands[0]).getRank());
  if (!axes)
    return Tensor();
  impl->diagnostic.clear();
  auto results = tg::buildGraphOp<tg::ConcatOp>(
      impl->builder, impl->loc("concat"), operands,
      {impl->named("axis", impl->builder.getI64IntegerAttr(axes->front()))});
  return impl->result(failed(results) ? FailureOr<Value>(failure())
                                      : FailureOr<Value>(results->front()),
                      "concat");
}

Tensor Graph::slice(Tensor x, const std::vector<int64_t> &starts,
                    const std::vector<int64_t> &ends,
                    const std::vector<int64_t> &axes,
                    const std::vector<int64_t> &steps) {
  Value v = impl->get(x, "slice");
  if (!v)
    return Tensor();
  ArrayRef<int64_t> shape = impl->typeOf(v).getShape();
  SliceParams p =
      onnxSlice(Shape(shape.begin(), shape.end()), starts, ends, axes, steps);
  if (!p.error.empty()) {
    impl->fail("slice: " + p.error);
    return Tensor();
  }
  return impl->build<tg::SliceOp>(
      "slice", {x},
      {impl->named("offsets", impl->i64s(p.offsets)),
       impl->named("sizes", impl->i64s(p.sizes)),
       impl->named("steps", impl->i64s(p.steps))});
}

Tensor Graph::gather(Tensor data, Tensor indices, int64_t axis) {
  Value v = impl->get(data, "gather");
  if (!v)
    return Tensor();
  auto axes = impl->axes("gather", {axis}, impl->typeOf(v).getRank());
  if (!axes)
    return Tensor();
  return impl->build<tg::GatherOp>(
      "gather", {data, indices},
      {impl->named("axis", impl->builder.getI64IntegerAttr(axes->front()))});
}

Tensor Graph::pad(Tensor x, const std::vector<int64_t> &pads,
                  const std::string &mode, double value) {
  Value v = impl->get(x, "pad");
  if (!v)
    return Tensor();
  auto padMode = tg::symbolizePadMode(mode);
  if (!padMode) {
    impl->fail("pad: unknown mode '" + mode +
               "' (constant, reflect, edge, wrap)");
    return Tensor();
  }
  SmallVector<NamedAttribute> attrs{
      impl->named("mode", tg::PadModeAttr::get(impl->context.get(), *padMode)),
      impl->named("pads", impl->i64s(pads))};
  Type elementType = impl->typeOf(v).getElementType();
  if (*padMode == tg::PadMode::constant && value != 0.0)
    attrs.push_back(impl->named(
        "value", isa<FloatType>(elementType)
                     ? Attribute(impl->builder.getFloatAttr(elementType, value))
                     : Attribute(impl->builder.getIntegerAttr(
                           elementType, static_cast<int64_t>(value)))));
  return impl->build<tg::PadOp>("pad", {x}, attrs);
}

Tensor Graph::resize(Tensor x, const ResizeOptions &o) {
  Value v = impl->get(x, "resize");
  if (!v)
    return Tensor();
  RankedTensorType type = impl->typeOf(v);
  int64_t rank = type.getRank();
  SmallVector<float> scales;
  SmallVector<int64_t> shape;
  if (o.scales.empty() == o.sizes.empty()) {
    impl->fail("resize: give exactly one of scales and sizes");
    return Tensor();
  }
  size_t count = o.scales.empty() ? o.sizes.size() : o.scales.size();
  if (static_cast<int64_t>(count) != rank) {
    impl->fail("resize: expected " + std::to_string(rank) +
               " scales or sizes, got " + std::to_string(count));
    return Tensor();
  }
  for (int64_t d = 0; d < rank; ++d) {
    float scale =
        o.scales.empty()
            ? static_cast<float>(double(o.sizes[d]) / type.getDimSize(d))
            : static_cast<float>(o.scales[d]);
    scales.push_back(scale);
    shape.push_back(o.scales.empty()
                        ? o.sizes[d]
                        : static_cast<int64_t>(
                              std::floor(type.getDimSize(d) * double(scale))));
  }
  auto mode = tg::symbolizeResizeMode(o.mode);
  auto coordinate = tg::symbolizeCoordinateMode(o.coordinateMode);
  auto nearest = tg::symbolizeNearestMode(o.nearestMode);
  if (!mode || !coordinate || !nearest) {
    impl->fail("resize: unknown mode, coordinate mode or nearest mode");
    return Tensor();
  }
  MLIRContext *context = impl->context.get();
  SmallVector<NamedAttribute> attrs{
      impl->named("mode", tg::ResizeModeAttr::get(context, *mode)),
      impl->named("coordinate_mode",
                  tg::CoordinateModeAttr::get(context, *coordinate)),
      impl->named("nearest_mode", tg::NearestModeAttr::get(context, *nearest)),
      impl->named("scales", impl->builder.getDenseF32ArrayAttr(scales))};
  if (*mode == tg::ResizeMode::cubic)
    attrs.push_back(impl->named("cubic_coeff_a",
                                impl->builder.getF32FloatAttr(o.cubicCoeffA)));
  if (o.excludeOutside)
    attrs.push_back(
        impl->named("exclude_outside", impl->builder.getUnitAttr()));
  return impl->buildTyped<tg::ResizeOp>("resize", type.clone(shape), v, attrs);
}

Tensor Graph::expand(Tensor x, const Shape &shape) {
  Value v = impl->get(x, "expand");
  if (!v)
    return Tensor();
  RankedTensorType type = impl->typeOf(v);
  ShapeOr result = broadcastShapes(
      Shape(type.getShape().begin(), type.getShape().end()), shape);
  if (!result) {
    impl->fail("expand: " + result.message());
    return Tensor();
  }
  return impl->buildTyped<tg::ExpandOp>("expand", type.clone(result.shape()),
                                        v);
}

Tensor Graph::squeeze(Tensor x, std::vector<int64_t> axes) {
  Value v = impl->get(x, "squeeze");
  if (!v)
    return Tensor();
  RankedTensorType type = impl->typeOf(v);
  if (axes.empty())
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.getDimSize(d) == 1)
        axes.push_back(d);
  auto normalized = impl->axes("squeeze", axes, type.getRank());
  if (!normalized)
    return Tensor();
  return impl->build<tg::SqueezeOp>(
      "squeeze", {x}, {impl->named("axes", impl->i64s(*normalized))});
}

Tensor Graph::unsqueeze(Tensor x, std::vector<int64_t> axes) {
  Value v = impl->get(x, "unsqueeze");
  if (!v)
    return Tensor();
  auto normalized =
      impl->axes("unsqueeze", axes, impl->typeOf(v).getRank() + axes.size());
  if (!normalized)
    return Tensor();
  return impl->build<tg::UnsqueezeOp>(
      "unsqueeze", {x}, {impl->named("axes", impl->i64s(*normalized))});
}

Tensor Graph::flatten(Tensor x, int64_t axis) {
  Value v = impl->get(x, "flatten");
  if (!v)
    return Tensor();
  int64_t rank = impl->typeOf(v).getRank();
  if (axis < -rank || axis > rank) {
    impl->fail("flatten: axis " + std::to_string(axis) + " is out of range [" +
               std::to_string(-rank) + ", " + std::to_string(rank) + "]");
    return Tensor();
  }
  if (axis < 0)
    axis += rank;
  return impl->build<tg::FlattenOp>(
      "flatten", {x},
      {impl->named("axis", impl->builder.getI64IntegerAttr(axis))});
}

std::vector<Tensor> Graph::split(Tensor x, int64_t axis,
                                 const std::vector<int64_t> &sizes) {
  Value v = impl->get(x, "split");
  if (!v)
    return {};
  auto axes = impl->axes("split", {axis}, impl->typeOf(v).getRank());
  if (!axes)
    return {};
  impl->diagnostic.clear();
  auto results = tg::buildGraphOp<tg::SplitOp>(
      impl->builder, impl->loc("split"), ValueRange{v},
      {impl->named("axis", impl->builder.getI64IntegerAttr(axes->front())),
       impl->named("sizes", impl->i64s(sizes))});
  if (failed(results)) {
    impl->result(failure(), "split");
    return {};
  }
  std::vector<Tensor> parts;
  for (Value part : *results)
    parts.push_back(impl->wrap(part));
  return parts;
}

} // namespace tessera
