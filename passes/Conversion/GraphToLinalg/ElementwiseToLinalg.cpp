//===- ElementwiseToLinalg.cpp - tg elementwise ops to linalg.generic -----===//
//
// Every elementwise tg op (unary, binary, compare, where, cast, expand) is one
// broadcasting linalg.generic; only the scalar body differs. The scalar
// bodies are the overloads of `scalar` below, selected by op type.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "passes/Conversion/GraphToLinalg/LoweringUtils.h"
#include "passes/Conversion/GraphToLinalg/Patterns.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace tessera::lowering;
namespace tg = tessera::tg;

namespace {

Kind kindOfValue(Value tgValue) {
  return kindOf(getElementTypeOrSelf(tgValue));
}

Value constantLike(OpBuilder &b, Location loc, Value like, double v) {
  return scalarConstant(b, loc, like.getType(), v);
}

/// max(0, min(1, alpha * x + beta)), shared by hard_sigmoid and hard_swish.
Value hardSigmoid(OpBuilder &b, Location loc, Value x, double alpha,
                  double beta) {
  Value y = arith::AddFOp::create(
      b, loc, arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, alpha)),
      constantLike(b, loc, x, beta));
  y = arith::MinimumFOp::create(b, loc, y, constantLike(b, loc, x, 1.0));
  return arith::MaximumFOp::create(b, loc, y, constantLike(b, loc, x, 0.0));
}

//===----------------------------------------------------------------------===//
// Scalar bodies
//===----------------------------------------------------------------------===//

Value scalar(tg::ReluOp op, OpBuilder &b, Location loc, ValueRange args) {
  return maximum(b, loc, kindOfValue(op.getInput()), args[0],
                 constantLike(b, loc, args[0], 0.0));
}
Value scalar(tg::SigmoidOp, OpBuilder &b, Location loc, ValueRange args) {
  Value one = constantLike(b, loc, args[0], 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, args[0]));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}
Value scalar(tg::TanhOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::TanhOp::create(b, loc, args[0]);
}
Value scalar(tg::ExpOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::ExpOp::create(b, loc, args[0]);
}
Value scalar(tg::LogOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::LogOp::create(b, loc, args[0]);
}
Value scalar(tg::SqrtOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::SqrtOp::create(b, loc, args[0]);
}
Value scalar(tg::ErfOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::ErfOp::create(b, loc, args[0]);
}
Value scalar(tg::AbsOp op, OpBuilder &b, Location loc, ValueRange args) {
  switch (kindOfValue(op.getInput())) {
  case Kind::Float:
    return math::AbsFOp::create(b, loc, args[0]);
  case Kind::Signed:
    return math::AbsIOp::create(b, loc, args[0]);
  default:
    return args[0];
  }
}
Value scalar(tg::NegOp op, OpBuilder &b, Location loc, ValueRange args) {
  if (kindOfValue(op.getInput()) == Kind::Float)
    return arith::NegFOp::create(b, loc, args[0]);
  return arith::SubIOp::create(b, loc, constantLike(b, loc, args[0], 0),
                               args[0]);
}
Value scalar(tg::FloorOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::FloorOp::create(b, loc, args[0]);
}
Value scalar(tg::CeilOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::CeilOp::create(b, loc, args[0]);
}
Value scalar(tg::ReciprocalOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::DivFOp::create(b, loc, constantLike(b, loc, args[0], 1.0),
                               args[0]);
}
#define TESSERA_MATH_UNARY(OpName, MathOp)                                     \
  Value scalar(tg::OpName, OpBuilder &b, Location loc, ValueRange args) {      \
    return math::MathOp::create(b, loc, args[0]);                              \
  }
TESSERA_MATH_UNARY(SinOp, SinOp)
TESSERA_MATH_UNARY(CosOp, CosOp)
TESSERA_MATH_UNARY(TanOp, TanOp)
TESSERA_MATH_UNARY(AsinOp, AsinOp)
TESSERA_MATH_UNARY(AcosOp, AcosOp)
TESSERA_MATH_UNARY(AtanOp, AtanOp)
TESSERA_MATH_UNARY(SinhOp, SinhOp)
TESSERA_MATH_UNARY(CoshOp, CoshOp)
TESSERA_MATH_UNARY(AsinhOp, AsinhOp)
TESSERA_MATH_UNARY(AcoshOp, AcoshOp)
TESSERA_MATH_UNARY(AtanhOp, AtanhOp)
TESSERA_MATH_UNARY(RoundOp, RoundEvenOp)
#undef TESSERA_MATH_UNARY

