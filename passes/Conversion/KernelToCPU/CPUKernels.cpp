//===- CPUKernels.cpp - what the CPU kernel lowerings share ---------------===//
//
// The CPU code generation of kernels, on bufferized functions: tk.matmul
// (MatmulKernel.cpp), tk.conv (ConvKernel.cpp for dense 1-D or 2-D, WindowKernel.cpp
// for depthwise, ConvFamilyKernel.cpp for the rest), tk.pool
// (WindowKernel.cpp) and tk.reduce (RowKernel.cpp) become loop nests
// around vector kernels; the contractions around one register-tiled
// microkernel: an MR x NR tile of the
// output lives in MR x (NR / lanes) vector accumulators while the reduction
// runs, each step broadcasting MR scalars of the left operand and loading
// NR/lanes vectors of the right one (BLIS's outer-product form). Shapes that
// do not divide are handled by smaller row tiles and masked column vectors,
// never by reading or writing outside a buffer. The microkernel, strided
// views, epilogues, padded copies and parallel ranges are here; the pass in
// KernelToCPU.cpp.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/KernelToCPU/CPUKernels.h"
#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/Kernel/IR/KernelOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

#include <algorithm>
#include <functional>

using namespace mlir;

namespace tessera::kernels {

int64_t balancedRows(int64_t rows, int64_t mr) {
  int64_t tiles = (rows + mr - 1) / mr;
  return (rows + tiles - 1) / tiles;
}

DenseElementsAttr constantData(Value value) {
  auto get = value.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return {};
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  if (!global || !global.getConstant() || !global.getInitialValue())
    return {};
  return dyn_cast<DenseElementsAttr>(*global.getInitialValue());
}

//===----------------------------------------------------------------------===//
// Strided operands and epilogues
//===----------------------------------------------------------------------===//

FailureOr<Access> describe(Value buffer, AffineMap map,
                           ArrayRef<int64_t> sizes) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  if (!type || !type.hasStaticShape())
    return failure();
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(offset) ||
      llvm::any_of(strides, ShapedType::isDynamic))
    return failure();
  Access access;
  access.buffer = buffer;
  access.offset = offset;
  access.stride.assign(map.getNumDims(), 0);
  for (auto [r, expr] : llvm::enumerate(map.getResults())) {
    // Held here: a range-for over `*linearTerms(...)` would iterate a
    // destroyed temporary.
    FailureOr<SmallVector<tk::LinearTerm>> terms = tk::linearTerms(expr);
    if (failed(terms))
      return failure();
    for (const tk::LinearTerm &term : *terms)
      access.stride[term.dim] += term.coefficient * strides[r];
  }
  access.span = offset + 1;
  for (auto [d, size] : llvm::enumerate(sizes))
    access.span += (size - 1) * access.stride[d];
  return access;
}

FailureOr<SmallVector<Access>> describeOperands(Operation *op,
                                                ArrayRef<AffineMap> maps,
                                                ArrayRef<int64_t> sizes) {
  SmallVector<Access> accesses;
  for (auto [operand, map] : llvm::zip(op->getOperands(), maps)) {
    FailureOr<Access> access = describe(operand, map, sizes);
    if (failed(access) ||
        !cast<MemRefType>(operand.getType()).getElementType().isF32())
      return failure();
    accesses.push_back(*access);
  }
  return accesses;
}

SmallVector<int64_t> splitBatchLoops(ArrayRef<Access> accesses,
                                     const Access &rhs,
                                     ArrayRef<int64_t> sizes,
                                     int64_t batchLoops, int64_t mDim,
                                     int64_t &m) {
  SmallVector<int64_t> batch;
  for (int64_t d = batchLoops - 1; d >= 0; --d) {
    bool merges =
        rhs.stride[d] == 0 && llvm::all_of(accesses, [&](const Access &a) {
          return &a == &rhs || a.stride[d] == m * a.stride[mDim];
        });
    if (merges && sizes[d] > 1 && batch.empty())
      m *= sizes[d];
    else if (sizes[d] > 1)
      batch.insert(batch.begin(), d);
  }
  return batch;
}

int64_t batchOffset(const Access &access, ArrayRef<int64_t> batch,
                    ArrayRef<int64_t> sizes, int64_t index) {
  int64_t offset = access.offset;
  for (int64_t d : llvm::reverse(batch)) {
    offset += index % sizes[d] * access.stride[d];
    index /= sizes[d];
  }
  return offset;
}

