//===- DistinctResults.cpp - one value per returned tensor ----------------===//

#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace tessera {
#define GEN_PASS_DEF_DISTINCTRESULTS
#include "passes/Transforms/Passes.h.inc"
} // namespace tessera

using namespace mlir;

namespace {
struct DistinctResultsPass
    : tessera::impl::DistinctResultsBase<DistinctResultsPass> {
  void runOnOperation() override {
    getOperation().walk([](func::ReturnOp ret) {
      llvm::SmallPtrSet<Value, 8> seen;
      OpBuilder builder(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        Value value = operand.get();
        auto type = dyn_cast<RankedTensorType>(value.getType());
        if (!type || seen.insert(value).second)
          continue;
        Value empty = tensor::EmptyOp::create(
            builder, ret.getLoc(), type.getShape(), type.getElementType());
        operand.set(linalg::CopyOp::create(builder, ret.getLoc(), value, empty)
                        .getResult(0));
      }
    });
  }
};
} // namespace
