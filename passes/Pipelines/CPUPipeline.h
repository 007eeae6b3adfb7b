//===- CPUPipeline.h - tg to the LLVM dialect for CPUs ------------*- C++ -*-===//
//
// The CPU pipeline as its four phases (tessera/Compiler/Pipeline.h): each
// is built by one function, so the driver runs each once and prints
// between them, and a CUDA pipeline can share the graph and kernel phases.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_PIPELINES_CPUPIPELINE_H
#define TESSERA_PIPELINES_CPUPIPELINE_H

#include "dialects/Kernel/Transforms/Passes.h"
#include "tessera/Compiler/Pipeline.h"
#include "tessera/Support/RegisterTile.h"

#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace tessera {

struct CPUPipelineOptions {
  /// 0 skips graph optimisations, kernel formation and fusion; 1 and above
  /// run them.
  int optLevel = 2;
  /// The target's vector unit, for the register tiles: 256/16 for AVX2,
  /// 512/32 for AVX-512, 128/32 for NEON.
  int64_t vectorBits = 256;
  int64_t vectorRegisters = 16;
  /// The instruction the 8-bit integer matmuls accumulate with; None keeps
  /// them as plain loops.
  Int8Dot int8Dot = Int8Dot::None;
  /// Direct convolutions through their implicit GEMM's reference loops
  /// (convert-tk-to-cpu{reference-convs}), for checking that description.
  bool referenceConvs = false;
  /// Chooses each tk kernel's configuration (tk-configure-kernels); empty:
  /// tk::defaultCPUTile.
  tk::KernelCostModel costModel;
  /// The same for every tk.conv and tk.pool; empty: tk::defaultCPUWindow.
  tk::WindowCostModel windowCostModel;
  /// Time every kernel (tessera-tag-kernels, tessera-profile-kernels): the
  /// artifact calls the runtime's profiler around each.
  bool profile = false;
  /// Where the weights go (tessera-externalize-weights): "embed" in the
  /// object, "file" a side file the runtime maps, "auto" the file once they
  /// pass 1 GiB.
  std::string weights = "auto";
  /// Passes added before and after phases.
  PipelineHooks hooks;
};

/// Adds the passes of one phase (without its hooks) to `pm`, anchored on
/// builtin.module. Fails with a message when a pass pipeline cannot be
/// built. After Phase::LLVM every function takes bare pointers (inputs,
/// outputs, then the workspace) and has a `tk.workspace_size`.
mlir::LogicalResult buildCPUPhase(mlir::OpPassManager &pm, Phase phase,
                                  const CPUPipelineOptions &options,
                                  std::string &error);

/// The hooks before `phase`, the phase, the hooks after it.
mlir::LogicalResult buildCPUPhaseWithHooks(mlir::OpPassManager &pm,
                                           Phase phase,
                                           const CPUPipelineOptions &options,
                                           std::string &error);

/// Every phase up to and including `last`, with their hooks, into one pass
/// manager (for tools that run the whole pipeline at once).
mlir::LogicalResult buildCPUPipeline(mlir::OpPassManager &pm,
                                     const CPUPipelineOptions &options,
                                     std::string &error,
                                     Phase last = Phase::LLVM);

/// Parses `text` (a textual pass pipeline) into `pm`; on failure `error`
/// says which pipeline (`pipeline`: "CPU", "CUDA") could not be built.
mlir::LogicalResult addPipelineText(mlir::OpPassManager &pm,
                                    const std::string &text,
                                    const char *pipeline, std::string &error);

/// Registers the upstream and Tessera passes the pipeline names, once.
void registerCPUPipelinePasses();

} // namespace tessera

#endif // TESSERA_PIPELINES_CPUPIPELINE_H
