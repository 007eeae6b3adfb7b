//===- OpsQuantization.cpp - ONNX quantization ops in tg ops --------------===//
//
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
// ConvInteger, QLinearMatMul and QLinearConv as compositions of tg ops:
// integer products accumulate exactly (matmuls in i32, convolutions in f64,
// exact for any 8-bit operands), and requantization rounds half to even and
// saturates like ONNX Runtime. Per-axis scales and zero points broadcast along
// their axis.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/ConverterUtils.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"

#include <cmath>

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

FailureOr<Value> onnx_import::castTo(NodeContext &ctx, Value v,
                                     Type elementType) {
  if (ctx.typeOf(v).getElementType() == elementType)
    return v;
  return ctx.buildTyped<tg::CastOp>(ctx.typeOf(v).clone(elementType), {v});
}

namespace {

/// A scale or zero point shaped to broadcast against a rank-`rank` tensor:
/// scalars (and one-element tensors) as they are, a 1-D tensor of n > 1
/// elements along `axis`.
FailureOr<Value> alongAxis(NodeContext &ctx, Value param, int64_t rank,
                           int64_t axis) {
  RankedTensorType type = ctx.typeOf(param);
  if (type.getNumElements() == 1)
    return ctx.buildTyped<tg::ReshapeOp>(type.clone(ArrayRef<int64_t>{}),
                                         {param});
  if (type.getRank() != 1)
    return ctx.error(
        "a scale or zero point must be a scalar or 1-D, got rank " +
        Twine(type.getRank()));
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = type.getNumElements();
  return ctx.buildTyped<tg::ReshapeOp>(type.clone(shape), {param});
}

/// The scale and zero point (null when absent) of a (de)quantization of `x`,
/// shaped to broadcast against it: along the node's `axis` when per-axis.
FailureOr<std::pair<Value, Value>> scaleAndZero(NodeContext &ctx, Value x,
                                                Value scale, Value zeroPoint) {
  int64_t rank = ctx.rankOf(x), axis = 0;
  if (ctx.typeOf(scale).getNumElements() > 1) {
    auto normalized = ctx.normalizeAxis(ctx.getInt("axis", 1), rank);
    if (failed(normalized))
      return failure();
    axis = *normalized;
  }
  TRY(s, alongAxis(ctx, scale, rank, axis));
  Value z;
  if (zeroPoint) {
    TRY(zp, alongAxis(ctx, zeroPoint, rank, axis));
    z = zp;
  }
  return std::make_pair(s, z);
}

} // namespace

FailureOr<Value> onnx_import::centered(NodeContext &ctx, Value x,
                                       Value zeroPoint, Type t) {
  TRY(xf, castTo(ctx, x, t));
  if (!zeroPoint)
    return xf;
  TRY(zf, castTo(ctx, zeroPoint, t));
  return ctx.build<tg::SubOp>({xf, zf});
}

FailureOr<Value> onnx_import::requantize(NodeContext &ctx, Value y,
                                         Value zeroPoint, Type quantType) {
  Type t = ctx.typeOf(y).getElementType();
  TRY(r, ctx.build<tg::RoundOp>({y}));
  Value shifted = r;
  if (zeroPoint) {
    TRY(zf, castTo(ctx, zeroPoint, t));
    TRY(s, ctx.build<tg::AddOp>({r, zf}));
    shifted = s;
  }
  unsigned width = quantType.getIntOrFloatBitWidth();
  bool isSigned = !quantType.isUnsignedInteger();
  double lo = isSigned ? -std::ldexp(1.0, width - 1) : 0.0;
  double hi =
      isSigned ? std::ldexp(1.0, width - 1) - 1 : std::ldexp(1.0, width) - 1;
  TRY(above, ctx.build<tg::MaxOp>({shifted, scalarOf(ctx, t, lo)}));
  TRY(clamped, ctx.build<tg::MinOp>({above, scalarOf(ctx, t, hi)}));
  return castTo(ctx, clamped, quantType);
}

