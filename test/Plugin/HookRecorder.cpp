//===- HookRecorder.cpp - a test plugin that records where it ran ---------===//
//
// At every extension point of every phase it adds a pass that prints
// "hook-recorder: <before|after> <phase>" and the Tessera dialects it sees
// to stderr; its kernel cost model gives every tk.matmul a tile of its own
// (mc = 40, kc = 72, serial) so that a test sees the override; it
// registers one named pass (test-plugin-mark) for tessera-opt.
//
//===----------------------------------------------------------------------===//

#include "tessera/Plugin/Plugin.h"

#include "dialects/Kernel/IR/KernelOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

using namespace mlir;

namespace {

struct RecordPass : PassWrapper<RecordPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(RecordPass)
  explicit RecordPass(std::string where) : where(std::move(where)) {}
  StringRef getArgument() const override { return "hook-recorder-record"; }
  void runOnOperation() override {
    bool tg = false, tk = false, llvmDialect = false;
    getOperation().walk([&](Operation *op) {
      StringRef dialect = op->getName().getDialectNamespace();
      tg |= dialect == "tg";
      tk |= dialect == "tk";
      llvmDialect |= dialect == "llvm";
    });
    llvm::errs() << "hook-recorder: " << where << " [" << (tg ? " tg" : "")
                 << (tk ? " tk" : "") << (llvmDialect ? " llvm" : "")
                 << " ]\n";
  }
  std::string where;
};

/// tessera-opt --test-plugin-mark: marks the module.
struct MarkPass : PassWrapper<MarkPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MarkPass)
  StringRef getArgument() const override { return "test-plugin-mark"; }
  StringRef getDescription() const override {
    return "Marks the module (the hook-recorder test plugin)";
  }
  void runOnOperation() override {
    getOperation()->setAttr("hook_recorder.marked",
                            UnitAttr::get(&getContext()));
  }
};

void registerHookRecorder(tessera::PluginRegistrar &registrar) {
  PassRegistration<MarkPass>();
  for (tessera::Phase phase : tessera::allPhases)
    for (tessera::HookPoint point :
         {tessera::HookPoint::Before, tessera::HookPoint::After}) {
      std::string where =
          std::string(point == tessera::HookPoint::Before ? "before "
                                                          : "after ") +
          tessera::phaseName(phase);
      registrar.addPasses(phase, point, [where](OpPassManager &pm) {
        pm.addPass(std::make_unique<RecordPass>(where));
      });
    }
  // Only the CUDA pipeline's: must never fire in a CPU compilation.
  registrar.addPasses(
      tessera::Phase::Codegen, tessera::HookPoint::Before,
      [](OpPassManager &pm) {
        pm.addPass(std::make_unique<RecordPass>("cuda-only codegen"));
      },
      tessera::PipelineTarget::CUDA);
  registrar.addKernelCostModel(
      [](tessera::tk::MatmulOp kernel, const tessera::tk::CPUTarget &target) {
        int64_t lanes = target.vectorBits / 32;
        return tessera::tk::CPUTileAttr::get(kernel.getContext(), lanes,
                                             /*mr=*/4, /*nr=*/2 * lanes,
                                             /*kc=*/72, /*mc=*/40,
                                             /*parallel=*/false);
      });
}

} // namespace

TESSERA_DEFINE_PLUGIN("hook-recorder", "1.0", registerHookRecorder)
