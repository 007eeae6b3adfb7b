//===- ConvMMA.cpp - tk.conv as an implicit GEMM on tensor cores ----------===//
//
// A direct f32 convolution is, per group, the GEMM of tk::convAsGemm
// (dialects/Kernel/Transforms/ImplicitGemm.cpp: rows the batch and output
// positions, columns the group's filters, the reduction its channels and
// taps, the input read through the window), run by the tensor-core GEMM of
// MatmulMMA.cpp; the reference loops run the same description
// (tk::lowerConvToLoops), on the CPU with --debug-reference-convs.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/KernelToGPU/KernelToGPU.h"

#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/ImplicitGemm.h"

using namespace mlir;
using namespace tessera;

LogicalResult cuda::lowerConvToMMA(tk::ConvOp op) {
  if (!cast<ShapedType>(op.getInit().getType()).getElementType().isF32())
    return failure();
  FailureOr<tk::GemmView> gemm = tk::convAsGemm(op);
  if (failed(gemm))
    return failure();
  OpBuilder b(op);
  if (failed(emitMMAGemm(b, op.getLoc(), *gemm)))
    return failure();
  op.erase();
  return success();
}
