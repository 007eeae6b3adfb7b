//===- MatmulMMA.cpp - tk.matmul on tensor cores (mma.sync, tf32) ---------===//
//
// An f32 tk.matmul as one launch over 64 x 64 output tiles (grid x: column
// tiles, y: row tiles, z: the batch), 128 threads = 4 warps in a 2 x 2
// grid, each warp 32 x 32 outputs = 2 x 4 `mma.sync.m16n8k8` tiles with
// tf32 inputs and f32 accumulators in registers. Each 16-deep step of the
// reduction stages a 64 x 16 tile of the left operand and a 16 x 64 tile of
// the right one in shared memory (read through the operands' maps, so
// transposed, broadcast and reshaped operands need no copies; zero outside
// the matrix), then every warp builds its fragments from shared memory:
//
//   A (16 x 8, 4 per lane): row g + 8 (r % 2), column t + 4 (r / 2)
//   B (8 x 8, 2 per lane):  row (k) t + 4 r, column g
//   C (16 x 8, 4 per lane): row g + 8 (r / 2), column 2 t + r % 2
//
// with g = lane / 4, t = lane % 4 (PTX ISA, "Matrix fragments for
// mma.m16n8k8", .tf32). The shared tiles are padded (rows of 20 and 72
// floats) so that those reads are free of bank conflicts. The epilogue
// runs on each accumulator element in registers, guarded at the matrix's
// edges, and stores through the output map.
//
// The kernel is emitted over a tk::GemmView (emitMMAGemm): the matmul's
// view reads its operands through the maps; ConvMMA.cpp gives a direct
// convolution's implicit GEMM.
//
// Not yet: cp.async multi-buffering, ldmatrix, fp16/bf16 inputs, wgmma.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/KernelToGPU/KernelToGPU.h"

#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/ImplicitGemm.h"
#include "dialects/Kernel/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace tessera;

namespace {

constexpr int64_t kBlockM = 64, kBlockN = 64, kBlockK = 16;
constexpr int64_t kThreads = 128;
constexpr int64_t kWarpM = 32, kWarpN = 32; // 2 x 2 warps
constexpr int64_t kTilesM = kWarpM / 16, kTilesN = kWarpN / 8;
constexpr int64_t kLeadA = kBlockK + 4, kLeadB = kBlockN + 8;

} // namespace

