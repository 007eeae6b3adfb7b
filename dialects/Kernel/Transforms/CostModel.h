//===- CostModel.h - the callbacks that configure tk kernels ------*- C++ -*-===//
//
// What tk-configure-kernels asks a cost model, in a header without MLIR's
// pass machinery, so that the plugin API (tessera/Plugin/Plugin.h) can name
// the callbacks. The kernel and attribute classes are only declared here: a
// cost model's definition includes dialects/Kernel/IR/KernelOps.h.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_KERNEL_TRANSFORMS_COSTMODEL_H
#define TESSERA_DIALECT_KERNEL_TRANSFORMS_COSTMODEL_H

#include <cstdint>
#include <functional>

namespace mlir {
class Operation;
} // namespace mlir

namespace tessera::tk {

class MatmulOp;
class CPUTileAttr;
class CPUWindowAttr;

/// What a cost model knows of the target.
struct CPUTarget {
  int64_t vectorBits = 256;
  int64_t registers = 16;
  bool parallel = true;
  int64_t parallelWork = 262144;
};

/// Chooses the configuration of one kernel. Returning a null attribute
/// leaves the choice to the default model.
using KernelCostModel =
    std::function<CPUTileAttr(MatmulOp kernel, const CPUTarget &target)>;

/// Chooses the configuration of one tk.conv or tk.pool (`kernel`); a null
/// attribute leaves the choice to the default model.
using WindowCostModel = std::function<CPUWindowAttr(
    mlir::Operation *kernel, const CPUTarget &target)>;

} // namespace tessera::tk

#endif // TESSERA_DIALECT_KERNEL_TRANSFORMS_COSTMODEL_H
