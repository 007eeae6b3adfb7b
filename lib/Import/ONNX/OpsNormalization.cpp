//===- OpsNormalization.cpp - Normalizations spelled in tg ops ------------===//
//
// InstanceNormalization, GroupNormalization, MeanVarianceNormalization and
// LRN as compositions of tg reductions and elementwise ops. Registered from
// the letter-range files.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/ConverterUtils.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

namespace {

/// (x - mean) / sqrt(var + epsilon) with mean and variance over `axes`.
FailureOr<Value> standardize(NodeContext &ctx, Value x, ArrayRef<int64_t> axes,
                             double epsilon) {
  Type t = ctx.typeOf(x).getElementType();
  SmallVector<NamedAttribute> attrs{
      ctx.named("axes", ctx.i64s(axes)),
      ctx.named("keepdims", ctx.builder.getUnitAttr())};
  TRY(mean, ctx.build<tg::ReduceMeanOp>({x}, attrs));
  TRY(centered, ctx.build<tg::SubOp>({x, mean}));
  TRY(sq, ctx.build<tg::MulOp>({centered, centered}));
  TRY(var, ctx.build<tg::ReduceMeanOp>({sq}, attrs));
  TRY(shifted, ctx.build<tg::AddOp>({var, scalarOf(ctx, t, epsilon)}));
  TRY(dev, ctx.build<tg::SqrtOp>({shifted}));
  return ctx.build<tg::DivOp>({centered, dev});
}

/// The channels split into `groups` groups, each group of each sample
/// standardized over its channels and spatial extent, then scaled and shifted
/// per channel (`perChannel`) or per group. Half-precision inputs are
/// normalized in f32 unless stash_type says otherwise.
LogicalResult normalizeGroups(NodeContext &ctx, int64_t groups,
                              bool perChannel) {
  TRY(x, ctx.required(0));
  TRY(scale, ctx.required(1));
  TRY(bias, ctx.required(2));
  RankedTensorType type = ctx.typeOf(x);
  int64_t rank = type.getRank();
  if (rank < 3)
    return ctx.error("input must have rank >= 3");
  if (!type.hasStaticShape())
    return ctx.error("input shape must be static");
  int64_t n = type.getDimSize(0), c = type.getDimSize(1);
  if (groups <= 0 || c % groups != 0)
    return ctx.error("num_groups (" + Twine(groups) +
                     ") must be positive and divide the " + Twine(c) +
                     " channels");
  int64_t paramSize = perChannel ? c : groups;
  for (Value param : {scale, bias})
    if (ctx.typeOf(param).getNumElements() != paramSize)
      return ctx.error("scale and bias must have " + Twine(paramSize) +
                       " elements, got " +
                       Twine(ctx.typeOf(param).getNumElements()));

  Type elementType = type.getElementType();
  bool stash = ctx.getInt("stash_type", 1) == 1 &&
               isa<FloatType>(elementType) &&
               cast<FloatType>(elementType).getWidth() < 32;
  Type computeType = stash ? ctx.builder.getF32Type() : elementType;
  auto castTo = [&](Value v, Type t) -> FailureOr<Value> {
    if (ctx.typeOf(v).getElementType() == t)
      return v;
    return ctx.buildTyped<tg::CastOp>(ctx.typeOf(v).clone(t), {v});
  };
  TRY(input, castTo(x, computeType));
  TRY(s, castTo(scale, computeType));
  TRY(bb, castTo(bias, computeType));

  int64_t perGroup = type.getNumElements() / (n * groups);
  auto grouped = RankedTensorType::get({n, groups, perGroup}, computeType);
  TRY(r, ctx.buildTyped<tg::ReshapeOp>(grouped, {input}));
  TRY(normalized, standardize(ctx, r, {2}, ctx.getFloat("epsilon", 1e-5f)));
  // Scale and shift where the parameters line up with a dimension: the
  // channels of the input's shape, or the groups of the grouped one.
  SmallVector<int64_t> paramShape{groups, 1};
  Value y = normalized;
  if (perChannel) {
    TRY(back, ctx.buildTyped<tg::ReshapeOp>(type.clone(computeType), {y}));
    y = back;
    paramShape.assign(rank - 1, 1);
    paramShape[0] = c;
  }
  auto paramType = RankedTensorType::get(paramShape, computeType);
  TRY(sp, ctx.buildTyped<tg::ReshapeOp>(paramType, {s}));
  TRY(bp, ctx.buildTyped<tg::ReshapeOp>(paramType, {bb}));
  TRY(scaled, ctx.build<tg::MulOp>({y, sp}));
  TRY(shifted, ctx.build<tg::AddOp>({scaled, bp}));
  y = shifted;
  if (!perChannel) {
    TRY(back, ctx.buildTyped<tg::ReshapeOp>(type.clone(computeType), {y}));
    y = back;
  }
  return ctx.setOutput(castTo(y, elementType));
}

/// InstanceNormalization: one group per channel.
LogicalResult convertInstanceNorm(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  RankedTensorType type = ctx.typeOf(x);
  if (type.getRank() < 3)
    return ctx.error("input must have rank >= 3");
  return normalizeGroups(ctx, type.getDimSize(1), /*perChannel=*/true);
}

/// GroupNormalization: opset 18 scales and shifts per group, opset 21 per
/// channel.
LogicalResult convertGroupNorm(NodeContext &ctx) {
  return normalizeGroups(ctx, ctx.getInt("num_groups", 0),
                         /*perChannel=*/ctx.opset >= 21);
}

/// MeanVarianceNormalization: (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9)
/// over `axes` (default N, H, W), ONNX's own function body.
LogicalResult convertMeanVarianceNorm(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  int64_t rank = ctx.rankOf(x);
  SmallVector<int64_t> axes{0, 2, 3};
  if (auto given = ctx.getInts("axes"))
    axes = *given;
  auto normalized = ctx.normalizeAxes(axes, rank);
  if (failed(normalized))
    return failure();
  Type t = ctx.typeOf(x).getElementType();
  SmallVector<NamedAttribute> attrs{
      ctx.named("axes", ctx.i64s(*normalized)),
      ctx.named("keepdims", ctx.builder.getUnitAttr())};
  TRY(mean, ctx.build<tg::ReduceMeanOp>({x}, attrs));
  TRY(sq, ctx.build<tg::MulOp>({x, x}));
  TRY(meanSq, ctx.build<tg::ReduceMeanOp>({sq}, attrs));
  TRY(sqMean, ctx.build<tg::MulOp>({mean, mean}));
  TRY(var, ctx.build<tg::SubOp>({meanSq, sqMean}));
  TRY(dev, ctx.build<tg::SqrtOp>({var}));
  TRY(denom, ctx.build<tg::AddOp>({dev, scalarOf(ctx, t, 1e-9)}));
  TRY(centered, ctx.build<tg::SubOp>({x, mean}));
  return ctx.setOutput(ctx.build<tg::DivOp>({centered, denom}));
}

/// LRN: x / (bias + alpha / size * sum of squares over neighbouring
/// channels)^beta, the sum as an average pool over the channel dimension.
LogicalResult convertLRN(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  RankedTensorType type = ctx.typeOf(x);
  if (type.getRank() < 3)
    return ctx.error("input must have rank >= 3");
  int64_t size = ctx.getInt("size", 0);
  if (size < 1)
    return ctx.error("size must be >= 1");
  double alpha = ctx.getFloat("alpha", 1e-4f),
         beta = ctx.getFloat("beta", 0.75f), bias = ctx.getFloat("bias", 1.0f);
  Type t = type.getElementType();
  TRY(sq, ctx.build<tg::MulOp>({x, x}));
  // N x 1 x C x (rest) so that pooling runs along the channels.
  int64_t rest = 1;
  for (int64_t d = 2; d < type.getRank(); ++d)
    rest *= type.getDimSize(d);
  RankedTensorType pooledType =
      type.clone({type.getDimSize(0), 1, type.getDimSize(1), rest});
  TRY(r, ctx.buildTyped<tg::ReshapeOp>(pooledType, {sq}));
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  TRY(avg,
      ctx.build<tg::AvgPoolOp>(
          {r}, {ctx.named("kernel_shape", ctx.i64s({size, 1})),
                ctx.named("strides", ctx.i64s({1, 1})),
                ctx.named("pads", ctx.i64s({before, 0, after, 0})),
                ctx.named("dilations", ctx.i64s({1, 1})),
                ctx.named("count_include_pad", ctx.builder.getUnitAttr())}));
  TRY(back, ctx.buildTyped<tg::ReshapeOp>(type, {avg}));
  // avg = sum / size, so alpha / size * sum = alpha * avg.
  TRY(scaled, ctx.build<tg::MulOp>({back, scalarOf(ctx, t, alpha)}));
  TRY(shifted, ctx.build<tg::AddOp>({scaled, scalarOf(ctx, t, bias)}));
  TRY(power, ctx.build<tg::PowOp>({shifted, scalarOf(ctx, t, beta)}));
  return ctx.setOutput(ctx.build<tg::DivOp>({x, power}));
}

} // namespace

void tessera::onnx_import::registerNormalizationOps(ConverterRegistry &r) {
  r.add("GroupNormalization", 18, convertGroupNorm);
  r.add("InstanceNormalization", 6, convertInstanceNorm);
  r.add("LRN", 1, convertLRN);
  r.add("MeanVarianceNormalization", 9, convertMeanVarianceNorm);
}
