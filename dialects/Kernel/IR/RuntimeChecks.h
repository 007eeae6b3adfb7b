//===- RuntimeChecks.h - checks a kernel reports to the runtime -*- C++ -*-===//
//
// The tk status contract, for the lowerings that check at run time (the
// tg -> linalg indexing lowerings, the CPU kernels). A model function has one
// status word (`memref.alloc {tk.status}`, set to 0 at entry); a failed
// run-time check stores its code k (> 0) there, and the function's
// `tk.checks` attribute holds the message of check k at k - 1. The
// workspace planner pins the word, the entry point returns it, and the
// runtime turns it into a status and a message (docs/runtime.md).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_KERNEL_RUNTIMECHECKS_H
#define TESSERA_DIALECT_KERNEL_RUNTIMECHECKS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace tessera::lowering {

/// One run-time check: where to report and what code says it failed.
struct RuntimeCheck {
  mlir::Value status;
  int32_t code = 0;
};

/// The status word of `function`, created (and zeroed) at its entry when it
/// has none yet.
mlir::Value getOrCreateStatus(mlir::OpBuilder &b,
                              mlir::FunctionOpInterface function);

/// Registers a check made on behalf of `op` whose failure `message`
/// describes (prefixed with the ONNX node `op` came from).
RuntimeCheck addRuntimeCheck(mlir::RewriterBase &rewriter, mlir::Operation *op,
                             const llvm::Twine &message);

/// addRuntimeCheck for an op that reads positions along dimension `dim` of
/// its data (of size `extent`) from its indices.
RuntimeCheck addIndexCheck(mlir::RewriterBase &rewriter, mlir::Operation *op,
                           int64_t dim, int64_t extent);

/// Reports `check` as failed when `failed` (i1) holds. Concurrent failures
/// leave one of their codes.
void reportIf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value failed,
              const RuntimeCheck &check);

/// An index-typed position from an i32/i64 element of an indices tensor,
/// negative values counting back from `extent` (ONNX gather rules); an
/// element outside [-extent, extent) reports `check` and reads position 0.
/// `extent` must be positive.
mlir::Value checkedIndex(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value raw, int64_t extent,
                         const RuntimeCheck &check);

} // namespace tessera::lowering

#endif // TESSERA_DIALECT_KERNEL_RUNTIMECHECKS_H
