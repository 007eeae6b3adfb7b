//===- DistinctConstants.cpp - one tensor constant per use ----------------===//

#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace tessera {
#define GEN_PASS_DEF_DISTINCTCONSTANTS
#include "passes/Transforms/Passes.h.inc"
} // namespace tessera

using namespace mlir;

namespace {
struct DistinctConstantsPass
    : tessera::impl::DistinctConstantsBase<DistinctConstantsPass> {
  using DistinctConstantsBase::DistinctConstantsBase;

  void runOnOperation() override {
    SmallVector<arith::ConstantOp> shared;
    getOperation().walk([&](arith::ConstantOp constant) {
      if (isa<TensorType>(constant.getType()) &&
          constant.getResult().hasNUsesOrMore(static_cast<unsigned>(maxUses) + 1))
        shared.push_back(constant);
    });
    for (arith::ConstantOp constant : shared) {
      for (OpOperand &use : llvm::make_early_inc_range(constant->getUses())) {
        OpBuilder builder(use.getOwner());
        use.set(builder.clone(*constant)->getResult(0));
      }
      constant->erase();
    }
  }
};
} // namespace
