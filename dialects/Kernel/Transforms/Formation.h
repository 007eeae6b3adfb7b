//===- Formation.h - what the kernel formation patterns share ----*- C++ -*-===//
//
// Internal to dialects/Kernel/Transforms: a kernel's fresh destination,
// what every epilogue fold shares (tk.matmul, tk.conv, tk.pool): finding the
// elementwise linalg.generic that alone reads a kernel's result, and
// appending its body to the kernel's epilogue; and the reindexing ops
// (transposes, broadcasts) that fold into operand maps.
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
/// With `integers` (the epilogue of an integer kernel) the generic may also
/// compute on and write i8, i16 and i32 values.
mlir::FailureOr<EpilogueConsumer>
matchEpilogueConsumer(mlir::Operation *kernel, std::string &why,
                      bool integers = false);

/// Appends the body of `generic` to the epilogue `body`, whose tk.yield
/// holds the value computed so far: the generic's arguments reading
/// `result` become that value, its input `i` the epilogue argument
/// `argumentOf[i]` (arguments past the existing ones are added, typed as the generic's). The
/// yield then holds the generic's value.
void appendEpilogue(mlir::RewriterBase &rewriter, mlir::Block &body,
                    mlir::linalg::GenericOp generic, mlir::Value result,
                    llvm::ArrayRef<int64_t> argumentOf);

/// A tensor read through a reindexing: its source, and for each source dim
/// the dim of the reindexed tensor it is read as (-1: index 0, a unit dim).
using Reindex = std::pair<mlir::Value, llvm::SmallVector<int64_t>>;

/// When `operand` is a pure reindexing of another tensor — a
/// linalg.transpose, a linalg.broadcast, a copy linalg.generic whose
/// input map is a projected permutation with zeros (how Expand, broadcasts
/// and transposes of other spellings lower), or a tensor.collapse_shape
/// that only merges unit dims (how Einsum drops a batch of 1) — that
/// tensor and the dims it is read at; failure otherwise.
mlir::FailureOr<Reindex> reindexOf(mlir::Value operand);

} // namespace tessera::tk

#endif // TESSERA_DIALECT_KERNEL_TRANSFORMS_FORMATION_H
