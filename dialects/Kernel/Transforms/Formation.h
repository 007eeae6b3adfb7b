//===- Formation.h - what the kernel formation patterns share ----*- C++ -*-===//
//
// Internal to dialects/Kernel/Transforms: a kernel's fresh destination, and
// what every epilogue fold shares (tk.matmul and tk.conv): finding the
// elementwise linalg.generic that alone reads a kernel's result, and
// appending its body to the kernel's epilogue.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_KERNEL_TRANSFORMS_FORMATION_H
#define TESSERA_DIALECT_KERNEL_TRANSFORMS_FORMATION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

#include <string>

namespace tessera::tk {

/// A tensor.empty of `value`'s type: the destination a formed kernel
/// writes.
mlir::Value emptyLike(mlir::OpBuilder &builder, mlir::Location loc,
                      mlir::Value value);

struct EpilogueConsumer {
  mlir::linalg::GenericOp generic;
  /// How the generic reads the kernel's result.
  mlir::AffineMap resultMap;
};

/// The elementwise f32 linalg.generic (all loops parallel, one output it
/// does not read, into a fresh destination) that is the only user of the
/// result of `kernel`, a tk op on tensors; failure with `why` otherwise.
mlir::FailureOr<EpilogueConsumer>
matchEpilogueConsumer(mlir::Operation *kernel, std::string &why);

/// Appends the body of `generic` to the epilogue `body`, whose tk.yield
/// holds the value computed so far: the generic's arguments reading
/// `result` become that value, its input `i` the epilogue argument
/// `argumentOf[i]` (arguments past the existing ones are added, f32). The
/// yield then holds the generic's value.
void appendEpilogue(mlir::RewriterBase &rewriter, mlir::Block &body,
                    mlir::linalg::GenericOp generic, mlir::Value result,
                    llvm::ArrayRef<int64_t> argumentOf);

} // namespace tessera::tk

#endif // TESSERA_DIALECT_KERNEL_TRANSFORMS_FORMATION_H
