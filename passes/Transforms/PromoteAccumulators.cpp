//===- PromoteAccumulators.cpp - loop accumulators into registers ---------===//
//
// A reduction lowered to loops (linalg's loop form) loads its output
// element, combines, and stores it back on every iteration: on a GPU two
// global memory accesses per step. When the element's address does not
// change in the loop and nothing else in the loop can touch it, the value
// is carried instead: loaded once before the loop, an iter_arg inside,
// stored once after it. Nested loops promote from the inside out.
//
// "Nothing else can touch it": no other access to the same memref value in
// the loop, no op with unknown memory effects, and every other buffer the
// loop reads or writes provably distinct — another kernel argument or
// allocation, or a view of the same one at a disjoint constant byte range
// (the workspace's buffers, placed by tessera-plan-memory).
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <optional>

namespace tessera {
#define GEN_PASS_DEF_PROMOTEACCUMULATORS
#include "passes/Transforms/Passes.h.inc"
} // namespace tessera

using namespace mlir;

namespace {

/// Where a memref's bytes lie: a root buffer (a block argument or an
/// allocation) and, when known, the byte range within it.
struct Place {
  Value root;
  std::optional<std::pair<int64_t, int64_t>> bytes;
};

std::optional<int64_t> staticBytes(MemRefType type) {
  if (!type.hasStaticShape() || !type.getElementType().isIntOrFloat())
    return std::nullopt;
  return type.getNumElements() *
         ((type.getElementType().getIntOrFloatBitWidth() + 7) / 8);
}

/// Follows reshapes and casts (which keep the bytes) and views (which
/// place them) to the root buffer.
Place placeOf(Value memref) {
  std::optional<std::pair<int64_t, int64_t>> bytes;
  while (Operation *op = memref.getDefiningOp()) {
    if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp, memref::CastOp>(
            op)) {
      memref = op->getOperand(0);
      continue;
    }
    if (auto view = dyn_cast<memref::ViewOp>(op)) {
      std::optional<int64_t> size = staticBytes(view.getType());
      IntegerAttr offset;
      if (!bytes && size &&
          matchPattern(view.getByteShift(), m_Constant(&offset)))
        bytes = std::make_pair(offset.getInt(), offset.getInt() + *size);
      else
        bytes.reset();
      memref = view.getSource();
      continue;
    }
    if (isa<memref::SubViewOp>(op)) { // somewhere in its source
      bytes.reset();
      memref = op->getOperand(0);
      continue;
    }
    break;
  }
  return {memref, bytes};
}

/// Whether `a` and `b` cannot share a byte: distinct roots (kernel
/// arguments, allocations), or disjoint known ranges of one.
bool distinct(const Place &a, const Place &b) {
  bool rooted = isa<BlockArgument>(a.root) ||
                isa_and_nonnull<memref::AllocOp, memref::AllocaOp,
                                memref::GetGlobalOp>(a.root.getDefiningOp());
  bool rootedB = isa<BlockArgument>(b.root) ||
                 isa_and_nonnull<memref::AllocOp, memref::AllocaOp,
                                 memref::GetGlobalOp>(b.root.getDefiningOp());
  if (!rooted || !rootedB)
    return false;
  if (a.root != b.root) {
    // Two globals may be one buffer only if they name the same symbol.
    auto ga = a.root.getDefiningOp<memref::GetGlobalOp>();
    auto gb = b.root.getDefiningOp<memref::GetGlobalOp>();
    return !(ga && gb && ga.getName() == gb.getName());
  }
  return a.bytes && b.bytes &&
         (a.bytes->second <= b.bytes->first ||
          b.bytes->second <= a.bytes->first);
}

struct PromoteAccumulator : OpRewritePattern<scf::ForOp> {
  using OpRewritePattern::OpRewritePattern;

  /// The first load/store pair of the loop body that can be carried.
  std::optional<std::pair<memref::LoadOp, memref::StoreOp>>
  findPair(scf::ForOp loop) const {
    auto invariant = [&](Value v) {
      return !loop.getBodyRegion().isAncestor(v.getParentRegion());
    };
    for (auto load : loop.getBody()->getOps<memref::LoadOp>()) {
      Value memref = load.getMemRef();
      if (!invariant(memref) || !llvm::all_of(load.getIndices(), invariant))
        continue;
      // Besides `load`, one store to the same element after it, in the
      // body itself (every iteration).
      memref::StoreOp store;
      bool other = false;
      for (Operation *user : memref.getUsers()) {
        if (user == load || !loop->isAncestor(user))
          continue;
        auto candidate = dyn_cast<memref::StoreOp>(user);
        if (store || !candidate || candidate->getBlock() != loop.getBody() ||
            candidate.getIndices() != load.getIndices() ||
            !load->isBeforeInBlock(candidate)) {
          other = true;
          break;
        }
        store = candidate;
      }
      if (other || !store)
        continue;
      if (isolated(loop, memref, load, store))
        return std::make_pair(load, store);
    }
    return std::nullopt;
  }

  /// Whether no op of the loop but `load` and `store` may touch `memref`.
  bool isolated(scf::ForOp loop, Value memref, Operation *load,
                Operation *store) const {
    Place place = placeOf(memref);
    WalkResult result = loop.getBody()->walk([&](Operation *op) {
      if (op == load || op == store)
        return WalkResult::advance();
      auto effects = dyn_cast<MemoryEffectOpInterface>(op);
      if (!effects) {
        // Ops whose regions hold the effects (loops, ifs) are looked into.
        return op->hasTrait<OpTrait::HasRecursiveMemoryEffects>()
                   ? WalkResult::advance()
                   : WalkResult::interrupt();
      }
      SmallVector<MemoryEffects::EffectInstance> instances;
      effects.getEffects(instances);
      for (const MemoryEffects::EffectInstance &effect : instances) {
        if (isa<MemoryEffects::Allocate, MemoryEffects::Free>(
                effect.getEffect()))
          continue;
        Value other = effect.getValue();
        if (!other || !isa<MemRefType>(other.getType()) ||
            !distinct(place, placeOf(other)))
          return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    return !result.wasInterrupted();
  }

  LogicalResult matchAndRewrite(scf::ForOp loop,
                                PatternRewriter &rewriter) const override {
    auto pair = findPair(loop);
    if (!pair)
      return rewriter.notifyMatchFailure(
          loop, "no loop-invariant load/store pair the loop alone touches");
    auto [load, store] = *pair;
    rewriter.setInsertionPoint(loop);
    Value init = memref::LoadOp::create(rewriter, load.getLoc(),
                                        load.getMemRef(), load.getIndices());
    Value stored = store.getValueToStore();
    FailureOr<LoopLikeOpInterface> grown = loop.replaceWithAdditionalYields(
        rewriter, ValueRange{init}, /*replaceInitOperandUsesInLoop=*/false,
        [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
          return SmallVector<Value>{stored};
        });
    if (failed(grown))
      return rewriter.notifyMatchFailure(loop, "cannot add an iter_arg");
    auto promoted = cast<scf::ForOp>(grown->getOperation());
    rewriter.replaceOp(load, promoted.getRegionIterArgs().back());
    Value memref = store.getMemRef();
    SmallVector<Value> indices(store.getIndices());
    rewriter.eraseOp(store);
    rewriter.setInsertionPointAfter(promoted);
    memref::StoreOp::create(rewriter, promoted.getLoc(),
                            promoted.getResults().back(), memref, indices);
    return success();
  }
};

struct PromoteAccumulatorsPass
    : tessera::impl::PromoteAccumulatorsBase<PromoteAccumulatorsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PromoteAccumulator>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
