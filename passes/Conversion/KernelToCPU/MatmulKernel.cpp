//===- MatmulKernel.cpp - tk.matmul as a register-tiled vector kernel -----===//
//
// The CPU lowering of tk.matmul on buffers. Every operand is addressed as a
// flat view of its buffer with one element stride per loop (from its
// linear map and its memref strides), so transposed, broadcast and reshaped
// operands need no copies. Batch loops that only step the rows of the left
// operand and of the output merge into the rows; the others become part
// of the parallel range (batch x column panels).
//
// The right operand is repacked into panels [N/NR][K][NR] (zero-padded) —
// at compile time when it is a constant global, otherwise per range into a
// workspace buffer; with more than one row tile and a contiguous reduction,
// the left operand is first copied into row panels [M/MR][K][MR]. K blocks
// by KC, rows by MC; the accumulators start at zero in the first K block
// and the epilogue region runs on them, as vectors, in the last.
//
// 8-bit integer kernels go to IntegerMatmulKernel.cpp. What the vector
// kernels do not take (other non-f32 kernels, dynamic strides,
// an output not contiguous along the columns, an epilogue that is not
// elementwise) becomes plain loops from the maps: slow, never wrong.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/Passes.h"
#include "passes/Conversion/KernelToCPU/CPUKernels.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <cstdint>

using namespace mlir;
using namespace tessera;
using namespace tessera::kernels;


//===----------------------------------------------------------------------===//
// The vector kernel
//===----------------------------------------------------------------------===//

