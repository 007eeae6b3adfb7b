//===- KernelOps.cpp - tk operations --------------------------------------===//

#include "dialects/Kernel/IR/KernelOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"

#include <algorithm>

using namespace mlir;
using namespace tessera::tk;

//===----------------------------------------------------------------------===//
// Linear map results
//===----------------------------------------------------------------------===//

static LogicalResult collectTerms(AffineExpr expr,
                                  SmallVectorImpl<LinearTerm> &terms) {
  if (auto constant = dyn_cast<AffineConstantExpr>(expr))
    return success(constant.getValue() == 0);
  if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
    terms.push_back({dim.getPosition(), 1});
    return success();
  }
  auto binary = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!binary)
    return failure();
  if (binary.getKind() == AffineExprKind::Add)
    return success(succeeded(collectTerms(binary.getLHS(), terms)) &&
                   succeeded(collectTerms(binary.getRHS(), terms)));
  if (binary.getKind() != AffineExprKind::Mul)
    return failure();
  auto dim = dyn_cast<AffineDimExpr>(binary.getLHS());
  auto factor = dyn_cast<AffineConstantExpr>(binary.getRHS());
  if (!dim || !factor || factor.getValue() <= 0)
    return failure();
  terms.push_back({dim.getPosition(), factor.getValue()});
  return success();
}

FailureOr<SmallVector<LinearTerm>> tessera::tk::linearTerms(AffineExpr expr) {
  SmallVector<LinearTerm> terms;
  if (failed(collectTerms(expr, terms)))
    return failure();
  llvm::sort(terms, [](const LinearTerm &a, const LinearTerm &b) {
    return a.coefficient < b.coefficient;
  });
  for (size_t i = 0; i < terms.size(); ++i)
    for (size_t j = i + 1; j < terms.size(); ++j)
      if (terms[i].dim == terms[j].dim)
        return failure();
  return terms;
}

bool tessera::tk::isElementwiseF32Body(Block &body) {
  for (Operation &op : body.without_terminator()) {
    if (auto constant = dyn_cast<arith::ConstantOp>(op))
      if (constant.getType().isIntOrFloat())
        continue;
    if (op.getNumRegions() || !OpTrait::hasElementwiseMappableTraits(&op) ||
        !isMemoryEffectFree(&op))
      return false;
    for (Type type :
         llvm::concat<const Type>(op.getOperandTypes(), op.getResultTypes()))
      if (!type.isF32() && !type.isInteger(1))
        return false;
  }
  return true;
}

AffineExpr tessera::tk::buildLinear(ArrayRef<LinearTerm> terms,
                                    MLIRContext *context) {
  AffineExpr sum = getAffineConstantExpr(0, context);
  for (const LinearTerm &term : terms)
    sum = sum + getAffineDimExpr(term.dim, context) * term.coefficient;
  return sum;
}

