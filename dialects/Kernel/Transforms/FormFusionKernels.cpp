//===- FormFusionKernels.cpp - tk.fusion from elementwise linalg ----------===//
//
// Kernel formation for elementwise work (tk-form-fusions), after linalg's
// elementwise fusion: every elementwise linalg.generic on tensors becomes a
// tk.fusion; the transposes, expanding reshapes and broadcasts producing
// its inputs fold into its input maps; and a tk.fusion producing an input
// that only it reads, element for element, merges into its body. What was
// several generics with reindexing copies between them (which upstream
// fusion cannot see through) becomes one kernel.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/Formation.h"
#include "dialects/Kernel/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"

namespace tessera::tk {
#define GEN_PASS_DEF_FORMFUSIONS
#include "dialects/Kernel/Transforms/Passes.h.inc"
} // namespace tessera::tk

using namespace mlir;
using namespace tessera;
using namespace tessera::tk;

namespace {

bool isStaticTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.hasStaticShape();
}

/// Whether every result of `map` is linear (tk's operand-map rule).
bool isLinear(AffineMap map) {
  return llvm::all_of(map.getResults(), [](AffineExpr expr) {
    return succeeded(linearTerms(expr));
  });
}

AffineMap simplified(AffineMap map) {
  SmallVector<AffineExpr> results;
  for (AffineExpr expr : map.getResults())
    results.push_back(simplifyAffineExpr(expr, map.getNumDims(), 0));
  return AffineMap::get(map.getNumDims(), 0, results, map.getContext());
}

/// Whether `map` (linear, over loops of `sizes`) reads each element of an
/// operand of `type` at most once: its row-major flat index is a mixed-radix
/// number (each coefficient past the largest offset below it).
bool isInjective(AffineMap map, RankedTensorType type,
                 ArrayRef<int64_t> sizes) {
  SmallVector<int64_t> coefficient(map.getNumDims(), 0);
  int64_t stride = 1;
  for (int64_t r = static_cast<int64_t>(map.getNumResults()) - 1; r >= 0; --r) {
    FailureOr<SmallVector<LinearTerm>> terms = linearTerms(map.getResult(r));
    if (failed(terms))
      return false;
    for (const LinearTerm &term : *terms)
      coefficient[term.dim] += term.coefficient * stride;
    stride *= type.getDimSize(r);
  }
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < static_cast<int64_t>(sizes.size()); ++d) {
    if (sizes[d] == 1)
      continue;
    if (coefficient[d] == 0)
      return false;
    dims.push_back(d);
  }
  llvm::sort(dims, [&](int64_t a, int64_t b) {
    return coefficient[a] < coefficient[b];
  });
  int64_t reach = 0;
  for (int64_t d : dims) {
    if (coefficient[d] <= reach)
      return false;
    reach += coefficient[d] * (sizes[d] - 1);
  }
  return true;
}

/// A tk.fusion of `inputs` (read through `maps`, over the dims of `init`)
/// writing `init`, its body built by `build(builder, arguments)`.
FusionOp
createFusion(PatternRewriter &rewriter, Location loc, ValueRange inputs,
             ArrayRef<AffineMap> maps, Value init,
             function_ref<Value(OpBuilder &, Location, ValueRange)> build) {
  SmallVector<AffineMap> all(maps);
  all.push_back(AffineMap::getMultiDimIdentityMap(
      cast<RankedTensorType>(init.getType()).getRank(), rewriter.getContext()));
  auto fusion =
      FusionOp::create(rewriter, loc, TypeRange{init.getType()}, inputs, init,
                       rewriter.getAffineMapArrayAttr(all));
  OpBuilder::InsertionGuard guard(rewriter);
  Block *body = rewriter.createBlock(&fusion.getBody());
  for (Value input : inputs)
    body->addArgument(getElementTypeOrSelf(input.getType()), loc);
  YieldOp::create(rewriter, loc, build(rewriter, loc, body->getArguments()));
  return fusion;
}

/// Clones `block`'s ops (but its terminator) with `mapping`; returns the
/// mapped value of `yielded`.
Value cloneBody(OpBuilder &builder, Block &block, IRMapping &mapping,
                Value yielded) {
  for (Operation &op : block.without_terminator())
    builder.clone(op, mapping);
  return mapping.lookupOrDefault(yielded);
}

