//===- PlanMemory.cpp - one workspace for every temporary buffer ----------===//

#include "passes/Transforms/Passes.h"
#include "dialects/Kernel/IR/KernelDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/Support/MathExtras.h"

namespace tessera {
#define GEN_PASS_DEF_PLANMEMORY
#include "passes/Transforms/Passes.h.inc"
} // namespace tessera

using namespace mlir;

namespace {

constexpr int64_t kAlignment = 64;

struct Buffer {
  memref::AllocOp alloc;
  int64_t size = 0;  // bytes, aligned
  int64_t begin = 0; // top-level op index of the allocation
  int64_t end = 0;   // top-level op index of the last use
  int64_t offset = 0;
};

/// The index of `op`'s ancestor in `block`.
int64_t topLevelIndex(Operation *op, Block &block,
                      const DenseMap<Operation *, int64_t> &indices) {
  Operation *ancestor = block.findAncestorOpInBlock(*op);
  return ancestor ? indices.lookup(ancestor) : 0;
}

/// Last top-level index at which `value` or a view of it is used.
int64_t lastUse(Value value, Block &block,
                const DenseMap<Operation *, int64_t> &indices) {
  int64_t last = 0;
  SmallVector<Value> worklist{value};
  while (!worklist.empty()) {
    Value current = worklist.pop_back_val();
    for (OpOperand &use : current.getUses()) {
      Operation *user = use.getOwner();
      if (isa<memref::DeallocOp>(user))
        continue; // freeing is not a use; the workspace makes it moot
      last = std::max(last, topLevelIndex(user, block, indices));
      // Views (subview, collapse/expand, cast, view) extend the lifetime.
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == current)
          for (Value result : user->getResults())
            worklist.push_back(result);
    }
  }
  return last;
}

struct PlanMemoryPass : tessera::impl::PlanMemoryBase<PlanMemoryPass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    // Parallel tasks (convert-tk-to-cpu) use their caller's buffers.
    if (function.isExternal() || function->hasAttr(tessera::tk::TKDialect::getTaskAttrName()))
      return;
    Block &body = function.getBody().front();
    DenseMap<Operation *, int64_t> indices;
    for (auto [index, op] : llvm::enumerate(body))
      indices[&op] = index;

    SmallVector<Buffer> buffers;
    WalkResult walk = function.walk([&](memref::AllocOp alloc) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
          alloc->getBlock() != &body) {
        alloc.emitOpError(
            "cannot be placed in the workspace: needs a static "
            "shape, identity layout and the function's top level");
        return WalkResult::interrupt();
      }
      // Bytes per element as the LLVM lowering lays them out (index
      // included), overflow-checked.
      Type element = type.getElementType();
      if (!element.isIntOrIndexOrFloat()) {
        alloc.emitOpError("cannot be placed in the workspace: elements of ")
            << element << " have no size here";
        return WalkResult::interrupt();
      }
      int64_t bytes;
      int64_t elementBytes = std::max<int64_t>(
          1, static_cast<int64_t>(
                 DataLayout::closest(alloc).getTypeSize(element)));
      if (llvm::MulOverflow(type.getNumElements(), elementBytes, bytes) ||
          bytes > (int64_t(1) << 48)) {
        alloc.emitOpError("cannot be placed in the workspace: it holds more "
                          "than 2^48 bytes");
        return WalkResult::interrupt();
      }
      Buffer buffer;
      buffer.alloc = alloc;
      buffer.size = (bytes + kAlignment - 1) / kAlignment * kAlignment;
      buffer.begin = indices.lookup(alloc);
      buffer.end = std::max(buffer.begin, lastUse(alloc, body, indices));
      // The status word is read by the entry point after the last op.
      if (alloc->hasAttr(tessera::tk::TKDialect::getStatusAttrName())) {
        buffer.begin = 0;
        buffer.end = static_cast<int64_t>(indices.size());
      }
      buffers.push_back(buffer);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();

    // First fit, largest buffers first.
    SmallVector<Buffer *> order;
    for (Buffer &buffer : buffers)
      order.push_back(&buffer);
    // Largest first; ties in program order, so plans are deterministic.
    llvm::sort(order, [](Buffer *a, Buffer *b) {
      return a->size != b->size ? a->size > b->size : a->begin < b->begin;
    });
    SmallVector<Buffer *> placed;
    int64_t total = 0;
    for (Buffer *buffer : order) {
      SmallVector<std::pair<int64_t, int64_t>> busy;
      for (Buffer *other : placed)
        if (other->begin <= buffer->end && buffer->begin <= other->end)
          busy.emplace_back(other->offset, other->offset + other->size);
      llvm::sort(busy);
      int64_t offset = 0;
      for (auto [start, stop] : busy) {
        if (offset + buffer->size <= start)
          break;
        offset = std::max(offset, stop);
      }
      buffer->offset = offset;
      total = std::max(total, offset + buffer->size);
      placed.push_back(buffer);
    }

    OpBuilder builder(function.getContext());
    auto workspaceType = MemRefType::get({std::max<int64_t>(total, 0)},
                                         builder.getIntegerType(8));
    unsigned index = function.getNumArguments();
    if (failed(function.insertArgument(index, workspaceType, {},
                                       function.getLoc())))
      return signalPassFailure();
    Value workspace = function.getArgument(index);
    for (Buffer &buffer : buffers) {
      if (buffer.alloc->hasAttr(tessera::tk::TKDialect::getStatusAttrName()))
        function->setAttr(tessera::tk::TKDialect::getStatusOffsetAttrName(),
                          builder.getI64IntegerAttr(buffer.offset));
      builder.setInsertionPoint(buffer.alloc);
      Location loc = buffer.alloc.getLoc();
      Value offset =
          arith::ConstantIndexOp::create(builder, loc, buffer.offset);
      Value view = memref::ViewOp::create(builder, loc, buffer.alloc.getType(),
                                          workspace, offset, ValueRange{});
      // Temporaries are never freed individually any more.
      for (Operation *user :
           llvm::make_early_inc_range(buffer.alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      buffer.alloc.replaceAllUsesWith(view);
      buffer.alloc.erase();
    }
    function->setAttr(tessera::tk::TKDialect::getWorkspaceSizeAttrName(),
                      builder.getI64IntegerAttr(total));
  }
};

} // namespace
