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

static bool isElementwiseBody(Block &body, bool integers) {
  for (Operation &op : body.without_terminator()) {
    if (auto constant = dyn_cast<arith::ConstantOp>(op))
      if (constant.getType().isIntOrFloat())
        continue;
    if (op.getNumRegions() || !OpTrait::hasElementwiseMappableTraits(&op) ||
        !isMemoryEffectFree(&op))
      return false;
    for (Type type :
         llvm::concat<const Type>(op.getOperandTypes(), op.getResultTypes()))
      if (!type.isF32() && !type.isInteger(1) &&
          !(integers && (type.isSignlessInteger(8) ||
                         type.isSignlessInteger(16) ||
                         type.isSignlessInteger(32))))
        return false;
  }
  return true;
}

bool tessera::tk::isElementwiseF32Body(Block &body) {
  return isElementwiseBody(body, /*integers=*/false);
}

bool tessera::tk::isElementwiseQuantizedBody(Block &body) {
  return isElementwiseBody(body, /*integers=*/true);
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

/// The extent of every loop of a kernel with linear operand maps: the size
/// of the first operand dim some map result reads as exactly that loop.
static SmallVector<int64_t> loopSizesOf(Operation *op,
                                        ArrayRef<AffineMap> maps) {
  SmallVector<int64_t> sizes(maps.front().getNumDims(), ShapedType::kDynamic);
  for (auto [operand, map] : llvm::zip(op->getOperands(), maps)) {
    auto type = cast<ShapedType>(operand.getType());
    for (auto [position, expr] : llvm::enumerate(map.getResults()))
      if (auto dim = dyn_cast<AffineDimExpr>(expr))
        if (sizes[dim.getPosition()] == ShapedType::kDynamic)
          sizes[dim.getPosition()] = type.getDimSize(position);
  }
  return sizes;
}

SmallVector<int64_t> MatmulOp::getLoopSizes() {
  return loopSizesOf(getOperation(), getIndexingMapsArray());
}

/// Reads of every memref operand but the init, a write of the init.
static void kernelEffects(
    Operation *op, OpOperand &init,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (&operand == &init)
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

void MatmulOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  kernelEffects(getOperation(), getInitMutable(), effects);
}

/// The rules every kernel's operands and epilogue follow: all tensors (one
/// result, of the init's type) or all memrefs (no result), static shapes.
static LogicalResult verifyKernelOperands(Operation *op, Value init) {
  bool tensors = isa<RankedTensorType>(init.getType());
  for (Value value : op->getOperands()) {
    auto type = cast<ShapedType>(value.getType());
    if (isa<RankedTensorType>(type) != tensors)
      return op->emitOpError(
          "expects all operands to be tensors or all memrefs");
    if (!type.hasStaticShape())
      return op->emitOpError("expects static shapes, got ") << type;
  }
  if (tensors != (op->getNumResults() == 1))
    return op->emitOpError(tensors ? "on tensors returns one result"
                                   : "on memrefs returns no result");
  if (tensors && op->getResult(0).getType() != init.getType())
    return op->emitOpError("result type ")
           << op->getResult(0).getType() << " differs from init type "
           << init.getType();
  return success();
}

/// The epilogue: (accumulator, one scalar per epilogue input) -> tk.yield
/// of the output's element type, side-effect-free ops without regions.
static LogicalResult verifyEpilogue(Operation *op, Block &body,
                                    Type accumulator,
                                    ValueRange epilogueInputs, Value init) {
  int64_t expected = 1 + epilogueInputs.size();
  if (static_cast<int64_t>(body.getNumArguments()) != expected)
    return op->emitOpError("epilogue expects ")
           << expected
           << " arguments (the accumulator, then one per epilogue input), got "
           << body.getNumArguments();
  if (body.getArgument(0).getType() != accumulator)
    return op->emitOpError("epilogue accumulator must be ") << accumulator;
  for (auto [argument, input] :
       llvm::zip(body.getArguments().drop_front(), epilogueInputs))
    if (argument.getType() != getElementTypeOrSelf(input.getType()))
      return op->emitOpError("epilogue argument type ")
             << argument.getType() << " differs from its input's element type "
             << getElementTypeOrSelf(input.getType());
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return op->emitOpError("epilogue must end with tk.yield");
  Type outType = getElementTypeOrSelf(init.getType());
  if (yield.getValue().getType() != outType)
    return op->emitOpError("epilogue yields ")
           << yield.getValue().getType() << ", the output holds " << outType;
  for (Operation &nested : body.without_terminator())
    if (nested.getNumRegions() || !isMemoryEffectFree(&nested))
      return op->emitOpError("epilogue ops must be side-effect free and have "
                             "no regions, found ")
             << nested.getName();
  return success();
}

/// The operands (verifyKernelOperands) and maps of a kernel over linear
/// loops (tk.matmul, tk.attention): one map per operand with `loops` dims, every result 0 or a sum of distinct dims
/// with positive coefficients, operand `index` reading no loop `reads`
/// refuses; every loop read whole by some result and non-empty; every read
/// in bounds; the init map (the last) a bijection from the loops it may
/// read onto the output, each result a mixed-radix combination.
static LogicalResult verifyLinearMaps(
    Operation *op, ArrayRef<AffineMap> maps, int64_t minLoops,
    StringRef loopNames, function_ref<std::string(int64_t)> role,
    function_ref<bool(int64_t index, int64_t dim, int64_t loops)> reads) {
  if (failed(verifyKernelOperands(op, op->getOperands().back())))
    return failure();
  int64_t operands = op->getNumOperands();
  if (static_cast<int64_t>(maps.size()) != operands)
    return op->emitOpError("expects one indexing map per operand (")
           << operands << "), got " << maps.size();
  int64_t loops = maps.front().getNumDims();
  if (loops < minLoops)
    return op->emitOpError("expects at least ")
           << minLoops << " loops " << loopNames << ", got " << loops;
  SmallVector<SmallVector<SmallVector<LinearTerm>>> terms;
  for (auto [index, map] : llvm::enumerate(maps)) {
    auto type = cast<ShapedType>(op->getOperand(index).getType());
    if (map.getNumDims() != loops || map.getNumSymbols() != 0)
      return op->emitOpError("map of ")
             << role(index) << " must have " << loops << " dims and no symbols";
    if (map.getNumResults() != type.getRank())
      return op->emitOpError("map of ")
             << role(index) << " has " << map.getNumResults()
             << " results for an operand of rank " << type.getRank();
    auto &operandTerms = terms.emplace_back();
    for (AffineExpr expr : map.getResults()) {
      FailureOr<SmallVector<LinearTerm>> linear = linearTerms(expr);
      if (failed(linear))
        return op->emitOpError("map of ")
               << role(index) << " has result " << str(expr)
               << ", which is not 0 or a sum of distinct dims with positive "
                  "coefficients";
      for (const LinearTerm &term : *linear)
        if (!reads(index, term.dim, loops))
          return op->emitOpError("map of ")
                 << role(index) << " must not read loop d" << term.dim;
      operandTerms.push_back(*linear);
    }
  }
  // Every loop's extent, and every read in bounds.
  SmallVector<int64_t> sizes = loopSizesOf(op, maps);
  for (int64_t d = 0; d < loops; ++d) {
    if (sizes[d] == ShapedType::kDynamic)
      return op->emitOpError("loop d")
             << d << " is not read whole by any operand (no map result is d"
             << d << ")";
    if (sizes[d] == 0)
      return op->emitOpError("loop d") << d << " is empty";
  }
  for (auto [index, operandTerms] : llvm::enumerate(terms)) {
    auto type = cast<ShapedType>(op->getOperand(index).getType());
    for (auto [position, linear] : llvm::enumerate(operandTerms)) {
      int64_t last = 0;
      for (const LinearTerm &term : linear)
        last += term.coefficient * (sizes[term.dim] - 1);
      if (last >= type.getDimSize(position))
        return op->emitOpError("map of ")
               << role(index) << " reads index " << last << " of dim "
               << position << ", whose size is " << type.getDimSize(position);
    }
  }
  // The output map is a bijection: every loop it may read once, each
  // result a mixed-radix number covering its dim exactly.
  SmallVector<int64_t> seen(loops, 0);
  int64_t initIndex = operands - 1;
  auto initType = cast<ShapedType>(op->getOperand(initIndex).getType());
  for (auto [position, linear] : llvm::enumerate(terms.back())) {
    int64_t coefficient = 1;
    for (const LinearTerm &term : linear) {
      ++seen[term.dim];
      if (sizes[term.dim] == 1)
        continue; // always index 0: its coefficient does not matter
      if (term.coefficient != coefficient)
        return op->emitOpError("init map result ")
               << str(maps.back().getResult(position))
               << " is not a mixed-radix combination of its loops";
      coefficient *= sizes[term.dim];
    }
    if (coefficient != initType.getDimSize(position))
      return op->emitOpError("init map result ")
             << str(maps.back().getResult(position)) << " covers "
             << coefficient << " indices of dim " << position
             << ", whose size is " << initType.getDimSize(position);
  }
  for (int64_t d = 0; d < loops; ++d)
    if (reads(initIndex, d, loops) &&
        (seen[d] > 1 || (seen[d] == 0 && sizes[d] != 1)))
      return op->emitOpError("init map must use loop d") << d << " exactly once";
  return success();
}

LogicalResult MatmulOp::verify() {
  int64_t initIndex = getOperation()->getNumOperands() - 1;
  auto role = [&](int64_t index) -> std::string {
    if (index == 0)
      return "lhs";
    if (index == 1)
      return "rhs";
    if (index == initIndex)
      return "init";
    return "epilogue input " + std::to_string(index - 2);
  };
  // lhs (b, m, k), rhs (b, n, k), epilogue inputs and init (b, m, n).
  auto reads = [&](int64_t index, int64_t dim, int64_t loops) {
    return dim != (index == 0 ? loops - 2 : index == 1 ? loops - 3 : loops - 1);
  };
  if (failed(verifyLinearMaps(getOperation(), getIndexingMapsArray(), 3,
                              "(m, n, k)", role, reads)))
    return failure();
  Type elementType = getElementTypeOrSelf(getLhs().getType());
  Type rhsType = getElementTypeOrSelf(getRhs().getType());
  bool int8 = elementType.isSignlessInteger(8) && rhsType.isSignlessInteger(8);
  if (rhsType != elementType)
    return emitOpError("lhs and rhs element types differ");
  if (!elementType.isIntOrFloat())
    return emitOpError("expects integer or float operands");
  if ((getLhsUnsigned() || getRhsUnsigned()) && !int8)
    return emitOpError("lhs_unsigned and rhs_unsigned apply to 8-bit "
                       "integer operands only");
  return success();
}

Type MatmulOp::getAccumulatorType() {
  Type elementType = getElementTypeOrSelf(getLhs().getType());
  if (elementType.isSignlessInteger(8))
    return IntegerType::get(getContext(), 32);
  return elementType;
}

LogicalResult MatmulOp::verifyRegions() {
  return verifyEpilogue(getOperation(), getEpilogue().front(),
                        getAccumulatorType(), getEpilogueInputs(), getInit());
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

SmallVector<int64_t> AttentionOp::getLoopSizes() {
  return loopSizesOf(getOperation(), getIndexingMapsArray());
}

void AttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  kernelEffects(getOperation(), getInitMutable(), effects);
}

bool AttentionOp::mayRead(int64_t index, int64_t operands, int64_t loops,
                          int64_t dim) {
  int64_t m = loops - 4, n = loops - 3, d = loops - 2, e = loops - 1;
  if (dim < m)
    return true;
  switch (index) {
  case 0:
    return dim == m || dim == d;
  case 1:
    return dim == n || dim == d;
  case 2:
    return dim == n || dim == e;
  default:
    return index == operands - 1 ? dim == m || dim == e
                                 : dim == m || dim == n;
  }
}

LogicalResult AttentionOp::verify() {
  Operation *op = getOperation();
  int64_t operands = op->getNumOperands();
  auto role = [&](int64_t index) -> std::string {
    switch (index) {
    case 0:
      return "query";
    case 1:
      return "key";
    case 2:
      return "value";
    default:
      return index == operands - 1
                 ? "init"
                 : "score input " + std::to_string(index - 3);
    }
  };
  auto reads = [&](int64_t index, int64_t dim, int64_t loops) {
    return mayRead(index, operands, loops, dim);
  };
  if (failed(verifyLinearMaps(op, getIndexingMapsArray(), 4, "(m, n, d, e)",
                              role, reads)))
    return failure();
  for (Value operand : op->getOperands())
    if (!getElementTypeOrSelf(operand.getType()).isF32())
      return emitOpError("expects f32 operands, got ") << operand.getType();
  return success();
}

LogicalResult AttentionOp::verifyRegions() {
  Block &body = getScore().front();
  if (failed(verifyEpilogue(getOperation(), body,
                            Float32Type::get(getContext()), getScoreInputs(),
                            getInit())))
    return failure();
  if (!isElementwiseF32Body(body))
    return emitOpError("score region must hold elementwise f32 ops");
  return success();
}

/// Epilogue maps (tk.conv, tk.pool): one per epilogue input, over the
/// output's dims, each result a dim or 0 (for a dim of size 1).
static LogicalResult verifyEpilogueMaps(Operation *op, ArrayAttr mapsAttr,
                                        ValueRange inputs, ShapedType outType) {
  int64_t rank = outType.getRank();
  ArrayRef<Attribute> maps = mapsAttr.getValue();
  if (maps.size() != inputs.size())
    return op->emitOpError("expects one epilogue map per epilogue input (")
           << inputs.size() << "), got " << maps.size();
  for (auto [index, attr, input] : llvm::enumerate(maps, inputs)) {
    AffineMap map = cast<AffineMapAttr>(attr).getValue();
    auto type = cast<ShapedType>(input.getType());
    if (map.getNumDims() != rank || map.getNumSymbols() ||
        map.getNumResults() != type.getRank())
      return op->emitOpError("epilogue map ")
             << index << " must map the " << rank
             << " output dims to the input's " << type.getRank() << " dims";
    for (auto [r, expr] : llvm::enumerate(map.getResults())) {
      if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
        if (type.getDimSize(r) != outType.getDimSize(dim.getPosition()))
          return op->emitOpError("epilogue input ")
                 << index << " dim " << r << " has size " << type.getDimSize(r)
                 << ", the output dim it reads "
                 << outType.getDimSize(dim.getPosition());
        continue;
      }
      auto constant = dyn_cast<AffineConstantExpr>(expr);
      if (!constant || constant.getValue() != 0 || type.getDimSize(r) != 1)
        return op->emitOpError("epilogue map ")
               << index << " result " << str(expr)
               << " must be an output dim, or 0 for a dim of size 1";
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// ConvOp
//===----------------------------------------------------------------------===//

void ConvOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  kernelEffects(getOperation(), getInitMutable(), effects);
}

LogicalResult ConvOp::verify() {
  Operation *op = getOperation();
  if (failed(verifyKernelOperands(op, getInit())))
    return failure();
  auto inputType = cast<ShapedType>(getInput().getType());
  auto filterType = cast<ShapedType>(getFilter().getType());
  auto outType = cast<ShapedType>(getInit().getType());
  int64_t rank = inputType.getRank(), spatial = rank - 2;
  if (spatial < 1)
    return emitOpError("expects at least one spatial dimension, got input ")
           << inputType;
  if (filterType.getRank() != rank || outType.getRank() != rank)
    return emitOpError("expects input, filter and init of one rank, got ")
           << inputType << ", " << filterType << ", " << outType;
  ArrayRef<int64_t> strides = getStrides(), dilations = getDilations(),
                    pads = getPads();
  if (static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(dilations.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial)
    return emitOpError("expects ")
           << spatial << " strides and dilations and " << 2 * spatial
           << " pads";
  if (llvm::any_of(strides, [](int64_t v) { return v < 1; }) ||
      llvm::any_of(dilations, [](int64_t v) { return v < 1; }) ||
      llvm::any_of(pads, [](int64_t v) { return v < 0; }))
    return emitOpError("expects positive strides and dilations and "
                       "non-negative pads");
  int64_t groups = getGroups();
  bool transposed = getTransposed();
  int64_t inChannels = inputType.getDimSize(1);
  int64_t outChannels = outType.getDimSize(1);
  // Filter: F x C/G x K (direct) or C x F/G x K (transposed).
  int64_t filterOuter = transposed ? inChannels : outChannels;
  int64_t filterInner = transposed ? outChannels : inChannels;
  if (groups < 1 || inChannels % groups || outChannels % groups)
    return emitOpError("groups (")
           << groups << ") must divide the input (" << inChannels
           << ") and output (" << outChannels << ") channels";
  if (filterType.getDimSize(0) != filterOuter ||
      filterType.getDimSize(1) != filterInner / groups)
    return emitOpError("filter ")
           << filterType << " must be "
           << (transposed ? "C x F/groups x K..." : "F x C/groups x K...")
           << " (" << filterOuter << " x " << filterInner / groups << ")";
  if (outType.getDimSize(0) != inputType.getDimSize(0))
    return emitOpError("input and output batch sizes differ");
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t in = inputType.getDimSize(i + 2), k = filterType.getDimSize(i + 2);
    int64_t out = outType.getDimSize(i + 2);
    int64_t extent = dilations[i] * (k - 1) + 1;
    if (in < 1 || k < 1 || out < 1)
      return emitOpError("expects non-empty spatial dimensions");
    if (transposed) {
      int64_t full = strides[i] * (in - 1) + extent - pads[i] - pads[i + spatial];
      int64_t outputPadding = out - full;
      if (outputPadding < 0 ||
          outputPadding >= std::max(strides[i], dilations[i]))
        return emitOpError("spatial dimension ")
               << i << ": output size " << out << " needs output padding "
               << outputPadding << ", which must lie in [0, "
               << std::max(strides[i], dilations[i]) << ")";
    } else {
      int64_t padded = in + pads[i] + pads[i + spatial];
      if (padded < extent || (padded - extent) / strides[i] + 1 != out)
        return emitOpError("spatial dimension ")
               << i << ": output size " << out << " does not match input "
               << in << ", window " << extent << ", stride " << strides[i]
               << " and pads";
    }
  }
  if (failed(verifyEpilogueMaps(op, getEpilogueMaps(), getEpilogueInputs(),
                                outType)))
    return failure();
  Type elementType = inputType.getElementType();
  if (filterType.getElementType() != elementType || !elementType.isF32())
    return emitOpError("expects f32 input and filter (the only type the "
                       "convolution kernels are generated for)");
  if (CPUWindowAttr config = getConfigAttr()) {
    if (config.getKernel() == WindowKernel::packed && !isDense1DOr2D())
      return emitOpError("the packed kernel runs dense 1-D or 2-D direct "
                         "convolutions only");
    if (config.getKernel() == WindowKernel::window && !isDepthwise())
      return emitOpError("the window kernel runs depthwise convolutions "
                         "only (one filter per channel)");
  }
  return success();
}

bool ConvOp::isDense1DOr2D() {
  return !getTransposed() && getGroups() == 1 &&
         (getNumSpatialDims() == 1 || getNumSpatialDims() == 2);
}

bool ConvOp::isDepthwise() {
  auto inputType = cast<ShapedType>(getInput().getType());
  auto filterType = cast<ShapedType>(getFilter().getType());
  auto outType = cast<ShapedType>(getInit().getType());
  int64_t groups = getGroups();
  return !getTransposed() && groups > 1 &&
         inputType.getDimSize(1) == groups && outType.getDimSize(1) == groups &&
         filterType.getDimSize(1) == 1;
}

LogicalResult ConvOp::verifyRegions() {
  return verifyEpilogue(getOperation(), getEpilogue().front(),
                        getElementTypeOrSelf(getInput().getType()),
                        getEpilogueInputs(), getInit());
}

//===----------------------------------------------------------------------===//
// PoolOp
//===----------------------------------------------------------------------===//

void PoolOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  kernelEffects(getOperation(), getInitMutable(), effects);
}

LogicalResult PoolOp::verify() {
  Operation *op = getOperation();
  if (failed(verifyKernelOperands(op, getInit())))
    return failure();
  auto inputType = cast<ShapedType>(getInput().getType());
  auto outType = cast<ShapedType>(getInit().getType());
  int64_t rank = inputType.getRank(), spatial = rank - 2;
  if (spatial < 1)
    return emitOpError("expects at least one spatial dimension, got input ")
           << inputType;
  if (outType.getRank() != rank)
    return emitOpError("expects input and init of one rank, got ")
           << inputType << ", " << outType;
  ArrayRef<int64_t> window = getWindow(), strides = getStrides(),
                    dilations = getDilations(), pads = getPads();
  if (static_cast<int64_t>(window.size()) != spatial ||
      static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(dilations.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial)
    return emitOpError("expects ")
           << spatial << " window sizes, strides and dilations and "
           << 2 * spatial << " pads";
  auto positive = [](int64_t v) { return v >= 1; };
  if (!llvm::all_of(window, positive) || !llvm::all_of(strides, positive) ||
      !llvm::all_of(dilations, positive) ||
      llvm::any_of(pads, [](int64_t v) { return v < 0; }))
    return emitOpError("expects positive window sizes, strides and dilations "
                       "and non-negative pads");
  if (outType.getDimSize(0) != inputType.getDimSize(0) ||
      outType.getDimSize(1) != inputType.getDimSize(1))
    return emitOpError("input and output differ in batch or channels");
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t in = inputType.getDimSize(i + 2), out = outType.getDimSize(i + 2);
    int64_t extent = dilations[i] * (window[i] - 1) + 1;
    if (in < 1 || out < 1)
      return emitOpError("expects non-empty spatial dimensions");
    int64_t padded = in + pads[i] + pads[i + spatial];
    // Floor mode gives the smallest output, ceil mode at most one more; no
    // window may start in the end padding.
    int64_t floor = padded < extent ? 0 : (padded - extent) / strides[i] + 1;
    if (out < floor || out > floor + 1 ||
        (out - 1) * strides[i] >= in + pads[i])
      return emitOpError("spatial dimension ")
             << i << ": output size " << out << " does not match input " << in
             << ", window " << extent << ", stride " << strides[i]
             << " and pads";
  }
  if (failed(verifyEpilogueMaps(op, getEpilogueMaps(), getEpilogueInputs(),
                                outType)))
    return failure();
  if (!inputType.getElementType().isF32() ||
      !outType.getElementType().isF32())
    return emitOpError("expects f32 input and output (the only type the "
                       "window kernels are generated for)");
  if (CPUWindowAttr config = getConfigAttr())
    if (config.getKernel() != WindowKernel::window)
      return emitOpError("pools run on the window kernel, not ")
             << stringifyWindowKernel(config.getKernel());
  return success();
}

LogicalResult PoolOp::verifyRegions() {
  return verifyEpilogue(getOperation(), getEpilogue().front(),
                        getElementTypeOrSelf(getInput().getType()),
                        getEpilogueInputs(), getInit());
}

//===----------------------------------------------------------------------===//
// FusionOp
//===----------------------------------------------------------------------===//

void FusionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  kernelEffects(getOperation(), getInitMutable(), effects);
}

