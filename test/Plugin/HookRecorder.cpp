//===- HookRecorder.cpp - a test plugin that records where it ran ---------===//
//
// At every extension point of every phase it adds a pass that prints
// "hook-recorder: <before|after> <phase>" and the Tessera dialects it sees
// to stderr; its kernel cost model gives every tk.matmul a tile of its own
// (mc = 40, kc = 72, serial) so that a test sees the override, and its
// window cost model reports each kernel it is asked about and defers; it
// replaces Tessera's Relu converter by one that reports the node; it
// registers a dialect of its own (hook_recorder, which accepts any op) and
// one named pass (test-plugin-mark) for tessera-opt.
//
//===----------------------------------------------------------------------===//

#include "tessera/Plugin/Plugin.h"

#include "dialects/Graph/IR/GraphBuild.h"
#include "dialects/Kernel/IR/KernelOps.h"
#include "tessera/Import/OnnxConverter.h"

#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>
#include <string>

using namespace mlir;

namespace {

/// A dialect with no ops of its own that accepts any "hook_recorder.*" op.
class RecorderDialect : public Dialect {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(RecorderDialect)
  explicit RecorderDialect(MLIRContext *context)
      : Dialect(getDialectNamespace(), context, TypeID::get<RecorderDialect>()) {
    allowUnknownOperations();
  }
  static StringRef getDialectNamespace() { return "hook_recorder"; }
};

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
                 << " ]"
                 << (getContext().getLoadedDialect("hook_recorder")
                         ? " (dialect loaded)"
                         : "")
                 << "\n";
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

/// Replaces Tessera's Relu (every opset): the same tg.relu, reported.
LogicalResult convertRelu(tessera::OnnxNode &node) {
  llvm::errs() << "hook-recorder: converted " << node.opType() << " '"
               << node.name() << "' of domain " << node.domain() << " opset "
               << node.opset() << "\n";
  auto relu = tessera::tg::buildGraphOp<tessera::tg::ReluOp>(
      node.builder(), node.location(), {node.input(0)});
  if (failed(relu))
    return failure();
  return node.setOutputs({relu->front()});
}

void registerHookRecorder(tessera::PluginRegistrar &registrar) {
  PassRegistration<MarkPass>();
  registrar.addDialects([](DialectRegistry &registry) {
    registry.insert<RecorderDialect>();
  });
  registrar.addOnnxConverter({"ai.onnx", "Relu", 1,
                              std::numeric_limits<int64_t>::max(),
                              convertRelu});
  registrar.addWindowCostModel(
      [](Operation *kernel, const tessera::tk::CPUTarget &) {
        llvm::errs() << "hook-recorder: window cost model asked for "
                     << kernel->getName() << "\n";
        return tessera::tk::CPUWindowAttr();
      });
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
