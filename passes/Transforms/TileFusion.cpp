//===- TileFusion.cpp - what a register-tiled kernel fuses around its tile ===//
//
// Prologue: the op that initialises the kernel's output right before it (a
// fill, a copy of a filled buffer, or a generic broadcasting per-channel or
// per-column values such as a bias) becomes the accumulators' initial value;
// the output is then never read. Epilogue: an elementwise generic that is the
// only reader of the kernel's output (a temporary), such as bias + activation,
// a residual add or a folded batch-norm scale, is applied to the accumulators
// before they are stored, straight into the generic's output. Both ops
// disappear.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/CPUKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace tessera::kernels;

namespace {

/// How `map` (over the output's loop dims) reads an operand of `type`, given
/// that lanes run along `vectorDims` (trailing loop dims): as a scalar
/// broadcast (no vector dim in the map), or as a vector along the operand's
/// trailing dims (the vector dims, in order, at full extent). Fails
/// otherwise.
FailureOr<OperandAccess> classify(AffineMap map, MemRefType type,
                                  ArrayRef<int64_t> vectorDims,
                                  ArrayRef<int64_t> extents) {
  OperandAccess access;
  access.map = map;
  SmallVector<int64_t> positions;
  for (AffineExpr expr : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
      positions.push_back(dim.getPosition());
      continue;
    }
    auto constant = dyn_cast<AffineConstantExpr>(expr);
    if (!constant || constant.getValue() != 0)
      return failure();
    positions.push_back(-1);
  }
  int64_t uses = llvm::count_if(
      positions, [&](int64_t p) { return llvm::is_contained(vectorDims, p); });
  if (uses == 0) {
    access.vector = false;
    return access;
  }
  int64_t n = vectorDims.size(), rank = positions.size();
  if (uses != n || rank < n)
    return failure();
  for (int64_t i = 0; i < n; ++i)
    if (positions[rank - n + i] != vectorDims[i] ||
        type.getDimSize(rank - n + i) != extents[vectorDims[i]])
      return failure();
  access.vector = true;
  return access;
}

/// Whether every op of `body` (but the terminator) is elementwise on scalars
/// and so can run on vectors as it is.
bool vectorizable(Block &body) {
  for (Operation &op : body.without_terminator()) {
    if (op.getNumRegions() || !OpTrait::hasElementwiseMappableTraits(&op))
      return false;
    for (Type type :
         llvm::concat<const Type>(op.getOperandTypes(), op.getResultTypes()))
      if (!type.isIntOrIndexOrFloat())
        return false;
  }
  return true;
}

} // namespace

/// The last op before `op` in its block with `value` as an operand.
static Operation *lastToucher(Operation *op, Value value) {
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode())
    if (llvm::is_contained(prev->getOperands(), value))
      return prev;
  return nullptr;
}

/// The buffer `value` is a view of.
static Value rootBuffer(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def))
      value = view.getViewSource();
    else
      break;
  }
  return value;
}

