//===- CountKernels.cpp - how many kernels a model runs -------------------===//

#include "passes/Transforms/Passes.h"
#include "dialects/Kernel/IR/KernelDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"

namespace tessera {
#define GEN_PASS_DEF_COUNTKERNELS
#include "passes/Transforms/Passes.h.inc"
} // namespace tessera

using namespace mlir;

namespace {
struct CountKernelsPass : tessera::impl::CountKernelsBase<CountKernelsPass> {
  void runOnOperation() override {
    int64_t kernels = 0, parallel = 0;
    for (auto function : getOperation().getOps<func::FuncOp>()) {
      if (function.isExternal() || function->hasAttr(tessera::tk::TKDialect::getTaskAttrName()))
        continue;
      Value filling; // the buffer whose border the last fills wrote
      for (Operation &op : function.getBody().getOps()) {
        if (!isa<scf::ForOp, scf::ParallelOp, func::CallOp, memref::CopyOp,
                 linalg::LinalgOp>(op))
          continue;
        // Fills of one padded buffer's border slabs, one after the other,
        // are one kernel.
        auto fill = dyn_cast<linalg::FillOp>(op);
        auto slab =
            fill ? fill.getDpsInits()[0].getDefiningOp<memref::SubViewOp>()
                 : memref::SubViewOp();
        if (slab && slab.getSource() == filling)
          continue;
        filling = slab ? slab.getSource() : Value();
        ++kernels;
        auto call = dyn_cast<func::CallOp>(op);
        // A call of a dispatch declaration runs on the thread pool.
        auto callee =
            call ? SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
                       call, call.getCalleeAttr())
                 : func::FuncOp();
        parallel += callee && callee->hasAttrOfType<FlatSymbolRefAttr>(
                                  tessera::tk::TKDialect::getTaskAttrName());
      }
    }
    auto i64 = IntegerType::get(&getContext(), 64);
    getOperation()->setAttr(tessera::tk::TKDialect::getKernelCountAttrName(),
                            IntegerAttr::get(i64, kernels));
    getOperation()->setAttr(
        tessera::tk::TKDialect::getParallelKernelCountAttrName(),
                            IntegerAttr::get(i64, parallel));
  }
};
} // namespace