LogicalResult cuda::emitMMAGemm(OpBuilder &b, Location loc,
                                const tk::GemmView &gemm) {
  int64_t m = gemm.m, n = gemm.n, k = gemm.k;
  // Small products stay on the generic path; the grid's y and z are
  // limited to 65535.
  if (m < 32 || n < 32 || k < kBlockK || gemm.batch < 1 || gemm.batch > 65535 ||
      llvm::divideCeil(m, kBlockM) > 65535)
    return failure();
  MLIRContext *context = b.getContext();
  Type f32 = b.getF32Type();
  Emit e{b, loc};
  auto workgroup =
      gpu::AddressSpaceAttr::get(context, gpu::AddressSpace::Workgroup);
  auto tileA = MemRefType::get({kBlockM, kLeadA}, f32,
                               MemRefLayoutAttrInterface{}, workgroup);
  auto tileB = MemRefType::get({kBlockK, kLeadB}, f32,
                               MemRefLayoutAttrInterface{}, workgroup);
  Value one = e.c(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, e.c(llvm::divideCeil(n, kBlockN)),
      e.c(llvm::divideCeil(m, kBlockM)), e.c(gemm.batch), e.c(kThreads), one,
      one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, TypeRange{tileA, tileB});
  OpBuilder::InsertionGuard launchGuard(b);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPoint(body.getTerminator());
  Value sharedA = launch.getWorkgroupAttributions()[0];
  Value sharedB = launch.getWorkgroupAttributions()[1];

  Value thread = launch.getThreadIds().x;
  Value lane = e.rem(thread, 32), warp = e.div(thread, 32);
  Value g = e.div(lane, 4), t = e.rem(lane, 4);
  Value warpRow = e.mul(e.div(warp, 2), kWarpM);
  Value warpCol = e.mul(e.rem(warp, 2), kWarpN);
  Value row0 = e.mul(launch.getBlockIds().y, kBlockM);
  Value col0 = e.mul(launch.getBlockIds().x, kBlockN);
  Value batch = launch.getBlockIds().z;
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  auto accType = VectorType::get({2, 2}, f32);
  auto aType = VectorType::get({4, 1}, f32);
  auto bType = VectorType::get({2, 1}, f32);
  Value accZero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(accType, b.getF32FloatAttr(0)));
  SmallVector<Value> inits(kTilesM * kTilesN, accZero);

  // One element of an operand, or zero outside the matrix.
  auto guardedLoad = [&](Value inside, function_ref<Value()> load) {
    auto branch = scf::IfOp::create(b, loc, TypeRange{f32}, inside,
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&branch.getThenRegion().front());
    scf::YieldOp::create(b, loc, load());
    b.setInsertionPointToStart(&branch.getElseRegion().front());
    scf::YieldOp::create(b, loc, zero);
    return branch.getResult(0);
  };

  auto reduction = scf::ForOp::create(
      b, loc, e.c(0), e.c(k), e.c(kBlockK), inits,
      [&](OpBuilder &, Location, Value k0, ValueRange accs) {
        // Stage the tiles: 64 x 16 of lhs, 16 x 64 of rhs, 8 elements of
        // each per thread, consecutive threads along the inner dimension
        // (`load(r, col)` reads the element at tile position (r, col)).
        auto stage = [&](Value shared, int64_t rows, int64_t cols,
                         function_ref<Value(Value, Value)> load) {
          for (int64_t i = 0; i < rows * cols / kThreads; ++i) {
            Value element = e.add(thread, e.c(i * kThreads));
            Value r = e.div(element, cols), col = e.rem(element, cols);
            memref::StoreOp::create(b, loc, load(r, col), shared,
                                    ValueRange{r, col});
          }
        };
        stage(sharedA, kBlockM, kBlockK, [&](Value r, Value col) {
          Value row = e.add(row0, r), kk = e.add(k0, col);
          return guardedLoad(e.both(e.less(row, m), e.less(kk, k)), [&] {
            return gemm.loadA(b, loc, batch, row, kk);
          });
        });
        stage(sharedB, kBlockK, kBlockN, [&](Value r, Value col) {
          Value column = e.add(col0, col), kk = e.add(k0, r);
          return guardedLoad(e.both(e.less(column, n), e.less(kk, k)), [&] {
            return gemm.loadB(b, loc, batch, kk, column);
          });
        });
        gpu::BarrierOp::create(b, loc);
        SmallVector<Value> next(accs.begin(), accs.end());
        for (int64_t step = 0; step < kBlockK; step += 8) {
          SmallVector<Value> fragA, fragB;
          for (int64_t mi = 0; mi < kTilesM; ++mi) {
            SmallVector<Value> parts;
            for (int64_t r = 0; r < 4; ++r) {
              Value ar = e.add(e.add(warpRow, e.c(mi * 16 + 8 * (r % 2))), g);
              Value ac = e.add(t, e.c(step + 4 * (r / 2)));
              parts.push_back(
                  memref::LoadOp::create(b, loc, sharedA, ValueRange{ar, ac}));
            }
            fragA.push_back(
                vector::FromElementsOp::create(b, loc, aType, parts));
          }
          for (int64_t ni = 0; ni < kTilesN; ++ni) {
            SmallVector<Value> parts;
            for (int64_t r = 0; r < 2; ++r) {
              Value br = e.add(t, e.c(step + 4 * r));
              Value bc = e.add(e.add(warpCol, e.c(ni * 8)), g);
              parts.push_back(
                  memref::LoadOp::create(b, loc, sharedB, ValueRange{br, bc}));
            }
            fragB.push_back(
                vector::FromElementsOp::create(b, loc, bType, parts));
          }
          for (int64_t mi = 0; mi < kTilesM; ++mi)
            for (int64_t ni = 0; ni < kTilesN; ++ni) {
              Value &acc = next[mi * kTilesN + ni];
              acc = nvgpu::MmaSyncOp::create(b, loc, fragA[mi], fragB[ni], acc,
                                             ArrayRef<int64_t>{16, 8, 8},
                                             /*tf32Enabled=*/true);
            }
        }
        gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, next);
      });

  // The epilogue on every accumulator element inside the matrix.
  for (int64_t mi = 0; mi < kTilesM; ++mi)
    for (int64_t ni = 0; ni < kTilesN; ++ni)
      for (int64_t i = 0; i < 2; ++i)
        for (int64_t j = 0; j < 2; ++j) {
          Value row =
              e.add(e.add(row0, warpRow), e.add(g, e.c(mi * 16 + 8 * i)));
          Value col =
              e.add(e.add(col0, warpCol), e.add(e.mul(t, 2), e.c(ni * 8 + j)));
          auto inside = scf::IfOp::create(
              b, loc, TypeRange{}, e.both(e.less(row, m), e.less(col, n)),
              /*withElseRegion=*/false);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(inside.getThenRegion().front().getTerminator());
          Value acc = vector::ExtractOp::create(
              b, loc, reduction.getResult(mi * kTilesN + ni),
              ArrayRef<int64_t>{i, j});
          gemm.store(b, loc, batch, row, col, acc);
        }
  return success();
}

