//===- CountKernels.cpp - how many kernels a model runs -------------------===//

#include "passes/Transforms/Passes.h"

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
      if (function.isExternal() || function->hasAttr("tessera.task"))
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
        parallel += call && call.getCallee().starts_with("__tessera_dispatch_");
      }
    }
    auto i64 = IntegerType::get(&getContext(), 64);
    getOperation()->setAttr("tessera.kernel_count",
                            IntegerAttr::get(i64, kernels));
    getOperation()->setAttr("tessera.parallel_kernel_count",
                            IntegerAttr::get(i64, parallel));
  }
};
} // namespace
