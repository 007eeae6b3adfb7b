//===- FormRowKernels.cpp - tk.reduce from tg softmax and layer norm ------===//
//
// Kernel formation for the row family: f32 tg.softmax, tg.log_softmax and
// tg.layer_norm (scale and bias shaped as the normalised dimensions)
// become one tk.reduce each, instead of the reduction, broadcast and
// elementwise generics their linalg lowering spells.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::tk;

namespace {

Value emptyLike(PatternRewriter &rewriter, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                 type.getElementType());
}

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

} // namespace

void tessera::tk::populateRowFormationPatterns(RewritePatternSet &patterns) {
  patterns.add<SoftmaxToKernel<tg::SoftmaxOp, RowKind::softmax>,
               SoftmaxToKernel<tg::LogSoftmaxOp, RowKind::log_softmax>,
               LayerNormToKernel>(patterns.getContext());
}
