//===- OpsGToL.cpp - ONNX ops Gather … LogSoftmax -------------------------===//

#include "lib/Import/ONNX/ConverterUtils.h"

#include <cmath>

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

LogicalResult tessera::onnx_import::checkConstantIndices(
    NodeContext &ctx, Value indices, function_ref<int64_t(size_t)> sizeOf) {
  std::optional<SmallVector<int64_t>> values = ctx.constantInts(indices);
  if (!values)
    return success();
  for (auto [position, index] : llvm::enumerate(*values)) {
    int64_t size = sizeOf(position);
    if (size < 0)
      continue;
    if (index < -size || index >= size)
      return ctx.error("constant index " + Twine(index) + " (element " +
                       Twine(position) + " of the indices) is out of range " +
                       "for a dimension of size " + Twine(size));
  }
  return success();
}

namespace {

/// Gather and GatherElements: data, indices and a normalized axis.
template <typename OpTy> LogicalResult convertAxisGather(NodeContext &ctx) {
  auto data = ctx.required(0), indices = ctx.required(1);
  if (failed(data) || failed(indices))
    return failure();
  auto axis = ctx.normalizeAxis(ctx.getInt("axis", 0), ctx.rankOf(*data));
  if (failed(axis))
    return failure();
  int64_t size = ctx.typeOf(*data).getDimSize(*axis);
  if (failed(checkConstantIndices(ctx, *indices, [&](size_t) {
        return ShapedType::isDynamic(size) ? -1 : size;
      })))
    return failure();
  return ctx.setOutput(ctx.build<OpTy>(
      {*data, *indices},
      {ctx.named("axis", ctx.builder.getI64IntegerAttr(*axis))}));
}

LogicalResult convertGatherND(NodeContext &ctx) {
  auto data = ctx.required(0), indices = ctx.required(1);
  if (failed(data) || failed(indices))
    return failure();
  // The last dim of the indices addresses data dims batch_dims, ...
  RankedTensorType indexType = ctx.typeOf(*indices);
  int64_t depth = indexType.getRank() ? indexType.getShape().back() : 0;
  int64_t batchDims = ctx.getInt("batch_dims", 0);
  RankedTensorType dataType = ctx.typeOf(*data);
  if (!ShapedType::isDynamic(depth) && depth > 0 &&
      failed(checkConstantIndices(ctx, *indices, [&](size_t position) {
        int64_t dim = batchDims + static_cast<int64_t>(position) % depth;
        return dim < dataType.getRank() && !dataType.isDynamicDim(dim)
                   ? dataType.getDimSize(dim)
                   : -1;
      })))
    return failure();
  return ctx.setOutput(ctx.build<tg::GatherNDOp>(
      {*data, *indices},
      {ctx.named("batch_dims",
                 ctx.builder.getI64IntegerAttr(ctx.getInt("batch_dims", 0)))}));
}

LogicalResult convertGelu(NodeContext &ctx) {
  std::string approximate = ctx.getString("approximate", "none");
  SmallVector<NamedAttribute> attrs;
  if (approximate == "tanh")
    attrs.push_back(ctx.named("approximate_tanh", ctx.builder.getUnitAttr()));
  else if (approximate != "none")
    return ctx.error("unknown approximate '" + approximate + "'");
  return convertUnary<tg::GeluOp>(ctx, attrs);
}

/// Y = alpha * A' * B' + beta * C.
LogicalResult convertGemm(NodeContext &ctx) {
  auto a = ctx.required(0), b = ctx.required(1);
  if (failed(a) || failed(b))
    return failure();
  if (ctx.rankOf(*a) != 2 || ctx.rankOf(*b) != 2)
    return ctx.error("A and B must be matrices");
  auto transpose = [&](Value v) {
    return ctx.build<tg::TransposeOp>({v},
                                      {ctx.named("perm", ctx.i64s({1, 0}))});
  };
  Value lhs = *a, rhs = *b;
  if (ctx.getInt("transA", 0)) {
    auto t = transpose(lhs);
    if (failed(t))
      return failure();
    lhs = *t;
  }
  if (ctx.getInt("transB", 0)) {
    auto t = transpose(rhs);
    if (failed(t))
      return failure();
    rhs = *t;
  }
  auto product = ctx.build<tg::MatMulOp>({lhs, rhs});
  if (failed(product))
    return failure();
  Value y = *product;
  Type elementType = ctx.typeOf(y).getElementType();
  auto scale = [&](Value v, float factor) -> FailureOr<Value> {
    if (factor == 1.0f)
      return v;
    Value s = ctx.constant(
        DenseElementsAttr::get(RankedTensorType::get({}, elementType),
                               ctx.builder.getFloatAttr(elementType, factor)));
    return ctx.build<tg::MulOp>({v, s});
  };
  auto scaled = scale(y, ctx.getFloat("alpha", 1.0f));
  if (failed(scaled))
    return failure();
  y = *scaled;
  if (Value c = ctx.input(2)) {
    auto bias = scale(c, ctx.getFloat("beta", 1.0f));
    if (failed(bias))
      return failure();
    auto sum = ctx.build<tg::AddOp>({y, *bias});
    if (failed(sum))
      return failure();
    y = *sum;
  }
  return ctx.setOutputs({y});
}

LogicalResult convertHardSigmoid(NodeContext &ctx) {
  OpBuilder &b = ctx.builder;
  return convertUnary<tg::HardSigmoidOp>(
      ctx, {ctx.named("alpha", b.getF32FloatAttr(ctx.getFloat("alpha", 0.2f))),
            ctx.named("beta", b.getF32FloatAttr(ctx.getFloat("beta", 0.5f)))});
}

LogicalResult convertIdentity(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  return ctx.setOutputs({*x});
}

/// LayerNormalization with its optional Mean and InvStdDev outputs spelled
/// out in tg primitives (same arithmetic as tg.layer_norm's lowering).
LogicalResult convertLayerNormWithStatistics(NodeContext &ctx, Value x,
                                             Value scale, int64_t axis) {
  int64_t rank = ctx.rankOf(x);
  Type elementType = ctx.typeOf(x).getElementType();
  OpBuilder &b = ctx.builder;
  SmallVector<NamedAttribute> reduceAttrs{
      ctx.named("axes",
                ctx.i64s(llvm::to_vector(llvm::seq<int64_t>(axis, rank)))),
      ctx.named("keepdims", b.getUnitAttr())};
  auto mean = ctx.build<tg::ReduceMeanOp>({x}, reduceAttrs);
  if (failed(mean))
    return failure();
  auto centered = ctx.build<tg::SubOp>({x, *mean});
  if (failed(centered))
    return failure();
  auto squares = ctx.build<tg::MulOp>({*centered, *centered});
  if (failed(squares))
    return failure();
  auto variance = ctx.build<tg::ReduceMeanOp>({*squares}, reduceAttrs);
  if (failed(variance))
    return failure();
  Value epsilon = ctx.constant(DenseElementsAttr::get(
      RankedTensorType::get({}, elementType),
      b.getFloatAttr(elementType, ctx.getFloat("epsilon", 1e-5f))));
  auto shifted = ctx.build<tg::AddOp>({*variance, epsilon});
  if (failed(shifted))
    return failure();
  auto deviation = ctx.build<tg::SqrtOp>({*shifted});
  if (failed(deviation))
    return failure();
  auto inverse = ctx.build<tg::ReciprocalOp>({*deviation});
  if (failed(inverse))
    return failure();
  auto normalized = ctx.build<tg::MulOp>({*centered, *inverse});
  if (failed(normalized))
    return failure();
  auto y = ctx.build<tg::MulOp>({*normalized, scale});
  if (failed(y))
    return failure();
  Value result = *y;
  if (Value bias = ctx.input(2)) {
    auto biased = ctx.build<tg::AddOp>({result, bias});
    if (failed(biased))
      return failure();
    result = *biased;
  }
  return ctx.setOutputs({result, *mean, *inverse});
}

} // namespace

