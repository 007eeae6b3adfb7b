//===- GraphBuild.cpp - create tg ops that may be invalid -----------------===//

#include "dialects/Graph/IR/GraphBuild.h"

#include "tessera/Support/Shape.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;

FailureOr<SmallVector<Value>> tessera::tg::finishGraphOp(OpBuilder &builder,
                                                         OperationState &state,
                                                         ArrayRef<Type> types) {
  // Sizes are checked before anything computes with them (a fold would
  // materialize the tensor).
  for (auto [i, type] : llvm::enumerate(types)) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || !tensor.getElementType().isIntOrIndexOrFloat())
      continue;
    unsigned bits = tensor.getElementType().isIndex()
                        ? 64
                        : tensor.getElementType().getIntOrFloatBitWidth();
    if (!fitsTensorLimit(
            Shape(tensor.getShape().begin(), tensor.getShape().end()), bits)) {
      emitError(state.location)
          << "'" << state.name << "' result " << i << " (" << type
          << ") would hold more than 2^48 bytes";
      return failure();
    }
  }
  state.addTypes(types);
  Operation *op = builder.create(state);
  // A rewriter's driver was told of the new op (its worklist holds it):
  // tell it the op is gone before it is.
  auto erase = [&] {
    if (auto *listener = dyn_cast_if_present<RewriterBase::Listener>(
            builder.getListener()))
      listener->notifyOperationErased(op);
    op->erase();
  };
  if (failed(mlir::verify(op))) {
    erase();
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
    erase();
    return values;
  }
  return SmallVector<Value>(op->getResults());
}