Value batchOffset(Emitter &e, const Access &access, ArrayRef<int64_t> batch,
                  ArrayRef<int64_t> sizes, Value index) {
  Value offset = e.index(access.offset);
  for (int64_t d : llvm::reverse(batch)) {
    if (access.stride[d]) {
      Value digit =
          arith::RemUIOp::create(e.b, e.loc, index, e.index(sizes[d]));
      offset = e.add(offset, e.mul(digit, access.stride[d]));
    }
    index = arith::DivUIOp::create(e.b, e.loc, index, e.index(sizes[d]));
  }
  return offset;
}

Value rootOf(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      break;
    value = view.getViewSource();
  }
  return value;
}

DenseElementsAttr rootConstant(Value value) {
  return constantData(rootOf(value));
}

RegionUses RegionUses::append(OpBuilder &b, Location loc,
                              ArrayRef<Access> inputs, Region &region,
                              SmallVectorImpl<Value> &uses) {
  RegionUses result;
  result.inputsStart = uses.size();
  result.numInputs = inputs.size();
  for (const Access &input : inputs)
    uses.push_back(flatView(b, loc, input));
  result.aboveStart = uses.size();
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(region, above);
  result.above.assign(above.begin(), above.end());
  llvm::append_range(uses, result.above);
  return result;
}

IRMapping RegionUses::aboveMapping(ValueRange captured) const {
  IRMapping mapping;
  for (auto [value, mapped] :
       llvm::zip(above, captured.drop_front(aboveStart)))
    mapping.map(value, mapped);
  return mapping;
}

Value applyEpilogue(Emitter &e, Block &body, ArrayRef<Value> arguments,
                    const IRMapping &above) {
  IRMapping scalars = above, vectors;
  for (auto [argument, value] : llvm::zip(body.getArguments(), arguments))
    vectors.map(argument, value);
  auto vectorOf = [&](Value scalar) -> Value {
    if (Value v = vectors.lookupOrNull(scalar))
      return v;
    Value value = scalars.lookupOrDefault(scalar);
    Value v = vector::BroadcastOp::create(
        e.b, e.loc, VectorType::get({e.shape.lanes}, value.getType()), value);
    vectors.map(scalar, v);
    return v;
  };
  for (Operation &nested : body.without_terminator()) {
    if (isa<arith::ConstantOp>(nested)) {
      e.b.clone(nested, scalars);
      continue;
    }
    IRMapping mapping;
    for (Value operand : nested.getOperands())
      mapping.map(operand, vectorOf(operand));
    Operation *clone = e.b.clone(nested, mapping);
    for (auto [result, original] :
         llvm::zip(clone->getResults(), nested.getResults())) {
      result.setType(VectorType::get({e.shape.lanes}, result.getType()));
      vectors.map(original, result);
    }
  }
  return vectorOf(cast<tk::YieldOp>(body.getTerminator()).getValue());
}

FailureOr<KernelEpilogue>
KernelEpilogue::get(OpBuilder &b, Location loc, Region &region,
                    ValueRange inputs, ArrayAttr maps,
                    ArrayRef<int64_t> outShape) {
  KernelEpilogue epilogue;
  epilogue.body = &region.front();
  for (auto [value, attr] : llvm::zip(inputs, maps)) {
    AffineMap map = cast<AffineMapAttr>(attr).getValue();
    FailureOr<Access> access = describe(value, map, outShape);
    if (failed(access))
      access = describe(contiguous(b, loc, value, /*copyIn=*/true), map,
                        outShape);
    if (failed(access))
      return failure();
    epilogue.accesses.push_back(*access);
    epilogue.views.push_back(flatView(b, loc, *access));
  }
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(region, above);
  epilogue.above.assign(above.begin(), above.end());
  return epilogue;
}

void KernelEpilogue::appendUses(SmallVectorImpl<Value> &uses) {
  start = uses.size();
  llvm::append_range(uses, views);
  llvm::append_range(uses, above);
}

bool KernelEpilogue::isTrivial() const {
  auto yield = cast<tk::YieldOp>(body->getTerminator());
  return yield.getValue() == body->getArgument(0);
}

