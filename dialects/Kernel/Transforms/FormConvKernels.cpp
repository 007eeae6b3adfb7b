//===- FormConvKernels.cpp - tk.conv and tk.pool from tg windows ----------===//
//
// Kernel formation for the window families: tg.conv becomes a direct
// tk.conv (any spatial rank, dense, grouped or depthwise), tg.conv_transpose
// a tk.conv in its transposed mode (no zero-stuffed input); a bias becomes
// an epilogue input. tg.max_pool becomes a max tk.pool, tg.avg_pool a sum
// tk.pool whose epilogue divides by the taps that count (a constant, or an
// epilogue input of divisors when padding makes them vary). The
// elementwise op after either kernel then moves into its epilogue.
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
      op.getGroup(), rewriter.getArrayAttr(maps), transposed,
      /*config=*/CPUWindowAttr());
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
    rewriter.replaceOp(op, buildConv(rewriter, op, /*transposed=*/false));
    return success();
  }
};

/// A tk.pool of `kind` for `op`, its epilogue yielding what `finish`
/// makes of the combined value.
template <typename OpTy>
PoolOp buildPool(PatternRewriter &rewriter, OpTy op, PoolKind kind,
                 ValueRange epilogueInputs, ArrayRef<Attribute> maps,
                 function_ref<Value(OpBuilder &, Location, Block *)> finish) {
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op.getType());
  auto pool = PoolOp::create(
      rewriter, loc, TypeRange{resultType}, op.getInput(), epilogueInputs,
      emptyLike(rewriter, loc, op.getResult()), kind, op.getKernelShape(),
      op.getStrides(), op.getDilations(), op.getPads(),
      rewriter.getArrayAttr(maps), /*config=*/CPUWindowAttr());
  Type f32 = rewriter.getF32Type();
  Block *body = rewriter.createBlock(&pool.getEpilogue());
  body->addArgument(f32, loc);
  for (size_t i = 0; i < epilogueInputs.size(); ++i)
    body->addArgument(f32, loc);
  YieldOp::create(rewriter, loc, finish(rewriter, loc, body));
  return pool;
}

struct MaxPoolToKernel : OpRewritePattern<tg::MaxPoolOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tg::MaxPoolOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getResult()))
      return rewriter.notifyMatchFailure(op, "not f32");
    rewriter.replaceOp(
        op, buildPool(rewriter, op, PoolKind::max, {}, {},
                      [](OpBuilder &, Location, Block *body) -> Value {
                        return body->getArgument(0);
                      }));
    return success();
  }
};

struct AvgPoolToKernel : OpRewritePattern<tg::AvgPoolOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tg::AvgPoolOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getResult()))
      return rewriter.notifyMatchFailure(op, "not f32");
    SmallVector<int64_t> divisors = op.getDivisors();
    bool uniform = llvm::all_equal(divisors);
    SmallVector<Value> inputs;
    SmallVector<Attribute> maps;
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();
    if (!uniform) {
      // Divisors over the spatial output positions.
      SmallVector<float> values(divisors.begin(), divisors.end());
      auto type = RankedTensorType::get(resultType.getShape().drop_front(2),
                                        rewriter.getF32Type());
      inputs.push_back(arith::ConstantOp::create(
          rewriter, op.getLoc(),
          DenseElementsAttr::get(type, ArrayRef<float>(values))));
      SmallVector<AffineExpr> spatial;
      for (int64_t d = 2; d < rank; ++d)
        spatial.push_back(rewriter.getAffineDimExpr(d));
      maps.push_back(AffineMapAttr::get(
          AffineMap::get(rank, 0, spatial, rewriter.getContext())));
    }
    float divisor = divisors.empty() ? 1.0f : divisors.front();
    rewriter.replaceOp(
        op, buildPool(rewriter, op, PoolKind::sum, inputs, maps,
                      [&](OpBuilder &b, Location loc, Block *body) -> Value {
                        Value by =
                            uniform ? Value(arith::ConstantOp::create(
                                          b, loc, b.getF32FloatAttr(divisor)))
                                    : Value(body->getArgument(1));
                        return arith::DivFOp::create(b, loc,
                                                     body->getArgument(0), by);
                      }));
    return success();
  }
};

/// The same window kernel as `op` with other epilogue inputs and maps,
/// writing `init` (the epilogue region left empty).
ConvOp rebuild(PatternRewriter &rewriter, ConvOp op, ValueRange inputs,
               ArrayAttr maps, Value init) {
  return ConvOp::create(rewriter, op.getLoc(), TypeRange{init.getType()},
                        op.getInput(), op.getFilter(), inputs, init,
                        op.getStrides(), op.getDilations(), op.getPads(),
                        op.getGroups(), maps, op.getTransposed(),
                        op.getConfigAttr());
}
PoolOp rebuild(PatternRewriter &rewriter, PoolOp op, ValueRange inputs,
               ArrayAttr maps, Value init) {
  return PoolOp::create(rewriter, op.getLoc(), TypeRange{init.getType()},
                        op.getInput(), inputs, init, op.getKind(),
                        op.getWindow(), op.getStrides(), op.getDilations(),
                        op.getPads(), maps, op.getConfigAttr());
}

/// The elementwise generic after a tk.conv or tk.pool, over the output's
/// own index space (identity maps for the result and its output), moves
/// into the epilogue; its other inputs become epilogue inputs with their
/// maps.
template <typename OpTy>
struct FoldWindowEpilogue : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
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
    OpTy fused =
        rebuild(rewriter, op, epilogueInputs, rewriter.getArrayAttr(maps), init);
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

void tessera::tk::populateDirectConvFormationPatterns(
    RewritePatternSet &patterns) {
  patterns.add<DirectConvToKernel, FoldWindowEpilogue<ConvOp>>(
      patterns.getContext());
}

void tessera::tk::populateConvFormationPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvTransposeToKernel, DirectConvToKernel, MaxPoolToKernel,
               AvgPoolToKernel, FoldWindowEpilogue<ConvOp>,
               FoldWindowEpilogue<PoolOp>>(patterns.getContext());
  populateSpaceToDepthConvPatterns(patterns);
}
