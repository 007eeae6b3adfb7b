//===- Formation.cpp - what the kernel formation patterns share -----------===//

#include "dialects/Kernel/Transforms/Formation.h"
#include "dialects/Kernel/IR/KernelOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace tessera::tk;

Value tessera::tk::emptyLike(OpBuilder &builder, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return tensor::EmptyOp::create(builder, loc, type.getShape(),
                                 type.getElementType());
}

FailureOr<EpilogueConsumer>
tessera::tk::matchEpilogueConsumer(Operation *kernel, std::string &why) {
  auto fail = [&](const char *reason) -> FailureOr<EpilogueConsumer> {
    why = reason;
    return failure();
  };
  if (kernel->getNumResults() != 1)
    return fail("not on tensors");
  Value result = kernel->getResult(0);
  if (result.use_empty())
    return fail("result is unused");
  auto generic = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
  if (!generic || llvm::any_of(result.getUsers(), [&](Operation *user) {
        return user != generic;
      }))
    return fail("result has other users");
  if (!generic.hasPureTensorSemantics() || generic.getNumDpsInits() != 1 ||
      generic.getNumReductionLoops() != 0 ||
      !isElementwiseF32Body(*generic.getBody()))
    return fail("user is not elementwise");
  if (!generic.getBody()->getArguments().back().use_empty())
    return fail("user reads its output");
  Value init = generic.getDpsInits()[0];
  if (llvm::is_contained(generic.getDpsInputs(), init) ||
      llvm::is_contained(kernel->getOperands(), init) ||
      !cast<RankedTensorType>(init.getType()).getElementType().isF32())
    return fail("user writes into an operand");
  EpilogueConsumer consumer{generic, AffineMap()};
  for (OpOperand *input : generic.getDpsInputOperands())
    if (input->get() == result) {
      AffineMap map = generic.getMatchingIndexingMap(input);
      if (consumer.resultMap && consumer.resultMap != map)
        return fail("result read two ways");
      consumer.resultMap = map;
    }
  return consumer;
}

void tessera::tk::appendEpilogue(RewriterBase &rewriter, Block &body,
                                 linalg::GenericOp generic, Value result,
                                 ArrayRef<int64_t> argumentOf) {
  auto yield = cast<YieldOp>(body.getTerminator());
  Value acc = yield.getValue();
  int64_t needed = 1;
  for (int64_t argument : argumentOf)
    needed = std::max(needed, argument + 1);
  while (static_cast<int64_t>(body.getNumArguments()) < needed)
    body.addArgument(rewriter.getF32Type(), generic.getLoc());
  Block &genericBody = *generic.getBody();
  IRMapping mapping;
  for (auto [i, argument] :
       llvm::enumerate(genericBody.getArguments().drop_back()))
    mapping.map(argument, argumentOf[i] == 0 ? acc
                                             : body.getArgument(argumentOf[i]));
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(yield);
  for (Operation &nested : genericBody.without_terminator())
    rewriter.clone(nested, mapping);
  Value finished =
      mapping.lookupOrDefault(genericBody.getTerminator()->getOperand(0));
  rewriter.modifyOpInPlace(yield,
                           [&] { yield.getValueMutable().assign(finished); });
}
