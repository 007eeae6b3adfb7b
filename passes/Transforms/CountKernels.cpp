//===- CountKernels.cpp - how many kernels a model runs -------------------===//

#include "passes/Transforms/Passes.h"
#include "passes/Transforms/KernelRuns.h"
#include "dialects/Kernel/IR/KernelDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
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
      if (!tessera::runsKernels(function))
        continue;
      for (const tessera::KernelRun &run : tessera::kernelRuns(function)) {
        ++kernels;
        parallel += run.parallel;
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