LogicalResult FusionOp::verify() {
  Operation *op = getOperation();
  if (failed(verifyKernelOperands(op, getInit())))
    return failure();
  auto outType = cast<ShapedType>(getInit().getType());
  int64_t rank = outType.getRank();
  SmallVector<AffineMap> maps = getIndexingMapsArray();
  if (maps.size() != getInputs().size() + 1)
    return emitOpError("expects one map per input and one for init (")
           << getInputs().size() + 1 << "), got " << maps.size();
  for (auto [index, map] : llvm::enumerate(maps)) {
    Value operand = index < getInputs().size() ? getInputs()[index] : getInit();
    auto type = cast<ShapedType>(operand.getType());
    if (map.getNumDims() != rank || map.getNumSymbols() ||
        map.getNumResults() != type.getRank())
      return emitOpError("map ")
             << index << " must map the " << rank << " output dims to the "
             << type.getRank() << " dims of its operand";
    for (auto [r, expr] : llvm::enumerate(map.getResults())) {
      FailureOr<SmallVector<LinearTerm>> terms = linearTerms(expr);
      if (failed(terms))
        return emitOpError("map ")
               << index << " result " << str(expr)
               << " is not 0 or a sum of distinct dims with positive "
                  "coefficients";
      int64_t last = 0;
      for (const LinearTerm &term : *terms)
        last += term.coefficient * (outType.getDimSize(term.dim) - 1);
      if (last >= type.getDimSize(r))
        return emitOpError("map ")
               << index << " result " << str(expr) << " reaches index "
               << last << " of a dim of size " << type.getDimSize(r);
    }
  }
  if (!maps.back().isIdentity())
    return emitOpError("the init map must be the identity");
  return success();
}