Value KernelEpilogue::apply(Emitter &e, ValueRange captured, Value acc,
                            ArrayRef<Value> index, int64_t laneStep,
                            int64_t valid) const {
  if (isTrivial())
    return acc;
  ValueRange flats = captured.slice(start, views.size());
  IRMapping mapping;
  for (auto [value, mapped] :
       llvm::zip(above, captured.drop_front(start + views.size())))
    mapping.map(value, mapped);
  SmallVector<Value> arguments{acc};
  int64_t last = index.size() - 1;
  for (auto [flat, access] : llvm::zip(flats, accesses)) {
    Value at = e.index(access.offset);
    for (auto [d, position] : llvm::enumerate(index))
      at = e.add(at, e.mul(position, access.stride[d]));
    arguments.push_back(
        loadAlong(e, flat, at, laneStep * access.stride[last], valid));
  }
  return applyEpilogue(e, *body, arguments, mapping);
}

Value paddedCopy(OpBuilder &b, Location loc, Value input,
                 ArrayRef<int64_t> low, ArrayRef<int64_t> high, float value) {
  auto type = cast<MemRefType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape(type.getShape());
  for (int64_t d = 0; d < rank; ++d)
    shape[d] += low[d] + high[d];
  Value buffer =
      memref::AllocOp::create(b, loc, MemRefType::get(shape, b.getF32Type()));
  Value fill = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
  linalg::FillOp::create(b, loc, fill, buffer);
  Value interior = memref::SubViewOp::create(
      b, loc, buffer, low, type.getShape(), SmallVector<int64_t>(rank, 1));
  memref::CopyOp::create(b, loc, input, interior);
  return buffer;
}

Value stackBuffer(Emitter &e, ArrayRef<int64_t> shape) {
  return memref::AllocaOp::create(
      e.b, e.loc, MemRefType::get(shape, e.b.getF32Type()),
      e.b.getI64IntegerAttr(64));
}

void forTileSize(Emitter &e, Value tile, int64_t count, int64_t full,
                 int64_t tail, function_ref<void(int64_t)> body) {
  if (!tail || count == 1) {
    body(tail ? tail : full);
    return;
  }
  Value last = arith::CmpIOp::create(e.b, e.loc, arith::CmpIPredicate::eq,
                                     tile, e.index(count - 1));
  auto ifOp = scf::IfOp::create(e.b, e.loc, last, /*withElse=*/true);
  OpBuilder::InsertionGuard guard(e.b);
  e.b.setInsertionPointToStart(ifOp.thenBlock());
  body(tail);
  e.b.setInsertionPointToStart(ifOp.elseBlock());
  body(full);
}

