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
tessera::tk::matchEpilogueConsumer(Operation *kernel, std::string &why,
                                   bool integers) {
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
      !(integers ? isElementwiseQuantizedBody(*generic.getBody())
                 : isElementwiseF32Body(*generic.getBody())))
    return fail("user is not elementwise");
  if (!generic.getBody()->getArguments().back().use_empty())
    return fail("user reads its output");
  Value init = generic.getDpsInits()[0];
  Type initType = cast<RankedTensorType>(init.getType()).getElementType();
  if (llvm::is_contained(generic.getDpsInputs(), init) ||
      llvm::is_contained(kernel->getOperands(), init) ||
      !(initType.isF32() ||
        (integers && (initType.isSignlessInteger(8) ||
                      initType.isSignlessInteger(16) ||
                      initType.isSignlessInteger(32)))))
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
  Block &genericBody = *generic.getBody();
  while (static_cast<int64_t>(body.getNumArguments()) < needed) {
    int64_t next = body.getNumArguments();
    Type type = rewriter.getF32Type();
    for (auto [i, argument] : llvm::enumerate(argumentOf))
      if (argument == next)
        type = genericBody.getArgument(i).getType();
    body.addArgument(type, generic.getLoc());
  }
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

FailureOr<Reindex> tessera::tk::reindexOf(Value operand) {
  SmallVector<int64_t> dimOf;
  if (auto transpose = operand.getDefiningOp<linalg::TransposeOp>()) {
    // transposed[j] = input[perm[j]]: the input's dim perm[j] is read as
    // the transposed operand's dim j.
    ArrayRef<int64_t> perm = transpose.getPermutation();
    dimOf.assign(perm.size(), -1);
    for (auto [j, p] : llvm::enumerate(perm))
      dimOf[p] = j;
    return Reindex(transpose.getInput(), dimOf);
  }
  if (auto collapse = operand.getDefiningOp<tensor::CollapseShapeOp>()) {
    // A collapse that only merges unit dims into a dim (how Einsum drops
    // a batch of 1): each group's one dim of extent > 1 (or its first) is
    // read as the collapsed dim, the others at 0.
    auto sourceType = collapse.getSrcType();
    if (!sourceType.hasStaticShape())
      return failure();
    dimOf.assign(sourceType.getRank(), -1);
    for (auto [g, group] : llvm::enumerate(collapse.getReassociationIndices())) {
      int64_t chosen = group.front(), wide = 0;
      for (int64_t d : group)
        if (sourceType.getDimSize(d) != 1) {
          chosen = d;
          ++wide;
        }
      if (wide > 1)
        return failure();
      dimOf[chosen] = g;
    }
    return Reindex(collapse.getSrc(), dimOf);
  }
  if (auto broadcast = operand.getDefiningOp<linalg::BroadcastOp>()) {
    int64_t rank = cast<RankedTensorType>(operand.getType()).getRank();
    for (int64_t j = 0; j < rank; ++j)
      if (!llvm::is_contained(broadcast.getDimensions(), j))
        dimOf.push_back(j);
    return Reindex(broadcast.getInput(), dimOf);
  }
  auto generic = operand.getDefiningOp<linalg::GenericOp>();
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !generic.getIndexingMapsArray().back().isIdentity())
    return failure();
  Block &body = *generic.getBody();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (body.getOperations().size() != 1 ||
      yield.getValues()[0] != body.getArgument(0))
    return failure();
  Value source = generic.getDpsInputs()[0];
  auto sourceType = dyn_cast<RankedTensorType>(source.getType());
  if (!sourceType || !sourceType.hasStaticShape())
    return failure();
  AffineMap map = generic.getIndexingMapsArray().front();
  for (auto [r, expr] : llvm::enumerate(map.getResults())) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
      dimOf.push_back(dim.getPosition());
      continue;
    }
    auto constant = dyn_cast<AffineConstantExpr>(expr);
    if (!constant || constant.getValue() != 0 || sourceType.getDimSize(r) != 1)
      return failure();
    dimOf.push_back(-1);
  }
  return Reindex(source, dimOf);
}
