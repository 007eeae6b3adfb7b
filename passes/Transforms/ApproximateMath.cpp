//===- ApproximateMath.cpp - transcendental functions without libm --------===//
//
// The f32 transcendental `math` ops of hot loops become arithmetic that
// vectorizes: upstream's polynomial approximations (exp, expm1, log, log1p,
// log2, tanh, erf, erfc; log and log2 made safe for subnormal inputs here),
// the algebraic forms of pow with a constant exponent, and a general pow
// built here (below) with the sign and special cases of C's powf. The
// accuracy of each, measured against a correctly rounded reference over the
// whole float range, is in docs/kernels.md; test/Integration/math-accuracy.test
// keeps it.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <limits>
#include <type_traits>

namespace tessera {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "passes/Transforms/Passes.h.inc"
} // namespace tessera

using namespace mlir;

namespace {

bool isF32(Type type) { return getElementTypeOrSelf(type).isF32(); }

/// `scalar` as a constant of `type`'s shape: itself for a scalar type, a
/// splat of it for a vector.
Value constantLike(OpBuilder &b, Location loc, Type type, TypedAttr scalar) {
  auto shaped = dyn_cast<ShapedType>(type);
  TypedAttr value =
      shaped ? cast<TypedAttr>(DenseElementsAttr::get(
                   shaped.clone(scalar.getType()), cast<Attribute>(scalar)))
             : scalar;
  return arith::ConstantOp::create(b, loc, value);
}

Value splat(OpBuilder &b, Location loc, Type type, float value) {
  return constantLike(b, loc, type, b.getF32FloatAttr(value));
}

Value splatInt(OpBuilder &b, Location loc, Type type, int32_t value) {
  return constantLike(b, loc, type, b.getI32IntegerAttr(value));
}

/// powf(x, y) for a run-time exponent: exp(y * log|x|), then C's cases:
/// a negative base gives the result's sign from an odd integer exponent
/// and NaN for a non-integer one; pow(x, 0) and pow(1, y) are 1, also for
/// NaN; pow(-1, +-inf) is 1. Zero and infinite bases follow from exp and
/// log of 0 and inf. The relative error grows with |y * log|x||: it is
/// the exp approximation's at the result, plus log's times that product.
struct GeneralPowF : OpRewritePattern<math::PowFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::PowFOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!isF32(type))
      return rewriter.notifyMatchFailure(op, "only f32 pow is approximated");
    Location loc = op.getLoc();
    Value x = op.getLhs(), y = op.getRhs();
    Type intType = rewriter.getI32Type();
    if (auto shaped = dyn_cast<ShapedType>(type))
      intType = shaped.clone(rewriter.getI32Type());
    auto cmpf = [&](arith::CmpFPredicate p, Value a, Value b) -> Value {
      return arith::CmpFOp::create(rewriter, loc, p, a, b);
    };
    auto select = [&](Value c, Value a, Value b) -> Value {
      return arith::SelectOp::create(rewriter, loc, c, a, b);
    };
    Value zero = splat(rewriter, loc, type, 0.0f);
    Value one = splat(rewriter, loc, type, 1.0f);
    Value absX = math::AbsFOp::create(rewriter, loc, x);
    Value product = arith::MulFOp::create(
        rewriter, loc, y, math::LogOp::create(rewriter, loc, absX));
    Value magnitude = math::ExpOp::create(rewriter, loc, product);

    // Integer exponents: every float of magnitude >= 2^24 is an even
    // integer; below, converting to i32 and back is exact for integers.
    Value absY = math::AbsFOp::create(rewriter, loc, y);
    Value small = cmpf(arith::CmpFPredicate::OLT, absY,
                       splat(rewriter, loc, type, 16777216.0f));
    Value clamped = select(small, y, zero);
    Value asInt = arith::FPToSIOp::create(rewriter, loc, intType, clamped);
    Value back = arith::SIToFPOp::create(rewriter, loc, type, asInt);
    Value large = arith::XOrIOp::create(
        rewriter, loc, small,
        constantLike(rewriter, loc, small.getType(), rewriter.getBoolAttr(true)));
    Value exact = cmpf(arith::CmpFPredicate::OEQ, back, clamped);
    Value isInt = arith::OrIOp::create(rewriter, loc, large, exact);
    Value oddBit = arith::AndIOp::create(rewriter, loc, asInt,
                                         splatInt(rewriter, loc, intType, 1));
    Value isOdd = arith::AndIOp::create(
        rewriter, loc, small,
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne, oddBit,
                              splatInt(rewriter, loc, intType, 0)));
    isOdd = arith::AndIOp::create(rewriter, loc, isOdd, exact);

    Value negative = cmpf(arith::CmpFPredicate::OLT, x, zero);
    Value withSign = select(isOdd, arith::NegFOp::create(rewriter, loc, magnitude),
                           magnitude);
    Value nan = splat(rewriter, loc, type, std::numeric_limits<float>::quiet_NaN());
    Value forNegative = select(isInt, withSign, nan);
    Value result = select(negative, forNegative, magnitude);
    // A signed zero base: pow(-0, odd) keeps the sign (the magnitude is 0
    // or inf).
    Value negZero = arith::AndIOp::create(
        rewriter, loc, cmpf(arith::CmpFPredicate::OEQ, x, zero),
        arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::slt,
            arith::BitcastOp::create(rewriter, loc, intType, x),
            splatInt(rewriter, loc, intType, 0)));
    result = select(arith::AndIOp::create(rewriter, loc, negZero, isOdd),
                    arith::NegFOp::create(rewriter, loc, magnitude), result);
    Value unit = arith::OrIOp::create(
        rewriter, loc, cmpf(arith::CmpFPredicate::OEQ, y, zero),
        cmpf(arith::CmpFPredicate::OEQ, x, one));
    unit = arith::OrIOp::create(
        rewriter, loc, unit,
        arith::AndIOp::create(
            rewriter, loc, cmpf(arith::CmpFPredicate::OEQ, absX, one),
            cmpf(arith::CmpFPredicate::OEQ, absY,
                 splat(rewriter, loc, type,
                       std::numeric_limits<float>::infinity()))));
    rewriter.replaceOp(op, select(unit, one, result));
    return success();
  }
};

