//===- OpsContrib.cpp - ONNX Runtime's contrib ops (com.microsoft) --------===//
//
// The contrib ops that ONNX Runtime's transformer optimizer and quantizer
// write into exported models, spelled in tg ops with ONNX Runtime's
// semantics (its CPU kernels are the reference the tests compare with):
// the GELU family, skip and simplified layer normalization, FusedConv,
// FusedMatMul, and the QLinear elementwise, concat and pooling ops and the
// contrib Q/DQ. Attention, MultiHeadAttention and RotaryEmbedding are in
// OpsContribAttention.cpp. The default domain's contrib schemas (LayerNorm
// before opset 17, SimplifiedLayerNormalization) are registered there too.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/ConverterUtils.h"
#include "lib/Import/ONNX/NodeContext.h"

#include <cmath>

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

static constexpr StringLiteral kMicrosoft = "com.microsoft";

FailureOr<Value> onnx_import::reshapeTo(NodeContext &ctx, Value x,
                                        ArrayRef<int64_t> shape) {
  if (ctx.typeOf(x).getShape() == shape)
    return x;
  return ctx.buildTyped<tg::ReshapeOp>(ctx.typeOf(x).clone(shape), {x});
}

FailureOr<Value> onnx_import::transposeBy(NodeContext &ctx, Value x,
                                          ArrayRef<int64_t> perm) {
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return x;
  return ctx.build<tg::TransposeOp>({x}, {ctx.named("perm", ctx.i64s(perm))});
}

FailureOr<Value> onnx_import::sliceAxis(NodeContext &ctx, Value x,
                                        int64_t axis, int64_t offset,
                                        int64_t size) {
  RankedTensorType type = ctx.typeOf(x);
  if (offset == 0 && size == type.getDimSize(axis))
    return x;
  SmallVector<int64_t> offsets(type.getRank(), 0),
      sizes(type.getShape().begin(), type.getShape().end()),
      steps(type.getRank(), 1);
  offsets[axis] = offset;
  sizes[axis] = size;
  return ctx.build<tg::SliceOp>({x}, {ctx.named("offsets", ctx.i64s(offsets)),
                                      ctx.named("sizes", ctx.i64s(sizes)),
                                      ctx.named("steps", ctx.i64s(steps))});
}

