//===- KernelOps.h - tk operations --------------------------------*- C++ -*-===//

#ifndef TESSERA_DIALECT_KERNEL_IR_KERNELOPS_H
#define TESSERA_DIALECT_KERNEL_IR_KERNELOPS_H

#include "dialects/Kernel/IR/KernelDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Kernel/IR/KernelEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Kernel/IR/KernelAttrs.h.inc"

namespace tessera::tk {

/// One term `coefficient * d<dim>` of a linear map result.
struct LinearTerm {
  int64_t dim;
  int64_t coefficient;
};

/// The terms of `expr` when it is the constant 0 (no terms) or a sum of
/// distinct dimensions with positive constant coefficients; failure
/// otherwise. Terms come sorted by increasing coefficient.
mlir::FailureOr<llvm::SmallVector<LinearTerm>>
linearTerms(mlir::AffineExpr expr);

/// Whether every op of `body` but its terminator runs on vectors of f32 (or
/// i1) lanes as it is: elementwise-mappable, side-effect-free ops without
/// regions, and scalar constants (broadcast when vectorized).
bool isElementwiseF32Body(mlir::Block &body);

/// isElementwiseF32Body that also admits i8, i16 and i32 lanes: the
/// epilogue of an integer kernel (corrections, rescale, requantization).
bool isElementwiseQuantizedBody(mlir::Block &body);

/// Builds `sum(coefficient * d<dim>)` (0 when empty).
mlir::AffineExpr buildLinear(llvm::ArrayRef<LinearTerm> terms,
                             mlir::MLIRContext *context);

} // namespace tessera::tk

#define GET_OP_CLASSES
#include "dialects/Kernel/IR/KernelOps.h.inc"

#endif // TESSERA_DIALECT_KERNEL_IR_KERNELOPS_H