/// log and log2 of a subnormal input: upstream's approximations read the
/// exponent from the bits of a normal float, so the input is scaled by 2^24
/// first and 24 * log(2) subtracted. The rewritten op carries
/// `tessera.scaled` so that this pattern leaves it to the approximation.
template <typename LogOp>
struct SubnormalSafeLog : OpRewritePattern<LogOp> {
  using OpRewritePattern<LogOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(LogOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!isF32(type))
      return rewriter.notifyMatchFailure(op, "only f32 logs are approximated");
    if (op->hasAttr(kScaled))
      return rewriter.notifyMatchFailure(op, "already scaled");
    Location loc = op.getLoc();
    Value x = op.getOperand();
    Value tiny = arith::CmpFOp::create(
        rewriter, loc, arith::CmpFPredicate::OLT, x,
        splat(rewriter, loc, type, std::numeric_limits<float>::min()));
    Value scaled = arith::SelectOp::create(
        rewriter, loc, tiny,
        arith::MulFOp::create(rewriter, loc, x,
                              splat(rewriter, loc, type, 16777216.0f)),
        x);
    auto log = LogOp::create(rewriter, loc, scaled);
    log->setAttr(kScaled, rewriter.getUnitAttr());
    double shift = 24.0 * (std::is_same_v<LogOp, math::Log2Op> ? 1.0 : M_LN2);
    Value correction = arith::SelectOp::create(
        rewriter, loc, tiny, splat(rewriter, loc, type, static_cast<float>(shift)),
        splat(rewriter, loc, type, 0.0f));
    rewriter.replaceOp(op, arith::SubFOp::create(rewriter, loc, log, correction));
    return success();
  }

  static constexpr llvm::StringLiteral kScaled = "tessera.scaled";
};

struct ApproximateMathPass
    : tessera::impl::ApproximateMathBase<ApproximateMathPass> {
  using ApproximateMathBase::ApproximateMathBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    // Constant exponents first (x * x, sqrt), then the approximations.
    RewritePatternSet simplify(context);
    populateMathAlgebraicSimplificationPatterns(simplify);
    if (failed(applyPatternsGreedily(getOperation(), std::move(simplify))))
      return signalPassFailure();

    // Only the functions whose approximations are accurate over the whole
    // float range (docs/kernels.md); the trigonometric and hyperbolic
    // families keep libm (upstream's sin/cos lose their range reduction
    // beyond |x| ~ 1e4, its atan is 40 ulps off). The predicates see full
    // op names ("math.exp").
    auto approximated = [](StringRef name) {
      name.consume_front("math.");
      return llvm::is_contained(
          {"exp", "expm1", "log", "log1p", "log2", "tanh", "erf", "erfc"}, name);
    };
    RewritePatternSet patterns(context);
    patterns.add<GeneralPowF, SubnormalSafeLog<math::LogOp>,
                 SubnormalSafeLog<math::Log2Op>>(context, /*benefit=*/2);
    populateMathF32ExpansionPatterns(patterns, approximated);
    populateMathPolynomialApproximationPatterns(patterns, approximated);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
