//===- BufferizableOpInterfaceImpl.cpp - tk ops on tensors to memrefs -----===//
//
// Every tk op is destination-style: its tensor form bufferizes into the same
// op on the operands' buffers, writing the init's buffer in place, with the
// epilogue region moved over unchanged.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/Kernel/IR/KernelOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;
using namespace tessera::tk;

namespace {

/// A tk kernel op: its init is written in place, never read (the
/// accumulator starts at zero); every other operand is read.
template <typename OpTy>
struct KernelOpInterface
    : DstBufferizableOpInterfaceExternalModel<KernelOpInterface<OpTy>, OpTy> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  /// The same op on the operands' buffers, without results, the epilogue
  /// moved over.
  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    SmallVector<Value> buffers;
    for (Value operand : op->getOperands()) {
      FailureOr<Value> buffer = getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      buffers.push_back(*buffer);
    }
    rewriter.setInsertionPoint(op);
    OperationState bufferized(op->getLoc(), op->getName());
    bufferized.addOperands(buffers);
    bufferized.addAttributes(op->getAttrs());
    for (unsigned i = 0; i < op->getNumRegions(); ++i)
      bufferized.addRegion();
    Operation *newOp = rewriter.create(bufferized);
    for (unsigned i = 0; i < op->getNumRegions(); ++i)
      rewriter.inlineRegionBefore(op->getRegion(i), newOp->getRegion(i),
                                  newOp->getRegion(i).end());
    replaceOpWithBufferizedValues(rewriter, op, buffers.back());
    return success();
  }
};

} // namespace

void tessera::tk::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, TKDialect *) {
    MatmulOp::attachInterface<KernelOpInterface<MatmulOp>>(*context);
    AttentionOp::attachInterface<KernelOpInterface<AttentionOp>>(*context);
    ConvOp::attachInterface<KernelOpInterface<ConvOp>>(*context);
    PoolOp::attachInterface<KernelOpInterface<PoolOp>>(*context);
    FusionOp::attachInterface<KernelOpInterface<FusionOp>>(*context);
    ReduceOp::attachInterface<KernelOpInterface<ReduceOp>>(*context);
  });
}
