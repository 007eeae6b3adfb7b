//===- PatternsPass.cpp - a plugin's pattern set at its hook --------------===//
//
// Not in Passes.td: the pass exists only with a plugin's pattern callback,
// so it cannot be named on a command line.
//
//===----------------------------------------------------------------------===//

#include "lib/Plugin/Extensions.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace {

class PatternsPass
    : public PassWrapper<PatternsPass, OperationPass<ModuleOp>> {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(PatternsPass)

  explicit PatternsPass(tessera::PatternHook hook) : hook(std::move(hook)) {}
  PatternsPass(const PatternsPass &other)
      : PassWrapper(other), hook(other.hook) {}

  StringRef getArgument() const override { return "tessera-plugin-patterns"; }
  StringRef getDescription() const override {
    return "Applies a plugin's pattern set";
  }

  LogicalResult initialize(MLIRContext *context) override {
    RewritePatternSet set(context);
    hook(set);
    patterns = FrozenRewritePatternSet(std::move(set));
    return success();
  }

  void runOnOperation() override {
    if (failed(applyPatternsGreedily(getOperation(), patterns))) {
      getOperation().emitError(
          "a plugin's patterns did not converge (they keep rewriting)");
      signalPassFailure();
    }
  }

private:
  tessera::PatternHook hook;
  FrozenRewritePatternSet patterns;
};

} // namespace

std::unique_ptr<Pass>
tessera::plugin::createPatternsPass(PatternHook patterns) {
  return std::make_unique<PatternsPass>(std::move(patterns));
}
