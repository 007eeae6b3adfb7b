//===- CUDAPipeline.cpp - tg to NVVM for NVIDIA GPUs ----------------------===//
//
// graph:   the CPU pipeline's graph phase (folders, batch-norm folding).
// kernel:  the tg lowering to linalg on tensors, tk.matmul formation (with
//          its folds), elementwise fusion, tk.fusion formation.
//          Convolutions, pools and row kernels stay linalg: their CUDA
//          kernels are still to come.
// codegen: bufferization with results in caller-provided outputs, one
//          workspace, every kernel and loop nest a launch of an outlined
//          kernel (convert-tk-to-gpu).
// llvm:    the kernels in the NVVM dialect with bare-pointer arguments.
//
//===----------------------------------------------------------------------===//

#include "passes/Pipelines/CUDAPipeline.h"
#include "passes/Pipelines/CPUPipeline.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

static LogicalResult addText(OpPassManager &pm, const std::string &text,
                             std::string &error) {
  return tessera::addPipelineText(pm, text, "CUDA", error);
}

LogicalResult tessera::buildCUDAPhase(OpPassManager &pm, Phase phase,
                                      const CUDAPipelineOptions &options,
                                      std::string &error) {
  registerCPUPipelinePasses();
  bool optimize = options.optLevel > 0;
  switch (phase) {
  case Phase::Graph: {
    CPUPipelineOptions graph;
    graph.optLevel = options.optLevel;
    return buildCPUPhase(pm, phase, graph, error);
  }
  case Phase::Kernel:
    if (!optimize)
      return addText(pm, "convert-tg-to-linalg,canonicalize", error);
    return addText(pm,
                   "func.func(tk-form-kernels{contractions-only direct-convs}),"
                   "convert-tg-to-linalg,canonicalize,"
                   "func.func(tk-form-kernels{contractions-only direct-convs}),"
                   "canonicalize,"
                   "func.func(tessera-fuse-elementwise),canonicalize,cse,"
                   "func.func(tk-form-fusions),canonicalize,cse",
                   error);
  case Phase::Codegen:
    return addText(
        pm,
        "func.func(tessera-distinct-results,tessera-distinct-constants)"
        ",one-shot-bufferize{bufferize-function-boundaries "
        "function-boundary-type-conversion=identity-layout-map}"
        ",buffer-results-to-out-params{hoist-static-allocs "
        "modify-public-functions}"
        ",canonicalize,func.func(tessera-plan-memory)"
        ",convert-tk-to-gpu{block-size=" +
            std::to_string(options.blockSize) +
            " precision=" + options.precision + "},canonicalize,cse",
        error);
  case Phase::LLVM:
    // f32 transcendental functions as polynomials and the math PTX has an
    // instruction for as LLVM intrinsics (libdevice calls replaced after
    // convert-gpu-to-nvvm made them; no libdevice needed for either);
    // the rest of math (trigonometric and hyperbolic functions, f64
    // transcendentals, fmod) stays a call of libdevice's __nv_* functions.
    // Reductions carry their accumulators in registers (before the views
    // the analysis reads become strided metadata).
    return addText(pm,
                   "gpu.module(tessera-promote-accumulators,"
                   "tessera-approximate-math,"
                   "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
                   "convert-nvgpu-to-nvvm,"
                   "convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv},"
                   "convert-libdevice-to-intrinsics,"
                   "canonicalize,cse,reconcile-unrealized-casts)",
                   error);
  }
  error = "cannot build the CUDA pipeline: unknown phase";
  return failure();
}

LogicalResult
tessera::buildCUDAPhaseWithHooks(OpPassManager &pm, Phase phase,
                                 const CUDAPipelineOptions &options,
                                 std::string &error) {
  options.hooks.apply(phase, HookPoint::Before, pm, PipelineTarget::CUDA);
  if (failed(buildCUDAPhase(pm, phase, options, error)))
    return failure();
  options.hooks.apply(phase, HookPoint::After, pm, PipelineTarget::CUDA);
  return success();
}