LogicalResult onnx_import::convertLayerNorm(NodeContext &ctx) {
  auto x = ctx.required(0), scale = ctx.required(1);
  if (failed(x) || failed(scale))
    return failure();
  auto axis = ctx.normalizeAxis(ctx.getInt("axis", -1), ctx.rankOf(*x));
  if (failed(axis))
    return failure();
  if (ctx.outputUsed(1) || ctx.outputUsed(2))
    return convertLayerNormWithStatistics(ctx, *x, *scale, *axis);
  SmallVector<Value> operands{*x, *scale};
  if (Value bias = ctx.input(2))
    operands.push_back(bias);
  OpBuilder &b = ctx.builder;
  return ctx.setOutput(ctx.build<tg::LayerNormOp>(
      operands, {ctx.named("axis", b.getI64IntegerAttr(*axis)),
                 ctx.named("epsilon", b.getF32FloatAttr(
                                          ctx.getFloat("epsilon", 1e-5f)))}));
}

namespace {

LogicalResult convertLeakyRelu(NodeContext &ctx) {
  return convertUnary<tg::LeakyReluOp>(
      ctx, {ctx.named("alpha", ctx.builder.getF32FloatAttr(
                                   ctx.getFloat("alpha", 0.01f)))});
}

} // namespace

/// HannWindow, HammingWindow, BlackmanWindow: a constant once the size is
/// known, as sum_k a_k cos(2 pi k n / N) with N = size (periodic) or size - 1.
LogicalResult tessera::onnx_import::convertWindow(NodeContext &ctx,
                                                  WindowKind kind) {
  auto size = ctx.requireConstantInt(0, "size");
  if (failed(size))
    return failure();
  int64_t n = *size;
  if (n < 1)
    return ctx.error("size must be positive, got " + Twine(n));
  Type elementType = onnx_import::elementType(ctx.builder.getContext(),
                                              ctx.getInt("output_datatype", 1));
  if (!elementType || !elementType.isIntOrFloat())
    return ctx.error("unsupported output_datatype " +
                     Twine(ctx.getInt("output_datatype", 1)));
  double period = ctx.getInt("periodic", 1) ? n : n - 1;
  // Coefficients of cos(0), cos(2 pi n / N), cos(4 pi n / N).
  double a[3] = {0.5, -0.5, 0};
  if (kind == WindowKind::Hamming)
    a[0] = 25.0 / 46, a[1] = -(1 - 25.0 / 46);
  if (kind == WindowKind::Blackman)
    a[0] = 0.42, a[1] = -0.5, a[2] = 0.08;
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < n; ++i) {
    double x = period > 0 ? 2 * M_PI * i / period : 0;
    double w = a[0] + a[1] * std::cos(x) + a[2] * std::cos(2 * x);
    values.push_back(isa<FloatType>(elementType)
                         ? Attribute(ctx.builder.getFloatAttr(elementType, w))
                         : Attribute(ctx.builder.getIntegerAttr(
                               elementType, static_cast<int64_t>(w))));
  }
  return ctx.setOutputs({ctx.constant(DenseElementsAttr::get(
      RankedTensorType::get({n}, elementType), values))});
}