Value scalar(tg::BitwiseNotOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::XOrIOp::create(b, loc, args[0],
                               constantLike(b, loc, args[0], -1));
}
Value scalar(tg::BitwiseAndOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::AndIOp::create(b, loc, args[0], args[1]);
}
Value scalar(tg::BitwiseOrOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::OrIOp::create(b, loc, args[0], args[1]);
}
Value scalar(tg::BitwiseXorOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::XOrIOp::create(b, loc, args[0], args[1]);
}
Value scalar(tg::BitShiftOp op, OpBuilder &b, Location loc, ValueRange args) {
  // Shifting by the width or more is poison in LLVM; ONNX gives 0.
  Value x = args[0], n = args[1];
  unsigned width = x.getType().getIntOrFloatBitWidth();
  Value shifted = op.getLeft()
                      ? arith::ShLIOp::create(b, loc, x, n).getResult()
                      : arith::ShRUIOp::create(b, loc, x, n).getResult();
  Value tooFar = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, n,
                                       constantLike(b, loc, n, width));
  return arith::SelectOp::create(b, loc, tooFar, constantLike(b, loc, x, 0),
                                 shifted);
}
Value scalar(tg::ModOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0], y = args[1];
  Kind kind = kindOfValue(op.getLhs());
  if (kind == Kind::Float)
    return arith::RemFOp::create(b, loc, x, y);
  if (kind == Kind::Unsigned)
    return arith::RemUIOp::create(b, loc, x, y);
  Value r = arith::RemSIOp::create(b, loc, x, y);
  if (op.getFmod())
    return r;
  // Python semantics: a non-zero remainder takes the divisor's sign.
  Value zero = constantLike(b, loc, x, 0);
  Value nonZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, r, zero);
  Value rNeg =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, zero);
  Value yNeg =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, y, zero);
  Value differ = arith::XOrIOp::create(b, loc, rNeg, yNeg);
  Value fix = arith::AndIOp::create(b, loc, nonZero, differ);
  return arith::SelectOp::create(b, loc, fix,
                                 arith::AddIOp::create(b, loc, r, y), r);
}

Value scalar(tg::HardSigmoidOp op, OpBuilder &b, Location loc,
             ValueRange args) {
  return hardSigmoid(b, loc, args[0], op.getAlpha().convertToDouble(),
                     op.getBeta().convertToDouble());
}
Value scalar(tg::HardSwishOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::MulFOp::create(b, loc, args[0],
                               hardSigmoid(b, loc, args[0], 1.0 / 6.0, 0.5));
}
Value scalar(tg::LeakyReluOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  Value scaled = arith::MulFOp::create(
      b, loc, x, constantLike(b, loc, x, op.getAlpha().convertToDouble()));
  Value negative = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                         constantLike(b, loc, x, 0.0));
  return arith::SelectOp::create(b, loc, negative, scaled, x);
}
Value scalar(tg::GeluOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  Value inner;
  if (op.getApproximateTanh()) {
    // tanh(sqrt(2 / pi) * (x + 0.044715 x^3))
    Value cube =
        arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value poly = arith::AddFOp::create(
        b, loc, x,
        arith::MulFOp::create(b, loc, cube, constantLike(b, loc, x, 0.044715)));
    inner = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, poly,
                              constantLike(b, loc, x, std::sqrt(2.0 / M_PI))));
  } else {
    inner = math::ErfOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, M_SQRT1_2)));
  }
  Value half = arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, 0.5));
  return arith::MulFOp::create(
      b, loc, half,
      arith::AddFOp::create(b, loc, inner, constantLike(b, loc, x, 1.0)));
}
Value scalar(tg::ClipOp op, OpBuilder &b, Location loc, ValueRange args) {
  // select-based so that NaN inputs stay NaN, as in ONNX Runtime.
  Kind kind = kindOfValue(op.getInput());
  Value x = args[0];
  auto less = [&](Value l, Value r) -> Value {
    if (kind == Kind::Float)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, l, r);
    return arith::CmpIOp::create(b, loc,
                                 kind == Kind::Signed
                                     ? arith::CmpIPredicate::slt
                                     : arith::CmpIPredicate::ult,
                                 l, r);
  };
  auto bound = [&](Attribute attr) -> Value {
    auto typed = cast<TypedAttr>(attr);
    if (auto i = dyn_cast<IntegerAttr>(typed))
      return arith::ConstantOp::create(
          b, loc, b.getIntegerAttr(x.getType(), i.getValue()));
    return arith::ConstantOp::create(b, loc, typed);
  };
  if (Attribute lo = op.getMinAttr()) {
    Value l = bound(lo);
    x = arith::SelectOp::create(b, loc, less(x, l), l, x);
  }
  if (Attribute hi = op.getMaxAttr()) {
    Value h = bound(hi);
    x = arith::SelectOp::create(b, loc, less(h, x), h, x);
  }
  return x;
}

