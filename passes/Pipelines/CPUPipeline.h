//===- CPUPipeline.h - tg to the LLVM dialect for CPUs -----------*- C++
//-*-===//

#ifndef TESSERA_PIPELINES_CPUPIPELINE_H
#define TESSERA_PIPELINES_CPUPIPELINE_H

#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace tessera {

struct CPUPipelineOptions {
  enum class Stage { Graph, Linalg, LLVM };
  /// 0 skips graph optimisations and fusion; 1 and above run them.
  int optLevel = 2;
  /// The last stage to run: graph passes only, down to linalg on tensors, or
  /// all the way to the LLVM dialect.
  Stage stopAfter = Stage::LLVM;
  /// The target's vector unit, for the register-tiled kernels
  /// (tessera-cpu-kernels): 256/16 for AVX2, 512/32 for AVX-512, 128/32 for
  /// NEON.
  int64_t vectorBits = 256;
  int64_t vectorRegisters = 16;
};

/// Adds the CPU pipeline to `pm` (anchored on builtin.module). The module
/// holds tg functions; after Stage::LLVM every function takes bare pointers
/// (inputs, outputs, then the workspace) and has a `tessera.workspace_size`.
/// Fails with a message when a pass pipeline cannot be built.
mlir::LogicalResult buildCPUPipeline(mlir::OpPassManager &pm,
                                     const CPUPipelineOptions &options,
                                     std::string &error);

/// Registers the upstream and Tessera passes the pipeline names, once.
void registerCPUPipelinePasses();

} // namespace tessera

#endif // TESSERA_PIPELINES_CPUPIPELINE_H
