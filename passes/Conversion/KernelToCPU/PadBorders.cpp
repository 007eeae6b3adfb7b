//===- PadBorders.cpp - padded buffers in one pass over their rows --------===//
//
// A bufferized tensor.pad (and every kernel's padded copy) is a buffer
// filled with the pad value, then the source copied into its interior. The
// fill writes the whole buffer only for the copy to overwrite most of it,
// and the border columns are a strided pass of their own (one cache line
// per element). Here both become one pass over the buffer's rows, on the
// thread pool when large: a row outside the interior is filled; an
// interior row is its left border, the source row copied with vector
// loads and stores, its right border, written in order. When the source's
// rows are not contiguous, the fill becomes fills of the border slabs
// alone and the copy a linalg.generic (split by parallelizeGeneric).
// For a depthwise convolution, memory bound, this removes a full pass
// over its input and the slow border pass.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/KernelToCPU/CPUKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace tessera::kernels;

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

/// Whether the innermost dim of `value` (a static memref) is contiguous.
bool contiguousRows(Value value) {
  auto type = cast<MemRefType>(value.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  return type.hasStaticShape() &&
         succeeded(type.getStridesAndOffset(strides, offset)) &&
         !ShapedType::isDynamic(offset) &&
         llvm::none_of(strides, ShapedType::isDynamic) &&
         (strides.empty() || strides.back() == 1);
}

/// The padded buffer `alloc` of `shape` written row by row: the pad value,
/// or the left border, the row of `source` (the interior at `offsets`,
/// `sizes`) and the right border.
void emitPaddedRows(KernelContext &context, Operation *anchor, Value alloc,
                    Value source, Value padValue, ArrayRef<int64_t> shape,
                    ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes) {
  int64_t rank = shape.size(), width = shape.back();
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < rank; ++d)
    rows *= shape[d];
  int64_t elements = rows * width;
  bool parallel = context.parallel && rows >= 2 &&
                  elements >= context.parallelElements;
  int64_t left = offsets.back(), inner = sizes.back(),
          right = width - left - inner;
  emitRange(
      context, anchor, rows, parallel, {alloc, source, padValue},
      [&](Emitter &e, Value begin, Value end, ValueRange captured) {
        OpBuilder &b = e.b;
        Value target = captured[0], from = captured[1];
        Value pad = vector::BroadcastOp::create(b, e.loc, e.vectorType,
                                                captured[2]);
        int64_t lanes = e.shape.lanes;
        // count elements from column `at` of the row at `prefix`.
        auto span = [&](ArrayRef<Value> prefix, int64_t at, int64_t count,
                        function_ref<Value(Value column, int64_t valid)>
                            value) {
          auto one = [&](Value j, int64_t valid) {
            SmallVector<Value> indices(prefix);
            indices.push_back(e.add(j, at));
            e.store(value(j, valid), target, indices, valid);
          };
          int64_t full = count - count % lanes;
          e.loop(0, full, lanes, [&](Value j) { one(j, lanes); });
          if (count % lanes)
            one(e.index(full), count % lanes);
        };
        auto fill = [&](Value, int64_t) { return Value(pad); };
        e.loop(begin, end, 1, [&](Value row) {
          SmallVector<Value> prefix(rank - 1);
          Value rest = row;
          for (int64_t d = rank - 2; d >= 0; --d) {
            prefix[d] = arith::RemUIOp::create(b, e.loc, rest,
                                               e.index(shape[d]));
            rest = arith::DivUIOp::create(b, e.loc, rest, e.index(shape[d]));
          }
          Value inside = arith::ConstantOp::create(b, e.loc, b.getBoolAttr(true));
          for (int64_t d = 0; d + 1 < rank; ++d) {
            if (offsets[d] == 0 && sizes[d] == shape[d])
              continue;
            Value low = arith::CmpIOp::create(
                b, e.loc, arith::CmpIPredicate::sge, prefix[d],
                e.index(offsets[d]));
            Value high = arith::CmpIOp::create(
                b, e.loc, arith::CmpIPredicate::slt, prefix[d],
                e.index(offsets[d] + sizes[d]));
            inside = arith::AndIOp::create(
                b, e.loc, inside, arith::AndIOp::create(b, e.loc, low, high));
          }
          auto ifOp = scf::IfOp::create(b, e.loc, inside, /*withElse=*/true);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(ifOp.thenBlock());
          SmallVector<Value> sourceRow;
          for (int64_t d = 0; d + 1 < rank; ++d)
            sourceRow.push_back(e.add(prefix[d], -offsets[d]));
          span(prefix, 0, left, fill);
          span(prefix, left, inner, [&](Value j, int64_t valid) {
            SmallVector<Value> indices(sourceRow);
            indices.push_back(j);
            return e.load(from, indices, valid);
          });
          span(prefix, left + inner, right, fill);
          b.setInsertionPointToStart(ifOp.elseBlock());
          span(prefix, 0, width, fill);
        });
      });
}

/// Rewrites one padded buffer `alloc`; false when it does not match.
bool splitPad(KernelContext &context, memref::AllocOp alloc) {
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

  ArrayRef<int64_t> shape = type.getShape();
  ArrayRef<int64_t> offsets = interior.getStaticOffsets();
  ArrayRef<int64_t> sizes = interior.getStaticSizes();
  int64_t rank = type.getRank();
  Value source = copy.getSource();
  // The copy and the fill may move to the copy's place: nothing between
  // them reads the buffer (checked above), and the source is defined
  // before the copy.
  if (rank >= 1 && contiguousRows(source) &&
      cast<MemRefType>(source.getType()).getElementType().isF32() &&
      padValue.getType().isF32() &&
      (!padValue.getDefiningOp() ||
       padValue.getDefiningOp()->getBlock() != alloc->getBlock() ||
       padValue.getDefiningOp()->isBeforeInBlock(copy))) {
    emitPaddedRows(context, copy, alloc, source, padValue, shape, offsets,
                   sizes);
    copy.erase();
    fill->erase();
    if (interior->use_empty())
      interior.erase();
    return true;
  }
  OpBuilder b(fill);
  Location loc = fill->getLoc();
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

int64_t tessera::kernels::splitPadFills(KernelContext &context,
                                        func::FuncOp function) {
  SmallVector<memref::AllocOp> allocs(function.getOps<memref::AllocOp>());
  int64_t count = 0;
  for (memref::AllocOp alloc : allocs)
    count += splitPad(context, alloc);
  return count;
}
