//===- OpsLosses.cpp - ONNX loss ops in tg ops ----------------------------===//
//
// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (the losses the node
// tests use) as gather_elements, masking and reductions.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/ConverterUtils.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

namespace {

Type elementOf(NodeContext &ctx, Value v) {
  return ctx.typeOf(v).getElementType();
}

/// NegativeLogLikelihoodLoss over log-probabilities `input` (N x C x d...)
/// and integer `target` (N x d...): -input[n, target, d...] * weight[target],
/// zero where target == ignore_index, reduced by `reduction`.
FailureOr<Value> negativeLogLikelihood(NodeContext &ctx, Value input,
                                       Value target, Value weight) {
  RankedTensorType inputType = ctx.typeOf(input);
  if (inputType.getRank() < 2 || ctx.rankOf(target) != inputType.getRank() - 1)
    return ctx.error("expects input N x C x ... and target N x ...");
  Type t = inputType.getElementType(), it = elementOf(ctx, target);
  std::string reduction = ctx.getString("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return ctx.error("unknown reduction '" + reduction + "'");
  Value safeTarget = target, mask;
  bool ignore = ctx.attribute("ignore_index") != nullptr;
  if (ignore) {
    auto m = compareOp(ctx, tg::ComparePredicate::eq, target,
                       scalarOf(ctx, it, ctx.getInt("ignore_index", 0)));
    if (failed(m))
      return failure();
    mask = *m;
    auto safe = whereOp(ctx, mask, scalarOf(ctx, it, 0), target);
    if (failed(safe))
      return failure();
    safeTarget = *safe;
  }
  auto index = ctx.build<tg::UnsqueezeOp>({safeTarget},
                                          {ctx.named("axes", ctx.i64s({1}))});
  if (failed(index))
    return failure();
  auto picked = ctx.build<tg::GatherElementsOp>(
      {input, *index}, {ctx.named("axis", ctx.builder.getI64IntegerAttr(1))});
  if (failed(picked))
    return failure();
  auto squeezed =
      ctx.build<tg::SqueezeOp>({*picked}, {ctx.named("axes", ctx.i64s({1}))});
  if (failed(squeezed))
    return failure();
  auto loss = ctx.build<tg::NegOp>({*squeezed});
  if (failed(loss))
    return failure();
  RankedTensorType lossType = ctx.typeOf(*loss);
  Value weights;
  if (weight) {
    auto w = ctx.build<tg::GatherOp>(
        {weight, safeTarget},
        {ctx.named("axis", ctx.builder.getI64IntegerAttr(0))});
    if (failed(w))
      return failure();
    weights = *w;
  } else {
    weights = ctx.constant(
        DenseElementsAttr::get(lossType, ctx.builder.getFloatAttr(t, 1.0)));
  }
  if (ignore) {
    auto w = whereOp(ctx, mask, scalarOf(ctx, t, 0), weights);
    if (failed(w))
      return failure();
    weights = *w;
  }
  auto weighted = ctx.build<tg::MulOp>({*loss, weights});
  if (failed(weighted))
    return failure();
  if (reduction == "none")
    return *weighted;
  SmallVector<NamedAttribute> all{ctx.named(
      "axes",
      ctx.i64s(llvm::to_vector(llvm::seq<int64_t>(0, lossType.getRank()))))};
  auto sum = ctx.build<tg::ReduceSumOp>({*weighted}, all);
  if (failed(sum) || reduction == "sum")
    return sum;
  auto total = ctx.build<tg::ReduceSumOp>({weights}, all);
  if (failed(total))
    return failure();
  return ctx.build<tg::DivOp>({*sum, *total});
}

LogicalResult convertNegativeLogLikelihood(NodeContext &ctx) {
  TRY(input, ctx.required(0));
  TRY(target, ctx.required(1));
  return ctx.setOutput(negativeLogLikelihood(ctx, input, target, ctx.input(2)));
}

LogicalResult convertSoftmaxCrossEntropy(NodeContext &ctx) {
  TRY(scores, ctx.required(0));
  TRY(labels, ctx.required(1));
  if (ctx.rankOf(scores) < 2)
    return ctx.error("scores must have rank >= 2");
  TRY(logProb,
      ctx.build<tg::LogSoftmaxOp>(
          {scores}, {ctx.named("axis", ctx.builder.getI64IntegerAttr(1))}));
  TRY(loss, negativeLogLikelihood(ctx, logProb, labels, ctx.input(2)));
  return ctx.setOutputs({loss, logProb});
}

} // namespace

void tessera::onnx_import::registerLossOps(ConverterRegistry &r) {
  r.add("NegativeLogLikelihoodLoss", 12, convertNegativeLogLikelihood);
  r.add("SoftmaxCrossEntropyLoss", 12, convertSoftmaxCrossEntropy);
}
