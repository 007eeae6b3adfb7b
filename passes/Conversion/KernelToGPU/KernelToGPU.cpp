//===- KernelToGPU.cpp - tk kernels and loops as CUDA kernels -------------===//
//
// convert-tk-to-gpu, on bufferized functions after memory planning:
//
//  1. Every kernel becomes loops: an f32 tk.matmul large enough a
//     tensor-core kernel (MatmulMMA.cpp, with precision=tf32), any other
//     its reference loops (the output one scf.parallel, the reduction an
//     scf.for per thread), tk.fusion and
//     every linalg op (generalized, parallel loops first) scf.parallel over
//     their parallel dimensions with the reductions inside, memref.copy a
//     parallel copy.
//  2. Every top-level loop nest becomes one kernel launch (Launch.cpp): an
//     scf.parallel with static bounds is linearized over a 1-D grid of
//     1-D blocks (grid-stride, so any size fits); what is sequential (the
//     scatter and top-k walks, run-time checks) runs in a one-thread kernel.
//     The views a kernel reads are rebuilt inside it, so that every kernel
//     argument is a whole buffer (an input, an output, the workspace, a
//     weight) or a scalar.
//  3. The launches are outlined into one gpu.module, `<function>_gpu`, with
//     a copy of every helper function they call (integer powers, from
//     convert-math-to-funcs).
//
// Convolutions, pools and row kernels are not formed for CUDA yet (their
// linalg form takes the generic path); tk ops of those kinds are an error
// that names the op.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/KernelToGPU/KernelToGPU.h"

#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/Passes.h"
#include "passes/Conversion/Passes.h"

#include "mlir/Conversion/MathToFuncs/MathToFuncs.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"