LogicalResult cuda::lowerMatmulToMMA(tk::MatmulOp op) {
  Type f32 = Float32Type::get(op.getContext());
  if (getElementTypeOrSelf(op.getLhs().getType()) != f32 ||
      getElementTypeOrSelf(op.getRhs().getType()) != f32 ||
      op.getAccumulatorType() != f32)
    return failure(); // not an f32 kernel
  SmallVector<int64_t> sizes = op.getLoopSizes();
  int64_t batchDims = op.getNumBatchDims();
  tk::GemmView gemm;
  gemm.m = sizes[op.getMDim()];
  gemm.n = sizes[op.getNDim()];
  gemm.k = sizes[op.getKDim()];
  for (int64_t d = 0; d < batchDims; ++d)
    if (llvm::MulOverflow(gemm.batch, sizes[d], gemm.batch))
      return failure();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto mDim = op.getMDim(), nDim = op.getNDim(), kDim = op.getKDim();
  // The loop indices of a point: the batch index split over the batch
  // dimensions (the last fastest), then m, n, k.
  auto point = [&](OpBuilder &b, Location loc, Value batch, Value row,
                   Value col, Value kk) {
    Emit e{b, loc};
    SmallVector<Value> ivs(op.getNumLoops(), e.c(0));
    Value rest = batch;
    for (int64_t d = batchDims - 1; d >= 0; --d) {
      ivs[d] = d > 0 ? e.rem(rest, sizes[d]) : rest;
      if (d > 0)
        rest = e.div(rest, sizes[d]);
    }
    ivs[mDim] = row;
    ivs[nDim] = col;
    ivs[kDim] = kk;
    return ivs;
  };
  gemm.loadA = [&](OpBuilder &b, Location loc, Value batch, Value row,
                   Value kk) -> Value {
    Emit e{b, loc};
    return memref::LoadOp::create(
        b, loc, op.getLhs(),
        e.at(maps[0], point(b, loc, batch, row, e.c(0), kk)));
  };
  gemm.loadB = [&](OpBuilder &b, Location loc, Value batch, Value kk,
                   Value col) -> Value {
    Emit e{b, loc};
    return memref::LoadOp::create(
        b, loc, op.getRhs(),
        e.at(maps[1], point(b, loc, batch, e.c(0), col, kk)));
  };
  gemm.store = [&](OpBuilder &b, Location loc, Value batch, Value row,
                   Value col, Value acc) {
    Emit e{b, loc};
    SmallVector<Value> ivs = point(b, loc, batch, row, col, e.c(0));
    SmallVector<Value> arguments{acc};
    for (auto [x, input] : llvm::enumerate(op.getEpilogueInputs()))
      arguments.push_back(
          memref::LoadOp::create(b, loc, input, e.at(maps[x + 2], ivs)));
    Value result =
        tk::applyScalarEpilogue(b, op.getEpilogue().front(), arguments);
    memref::StoreOp::create(b, loc, result, op.getInit(),
                            e.at(maps.back(), ivs));
  };
  OpBuilder b(op);
  if (failed(emitMMAGemm(b, op.getLoc(), gemm)))
    return failure();
  op.erase();
  return success();
}