static std::string str(AffineExpr expr) {
  std::string text;
  llvm::raw_string_ostream os(text);
  expr.print(os);
  return text;
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

SmallVector<int64_t> MatmulOp::getLoopSizes() {
  SmallVector<int64_t> sizes(getNumLoops(), ShapedType::kDynamic);
  for (auto [operand, map] :
       llvm::zip(getOperation()->getOperands(), getIndexingMapsArray())) {
    auto type = cast<ShapedType>(operand.getType());
    for (auto [position, expr] : llvm::enumerate(map.getResults()))
      if (auto dim = dyn_cast<AffineDimExpr>(expr))
        if (sizes[dim.getPosition()] == ShapedType::kDynamic)
          sizes[dim.getPosition()] = type.getDimSize(position);
  }
  return sizes;
}

void MatmulOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &operand : getOperation()->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (&operand == &getInitMutable())
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

LogicalResult MatmulOp::verify() {
  SmallVector<AffineMap> maps = getIndexingMapsArray();
  Operation *op = getOperation();
  int64_t operands = op->getNumOperands();
  if (static_cast<int64_t>(maps.size()) != operands)
    return emitOpError("expects one indexing map per operand (")
           << operands << "), got " << maps.size();
  int64_t loops = maps.front().getNumDims();
  if (loops < 3)
    return emitOpError("expects at least 3 loops (m, n, k), got ") << loops;

  bool tensors = isa<RankedTensorType>(getInit().getType());
  for (Value value : op->getOperands()) {
    auto type = cast<ShapedType>(value.getType());
    if (isa<RankedTensorType>(type) != tensors)
      return emitOpError("expects all operands to be tensors or all memrefs");
    if (!type.hasStaticShape())
      return emitOpError("expects static shapes, got ") << type;
  }
  if (tensors != (getNumResults() == 1))
    return emitOpError(tensors ? "on tensors returns one result"
                               : "on memrefs returns no result");
  if (tensors && getResult().front().getType() != getInit().getType())
    return emitOpError("result type ")
           << getResult().front().getType() << " differs from init type "
           << getInit().getType();

  int64_t m = getMDim(), n = getNDim(), k = getKDim();
  int64_t initIndex = operands - 1;
  auto role = [&](int64_t index) -> std::string {
    if (index == 0)
      return "lhs";
    if (index == 1)
      return "rhs";
    if (index == initIndex)
      return "init";
    return "epilogue input " + std::to_string(index - 2);
  };
  // Linear results; which loops each operand may read.
  SmallVector<SmallVector<SmallVector<LinearTerm>>> terms;
  for (auto [index, map] : llvm::enumerate(maps)) {
    auto type = cast<ShapedType>(op->getOperand(index).getType());
    if (map.getNumDims() != loops || map.getNumSymbols() != 0)
      return emitOpError("map of ")
             << role(index) << " must have " << loops << " dims and no symbols";
    if (map.getNumResults() != type.getRank())
      return emitOpError("map of ") << role(index) << " has "
                                    << map.getNumResults()
                                    << " results for an operand of rank "
                                    << type.getRank();
    auto &operandTerms = terms.emplace_back();
    for (AffineExpr expr : map.getResults()) {
      FailureOr<SmallVector<LinearTerm>> linear = linearTerms(expr);
      if (failed(linear))
        return emitOpError("map of ")
               << role(index) << " has result " << str(expr)
               << ", which is not 0 or a sum of distinct dims with positive "
                  "coefficients";
      for (const LinearTerm &term : *linear) {
        int64_t forbidden = index == 0 ? n : index == 1 ? m : k;
        if (term.dim == forbidden)
          return emitOpError("map of ")
                 << role(index) << " must not read loop d" << forbidden;
      }
      operandTerms.push_back(*linear);
    }
  }
  // Every loop's extent, and every read in bounds.
  SmallVector<int64_t> sizes = getLoopSizes();
  for (int64_t d = 0; d < loops; ++d) {
    if (sizes[d] == ShapedType::kDynamic)
      return emitOpError("loop d")
             << d << " is not read whole by any operand (no map result is d"
             << d << ")";
    if (sizes[d] == 0)
      return emitOpError("loop d") << d << " is empty";
  }
  for (auto [index, operandTerms] : llvm::enumerate(terms)) {
    auto type = cast<ShapedType>(op->getOperand(index).getType());
    for (auto [position, linear] : llvm::enumerate(operandTerms)) {
      int64_t last = 0;
      for (const LinearTerm &term : linear)
        last += term.coefficient * (sizes[term.dim] - 1);
      if (last >= type.getDimSize(position))
        return emitOpError("map of ")
               << role(index) << " reads index " << last << " of dim "
               << position << ", whose size is " << type.getDimSize(position);
    }
  }
  // The output map is a bijection: every non-reduction loop once, each
  // result a mixed-radix number covering its dim exactly.
  SmallVector<int64_t> seen(loops, 0);
  auto initType = cast<ShapedType>(getInit().getType());
  for (auto [position, linear] : llvm::enumerate(terms.back())) {
    int64_t coefficient = 1;
    for (const LinearTerm &term : linear) {
      ++seen[term.dim];
      if (sizes[term.dim] == 1)
        continue; // always index 0: its coefficient does not matter
      if (term.coefficient != coefficient)
        return emitOpError("init map result ")
               << str(maps.back().getResult(position))
               << " is not a mixed-radix combination of its loops";
      coefficient *= sizes[term.dim];
    }
    if (coefficient != initType.getDimSize(position))
      return emitOpError("init map result ")
             << str(maps.back().getResult(position)) << " covers " << coefficient
             << " indices of dim " << position << ", whose size is "
             << initType.getDimSize(position);
  }
  for (int64_t d = 0; d < k; ++d)
    if (seen[d] > 1 || (seen[d] == 0 && sizes[d] != 1))
      return emitOpError("init map must use loop d") << d << " exactly once";

  Type elementType = getElementTypeOrSelf(getLhs().getType());
  if (getElementTypeOrSelf(getRhs().getType()) != elementType)
    return emitOpError("lhs and rhs element types differ");
  if (!elementType.isIntOrFloat())
    return emitOpError("expects integer or float operands");
  return success();
}

LogicalResult MatmulOp::verifyRegions() {
  Block &body = getEpilogue().front();
  int64_t expected = 1 + getEpilogueInputs().size();
  if (static_cast<int64_t>(body.getNumArguments()) != expected)
    return emitOpError("epilogue expects ")
           << expected << " arguments (the accumulator, then one per epilogue "
                          "input), got "
           << body.getNumArguments();
  Type elementType = getElementTypeOrSelf(getLhs().getType());
  if (body.getArgument(0).getType() != elementType)
    return emitOpError("epilogue accumulator must be ") << elementType;
  for (auto [argument, input] :
       llvm::zip(body.getArguments().drop_front(), getEpilogueInputs()))
    if (argument.getType() != getElementTypeOrSelf(input.getType()))
      return emitOpError("epilogue argument type ")
             << argument.getType() << " differs from its input's element type "
             << getElementTypeOrSelf(input.getType());
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("epilogue must end with tk.yield");
  Type outType = getElementTypeOrSelf(getInit().getType());
  if (yield.getValue().getType() != outType)
    return emitOpError("epilogue yields ")
           << yield.getValue().getType() << ", the output holds " << outType;
  for (Operation &nested : body.without_terminator())
    if (nested.getNumRegions() || !isMemoryEffectFree(&nested))
      return emitOpError("epilogue ops must be side-effect free and have no "
                         "regions, found ")
             << nested.getName();
  return success();
}

#define GET_OP_CLASSES
#include "dialects/Kernel/IR/KernelOps.cpp.inc"
