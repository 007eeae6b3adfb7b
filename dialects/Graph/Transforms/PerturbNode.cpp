//===- PerturbNode.cpp - break one ONNX node on purpose (tests) -----------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Graph/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace tessera::tg {
#define GEN_PASS_DEF_PERTURBNODE
#include "dialects/Graph/Transforms/Passes.h.inc"
} // namespace tessera::tg

using namespace mlir;
using namespace tessera::tg;

namespace {

/// Whether `loc` is (or fuses) the location the importer gives node `name`.
bool comesFrom(Location loc, StringRef name) {
  if (auto named = dyn_cast<NameLoc>(loc))
    return named.getName() == name;
  if (auto fused = dyn_cast<FusedLoc>(loc))
    return llvm::any_of(fused.getLocations(),
                        [&](Location part) { return comesFrom(part, name); });
  return false;
}

struct PerturbNodePass : tessera::tg::impl::PerturbNodeBase<PerturbNodePass> {
  using PerturbNodeBase::PerturbNodeBase;

  void runOnOperation() override {
    if (node.empty()) {
      getOperation()->emitError("tg-perturb-node: no node given (node=NAME)");
      return signalPassFailure();
    }
    SmallVector<Operation *> targets;
    getOperation()->walk([&](Operation *op) {
      if (!isa<ConstantOp>(op) && op->getDialect() &&
          isa<TGDialect>(op->getDialect()) && comesFrom(op->getLoc(), node))
        targets.push_back(op);
    });
    int64_t perturbed = 0;
    for (Operation *op : targets) {
      OpBuilder builder(op->getContext());
      builder.setInsertionPointAfter(op);
      for (Value result : op->getResults()) {
        auto type = dyn_cast<RankedTensorType>(result.getType());
        if (!type || !isa<FloatType>(type.getElementType()) ||
            result.use_empty())
          continue;
        APFloat value(delta.getValue());
        bool losesInfo;
        value.convert(cast<FloatType>(type.getElementType()).getFloatSemantics(),
                      APFloat::rmNearestTiesToEven, &losesInfo);
        Value offset = ConstantOp::create(builder, op->getLoc(), type,
                                          DenseElementsAttr::get(type, value));
        auto add = AddOp::create(builder, op->getLoc(), type, result, offset);
        result.replaceAllUsesExcept(add.getResult(), add);
        ++perturbed;
      }
    }
    if (perturbed == 0) {
      getOperation()->emitError("tg-perturb-node: no used floating-point "
                                "result comes from node '")
          << node << "'";
      signalPassFailure();
    }
  }
};

} // namespace
