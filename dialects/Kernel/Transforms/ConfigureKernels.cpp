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

CPUTileAttr tessera::tk::defaultCPUTile(AttentionOp kernel,
                                        const CPUTarget &target) {
  RegisterTile tile = registerTileFor(target.vectorBits, target.registers);
  SmallVector<int64_t> sizes = kernel.getLoopSizes();
  int64_t batch = 1;
  for (int64_t d = 0; d < kernel.getNumBatchDims(); ++d)
    batch *= sizes[d];
  int64_t m = sizes[kernel.getMDim()], n = sizes[kernel.getNDim()];
  int64_t work = batch * m * n *
                 (sizes[kernel.getDDim()] + sizes[kernel.getEDim()]);
  int64_t tiles = batch * ((m + tile.mr - 1) / tile.mr);
  bool parallel = target.parallel && work >= target.parallelWork && tiles >= 2;
  return CPUTileAttr::get(kernel.getContext(), tile.lanes, tile.mr, tile.nr,
                          tile.kc, tile.mc, parallel);
}

CPUWindowAttr tessera::tk::defaultCPUWindow(Operation *kernel,
                                            const CPUTarget &target) {
  RegisterTile tile = registerTileFor(target.vectorBits, target.registers);
  ShapedType outType;
  MLIRContext *context = kernel->getContext();
  int64_t outElements = 1, taps = 1, mr = 1, channels = 1;
  WindowKernel choice = WindowKernel::window;
  if (auto pool = dyn_cast<PoolOp>(kernel)) {
    outType = cast<ShapedType>(pool.getInit().getType());
    for (int64_t k : pool.getWindow())
      taps *= k;
  } else {
    auto conv = cast<ConvOp>(kernel);
    outType = cast<ShapedType>(conv.getInit().getType());
    auto filterType = cast<ShapedType>(conv.getFilter().getType());
    for (auto [i, k] : llvm::enumerate(filterType.getShape().drop_front(2)))
      taps *= conv.getTransposed()
                  ? (k + conv.getStrides()[i] - 1) / conv.getStrides()[i]
                  : k;
    int64_t groups = conv.getGroups();
    int64_t filters = outType.getDimSize(1) / groups;
    channels = cast<ShapedType>(conv.getInput().getType()).getDimSize(1) /
               groups;
    if (conv.isDense1DOr2D()) {
      choice = WindowKernel::packed;
      // As many channels per tile as the registers hold, spread evenly.
      int64_t tiles = (filters + tile.mr - 1) / tile.mr;
      mr = (filters + tiles - 1) / tiles;
    } else if (!conv.isDepthwise()) {
      choice = WindowKernel::direct;
      mr = std::min(tile.mr, filters);
    }
  }
  for (int64_t size : outType.getShape())
    outElements *= size;
  if (choice == WindowKernel::window) {
    // Output rows per tile: with two vectors per row, 4 rows keep 8
    // accumulators and leave registers for the input vectors.
    int64_t rank = outType.getRank();
    mr = rank > 3 ? std::min<int64_t>(4, outType.getDimSize(rank - 2)) : 1;
  }
  int64_t work = outElements * taps * channels;
  bool parallel = target.parallel && work >= target.parallelWork;
  return CPUWindowAttr::get(context, choice, tile.lanes, mr, tile.nr,
                            parallel);
}

namespace {

struct ConfigureKernelsPass
    : tessera::tk::impl::ConfigureKernelsBase<ConfigureKernelsPass> {
  using ConfigureKernelsBase::ConfigureKernelsBase;
  ConfigureKernelsPass(const ConfigureKernelsOptions &options,
                       KernelCostModel model, WindowCostModel windowModel)
      : ConfigureKernelsBase(options), model(std::move(model)),
        windowModel(std::move(windowModel)) {}

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
    getOperation().walk([&](AttentionOp kernel) {
      if (kernel.getConfigAttr())
        return;
      kernel.setConfigAttr(defaultCPUTile(kernel, target));
      ++configured;
    });
    auto configure = [&](auto kernel) {
      if (kernel.getConfigAttr())
        return;
      CPUWindowAttr config =
          windowModel ? windowModel(kernel, target) : CPUWindowAttr();
      if (!config)
        config = defaultCPUWindow(kernel, target);
      kernel.setConfigAttr(config);
      ++configured;
    };
    getOperation().walk([&](Operation *op) {
      if (auto conv = dyn_cast<ConvOp>(op))
        configure(conv);
      else if (auto pool = dyn_cast<PoolOp>(op))
        configure(pool);
    });
  }

  KernelCostModel model;
  WindowCostModel windowModel;
  Statistic configured{this, "kernels", "tk kernels configured"};
};

} // namespace

std::unique_ptr<Pass>
tessera::tk::createConfigureKernelsPass(const ConfigureKernelsOptions &options,
                                        KernelCostModel model,
                                        WindowCostModel windowModel) {
  return std::make_unique<ConfigureKernelsPass>(options, std::move(model),
                                                std::move(windowModel));
}