struct GenericToFusion : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
        op.getNumResults() != 1 ||
        op.getNumParallelLoops() != op.getNumLoops())
      return rewriter.notifyMatchFailure(op, "not one elementwise output");
    if (!llvm::all_of(op->getOperandTypes(), isStaticTensor))
      return rewriter.notifyMatchFailure(op, "operands not static tensors");
    Block &block = *op.getBody();
    if (!block.getArguments().back().use_empty())
      return rewriter.notifyMatchFailure(op, "reads its output");
    for (Operation &nested : block.without_terminator())
      if (isa<linalg::IndexOp>(nested) || nested.getNumRegions() ||
          !isMemoryEffectFree(&nested))
        return rewriter.notifyMatchFailure(
            op, "body reads loop indices or has effects or regions");
    // The kernel is isolated: constants from above are cloned into it,
    // anything else from above keeps the generic.
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(op.getRegion(), above);
    for (Value value : above)
      if (!matchPattern(value, m_Constant()))
        return rewriter.notifyMatchFailure(
            op, "body uses a non-constant value from above");
    AffineMap outMap = op.getIndexingMapsArray().back();
    if (!outMap.isPermutation())
      return rewriter.notifyMatchFailure(op, "output map not a permutation");
    // Every map over the output's dims.
    AffineMap toLoops = inversePermutation(outMap);
    SmallVector<AffineMap> maps;
    for (OpOperand *input : op.getDpsInputOperands()) {
      AffineMap map = simplified(op.getMatchingIndexingMap(input).compose(toLoops));
      if (!isLinear(map))
        return rewriter.notifyMatchFailure(op, "input map not linear");
      maps.push_back(map);
    }
    // The body never reads the output: a fresh destination keeps an input
    // used as the init from being copied before it is overwritten.
    Value init = op.getDpsInits()[0];
    if (!init.getDefiningOp<tensor::EmptyOp>())
      init = emptyLike(rewriter, op.getLoc(), init);
    auto yield = cast<linalg::YieldOp>(block.getTerminator());
    FusionOp fusion = createFusion(
        rewriter, op.getLoc(), op.getDpsInputs(), maps, init,
        [&](OpBuilder &b, Location, ValueRange arguments) {
          IRMapping mapping;
          for (auto [from, to] : llvm::zip(block.getArguments(), arguments))
            mapping.map(from, to);
          for (Value value : above)
            mapping.map(value, b.clone(*value.getDefiningOp())->getResult(0));
          return cloneBody(b, block, mapping, yield.getValues()[0]);
        });
    rewriter.replaceOp(op, fusion.getResults());
    return success();
  }
};

/// The map reading the source of `input`'s producer (a transpose or
/// broadcast, see reindexOf, or an expanding reshape) for the fusion's map
/// `map` of `input`;
/// failure when there is no such producer or the map would not be linear.
FailureOr<std::pair<Value, AffineMap>> foldProducer(Value input,
                                                    AffineMap map) {
  ArrayRef<AffineExpr> results = map.getResults();
  SmallVector<AffineExpr> folded;
  Value source;
  if (FailureOr<Reindex> reindex = reindexOf(input); succeeded(reindex)) {
    for (int64_t dim : reindex->second)
      folded.push_back(dim < 0 ? getAffineConstantExpr(0, map.getContext())
                               : results[dim]);
    source = reindex->first;
  } else if (auto expand = input.getDefiningOp<tensor::ExpandShapeOp>()) {
    auto type = expand.getResultType();
    for (const ReassociationIndices &group :
         expand.getReassociationIndices()) {
      AffineExpr sum = getAffineConstantExpr(0, map.getContext());
      int64_t stride = 1;
      for (int64_t d : llvm::reverse(group)) {
        sum = sum + results[d] * stride;
        stride *= type.getDimSize(d);
      }
      folded.push_back(sum);
    }
    source = expand.getSrc();
  } else {
    return failure();
  }
  if (!isStaticTensor(source.getType()))
    return failure();
  AffineMap result = simplified(
      AffineMap::get(map.getNumDims(), 0, folded, map.getContext()));
  if (!isLinear(result))
    return failure();
  return std::make_pair(source, result);
}

