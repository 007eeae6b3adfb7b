//===- NativeMath.cpp - libdevice calls PTX has an instruction for --------===//
//
// convert-libdevice-to-intrinsics, on a gpu.module after
// convert-gpu-to-nvvm: that conversion lowers every math op (fma and sqrt
// included) to a call of libdevice's __nv_* functions, and libdevice is a
// file of the CUDA toolkit. The calls whose function PTX has an
// instruction for (fma, sqrt, abs, the roundings, copysign, fmin/fmax)
// become the LLVM intrinsic of the same meaning, which the NVPTX back end
// selects directly; rsqrt becomes a correctly rounded division by the square
// root. The PTX of a model with no transcendental function left after
// tessera-approximate-math then depends on nothing found on the compiling
// machine.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSwitch.h"

namespace tessera {
#define GEN_PASS_DEF_CONVERTLIBDEVICETOINTRINSICS
#include "passes/Conversion/Passes.h.inc"
} // namespace tessera

using namespace mlir;

namespace {

enum class Native {
  None,
  Fma,
  Sqrt,
  Rsqrt,
  Abs,
  Floor,
  Ceil,
  Trunc,
  Rint,
  Round,
  CopySign,
  Max,
  Min
};

/// The instruction a libdevice function is, f32 (`...f`) or f64.
Native nativeOf(StringRef name) {
  if (!name.consume_front("__nv_"))
    return Native::None;
  name.consume_back("f");
  return llvm::StringSwitch<Native>(name)
      .Case("fma", Native::Fma)
      .Case("sqrt", Native::Sqrt)
      .Case("rsqrt", Native::Rsqrt)
      .Case("fabs", Native::Abs)
      .Case("floor", Native::Floor)
      .Case("ceil", Native::Ceil)
      .Case("trunc", Native::Trunc)
      .Case("rint", Native::Rint)
      .Case("nearbyint", Native::Rint)
      .Case("round", Native::Round)
      .Case("copysign", Native::CopySign)
      .Case("fmax", Native::Max)
      .Case("fmin", Native::Min)
      .Default(Native::None);
}

struct LibdeviceCallToIntrinsic : OpRewritePattern<LLVM::CallOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LLVM::CallOp call,
                                PatternRewriter &rewriter) const override {
    std::optional<StringRef> callee = call.getCallee();
    if (!callee)
      return rewriter.notifyMatchFailure(call, "an indirect call");
    Native native = nativeOf(*callee);
    if (native == Native::None)
      return rewriter.notifyMatchFailure(call, "not a libdevice function "
                                               "PTX has an instruction for");
    if (call.getNumResults() != 1)
      return rewriter.notifyMatchFailure(call, "no single result");
    Type type = call.getResult().getType();
    if (!type.isF32() && !type.isF64())
      return rewriter.notifyMatchFailure(call, "not f32 or f64");
    ValueRange args = call.getArgOperands();
    unsigned arity = native == Native::Fma ? 3
                     : native == Native::CopySign || native == Native::Max ||
                             native == Native::Min
                         ? 2
                         : 1;
    if (args.size() != arity ||
        !llvm::all_of(args.getTypes(), [&](Type t) { return t == type; }))
      return rewriter.notifyMatchFailure(call, "unexpected signature");
    Location loc = call.getLoc();
    Value result;
    switch (native) {
    case Native::Fma:
      result = LLVM::FMAOp::create(rewriter, loc, args[0], args[1], args[2]);
      break;
    case Native::Sqrt:
      result = LLVM::SqrtOp::create(rewriter, loc, args[0]);
      break;
    case Native::Rsqrt: {
      Value one = LLVM::ConstantOp::create(rewriter, loc, type,
                                           rewriter.getFloatAttr(type, 1.0));
      Value root = LLVM::SqrtOp::create(rewriter, loc, args[0]);
      result = LLVM::FDivOp::create(rewriter, loc, one, root);
      break;
    }
    case Native::Abs:
      result = LLVM::FAbsOp::create(rewriter, loc, args[0]);
      break;
    case Native::Floor:
      result = LLVM::FFloorOp::create(rewriter, loc, args[0]);
      break;
    case Native::Ceil:
      result = LLVM::FCeilOp::create(rewriter, loc, args[0]);
      break;
    case Native::Trunc:
      result = LLVM::FTruncOp::create(rewriter, loc, args[0]);
      break;
    case Native::Rint:
      result = LLVM::RoundEvenOp::create(rewriter, loc, args[0]);
      break;
    case Native::Round:
      result = LLVM::RoundOp::create(rewriter, loc, args[0]);
      break;
    case Native::CopySign:
      result = LLVM::CopySignOp::create(rewriter, loc, args[0], args[1]);
      break;
    case Native::Max: // fmax: the number when one operand is NaN
      result = LLVM::MaxNumOp::create(rewriter, loc, args[0], args[1]);
      break;
    case Native::Min:
      result = LLVM::MinNumOp::create(rewriter, loc, args[0], args[1]);
      break;
    case Native::None:
      break;
    }
    rewriter.replaceOp(call, result);
    return success();
  }
};

struct ConvertLibdeviceToIntrinsicsPass
    : tessera::impl::ConvertLibdeviceToIntrinsicsBase<
          ConvertLibdeviceToIntrinsicsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LibdeviceCallToIntrinsic>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // The declarations no call is left to.
    SmallVector<LLVM::LLVMFuncOp> unused;
    getOperation()->walk([&](LLVM::LLVMFuncOp function) {
      if (function.isExternal() &&
          nativeOf(function.getName()) != Native::None &&
          SymbolTable::symbolKnownUseEmpty(function, getOperation()))
        unused.push_back(function);
    });
    for (LLVM::LLVMFuncOp function : unused)
      function.erase();
  }
};

} // namespace
