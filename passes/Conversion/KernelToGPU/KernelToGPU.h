//===- KernelToGPU.h - internals of convert-tk-to-gpu -----------*- C++ -*-===//

#ifndef TESSERA_CONVERSION_KERNELTOGPU_KERNELTOGPU_H
#define TESSERA_CONVERSION_KERNELTOGPU_KERNELTOGPU_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace tessera::tk {
class MatmulOp;
} // namespace tessera::tk

namespace tessera::cuda {

/// How loop nests map onto the grid: threads per block, and at most this
/// many blocks (larger nests stride over the grid).
struct LaunchShape {
  int64_t blockSize = 256;
  int64_t maxBlocks = 4096;
};

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