Value scalar(tg::AddOp op, OpBuilder &b, Location loc, ValueRange args) {
  return add(b, loc, kindOfValue(op.getLhs()), args[0], args[1]);
}
Value scalar(tg::SubOp op, OpBuilder &b, Location loc, ValueRange args) {
  return sub(b, loc, kindOfValue(op.getLhs()), args[0], args[1]);
}
Value scalar(tg::MulOp op, OpBuilder &b, Location loc, ValueRange args) {
  return mul(b, loc, kindOfValue(op.getLhs()), args[0], args[1]);
}
Value scalar(tg::DivOp op, OpBuilder &b, Location loc, ValueRange args) {
  return div(b, loc, kindOfValue(op.getLhs()), args[0], args[1]);
}
Value scalar(tg::MaxOp op, OpBuilder &b, Location loc, ValueRange args) {
  return maximum(b, loc, kindOfValue(op.getLhs()), args[0], args[1]);
}
Value scalar(tg::MinOp op, OpBuilder &b, Location loc, ValueRange args) {
  return minimum(b, loc, kindOfValue(op.getLhs()), args[0], args[1]);
}
Value scalar(tg::PowOp op, OpBuilder &b, Location loc, ValueRange args) {
  Type baseType = getElementTypeOrSelf(op.getLhs());
  Type exponentType = getElementTypeOrSelf(op.getRhs());
  Value base = args[0], exponent = args[1];
  if (isa<FloatType>(baseType)) {
    if (!isa<FloatType>(exponentType) || exponentType != baseType)
      exponent = castScalar(b, loc, exponent, exponentType, baseType);
    return math::PowFOp::create(b, loc, base, exponent);
  }
  if (isa<FloatType>(exponentType)) {
    // Integer base, float exponent: compute in the exponent's type.
    Value wide = castScalar(b, loc, base, baseType, exponentType);
    return castScalar(b, loc, math::PowFOp::create(b, loc, wide, exponent),
                      exponentType, baseType);
  }
  exponent = castScalar(b, loc, exponent, exponentType, baseType);
  return math::IPowIOp::create(b, loc, base, exponent);
}
Value scalar(tg::CompareOp op, OpBuilder &b, Location loc, ValueRange args) {
  Kind kind = kindOfValue(op.getLhs());
  tg::ComparePredicate predicate = op.getPredicate();
  if (kind == Kind::Float) {
    arith::CmpFPredicate p;
    switch (predicate) {
    case tg::ComparePredicate::eq:
      p = arith::CmpFPredicate::OEQ;
      break;
    case tg::ComparePredicate::lt:
      p = arith::CmpFPredicate::OLT;
      break;
    case tg::ComparePredicate::le:
      p = arith::CmpFPredicate::OLE;
      break;
    case tg::ComparePredicate::gt:
      p = arith::CmpFPredicate::OGT;
      break;
    case tg::ComparePredicate::ge:
      p = arith::CmpFPredicate::OGE;
      break;
    }
    return arith::CmpFOp::create(b, loc, p, args[0], args[1]);
  }
  bool isSigned = kind == Kind::Signed;
  arith::CmpIPredicate p;
  switch (predicate) {
  case tg::ComparePredicate::eq:
    p = arith::CmpIPredicate::eq;
    break;
  case tg::ComparePredicate::lt:
    p = isSigned ? arith::CmpIPredicate::slt : arith::CmpIPredicate::ult;
    break;
  case tg::ComparePredicate::le:
    p = isSigned ? arith::CmpIPredicate::sle : arith::CmpIPredicate::ule;
    break;
  case tg::ComparePredicate::gt:
    p = isSigned ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::ugt;
    break;
  case tg::ComparePredicate::ge:
    p = isSigned ? arith::CmpIPredicate::sge : arith::CmpIPredicate::uge;
    break;
  }
  return arith::CmpIOp::create(b, loc, p, args[0], args[1]);
}
Value scalar(tg::WhereOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
}
Value scalar(tg::CastOp op, OpBuilder &b, Location loc, ValueRange args) {
  return castScalar(b, loc, args[0], getElementTypeOrSelf(op.getInput()),
                    getElementTypeOrSelf(op.getType()));
}
Value scalar(tg::ExpandOp, OpBuilder &, Location, ValueRange args) {
  return args[0];
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

template <typename OpTy>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType =
        convertedType(*this->getTypeConverter(), op.getType());
    Value result =
        broadcastMap(rewriter, op.getLoc(), resultType, adaptor.getOperands(),
                     [&](OpBuilder &b, Location loc, ValueRange args) {
                       return scalar(op, b, loc, args);
                     });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConstantLowering : OpConversionPattern<tg::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = convertedType(*getTypeConverter(), op.getType());
    TypedAttr value = op.getValueAttr();
    if (type != op.getType()) {
      // Unsigned to signless: same bits, new element type.
      if (auto dense = dyn_cast<DenseElementsAttr>(value))
        value = dense.bitcast(type.getElementType());
      else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
        value = DenseResourceElementsAttr::get(type, resource.getRawHandle());
      else
        return rewriter.notifyMatchFailure(op,
                                           "unsupported elements attribute");
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type, value);
    return success();
  }
};

} // namespace

