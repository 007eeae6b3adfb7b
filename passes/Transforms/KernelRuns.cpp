//===- KernelRuns.cpp - the kernels a generated function runs -------------===//

#include "passes/Transforms/KernelRuns.h"
#include "dialects/Kernel/IR/KernelDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

bool tessera::runsKernels(func::FuncOp function) {
  return !function.isExternal() &&
         !function->hasAttr(tk::TKDialect::getTaskAttrName());
}

SmallVector<tessera::KernelRun> tessera::kernelRuns(func::FuncOp function) {
  SmallVector<KernelRun> runs;
  Value filling; // the buffer whose border the last fills wrote
  auto isPass = [](Operation &op) {
    return isa<scf::ForOp, scf::ParallelOp, func::CallOp, memref::CopyOp,
               linalg::LinalgOp>(op);
  };
  for (Operation &op : function.getBody().getOps()) {
    // A kernel under a run-time condition (an AMX matmul, run when the
    // process may use the tiles) is one too.
    bool guarded = false;
    if (isa<scf::IfOp>(op))
      op.walk([&](Operation *nested) {
        guarded |= nested != &op && isPass(*nested);
      });
    if (!isPass(op) && !guarded)
      continue;
    // Fills of one padded buffer's border slabs, one after the other, are
    // one kernel.
    auto fill = dyn_cast<linalg::FillOp>(op);
    auto slab = fill
                    ? fill.getDpsInits()[0].getDefiningOp<memref::SubViewOp>()
                    : memref::SubViewOp();
    if (slab && slab.getSource() == filling) {
      runs.back().last = &op;
      continue;
    }
    filling = slab ? slab.getSource() : Value();
    // A call of a dispatch declaration runs on the thread pool.
    auto call = dyn_cast<func::CallOp>(op);
    auto callee = call ? SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
                             call, call.getCalleeAttr())
                       : func::FuncOp();
    bool parallel = callee && callee->hasAttrOfType<FlatSymbolRefAttr>(
                                  tk::TKDialect::getTaskAttrName());
    runs.push_back({&op, &op, parallel});
  }
  return runs;
}
