//===- FusionKernel.cpp - tk.fusion as one loop nest ----------------------===//
//
// The CPU lowering of tk.fusion: one linalg.generic on the same buffers,
// with the same (linear) maps and body, all loops parallel. It becomes one
// loop nest (split across the thread pool when large, ParallelGeneric.cpp),
// whose contiguous innermost loop LLVM vectorizes.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelOps.h"
#include "passes/Conversion/KernelToCPU/CPUKernels.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::kernels;

LogicalResult tessera::kernels::lowerFusion(tk::FusionOp op) {
  OpBuilder b(op);
  Block &body = op.getBody().front();
  int64_t rank = cast<MemRefType>(op.getInit().getType()).getRank();
  linalg::GenericOp::create(
      b, op.getLoc(), TypeRange{}, op.getInputs(), ValueRange{op.getInit()},
      op.getIndexingMapsArray(),
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location loc, ValueRange arguments) {
        IRMapping mapping;
        for (auto [from, to] : llvm::zip(body.getArguments(), arguments))
          mapping.map(from, to);
        for (Operation &nested : body.without_terminator())
          nb.clone(nested, mapping);
        linalg::YieldOp::create(
            nb, loc,
            mapping.lookupOrDefault(
                cast<tk::YieldOp>(body.getTerminator()).getValue()));
      });
  op.erase();
  return success();
}
