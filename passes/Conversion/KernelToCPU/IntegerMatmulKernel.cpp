//===- IntegerMatmulKernel.cpp - tk.matmul of 8-bit integers --------------===//
//
// The CPU lowering of an 8-bit integer tk.matmul (i32 accumulation): MR x
// NR i32 accumulators in vector registers, each step along K multiplying G
// consecutive elements of K at once with one instruction per vector:
//
//   vnni   vpdpbusd  (G = 4) u8 x s8, four products summed into each lane
//   sdot   sdot      (G = 4) s8 x s8, likewise
//   pairs  pmaddwd   (G = 2) i16 x i16, two products summed into each lane
//
// or, with AMX, 32 x 32 blocks of four 16 x 16 i32 tiles, each step along K
// a 64-byte one (tdpb[su][su]d: every signedness, no shifts), the tiles
// stored to a stack scratch for the epilogue. The process asks Linux for
// the tile state before the kernel; refused, the run reports a run-time
// check.
//
// The right operand is packed into [N/NR][K/G][NR] i32 words holding its G
// elements along K (bytes, or i16 for pmaddwd), one vector load per step;
// the left one into [M/MR][K/G][MR] words, one broadcast per row and step.
// A constant operand is packed at compile time (a weight, on either side:
// a convolution as a matmul has its filter on the left), any other at run
// time into a buffer. Elements past K, rows past M and columns past N pack
// as 0. Batch loops that step the rows of all but rhs merge into the rows;
// the others run as items, each operand packed once per batch it varies
// along.
//
// Operands whose signedness the instruction does not take are shifted by
// 128 when packed (a' = a - sa, b' = b - sb, an xor of the sign bit):
//
//   sum_k a b = sum_k a' b' + sb rowsum(a') + sa colsum(b') + sa sb K
//
// The column part is a sum per column, the row part a sum per row, both
// taken while their operand is packed: they start the accumulators, so
// each instruction gives
// the exact integers of the plain loops (i32 sums wrap the same way).
// The epilogue (zero-point terms, rescale, requantization) runs on the
// accumulators as vectors before the one store.
//
// Not taken here (plain loops, in MatmulKernel.cpp): an output not
// contiguous along the columns, dynamic layouts, a kernel nested in a loop
// (the packing buffers are top-level allocations).
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/KernelToCPU/IntegerMatmul.h"

#include "dialects/Kernel/IR/RuntimeChecks.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <cstdint>

using namespace mlir;
using namespace tessera;
using namespace tessera::kernels;
using namespace tessera::kernels::int8;

DotForm tessera::kernels::int8::dotForm(Int8Dot dot, bool lhsUnsigned,
                                        bool rhsUnsigned) {
  switch (dot) {
  case Int8Dot::Vnni: // u8 x s8
    return {dot, 4, lhsUnsigned ? 0 : -128, rhsUnsigned ? 128 : 0};
  case Int8Dot::Sdot: // s8 x s8
    return {dot, 4, lhsUnsigned ? 128 : 0, rhsUnsigned ? 128 : 0};
  case Int8Dot::Amx: // tdpb[su][su]d: any signedness
    return {dot, 4, 0, 0};
  case Int8Dot::Pairs: // exact in i16
  case Int8Dot::None:
    break;
  }
  return {dot, 2, 0, 0};
}