LogicalResult tessera::kernels::lowerMatmul(KernelContext &context,
                                            tk::MatmulOp op) {
  auto fallback = [&](StringRef) {
    tk::lowerMatmulToLoops(op, /*parallel=*/false);
    return failure();
  };
  if (getElementTypeOrSelf(op.getLhs().getType()).isSignlessInteger(8)) {
    if (succeeded(lowerIntegerMatmul(context, op)))
      return success();
    return fallback("an integer kernel the integer microkernel does not take");
  }
  SmallVector<int64_t> sizes = op.getLoopSizes();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  FailureOr<SmallVector<Access>> described =
      describeOperands(op, maps, sizes);
  if (failed(described))
    return fallback("not a static strided f32 operand");
  SmallVector<Access> &accesses = *described;
  Block &epilogue = op.getEpilogue().front();
  if (!tk::isElementwiseF32Body(epilogue))
    return fallback("epilogue is not elementwise on f32");
  int64_t mDim = op.getMDim(), nDim = op.getNDim(), kDim = op.getKDim();
  Access &lhs = accesses[0], &rhs = accesses[1], &out = accesses.back();
  MutableArrayRef<Access> epilogueAccesses =
      MutableArrayRef<Access>(accesses).slice(2, accesses.size() - 3);
  if (out.stride[nDim] != 1)
    return fallback("output not contiguous along the columns");
  // A strided rhs is packed by gathers with i32 lane offsets.
  if (rhs.stride[nDim] * context.shape.lanes > INT32_MAX)
    return fallback("rhs columns too far apart for 32-bit gather offsets");

  // Batch loops that step the rows of lhs, the epilogue inputs and the
  // output by whole matrices (and not rhs) merge into the rows.
  int64_t m = sizes[mDim], n = sizes[nDim], k = sizes[kDim];
  SmallVector<int64_t> batch = splitBatchLoops(
      accesses, rhs, sizes, op.getNumBatchDims(), mDim, m);
  int64_t batches = 1;
  for (int64_t d : batch)
    batches *= sizes[d];
  bool lhsBatched = llvm::any_of(batch, [&](int64_t d) {
    return lhs.stride[d] != 0;
  });
  bool rhsBatched = llvm::any_of(batch, [&](int64_t d) {
    return rhs.stride[d] != 0;
  });

  tk::CPUTileAttr config = op.getConfigAttr();
  TileShape shape = context.shape;
  bool parallelConfig = context.parallel;
  if (config) {
    shape = {config.getLanes(), config.getMr(), config.getNr(),
             config.getKc(), config.getMc()};
    parallelConfig = config.getParallel();
    if (shape.lanes != context.shape.lanes)
      return fallback("configured for another vector width");
  }
  // An epilogue input sharing the output's buffer must be read before any
  // partial sum lands there: one K block.
  for (const Access &input : epilogueAccesses)
    if (rootOf(input.buffer) == rootOf(out.buffer))
      shape.kc = std::max(shape.kc, k);
  KernelContext kernelContext = context;
  kernelContext.shape = shape;

  int64_t nr = shape.nr, lanes = shape.lanes, panels = (n + nr - 1) / nr;
  int64_t mr = balancedRows(m, shape.mr), tiles = (m + mr - 1) / mr;
  int64_t fullRows = m - m % mr;
  bool topLevel = isa<func::FuncOp>(op->getParentOp());
  DenseElementsAttr constantRhs = rootConstant(rhs.buffer);
  if (!constantRhs && !topLevel)
    return fallback("the packing buffer must be a top-level allocation");

  OpBuilder b(op);
  Location loc = op.getLoc();
  auto flat = [&](const Access &access) { return flatView(b, loc, access); };
  // Per batch index, the element offset of each operand (constant part
  // included), computed at compile time for constants.
  auto batchOffsetValue = [&](Emitter &e, const Access &access, Value index) {
    return kernels::batchOffset(e, access, batch, sizes, index);
  };

  // The right operand's panels: [(batches or 1) * panels][K][NR].
  int64_t rhsCopies = rhsBatched ? batches : 1;
  SmallVector<int64_t> packedShape{rhsCopies * panels, k, nr};
  StringAttr packedName;
  SmallVector<Value> uses;
  if (constantRhs) {
    auto values = constantRhs.getValues<float>();
    SmallVector<float> packed(rhsCopies * panels * k * nr, 0.0f);
    for (int64_t copy = 0; copy < rhsCopies; ++copy) {
      int64_t base = kernels::batchOffset(rhs, batch, sizes, copy);
      for (int64_t p = 0; p < panels; ++p)
        for (int64_t r = 0; r < k; ++r)
          for (int64_t j = 0; j < nr && p * nr + j < n; ++j)
            packed[((copy * panels + p) * k + r) * nr + j] =
                values[base + r * rhs.stride[kDim] +
                       (p * nr + j) * rhs.stride[nDim]];
    }
    packedName = packedConstant(context, op, "__tessera_packed_rhs",
                                packedShape, packed);
  }
  // The left operand in row panels [(batches or 1) * tiles][K][MR].
  bool packA = m > mr && lhs.stride[kDim] == 1 && topLevel;
  int64_t lhsCopies = lhsBatched ? batches : 1;
  Value lhsFlat = flat(lhs), packedA;
  if (packA) {
    packedA = memref::AllocOp::create(
        b, loc, MemRefType::get({lhsCopies * tiles, k, mr}, b.getF32Type()));
    emitRange(
        kernelContext, op, lhsCopies * tiles,
        context.parallel && lhsCopies * m * k >= context.parallelElements,
        {lhsFlat, packedA},
        [&](Emitter &e, Value begin, Value end, ValueRange captured) {
          Value source = captured[0];
          Value target = memref::CollapseShapeOp::create(
              e.b, e.loc, captured[1],
              SmallVector<ReassociationIndices>{{0, 1, 2}});
          // Element by element along K, the tile's rows unrolled: each
          // step reads one element of every row and writes MR contiguous
          // ones (a vector scatter per row, the other way round, costs
          // several times more). Rows past M read as zero.
          e.loop(begin, end, 1, [&](Value t) {
            Value copy = arith::DivUIOp::create(e.b, e.loc, t, e.index(tiles));
            Value tile = arith::RemUIOp::create(e.b, e.loc, t, e.index(tiles));
            Value base = batchOffsetValue(e, lhs, copy);
            Value firstRow = e.mul(tile, mr);
            SmallVector<Value> rowStarts;
            for (int64_t i = 0; i < mr; ++i)
              rowStarts.push_back(
                  e.add(base, e.mul(e.add(firstRow, i), lhs.stride[mDim])));
            Value zero = arith::ConstantOp::create(e.b, e.loc,
                                                   e.b.getF32FloatAttr(0));
            auto copyRows = [&](bool partial) {
              e.loop(0, k, 1, [&](Value column) {
                Value at = e.mul(e.add(e.mul(t, k), column), mr);
                for (int64_t i = 0; i < mr; ++i) {
                  Value x;
                  if (!partial) {
                    x = memref::LoadOp::create(
                        e.b, e.loc, source,
                        ValueRange{e.add(rowStarts[i], column)});
                  } else {
                    Value inside = arith::CmpIOp::create(
                        e.b, e.loc, arith::CmpIPredicate::slt,
                        e.add(firstRow, i), e.index(m));
                    auto ifOp = scf::IfOp::create(
                        e.b, e.loc, TypeRange{e.b.getF32Type()}, inside,
                        /*withElse=*/true);
                    OpBuilder::InsertionGuard guard(e.b);
                    e.b.setInsertionPointToStart(ifOp.thenBlock());
                    scf::YieldOp::create(
                        e.b, e.loc,
                        ValueRange{memref::LoadOp::create(
                            e.b, e.loc, source,
                            ValueRange{e.add(rowStarts[i], column)})});
                    e.b.setInsertionPointToStart(ifOp.elseBlock());
                    scf::YieldOp::create(e.b, e.loc, ValueRange{zero});
                    x = ifOp.getResult(0);
                  }
                  memref::StoreOp::create(e.b, e.loc, x, target,
                                          ValueRange{e.add(at, i)});
                }
              });
            };
            if (m % mr == 0) {
              copyRows(/*partial=*/false);
              return;
            }
            Value full = arith::CmpIOp::create(
                e.b, e.loc, arith::CmpIPredicate::sle, e.add(firstRow, mr),
                e.index(m));
            auto ifOp = scf::IfOp::create(e.b, e.loc, full, /*withElse=*/true);
            OpBuilder::InsertionGuard guard(e.b);
            e.b.setInsertionPointToStart(ifOp.thenBlock());
            copyRows(/*partial=*/false);
            e.b.setInsertionPointToStart(ifOp.elseBlock());
            copyRows(/*partial=*/true);
          });
        });
  }
  uses.push_back(packA ? packedA : lhsFlat);
  uses.push_back(flat(out));
  if (!constantRhs) {
    uses.push_back(flat(rhs));
    uses.push_back(memref::AllocOp::create(
        b, loc, MemRefType::get(packedShape, b.getF32Type())));
  }
  RegionUses epilogueUses =
      RegionUses::append(b, loc, epilogueAccesses, op.getEpilogue(), uses);
  bool identity = epilogue.getOperations().size() == 1 &&
                  cast<tk::YieldOp>(epilogue.getTerminator()).getValue() ==
                      epilogue.getArgument(0);

  auto body = [&](Emitter &e, Value begin, Value end, ValueRange captured) {
    OpBuilder &b = e.b;
    Value a = captured[0], c = captured[1];
    Value packed = constantRhs ? getGlobal(e, packedName, packedShape)
                               : captured[3];
    ValueRange inputs = epilogueUses.inputs(captured);
    IRMapping above = epilogueUses.aboveMapping(captured);

    // Panels [pBegin, pEnd) of batch `batchIndex`; `item0` is the packed
    // panel index of panel 0 of this batch.
    auto panelRange = [&](Value batchIndex, Value pBegin, Value pEnd) {
      Value rhsItem0 = rhsBatched ? e.mul(batchIndex, panels) : e.index(0);
      Value lhsTile0 = lhsBatched ? e.mul(batchIndex, tiles) : e.index(0);
      Value lhsBase = batchOffsetValue(e, lhs, batchIndex);
      Value outBase = batchOffsetValue(e, out, batchIndex);
      SmallVector<Value> inputBases;
      for (const Access &input : epilogueAccesses)
        inputBases.push_back(batchOffsetValue(e, input, batchIndex));
      if (!constantRhs) {
        // Copy this range's panels of the right operand.
        Value source = captured[2];
        Value rhsBase = batchOffsetValue(e, rhs, batchIndex);
        Value spread = e.laneOffsets(rhs.stride[nDim]);
        forPanels(e, pBegin, pEnd, n / nr, n % nr, nr,
                  [&](Value p, int64_t columns) {
                    Value item = e.add(rhsItem0, p);
                    e.loop(0, k, 1, [&](Value r) {
                      Value rowStart = e.add(
                          rhsBase, e.mul(r, rhs.stride[kDim]));
                      for (int64_t v = 0; v < nr / lanes; ++v) {
                        int64_t valid = validLanes(shape, columns, v);
                        Value column = e.add(e.mul(p, nr), v * lanes);
                        Value at =
                            e.add(rowStart, e.mul(column, rhs.stride[nDim]));
                        Value x;
                        if (!valid)
                          x = e.zeros();
                        else if (rhs.stride[nDim] == 1)
                          x = e.load(source, {at}, valid);
                        else
                          x = vector::GatherOp::create(
                              b, e.loc, e.vectorType, source, ValueRange{at},
                              spread, e.mask(valid), e.zeros());
                        e.store(x, packed, {item, r, e.index(v * lanes)},
                                lanes);
                      }
                    });
                  });
      }
      auto tile = [&](Value row, Value panel, int64_t rows, int64_t columns,
                      Value k0, Value k1) {
        Value column = e.mul(panel, nr);
        Value item = e.add(rhsItem0, panel);
        TileAccess access;
        Value rowTile =
            packA ? e.add(lhsTile0, arith::DivUIOp::create(b, e.loc, row,
                                                           e.index(mr)))
                  : Value();
        access.scalar = [&](Value r, int64_t, int64_t i) -> Value {
          if (packA)
            return memref::LoadOp::create(b, e.loc, a,
                                          ValueRange{rowTile, r, e.index(i)});
          Value at = e.add(e.add(lhsBase, e.mul(e.add(row, i),
                                                lhs.stride[mDim])),
                           e.mul(r, lhs.stride[kDim]));
          return memref::LoadOp::create(b, e.loc, a, ValueRange{at});
        };
        access.vector = [&](Value r, int64_t, int64_t v) -> Value {
          return e.load(packed, {item, r, e.index(v * lanes)}, lanes);
        };
        // With several row tiles per panel, every step along K also asks
        // for the same row of the next panel (clamped to the last), into
        // L2 (not L1, where this panel's rows are): the panel's first tile
        // then finds its weights there instead of waiting on memory for
        // each line. With one tile the panels are read as one stream,
        // which the hardware prefetches by itself.
        if (tiles > 1) {
          Value nextItem =
              e.min(e.add(item, 1), e.index(packedShape[0] - 1));
          access.prefetch = [&, nextItem](Value r) {
            for (int64_t line = 0; line < nr; line += 16)
              memref::PrefetchOp::create(
                  b, e.loc, packed, ValueRange{nextItem, r, e.index(line)},
                  /*isWrite=*/false, /*localityHint=*/2,
                  /*isDataCache=*/true);
          };
        }
        auto outAt = [&](int64_t i, int64_t v) {
          return e.add(e.add(outBase, e.mul(e.add(row, i), out.stride[mDim])),
                       e.add(column, v * lanes));
        };
        access.loadOutput = [&](int64_t i, int64_t v) {
          return e.load(c, {outAt(i, v)}, validLanes(shape, columns, v));
        };
        access.storeOutput = [&](Value x, int64_t i, int64_t v) {
          e.store(x, c, {outAt(i, v)}, validLanes(shape, columns, v));
        };
        // The accumulators start at zero in the first K block; the
        // epilogue runs in the last. Blocks between keep partial sums in
        // the output.
        access.initOutput = [&](int64_t, int64_t) { return e.zeros(); };
        if (k > shape.kc)
          access.initFirst = arith::CmpIOp::create(
              b, e.loc, arith::CmpIPredicate::eq, k0, e.index(0));
        if (!identity) {
          access.finishOutput = [&](Value x, int64_t i, int64_t v) {
            int64_t valid = validLanes(shape, columns, v);
            SmallVector<Value> arguments{x};
            for (auto [input, base, accessOf] :
                 llvm::zip(inputs, inputBases, epilogueAccesses)) {
              Value col = e.add(column, v * lanes);
              Value at = e.add(
                  e.add(base, e.mul(e.add(row, i), accessOf.stride[mDim])),
                  e.mul(col, accessOf.stride[nDim]));
              arguments.push_back(
                  loadAlong(e, input, at, accessOf.stride[nDim], valid));
            }
            e.store(applyEpilogue(e, op.getEpilogue().front(), arguments, above), c, {outAt(i, v)},
                    valid);
          };
          if (k > shape.kc)
            access.finishLast = arith::CmpIOp::create(
                b, e.loc, arith::CmpIPredicate::eq, k1, e.index(k));
        }
        emitMicrokernel(e, access, rows, vectorsFor(shape, columns), k0, k1);
      };
      // K blocks, then row blocks; in each, the panels against every row
      // tile of the block.
      e.loop(0, k, shape.kc, [&](Value k0) {
        Value k1 = e.min(e.add(k0, shape.kc), e.index(k));
        int64_t mc = std::max<int64_t>(shape.mc / mr, 1) * mr;
        e.loop(0, fullRows, mc, [&](Value m0) {
          Value m1 = e.min(e.add(m0, mc), e.index(fullRows));
          forPanels(e, pBegin, pEnd, n / nr, n % nr, nr,
                    [&](Value p, int64_t columns) {
                      e.loop(m0, m1, mr, [&](Value row) {
                        tile(row, p, mr, columns, k0, k1);
                      });
                    });
        });
        if (m % mr)
          forPanels(e, pBegin, pEnd, n / nr, n % nr, nr,
                    [&](Value p, int64_t columns) {
                      tile(e.index(fullRows), p, m % mr, columns, k0, k1);
                    });
      });
    };
    if (batches == 1) {
      panelRange(e.index(0), begin, end);
      return;
    }
    // One (batch, panel) item at a time.
    e.loop(begin, end, 1, [&](Value item) {
      Value batchIndex =
          arith::DivUIOp::create(b, e.loc, item, e.index(panels));
      Value panel = arith::RemUIOp::create(b, e.loc, item, e.index(panels));
      panelRange(batchIndex, panel, e.add(panel, 1));
    });
  };
  int64_t items = batches * panels;
  bool parallel = config ? parallelConfig && items >= 2
                         : runsInParallel(context, m * n * k * batches, items);
  emitRange(kernelContext, op, items, parallel, uses, body);
  op.erase();
  return success();
}
