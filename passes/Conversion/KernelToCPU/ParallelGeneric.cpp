//===- ParallelGeneric.cpp - large linalg.generic ops on the thread pool --===//
//
// Elementwise chains, depthwise convolutions, pooling and reductions stay
// linalg.generic ops until convert-linalg-to-loops. A large one here gets
// one parallel dimension split across the runtime's thread pool: the op is
// cloned into a task over [begin, end) of that dimension, tiled by one along
// it (subviews of every operand), and the tile loop's bounds set to the
// task's range.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/KernelToCPU/CPUKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace {

/// The first parallel dimension of at least two iterations that every output
/// is indexed by directly (so that tasks write disjoint elements), or -1.
int64_t splitDimension(linalg::GenericOp op, ArrayRef<int64_t> ranges) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (int64_t dim = 0; dim < static_cast<int64_t>(iterators.size()); ++dim) {
    if (iterators[dim] != utils::IteratorType::parallel || ranges[dim] < 2)
      continue;
    bool indexesOutputs =
        llvm::all_of(op.getDpsInitsMutable(), [&](OpOperand &init) {
          AffineMap map = op.getMatchingIndexingMap(&init);
          return llvm::any_of(map.getResults(), [&](AffineExpr expr) {
            auto dimExpr = dyn_cast<AffineDimExpr>(expr);
            return dimExpr && dimExpr.getPosition() == dim;
          });
        });
    if (indexesOutputs)
      return dim;
  }
  return -1;
}

} // namespace

LogicalResult tessera::kernels::parallelizeGeneric(KernelContext &context,
                                                   linalg::GenericOp op) {
  if (!context.parallel || !op.hasPureBufferSemantics() ||
      !isa<func::FuncOp>(op->getParentOp()))
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t total = 1;
  for (int64_t range : ranges) {
    if (ShapedType::isDynamic(range))
      return failure();
    total *= range;
  }
  if (total < context.parallelElements)
    return failure();
  int64_t dim = splitDimension(op, ranges);
  if (dim < 0)
    return failure();

  // The operands, and what the body uses from above (constants).
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(op->getRegions(), above);
  SmallVector<Value> outer(op->getOperands());
  outer.append(above.begin(), above.end());
  emitRange(context, op, ranges[dim], /*parallel=*/true, outer,
            [&](Emitter &e, Value begin, Value end, ValueRange uses) {
              IRMapping mapping;
              mapping.map(outer, uses);
              auto clone = cast<linalg::GenericOp>(e.b.clone(*op, mapping));
              SmallVector<int64_t> tileSizes(ranges.size(), 0);
              tileSizes[dim] = 1;
              IRRewriter rewriter(e.b);
              rewriter.setInsertionPoint(clone);
              FailureOr<linalg::TiledLinalgOp> tiled = linalg::tileLinalgOp(
                  rewriter, clone,
                  linalg::LinalgTilingOptions().setTileSizes(tileSizes));
              if (failed(tiled) || tiled->loops.empty()) {
                // Keep the whole op (correct, just not split); only reachable
                // if tiling itself fails.
                return;
              }
              auto loop = cast<scf::ForOp>(tiled->loops.front());
              loop.setLowerBound(begin);
              loop.setUpperBound(end);
              rewriter.eraseOp(clone);
            });
  op.erase();
  return success();
}

linalg::GenericOp
tessera::kernels::collapseReductionDims(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics())
    return op;
  // The longest run of consecutive reduction dims.
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  ReassociationIndices best, run;
  for (int64_t d = 0; d <= static_cast<int64_t>(iterators.size()); ++d) {
    if (d < static_cast<int64_t>(iterators.size()) &&
        iterators[d] == utils::IteratorType::reduction) {
      run.push_back(d);
      continue;
    }
    if (run.size() > best.size())
      best = run;
    run.clear();
  }
  if (best.size() < 2)
    return op;
  // Every operand reads the run as consecutive dims of a buffer that can
  // be viewed with them merged.
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!linalg::areDimSequencesPreserved(maps, best))
    return op;
  // Plain dims only (a window's `o + t` cannot merge; broadcasts through
  // constant indices and ops without a parallel dim are left to LLVM too:
  // upstream's collapsing does not handle them).
  if (best.size() == iterators.size())
    return op;
  for (AffineMap map : maps)
    for (AffineExpr expr : map.getResults())
      if (!isa<AffineDimExpr>(expr))
        return op;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type)
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    SmallVector<ReassociationIndices> groups;
    for (int64_t r = 0; r < map.getNumResults(); ++r) {
      auto dim = dyn_cast<AffineDimExpr>(map.getResult(r));
      bool continues = dim && !groups.empty() &&
                       llvm::is_contained(best, dim.getPosition()) &&
                       dim.getPosition() != best.front();
      if (continues)
        groups.back().push_back(r);
      else
        groups.push_back({r});
    }
    if (!memref::CollapseShapeOp::isGuaranteedCollapsible(type, groups))
      return op;
  }
  IRRewriter rewriter(op);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(op, {best}, rewriter);
  if (failed(collapsed))
    return op;
  rewriter.replaceOp(op, collapsed->results);
  return cast<linalg::GenericOp>(collapsed->collapsedOp.getOperation());
}

bool tessera::kernels::allowReassociation(linalg::GenericOp op) {
  if (op.getNumReductionLoops() == 0)
    return false;
  Block &body = *op.getBody();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  bool changed = false;
  for (auto [i, value] : llvm::enumerate(yield.getValues())) {
    auto add = value.getDefiningOp<arith::AddFOp>();
    if (!add || !add.getType().isF32())
      continue;
    // The accumulator is the output's block argument.
    Value acc = body.getArgument(op.getNumDpsInputs() + i);
    if (add.getLhs() != acc && add.getRhs() != acc)
      continue;
    add.setFastmath(add.getFastmath() | arith::FastMathFlags::reassoc);
    changed = true;
  }
  return changed;
}