namespace tessera {
#define GEN_PASS_DEF_CONVERTKERNELTOGPU
#include "passes/Conversion/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;

namespace {

/// A generic's loops, parallel ones first (each output element then belongs
/// to one point of the outer scf.parallel, its reductions a sequential nest
/// inside).
LogicalResult parallelFirst(IRRewriter &rewriter, linalg::GenericOp &generic) {
  SmallVector<utils::IteratorType> iterators = generic.getIteratorTypesArray();
  SmallVector<unsigned> order;
  for (unsigned d = 0; d < iterators.size(); ++d)
    if (iterators[d] == utils::IteratorType::parallel)
      order.push_back(d);
  for (unsigned d = 0; d < iterators.size(); ++d)
    if (iterators[d] != utils::IteratorType::parallel)
      order.push_back(d);
  if (llvm::equal(order, llvm::seq<unsigned>(0, iterators.size())))
    return success();
  FailureOr<linalg::GenericOp> swapped =
      linalg::interchangeGenericOp(rewriter, generic, order);
  if (failed(swapped))
    return failure();
  generic = *swapped;
  return success();
}

LogicalResult lowerToLoops(func::FuncOp function, bool tensorCores,
                           Pass::Statistic &mma) {
  IRRewriter rewriter(function.getContext());
  SmallVector<Operation *> ops;
  function.walk([&](Operation *op) {
    if (isa<tk::MatmulOp, tk::ConvOp, tk::FusionOp, memref::CopyOp,
            linalg::LinalgOp>(op) ||
        (op->getDialect() && isa<tk::TKDialect>(op->getDialect()) &&
         !isa<tk::YieldOp>(op) && isa<func::FuncOp>(op->getParentOp())))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    if (auto matmul = dyn_cast<tk::MatmulOp>(op)) {
      if (tensorCores && succeeded(cuda::lowerMatmulToMMA(matmul))) {
        ++mma;
        continue;
      }
      tk::lowerMatmulToLoops(matmul, /*parallel=*/true);
      continue;
    }
    if (auto conv = dyn_cast<tk::ConvOp>(op)) {
      if (tensorCores && succeeded(cuda::lowerConvToMMA(conv))) {
        ++mma;
        continue;
      }
      if (failed(tk::lowerConvToLoops(conv)))
        return failure();
      continue;
    }
    if (auto fusion = dyn_cast<tk::FusionOp>(op)) {
      rewriter.setInsertionPoint(fusion);
      tk::lowerFusionToGeneric(fusion);
      continue;
    }
    if (op->getDialect() && isa<tk::TKDialect>(op->getDialect()))
      return op->emitOpError("has no CUDA lowering yet (the CUDA pipeline "
                             "forms tk.matmul, direct tk.conv and tk.fusion "
                             "kernels only)");
    if (auto copy = dyn_cast<memref::CopyOp>(op)) {
      rewriter.setInsertionPoint(copy);
      linalg::CopyOp::create(rewriter, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      rewriter.eraseOp(copy);
    }
  }
  // Every linalg op (those just made included): generic, parallel loops
  // first, then scf.parallel with sequential reductions inside.
  SmallVector<linalg::LinalgOp> linalgOps;
  function.walk([&](linalg::LinalgOp op) { linalgOps.push_back(op); });
  for (linalg::LinalgOp op : linalgOps) {
    if (!op.hasPureBufferSemantics())
      return op->emitOpError("must be bufferized before the CUDA lowering");
    rewriter.setInsertionPoint(op);
    linalg::GenericOp generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (!generic) {
      FailureOr<linalg::GenericOp> general =
          linalg::generalizeNamedOp(rewriter, op);
      if (failed(general))
        return op->emitOpError("cannot be generalized for the CUDA lowering");
      generic = *general;
    }
    if (failed(parallelFirst(rewriter, generic)))
      return generic->emitOpError("cannot order its loops parallel-first");
    rewriter.setInsertionPoint(generic);
    if (failed(linalg::linalgOpToParallelLoops(rewriter, generic)))
      return generic->emitOpError("cannot be lowered to parallel loops");
    rewriter.eraseOp(generic);
  }
  return success();
}

struct ConvertKernelToGPUPass
    : tessera::impl::ConvertKernelToGPUBase<ConvertKernelToGPUPass> {
  using ConvertKernelToGPUBase::ConvertKernelToGPUBase;

  void runOnOperation() override {
    if (blockSize < 32 || blockSize > 1024 || blockSize % 32 || maxBlocks < 1) {
      getOperation().emitError()
          << "convert-tk-to-gpu: block-size must be a multiple of 32 in "
             "[32, 1024] and max-blocks positive";
      return signalPassFailure();
    }
    if (precision != "tf32" && precision != "fp32") {
      getOperation().emitError() << "convert-tk-to-gpu: unknown precision '"
                                 << precision << "' (tf32, fp32)";
      return signalPassFailure();
    }
    cuda::LaunchShape shape{blockSize, maxBlocks};
    SmallVector<func::FuncOp> functions;
    for (auto function : getOperation().getOps<func::FuncOp>())
      if (!function.isExternal())
        functions.push_back(function);
    for (func::FuncOp function : functions)
      if (failed(lowerToLoops(function, precision == "tf32", tensorCore)))
        return signalPassFailure();
    // Math without an NVVM lowering (integer powers) as helper functions,
    // which the kernels calling them get a copy of.
    OpPassManager helpers(ModuleOp::getOperationName());
    helpers.addPass(createConvertMathToFuncs());
    if (failed(runPipeline(helpers, getOperation())))
      return signalPassFailure();
    for (func::FuncOp function : functions) {
      if (failed(
              cuda::launchTopLevelLoops(function, shape, launched, serial)) ||
          failed(cuda::outlineLaunches(getOperation(), function)))
        return signalPassFailure();
    }
  }

  Statistic tensorCore{this, "tensor-core-matmuls",
                       "tk.matmul kernels on tensor cores (mma.sync, tf32)"};
  Statistic launched{this, "parallel-kernels",
                     "loop nests launched over a grid of threads"};
  Statistic serial{this, "serial-kernels",
                   "sequential code launched as one-thread kernels"};
};

} // namespace