LogicalResult FusionOp::verifyRegions() {
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError("body expects one argument per input (")
           << getInputs().size() << "), got " << body.getNumArguments();
  for (auto [argument, input] : llvm::zip(body.getArguments(), getInputs()))
    if (argument.getType() != getElementTypeOrSelf(input.getType()))
      return emitOpError("body argument type ")
             << argument.getType() << " differs from its input's element type "
             << getElementTypeOrSelf(input.getType());
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("body must end with tk.yield");
  Type outType = getElementTypeOrSelf(getInit().getType());
  if (yield.getValue().getType() != outType)
    return emitOpError("body yields ")
           << yield.getValue().getType() << ", the output holds " << outType;
  for (Operation &nested : body.without_terminator())
    if (nested.getNumRegions() || !isMemoryEffectFree(&nested) ||
        llvm::any_of(nested.getResultTypes(),
                     [](Type type) { return !type.isIntOrIndexOrFloat(); }))
      return emitOpError("body ops must be scalar, side-effect free and have "
                         "no regions, found ")
             << nested.getName();
  return success();
}

//===----------------------------------------------------------------------===//
// ReduceOp
//===----------------------------------------------------------------------===//

void ReduceOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  kernelEffects(getOperation(), getInitMutable(), effects);
}

LogicalResult ReduceOp::verify() {
  if (failed(verifyKernelOperands(getOperation(), getInit())))
    return failure();
  auto type = cast<ShapedType>(getInput().getType());
  if (getInit().getType() != getInput().getType() &&
      cast<ShapedType>(getInit().getType()).getShape() != type.getShape())
    return emitOpError("init shape differs from the input's");
  if (!type.getElementType().isF32() ||
      !getElementTypeOrSelf(getInit().getType()).isF32())
    return emitOpError("expects f32 tensors (the only type the row kernels "
                       "are generated for)");
  int64_t rank = type.getRank(), axis = getAxis();
  if (axis < 0 || axis >= rank)
    return emitOpError("axis ") << axis << " out of range for rank " << rank;
  bool layerNorm = getKind() == RowKind::layer_norm;
  bool rmsNorm = getKind() == RowKind::rms_norm;
  bool norm = layerNorm || rmsNorm;
  size_t params = getParameters().size();
  if (!norm && params)
    return emitOpError("softmax kernels take no parameters");
  if (layerNorm && (params < 1 || params > 2))
    return emitOpError("layer_norm takes a scale and an optional bias, got ")
           << params << " parameters";
  if (rmsNorm && params > 1)
    return emitOpError("rms_norm takes an optional scale, got ")
           << params << " parameters";
  ArrayRef<int64_t> normalized = type.getShape().drop_front(axis);
  for (Value param : getParameters()) {
    auto paramType = cast<ShapedType>(param.getType());
    if (paramType.getShape() != normalized ||
        !paramType.getElementType().isF32())
      return emitOpError("norm parameters must be f32 shaped as the "
                         "normalised dimensions, got ")
             << paramType;
  }
  if (norm && !(getEpsilon().convertToFloat() >= 0))
    return emitOpError("epsilon must be non-negative");
  return success();
}

#define GET_OP_CLASSES
#include "dialects/Kernel/IR/KernelOps.cpp.inc"
