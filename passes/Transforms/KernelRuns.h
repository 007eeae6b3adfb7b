//===- KernelRuns.h - the kernels a generated function runs ------*- C++ -*-===//
//
// One definition of "a kernel" of the generated code, shared by
// tessera-count-kernels (--stats) and tessera-profile-kernels (--profile):
// one pass over memory at a function's top level, after the CPU kernels are
// generated and before linalg becomes loops.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TRANSFORMS_KERNELRUNS_H
#define TESSERA_TRANSFORMS_KERNELRUNS_H

#include "llvm/ADT/SmallVector.h"

namespace mlir {
class Operation;
namespace func {
class FuncOp;
} // namespace func
} // namespace mlir

namespace tessera {

/// One kernel: the ops from `first` to `last` (the same op for all but
/// the border fills of one padded buffer, which are one kernel); `parallel`
/// when it is a dispatch onto the thread pool.
struct KernelRun {
  mlir::Operation *first;
  mlir::Operation *last;
  bool parallel;
};

/// Whether `function` runs kernels of its own (it is defined and is not a
/// parallel task, whose work counts in its dispatch's kernel).
bool runsKernels(mlir::func::FuncOp function);

/// The kernels of `function`'s body, in order: a structured op, a top-level
/// loop nest, a call (a parallel dispatch), a copy, or a condition holding
/// one of them, each.
llvm::SmallVector<KernelRun> kernelRuns(mlir::func::FuncOp function);

} // namespace tessera

#endif // TESSERA_TRANSFORMS_KERNELRUNS_H
