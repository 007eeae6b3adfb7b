//===- GraphToLinalg.cpp - the convert-tg-to-linalg pass ------------------===//

#include "dialects/Graph/IR/GraphDialect.h"
#include "dialects/Kernel/IR/KernelDialect.h"
#include "passes/Conversion/GraphToLinalg/LoweringUtils.h"
#include "passes/Conversion/GraphToLinalg/Patterns.h"
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

namespace tessera {
#define GEN_PASS_DEF_CONVERTGRAPHTOLINALG
#include "passes/Conversion/Passes.h.inc"
} // namespace tessera

using namespace mlir;

void tessera::populateGraphToLinalgTypeConversion(TypeConverter &converter) {
  converter.addConversion([](Type type) { return type; });
  converter.addConversion([](RankedTensorType type) -> Type {
    // Quantized tensors become their storage integers.
    if (auto quantized =
            dyn_cast<quant::QuantizedType>(type.getElementType()))
      return type.clone(IntegerType::get(
          type.getContext(), quantized.getStorageTypeIntegralWidth()));
    auto integer = dyn_cast<IntegerType>(type.getElementType());
    if (!integer || integer.isSignless())
      return type;
    return type.clone(IntegerType::get(type.getContext(), integer.getWidth()));
  });
}

void tessera::populateGraphToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  lowering::populateElementwiseLoweringPatterns(converter, patterns);
  lowering::populateContractionLoweringPatterns(converter, patterns);
  lowering::populateReductionLoweringPatterns(converter, patterns);
  lowering::populateDataMovementLoweringPatterns(converter, patterns);
  lowering::populateResizeLoweringPatterns(converter, patterns);
  lowering::populateIndexingLoweringPatterns(converter, patterns);
  lowering::populateBoundedLoweringPatterns(converter, patterns);
  lowering::populateQuantizedLoweringPatterns(converter, patterns);
}

namespace {
struct ConvertGraphToLinalgPass
    : tessera::impl::ConvertGraphToLinalgBase<ConvertGraphToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    TypeConverter converter;
    tessera::populateGraphToLinalgTypeConversion(converter);

    RewritePatternSet patterns(context);
    tessera::populateGraphToLinalgConversionPatterns(converter, patterns);
    // Function signatures and returns lose unsigned element types too.
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);

    ConversionTarget target(*context);
    target.addIllegalDialect<tessera::tg::TGDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, memref::MemRefDialect,
                           scf::SCFDialect, tensor::TensorDialect>();
    // Functions, calls and returns are legal once their types are.
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return converter.isLegal(op); });
    // Everything else that is not tg (module, other dialects) is untouched.
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });

    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