void copyWindow(Emitter &e, Value source, ValueRange lead,
                ArrayRef<Value> start, ArrayRef<int64_t> extent, Value scratch,
                float pad) {
  OpBuilder &b = e.b;
  auto sourceType = cast<MemRefType>(source.getType());
  int64_t k = extent.size(), leading = sourceType.getRank() - k;
  ArrayRef<int64_t> sizes = sourceType.getShape().drop_front(leading);
  int64_t lanes = e.shape.lanes;
  int64_t rowStride = cast<MemRefType>(scratch.getType()).getShape().back();
  Value padVector = arith::ConstantOp::create(
      b, e.loc, DenseElementsAttr::get(e.vectorType, b.getF32FloatAttr(pad)));
  auto compare = [&](arith::CmpIPredicate predicate, Value x, int64_t y) {
    return arith::CmpIOp::create(b, e.loc, predicate, x, e.index(y));
  };
  auto clamp = [&](Value x, int64_t lo, int64_t hi) -> Value {
    return arith::MaxSIOp::create(b, e.loc, e.min(x, e.index(hi)),
                                  e.index(lo));
  };
  // Scratch and source indices of the current row, outer dims first.
  SmallVector<Value> to, from(lead.begin(), lead.end());
  std::function<void(int64_t, Value)> rows = [&](int64_t d, Value inside) {
    if (d + 1 < k) {
      e.loop(0, extent[d], 1, [&](Value j) {
        Value position = e.add(start[d], j);
        Value ok = arith::AndIOp::create(
            b, e.loc, compare(arith::CmpIPredicate::sge, position, 0),
            compare(arith::CmpIPredicate::slt, position, sizes[d]));
        to.push_back(j);
        from.push_back(position);
        rows(d + 1, inside ? arith::AndIOp::create(b, e.loc, inside, ok)
                           : Value(ok));
        to.pop_back();
        from.pop_back();
      });
      return;
    }
    // The row in the pad value, then the part inside the source over it.
    for (int64_t v = 0; v < rowStride; v += lanes) {
      SmallVector<Value> at(to);
      at.push_back(e.index(v));
      vector::StoreOp::create(b, e.loc, padVector, scratch, at);
    }
    auto copy = [&] {
      int64_t width = sizes[d];
      Value first = arith::MaxSIOp::create(b, e.loc, start[d], e.index(0));
      Value last = e.min(e.add(start[d], extent[d]), e.index(width));
      Value length = arith::SubIOp::create(b, e.loc, last, first);
      Value offset = arith::SubIOp::create(b, e.loc, first, start[d]);
      auto maskType = VectorType::get({lanes}, b.getI1Type());
      for (int64_t v = 0; v * lanes < extent[d]; ++v) {
        Value count = clamp(
            arith::SubIOp::create(b, e.loc, length, e.index(v * lanes)), 0,
            lanes);
        Value mask = vector::CreateMaskOp::create(b, e.loc, maskType,
                                                  ValueRange{count});
        // Indices stay inside both buffers when no lane is left.
        SmallVector<Value> in(from), at(to);
        in.push_back(e.min(e.add(first, v * lanes), e.index(width - 1)));
        at.push_back(e.min(e.add(offset, v * lanes), e.index(rowStride - 1)));
        Value x = vector::MaskedLoadOp::create(b, e.loc, e.vectorType, source,
                                               in, mask, padVector);
        vector::MaskedStoreOp::create(b, e.loc, scratch, at, mask, x);
      }
    };
    if (!inside) {
      copy();
      return;
    }
    auto ifOp = scf::IfOp::create(b, e.loc, inside, /*withElse=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    copy();
  };
  rows(0, Value());
}

SmallVector<Value>
reduceLoop(Emitter &e, int64_t count,
           function_ref<SmallVector<Value>(Value, ValueRange)> body,
           ValueRange init) {
  if (count == 1)
    return body(e.index(0), init);
  auto loop = scf::ForOp::create(
      e.b, e.loc, e.index(0), e.index(count), e.index(1), init,
      [&](OpBuilder &, Location, Value iv, ValueRange acc) {
        scf::YieldOp::create(e.b, e.loc, body(iv, acc));
      });
  return SmallVector<Value>(loop.getResults());
}


Value contiguous(OpBuilder &b, Location loc, Value value, bool copyIn) {
  auto type = cast<MemRefType>(value.getType());
  if (type.getLayout().isIdentity())
    return value;
  Value copy = memref::AllocOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()));
  if (copyIn)
    memref::CopyOp::create(b, loc, value, copy);
  return copy;
}

Value flatView(OpBuilder &b, Location loc, const Access &access) {
  Type element = cast<MemRefType>(access.buffer.getType()).getElementType();
  return memref::ReinterpretCastOp::create(
      b, loc, MemRefType::get({access.span}, element), access.buffer,
      /*offset=*/0, ArrayRef<int64_t>{access.span}, ArrayRef<int64_t>{1});
}

Value loadAlong(Emitter &e, Value flat, Value at, int64_t step,
                int64_t valid) {
  VectorType type = e.vectorOf(flat);
  if (step == 0)
    return vector::BroadcastOp::create(
        e.b, e.loc, type,
        memref::LoadOp::create(e.b, e.loc, flat, ValueRange{at}));
  if (step == 1)
    return e.load(flat, {at}, valid);
  return vector::GatherOp::create(e.b, e.loc, type, flat, ValueRange{at},
                                  e.laneOffsets(step), e.mask(valid),
                                  e.zeros(type));
}

void storeAlong(Emitter &e, Value value, Value flat, Value at, int64_t step,
                int64_t valid) {
  if (step == 1) {
    e.store(value, flat, {at}, valid);
    return;
  }
  vector::ScatterOp::create(e.b, e.loc, Type(), flat, ValueRange{at},
                            e.laneOffsets(step), e.mask(valid), value);
}

//===----------------------------------------------------------------------===//
// Code building helpers
//===----------------------------------------------------------------------===//

/// `then(i, v)` for every accumulator, under `condition` when there is one,
/// `otherwise(i, v)` else; returns the values (when `then` yields any).
SmallVector<Value> forTile(Emitter &e, int64_t rows, int64_t vectors,
                           Value condition,
                           function_ref<Value(int64_t, int64_t)> then,
                           function_ref<Value(int64_t, int64_t)> otherwise,
                           bool yields) {
  auto all = [&](function_ref<Value(int64_t, int64_t)> fn) {
    SmallVector<Value> values;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t v = 0; v < vectors; ++v)
        values.push_back(fn(i, v));
    return values;
  };
  if (!condition)
    return all(then);
  SmallVector<Type> types(yields ? rows * vectors : 0, e.vectorType);
  auto ifOp = scf::IfOp::create(e.b, e.loc, types, condition,
                                /*withElse=*/true);
  OpBuilder::InsertionGuard guard(e.b);
  for (bool first : {true, false}) {
    e.b.setInsertionPointToStart(first ? ifOp.thenBlock() : ifOp.elseBlock());
    SmallVector<Value> values = all(first ? then : otherwise);
    if (first ? ifOp.thenBlock()->mightHaveTerminator()
              : ifOp.elseBlock()->mightHaveTerminator())
      e.b.setInsertionPoint(first ? ifOp.thenBlock()->getTerminator()
                                  : ifOp.elseBlock()->getTerminator());
    if (yields)
      scf::YieldOp::create(e.b, e.loc, values);
  }
  return SmallVector<Value>(ifOp.getResults());
}

