//===- AttentionKernel.cpp - tk.attention as one fused CPU kernel ---------===//
//
// The CPU lowering of tk.attention on buffers. The keys are first packed,
// per batch item, into panels [N/NR][D][NR] (one pass over K, a prologue).
// Then every (batch item, tile of MR query rows) runs on its own:
//
//   for each block of keys (as many as a 64 KiB strip of MR rows holds):
//     S[MR][block] = score(Q_tile x K_block^T)   register-tiled, the score
//                                                 region on the vectors
//     per row: max, p = exp(s - max), sum;       the running max and sum
//              rescale by exp(old max - new max)  of earlier blocks
//     O[MR][E] = O * rescale + P x V_block       register-tiled, V read in
//                                                 place (rows along e)
//   O *= 1 / sum                                  in the last block's store
//
// The score strip, running maxima, sums and rescale factors live on the
// task's stack; the output is the accumulator between blocks. With one
// block (N up to 1344 keys at MR = 12) this is exactly the unfused
// softmax; with more it is the online softmax, never writing the score
// matrix.
//
// What the fused kernel does not take (dynamic layouts, values or output
// not contiguous along e, a kernel nested in a loop) is split into its
// three kernels over a scores buffer: slower, never wrong.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelOps.h"
#include "passes/Conversion/KernelToCPU/CPUKernels.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <cstdint>
#include <limits>

using namespace mlir;
using namespace tessera;
using namespace tessera::kernels;

