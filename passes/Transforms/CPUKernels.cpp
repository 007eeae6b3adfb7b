//===- CPUKernels.cpp - register-tiled vector kernels for contractions ----===//
//
// Runs on bufferized functions. f32 `linalg.matmul` and
// `linalg.conv_2d_nchw_fchw` with static shapes become loop nests around one
// register-tiled microkernel: an MR x NR tile of the output lives in MR x
// (NR / lanes) vector accumulators while the reduction runs, each step
// broadcasting MR scalars of the left operand and loading NR/lanes vectors
// of the right one (BLIS's outer-product form). Shapes that do not divide
// are handled by smaller row tiles and masked column vectors, never by
// reading or writing outside a buffer.
//
// Matmul: B is repacked into panels [N/NR][K][NR] (zero-padded) — at
// compile time when B is a constant global, otherwise into a workspace
// buffer, each parallel range packing its own panels; with more than one
// row tile, A is first copied into row panels [M/MR][K][MR]. The loops
// block K by KC (one B micro-panel stays in L1) and M by MC (the A block
// stays in L2).
//
// Convolutions are in ConvKernel.cpp, depthwise convolutions and pooling in
// DepthwiseKernel.cpp, the fusion around the tiles in TileFusion.cpp; the
// pass itself, the microkernel, parallel ranges and matmul are here.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/CPUKernels.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"

#include <algorithm>
#include <functional>

namespace tessera {
#define GEN_PASS_DEF_CPUKERNELS
#include "passes/Transforms/Passes.h.inc"
} // namespace tessera

using namespace mlir;

namespace tessera::kernels {

TileShape tileShapeFor(int64_t vectorBits, int64_t registers) {
  TileShape shape;
  shape.lanes = std::max<int64_t>(vectorBits / 32, 1);
  shape.nr = 2 * shape.lanes;
  // MR x 2 accumulators, two B vectors and one broadcast must fit.
  shape.mr = std::clamp<int64_t>((registers - 3) / 2, 1, 12);
  // A B micro-panel of KC x NR floats stays in L1 (32 KiB at AVX-512's NR
  // of 32, measured best on a 48 KiB L1; 16 KiB at AVX2's 16).
  shape.kc = 256;
  shape.mc =
      std::max<int64_t>(256 * 1024 / (shape.kc * 4) / shape.mr, 1) * shape.mr;
  return shape;
}

int64_t balancedRows(int64_t rows, int64_t mr) {
  int64_t tiles = (rows + mr - 1) / mr;
  return (rows + tiles - 1) / tiles;
}

bool hasUnitInnerStride(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  return strides.empty() || strides.back() == 1;
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
                          StringRef base, ArrayRef<int64_t> shape,
                          ArrayRef<float> data) {
  OpBuilder detached(anchor->getContext());
  auto memrefType = MemRefType::get(shape, detached.getF32Type());
  auto tensorType = RankedTensorType::get(shape, detached.getF32Type());
  auto global = memref::GlobalOp::create(
      detached, anchor->getLoc(), base, detached.getStringAttr("private"),
      memrefType, DenseElementsAttr::get(tensorType, data), /*constant=*/true,
      detached.getI64IntegerAttr(64));
  return context.symbols.insert(
      global, Block::iterator(anchor->getParentOfType<func::FuncOp>()));
}

Value getGlobal(Emitter &e, StringAttr name, ArrayRef<int64_t> shape) {
  return memref::GetGlobalOp::create(
      e.b, e.loc, MemRefType::get(shape, e.b.getF32Type()), name);
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
  task->setAttr("tessera.task", b.getUnitAttr());
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
  dispatch->setAttr("tessera.task", FlatSymbolRefAttr::get(taskName));
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

/// Copies rows of `a` [M][K] into `packed` [ceil(M/MR)][K][MR] for the row
/// tiles in [begin, end): a row at a time, vector loads along K scattered
/// MR apart; rows past M are zeros.
void packRowPanels(Emitter &e, Value a, Value packed, Value begin, Value end,
                   int64_t m, int64_t k, int64_t mr) {
  OpBuilder &b = e.b;
  int64_t lanes = e.shape.lanes;
  Value flat = memref::CollapseShapeOp::create(
      b, e.loc, packed, SmallVector<ReassociationIndices>{{0, 1, 2}});
  Value spread = e.laneOffsets(mr);
  e.loop(begin, end, 1, [&](Value t) {
    for (int64_t i = 0; i < mr; ++i) {
      Value row = e.add(e.mul(t, mr), i);
      Value inside = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::slt,
                                           row, e.index(m));
      // Element (t, c, i) of the panels.
      auto target = [&](Value column) {
        return e.add(e.mul(e.add(e.mul(t, k), column), mr), i);
      };
      auto copy = [&](Value column, int64_t valid, bool zero) {
        Value x = zero ? e.zeros() : e.load(a, {row, column}, valid);
        vector::ScatterOp::create(b, e.loc, Type(), flat,
                                  ValueRange{target(column)}, spread,
                                  e.mask(valid), x);
      };
      auto ifOp = scf::IfOp::create(b, e.loc, inside, /*withElse=*/true);
      for (bool zero : {false, true}) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(zero ? ifOp.elseBlock() : ifOp.thenBlock());
        e.loop(0, k - k % lanes, lanes,
               [&](Value column) { copy(column, lanes, zero); });
        if (k % lanes)
          copy(e.index(k - k % lanes), k % lanes, zero);
      }
    }
  });
}