void emitMicrokernel(Emitter &e, const TileAccess &access, int64_t rows,
                     int64_t vectors, Value lo, Value hi) {
  SmallVector<Value> acc =
      access.initOutput
          ? forTile(e, rows, vectors, access.initFirst, access.initOutput,
                    access.loadOutput, /*yields=*/true)
          : forTile(e, rows, vectors, Value(), access.loadOutput,
                    access.loadOutput, /*yields=*/true);
  OpBuilder &b = e.b;
  auto loop = scf::ForOp::create(
      b, e.loc, lo, hi, e.index(1), acc,
      [&](OpBuilder &, Location, Value k, ValueRange iterArgs) {
        SmallVector<Value> sums(iterArgs);
        if (access.prefetch)
          access.prefetch(k);
        for (int64_t s = 0; s < access.inner; ++s) {
          SmallVector<Value> columns;
          for (int64_t v = 0; v < vectors; ++v)
            columns.push_back(access.vector(k, s, v));
          for (int64_t i = 0; i < rows; ++i) {
            Value a = vector::BroadcastOp::create(b, e.loc, e.vectorType,
                                                  access.scalar(k, s, i));
            for (int64_t v = 0; v < vectors; ++v) {
              Value &sum = sums[i * vectors + v];
              sum = vector::FMAOp::create(b, e.loc, a, columns[v], sum);
            }
          }
        }
        scf::YieldOp::create(b, e.loc, sums);
      });
  auto storer = [&](const std::function<void(Value, int64_t, int64_t)> &fn) {
    return [&, fn](int64_t i, int64_t v) -> Value {
      fn(loop.getResult(i * vectors + v), i, v);
      return Value();
    };
  };
  if (access.finishOutput)
    forTile(e, rows, vectors, access.finishLast, storer(access.finishOutput),
            storer(access.storeOutput), /*yields=*/false);
  else
    forTile(e, rows, vectors, Value(), storer(access.storeOutput),
            storer(access.storeOutput), /*yields=*/false);
}

int64_t vectorsFor(const TileShape &shape, int64_t columns) {
  return (columns + shape.lanes - 1) / shape.lanes;
}
int64_t validLanes(const TileShape &shape, int64_t columns, int64_t v) {
  return std::clamp<int64_t>(columns - v * shape.lanes, 0, shape.lanes);
}

//===----------------------------------------------------------------------===//
// Globals and parallel ranges
//===----------------------------------------------------------------------===//

