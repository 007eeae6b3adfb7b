//===- FormAttention.cpp - tk.attention from scores, softmax and context --===//
//
// tk-form-attention: the three kernels formation leaves for every attention
// head group — the scores `tk.matmul` (Q x K^T with its scale and mask in
// the epilogue), the softmax `tk.reduce` over the keys, and the context
// `tk.matmul` reducing the probabilities against V — become one
// tk.attention, whose maps are the scores' and the context's expressed over
// one iteration space `(b..., m, n, d, e)`.
//
// The two matmuls meet in the probability tensor P: the scores write it
// through their output map, the context reads it through its lhs map. Every
// dimension of P but the softmax axis is the same mixed-radix combination
// of loops on both sides (same coefficients, same extents), which pairs
// each loop of the scores with one loop of the context; the softmax axis is
// the scores' `n` and the context's `k`; the scores' `k` becomes the new
// `d`. Loops of extent 1 pair with nothing and read index 0.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace tessera::tk {
#define GEN_PASS_DEF_FORMATTENTION
#include "dialects/Kernel/Transforms/Passes.h.inc"
} // namespace tessera::tk

using namespace mlir;
using namespace tessera;
using namespace tessera::tk;

namespace {

/// The terms of `expr` over loops whose extent is not 1.
FailureOr<SmallVector<LinearTerm>> liveTerms(AffineExpr expr,
                                             ArrayRef<int64_t> sizes) {
  FailureOr<SmallVector<LinearTerm>> terms = linearTerms(expr);
  if (failed(terms))
    return failure();
  SmallVector<LinearTerm> live;
  for (const LinearTerm &term : *terms)
    if (sizes[term.dim] != 1)
      live.push_back(term);
  return live;
}

bool isIdentityEpilogue(MatmulOp op) {
  Block &body = op.getEpilogue().front();
  return op.getEpilogueInputs().empty() &&
         body.getOperations().size() == 1 &&
         cast<YieldOp>(body.getTerminator()).getValue() == body.getArgument(0);
}

struct FuseAttention : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReduceOp softmax,
                                PatternRewriter &rewriter) const override {
    if (softmax.getKind() != RowKind::softmax || softmax.getNumResults() != 1 ||
        !softmax.getParameters().empty())
      return rewriter.notifyMatchFailure(softmax, "not a softmax on tensors");
    auto scores = softmax.getInput().getDefiningOp<MatmulOp>();
    if (!scores || !scores->hasOneUse() || scores.getConfigAttr())
      return rewriter.notifyMatchFailure(
          softmax, "input is not a tk.matmul read only here");
    if (!softmax->hasOneUse())
      return rewriter.notifyMatchFailure(softmax, "result read more than once");
    OpOperand &use = *softmax->getUses().begin();
    auto context = dyn_cast<MatmulOp>(use.getOwner());
    if (!context || use.getOperandNumber() != 0 || context.getConfigAttr() ||
        context.getRhs() == softmax->getResult(0))
      return rewriter.notifyMatchFailure(
          softmax, "not read as the lhs of a tk.matmul (and only there)");
    if (!isIdentityEpilogue(context))
      return rewriter.notifyMatchFailure(context, "context has an epilogue");
    SmallVector<Value> all(scores->getOperands());
    all.append({context.getRhs(), context.getInit()});
    for (Value operand : all)
      if (!getElementTypeOrSelf(operand.getType()).isF32())
        return rewriter.notifyMatchFailure(softmax, "not f32");
    if (!isElementwiseF32Body(scores.getEpilogue().front()))
      return rewriter.notifyMatchFailure(scores,
                                         "score epilogue not elementwise f32");

    SmallVector<int64_t> sizesS = scores.getLoopSizes();
    SmallVector<int64_t> sizesC = context.getLoopSizes();
    AffineMap outS = scores.getIndexingMapsArray().back();
    AffineMap lhsC = context.getIndexingMapsArray().front();
    int64_t axis = softmax.getAxis();
    int64_t batch = context.getNumBatchDims(), loops = batch + 4;
    MLIRContext *ctx = rewriter.getContext();
    // Context loops -> attention loops: batch, m, e (its n), n (its k).
    SmallVector<AffineExpr> fromC;
    for (int64_t d = 0; d < batch; ++d)
      fromC.push_back(getAffineDimExpr(d, ctx));
    fromC.push_back(getAffineDimExpr(batch, ctx));     // m
    fromC.push_back(getAffineDimExpr(batch + 3, ctx)); // n -> e
    fromC.push_back(getAffineDimExpr(batch + 1, ctx)); // k -> n
    // Score loops -> attention loops, paired through P.
    SmallVector<AffineExpr> fromS(scores.getNumLoops());
    fromS[scores.getKDim()] = getAffineDimExpr(batch + 2, ctx); // k -> d
    for (int64_t r = 0; r < outS.getNumResults(); ++r) {
      FailureOr<SmallVector<LinearTerm>> termsS =
          liveTerms(outS.getResult(r), sizesS);
      FailureOr<SmallVector<LinearTerm>> termsC =
          liveTerms(lhsC.getResult(r), sizesC);
      if (failed(termsS) || failed(termsC) || termsS->size() != termsC->size())
        return rewriter.notifyMatchFailure(
            softmax, "scores and context index the probabilities differently");
      if (r == axis &&
          (termsS->size() != 1 || (*termsS)[0].dim != scores.getNDim() ||
           (*termsC)[0].dim != context.getKDim()))
        return rewriter.notifyMatchFailure(
            softmax, "softmax axis is not the scores' columns and the "
                     "context's reduction");
      for (auto [s, c] : llvm::zip(*termsS, *termsC)) {
        if (s.coefficient != c.coefficient || sizesS[s.dim] != sizesC[c.dim] ||
            (r != axis && (s.dim == scores.getNDim() ||
                           c.dim == context.getKDim())))
          return rewriter.notifyMatchFailure(
              softmax, "scores and context index the probabilities "
                       "differently");
        AffineExpr target = fromC[c.dim];
        if (fromS[s.dim] && fromS[s.dim] != target)
          return rewriter.notifyMatchFailure(softmax,
                                             "a score loop pairs twice");
        fromS[s.dim] = target;
      }
    }
    for (auto [d, expr] : llvm::enumerate(fromS)) {
      if (expr)
        continue;
      if (sizesS[d] != 1)
        return rewriter.notifyMatchFailure(softmax,
                                           "a score loop pairs with nothing");
      expr = getAffineConstantExpr(0, ctx);
    }

    // The operands and their maps over the attention loops.
    auto over = [&](AffineMap map, ArrayRef<AffineExpr> replacement) {
      return map.replaceDimsAndSymbols(replacement, {}, loops, 0);
    };
    SmallVector<AffineMap> mapsS = scores.getIndexingMapsArray();
    SmallVector<AffineMap> mapsC = context.getIndexingMapsArray();
    SmallVector<Value> operands{scores.getLhs(), scores.getRhs(),
                                context.getRhs()};
    SmallVector<AffineMap> maps{over(mapsS[0], fromS), over(mapsS[1], fromS),
                                over(mapsC[1], fromC)};
    for (auto [i, input] : llvm::enumerate(scores.getEpilogueInputs())) {
      operands.push_back(input);
      maps.push_back(over(mapsS[i + 2], fromS));
    }
    operands.push_back(context.getInit());
    maps.push_back(over(mapsC.back(), fromC));
    for (auto [index, map] : llvm::enumerate(maps))
      for (AffineExpr expr : map.getResults()) {
        FailureOr<SmallVector<LinearTerm>> terms = linearTerms(expr);
        if (failed(terms))
          return rewriter.notifyMatchFailure(softmax, "a map is not linear");
        for (const LinearTerm &term : *terms)
          if (!AttentionOp::mayRead(index, maps.size(), loops, term.dim))
            return rewriter.notifyMatchFailure(
                softmax, "an operand reads a loop attention does not give it");
      }

    SmallVector<Attribute> mapAttrs;
    for (AffineMap map : maps)
      mapAttrs.push_back(AffineMapAttr::get(map));
    rewriter.setInsertionPoint(context);
    Location loc = rewriter.getFusedLoc(
        {scores.getLoc(), softmax.getLoc(), context.getLoc()});
    auto attention = AttentionOp::create(
        rewriter, loc, TypeRange{context.getInit().getType()},
        operands[0], operands[1], operands[2],
        ValueRange(operands).slice(3, operands.size() - 4), operands.back(),
        rewriter.getArrayAttr(mapAttrs), CPUTileAttr());
    rewriter.cloneRegionBefore(scores.getEpilogue(), attention.getScore(),
                               attention.getScore().end());
    rewriter.replaceOp(context, attention.getResults());
    rewriter.eraseOp(softmax);
    rewriter.eraseOp(scores);
    return success();
  }
};

struct FormAttentionPass : tk::impl::FormAttentionBase<FormAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateAttentionFormationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void tessera::tk::populateAttentionFormationPatterns(
    RewritePatternSet &patterns) {
  patterns.add<FuseAttention>(patterns.getContext());
}
