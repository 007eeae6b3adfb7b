//===- GraphBuild.cpp - create tg ops that may be invalid -----------------===//

#include "dialects/Graph/IR/GraphBuild.h"

#include "mlir/IR/Verifier.h"

using namespace mlir;

FailureOr<SmallVector<Value>> tessera::tg::finishGraphOp(OpBuilder &builder,
                                                         OperationState &state,
                                                         ArrayRef<Type> types) {
  state.addTypes(types);
  Operation *op = builder.create(state);
  if (failed(mlir::verify(op))) {
    op->erase();
    return failure();
  }
  SmallVector<OpFoldResult> folded;
  if (succeeded(op->fold(folded)) && !folded.empty()) {
    SmallVector<Value> values;
    for (OpFoldResult fold : folded) {
      if (auto value = dyn_cast<Value>(fold)) {
        values.push_back(value);
        continue;
      }
      auto elements = cast<ElementsAttr>(cast<Attribute>(fold));
      values.push_back(ConstantOp::create(builder, op->getLoc(),
                                          elements.getType(), elements));
    }
    op->erase();
    return values;
  }
  return SmallVector<Value>(op->getResults());
}