TileFusion tessera::kernels::analyzeFusion(Operation *kernel, Value output,
                                           ValueRange inputs,
                                           ArrayRef<int64_t> vectorDims) {
  TileFusion fusion;
  auto outputType = cast<MemRefType>(output.getType());
  ArrayRef<int64_t> extents = outputType.getShape();
  if (!isa<func::FuncOp>(kernel->getParentOp()))
    return fusion;

  // Prologue: the last op before the kernel that touches the output.
  Operation *previous = lastToucher(kernel, output);
  // A copy of a filled buffer (identical zero fills are shared after CSE)
  // is that fill.
  if (auto copy = dyn_cast_or_null<memref::CopyOp>(previous)) {
    auto fill =
        dyn_cast_or_null<linalg::FillOp>(lastToucher(copy, copy.getSource()));
    if (copy.getTarget() == output && fill && fill.hasPureBufferSemantics() &&
        fill.getDpsInits()[0] == copy.getSource() &&
        fill.getDpsInputs()[0].getType().isF32()) {
      fusion.producer = copy;
      fusion.initScalar = fill.getDpsInputs()[0];
    }
  } else if (auto fill = dyn_cast_or_null<linalg::FillOp>(previous)) {
    if (fill.hasPureBufferSemantics() && fill.getDpsInits()[0] == output &&
        fill.getDpsInputs()[0].getType().isF32()) {
      fusion.producer = fill;
      fusion.initScalar = fill.getDpsInputs()[0];
    }
  } else if (auto generic = dyn_cast_or_null<linalg::GenericOp>(previous)) {
    Block &body = generic.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    if (generic.hasPureBufferSemantics() && generic.getNumDpsInits() == 1 &&
        generic.getNumDpsInputs() == 1 && generic.getDpsInits()[0] == output &&
        generic.getNumParallelLoops() == generic.getNumLoops() &&
        generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
            .isIdentity() &&
        yield.getValues().size() == 1 &&
        yield.getValues()[0] == body.getArgument(0) &&
        isContiguousF32(generic.getDpsInputs()[0])) {
      Value source = generic.getDpsInputs()[0];
      FailureOr<OperandAccess> access = classify(
          generic.getMatchingIndexingMap(generic.getDpsInputOperand(0)),
          cast<MemRefType>(source.getType()), vectorDims, extents);
      if (succeeded(access)) {
        fusion.producer = generic;
        fusion.initSource = source;
        fusion.initAccess = *access;
      }
    }
  }

  // Epilogue: the next op to touch the output, a generic reading it, that
  // either writes its result in place (later readers then see the final
  // value) or is the only reader of a temporary.
  linalg::GenericOp consumer;
  for (Operation *op = kernel->getNextNode(); op; op = op->getNextNode())
    if (llvm::is_contained(op->getOperands(), output)) {
      consumer = dyn_cast<linalg::GenericOp>(op);
      break;
    }
  if (!consumer)
    return fusion;
  if (consumer.getNumDpsInits() != 1 || consumer.getDpsInits()[0] != output) {
    if (!output.getDefiningOp<memref::AllocOp>())
      return fusion;
    for (Operation *user : output.getUsers())
      if (user != kernel && user != fusion.producer && user != consumer &&
          !isa<memref::DeallocOp>(user))
        return fusion;
  }
  if (!consumer || !consumer.hasPureBufferSemantics() ||
      consumer.getNumDpsInits() != 1 ||
      consumer.getNumParallelLoops() != consumer.getNumLoops() ||
      !isContiguousF32(consumer.getDpsInits()[0]) ||
      consumer.getDpsInits()[0].getType() != output.getType() ||
      !consumer.getMatchingIndexingMap(consumer.getDpsInitOperand(0))
           .isIdentity())
    return fusion;
  Block &body = consumer.getRegion().front();
  // The result must not read the output buffer's old contents, and must be
  // an f32 computed on vectors.
  if (!body.getArgument(consumer.getNumDpsInputs()).use_empty() ||
      !vectorizable(body) ||
      !cast<linalg::YieldOp>(body.getTerminator())
           .getValues()[0]
           .getType()
           .isF32())
    return fusion;
  // Nothing between kernel and consumer may touch what the consumer reads
  // or writes.
  SmallVector<Value> touched(consumer->getOperands());
  for (Operation *op = kernel->getNextNode(); op != consumer;
       op = op->getNextNode())
    for (Value value : touched)
      if (llvm::is_contained(op->getOperands(), value))
        return fusion;
  // The epilogue writes while the kernel still reads its inputs, and reads
  // its own inputs while other tiles are being written: neither may share a
  // buffer with what the other writes.
  Value targetRoot = rootBuffer(consumer.getDpsInits()[0]);
  for (Value input : inputs)
    if (rootBuffer(input) == targetRoot)
      return fusion;
  Value outputRoot = rootBuffer(output);
  for (Value input : consumer.getDpsInputs())
    if (input != output && (rootBuffer(input) == outputRoot ||
                            (rootBuffer(input) == targetRoot &&
                             input != consumer.getDpsInits()[0])))
      return fusion;
  SmallVector<OperandAccess> accesses;
  int64_t outputInput = -1;
  for (OpOperand *operand : consumer.getDpsInputOperands()) {
    AffineMap map = consumer.getMatchingIndexingMap(operand);
    if (operand->get() == output) {
      if (!map.isIdentity() || outputInput >= 0)
        return fusion;
      outputInput = operand->getOperandNumber();
      accesses.push_back({});
      continue;
    }
    if (!isContiguousF32(operand->get()))
      return fusion;
    FailureOr<OperandAccess> access = classify(
        map, cast<MemRefType>(operand->get().getType()), vectorDims, extents);
    if (failed(access))
      return fusion;
    accesses.push_back(*access);
  }
  if (outputInput < 0)
    return fusion;
  // The kernel uses what the consumer uses: all of it must exist where the
  // kernel is. Allocations made in between move up; anything else made in
  // between stops the fusion.
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(consumer.getRegion(), above);
  SmallVector<Operation *> hoist;
  for (Value value : llvm::concat<Value>(consumer->getOperands(), above)) {
    Operation *def = value.getDefiningOp();
    if (!def || def->getBlock() != kernel->getBlock() ||
        def->isBeforeInBlock(kernel))
      continue;
    if (!isa<memref::AllocOp>(def) || def->getNumOperands())
      return fusion;
    hoist.push_back(def);
  }
  for (Operation *alloc : hoist)
    alloc->moveBefore(kernel);
  fusion.consumer = consumer;
  fusion.target = consumer.getDpsInits()[0];
  fusion.outputInput = outputInput;
  fusion.accesses = std::move(accesses);
  fusion.above.assign(above.begin(), above.end());
  return fusion;
}