namespace {

/// Asks Linux for the AMX tile state before `op` —
/// arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA), granted once per
/// process, asking again is harmless — and moves `op` under an scf.if on
/// the answer: refused, the run reports a run-time check instead of faulting
/// on the first tile instruction.
void requestTiles(OpBuilder &b, Location loc, tk::MatmulOp op) {
  Type i64 = b.getI64Type();
  auto constant = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(i64, v));
  };
  constexpr int64_t kArchPrctl = 158, kRequestPermission = 0x1023,
                    kTileData = 18;
  auto call = LLVM::InlineAsmOp::create(
      b, loc, i64,
      ValueRange{constant(kArchPrctl), constant(kRequestPermission),
                 constant(kTileData)},
      "syscall", "={rax},{rax},{rdi},{rsi},~{rcx},~{r11},~{memory}",
      /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(),
      ArrayAttr());
  Value granted = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                        call.getResult(0), constant(0));
  auto ifOp = scf::IfOp::create(b, loc, granted, /*withElse=*/true);
  op->moveBefore(ifOp.thenBlock()->getTerminator());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.elseBlock());
  IRRewriter rewriter(b);
  lowering::RuntimeCheck check = lowering::addRuntimeCheck(
      rewriter, op,
      "int8 matmul on AMX tiles: the operating system does not let this "
      "process use them (arch_prctl ARCH_REQ_XCOMP_PERM refused); compile "
      "with an --mcpu that has no AMX");
  lowering::reportIf(
      b, loc, arith::ConstantOp::create(b, loc, b.getBoolAttr(true)), check);
}

/// acc + the products of `a` and `b` (vectors of i32 words) by `form`.
Value multiplyAdd(Emitter &e, const DotForm &form, Value acc, Value a,
                  Value b) {
  auto accType = cast<VectorType>(acc.getType());
  int64_t lanes = accType.getNumElements();
  auto call = [&](StringRef name, Type type, ValueRange args) {
    return LLVM::CallIntrinsicOp::create(e.b, e.loc, type,
                                         e.b.getStringAttr(name), args)
        .getResult(0);
  };
  auto bitcast = [&](Value v, Type element, int64_t count) -> Value {
    return vector::BitCastOp::create(e.b, e.loc,
                                     VectorType::get({count}, element), v);
  };
  switch (form.dot) {
  case Int8Dot::Vnni: {
    StringRef name = lanes == 16  ? "llvm.x86.avx512.vpdpbusd.512"
                     : lanes == 8 ? "llvm.x86.avx512.vpdpbusd.256"
                                  : "llvm.x86.avx512.vpdpbusd.128";
    Type i8 = e.b.getI8Type();
    return call(name, accType,
                {acc, bitcast(a, i8, 4 * lanes), bitcast(b, i8, 4 * lanes)});
  }
  case Int8Dot::Sdot: {
    Type i8 = e.b.getI8Type();
    return call("llvm.aarch64.neon.sdot.v4i32.v16i8", accType,
                {acc, bitcast(a, i8, 16), bitcast(b, i8, 16)});
  }
  case Int8Dot::Amx: // tiles: not a vector instruction
  case Int8Dot::Pairs:
  case Int8Dot::None:
    break;
  }
  StringRef name = lanes == 16  ? "llvm.x86.avx512.pmaddw.d.512"
                   : lanes == 8 ? "llvm.x86.avx2.pmadd.wd"
                                : "llvm.x86.sse2.pmadd.wd";
  Type i16 = e.b.getI16Type();
  Value products = call(
      name, accType, {bitcast(a, i16, 2 * lanes), bitcast(b, i16, 2 * lanes)});
  return arith::AddIOp::create(e.b, e.loc, acc, products);
}

} // namespace

