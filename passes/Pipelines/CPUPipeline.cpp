//===- CPUPipeline.cpp - tg to the LLVM dialect for CPUs ------------------===//
//
// graph:   tg folders and patterns, batch-norm folding.
// kernel:  the tg lowering to linalg on tensors, tk kernel formation (before
//          elementwise fusion can reshape what a contraction reads),
//          elementwise fusion, kernel configuration.
// codegen: bufferization with results written straight into caller-provided
//          outputs, the register-tiled kernels, one workspace for all
//          temporaries, loops.
// llvm:    the LLVM dialect with bare-pointer functions (static shapes).
//
//===----------------------------------------------------------------------===//

#include "passes/Pipelines/CPUPipeline.h"

#include "dialects/Graph/Transforms/Passes.h"
#include "dialects/Kernel/Transforms/Passes.h"
#include "passes/Conversion/Passes.h"
#include "passes/Transforms/Passes.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <mutex>

using namespace mlir;

const char *tessera::phaseName(Phase phase) {
  switch (phase) {
  case Phase::Graph:
    return "graph";
  case Phase::Kernel:
    return "kernel";
  case Phase::Codegen:
    return "codegen";
  case Phase::LLVM:
    return "llvm";
  }
  return "unknown";
}

void tessera::registerCPUPipelinePasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerAllPasses();
    tg::registerGraphPasses();
    tk::registerKernelPasses();
    registerConversionPasses();
    registerTransformsPasses();
  });
}

LogicalResult tessera::addPipelineText(OpPassManager &pm,
                                       const std::string &text,
                                       const char *pipeline,
                                       std::string &error) {
  std::string message;
  llvm::raw_string_ostream os(message);
  if (failed(parsePassPipeline(text, pm, os))) {
    error = std::string("cannot build the ") + pipeline + " pipeline: " + message;
    return failure();
  }
  return success();
}

static LogicalResult addText(OpPassManager &pm, const std::string &text,
                             std::string &error) {
  return tessera::addPipelineText(pm, text, "CPU", error);
}

LogicalResult tessera::buildCPUPhase(OpPassManager &pm, Phase phase,
                                     const CPUPipelineOptions &options,
                                     std::string &error) {
  registerCPUPipelinePasses();
  bool optimize = options.optLevel > 0;
  switch (phase) {
  case Phase::Graph:
    return addText(pm,
                   optimize ? "canonicalize,tg-group-quantized,"
                              "tg-fold-batch-norm,canonicalize"
                            : "canonicalize,tg-group-quantized,canonicalize",
                   error);
  case Phase::Kernel: {
    if (!optimize)
      return addText(pm, "convert-tg-to-linalg,canonicalize", error);
    // Formation runs on tg (convolutions, pools, rows) and again on linalg
    // (contractions, and the elementwise ops after every kernel); what is
    // left elementwise after linalg's fusion becomes tk.fusion kernels.
    if (failed(addText(pm,
                       "func.func(tk-form-kernels),convert-tg-to-linalg,"
                       "canonicalize,func.func(tk-form-kernels),canonicalize,"
                       "func.func(tessera-fuse-elementwise),canonicalize,cse,"
                       "func.func(tk-form-fusions),canonicalize,cse,"
                       "func.func(tk-form-attention)",
                       error)))
      return failure();
    tk::ConfigureKernelsOptions configure;
    configure.vectorBits = options.vectorBits;
    configure.registers = options.vectorRegisters;
    pm.addPass(tk::createConfigureKernelsPass(configure, options.costModel,
                                              options.windowCostModel));
    return success();
  }
  case Phase::Codegen: {
    std::string text = "func.func(tessera-distinct-results,"
                       "tessera-distinct-constants)"
                       ",one-shot-bufferize{bufferize-function-boundaries "
                       "function-boundary-type-conversion=identity-layout-map}"
                       ",buffer-results-to-out-params{hoist-static-allocs "
                       "modify-public-functions}"
                       ",canonicalize";
    // Without kernel formation (-O0) no tk op is left for the CPU kernels
    // to lower, and the convolutions stay loops.
    if (optimize && options.profile)
      text += ",func.func(tessera-tag-kernels)";
    if (optimize)
      text += ",convert-tk-to-cpu{vector-bits=" +
              std::to_string(options.vectorBits) +
              " registers=" + std::to_string(options.vectorRegisters) +
              " int8-dot=" + std::string(stringifyInt8Dot(options.int8Dot)) +
              (options.referenceConvs ? " reference-convs" : "") +
              "},canonicalize,symbol-dce";
    // Strided copies (pads, slices) become loops, not calls into a runtime
    // helper; temporaries move into the workspace.
    text += ",func.func(tessera-expand-strided-copies,tessera-plan-memory)"
            ",tessera-count-kernels";
    if (options.profile)
      text += ",tessera-profile-kernels";
    text += ",convert-linalg-to-loops"
            // Large models: one function per loop nest, so that the LLVM
            // lowering and optimizer scale linearly.
            ",tessera-outline-loops";
    return addText(pm, text, error);
  }
  case Phase::LLVM:
    return addText(pm,
                   "tessera-approximate-math,"
                   "expand-strided-metadata,lower-affine,convert-scf-to-cf"
                   ",convert-vector-to-llvm"
                   ",convert-math-to-funcs,convert-math-to-llvm,"
                   "convert-math-to-libm"
                   ",finalize-memref-to-llvm"
                   ",convert-func-to-llvm{use-bare-ptr-memref-call-conv}"
                   ",convert-to-llvm,reconcile-unrealized-casts"
                   // Large weights move to a file the runtime maps.
                   ",tessera-externalize-weights{mode=" +
                       options.weights + "}",
                   error);
  }
  error = "cannot build the CPU pipeline: unknown phase";
  return failure();
}

LogicalResult tessera::buildCPUPhaseWithHooks(OpPassManager &pm, Phase phase,
                                              const CPUPipelineOptions &options,
                                              std::string &error) {
  options.hooks.apply(phase, HookPoint::Before, pm);
  if (failed(buildCPUPhase(pm, phase, options, error)))
    return failure();
  options.hooks.apply(phase, HookPoint::After, pm);
  return success();
}

LogicalResult tessera::buildCPUPipeline(OpPassManager &pm,
                                        const CPUPipelineOptions &options,
                                        std::string &error, Phase last) {
  for (Phase phase : allPhases) {
    if (failed(buildCPUPhaseWithHooks(pm, phase, options, error)))
      return failure();
    if (phase == last)
      break;
  }
  return success();
}