StringAttr packedConstant(KernelContext &context, Operation *anchor,
                          StringRef base, DenseElementsAttr value) {
  OpBuilder detached(anchor->getContext());
  auto memrefType = MemRefType::get(value.getType().getShape(),
                                    value.getType().getElementType());
  // Kernels packing the same constant the same way (the steps of an
  // unrolled recurrence, one weight used by several layers) share one
  // global: attributes are uniqued, so equal data is the same attribute.
  for (auto existing :
       context.symbols.getOp()->getRegion(0).getOps<memref::GlobalOp>())
    if (existing.getConstant() && existing.getType() == memrefType &&
        existing.getInitialValueAttr() == value &&
        existing.getSymName().starts_with(base))
      return existing.getSymNameAttr();
  auto global = memref::GlobalOp::create(
      detached, anchor->getLoc(), base, detached.getStringAttr("private"),
      memrefType, value, /*constant=*/true, detached.getI64IntegerAttr(64));
  return context.symbols.insert(
      global, Block::iterator(anchor->getParentOfType<func::FuncOp>()));
}

StringAttr packedConstant(KernelContext &context, Operation *anchor,
                          StringRef base, ArrayRef<int64_t> shape,
                          ArrayRef<float> data) {
  auto tensorType =
      RankedTensorType::get(shape, Float32Type::get(anchor->getContext()));
  return packedConstant(context, anchor, base,
                        DenseElementsAttr::get(tensorType, data));
}

Value getGlobal(Emitter &e, StringAttr name, ArrayRef<int64_t> shape,
                Type elementType) {
  return memref::GetGlobalOp::create(
      e.b, e.loc,
      MemRefType::get(shape, elementType ? elementType : e.b.getF32Type()),
      name);
}

void emitRange(KernelContext &context, Operation *anchor, int64_t n,
               bool parallel, ValueRange uses, RangeBody body) {
  OpBuilder b(anchor);
  Location loc = anchor->getLoc();
  // Roots, and the pure ops between them and `uses` (operands first).
  llvm::SetVector<Value> roots;
  llvm::SetVector<Operation *> clones;
  std::function<void(Value)> visit = [&](Value value) {
    Operation *def = value.getDefiningOp();
    if (def && def->getNumRegions() == 0 && isMemoryEffectFree(def)) {
      if (clones.contains(def))
        return;
      for (Value operand : def->getOperands())
        visit(operand);
      clones.insert(def);
      return;
    }
    roots.insert(value);
  };
  for (Value use : uses)
    visit(use);
  bool passable = llvm::all_of(roots, [](Value root) {
    auto type = dyn_cast<MemRefType>(root.getType());
    return type ? type.hasStaticShape() && type.getLayout().isIdentity()
                : root.getType().isIntOrIndexOrFloat();
  });
  if (!parallel || !passable) {
    Emitter e(b, loc, context.shape);
    body(e, e.index(0), e.index(n), uses);
    return;
  }
  auto function = anchor->getParentOfType<func::FuncOp>();
  OpBuilder detached(anchor->getContext());
  SmallVector<Type> types{b.getIndexType(), b.getIndexType()};
  for (Value root : roots)
    types.push_back(root.getType());
  auto task =
      func::FuncOp::create(detached, loc, (function.getName() + "_task").str(),
                           b.getFunctionType(types, {}));
  task.setPrivate();
  task->setAttr(tk::TKDialect::getTaskAttrName(), b.getUnitAttr());
  StringAttr taskName = context.symbols.insert(task, Block::iterator(function));
  Block *entry = task.addEntryBlock();
  OpBuilder tb = OpBuilder::atBlockBegin(entry);
  IRMapping mapping;
  for (auto [root, argument] :
       llvm::zip(roots, entry->getArguments().drop_front(2)))
    mapping.map(root, argument);
  for (Operation *op : clones)
    tb.clone(*op, mapping);
  SmallVector<Value> mapped;
  for (Value use : uses)
    mapped.push_back(mapping.lookup(use));
  Emitter te(tb, loc, context.shape);
  body(te, entry->getArgument(0), entry->getArgument(1), mapped);
  func::ReturnOp::create(tb, loc);

  SmallVector<Type> dispatchTypes(llvm::drop_begin(types, 1));
  auto dispatch = func::FuncOp::create(
      detached, loc, ("__tessera_dispatch_" + taskName.getValue()).str(),
      b.getFunctionType(dispatchTypes, {}));
  dispatch.setPrivate();
  // The reference keeps the task alive through symbol-dce.
  dispatch->setAttr(tk::TKDialect::getTaskAttrName(),
                    FlatSymbolRefAttr::get(taskName));
  context.symbols.insert(dispatch, Block::iterator(function));
  SmallVector<Value> operands{arith::ConstantIndexOp::create(b, loc, n)};
  operands.append(roots.begin(), roots.end());
  func::CallOp::create(b, loc, dispatch, operands);
}

