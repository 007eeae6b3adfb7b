//===- FormRowKernels.cpp - tk.reduce from tg softmax and layer norm ------===//
//
// Kernel formation for the row family: f32 tg.softmax, tg.log_softmax and
// tg.layer_norm (scale and bias shaped as the normalised dimensions), and
// RMS normalisation as exporters spell it in tg ops, become one tk.reduce
// each, instead of the reduction, broadcast and elementwise generics their
// linalg lowering spells.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/Formation.h"
#include "dialects/Kernel/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::tk;

namespace {


template <typename OpTy, RowKind Kind>
struct SoftmaxToKernel : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    if (!type.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not f32");
    Value init = emptyLike(rewriter, op.getLoc(), op.getResult());
    rewriter.replaceOpWithNewOp<ReduceOp>(
        op, TypeRange{type}, op.getInput(), ValueRange{}, init,
        RowKindAttr::get(rewriter.getContext(), Kind),
        rewriter.getI64IntegerAttr(op.getAxis()), rewriter.getF32FloatAttr(1.0e-5f));
    return success();
  }
};

struct LayerNormToKernel : OpRewritePattern<tg::LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tg::LayerNormOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    if (!type.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not f32");
    ArrayRef<int64_t> normalized = type.getShape().drop_front(op.getAxis());
    SmallVector<Value> parameters{op.getScale()};
    if (op.getBias())
      parameters.push_back(op.getBias());
    for (Value parameter : parameters)
      if (cast<RankedTensorType>(parameter.getType()).getShape() != normalized)
        return rewriter.notifyMatchFailure(
            op, "scale or bias broadcast within the normalised dimensions");
    Value init = emptyLike(rewriter, op.getLoc(), op.getResult());
    rewriter.replaceOpWithNewOp<ReduceOp>(
        op, TypeRange{type}, op.getInput(), parameters, init,
        RowKindAttr::get(rewriter.getContext(), RowKind::layer_norm),
        rewriter.getI64IntegerAttr(op.getAxis()), op.getEpsilonAttr());
    return success();
  }
};

/// The value of a splat f32 constant.
std::optional<float> splat(Value value) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.isSplat() ||
      !attr.getElementType().isF32())
    return std::nullopt;
  return attr.getSplatValue<float>();
}

template <typename OpTy> OpTy defining(Value value) {
  return value ? value.getDefiningOp<OpTy>() : OpTy();
}

/// RMS normalisation as exporters spell it (LLaMA and most decoder
/// blocks): `x * reciprocal(sqrt(mean(x^2) + eps))`, with `x / sqrt(...)`,
/// `1 / sqrt(...)`, `x * x` or `pow(x, 2)` as alternatives, the mean over
/// the trailing dimensions with keepdims.
struct RMSNormToKernel : RewritePattern {
  RMSNormToKernel(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *root,
                                PatternRewriter &rewriter) const override {
    if (!isa<tg::MulOp, tg::DivOp>(root))
      return rewriter.notifyMatchFailure(root, "not a mul or div");
    // The normalised value and the root-mean-square it is divided by.
    Value x, rms;
    if (auto div = dyn_cast<tg::DivOp>(root)) {
      x = div.getLhs();
      rms = div.getRhs();
    } else {
      auto mul = cast<tg::MulOp>(root);
      for (auto [a, b] : {std::pair(mul.getLhs(), mul.getRhs()),
                          std::pair(mul.getRhs(), mul.getLhs())}) {
        if (auto reciprocal = defining<tg::ReciprocalOp>(b)) {
          x = a;
          rms = reciprocal.getInput();
        } else if (auto inverse = defining<tg::DivOp>(b);
                   inverse && splat(inverse.getLhs()) == 1.0f) {
          x = a;
          rms = inverse.getRhs();
        }
        if (x)
          break;
      }
    }
    auto sqrt = defining<tg::SqrtOp>(rms);
    auto add = sqrt ? defining<tg::AddOp>(sqrt.getInput()) : tg::AddOp();
    if (!add)
      return rewriter.notifyMatchFailure(root, "no sqrt(... + eps)");
    tg::ReduceMeanOp mean;
    std::optional<float> epsilon;
    for (auto [a, b] : {std::pair(add.getLhs(), add.getRhs()),
                        std::pair(add.getRhs(), add.getLhs())})
      if (defining<tg::ReduceMeanOp>(a) && splat(b)) {
        mean = defining<tg::ReduceMeanOp>(a);
        epsilon = splat(b);
      }
    if (!mean || !mean.getKeepdims() || !epsilon || *epsilon < 0)
      return rewriter.notifyMatchFailure(root, "no mean(...) + eps");
    Value squares = mean.getInput();
    bool squared = false;
    if (auto pow = defining<tg::PowOp>(squares))
      squared = pow.getLhs() == x && splat(pow.getRhs()) == 2.0f;
    else if (auto mul = defining<tg::MulOp>(squares))
      squared = mul.getLhs() == x && mul.getRhs() == x;
    if (!squared)
      return rewriter.notifyMatchFailure(root, "mean is not of x^2");
    auto type = cast<RankedTensorType>(x.getType());
    if (!type.getElementType().isF32() ||
        root->getResult(0).getType() != type)
      return rewriter.notifyMatchFailure(root, "not f32 of x's shape");
    ArrayRef<int64_t> axes = mean.getAxes();
    int64_t rank = type.getRank();
    if (axes.empty() || axes.back() != rank - 1 ||
        static_cast<int64_t>(axes.size()) != rank - axes.front())
      return rewriter.notifyMatchFailure(root, "not over trailing dims");
    Value init = emptyLike(rewriter, root->getLoc(), x);
    rewriter.replaceOpWithNewOp<ReduceOp>(
        root, TypeRange{type}, x, ValueRange{}, init,
        RowKindAttr::get(rewriter.getContext(), RowKind::rms_norm),
        rewriter.getI64IntegerAttr(axes.front()),
        rewriter.getF32FloatAttr(*epsilon));
    return success();
  }
};

/// The weight after an RMS norm (`norm * w`, w shaped as the normalised
/// dimensions) becomes its scale.
struct FoldRMSNormScale : OpRewritePattern<tg::MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tg::MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [a, w] : {std::pair(op.getLhs(), op.getRhs()),
                        std::pair(op.getRhs(), op.getLhs())}) {
      auto norm = defining<ReduceOp>(a);
      if (!norm || norm.getKind() != RowKind::rms_norm ||
          !norm.getParameters().empty() || !a.hasOneUse() ||
          op.getType() != a.getType())
        continue;
      auto type = cast<RankedTensorType>(a.getType());
      if (cast<RankedTensorType>(w.getType()).getShape() !=
          type.getShape().drop_front(norm.getAxis()))
        continue;
      rewriter.replaceOpWithNewOp<ReduceOp>(
          op, TypeRange{type}, norm.getInput(), ValueRange{w},
          norm.getInit(), norm.getKindAttr(), norm.getAxisAttr(),
          norm.getEpsilonAttr());
      rewriter.eraseOp(norm);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not an RMS norm times its weight");
  }
};

} // namespace

void tessera::tk::populateRowFormationPatterns(RewritePatternSet &patterns) {
  patterns.add<SoftmaxToKernel<tg::SoftmaxOp, RowKind::softmax>,
               SoftmaxToKernel<tg::LogSoftmaxOp, RowKind::log_softmax>,
               LayerNormToKernel, RMSNormToKernel, FoldRMSNormScale>(
      patterns.getContext());
}