namespace {

//===--- Activations ------------------------------------------------------===//

FailureOr<Value> gelu(NodeContext &ctx, Value x, bool tanh) {
  SmallVector<NamedAttribute> attrs;
  if (tanh)
    attrs.push_back(ctx.named("approximate_tanh", ctx.builder.getUnitAttr()));
  return ctx.build<tg::GeluOp>({x}, attrs);
}

/// x (+ the optional bias input `biasInput`).
FailureOr<Value> withBias(NodeContext &ctx, Value x, size_t biasInput) {
  if (Value bias = ctx.input(biasInput))
    return ctx.build<tg::AddOp>({x, bias});
  return x;
}

/// Gelu: 0.5 x (1 + erf(x / sqrt 2)).
LogicalResult convertGelu(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  return ctx.setOutput(gelu(ctx, x, false));
}

/// FastGelu: the tanh approximation of GELU of x (+ bias).
LogicalResult convertFastGelu(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(biased, withBias(ctx, x, 1));
  return ctx.setOutput(gelu(ctx, biased, true));
}

/// BiasGelu: GELU (erf) of A + B.
LogicalResult convertBiasGelu(NodeContext &ctx) {
  TRY(a, ctx.required(0));
  TRY(b, ctx.required(1));
  TRY(sum, ctx.build<tg::AddOp>({a, b}));
  return ctx.setOutput(gelu(ctx, sum, false));
}

/// QuickGelu: x * sigmoid(alpha * x), alpha 1.702 by default.
LogicalResult convertQuickGelu(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  double alpha = ctx.getFloat("alpha", 1.702f);
  Value scaled = x;
  if (alpha != 1.0) {
    TRY(s, ctx.build<tg::MulOp>(
               {x, scalarOf(ctx, ctx.typeOf(x).getElementType(), alpha)}));
    scaled = s;
  }
  TRY(gate, ctx.build<tg::SigmoidOp>({scaled}));
  return ctx.setOutput(ctx.build<tg::MulOp>({x, gate}));
}

/// The activation of a FusedConv (`activation`, `activation_params`).
FailureOr<Value> activation(NodeContext &ctx, Value x) {
  std::string name = ctx.getString("activation", "");
  SmallVector<float> params = ctx.getFloats("activation_params")
                                  .value_or(SmallVector<float>());
  OpBuilder &b = ctx.builder;
  Type t = ctx.typeOf(x).getElementType();
  auto param = [&](size_t i, float fallback) {
    return i < params.size() ? params[i] : fallback;
  };
  if (name.empty())
    return x;
  if (name == "Relu")
    return ctx.build<tg::ReluOp>({x});
  if (name == "Tanh")
    return ctx.build<tg::TanhOp>({x});
  if (name == "Sigmoid")
    return ctx.build<tg::SigmoidOp>({x});
  if (name == "LeakyRelu")
    return ctx.build<tg::LeakyReluOp>(
        {x}, {ctx.named("alpha", b.getF32FloatAttr(param(0, 0.01f)))});
  if (name == "HardSigmoid")
    return ctx.build<tg::HardSigmoidOp>(
        {x}, {ctx.named("alpha", b.getF32FloatAttr(param(0, 0.2f))),
              ctx.named("beta", b.getF32FloatAttr(param(1, 0.5f)))});
  if (name == "Clip") {
    if (params.size() != 2)
      return ctx.error("activation Clip needs activation_params [min, max]");
    return ctx.build<tg::ClipOp>(
        {x}, {ctx.named("min", b.getFloatAttr(t, params[0])),
              ctx.named("max", b.getFloatAttr(t, params[1]))});
  }
  return ctx.error("unsupported activation '" + name +
                   "' (Relu, Tanh, Sigmoid, LeakyRelu, HardSigmoid, Clip)");
}

/// FusedConv: activation(Conv(X, W, B) + Z).
LogicalResult convertFusedConv(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(w, ctx.required(1));
  TRY(conv, buildConv(ctx, x, w, ctx.input(2)));
  TRY(sum, withBias(ctx, conv, 3));
  return ctx.setOutput(activation(ctx, sum));
}

/// The permutation that brings a FusedMatMul operand stored with
/// transBatch (the first dim is the matrix row dim, or column with trans,
/// then the batch dims) and trans into [batch..., rows, cols] order.
SmallVector<int64_t> matmulOperandPerm(int64_t rank, bool transBatch,
                                       bool trans) {
  SmallVector<int64_t> perm;
  if (transBatch) {
    for (int64_t d = 1; d < rank - 1; ++d)
      perm.push_back(d);
    if (trans)
      perm.append({rank - 1, 0});
    else
      perm.append({0, rank - 1});
    return perm;
  }
  perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (trans && rank >= 2)
    std::swap(perm[rank - 2], perm[rank - 1]);
  return perm;
}

/// FusedMatMul: alpha * op(A) @ op(B), with transA/transB (last two dims)
/// and transBatchA/transBatchB (the operand stored [row, batch..., col]).
LogicalResult convertFusedMatMul(NodeContext &ctx) {
  TRY(a, ctx.required(0));
  TRY(b, ctx.required(1));
  bool transA = ctx.getInt("transA", 0), transB = ctx.getInt("transB", 0);
  bool batchA = ctx.getInt("transBatchA", 0),
       batchB = ctx.getInt("transBatchB", 0);
  int64_t rankA = ctx.rankOf(a), rankB = ctx.rankOf(b);
  if ((batchA || batchB) && (rankA < 3 || rankA != rankB))
    return ctx.error("transBatchA/transBatchB need A and B of one rank >= 3");
  TRY(lhs, transposeBy(ctx, a, matmulOperandPerm(rankA, batchA, transA)));
  TRY(rhs, transposeBy(ctx, b, matmulOperandPerm(rankB, batchB, transB)));
  TRY(product, ctx.build<tg::MatMulOp>({lhs, rhs}));
  double alpha = ctx.getFloat("alpha", 1.0f);
  if (alpha == 1.0)
    return ctx.setOutput(product);
  return ctx.setOutput(ctx.build<tg::MulOp>(
      {product, scalarOf(ctx, ctx.typeOf(product).getElementType(), alpha)}));
}

//===--- Normalizations ---------------------------------------------------===//

/// x normalized over its dims from `axis` on: layer norm ((x - mean) /
/// sqrt(var + eps)) or, `simplified`, RMS norm (x / sqrt(mean(x^2) + eps)),
/// times gamma plus beta (when given). Returns y, the mean (null for RMS)
/// and 1 / sqrt(...), the statistics with kept dims.
struct Normalized {
  Value y, mean, inverse;
};
FailureOr<Normalized> normalize(NodeContext &ctx, Value x, Value gamma,
                                Value beta, int64_t axis, double epsilon,
                                bool simplified) {
  int64_t rank = ctx.rankOf(x);
  Type t = ctx.typeOf(x).getElementType();
  SmallVector<NamedAttribute> reduce{
      ctx.named("axes",
                ctx.i64s(llvm::to_vector(llvm::seq<int64_t>(axis, rank)))),
      ctx.named("keepdims", ctx.builder.getUnitAttr())};
  Normalized out;
  Value centered = x;
  if (!simplified) {
    TRY(mean, ctx.build<tg::ReduceMeanOp>({x}, reduce));
    TRY(c, ctx.build<tg::SubOp>({x, mean}));
    out.mean = mean;
    centered = c;
  }
  TRY(squares, ctx.build<tg::MulOp>({centered, centered}));
  TRY(variance, ctx.build<tg::ReduceMeanOp>({squares}, reduce));
  TRY(shifted, ctx.build<tg::AddOp>({variance, scalarOf(ctx, t, epsilon)}));
  TRY(deviation, ctx.build<tg::SqrtOp>({shifted}));
  TRY(inverse, ctx.build<tg::ReciprocalOp>({deviation}));
  out.inverse = inverse;
  TRY(normalized, ctx.build<tg::MulOp>({centered, inverse}));
  TRY(scaled, ctx.build<tg::MulOp>({normalized, gamma}));
  out.y = scaled;
  if (beta) {
    TRY(biased, ctx.build<tg::AddOp>({scaled, beta}));
    out.y = biased;
  }
  return out;
}

/// Layer norm of x over its last dim: tg.layer_norm (a row kernel) unless
/// the statistics are wanted.
FailureOr<Value> layerNormLast(NodeContext &ctx, Value x, Value gamma,
                               Value beta, double epsilon) {
  SmallVector<Value> operands{x, gamma};
  if (beta)
    operands.push_back(beta);
  OpBuilder &b = ctx.builder;
  return ctx.build<tg::LayerNormOp>(
      operands, {ctx.named("axis", b.getI64IntegerAttr(ctx.rankOf(x) - 1)),
                 ctx.named("epsilon", b.getF32FloatAttr(epsilon))});
}

/// SkipLayerNormalization (and SkipSimplifiedLayerNormalization): the sum
/// input + skip (+ bias) normalized over the hidden dim; outputs y, mean,
/// inv_std_var, and the sum itself (input_skip_bias_sum).
template <bool Simplified>
LogicalResult convertSkipLayerNorm(NodeContext &ctx) {
  TRY(input, ctx.required(0));
  TRY(skip, ctx.required(1));
  TRY(gamma, ctx.required(2));
  Value beta = Simplified ? Value() : ctx.input(3);
  Value bias = ctx.input(Simplified ? 3 : 4);
  TRY(summed, ctx.build<tg::AddOp>({input, skip}));
  Value sum = summed;
  if (bias) {
    TRY(s, ctx.build<tg::AddOp>({sum, bias}));
    sum = s;
  }
  double epsilon = ctx.getFloat("epsilon", 1e-12f);
  int64_t last = ctx.rankOf(sum) - 1;
  bool statistics = ctx.outputUsed(1) || ctx.outputUsed(2);
  if (Simplified || statistics) {
    auto n = normalize(ctx, sum, gamma, beta, last, epsilon, Simplified);
    if (failed(n))
      return failure();
    if (Simplified && ctx.outputUsed(1))
      return ctx.error("output 1 (mean) of a simplified layer norm is not "
                       "defined");
    return ctx.setOutputs({n->y, n->mean, n->inverse, sum});
  }
  TRY(y, layerNormLast(ctx, sum, gamma, beta, epsilon));
  return ctx.setOutputs({y, Value(), Value(), sum});
}

/// SimplifiedLayerNormalization (ONNX Runtime's RMS norm in the default
/// domain): X / sqrt(mean(X^2 over axis..) + epsilon) * scale.
LogicalResult convertSimplifiedLayerNorm(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(scale, ctx.required(1));
  auto axis = ctx.normalizeAxis(ctx.getInt("axis", -1), ctx.rankOf(x));
  if (failed(axis))
    return failure();
  auto n = normalize(ctx, x, scale, Value(), *axis,
                     ctx.getFloat("epsilon", 1e-5f), true);
  if (failed(n))
    return failure();
  return ctx.setOutputs({n->y, n->inverse});
}

/// EmbedLayerNormalization (ONNX Runtime's fused BERT embedding): layer norm
/// of word[input_ids] + position[position_ids or 0..S-1] (+
/// segment[segment_ids]); outputs the normalized [B, S, H], mask_index (the
/// number of set mask entries per batch row, int32; zeros without a mask)
/// and the sum before normalizing.
LogicalResult convertEmbedLayerNorm(NodeContext &ctx) {
  TRY(ids, ctx.required(0));
  TRY(word, ctx.required(2));
  TRY(position, ctx.required(3));
  TRY(gamma, ctx.required(5));
  TRY(beta, ctx.required(6));
  RankedTensorType idType = ctx.typeOf(ids);
  if (idType.getRank() != 2 || ctx.rankOf(word) != 2 ||
      ctx.rankOf(position) != 2)
    return ctx.error("expects input_ids [batch, sequence] and embedding "
                     "tables [rows, hidden]");
  int64_t batch = idType.getDimSize(0), sequence = idType.getDimSize(1);
  if (ctx.typeOf(position).getDimSize(0) < sequence && !ctx.input(8))
    return ctx.error("the position table has fewer rows than the sequence");
  OpBuilder &b = ctx.builder;
  auto gather = [&](Value table, Value indices) {
    return ctx.build<tg::GatherOp>(
        {table, indices}, {ctx.named("axis", b.getI64IntegerAttr(0))});
  };
  TRY(words, gather(word, ids));
  Value positions = ctx.input(8);
  if (!positions) {
    SmallVector<int64_t> iota = llvm::to_vector(llvm::seq<int64_t>(0, sequence));
    positions = ctx.constant(DenseElementsAttr::get(
        RankedTensorType::get({1, sequence}, b.getI64Type()),
        ArrayRef<int64_t>(iota)));
  }
  TRY(placed, gather(position, positions));
  TRY(sum, ctx.build<tg::AddOp>({words, placed}));
  Value total = sum;
  if (Value segments = ctx.input(1)) {
    Value table = ctx.input(4);
    if (!table)
      return ctx.error("segment_ids without a segment_embedding table");
    TRY(seg, gather(table, segments));
    TRY(all, ctx.build<tg::AddOp>({total, seg}));
    total = all;
  }
  TRY(y, layerNormLast(ctx, total, gamma, beta,
                       ctx.getFloat("epsilon", 1e-12f)));
  Type i32 = b.getI32Type();
  Value maskIndex;
  if (Value mask = ctx.input(7)) {
    TRY(count, ctx.build<tg::ReduceSumOp>(
                   {mask}, {ctx.named("axes", ctx.i64s({1}))}));
    TRY(asI32, castTo(ctx, count, i32));
    maskIndex = asI32;
  } else {
    maskIndex = ctx.constant(DenseElementsAttr::get(
        RankedTensorType::get({batch}, i32), APInt(32, 0)));
  }
  return ctx.setOutputs({y, maskIndex, total});
}

//===--- Quantized elementwise, concat and pooling -----------------------===//

/// The inputs of a QLinear op at `index`: (x, scale, zero point or null).
struct Quantized {
  Value x, scale, zero;
};
FailureOr<Quantized> quantizedAt(NodeContext &ctx, size_t index,
                                 bool hasTensor = true) {
  Quantized q;
  if (hasTensor) {
    TRY(x, ctx.required(index));
    q.x = x;
  }
  TRY(scale, ctx.required(index + (hasTensor ? 1 : 0)));
  if (ctx.typeOf(scale).getNumElements() != 1)
    return ctx.error("expects per-tensor (scalar) scales");
  TRY(s, reshapeTo(ctx, scale, {}));
  q.scale = s;
  if (Value zero = ctx.input(index + (hasTensor ? 2 : 1))) {
    if (ctx.typeOf(zero).getNumElements() != 1)
      return ctx.error("expects per-tensor (scalar) zero points");
    TRY(z, reshapeTo(ctx, zero, {}));
    q.zero = z;
  }
  return q;
}

/// QLinearAdd / QLinearMul, as ONNX Runtime's kernels compute them:
/// Add: round(a_scale/c_scale (a - a_zp) + b_scale/c_scale (b - b_zp)) +
/// c_zp; Mul: round((a - a_zp)(b - b_zp) a_scale b_scale / c_scale) + c_zp;
/// saturated to the output's type (A's when C's zero point is absent).
template <bool Multiply>
LogicalResult convertQLinearBinary(NodeContext &ctx) {
  auto a = quantizedAt(ctx, 0), b = quantizedAt(ctx, 3);
  auto c = quantizedAt(ctx, 6, /*hasTensor=*/false);
  if (failed(a) || failed(b) || failed(c))
    return failure();
  Type f32 = ctx.typeOf(a->scale).getElementType();
  Type quant = c->zero ? ctx.typeOf(c->zero).getElementType()
                       : ctx.typeOf(a->x).getElementType();
  TRY(ca, centered(ctx, a->x, a->zero, f32));
  TRY(cb, centered(ctx, b->x, b->zero, f32));
  Value y;
  if constexpr (Multiply) {
    TRY(ab, ctx.build<tg::MulOp>({a->scale, b->scale}));
    TRY(ratio, ctx.build<tg::DivOp>({ab, c->scale}));
    TRY(product, ctx.build<tg::MulOp>({ca, cb}));
    TRY(scaled, ctx.build<tg::MulOp>({product, ratio}));
    y = scaled;
  } else {
    TRY(ratioA, ctx.build<tg::DivOp>({a->scale, c->scale}));
    TRY(ratioB, ctx.build<tg::DivOp>({b->scale, c->scale}));
    TRY(va, ctx.build<tg::MulOp>({ca, ratioA}));
    TRY(vb, ctx.build<tg::MulOp>({cb, ratioB}));
    TRY(sum, ctx.build<tg::AddOp>({va, vb}));
    y = sum;
  }
  return ctx.setOutput(requantize(ctx, y, c->zero, quant));
}

/// dequantize(x) with the (scalar) scale and zero point of `q`.
FailureOr<Value> dequantized(NodeContext &ctx, const Quantized &q) {
  TRY(c, centered(ctx, q.x, q.zero, ctx.typeOf(q.scale).getElementType()));
  return ctx.build<tg::MulOp>({c, q.scale});
}

/// quantize(y) with the scale and zero point of `q`, in `quant`.
FailureOr<Value> quantized(NodeContext &ctx, Value y, const Quantized &q,
                           Type quant) {
  TRY(divided, ctx.build<tg::DivOp>({y, q.scale}));
  return requantize(ctx, divided, q.zero, quant);
}

/// QLinearSigmoid: quantize(sigmoid(dequantize(X))).
LogicalResult convertQLinearSigmoid(NodeContext &ctx) {
  auto x = quantizedAt(ctx, 0), y = quantizedAt(ctx, 3, false);
  if (failed(x) || failed(y))
    return failure();
  TRY(real, dequantized(ctx, *x));
  TRY(s, ctx.build<tg::SigmoidOp>({real}));
  return ctx.setOutput(
      quantized(ctx, s, *y, ctx.typeOf(x->x).getElementType()));
}

/// QLinearConcat(Y_scale, Y_zp, (X, X_scale, X_zp)...): each input
/// requantized to Y's parameters, then concatenated along `axis`.
LogicalResult convertQLinearConcat(NodeContext &ctx) {
  auto y = quantizedAt(ctx, 0, false);
  if (failed(y))
    return failure();
  if (ctx.numInputs() < 5 || (ctx.numInputs() - 2) % 3 != 0)
    return ctx.error("expects Y_scale, Y_zero_point, then (X, X_scale, "
                     "X_zero_point) triples");
  if (!y->zero)
    return ctx.error("Y_zero_point is required");
  Type quant = ctx.typeOf(y->zero).getElementType();
  SmallVector<Value> parts;
  for (size_t i = 2; i < ctx.numInputs(); i += 3) {
    auto x = quantizedAt(ctx, i);
    if (failed(x))
      return failure();
    TRY(real, dequantized(ctx, *x));
    TRY(part, quantized(ctx, real, *y, quant));
    parts.push_back(part);
  }
  auto axis = ctx.normalizeAxis(ctx.getInt("axis", 0), ctx.rankOf(parts[0]));
  if (failed(axis))
    return failure();
  return ctx.setOutput(ctx.build<tg::ConcatOp>(
      parts, {ctx.named("axis", ctx.builder.getI64IntegerAttr(*axis))}));
}

/// QLinearGlobalAveragePool: the mean of each channel's (x - x_zp) scaled
/// by x_scale / y_scale, requantized; channels first (NCHW...) or, with
/// channels_last, last.
LogicalResult convertQLinearGlobalAveragePool(NodeContext &ctx) {
  auto x = quantizedAt(ctx, 0), y = quantizedAt(ctx, 3, false);
  if (failed(x) || failed(y))
    return failure();
  int64_t rank = ctx.rankOf(x->x);
  if (rank < 3)
    return ctx.error("expects an input of rank >= 3");
  bool channelsLast = ctx.getInt("channels_last", 0);
  SmallVector<int64_t> axes;
  for (int64_t d = channelsLast ? 1 : 2; d < (channelsLast ? rank - 1 : rank);
       ++d)
    axes.push_back(d);
  Type f32 = ctx.typeOf(x->scale).getElementType();
  TRY(c, centered(ctx, x->x, x->zero, f32));
  TRY(mean, ctx.build<tg::ReduceMeanOp>(
                {c}, {ctx.named("axes", ctx.i64s(axes)),
                      ctx.named("keepdims", ctx.builder.getUnitAttr())}));
  TRY(ratio, ctx.build<tg::DivOp>({x->scale, y->scale}));
  TRY(scaled, ctx.build<tg::MulOp>({mean, ratio}));
  Type quant = y->zero ? ctx.typeOf(y->zero).getElementType()
                       : ctx.typeOf(x->x).getElementType();
  return ctx.setOutput(requantize(ctx, scaled, y->zero, quant));
}

} // namespace

