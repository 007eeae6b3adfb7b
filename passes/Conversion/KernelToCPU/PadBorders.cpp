//===- PadBorders.cpp - padded buffers: fill the border, copy in parallel -===//
//
// A bufferized tensor.pad is a buffer filled with the pad value, then the
// source copied into its interior. The fill writes the whole buffer only
// for the copy to overwrite most of it: here the fill becomes fills of the
// border slabs alone (one per padded side, corners once), and the copy a
// linalg.generic, which the thread pool splits when it is large
// (parallelizeGeneric). For a depthwise convolution, memory bound, this
// removes a full pass over its input.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/KernelToCPU/CPUKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace {

/// The pad value when `op` fills all of `buffer` with one scalar defined
/// outside it (linalg.fill, or linalg.map yielding such a value).
Value fillValue(Operation *op, Value buffer) {
  if (auto fill = dyn_cast<linalg::FillOp>(op))
    return fill.hasPureBufferSemantics() && fill.getDpsInits()[0] == buffer
               ? fill.getDpsInputs()[0]
               : Value();
  auto map = dyn_cast<linalg::MapOp>(op);
  if (!map || !map.hasPureBufferSemantics() || map.getNumDpsInputs() != 0 ||
      map.getDpsInits()[0] != buffer)
    return Value();
  Block &body = map.getMapper().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (yield.getValues().size() != 1 || body.getOperations().size() != 1)
    return Value();
  Value value = yield.getValues()[0];
  return value.getParentRegion()->isProperAncestor(&map.getMapper()) ? value
                                                                     : Value();
}

/// Rewrites one padded buffer `alloc`; false when it does not match.
bool splitPad(memref::AllocOp alloc) {
  auto type = alloc.getType();
  if (!type.hasStaticShape() || !type.getLayout().isIdentity())
    return false;
  Operation *fill = nullptr;
  memref::SubViewOp interior;
  memref::CopyOp copy;
  Value padValue;
  for (Operation *user : alloc->getUsers()) {
    if (Value value = fillValue(user, alloc)) {
      if (fill)
        return false;
      fill = user;
      padValue = value;
    } else if (auto subview = dyn_cast<memref::SubViewOp>(user)) {
      if (interior || !subview->hasOneUse())
        return false;
      interior = subview;
      copy = dyn_cast<memref::CopyOp>(*subview->getUsers().begin());
      if (!copy || copy.getTarget() != subview)
        return false;
    }
  }
  if (!fill || !interior || fill->getBlock() != alloc->getBlock() ||
      copy->getBlock() != alloc->getBlock() || !fill->isBeforeInBlock(copy) ||
      !interior.hasUnitStride() ||
      ShapedType::isDynamicShape(interior.getStaticOffsets()) ||
      ShapedType::isDynamicShape(interior.getStaticSizes()) ||
      interior.getStaticSizes().size() != static_cast<size_t>(type.getRank()))
    return false;
  // Nothing between the fill and the copy may read the buffer.
  for (Operation *op = fill->getNextNode(); op != copy; op = op->getNextNode())
    if (op != interior &&
        llvm::is_contained(op->getOperands(), alloc.getResult()))
      return false;

  OpBuilder b(fill);
  Location loc = fill->getLoc();
  ArrayRef<int64_t> shape = type.getShape();
  ArrayRef<int64_t> offsets = interior.getStaticOffsets();
  ArrayRef<int64_t> sizes = interior.getStaticSizes();
  int64_t rank = type.getRank();
  // Slabs: along dim d, [0, offset) and [offset + size, extent), with the
  // dims before d restricted to the interior and those after d whole.
  auto slab = [&](int64_t d, int64_t begin, int64_t end) {
    if (begin >= end)
      return;
    SmallVector<int64_t> slabOffsets, slabSizes, ones(rank, 1);
    for (int64_t i = 0; i < rank; ++i) {
      bool before = i < d;
      slabOffsets.push_back(i == d ? begin : before ? offsets[i] : 0);
      slabSizes.push_back(i == d ? end - begin : before ? sizes[i] : shape[i]);
    }
    Value view =
        memref::SubViewOp::create(b, loc, alloc, slabOffsets, slabSizes, ones);
    linalg::FillOp::create(b, loc, padValue, view);
  };
  for (int64_t d = 0; d < rank; ++d) {
    slab(d, 0, offsets[d]);
    slab(d, offsets[d] + sizes[d], shape[d]);
  }
  fill->erase();

  // The copy as a generic the thread pool can split.
  b.setInsertionPoint(copy);
  auto identity = b.getMultiDimIdentityMap(rank);
  linalg::GenericOp::create(
      b, copy.getLoc(), TypeRange{}, ValueRange{copy.getSource()},
      ValueRange{copy.getTarget()}, ArrayRef<AffineMap>{identity, identity},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, args[0]);
      });
  copy.erase();
  return true;
}

} // namespace

int64_t tessera::kernels::splitPadFills(func::FuncOp function) {
  SmallVector<memref::AllocOp> allocs(function.getOps<memref::AllocOp>());
  int64_t count = 0;
  for (memref::AllocOp alloc : allocs)
    count += splitPad(alloc);
  return count;
}