SmallVector<Value> TileFusion::uses() const {
  SmallVector<Value> values;
  if (initScalar)
    values.push_back(initScalar);
  if (initSource)
    values.push_back(initSource);
  if (consumer) {
    values.push_back(target);
    for (auto [i, input] :
         llvm::enumerate(linalg::GenericOp(consumer).getDpsInputs()))
      if (static_cast<int64_t>(i) != outputInput)
        values.push_back(input);
    values.append(above.begin(), above.end());
  }
  return values;
}

void TileFusion::erase() {
  if (consumer)
    consumer.erase();
  if (producer)
    producer->erase();
}

FusedTile::FusedTile(Emitter &e, const TileFusion &fusion, ValueRange uses,
                     ArrayRef<int64_t> vectorDims)
    : e(e), fusion(fusion), vectorDims(vectorDims) {
  size_t next = 0;
  if (fusion.initScalar)
    initScalar = uses[next++];
  if (fusion.initSource)
    initSource = view(uses[next++], fusion.initAccess);
  if (!fusion.consumer)
    return;
  target = uses[next++];
  for (auto [i, access] : llvm::enumerate(fusion.accesses))
    inputs.push_back(static_cast<int64_t>(i) == fusion.outputInput
                         ? Value()
                         : view(uses[next++], access));
  for (Value value : fusion.above)
    above.map(value, uses[next++]);
}

Value FusedTile::view(Value buffer, const OperandAccess &access) {
  int64_t n = vectorDims.size();
  if (!access.vector || n == 1)
    return buffer;
  // Merge the trailing vector dims into one.
  int64_t rank = cast<MemRefType>(buffer.getType()).getRank();
  SmallVector<ReassociationIndices> merge;
  for (int64_t d = 0; d < rank - n; ++d)
    merge.push_back({d});
  ReassociationIndices last;
  for (int64_t d = rank - n; d < rank; ++d)
    last.push_back(d);
  merge.push_back(last);
  return memref::CollapseShapeOp::create(e.b, e.loc, buffer, merge);
}

Value FusedTile::read(Value buffer, const OperandAccess &access,
                      ArrayRef<Value> dims, Value lane0, int64_t valid) {
  SmallVector<Value> indices;
  int64_t n = vectorDims.size();
  ArrayRef<AffineExpr> results = access.map.getResults();
  if (access.vector)
    results = results.drop_back(n);
  for (AffineExpr expr : results) {
    auto dim = dyn_cast<AffineDimExpr>(expr);
    if (!dim) {
      indices.push_back(e.index(0));
      continue;
    }
    // A vector dim of a broadcast operand: any index; lane 0's is used.
    indices.push_back(llvm::is_contained(vectorDims, dim.getPosition())
                          ? e.index(0)
                          : dims[dim.getPosition()]);
  }
  if (access.vector) {
    indices.push_back(lane0);
    return e.load(buffer, indices, valid);
  }
  Value scalar = memref::LoadOp::create(e.b, e.loc, buffer, indices);
  return vector::BroadcastOp::create(e.b, e.loc, e.vectorType, scalar);
}

Value FusedTile::init(ArrayRef<Value> dims, Value lane0, int64_t valid) {
  if (initScalar)
    return vector::BroadcastOp::create(e.b, e.loc, e.vectorType, initScalar);
  if (initSource)
    return read(initSource, fusion.initAccess, dims, lane0, valid);
  return Value();
}

Value FusedTile::finish(Value acc, ArrayRef<Value> dims, Value lane0,
                        int64_t valid) {
  if (!fusion.consumer)
    return acc;
  Block &body = linalg::GenericOp(fusion.consumer).getRegion().front();
  IRMapping mapping = above;
  for (Value value : fusion.above) {
    Value mapped = mapping.lookup(value);
    if (mapped.getType().isIntOrIndexOrFloat())
      mapping.map(value, vector::BroadcastOp::create(
                             e.b, e.loc,
                             VectorType::get({e.shape.lanes}, mapped.getType()),
                             mapped));
  }
  for (auto [i, access] : llvm::enumerate(fusion.accesses))
    mapping.map(body.getArgument(i),
                static_cast<int64_t>(i) == fusion.outputInput
                    ? acc
                    : read(inputs[i], access, dims, lane0, valid));
  for (Operation &op : body.without_terminator()) {
    Operation *clone = e.b.clone(op, mapping);
    for (Value result : clone->getResults())
      result.setType(VectorType::get({e.shape.lanes}, result.getType()));
  }
  return mapping.lookup(
      cast<linalg::YieldOp>(body.getTerminator()).getValues()[0]);
}