void tessera::lowering::populateElementwiseLoweringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<
      ConstantLowering, ElementwiseLowering<tg::ReluOp>,
      ElementwiseLowering<tg::SigmoidOp>, ElementwiseLowering<tg::TanhOp>,
      ElementwiseLowering<tg::ExpOp>, ElementwiseLowering<tg::LogOp>,
      ElementwiseLowering<tg::SqrtOp>, ElementwiseLowering<tg::ErfOp>,
      ElementwiseLowering<tg::AbsOp>, ElementwiseLowering<tg::NegOp>,
      ElementwiseLowering<tg::FloorOp>, ElementwiseLowering<tg::CeilOp>,
      ElementwiseLowering<tg::ReciprocalOp>,
      ElementwiseLowering<tg::HardSigmoidOp>,
      ElementwiseLowering<tg::HardSwishOp>,
      ElementwiseLowering<tg::LeakyReluOp>, ElementwiseLowering<tg::GeluOp>,
      ElementwiseLowering<tg::ClipOp>, ElementwiseLowering<tg::AddOp>,
      ElementwiseLowering<tg::SubOp>, ElementwiseLowering<tg::MulOp>,
      ElementwiseLowering<tg::DivOp>, ElementwiseLowering<tg::MaxOp>,
      ElementwiseLowering<tg::MinOp>, ElementwiseLowering<tg::PowOp>,
      ElementwiseLowering<tg::CompareOp>, ElementwiseLowering<tg::WhereOp>,
      ElementwiseLowering<tg::CastOp>, ElementwiseLowering<tg::ExpandOp>,
      ElementwiseLowering<tg::SinOp>, ElementwiseLowering<tg::CosOp>,
      ElementwiseLowering<tg::TanOp>, ElementwiseLowering<tg::AsinOp>,
      ElementwiseLowering<tg::AcosOp>, ElementwiseLowering<tg::AtanOp>,
      ElementwiseLowering<tg::SinhOp>, ElementwiseLowering<tg::CoshOp>,
      ElementwiseLowering<tg::AsinhOp>, ElementwiseLowering<tg::AcoshOp>,
      ElementwiseLowering<tg::AtanhOp>, ElementwiseLowering<tg::RoundOp>,
      ElementwiseLowering<tg::BitwiseNotOp>,
      ElementwiseLowering<tg::BitwiseAndOp>,
      ElementwiseLowering<tg::BitwiseOrOp>,
      ElementwiseLowering<tg::BitwiseXorOp>,
      ElementwiseLowering<tg::BitShiftOp>, ElementwiseLowering<tg::ModOp>>(
      converter, patterns.getContext());
}
