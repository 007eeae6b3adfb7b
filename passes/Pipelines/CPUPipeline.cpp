//===- CPUPipeline.cpp - tg to the LLVM dialect for CPUs ------------------===//
//
// Graph passes, the tg lowering, bufferization with results written straight
// into caller-provided outputs, one workspace for all temporaries, loops, and
// the LLVM dialect with bare-pointer functions (static shapes only).
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

LogicalResult tessera::buildCPUPipeline(OpPassManager &pm,
                                        const CPUPipelineOptions &options,
                                        std::string &error) {
  registerCPUPipelinePasses();
  using Stage = CPUPipelineOptions::Stage;
  bool optimize = options.optLevel > 0;

  std::string text = "canonicalize";
  if (optimize)
    text += ",tg-fold-batch-norm,canonicalize";
  if (options.stopAfter != Stage::Graph) {
    text += ",convert-tg-to-linalg,canonicalize";
    if (optimize)
      text += ",func.func(tk-form-kernels),canonicalize"
              ",linalg-fuse-elementwise-ops,canonicalize,cse";
  }
  if (options.stopAfter == Stage::LLVM && optimize)
    text += ",tk-configure-kernels{vector-bits=" +
            std::to_string(options.vectorBits) +
            " registers=" + std::to_string(options.vectorRegisters) + "}";
  if (options.stopAfter == Stage::LLVM)
    text += ",func.func(tessera-distinct-results)"
            ",one-shot-bufferize{bufferize-function-boundaries "
            "function-boundary-type-conversion=identity-layout-map}"
            ",buffer-results-to-out-params{hoist-static-allocs "
            "modify-public-functions}"
            ",canonicalize";
  if (options.stopAfter == Stage::LLVM && optimize)
    text += ",tessera-cpu-kernels{vector-bits=" +
            std::to_string(options.vectorBits) +
            " registers=" + std::to_string(options.vectorRegisters) +
            "},canonicalize,symbol-dce";
  if (options.stopAfter == Stage::LLVM)
    text += // Strided copies (pads, slices) become loops, not calls into a
            // runtime helper; temporaries move into the workspace.
        ",func.func(tessera-expand-strided-copies,tessera-plan-memory)"
        ",tessera-count-kernels,convert-linalg-to-loops"
        ",expand-strided-metadata,lower-affine,convert-scf-to-cf"
        ",convert-vector-to-llvm"
        ",convert-math-to-funcs,convert-math-to-llvm,convert-math-to-libm"
        ",finalize-memref-to-llvm"
        ",convert-func-to-llvm{use-bare-ptr-memref-call-conv}"
        ",convert-to-llvm,reconcile-unrealized-casts";
  std::string message;
  llvm::raw_string_ostream os(message);
  if (failed(parsePassPipeline(text, pm, os))) {
    error = "cannot build the CPU pipeline: " + message;
    return failure();
  }
  return success();
}
