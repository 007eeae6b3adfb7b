//===- ImplicitGemm.h - kernels seen as GEMMs, for lowerings -----*- C++
//-*-===//
//
// A kernel as a batch of GEMMs C[m x n] = A[m x k] B[k x n] whose operands
// are read, and results written, by callbacks: a tensor-core emitter and the
// reference loops share one description of the kernel's indexing (a
// convolution's implicit GEMM: its input read through the window).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_KERNEL_TRANSFORMS_IMPLICITGEMM_H
#define TESSERA_DIALECT_KERNEL_TRANSFORMS_IMPLICITGEMM_H

#include "mlir/IR/Builders.h"
#include "mlir/Support/LLVM.h"

#include <functional>

namespace tessera::tk {

class ConvOp;

/// Each callback is called where its indices are in range (row < m,
/// column < n, kk < k, batch < batch) and builds at the builder's
/// insertion point; loadA and loadB return the element (f32), and may read
/// anything (a zero for a window's padding).
struct GemmView {
  int64_t m = 0, n = 0, k = 0, batch = 1;
  std::function<mlir::Value(mlir::OpBuilder &, mlir::Location,
                            mlir::Value batch, mlir::Value row, mlir::Value kk)>
      loadA;
  std::function<mlir::Value(mlir::OpBuilder &, mlir::Location,
                            mlir::Value batch, mlir::Value kk, mlir::Value col)>
      loadB;
  /// Runs the epilogue on `acc` and stores the result.
  std::function<void(mlir::OpBuilder &, mlir::Location, mlir::Value batch,
                     mlir::Value row, mlir::Value col, mlir::Value acc)>
      store;
};

/// A direct tk.conv on static buffers of one float type (any spatial rank,
/// grouped) as an implicit GEMM per group: rows (n, o1..or), columns a
/// group's filters, k (c, t1..tr) its channels and taps; A reads the input
/// through the window (zero outside), B the filter, the store the epilogue
/// at (n, f, o1..or). Fails for a transposed conv or other buffers. The
/// callbacks read `op`'s operands: use them before erasing it.
mlir::FailureOr<GemmView> convAsGemm(ConvOp op);

/// `gemm` as reference loops at `b`'s insertion point: one scf.parallel
/// over (batch, row, column), the reduction an scf.for carrying a sum of
/// `element` type inside it, then the store.
void lowerGemmToLoops(mlir::OpBuilder &b, mlir::Location loc,
                      const GemmView &gemm, mlir::Type element);

} // namespace tessera::tk

#endif // TESSERA_DIALECT_KERNEL_TRANSFORMS_IMPLICITGEMM_H
