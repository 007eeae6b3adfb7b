//===- KernelDialect.h - The tk dialect ---------------------------*- C++ -*-===//

#ifndef TESSERA_DIALECT_KERNEL_IR_KERNELDIALECT_H
#define TESSERA_DIALECT_KERNEL_IR_KERNELDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/Kernel/IR/KernelDialect.h.inc"

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace tessera::tk {
/// Registers the bufferization models of the tk ops (their tensor forms
/// bufferize into their memref forms).
void registerBufferizableOpInterfaceExternalModels(
    mlir::DialectRegistry &registry);
} // namespace tessera::tk

#endif // TESSERA_DIALECT_KERNEL_IR_KERNELDIALECT_H