LogicalResult tessera::kernels::lowerIntegerMatmul(KernelContext &context,
                                                   tk::MatmulOp op) {
  if (context.int8Dot == Int8Dot::None)
    return failure();
  auto elementOf = [](Value v) {
    return cast<MemRefType>(v.getType()).getElementType();
  };
  if (!elementOf(op.getLhs()).isSignlessInteger(8) ||
      !elementOf(op.getRhs()).isSignlessInteger(8))
    return failure();
  int64_t lanes = context.shape.lanes;
  bool amx = context.int8Dot == Int8Dot::Amx;
  if (context.int8Dot == Int8Dot::Sdot ? lanes != 4
      : amx                            ? lanes != 16
            : lanes != 4 && lanes != 8 && lanes != 16)
    return failure();
  SmallVector<int64_t> sizes = op.getLoopSizes();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<Access> accesses;
  for (auto [operand, map] : llvm::zip(op->getOperands(), maps)) {
    FailureOr<Access> access = describe(operand, map, sizes);
    if (failed(access))
      return failure();
    accesses.push_back(*access);
  }
  Block &epilogue = op.getEpilogue().front();
  if (!tk::isElementwiseQuantizedBody(epilogue) ||
      !isa<func::FuncOp>(op->getParentOp()))
    return failure();
  int64_t mDim = op.getMDim(), nDim = op.getNDim(), kDim = op.getKDim();
  Access &lhs = accesses[0], &rhs = accesses[1], &out = accesses.back();
  MutableArrayRef<Access> epilogueAccesses =
      MutableArrayRef<Access>(accesses).slice(2, accesses.size() - 3);
  if (out.stride[nDim] != 1)
    return failure();
  // Batch loops that step the rows of lhs, the epilogue inputs and the
  // output by whole matrices (and not rhs) merge into the rows; the others
  // are items.
  int64_t m = sizes[mDim], n = sizes[nDim], k = sizes[kDim];
  SmallVector<int64_t> batch =
      splitBatchLoops(accesses, rhs, sizes, op.getNumBatchDims(), mDim, m);
  int64_t batches = 1;
  for (int64_t d : batch)
    batches *= sizes[d];
  auto batched = [&](const Access &a) {
    return llvm::any_of(batch, [&](int64_t d) { return a.stride[d] != 0; });
  };
  int64_t lhsCopies = batched(lhs) ? batches : 1;
  int64_t rhsCopies = batched(rhs) ? batches : 1;
  // One pass over K (no partial sums through an output of another type):
  // a packed panel is K x NR bytes, in L2 up to a K of several thousand.
  if (k > (int64_t{1} << 24))
    return failure();

  bool lhsUnsigned = op.getLhsUnsigned(), rhsUnsigned = op.getRhsUnsigned();
  DotForm form = dotForm(context.int8Dot, lhsUnsigned, rhsUnsigned);
  TileShape shape = context.shape;
  if (tk::CPUTileAttr config = op.getConfigAttr())
    if (config.getLanes() == lanes) {
      shape.mr = config.getMr();
      shape.nr = config.getNr();
    }
  if (amx) // 16-column panels (one B tile wide), in pairs
    shape.nr = 16;
  int64_t group = form.group, groups = (k + group - 1) / group;
  int64_t nr = shape.nr, panels = (n + nr - 1) / nr;
  // AMX: K in 64-byte steps (16 word rows per B tile), 32 x 32 blocks of
  // four C tiles; rows and columns past the matrix are computed, not stored.
  int64_t kSteps = (k + kAmxK - 1) / kAmxK;
  int64_t amxRows = (m + 2 * kAmxTile - 1) / (2 * kAmxTile) * 2 * kAmxTile;
  if (amx) {
    panels = (n + 2 * nr - 1) / (2 * nr) * 2;
    groups = kSteps * kAmxTile;
  }
  int64_t mr = balancedRows(m, shape.mr), tiles = (m + mr - 1) / mr;
  int64_t fullRows = m - m % mr;
  // Row blocks of about 256 KiB of packed rows, so that a block stays in L2
  // while the panels run against it.
  int64_t blockRows =
      std::max<int64_t>(256 * 1024 / std::max<int64_t>(groups * 4, 1) / mr, 1) *
      mr;
  blockRows = std::min(blockRows, tiles * mr);
  int64_t blocks = (m + blockRows - 1) / blockRows;
  bool hasColumnTerm = form.lhsShift != 0, hasRowTerm = form.rhsShift != 0;

  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i32 = b.getI32Type();
  KernelContext kernelContext = context;
  kernelContext.shape = shape;
  Plan plan{op,        sizes,       accesses,    mDim,
            nDim,      kDim,        m,           n,
            k,         batch,       batches,     lhsCopies,
            rhsCopies, lhsUnsigned, rhsUnsigned, amx,
            form,      shape,       lanes,       group,
            groups,    nr,          panels,      mr,
            tiles,     kSteps,      amxRows,     hasColumnTerm,
            hasRowTerm};
  PackedOperands packed = packOperands(context, plan);
  Packed &lhsWords = packed.lhs, &rhsWords = packed.rhs,
         &rowTerm = packed.rowTerm, &columnTerm = packed.columnTerm;
  auto packedOf = [&](const Packed &packed, Emitter &e,
                      Value captured) -> Value {
    return packed.name ? getGlobal(e, packed.name, packed.shape,
                                   packed.element ? packed.element : i32)
                       : captured;
  };

  // The kernel: (batch, row block, panel) items.
  SmallVector<Value> uses{flatView(b, loc, out)};
  size_t capturedA = 0, capturedB = 0, capturedRows = 0, capturedColumns = 0;
  std::pair<Packed *, size_t *> buffers[] = {{&lhsWords, &capturedA},
                                             {&rhsWords, &capturedB},
                                             {&rowTerm, &capturedRows},
                                             {&columnTerm, &capturedColumns}};
  for (auto [packed, index] : buffers)
    if (packed->buffer) {
      *index = uses.size();
      uses.push_back(packed->buffer);
    }
  RegionUses epilogueUses =
      RegionUses::append(b, loc, epilogueAccesses, op.getEpilogue(), uses);

  auto body = [&](Emitter &e, Value begin, Value end, ValueRange captured) {
    OpBuilder &b = e.b;
    VectorType accType = VectorType::get({lanes}, i32);
    Value c = captured[0];
    Value a = packedOf(lhsWords, e, captured[capturedA]);
    Value weights = packedOf(rhsWords, e, captured[capturedB]);
    Value rowTerms =
        hasRowTerm ? packedOf(rowTerm, e, captured[capturedRows]) : Value();
    Value columns = hasColumnTerm
                        ? packedOf(columnTerm, e, captured[capturedColumns])
                        : Value();
    ValueRange inputs = epilogueUses.inputs(captured);
    IRMapping above = epilogueUses.aboveMapping(captured);
    // The epilogue of accumulator `acc` (row `row`, columns from `col`, the
    // first `valid` of them) and its store.
    auto finish = [&](Value batchIndex, Value row, Value col, int64_t valid,
                      Value acc) {
      SmallVector<Value> arguments{acc};
      for (auto [input, access] : llvm::zip(inputs, epilogueAccesses)) {
        Value inputBase =
            kernels::batchOffset(e, access, batch, sizes, batchIndex);
        Value at = e.add(e.add(inputBase, e.mul(row, access.stride[mDim])),
                         e.mul(col, access.stride[nDim]));
        arguments.push_back(
            loadAlong(e, input, at, access.stride[nDim], valid));
      }
      Value result = applyEpilogue(e, epilogue, arguments, above);
      Value outBase = kernels::batchOffset(e, out, batch, sizes, batchIndex);
      Value at = e.add(e.add(outBase, e.mul(row, out.stride[mDim])), col);
      e.store(result, c, {at}, valid);
    };

    if (amx) {
      // Items: (batch, 32-column block, 32-row block), rows fastest: a
      // block of B (32 columns x K) stays in cache while A streams.
      auto tileType = [&](int64_t columns, Type element) {
        return amx::TileType::get({kAmxTile, columns}, element);
      };
      Type i8 = b.getI8Type();
      Value scratch = memref::AllocaOp::create(
          b, e.loc, MemRefType::get({2 * kAmxTile, 2 * kAmxTile}, i32),
          b.getI64IntegerAttr(64));
      int64_t rowBlocks = amxRows / (2 * kAmxTile), columnBlocks = panels / 2;
      e.loop(begin, end, 1, [&](Value item) {
        Value batchIndex = arith::DivUIOp::create(
            b, e.loc, item, e.index(rowBlocks * columnBlocks));
        Value rest = arith::RemUIOp::create(b, e.loc, item,
                                            e.index(rowBlocks * columnBlocks));
        Value columnBlock =
            arith::DivUIOp::create(b, e.loc, rest, e.index(rowBlocks));
        Value rowBlock =
            arith::RemUIOp::create(b, e.loc, rest, e.index(rowBlocks));
        Value r0 = e.mul(rowBlock, 2 * kAmxTile);
        Value aRow = lhsCopies > 1 ? e.add(r0, e.mul(batchIndex, amxRows)) : r0;
        Value p0 = e.mul(columnBlock, 2);
        Value bPanel =
            rhsCopies > 1 ? e.add(p0, e.mul(batchIndex, panels)) : p0;
        SmallVector<Value> acc;
        for (int64_t t = 0; t < 4; ++t)
          acc.push_back(
              amx::TileZeroOp::create(b, e.loc, tileType(kAmxTile, i32)));
        auto loop = scf::ForOp::create(
            b, e.loc, e.index(0), e.index(kSteps), e.index(1), acc,
            [&](OpBuilder &, Location, Value kb, ValueRange iter) {
              SmallVector<Value> sums(iter), as, bs;
              for (int64_t t = 0; t < 2; ++t) {
                as.push_back(amx::TileLoadOp::create(
                    b, e.loc, tileType(kAmxK, i8), a,
                    ValueRange{e.add(aRow, t * kAmxTile), e.mul(kb, kAmxK)}));
                bs.push_back(amx::TileLoadOp::create(
                    b, e.loc, tileType(kAmxK, i8), weights,
                    ValueRange{e.add(bPanel, t), e.mul(kb, kAmxTile),
                               e.index(0)}));
              }
              for (int64_t i = 0; i < 2; ++i)
                for (int64_t j = 0; j < 2; ++j) {
                  auto product =
                      amx::TileMulIOp::create(b, e.loc, tileType(kAmxTile, i32),
                                              as[i], bs[j], sums[i * 2 + j]);
                  product.setIsZextLhs(lhsUnsigned);
                  product.setIsZextRhs(rhsUnsigned);
                  sums[i * 2 + j] = product;
                }
              scf::YieldOp::create(b, e.loc, sums);
            });
        for (int64_t i = 0; i < 2; ++i)
          for (int64_t j = 0; j < 2; ++j)
            amx::TileStoreOp::create(
                b, e.loc, scratch,
                ValueRange{e.index(i * kAmxTile), e.index(j * kAmxTile)},
                loop.getResult(i * 2 + j));
        // The rows and columns there are.
        Value rows = e.min(e.index(2 * kAmxTile),
                           arith::SubIOp::create(b, e.loc, e.index(m), r0));
        forTileSize(
            e, columnBlock, columnBlocks, 2 * kAmxTile, n % (2 * kAmxTile),
            [&](int64_t width) {
              e.loop(e.index(0), rows, 1, [&](Value i) {
                for (int64_t v = 0; v * lanes < width; ++v) {
                  Value x = vector::LoadOp::create(
                      b, e.loc, VectorType::get({lanes}, i32), scratch,
                      ValueRange{i, e.index(v * lanes)});
                  finish(batchIndex, e.add(r0, i),
                         e.add(e.mul(columnBlock, 2 * kAmxTile), v * lanes),
                         std::min(lanes, width - v * lanes), x);
                }
              });
            });
      });
      return;
    }

    auto tile = [&](Value batchIndex, Value row, Value panel, int64_t rows,
                    int64_t width) {
      Value tileItem = arith::DivUIOp::create(b, e.loc, row, e.index(mr));
      if (lhsCopies > 1)
        tileItem = e.add(tileItem, e.mul(batchIndex, tiles));
      Value panelItem =
          rhsCopies > 1 ? e.add(panel, e.mul(batchIndex, panels)) : panel;
      int64_t vectors = (width + lanes - 1) / lanes;
      SmallVector<Value> acc;
      for (int64_t i = 0; i < rows; ++i) {
        Value rowPart;
        if (hasRowTerm)
          rowPart = vector::BroadcastOp::create(
              b, e.loc, accType,
              memref::LoadOp::create(
                  b, e.loc, rowTerms,
                  ValueRange{e.add(e.mul(tileItem, mr), i)}));
        for (int64_t v = 0; v < vectors; ++v) {
          Value init =
              hasColumnTerm
                  ? vector::LoadOp::create(
                        b, e.loc, accType, columns,
                        ValueRange{e.add(e.mul(panelItem, nr), v * lanes)})
                        .getResult()
                  : e.zeros(accType);
          if (rowPart)
            init = arith::AddIOp::create(b, e.loc, init, rowPart);
          acc.push_back(init);
        }
      }
      auto loop = scf::ForOp::create(
          b, e.loc, e.index(0), e.index(groups), e.index(1), acc,
          [&](OpBuilder &, Location, Value g, ValueRange iter) {
            SmallVector<Value> sums(iter);
            SmallVector<Value> rhsVectors;
            for (int64_t v = 0; v < vectors; ++v)
              rhsVectors.push_back(vector::LoadOp::create(
                  b, e.loc, accType, weights,
                  ValueRange{panelItem, g, e.index(v * lanes)}));
            for (int64_t i = 0; i < rows; ++i) {
              Value x = vector::BroadcastOp::create(
                  b, e.loc, accType,
                  memref::LoadOp::create(b, e.loc, a,
                                         ValueRange{tileItem, g, e.index(i)}));
              for (int64_t v = 0; v < vectors; ++v) {
                Value &sum = sums[i * vectors + v];
                sum = multiplyAdd(e, form, sum, x, rhsVectors[v]);
              }
            }
            scf::YieldOp::create(b, e.loc, sums);
          });
      Value column = e.mul(panel, nr);
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t v = 0; v < vectors; ++v)
          finish(batchIndex, e.add(row, i), e.add(column, v * lanes),
                 std::clamp<int64_t>(width - v * lanes, 0, lanes),
                 loop.getResult(i * vectors + v));
    };

    e.loop(begin, end, 1, [&](Value item) {
      Value batchIndex =
          arith::DivUIOp::create(b, e.loc, item, e.index(blocks * panels));
      Value rest =
          arith::RemUIOp::create(b, e.loc, item, e.index(blocks * panels));
      Value blockIndex =
          arith::DivUIOp::create(b, e.loc, rest, e.index(panels));
      Value panel = arith::RemUIOp::create(b, e.loc, rest, e.index(panels));
      Value r0 = e.mul(blockIndex, blockRows);
      Value r1 = e.min(e.add(r0, blockRows), e.index(fullRows));
      forTileSize(e, panel, panels, nr, n % nr, [&](int64_t width) {
        e.loop(r0, r1, mr,
               [&](Value row) { tile(batchIndex, row, panel, mr, width); });
        if (m % mr) {
          // The last block holds the partial row tile.
          Value last = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::eq,
                                             blockIndex, e.index(blocks - 1));
          auto ifOp = scf::IfOp::create(b, e.loc, last, /*withElse=*/false);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(ifOp.thenBlock());
          tile(batchIndex, e.index(fullRows), panel, m % mr, width);
        }
      });
    });
  };
  int64_t items = amx ? batches * (amxRows / (2 * kAmxTile)) * (panels / 2)
                      : batches * blocks * panels;
  if (amx) {
    requestTiles(b, loc, op);
    b.setInsertionPoint(op);
  }
  bool parallel = op.getConfigAttr()
                      ? op.getConfigAttr().getParallel() && items >= 2
                      : runsInParallel(context, batches * m * n * k / 4, items);
  emitRange(kernelContext, op, items, parallel, uses, body);
  op.erase();
  return success();
}
