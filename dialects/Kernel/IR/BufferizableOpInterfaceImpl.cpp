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

struct MatmulOpInterface
    : DstBufferizableOpInterfaceExternalModel<MatmulOpInterface, MatmulOp> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    // The init is only written: the accumulator starts at zero.
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto matmul = cast<MatmulOp>(op);
    SmallVector<Value> buffers;
    for (Value operand : op->getOperands()) {
      FailureOr<Value> buffer = getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      buffers.push_back(*buffer);
    }
    rewriter.setInsertionPoint(op);
    auto bufferized = MatmulOp::create(
        rewriter, op->getLoc(), TypeRange{}, buffers[0], buffers[1],
        ArrayRef<Value>(buffers).slice(2, buffers.size() - 3), buffers.back(),
        matmul.getIndexingMaps(), matmul.getConfigAttr());
    rewriter.inlineRegionBefore(matmul.getEpilogue(), bufferized.getEpilogue(),
                                bufferized.getEpilogue().end());
    replaceOpWithBufferizedValues(rewriter, op, buffers.back());
    return success();
  }
};

} // namespace

void tessera::tk::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, TKDialect *) {
    MatmulOp::attachInterface<MatmulOpInterface>(*context);
  });
}