void onnx_import::registerContribOps(ConverterRegistry &r) {
  r.add(kMicrosoft, "Gelu", 1, convertGelu);
  r.add(kMicrosoft, "FastGelu", 1, convertFastGelu);
  r.add(kMicrosoft, "BiasGelu", 1, convertBiasGelu);
  r.add(kMicrosoft, "QuickGelu", 1, convertQuickGelu);
  r.add(kMicrosoft, "SkipLayerNormalization", 1, convertSkipLayerNorm<false>);
  r.add(kMicrosoft, "SkipSimplifiedLayerNormalization", 1,
        convertSkipLayerNorm<true>);
  // ONNX Runtime also accepts these under com.microsoft.
  r.add(kMicrosoft, "LayerNormalization", 1, convertLayerNorm);
  r.add(kMicrosoft, "SimplifiedLayerNormalization", 1,
        convertSimplifiedLayerNorm);
  r.add("SimplifiedLayerNormalization", 1, convertSimplifiedLayerNorm);
  r.add(kMicrosoft, "EmbedLayerNormalization", 1, convertEmbedLayerNorm);
  r.add(kMicrosoft, "FusedConv", 1, convertFusedConv);
  r.add(kMicrosoft, "FusedMatMul", 1, convertFusedMatMul);
  r.add(kMicrosoft, "QLinearAdd", 1, convertQLinearBinary<false>);
  r.add(kMicrosoft, "QLinearMul", 1, convertQLinearBinary<true>);
  r.add(kMicrosoft, "QLinearSigmoid", 1, convertQLinearSigmoid);
  r.add(kMicrosoft, "QLinearConcat", 1, convertQLinearConcat);
  r.add(kMicrosoft, "QLinearGlobalAveragePool", 1,
        convertQLinearGlobalAveragePool);
  r.add(kMicrosoft, "QuantizeLinear", 1, convertQuantizeLinear);
  r.add(kMicrosoft, "DequantizeLinear", 1, convertDequantizeLinear);
  registerContribAttentionOps(r);
}