struct FoldFusionInput : OpRewritePattern<FusionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FusionOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "not on tensors");
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<Value> inputs(op.getInputs());
    bool changed = false;
    for (auto [i, input] : llvm::enumerate(inputs)) {
      FailureOr<std::pair<Value, AffineMap>> folded =
          foldProducer(input, maps[i]);
      if (failed(folded))
        continue;
      input = folded->first;
      maps[i] = folded->second;
      changed = true;
    }
    if (!changed)
      return rewriter.notifyMatchFailure(
          op, "no input is a transpose, expanding reshape or broadcast");
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputsMutable().assign(inputs);
      op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
    });
    return success();
  }
};

/// A tk.fusion input produced by another tk.fusion that nothing else reads,
/// each of its elements read once: the producer's body moves into the
/// consumer, its inputs read through their maps composed with the
/// consumer's map of the producer's result.
struct MergeFusionProducer : OpRewritePattern<FusionOp> {
  MergeFusionProducer(MLIRContext *context, int64_t maxBodyOps)
      : OpRewritePattern(context), maxBodyOps(maxBodyOps) {}

  LogicalResult matchAndRewrite(FusionOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "not on tensors");
    auto bodySize = [](FusionOp fusion) {
      return static_cast<int64_t>(
          fusion.getBody().front().getOperations().size());
    };
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    ArrayRef<int64_t> sizes =
        cast<RankedTensorType>(op.getInit().getType()).getShape();
    for (auto [position, input] : llvm::enumerate(op.getInputs())) {
      size_t index = position;
      auto producer = input.getDefiningOp<FusionOp>();
      if (!producer || !input.hasOneUse() ||
          bodySize(producer) + bodySize(op) > maxBodyOps ||
          !isInjective(maps[index], cast<RankedTensorType>(input.getType()),
                       sizes))
        continue;
      SmallVector<Value> inputs;
      SmallVector<AffineMap> newMaps;
      for (auto [i, value] : llvm::enumerate(op.getInputs()))
        if (i != index) {
          inputs.push_back(value);
          newMaps.push_back(maps[i]);
        }
      bool linear = true;
      for (auto [value, map] : llvm::zip(
               producer.getInputs(), producer.getIndexingMapsArray())) {
        AffineMap composed = simplified(map.compose(maps[index]));
        linear &= isLinear(composed);
        inputs.push_back(value);
        newMaps.push_back(composed);
      }
      if (!linear)
        continue;
      Block &consumerBody = op.getBody().front();
      Block &producerBody = producer.getBody().front();
      rewriter.setInsertionPoint(op);
      FusionOp merged = createFusion(
          rewriter, op.getLoc(), inputs, newMaps, op.getInit(),
          [&](OpBuilder &b, Location, ValueRange arguments) {
            size_t kept = op.getInputs().size() - 1;
            IRMapping inner;
            for (auto [from, to] : llvm::zip(producerBody.getArguments(),
                                             arguments.drop_front(kept)))
              inner.map(from, to);
            Value element = cloneBody(
                b, producerBody, inner,
                cast<YieldOp>(producerBody.getTerminator()).getValue());
            IRMapping outer;
            size_t next = 0;
            for (auto [i, argument] :
                 llvm::enumerate(consumerBody.getArguments()))
              outer.map(argument, i == index ? element : arguments[next++]);
            return cloneBody(
                b, consumerBody, outer,
                cast<YieldOp>(consumerBody.getTerminator()).getValue());
          });
      rewriter.replaceOp(op, merged.getResults());
      rewriter.eraseOp(producer);
      return success();
    }
    return rewriter.notifyMatchFailure(
        op, "no input is a tk.fusion read only here, element for element, "
            "whose body fits with this one's in max-body-ops");
  }

  int64_t maxBodyOps;
};

struct FormFusionsPass : tk::impl::FormFusionsBase<FormFusionsPass> {
  using FormFusionsBase::FormFusionsBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFusionFormationPatterns(patterns, maxBodyOps);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void tessera::tk::populateFusionFormationPatterns(RewritePatternSet &patterns,
                                                  int64_t maxBodyOps) {
  patterns.add<GenericToFusion, FoldFusionInput>(patterns.getContext());
  patterns.add<MergeFusionProducer>(patterns.getContext(), maxBodyOps);
}