/// Whether a kernel of `work` multiply-adds over `items` parallel items
/// runs on the thread pool.
bool runsInParallel(const KernelContext &context, int64_t work, int64_t items) {
  return context.parallel && work >= context.parallelWork && items >= 2;
}

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

SmallVector<float> packPanels(DenseElementsAttr data, int64_t k, int64_t n,
                              int64_t width, bool transposed) {
  auto values = data.getValues<float>();
  int64_t panels = (n + width - 1) / width;
  SmallVector<float> packed(panels * k * width, 0.0f);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t r = 0; r < k; ++r)
      for (int64_t j = 0; j < width && p * width + j < n; ++j) {
        int64_t column = p * width + j;
        packed[(p * k + r) * width + j] =
            values[transposed ? column * k + r : r * n + column];
      }
  return packed;
}

/// Runs `body(panel, columns)` for the panels in [begin, end): the full ones
/// in a loop, the partial last one (when there is one and the range
/// reaches it) after.
void forPanels(Emitter &e, Value begin, Value end, int64_t fullPanels,
               int64_t tailColumns, int64_t width,
               function_ref<void(Value, int64_t)> body) {
  e.loop(begin, e.min(end, e.index(fullPanels)), 1,
         [&](Value p) { body(p, width); });
  if (!tailColumns)
    return;
  Value reaches = arith::CmpIOp::create(e.b, e.loc, arith::CmpIPredicate::sgt,
                                        end, e.index(fullPanels));
  auto ifOp = scf::IfOp::create(e.b, e.loc, reaches, /*withElse=*/false);
  OpBuilder::InsertionGuard guard(e.b);
  e.b.setInsertionPointToStart(ifOp.thenBlock());
  body(e.index(fullPanels), tailColumns);
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

Value loadStrided(Emitter &e, Value buffer, SmallVector<Value> indices,
                  int64_t stride, int64_t valid) {
  int64_t lanes = e.shape.lanes;
  if (stride == 1)
    return e.load(buffer, indices, valid);
  OpBuilder &b = e.b;
  if (stride <= 4) {
    // A contiguous load of the span (masked past the last element needed),
    // then every stride-th lane.
    int64_t width = lanes * stride;
    SmallVector<bool> bits(width);
    for (int64_t j = 0; j < width; ++j)
      bits[j] = j <= (valid - 1) * stride;
    auto maskType = VectorType::get({width}, b.getI1Type());
    auto wideType = VectorType::get({width}, b.getF32Type());
    Value mask = arith::ConstantOp::create(
        b, e.loc, DenseElementsAttr::get(maskType, ArrayRef<bool>(bits)));
    Value zeros = arith::ConstantOp::create(
        b, e.loc, DenseElementsAttr::get(wideType, b.getF32FloatAttr(0)));
    Value wide = vector::MaskedLoadOp::create(b, e.loc, wideType, buffer,
                                              indices, mask, zeros);
    SmallVector<int64_t> picks;
    for (int64_t l = 0; l < lanes; ++l)
      picks.push_back(l * stride);
    return vector::ShuffleOp::create(b, e.loc, wide, wide, picks);
  }
  return vector::GatherOp::create(b, e.loc, e.vectorType, buffer, indices,
                                  e.laneOffsets(stride), e.mask(valid),
                                  e.zeros());
}

KernelContext withWindowConfig(const KernelContext &context,
                               const tk::CPUWindowAttr &config) {
  KernelContext configured = context;
  configured.shape.lanes = config.getLanes();
  configured.shape.mr = config.getMr();
  configured.shape.nr = config.getNr();
  configured.parallel = context.parallel && config.getParallel();
  configured.parallelWork = 0;
  return configured;
}

bool isContiguousF32(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.hasStaticShape() && type.getLayout().isIdentity() &&
         type.getElementType().isF32();
}


} // namespace tessera::kernels
