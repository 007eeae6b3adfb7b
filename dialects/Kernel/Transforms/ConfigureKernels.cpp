//===- ConfigureKernels.cpp - choose how the CPU runs each tk kernel ------===//

#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/Passes.h"
#include "tessera/Support/RegisterTile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace tessera::tk {
#define GEN_PASS_DEF_CONFIGUREKERNELS
#include "dialects/Kernel/Transforms/Passes.h.inc"
} // namespace tessera::tk

using namespace mlir;
using namespace tessera;
using namespace tessera::tk;

CPUTileAttr tessera::tk::defaultCPUTile(MatmulOp kernel,
                                        const CPUTarget &target) {
  RegisterTile tile = registerTileFor(target.vectorBits, target.registers);
  SmallVector<int64_t> sizes = kernel.getLoopSizes();
  int64_t work = 1, batch = 1;
  for (int64_t size : sizes)
    work *= size;
  for (int64_t d = 0; d < kernel.getNumBatchDims(); ++d)
    batch *= sizes[d];
  int64_t panels = (sizes[kernel.getNDim()] + tile.nr - 1) / tile.nr;
  bool parallel = target.parallel && work >= target.parallelWork &&
                  batch * panels >= 2;
  return CPUTileAttr::get(kernel.getContext(), tile.lanes, tile.mr, tile.nr,
                          tile.kc, tile.mc, parallel);
}

namespace {

struct ConfigureKernelsPass
    : tessera::tk::impl::ConfigureKernelsBase<ConfigureKernelsPass> {
  using ConfigureKernelsBase::ConfigureKernelsBase;
  ConfigureKernelsPass(const ConfigureKernelsOptions &options,
                       KernelCostModel model)
      : ConfigureKernelsBase(options), model(std::move(model)) {}

  void runOnOperation() override {
    if (vectorBits < 128 || vectorBits % 128 || registers < 8) {
      getOperation().emitError()
          << "tk-configure-kernels: vector-bits must be a multiple of 128 and "
             "registers at least 8";
      return signalPassFailure();
    }
    CPUTarget target{vectorBits, registers, parallel, parallelWork};
    getOperation().walk([&](MatmulOp kernel) {
      if (kernel.getConfigAttr())
        return;
      CPUTileAttr config = model ? model(kernel, target) : CPUTileAttr();
      if (!config)
        config = defaultCPUTile(kernel, target);
      kernel.setConfigAttr(config);
      ++configured;
    });
  }

  KernelCostModel model;
  Statistic configured{this, "kernels", "tk kernels configured"};
};

} // namespace

std::unique_ptr<Pass>
tessera::tk::createConfigureKernelsPass(const ConfigureKernelsOptions &options,
                                        KernelCostModel model) {
  return std::make_unique<ConfigureKernelsPass>(options, std::move(model));
}