void tessera::onnx_import::registerOpsGToL(ConverterRegistry &r) {
  r.add("Gather", 1, convertAxisGather<tg::GatherOp>);
  r.add("GatherElements", 11, convertAxisGather<tg::GatherElementsOp>);
  r.add("GatherND", 11, convertGatherND);
  r.add("HammingWindow", 17, [](NodeContext &ctx) {
    return convertWindow(ctx, WindowKind::Hamming);
  });
  r.add("HannWindow", 17,
        [](NodeContext &ctx) { return convertWindow(ctx, WindowKind::Hann); });
  r.add("Gelu", 20, convertGelu);
  r.add("Gemm", 1, convertGemm);
  r.add("GlobalAveragePool", 1, unary<tg::GlobalAvgPoolOp>);
  r.add("GlobalMaxPool", 1, unary<tg::GlobalMaxPoolOp>);
  r.add("Greater", 7, [](NodeContext &ctx) {
    return convertCompare(ctx, tg::ComparePredicate::gt);
  });
  r.add("GreaterOrEqual", 12, [](NodeContext &ctx) {
    return convertCompare(ctx, tg::ComparePredicate::ge);
  });
  r.add("HardSigmoid", 1, convertHardSigmoid);
  r.add("HardSwish", 14, unary<tg::HardSwishOp>);
  r.add("Identity", 1, convertIdentity);
  // ONNX Runtime accepts LayerNormalization before opset 17 (its contrib
  // schema, registered in the default domain from version 1), as exporters
  // of that time wrote it.
  r.add("LayerNormalization", 1, convertLayerNorm);
  r.add("LeakyRelu", 1, convertLeakyRelu);
  r.add("Less", 7, [](NodeContext &ctx) {
    return convertCompare(ctx, tg::ComparePredicate::lt);
  });
  r.add("LessOrEqual", 12, [](NodeContext &ctx) {
    return convertCompare(ctx, tg::ComparePredicate::le);
  });
  r.add("Log", 1, unary<tg::LogOp>);
  r.add("LogSoftmax", 1, convertSoftmax<tg::LogSoftmaxOp>);
}
