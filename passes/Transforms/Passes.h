//===- Passes.h - Tessera cross-dialect transforms ---------------*- C++
//-*-===//

#ifndef TESSERA_TRANSFORMS_PASSES_H
#define TESSERA_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::func {
class FuncOp;
} // namespace mlir::func

namespace tessera {

#define GEN_PASS_DECL
#include "passes/Transforms/Passes.h.inc"

/// Arithmetic of one run of a tk kernel: 2 per multiply-add of a matmul,
/// convolution or attention; 0 for the memory-bound kernels (what
/// tessera-tag-kernels records and tessera-inspect sums).
uint64_t countKernelFlops(mlir::Operation *op);

#define GEN_PASS_REGISTRATION
#include "passes/Transforms/Passes.h.inc"

} // namespace tessera

#endif // TESSERA_TRANSFORMS_PASSES_H
