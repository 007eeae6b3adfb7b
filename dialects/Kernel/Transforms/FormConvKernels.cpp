//===- FormConvKernels.cpp - tk.conv from tg convolutions -----------------===//
//
// Kernel formation for the convolution family: tg.conv_transpose becomes a
// tk.conv in its transposed mode (no zero-stuffed input), and the direct
// convolutions the linalg named ops do not cover (1-D, 3-D and higher,
// grouped but not depthwise) a direct tk.conv; a bias becomes an epilogue
// input, and the elementwise op after the kernel moves into its epilogue.
// 2-D dense and depthwise convolutions keep their register-tiled linalg
// path (tessera-cpu-kernels) until it moves onto tk.conv.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/Formation.h"
#include "dialects/Kernel/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::tk;

namespace {

/// A tk.conv for `op` (tg.conv or tg.conv_transpose): the bias, when there
/// is one, added in the epilogue.
template <typename OpTy>
ConvOp buildConv(PatternRewriter &rewriter, OpTy op, bool transposed) {
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op.getType());
  Value init = emptyLike(rewriter, loc, op.getResult());
  SmallVector<Value> epilogueInputs;
  SmallVector<Attribute> maps;
  if (Value bias = op.getBias()) {
    epilogueInputs.push_back(bias);
    maps.push_back(AffineMapAttr::get(AffineMap::get(
        resultType.getRank(), 0, rewriter.getAffineDimExpr(1))));
  }
  auto conv = ConvOp::create(
      rewriter, loc, TypeRange{resultType}, op.getInput(), op.getWeight(),
      epilogueInputs, init, op.getStrides(), op.getDilations(), op.getPads(),
      op.getGroup(), rewriter.getArrayAttr(maps), transposed);
  Type f32 = rewriter.getF32Type();
  Block *body = rewriter.createBlock(&conv.getEpilogue());
  Value value = body->addArgument(f32, loc);
  if (op.getBias())
    value = arith::AddFOp::create(rewriter, loc, value,
                                  body->addArgument(f32, loc));
  YieldOp::create(rewriter, loc, value);
  return conv;
}

bool isF32(Value value) {
  return cast<RankedTensorType>(value.getType()).getElementType().isF32();
}

struct ConvTransposeToKernel : OpRewritePattern<tg::ConvTransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tg::ConvTransposeOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getResult()))
      return rewriter.notifyMatchFailure(op, "not f32");
    rewriter.replaceOp(op, buildConv(rewriter, op, /*transposed=*/true));
    return success();
  }
};

struct DirectConvToKernel : OpRewritePattern<tg::ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tg::ConvOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getResult()))
      return rewriter.notifyMatchFailure(op, "not f32");
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    int64_t groups = op.getGroup();
    bool depthwise = groups > 1 && weightType.getDimSize(0) == groups &&
                     weightType.getDimSize(1) == 1;
    if (weightType.getRank() == 4 && (groups == 1 || depthwise))
      return rewriter.notifyMatchFailure(
          op, "2-D dense and depthwise convolutions take the named-op path");
    rewriter.replaceOp(op, buildConv(rewriter, op, /*transposed=*/false));
    return success();
  }
};

/// The elementwise generic after a tk.conv, over the output's own index
/// space (identity maps for the result and its output), moves into the
/// epilogue; its other inputs become epilogue inputs with their maps.
struct FoldConvEpilogue : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConvOp op,
                                PatternRewriter &rewriter) const override {
    std::string why;
    FailureOr<EpilogueConsumer> consumer = matchEpilogueConsumer(op, why);
    if (failed(consumer))
      return rewriter.notifyMatchFailure(op, why);
    Value result = op.getResult().front();
    linalg::GenericOp generic = consumer->generic;
    Value init = generic.getDpsInits()[0];
    if (!consumer->resultMap.isIdentity() ||
        !generic.getIndexingMapsArray().back().isIdentity() ||
        init.getType() != result.getType())
      return rewriter.notifyMatchFailure(op, "user reindexes the result");
    SmallVector<Value> epilogueInputs(op.getEpilogueInputs());
    SmallVector<Attribute> maps(op.getEpilogueMaps().getValue());
    SmallVector<int64_t> argumentOf;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      if (input->get() == result) {
        argumentOf.push_back(0);
        continue;
      }
      AffineMap map = generic.getMatchingIndexingMap(input);
      auto type = cast<RankedTensorType>(input->get().getType());
      for (auto [r, expr] : llvm::enumerate(map.getResults())) {
        auto constant = dyn_cast<AffineConstantExpr>(expr);
        if (!isa<AffineDimExpr>(expr) &&
            !(constant && constant.getValue() == 0 && type.getDimSize(r) == 1))
          return rewriter.notifyMatchFailure(op, "input map not a projection");
      }
      if (!type.getElementType().isF32())
        return rewriter.notifyMatchFailure(op, "input is not f32");
      argumentOf.push_back(1 + epilogueInputs.size());
      epilogueInputs.push_back(input->get());
      maps.push_back(AffineMapAttr::get(map));
    }
    rewriter.setInsertionPoint(generic);
    auto fused = ConvOp::create(
        rewriter, op.getLoc(), TypeRange{init.getType()}, op.getInput(),
        op.getFilter(), epilogueInputs, init, op.getStrides(),
        op.getDilations(), op.getPads(), op.getGroups(),
        rewriter.getArrayAttr(maps), op.getTransposed());
    rewriter.inlineRegionBefore(op.getEpilogue(), fused.getEpilogue(),
                                fused.getEpilogue().end());
    appendEpilogue(rewriter, fused.getEpilogue().front(), generic, result,
                   argumentOf);
    rewriter.replaceOp(generic, fused.getResults());
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void tessera::tk::populateConvFormationPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvTransposeToKernel, DirectConvToKernel, FoldConvEpilogue>(
      patterns.getContext());
}