namespace {

/// Bytes of the per-task score strip (MR rows x a block of keys).
constexpr int64_t kStripBytes = 64 * 1024;

//===----------------------------------------------------------------------===//
// Split: scores matmul, softmax, context matmul
//===----------------------------------------------------------------------===//

LogicalResult split(KernelContext &context, tk::AttentionOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  SmallVector<int64_t> sizes = op.getLoopSizes();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  int64_t batch = op.getNumBatchDims(), loops = op.getNumLoops();
  auto dim = [&](int64_t d) { return getAffineDimExpr(d, ctx); };
  // Scores loops (b..., m, n, k = d): e is read by none of their operands.
  SmallVector<AffineExpr> toScores, toContext;
  for (int64_t d = 0; d < loops - 1; ++d)
    toScores.push_back(dim(d));
  toScores.push_back(getAffineConstantExpr(0, ctx));
  // Context loops (b..., m, n = e, k = n).
  for (int64_t d = 0; d < batch + 1; ++d)
    toContext.push_back(dim(d));
  toContext.push_back(dim(batch + 2)); // n -> k
  toContext.push_back(getAffineConstantExpr(0, ctx)); // d: not read
  toContext.push_back(dim(batch + 1)); // e -> n
  auto over = [&](AffineMap map, ArrayRef<AffineExpr> replacement,
                  int64_t dims) {
    return AffineMapAttr::get(
        map.replaceDimsAndSymbols(replacement, {}, dims, 0));
  };
  SmallVector<int64_t> scoresShape(sizes.begin(), sizes.begin() + batch + 2);
  Value scores = memref::AllocOp::create(
      b, loc, MemRefType::get(scoresShape, b.getF32Type()));
  SmallVector<AffineExpr> probabilities;
  for (int64_t d = 0; d < batch + 1; ++d)
    probabilities.push_back(dim(d));
  int64_t inputs = op.getScoreInputs().size();
  SmallVector<Attribute> scoreMaps;
  for (int64_t i = 0; i < 2 + inputs; ++i)
    scoreMaps.push_back(over(maps[i < 2 ? i : i + 1], toScores, loops - 1));
  SmallVector<AffineExpr> scoresOut(probabilities);
  scoresOut.push_back(dim(batch + 1));
  scoreMaps.push_back(
      AffineMapAttr::get(AffineMap::get(loops - 1, 0, scoresOut, ctx)));
  auto first = tk::MatmulOp::create(
      b, loc, TypeRange{}, op.getQuery(), op.getKey(), op.getScoreInputs(),
      scores, b.getArrayAttr(scoreMaps), op.getConfigAttr());
  IRMapping none;
  op.getScore().cloneInto(&first.getEpilogue(), none);
  auto softmax = tk::ReduceOp::create(
      b, loc, TypeRange{}, scores, ValueRange{}, scores,
      tk::RowKindAttr::get(ctx, tk::RowKind::softmax),
      b.getI64IntegerAttr(batch + 1), b.getF32FloatAttr(1.0e-5f));
  probabilities.push_back(dim(batch + 2));
  SmallVector<Attribute> contextMaps{
      AffineMapAttr::get(AffineMap::get(loops - 1, 0, probabilities, ctx)),
      over(maps[2], toContext, loops - 1),
      over(maps.back(), toContext, loops - 1)};
  auto second = tk::MatmulOp::create(
      b, loc, TypeRange{}, scores, op.getValue(), ValueRange{}, op.getInit(),
      b.getArrayAttr(contextMaps), op.getConfigAttr());
  Block *identity = b.createBlock(&second.getEpilogue(), {}, {b.getF32Type()},
                                  {loc});
  tk::YieldOp::create(b, loc, identity->getArgument(0));
  op.erase();
  (void)lowerMatmul(context, first);
  if (failed(lowerRow(context, softmax)))
    return failure();
  (void)lowerMatmul(context, second);
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// The fused kernel
//===----------------------------------------------------------------------===//

LogicalResult tessera::kernels::lowerAttention(KernelContext &context,
                                               tk::AttentionOp op) {
  auto fallback = [&](StringRef) {
    (void)split(context, op);
    return failure();
  };
  SmallVector<int64_t> sizes = op.getLoopSizes();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  FailureOr<SmallVector<Access>> described =
      describeOperands(op, maps, sizes);
  if (failed(described))
    return fallback("not a static strided f32 operand");
  SmallVector<Access> &accesses = *described;
  int64_t mDim = op.getMDim(), nDim = op.getNDim(), dDim = op.getDDim(),
          eDim = op.getEDim();
  Access &query = accesses[0], &key = accesses[1], &value = accesses[2],
         &out = accesses.back();
  ArrayRef<Access> inputAccesses =
      ArrayRef<Access>(accesses).slice(3, accesses.size() - 4);
  if (out.stride[eDim] != 1 || value.stride[eDim] != 1)
    return fallback("values or output not contiguous along e");
  if (!isa<func::FuncOp>(op->getParentOp()))
    return fallback("the packed keys must be a top-level allocation");
  // The key gathers' lane offsets are i32.
  if (key.stride[nDim] * context.shape.lanes > INT32_MAX)
    return fallback("keys too far apart for 32-bit gather offsets");
  for (const Access &input : llvm::concat<const Access>(
           ArrayRef<Access>(accesses).take_front(3), inputAccesses))
    if (rootOf(input.buffer) == rootOf(out.buffer))
      return fallback("an operand shares the output's buffer");

  TileShape shape = context.shape;
  bool parallelConfig = context.parallel;
  if (tk::CPUTileAttr config = op.getConfigAttr()) {
    shape = {config.getLanes(), config.getMr(), config.getNr(),
             config.getKc(), config.getMc()};
    parallelConfig = config.getParallel();
    if (shape.lanes != context.shape.lanes)
      return fallback("configured for another vector width");
  }
  KernelContext kernelContext = context;
  kernelContext.shape = shape;

  SmallVector<int64_t> batch;
  for (int64_t d = 0; d < op.getNumBatchDims(); ++d)
    if (sizes[d] > 1)
      batch.push_back(d);
  int64_t batches = 1;
  for (int64_t d : batch)
    batches *= sizes[d];
  bool keyBatched =
      llvm::any_of(batch, [&](int64_t d) { return key.stride[d] != 0; });
  int64_t m = sizes[mDim], n = sizes[nDim], depth = sizes[dDim],
          columns = sizes[eDim];
  int64_t lanes = shape.lanes, nr = shape.nr;
  int64_t mr = balancedRows(m, shape.mr), tiles = (m + mr - 1) / mr;
  // Keys per block: a multiple of NR, the strip within kStripBytes.
  int64_t blockKeys = std::max<int64_t>(kStripBytes / 4 / mr / nr, 1) * nr;
  if (n <= blockKeys)
    blockKeys = n;
  int64_t stripKeys = (blockKeys + nr - 1) / nr * nr;
  int64_t keyPanels = (n + nr - 1) / nr;

  OpBuilder b(op);
  Location loc = op.getLoc();
  int64_t keyCopies = keyBatched ? batches : 1;
  SmallVector<int64_t> packedShape{keyCopies * keyPanels, depth, nr};
  Value packed = memref::AllocOp::create(
      b, loc, MemRefType::get(packedShape, b.getF32Type()));
  Value keyFlat = flatView(b, loc, key);

  // The prologue: K into panels, zero past the last key.
  emitRange(
      kernelContext, op, keyCopies * keyPanels,
      context.parallel && keyCopies * n * depth >= context.parallelElements,
      {keyFlat, packed},
      [&](Emitter &e, Value begin, Value end, ValueRange captured) {
        Value source = captured[0], target = captured[1];
        e.loop(begin, end, 1, [&](Value t) {
          Value copy =
              arith::DivUIOp::create(e.b, e.loc, t, e.index(keyPanels));
          Value panel =
              arith::RemUIOp::create(e.b, e.loc, t, e.index(keyPanels));
          Value base = batchOffset(e, key, batch, sizes, copy);
          Value firstKey = e.mul(panel, nr);
          // Per step along d, one gather of each vector's keys (a row of
          // K apart), zero past the last key.
          Value spread = e.laneOffsets(key.stride[nDim]);
          auto copyPanel = [&](int64_t valid) {
            e.loop(0, depth, 1, [&](Value d) {
              Value row = e.add(base, e.mul(d, key.stride[dDim]));
              for (int64_t vec = 0; vec < nr / lanes; ++vec) {
                int64_t inside = std::clamp<int64_t>(valid - vec * lanes, 0,
                                                     lanes);
                Value x = e.zeros();
                if (inside)
                  x = vector::GatherOp::create(
                      e.b, e.loc, e.vectorType, source,
                      ValueRange{e.add(row, e.mul(e.add(firstKey, vec * lanes),
                                                  key.stride[nDim]))},
                      spread, e.mask(inside), e.zeros());
                e.store(x, target, {t, d, e.index(vec * lanes)}, lanes);
              }
            });
          };
          if (n % nr == 0) {
            copyPanel(nr);
            return;
          }
          Value last = arith::CmpIOp::create(e.b, e.loc,
                                             arith::CmpIPredicate::eq, panel,
                                             e.index(keyPanels - 1));
          auto ifOp = scf::IfOp::create(e.b, e.loc, last, /*withElse=*/true);
          OpBuilder::InsertionGuard guard(e.b);
          e.b.setInsertionPointToStart(ifOp.thenBlock());
          copyPanel(n % nr);
          e.b.setInsertionPointToStart(ifOp.elseBlock());
          copyPanel(nr);
        });
      });

  SmallVector<Value> uses{flatView(b, loc, query), packed,
                          flatView(b, loc, value), flatView(b, loc, out)};
  RegionUses scoreUses =
      RegionUses::append(b, loc, inputAccesses, op.getScore(), uses);
  Block &scoreBody = op.getScore().front();

  auto body = [&](Emitter &e, Value begin, Value end, ValueRange captured) {
    OpBuilder &b = e.b;
    Value q = captured[0], k = captured[1], v = captured[2], o = captured[3];
    ValueRange inputs = scoreUses.inputs(captured);
    IRMapping above = scoreUses.aboveMapping(captured);
    auto scalar = [&](float x) {
      return arith::ConstantOp::create(b, e.loc, b.getF32FloatAttr(x));
    };
    auto splat = [&](Value x) {
      return vector::BroadcastOp::create(b, e.loc, e.vectorType, x);
    };
    // Per task: the score strip and the per-row running state.
    Value strip = stackBuffer(e, {mr, stripKeys});
    Value rowMax = stackBuffer(e, {mr}), rowSum = stackBuffer(e, {mr}),
          rowScale = stackBuffer(e, {mr});

    auto tileOf = [&](Value batchIndex, Value row0, int64_t rows) {
      auto baseOf = [&](const Access &access) {
        return e.add(batchOffset(e, access, batch, sizes, batchIndex),
                     e.mul(row0, access.stride[mDim]));
      };
      Value qBase = baseOf(query), oBase = baseOf(out);
      Value vBase = batchOffset(e, value, batch, sizes, batchIndex);
      SmallVector<Value> inputBases;
      for (const Access &input : inputAccesses)
        inputBases.push_back(baseOf(input));
      Value keyItem0 = keyBatched ? e.mul(batchIndex, keyPanels) : e.index(0);

      // One block of `keys` keys from n0; `first` and `last` are i1.
      auto block = [&](Value n0, int64_t keys, Value first, Value last) {
        // 1. The scores, through the score region, into the strip.
        Value panel0 = arith::DivUIOp::create(b, e.loc, n0, e.index(nr));
        forPanels(
            e, e.index(0), e.index((keys + nr - 1) / nr), keys / nr, keys % nr,
            nr, [&](Value p, int64_t width) {
              Value item = e.add(keyItem0, e.add(panel0, p));
              Value column = e.mul(p, nr);
              TileAccess access;
              access.scalar = [&](Value d, int64_t, int64_t i) -> Value {
                Value at = e.add(e.add(qBase, e.mul(e.index(i),
                                                    query.stride[mDim])),
                                 e.mul(d, query.stride[dDim]));
                return memref::LoadOp::create(b, e.loc, q, ValueRange{at});
              };
              access.vector = [&](Value d, int64_t, int64_t vec) -> Value {
                return e.load(k, {item, d, e.index(vec * lanes)}, lanes);
              };
              access.initOutput = [&](int64_t, int64_t) { return e.zeros(); };
              access.loadOutput = access.initOutput;
              access.storeOutput = [&](Value x, int64_t i, int64_t vec) {
                int64_t valid = validLanes(shape, width, vec);
                Value col = e.add(column, vec * lanes);
                SmallVector<Value> arguments{x};
                for (auto [input, base, accessOf] :
                     llvm::zip(inputs, inputBases, inputAccesses)) {
                  Value at = e.add(
                      e.add(base, e.mul(e.index(i), accessOf.stride[mDim])),
                      e.mul(e.add(n0, col), accessOf.stride[nDim]));
                  arguments.push_back(
                      loadAlong(e, input, at, accessOf.stride[nDim], valid));
                }
                e.store(applyEpilogue(e, scoreBody, arguments, above), strip,
                        {e.index(i), col}, valid);
              };
              emitMicrokernel(e, access, rows, vectorsFor(shape, width),
                              e.index(0), e.index(depth));
            });
        // 2. The online softmax, row by row.
        int64_t full = keys - keys % lanes, tail = keys % lanes;
        float lowest = -std::numeric_limits<float>::infinity();
        e.loop(0, rows, 1, [&](Value i) {
          auto rowLoad = [&](Value j, int64_t valid, Value passThrough) {
            if (valid == lanes)
              return Value(vector::LoadOp::create(b, e.loc, e.vectorType,
                                                  strip, ValueRange{i, j}));
            return Value(vector::MaskedLoadOp::create(
                b, e.loc, e.vectorType, strip, ValueRange{i, j},
                e.mask(valid), passThrough));
          };
          // acc = fn(acc, chunk j, valid lanes) over the block's keys.
          auto overKeys = [&](Value init,
                              function_ref<Value(Value, Value, int64_t)> fn) {
            Value acc = init;
            if (full)
              acc = scf::ForOp::create(
                        b, e.loc, e.index(0), e.index(full), e.index(lanes),
                        ValueRange{acc},
                        [&](OpBuilder &, Location, Value j, ValueRange iter) {
                          scf::YieldOp::create(b, e.loc,
                                               ValueRange{fn(iter[0], j, lanes)});
                        })
                        .getResult(0);
            if (tail)
              acc = fn(acc, e.index(full), tail);
            return acc;
          };
          // Max over the block.
          Value acc = overKeys(
              splat(scalar(lowest)),
              [&](Value acc, Value j, int64_t valid) -> Value {
                return arith::MaximumFOp::create(
                    b, e.loc, acc, rowLoad(j, valid, splat(scalar(lowest))));
              });
          Value blockMax = vector::ReductionOp::create(
              b, e.loc, vector::CombiningKind::MAXIMUMF, acc);
          Value oldMax = memref::LoadOp::create(b, e.loc, rowMax, i);
          Value newMax = arith::SelectOp::create(
              b, e.loc, first, blockMax,
              arith::MaximumFOp::create(b, e.loc, oldMax, blockMax));
          Value shift = splat(newMax);
          // p = exp(s - max), kept in the strip for P x V; their sum.
          auto exponent = [&](Value j, int64_t valid) {
            Value x = rowLoad(j, valid, e.zeros());
            Value p = math::ExpOp::create(
                b, e.loc, arith::SubFOp::create(b, e.loc, x, shift));
            if (valid == lanes) {
              vector::StoreOp::create(b, e.loc, p, strip, ValueRange{i, j});
              return p;
            }
            vector::MaskedStoreOp::create(b, e.loc, strip, ValueRange{i, j},
                                          e.mask(valid), p);
            return Value(arith::SelectOp::create(b, e.loc, e.mask(valid), p,
                                                 e.zeros()));
          };
          Value sum = overKeys(e.zeros(),
                               [&](Value acc, Value j, int64_t valid) -> Value {
                                 return arith::AddFOp::create(
                                     b, e.loc, acc, exponent(j, valid));
                               });
          Value blockSum = vector::ReductionOp::create(
              b, e.loc, vector::CombiningKind::ADD, sum);
          // Earlier blocks' sum and output rows scale by exp(old - new)
          // (1 when both are the same, -inf included).
          Value rescale = arith::SelectOp::create(
              b, e.loc,
              arith::CmpFOp::create(b, e.loc, arith::CmpFPredicate::OEQ,
                                    oldMax, newMax),
              scalar(1),
              math::ExpOp::create(
                  b, e.loc, arith::SubFOp::create(b, e.loc, oldMax, newMax)));
          Value oldSum = memref::LoadOp::create(b, e.loc, rowSum, i);
          Value newSum = arith::SelectOp::create(
              b, e.loc, first, blockSum,
              arith::AddFOp::create(
                  b, e.loc, arith::MulFOp::create(b, e.loc, oldSum, rescale),
                  blockSum));
          memref::StoreOp::create(b, e.loc, newMax, rowMax, i);
          memref::StoreOp::create(b, e.loc, newSum, rowSum, i);
          memref::StoreOp::create(b, e.loc, rescale, rowScale, i);
        });
        // 3. O = O * rescale + P x V; the last block divides by the sum.
        forPanels(
            e, e.index(0), e.index((columns + nr - 1) / nr), columns / nr,
            columns % nr, nr, [&](Value p, int64_t width) {
              Value column = e.mul(p, nr);
              auto outAt = [&](int64_t i, int64_t vec) {
                return e.add(e.add(oBase, e.mul(e.index(i), out.stride[mDim])),
                             e.add(column, vec * lanes));
              };
              TileAccess access;
              access.scalar = [&](Value r, int64_t, int64_t i) -> Value {
                return memref::LoadOp::create(b, e.loc, strip,
                                              ValueRange{e.index(i), r});
              };
              access.vector = [&](Value r, int64_t, int64_t vec) -> Value {
                Value at = e.add(
                    e.add(vBase, e.mul(e.add(n0, r), value.stride[nDim])),
                    e.add(column, vec * lanes));
                return e.load(v, {at}, validLanes(shape, width, vec));
              };
              access.initOutput = [&](int64_t, int64_t) { return e.zeros(); };
              access.initFirst = first;
              access.loadOutput = [&](int64_t i, int64_t vec) -> Value {
                Value scale = memref::LoadOp::create(b, e.loc, rowScale,
                                                     ValueRange{e.index(i)});
                return arith::MulFOp::create(
                    b, e.loc,
                    e.load(o, {outAt(i, vec)}, validLanes(shape, width, vec)),
                    splat(scale));
              };
              access.storeOutput = [&](Value x, int64_t i, int64_t vec) {
                e.store(x, o, {outAt(i, vec)}, validLanes(shape, width, vec));
              };
              access.finishOutput = [&](Value x, int64_t i, int64_t vec) {
                Value total = memref::LoadOp::create(b, e.loc, rowSum,
                                                     ValueRange{e.index(i)});
                Value inverse =
                    arith::DivFOp::create(b, e.loc, scalar(1), total);
                e.store(arith::MulFOp::create(b, e.loc, x, splat(inverse)), o,
                        {outAt(i, vec)}, validLanes(shape, width, vec));
              };
              access.finishLast = last;
              emitMicrokernel(e, access, rows, vectorsFor(shape, width),
                              e.index(0), e.index(keys));
            });
      };
      auto flag = [&](bool x) -> Value {
        return arith::ConstantOp::create(b, e.loc, b.getBoolAttr(x));
      };
      int64_t fullBlocks = n / blockKeys, tailKeys = n % blockKeys;
      if (fullBlocks == 1 && !tailKeys) {
        block(e.index(0), blockKeys, flag(true), flag(true));
        return;
      }
      e.loop(0, fullBlocks * blockKeys, blockKeys, [&](Value n0) {
        Value first = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::eq,
                                            n0, e.index(0));
        Value last = tailKeys ? flag(false)
                              : (Value)arith::CmpIOp::create(
                                    b, e.loc, arith::CmpIPredicate::eq,
                                    e.add(n0, blockKeys), e.index(n));
        block(n0, blockKeys, first, last);
      });
      if (tailKeys)
        block(e.index(fullBlocks * blockKeys), tailKeys, flag(fullBlocks == 0),
              flag(true));
    };

    e.loop(begin, end, 1, [&](Value item) {
      Value batchIndex =
          arith::DivUIOp::create(b, e.loc, item, e.index(tiles));
      Value tile = arith::RemUIOp::create(b, e.loc, item, e.index(tiles));
      Value row0 = e.mul(tile, mr);
      forTileSize(e, tile, tiles, mr, m % mr,
                  [&](int64_t rows) { tileOf(batchIndex, row0, rows); });
    });
  };
  int64_t items = batches * tiles;
  bool parallel = op.getConfigAttr()
                      ? parallelConfig && items >= 2
                      : runsInParallel(context, m * n * (depth + columns) *
                                                    batches,
                                       items);
  emitRange(kernelContext, op, items, parallel, uses, body);
  op.erase();
  return success();
}