LogicalResult lowerMatmul(KernelContext &context, linalg::MatmulOp op) {
  if (!op.hasPureBufferSemantics() || op.hasUserDefinedMaps())
    return failure();
  Value a = op.getDpsInputs()[0], bMat = op.getDpsInputs()[1],
        c = op.getDpsInits()[0];
  if (!hasUnitInnerStride(a) || !hasUnitInnerStride(bMat) ||
      !hasUnitInnerStride(c))
    return failure();
  auto aType = cast<MemRefType>(a.getType());
  auto bType = cast<MemRefType>(bMat.getType());
  int64_t m = aType.getDimSize(0), k = aType.getDimSize(1),
          n = bType.getDimSize(1);
  if (m == 0 || n == 0 || k == 0)
    return failure();
  DenseElementsAttr constantB = constantData(bMat);
  if (!constantB && !isa<func::FuncOp>(op->getParentOp()))
    return failure(); // the packing buffer must be a top-level allocation

  const TileShape &shape = context.shape;
  int64_t nr = shape.nr, panels = (n + nr - 1) / nr;
  SmallVector<int64_t> packedShape{panels, k, nr};
  // Constant B: packed now. Otherwise each range packs its own panels into
  // a buffer of the workspace.
  StringAttr packedName;
  TileFusion fusion = analyzeFusion(op, c, {a, bMat}, /*vectorDims=*/{1});
  SmallVector<Value> buffers{a, c};
  if (constantB) {
    packedName =
        packedConstant(context, op, "__tessera_packed_rhs", packedShape,
                       packPanels(constantB, k, n, nr, false));
  } else {
    OpBuilder b(op);
    buffers.push_back(bMat);
    buffers.push_back(memref::AllocOp::create(
        b, op.getLoc(), MemRefType::get(packedShape, b.getF32Type())));
  }
  int64_t mr = balancedRows(m, shape.mr);
  int64_t fullRows = m - m % mr;
  // With more than one row tile, A is first copied into row panels
  // [ceil(M/MR)][K][MR] (zero-padded): the microkernel then reads MR
  // consecutive floats per step instead of MR rows that may alias in L1.
  bool packA = m > mr && isa<func::FuncOp>(op->getParentOp());
  if (packA) {
    OpBuilder b(op);
    int64_t tiles = (m + mr - 1) / mr;
    Value packedA = memref::AllocOp::create(
        b, op.getLoc(), MemRefType::get({tiles, k, mr}, b.getF32Type()));
    emitRange(
        context, op, tiles,
        context.parallel && m * k >= context.parallelElements, {a, packedA},
        [&](Emitter &e, Value begin, Value end, ValueRange captured) {
          packRowPanels(e, captured[0], captured[1], begin, end, m, k, mr);
        });
    buffers[0] = packedA;
  }
  size_t fusionStart = buffers.size();
  llvm::append_range(buffers, fusion.uses());

  auto body = [&](Emitter &e, Value begin, Value end, ValueRange captured) {
    OpBuilder &b = e.b;
    Value a = captured[0], c = captured[1];
    FusedTile fused(e, fusion, captured.drop_front(fusionStart), {1});
    Value packed =
        constantB ? getGlobal(e, packedName, packedShape) : captured[3];
    if (!constantB) {
      // Copy B's panels of this range, a vector at a time (masked at the
      // right edge).
      Value source = captured[2];
      forPanels(
          e, begin, end, n / nr, n % nr, nr, [&](Value p, int64_t columns) {
            e.loop(0, k, 1, [&](Value r) {
              Value column = e.mul(p, nr);
              for (int64_t v = 0; v < nr / shape.lanes; ++v) {
                int64_t valid = validLanes(shape, columns, v);
                Value x =
                    valid ? e.load(source, {r, e.add(column, v * shape.lanes)},
                                   valid)
                          : e.zeros();
                e.store(x, packed, {p, r, e.index(v * shape.lanes)},
                        shape.lanes);
              }
            });
          });
    }
    auto tile = [&](Value row, Value panel, int64_t rows, int64_t columns,
                    Value k0, Value k1) {
      Value column = e.mul(panel, nr);
      TileAccess access;
      Value rowTile =
          packA ? Value(arith::DivUIOp::create(b, e.loc, row, e.index(mr)))
                : Value();
      access.scalar = [&](Value r, int64_t, int64_t i) -> Value {
        if (packA)
          return memref::LoadOp::create(b, e.loc, a,
                                        ValueRange{rowTile, r, e.index(i)});
        return memref::LoadOp::create(b, e.loc, a,
                                      ValueRange{e.add(row, i), r});
      };
      access.vector = [&](Value r, int64_t, int64_t v) -> Value {
        return e.load(packed, {panel, r, e.index(v * shape.lanes)},
                      shape.lanes);
      };
      access.loadOutput = [&](int64_t i, int64_t v) {
        return e.load(c, {e.add(row, i), e.add(column, v * shape.lanes)},
                      validLanes(shape, columns, v));
      };
      access.storeOutput = [&](Value x, int64_t i, int64_t v) {
        e.store(x, c, {e.add(row, i), e.add(column, v * shape.lanes)},
                validLanes(shape, columns, v));
      };
      // Fused ops: the output's loop dims are (row, column), lanes along
      // the columns. With several K blocks, the prologue applies to the
      // first and the epilogue to the last; the others keep partial sums in
      // the output.
      auto dims = [&](int64_t i) {
        return SmallVector<Value>{e.add(row, i), Value()};
      };
      if (fusion.producer) {
        access.initOutput = [&](int64_t i, int64_t v) {
          return fused.init(dims(i), e.add(column, v * shape.lanes),
                            validLanes(shape, columns, v));
        };
        if (k > shape.kc)
          access.initFirst = arith::CmpIOp::create(
              b, e.loc, arith::CmpIPredicate::eq, k0, e.index(0));
      }
      if (fusion.consumer) {
        access.finishOutput = [&](Value x, int64_t i, int64_t v) {
          Value lane0 = e.add(column, v * shape.lanes);
          int64_t valid = validLanes(shape, columns, v);
          e.store(fused.finish(x, dims(i), lane0, valid), fused.target,
                  {e.add(row, i), lane0}, valid);
        };
        if (k > shape.kc)
          access.finishLast = arith::CmpIOp::create(
              b, e.loc, arith::CmpIPredicate::eq, k1, e.index(k));
      }
      emitMicrokernel(e, access, rows, vectorsFor(shape, columns), k0, k1);
    };
    // K blocks, then row blocks; in each, this range's panels against
    // every row tile of the block.
    e.loop(0, k, shape.kc, [&](Value k0) {
      Value k1 = e.min(e.add(k0, shape.kc), e.index(k));
      int64_t mc = std::max<int64_t>(shape.mc / mr, 1) * mr;
      e.loop(0, fullRows, mc, [&](Value m0) {
        Value m1 = e.min(e.add(m0, mc), e.index(fullRows));
        forPanels(
            e, begin, end, n / nr, n % nr, nr, [&](Value p, int64_t columns) {
              e.loop(m0, m1, mr,
                     [&](Value row) { tile(row, p, mr, columns, k0, k1); });
            });
      });
      if (m % mr)
        forPanels(e, begin, end, n / nr, n % nr, nr,
                  [&](Value p, int64_t columns) {
                    tile(e.index(fullRows), p, m % mr, columns, k0, k1);
                  });
    });
  };
  emitRange(context, op, panels, runsInParallel(context, m * n * k, panels),
            buffers, body);
  op.erase();
  fusion.erase();
  return success();
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

bool isContiguousF32(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.hasStaticShape() && type.getLayout().isIdentity() &&
         type.getElementType().isF32();
}

int64_t attrAt(DenseIntElementsAttr attr, int64_t i) {
  return (*(attr.getValues<int64_t>().begin() + i));
}

struct CPUKernelsPass : tessera::impl::CPUKernelsBase<CPUKernelsPass> {
  using CPUKernelsBase::CPUKernelsBase;

  void runOnOperation() override {
    if (vectorBits < 128 || vectorBits % 128 || registers < 8) {
      getOperation().emitError()
          << "tessera-cpu-kernels: vector-bits must be a multiple of 128 and "
             "registers at least 8";
      return signalPassFailure();
    }
    for (auto function : getOperation().getOps<func::FuncOp>())
      if (!function.isExternal()) {
        splitPadFills(function);
        flattenBatchedMatmuls(function);
      }
    SymbolTable symbols(getOperation());
    KernelContext context{symbols, tileShapeFor(vectorBits, registers),
                          parallel, parallelWork, parallelElements};
    SmallVector<Operation *> ops;
    int64_t tiled = 0;
    getOperation().walk([&](Operation *op) {
      if (isa<linalg::MatmulOp, linalg::Conv2DNchwFchwOp,
              linalg::DepthwiseConv2DNchwChwOp, linalg::PoolingNchwMaxOp,
              linalg::PoolingNchwSumOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (auto depthwise = dyn_cast<linalg::DepthwiseConv2DNchwChwOp>(op))
        tiled += succeeded(lowerDepthwise(context, depthwise));
      else if (auto maxPool = dyn_cast<linalg::PoolingNchwMaxOp>(op))
        tiled += succeeded(lowerPooling(context, maxPool));
      else if (auto sumPool = dyn_cast<linalg::PoolingNchwSumOp>(op))
        tiled += succeeded(lowerPooling(context, sumPool));
      else if (auto matmul = dyn_cast<linalg::MatmulOp>(op))
        tiled += succeeded(lowerMatmul(context, matmul));
      else if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op))
        tiled += succeeded(lowerConv(context, conv));
    }
    // What stays a generic: split large ones across the thread pool.
    SmallVector<linalg::GenericOp> generics;
    for (auto function : getOperation().getOps<func::FuncOp>())
      if (!function->hasAttr("tessera.task") && !function.isExternal())
        for (auto generic : function.getOps<linalg::GenericOp>())
          generics.push_back(generic);
    for (linalg::GenericOp generic : generics)
      (void)parallelizeGeneric(context, generic);
    // For tessera-compile --stats.
    auto count = [&](int64_t value) {
      return IntegerAttr::get(IntegerType::get(&getContext(), 64), value);
    };
    getOperation()->setAttr("tessera.tiled_kernels", count(tiled));
  }
};

} // namespace tessera::kernels