Type onnx_import::quantTypeOf(NodeContext &ctx, Value zeroPoint) {
  if (zeroPoint)
    return ctx.typeOf(zeroPoint).getElementType();
  return IntegerType::get(ctx.builder.getContext(), 8, IntegerType::Unsigned);
}

namespace {

/// The !quant.uniform element type of a (de)quantization of a rank-`rank`
/// tensor along the node's axis with a constant `scale` and zero point
/// (null: a uint8 zero), or null when it is none tg admits (a scale or zero
/// point computed at run time, block quantization, int4/int32/float8
/// storage, a scale that is not positive and finite): those keep the float
/// spelling.
Type uniformTypeOf(NodeContext &ctx, int64_t rank, Value scale,
                   Value zeroPoint, Type storage,
                   std::optional<int64_t> perAxisDim = std::nullopt) {
  Type expressed = ctx.typeOf(scale).getElementType();
  if (!expressed.isF32() && !expressed.isF16() && !expressed.isBF16())
    return {};
  if (ctx.getInt("block_size", 0) != 0)
    return {};
  std::optional<SmallVector<double>> scales = ctx.constantFloats(scale);
  if (!scales || scales->empty() || ctx.typeOf(scale).getRank() > 1)
    return {};
  for (double s : *scales)
    if (!(s > 0) || !std::isfinite(s))
      return {};
  auto integer = dyn_cast<IntegerType>(storage);
  if (!integer || (integer.getWidth() != 8 && integer.getWidth() != 16))
    return {};
  SmallVector<int64_t> zeros(scales->size(), 0);
  if (zeroPoint) {
    std::optional<SmallVector<int64_t>> z = NodeContext::constantInts(zeroPoint);
    if (!z)
      return {};
    if (z->size() != scales->size()) {
      if (z->size() != 1)
        return {};
      z->assign(scales->size(), (*z)[0]);
    }
    zeros = *z;
  }
  bool isSigned = !integer.isUnsignedInteger();
  unsigned width = integer.getWidth();
  MLIRContext *context = ctx.builder.getContext();
  Type signless = IntegerType::get(context, width);
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  int64_t lo = quant::QuantizedType::getDefaultMinimumForInteger(isSigned, width);
  int64_t hi = quant::QuantizedType::getDefaultMaximumForInteger(isSigned, width);
  if (scales->size() == 1)
    return quant::UniformQuantizedType::get(flags, signless, expressed,
                                            (*scales)[0], zeros[0], lo, hi);
  int64_t axis = perAxisDim.value_or(ctx.getInt("axis", 1));
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return {};
  return quant::UniformQuantizedPerAxisType::get(
      flags, signless, expressed, *scales, zeros,
      static_cast<int32_t>(axis), lo, hi);
}

/// QuantizeLinear: y = saturate(round(x / scale) + zero_point);
/// DequantizeLinear: y = (x - zero_point) * scale. With constant parameters
/// tg.quantize / tg.dequantize on !quant.uniform tensors, entering and
/// leaving them through tg.storage_cast; otherwise spelled in float.
template <bool Quantize>
LogicalResult convertLinearQuantization(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(scale, ctx.required(1));
  Value zeroPoint = ctx.input(2);
  RankedTensorType xType = ctx.typeOf(x);
  Type expressed = ctx.typeOf(scale).getElementType();
  // The stored integers: the zero point's type (uint8 when absent) for
  // QuantizeLinear, the input's for DequantizeLinear.
  Type storage = Quantize ? quantTypeOf(ctx, zeroPoint) : xType.getElementType();
  bool typesFit = Quantize ? xType.getElementType() == expressed
                           : !zeroPoint || ctx.typeOf(zeroPoint).getElementType() ==
                                               storage;
  if (Quantize && ctx.attribute("output_dtype") && !zeroPoint)
    typesFit = false;
  if (Type uniform = typesFit ? uniformTypeOf(ctx, xType.getRank(), scale,
                                              zeroPoint, storage)
                              : Type()) {
    auto quantized = xType.clone(uniform);
    if constexpr (Quantize) {
      TRY(q, ctx.buildTyped<tg::QuantizeOp>(quantized, {x}));
      return ctx.setOutput(ctx.buildTyped<tg::StorageCastOp>(
          xType.clone(tg::storageElementType(uniform)), {q}));
    } else {
      TRY(q, ctx.buildTyped<tg::StorageCastOp>(quantized, {x}));
      return ctx.setOutput(
          ctx.buildTyped<tg::DequantizeOp>(xType.clone(expressed), {q}));
    }
  }
  auto params = scaleAndZero(ctx, x, scale, zeroPoint);
  if (failed(params))
    return failure();
  auto [s, z] = *params;
  if constexpr (Quantize) {
    TRY(sf, castTo(ctx, s, ctx.typeOf(x).getElementType()));
    TRY(y, ctx.build<tg::DivOp>({x, sf}));
    return ctx.setOutput(requantize(ctx, y, z, quantTypeOf(ctx, zeroPoint)));
  } else {
    TRY(c, centered(ctx, x, z, ctx.typeOf(scale).getElementType()));
    return ctx.setOutput(ctx.build<tg::MulOp>({c, s}));
  }
}

/// uint8 quantization of x over [min(x, 0), max(x, 0)]: scale, zero point,
/// and the quantized tensor.
LogicalResult convertDynamicQuantizeLinear(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  Type t = ctx.typeOf(x).getElementType();
  int64_t rank = ctx.rankOf(x);
  SmallVector<NamedAttribute> all{ctx.named(
      "axes", ctx.i64s(llvm::to_vector(llvm::seq<int64_t>(0, rank))))};
  Value zero = scalarOf(ctx, t, 0);
  TRY(mx, ctx.build<tg::ReduceMaxOp>({x}, all));
  TRY(mn, ctx.build<tg::ReduceMinOp>({x}, all));
  TRY(hi, ctx.build<tg::MaxOp>({mx, zero}));
  TRY(lo, ctx.build<tg::MinOp>({mn, zero}));
  TRY(range, ctx.build<tg::SubOp>({hi, lo}));
  TRY(scale, ctx.build<tg::DivOp>({range, scalarOf(ctx, t, 255)}));
  Type u8 =
      IntegerType::get(ctx.builder.getContext(), 8, IntegerType::Unsigned);
  TRY(negLo, ctx.build<tg::NegOp>({lo}));
  TRY(zpf, ctx.build<tg::DivOp>({negLo, scale}));
  TRY(zp, requantize(ctx, zpf, Value(), u8));
  TRY(scaled, ctx.build<tg::DivOp>({x, scale}));
  TRY(y, requantize(ctx, scaled, zp, u8));
  return ctx.setOutputs({y, scale, zp});
}

/// (a - a_zero_point) x (b - b_zero_point) in i32. A's zero point is per
/// row (its second-last dimension), B's per column.
FailureOr<Value> integerMatMul(NodeContext &ctx, Value a, Value aZero, Value b,
                               Value bZero) {
  Type i32 = ctx.builder.getI32Type();
  if (aZero && ctx.typeOf(aZero).getNumElements() > 1) {
    TRY(r, alongAxis(ctx, aZero, 2, 0));
    aZero = r;
  }
  TRY(ac, centered(ctx, a, aZero, i32));
  TRY(bc, centered(ctx, b, bZero, i32));
  return ctx.build<tg::MatMulOp>({ac, bc});
}

LogicalResult convertMatMulInteger(NodeContext &ctx) {
  TRY(a, ctx.required(0));
  TRY(b, ctx.required(1));
  Value aZero = ctx.input(2), bZero = ctx.input(3);
  // Constant zero points (a's one value, b's one or one per column): the
  // stored integers' product with the corrections around it, the kernel
  // every quantized matmul shares.
  std::optional<SmallVector<int64_t>> za =
      aZero ? NodeContext::constantInts(aZero) : SmallVector<int64_t>{0};
  std::optional<SmallVector<int64_t>> zb =
      bZero ? NodeContext::constantInts(bZero) : SmallVector<int64_t>{0};
  int64_t bRank = ctx.rankOf(b);
  if (za && zb && za->size() == 1 && !zb->empty() &&
      (zb->size() == 1 ||
       (bRank >= 2 && static_cast<int64_t>(zb->size()) ==
                          ctx.typeOf(b).getShape().back())) &&
      ctx.typeOf(a).getShape().back() <= (int64_t(1) << 31) / (255 * 255))
    return ctx.setOutput(tg::buildZeroPointMatMul(ctx.builder, ctx.loc, a,
                                                  {(*za)[0]}, b, *zb));
  return ctx.setOutput(integerMatMul(ctx, a, aZero, b, bZero));
}

/// (x - x_zero_point) * (w - w_zero_point) convolved exactly in f64; the
/// weight zero point may be per output channel.
FailureOr<Value> integerConv(NodeContext &ctx, Value x, Value xZero, Value w,
                             Value wZero) {
  Type f64 = ctx.builder.getF64Type();
  if (wZero && ctx.typeOf(wZero).getNumElements() > 1) {
    TRY(r, alongAxis(ctx, wZero, ctx.rankOf(w), 0));
    wZero = r;
  }
  TRY(xc, centered(ctx, x, xZero, f64));
  TRY(wc, centered(ctx, w, wZero, f64));
  return buildConv(ctx, xc, wc, Value());
}

/// The exact i32 convolution of 8-bit x and w on their stored integers
/// (tg::buildZeroPointConv: the filter times x's im2col columns) when the
/// zero points are constants (x's one, w's one or one per output channel),
/// the convolution has one group and its sums cannot overflow; null
/// otherwise.
FailureOr<Value> zeroPointConv(NodeContext &ctx, Value x, Value xZero, Value w,
                               Value wZero) {
  RankedTensorType xType = ctx.typeOf(x), wType = ctx.typeOf(w);
  auto zerosOf = [](Value zero) -> std::optional<SmallVector<int64_t>> {
    if (!zero)
      return SmallVector<int64_t>{0};
    return NodeContext::constantInts(zero);
  };
  std::optional<SmallVector<int64_t>> zx = zerosOf(xZero), zw = zerosOf(wZero);
  auto is8Bit = [](Type t) { return t.isInteger(8); };
  if (!zx || zx->size() != 1 || !zw || ctx.getInt("group", 1) != 1 ||
      !is8Bit(xType.getElementType()) || !is8Bit(wType.getElementType()) ||
      xType.getRank() < 3 || wType.getRank() != xType.getRank() ||
      (zw->size() != 1 && static_cast<int64_t>(zw->size()) != wType.getDimSize(0)))
    return Value();
  int64_t k = wType.getNumElements() / wType.getDimSize(0);
  if (k > (int64_t(1) << 31) / (255 * 255))
    return Value();
  Window window = windowOf(ctx, wType.getShape().drop_front(2));
  FailureOr<SmallVector<int64_t>> pads = windowPads(
      ctx, xType.getShape().drop_front(2), effective(window), window.strides);
  if (failed(pads))
    return failure();
  return tg::buildZeroPointConv(ctx.builder, ctx.loc, x, (*zx)[0], w, *zw,
                                window.strides, *pads, window.dilations);
}

LogicalResult convertConvInteger(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(w, ctx.required(1));
  TRY(exact, zeroPointConv(ctx, x, ctx.input(2), w, ctx.input(3)));
  if (exact)
    return ctx.setOutput(exact);
  TRY(acc, integerConv(ctx, x, ctx.input(2), w, ctx.input(3)));
  return ctx.setOutput(castTo(ctx, acc, ctx.builder.getI32Type()));
}

/// QLinearMatMul: the i32 product requantized with a_scale * b_scale /
/// y_scale.
LogicalResult convertQLinearMatMul(NodeContext &ctx) {
  TRY(a, ctx.required(0));
  TRY(aScale, ctx.required(1));
  TRY(b, ctx.required(3));
  TRY(bScale, ctx.required(4));
  TRY(yScale, ctx.required(6));
  Value aZero = ctx.input(2), bZero = ctx.input(5), yZero = ctx.input(7);
  // Constant parameters: the QDQ form (dequantize both, matmul, quantize),
  // which tg-group-quantized computes on the stored integers, so QOperator
  // and QDQ models reach the same kernels and the same integers.
  RankedTensorType aType = ctx.typeOf(a), bType = ctx.typeOf(b);
  Type aStorage = aType.getElementType(), bStorage = bType.getElementType();
  Type ua = uniformTypeOf(ctx, aType.getRank(), aScale, aZero, aStorage);
  Type ub = uniformTypeOf(ctx, bType.getRank(), bScale, bZero, bStorage,
                          bType.getRank() - 1);
  Type yStorage = quantTypeOf(ctx, yZero);
  Type uy = uniformTypeOf(ctx, aType.getRank(), yScale, yZero, yStorage);
  if (ua && ub && uy && isa<quant::UniformQuantizedType>(ua) &&
      isa<quant::UniformQuantizedType>(uy) && aType.getRank() >= 1 &&
      bType.getRank() >= 1) {
    auto dequantized = [&](Value v, Type uniform) -> FailureOr<Value> {
      RankedTensorType type = ctx.typeOf(v);
      TRY(q, ctx.buildTyped<tg::StorageCastOp>(type.clone(uniform), {v}));
      return ctx.buildTyped<tg::DequantizeOp>(
          type.clone(cast<quant::QuantizedType>(uniform).getExpressedType()),
          {q});
    };
    TRY(ad, dequantized(a, ua));
    TRY(bd, dequantized(b, ub));
    TRY(product, ctx.build<tg::MatMulOp>({ad, bd}));
    RankedTensorType productType = ctx.typeOf(product);
    TRY(q, ctx.buildTyped<tg::QuantizeOp>(productType.clone(uy), {product}));
    return ctx.setOutput(ctx.buildTyped<tg::StorageCastOp>(
        productType.clone(yStorage), {q}));
  }
  TRY(acc, integerMatMul(ctx, a, aZero, b, bZero));
  Type f32 = ctx.typeOf(aScale).getElementType();
  if (ctx.typeOf(aScale).getNumElements() > 1) {
    TRY(r, alongAxis(ctx, aScale, 2, 0));
    aScale = r;
  }
  TRY(ab, ctx.build<tg::MulOp>({aScale, bScale}));
  TRY(m, ctx.build<tg::DivOp>({ab, yScale}));
  TRY(accf, castTo(ctx, acc, f32));
  TRY(y, ctx.build<tg::MulOp>({accf, m}));
  return ctx.setOutput(requantize(ctx, y, yZero, quantTypeOf(ctx, yZero)));
}

/// QLinearConv: the exact convolution (plus the i32 bias) requantized with
/// x_scale * w_scale / y_scale, w_scale per output channel or scalar.
LogicalResult convertQLinearConv(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(xScale, ctx.required(1));
  TRY(w, ctx.required(3));
  TRY(wScale, ctx.required(4));
  TRY(yScale, ctx.required(6));
  Value xZero = ctx.input(2), wZero = ctx.input(5), yZero = ctx.input(7),
        bias = ctx.input(8);
  // Constant parameters: the exact i32 convolution plus the bias, then one
  // multiplier x_scale * w_scale / y_scale per output channel and a
  // quantize with unit scale, as ONNX Runtime's QLinearConv requantizes.
  std::optional<SmallVector<double>> xs = ctx.constantFloats(xScale),
                                     wss = ctx.constantFloats(wScale),
                                     ys = ctx.constantFloats(yScale);
  Type yStorage = quantTypeOf(ctx, yZero);
  Type unit = ys && ys->size() == 1
                  ? uniformTypeOf(ctx, ctx.rankOf(x), yScale, yZero, yStorage)
                  : Type();
  int64_t filters = ctx.typeOf(w).getRank() ? ctx.typeOf(w).getDimSize(0) : 0;
  if (xs && xs->size() == 1 && wss &&
      (wss->size() == 1 || static_cast<int64_t>(wss->size()) == filters) &&
      unit && ctx.typeOf(xScale).getElementType().isF32()) {
    TRY(exact, zeroPointConv(ctx, x, xZero, w, wZero));
    if (exact) {
      RankedTensorType accType = ctx.typeOf(exact);
      int64_t rank = accType.getRank();
      SmallVector<int64_t> column(rank - 1, 1);
      column[0] = filters;
      Value sum = exact;
      if (bias) {
        TRY(b, ctx.buildTyped<tg::ReshapeOp>(
                   RankedTensorType::get(column, ctx.builder.getI32Type()),
                   {bias}));
        TRY(s, ctx.build<tg::AddOp>({exact, b}));
        sum = s;
      }
      SmallVector<float> multipliers;
      for (int64_t f = 0; f < filters; ++f) {
        float ws = static_cast<float>((*wss)[wss->size() == 1 ? 0 : f]);
        multipliers.push_back(static_cast<float>((*xs)[0]) * ws /
                              static_cast<float>((*ys)[0]));
      }
      auto mType = RankedTensorType::get(column, ctx.builder.getF32Type());
      Value m =
          ctx.constant(DenseElementsAttr::get(mType, ArrayRef(multipliers)));
      TRY(real, castTo(ctx, sum, ctx.builder.getF32Type()));
      TRY(y, ctx.build<tg::MulOp>({real, m}));
      auto uniform = cast<quant::UniformQuantizedType>(unit);
      Type scaleOne = quant::UniformQuantizedType::get(
          uniform.getFlags(), uniform.getStorageType(),
          uniform.getExpressedType(), 1.0, uniform.getZeroPoint(),
          uniform.getStorageTypeMin(), uniform.getStorageTypeMax());
      RankedTensorType yType = ctx.typeOf(y);
      TRY(q, ctx.buildTyped<tg::QuantizeOp>(yType.clone(scaleOne), {y}));
      return ctx.setOutput(
          ctx.buildTyped<tg::StorageCastOp>(yType.clone(yStorage), {q}));
    }
  }
  TRY(acc, integerConv(ctx, x, xZero, w, wZero));
  int64_t rank = ctx.rankOf(acc);
  Value sum = acc;
  if (bias) {
    TRY(bf, castTo(ctx, bias, ctx.builder.getF64Type()));
    TRY(bb, alongAxis(ctx, bf, rank, 1));
    TRY(s, ctx.build<tg::AddOp>({acc, bb}));
    sum = s;
  }
  Type f32 = ctx.typeOf(xScale).getElementType();
  TRY(ws, alongAxis(ctx, wScale, rank, 1));
  TRY(xw, ctx.build<tg::MulOp>({xScale, ws}));
  TRY(m, ctx.build<tg::DivOp>({xw, yScale}));
  TRY(accf, castTo(ctx, sum, f32));
  TRY(y, ctx.build<tg::MulOp>({accf, m}));
  return ctx.setOutput(requantize(ctx, y, yZero, quantTypeOf(ctx, yZero)));
}

} // namespace

LogicalResult onnx_import::convertQuantizeLinear(NodeContext &ctx) {
  return convertLinearQuantization<true>(ctx);
}

LogicalResult onnx_import::convertDequantizeLinear(NodeContext &ctx) {
  return convertLinearQuantization<false>(ctx);
}

void tessera::onnx_import::registerQuantizationOps(ConverterRegistry &r) {
  r.add("ConvInteger", 10, convertConvInteger);
  r.add("DequantizeLinear", 10, convertLinearQuantization<false>);
  r.add("DynamicQuantizeLinear", 11, convertDynamicQuantizeLinear);
  r.add("MatMulInteger", 10, convertMatMulInteger);
  r.add("QLinearConv", 10, convertQLinearConv);
  r.add("QLinearMatMul", 10, convertQLinearMatMul);
  r.add("QuantizeLinear", 10, convertLinearQuantization<true>);
}
