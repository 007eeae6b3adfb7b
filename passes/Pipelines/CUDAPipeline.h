//===- CUDAPipeline.h - tg to NVVM for NVIDIA GPUs ----------------*- C++
//-*-===//
//
// The CUDA pipeline as the same four phases as the CPU one
// (tessera/Compiler/Pipeline.h). The graph phase is the CPU's; the kernel
// phase forms the kernels the CUDA lowering takes (tk.matmul, tk.fusion);
// codegen bufferizes, plans the workspace and turns every kernel and loop
// nest into a launch of an outlined gpu.func; llvm lowers the kernels to
// the NVVM dialect (lib/Target/CUDA then makes PTX and cubins).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_PIPELINES_CUDAPIPELINE_H
#define TESSERA_PIPELINES_CUDAPIPELINE_H

#include "tessera/Compiler/Pipeline.h"

#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace tessera {

struct CUDAPipelineOptions {
  /// 0 skips graph optimisations, kernel formation and fusion.
  int optLevel = 2;
  /// Threads per block of a parallel loop nest (convert-tk-to-gpu).
  int64_t blockSize = 256;
  /// How f32 matmuls run: "tf32" on tensor cores (inputs rounded to tf32,
  /// f32 accumulation), "fp32" exactly, without tensor cores.
  std::string precision = "tf32";
  /// Passes added before and after phases (the CUDA ones and Any).
  PipelineHooks hooks;
};

/// Adds the passes of one phase (without its hooks) to `pm`, anchored on
/// builtin.module. After Phase::LLVM the model function calls
/// gpu.launch_func on the kernels of one gpu.module, lowered to NVVM.
mlir::LogicalResult buildCUDAPhase(mlir::OpPassManager &pm, Phase phase,
                                   const CUDAPipelineOptions &options,
                                   std::string &error);

/// The hooks before `phase`, the phase, the hooks after it.
mlir::LogicalResult buildCUDAPhaseWithHooks(mlir::OpPassManager &pm,
                                            Phase phase,
                                            const CUDAPipelineOptions &options,
                                            std::string &error);

} // namespace tessera

#endif // TESSERA_PIPELINES_CUDAPIPELINE_H
