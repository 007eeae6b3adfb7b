//===- KernelToGPU.h - internals of convert-tk-to-gpu -----------*- C++ -*-===//

#ifndef TESSERA_CONVERSION_KERNELTOGPU_KERNELTOGPU_H
#define TESSERA_CONVERSION_KERNELTOGPU_KERNELTOGPU_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace tessera::tk {
class ConvOp;
class MatmulOp;
struct GemmView;
} // namespace tessera::tk

namespace tessera::cuda {

/// How loop nests map onto the grid: threads per block, and at most this
/// many blocks (larger nests stride over the grid).
struct LaunchShape {
  int64_t blockSize = 256;
  int64_t maxBlocks = 4096;
};

/// Index arithmetic at one place, for the kernels built by hand.
struct Emit {
  mlir::OpBuilder &b;
  mlir::Location loc;
  mlir::Value c(int64_t v) {
    return mlir::arith::ConstantIndexOp::create(b, loc, v);
  }
  mlir::Value add(mlir::Value x, mlir::Value y) {
    return mlir::arith::AddIOp::create(b, loc, x, y);
  }
  mlir::Value sub(mlir::Value x, int64_t y) {
    return mlir::arith::SubIOp::create(b, loc, x, c(y));
  }
  mlir::Value mul(mlir::Value x, int64_t y) {
    return mlir::arith::MulIOp::create(b, loc, x, c(y));
  }
  mlir::Value div(mlir::Value x, int64_t y) {
    return mlir::arith::DivUIOp::create(b, loc, x, c(y));
  }
  mlir::Value rem(mlir::Value x, int64_t y) {
    return mlir::arith::RemUIOp::create(b, loc, x, c(y));
  }
  mlir::Value less(mlir::Value x, int64_t bound) {
    return mlir::arith::CmpIOp::create(b, loc, mlir::arith::CmpIPredicate::ult,
                                       x, c(bound));
  }
  mlir::Value both(mlir::Value x, mlir::Value y) {
    return mlir::arith::AndIOp::create(b, loc, x, y);
  }
  llvm::SmallVector<mlir::Value> at(mlir::AffineMap map,
                                    llvm::ArrayRef<mlir::Value> ivs) {
    llvm::SmallVector<mlir::Value> result;
    for (unsigned r = 0; r < map.getNumResults(); ++r)
      result.push_back(
          mlir::affine::AffineApplyOp::create(b, loc, map.getSubMap({r}), ivs));
    return result;
  }
};

/// MatmulMMA.cpp: a GEMM (tk::GemmView) on tensor cores: for each of its
/// batch, 64 x 64 tiles per block of 4 warps, mma.sync m16n8k8 with tf32
/// inputs and f32 accumulators, the operands staged through shared memory
/// by the view's callbacks.
/// Emits `gemm` as one gpu.launch at `b`'s insertion point; fails, emitting
/// nothing, when it is too small for the tiles (m or n under 32, k under
/// 16) or its grid too large.
mlir::LogicalResult emitMMAGemm(mlir::OpBuilder &b, mlir::Location loc,
                                const tessera::tk::GemmView &gemm);

/// ConvMMA.cpp: a direct f32 tk.conv (any spatial rank, grouped) as its
/// implicit GEMM (tk::convAsGemm) on tensor cores. Fails, changing nothing,
/// for a transposed or non-f32 conv or one too small.
mlir::LogicalResult lowerConvToMMA(tessera::tk::ConvOp op);

/// MatmulMMA.cpp: an f32 tk.matmul as one launch of a tensor-core kernel
/// (64 x 64 tiles, mma.sync m16n8k8 with tf32 inputs, f32 accumulators),
/// erasing it; fails, changing nothing, when the kernel is not f32 or too
/// small for the tiles.
mlir::LogicalResult lowerMatmulToMMA(tessera::tk::MatmulOp op);

/// Launch.cpp: every top-level loop nest and every other top-level op that
/// touches memory in `function` becomes the body of a gpu.launch (parallel
/// loops over a 1-D grid, the rest one thread); the views they read are
/// rebuilt inside. Counts the launches of each kind.
mlir::LogicalResult launchTopLevelLoops(mlir::func::FuncOp function,
                                        const LaunchShape &shape,
                                        mlir::Pass::Statistic &parallel,
                                        mlir::Pass::Statistic &serial);

/// Launch.cpp: the launches of `function` outlined as gpu.func kernels of
/// one gpu.module `<function>_gpu`, called by gpu.launch_func.
mlir::LogicalResult outlineLaunches(mlir::ModuleOp module,
                                    mlir::func::FuncOp function);

} // namespace tessera::cuda

#endif // TESSERA_CONVERSION_KERNELTOGPU_KERNELTOGPU_H
