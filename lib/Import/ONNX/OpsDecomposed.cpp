//===- OpsDecomposed.cpp - ONNX ops spelled in other tg ops ---------------===//
//
// Ops that are compositions of tg primitives, or constants once shapes are
// static: activations (Elu, Selu, Celu, PRelu, ThresholdedRelu, Softplus, Mish,
// Softsign, Shrink, Sign), logic (Not, And, Or, Xor, IsInf, IsNaN), the
// reductions L1, L2, SumSquare, LogSum and LogSumExp, Size, Range, EyeLike,
// Trilu, OneHot, Tile, DepthToSpace, SpaceToDepth, CumSum, CastLike, and the
// index ops ArgMax/ArgMin, Hardmax, Mod, BitShift, NonZero. Registered from
// the letter-range files.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/ConverterUtils.h"

#include "tessera/Support/Shape.h"

#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

Value tessera::onnx_import::scalarOf(NodeContext &ctx, Type elementType,
                                     double value) {
  OpBuilder &b = ctx.builder;
  auto type = RankedTensorType::get({}, elementType);
  if (isa<FloatType>(elementType))
    return ctx.constant(
        DenseElementsAttr::get(type, b.getFloatAttr(elementType, value)));
  if (elementType.isInteger(1))
    return ctx.constant(DenseElementsAttr::get(type, value != 0));
  return ctx.constant(DenseElementsAttr::get(
      type, b.getIntegerAttr(elementType, saturatingInt(value))));
}

int64_t tessera::onnx_import::saturatingInt(double value) {
  if (std::isnan(value))
    return 0;
  if (value >= 9.2233720368547758e18)
    return std::numeric_limits<int64_t>::max();
  if (value <= -9.2233720368547758e18)
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(value);
}

FailureOr<Value> tessera::onnx_import::compareOp(NodeContext &ctx,
                                                 tg::ComparePredicate p,
                                                 Value a, Value b) {
  return ctx.build<tg::CompareOp>(
      {a, b}, {ctx.named("predicate", tg::ComparePredicateAttr::get(
                                          ctx.builder.getContext(), p))});
}

FailureOr<Value> tessera::onnx_import::whereOp(NodeContext &ctx, Value c,
                                               Value x, Value y) {
  return ctx.build<tg::WhereOp>({c, x, y});
}

FailureOr<Value> tessera::onnx_import::notOp(NodeContext &ctx, Value x) {
  Type i1 = ctx.builder.getI1Type();
  return whereOp(ctx, x, scalarOf(ctx, i1, 0), scalarOf(ctx, i1, 1));
}

FailureOr<std::optional<SmallVector<int64_t>>>
tessera::onnx_import::reductionAxes(NodeContext &ctx, int64_t rank,
                                    int64_t axesInputSince) {
  SmallVector<int64_t> axes;
  if (ctx.opset >= axesInputSince) {
    if (ctx.input(1)) {
      auto given = ctx.requireConstantInts(1, "axes");
      if (failed(given))
        return failure();
      axes = *given;
    }
  } else if (auto given = ctx.getInts("axes")) {
    axes = *given;
  }
  if (axes.empty()) {
    if (ctx.getInt("noop_with_empty_axes", 0))
      return std::optional<SmallVector<int64_t>>();
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  }
  auto normalized = ctx.normalizeAxes(axes, rank);
  if (failed(normalized))
    return failure();
  return std::optional<SmallVector<int64_t>>(*normalized);
}

namespace {

Type elementOf(NodeContext &ctx, Value v) {
  return ctx.typeOf(v).getElementType();
}

//===--- Activations ------------------------------------------------------===//

/// alpha * (exp(x) - 1) where x < 0, else x; scaled by gamma (Selu).
LogicalResult eluLike(NodeContext &ctx, double alpha, double gamma) {
  TRY(x, ctx.required(0));
  Type t = elementOf(ctx, x);
  TRY(e, ctx.build<tg::ExpOp>({x}));
  TRY(em1, ctx.build<tg::SubOp>({e, scalarOf(ctx, t, 1.0)}));
  TRY(neg, ctx.build<tg::MulOp>({em1, scalarOf(ctx, t, alpha)}));
  TRY(isNeg, compareOp(ctx, tg::ComparePredicate::le, x, scalarOf(ctx, t, 0)));
  TRY(y, whereOp(ctx, isNeg, neg, x));
  if (gamma == 1.0)
    return ctx.setOutputs({y});
  return ctx.setOutput(ctx.build<tg::MulOp>({y, scalarOf(ctx, t, gamma)}));
}

LogicalResult convertElu(NodeContext &ctx) {
  return eluLike(ctx, ctx.getFloat("alpha", 1.0f), 1.0);
}

LogicalResult convertSelu(NodeContext &ctx) {
  return eluLike(ctx, ctx.getFloat("alpha", 1.67326319217681884765625f),
                 ctx.getFloat("gamma", 1.05070102214813232421875f));
}

/// max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
LogicalResult convertCelu(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  Type t = elementOf(ctx, x);
  double alpha = ctx.getFloat("alpha", 1.0f);
  Value zero = scalarOf(ctx, t, 0);
  TRY(scaled, ctx.build<tg::DivOp>({x, scalarOf(ctx, t, alpha)}));
  TRY(e, ctx.build<tg::ExpOp>({scaled}));
  TRY(em1, ctx.build<tg::SubOp>({e, scalarOf(ctx, t, 1.0)}));
  TRY(neg, ctx.build<tg::MulOp>({em1, scalarOf(ctx, t, alpha)}));
  TRY(lo, ctx.build<tg::MinOp>({neg, zero}));
  TRY(hi, ctx.build<tg::MaxOp>({x, zero}));
  return ctx.setOutput(ctx.build<tg::AddOp>({hi, lo}));
}

LogicalResult convertPRelu(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(given, ctx.required(1));
  Value slope = given;
  // Before opset 7 a per-channel slope of C values applies along dimension
  // 1 (PyTorch's PReLU export); align it so that numpy rules do that.
  RankedTensorType xType = ctx.typeOf(x), slopeType = ctx.typeOf(slope);
  if (ctx.opset < 7 && slopeType.getRank() == 1 && xType.getRank() > 2 &&
      slopeType.getDimSize(0) == xType.getDimSize(1) &&
      slopeType.getDimSize(0) != xType.getDimSize(xType.getRank() - 1)) {
    SmallVector<int64_t> shape(xType.getRank() - 1, 1);
    shape[0] = slopeType.getDimSize(0);
    TRY(aligned,
        ctx.buildTyped<tg::ReshapeOp>(slopeType.clone(shape), {slope}));
    slope = aligned;
  }
  Type t = elementOf(ctx, x);
  TRY(scaled, ctx.build<tg::MulOp>({x, slope}));
  TRY(isNeg, compareOp(ctx, tg::ComparePredicate::lt, x, scalarOf(ctx, t, 0)));
  return ctx.setOutput(whereOp(ctx, isNeg, scaled, x));
}

LogicalResult convertThresholdedRelu(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  Type t = elementOf(ctx, x);
  TRY(above, compareOp(ctx, tg::ComparePredicate::gt, x,
                       scalarOf(ctx, t, ctx.getFloat("alpha", 1.0f))));
  return ctx.setOutput(whereOp(ctx, above, x, scalarOf(ctx, t, 0)));
}

/// log(1 + exp(x)) as max(x, 0) + log(1 + exp(-|x|)), which neither
/// overflows for large x nor loses the tail for very negative x.
FailureOr<Value> softplusOf(NodeContext &ctx, Value x) {
  Type t = elementOf(ctx, x);
  TRY(a, ctx.build<tg::AbsOp>({x}));
  TRY(na, ctx.build<tg::NegOp>({a}));
  TRY(e, ctx.build<tg::ExpOp>({na}));
  TRY(e1, ctx.build<tg::AddOp>({e, scalarOf(ctx, t, 1.0)}));
  TRY(l, ctx.build<tg::LogOp>({e1}));
  TRY(pos, ctx.build<tg::MaxOp>({x, scalarOf(ctx, t, 0.0)}));
  return ctx.build<tg::AddOp>({pos, l});
}

LogicalResult convertSoftplus(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  return ctx.setOutput(softplusOf(ctx, x));
}

/// Mish: x * tanh(softplus(x)).
LogicalResult convertMish(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(sp, softplusOf(ctx, x));
  TRY(th, ctx.build<tg::TanhOp>({sp}));
  return ctx.setOutput(ctx.build<tg::MulOp>({x, th}));
}

LogicalResult convertSoftsign(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(a, ctx.build<tg::AbsOp>({x}));
  TRY(d, ctx.build<tg::AddOp>({a, scalarOf(ctx, elementOf(ctx, x), 1.0)}));
  return ctx.setOutput(ctx.build<tg::DivOp>({x, d}));
}

/// x < -lambd ? x + bias : (x > lambd ? x - bias : 0)
LogicalResult convertShrink(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  Type t = elementOf(ctx, x);
  double lambd = ctx.getFloat("lambd", 0.5f), bias = ctx.getFloat("bias", 0.0f);
  TRY(low,
      compareOp(ctx, tg::ComparePredicate::lt, x, scalarOf(ctx, t, -lambd)));
  TRY(high,
      compareOp(ctx, tg::ComparePredicate::gt, x, scalarOf(ctx, t, lambd)));
  TRY(plus, ctx.build<tg::AddOp>({x, scalarOf(ctx, t, bias)}));
  TRY(minus, ctx.build<tg::SubOp>({x, scalarOf(ctx, t, bias)}));
  TRY(inner, whereOp(ctx, high, minus, scalarOf(ctx, t, 0)));
  return ctx.setOutput(whereOp(ctx, low, plus, inner));
}

LogicalResult convertSign(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  Type t = elementOf(ctx, x);
  Value zero = scalarOf(ctx, t, 0);
  TRY(pos, compareOp(ctx, tg::ComparePredicate::gt, x, zero));
  TRY(neg, compareOp(ctx, tg::ComparePredicate::lt, x, zero));
  TRY(inner, whereOp(ctx, neg, scalarOf(ctx, t, -1), zero));
  TRY(signs, whereOp(ctx, pos, scalarOf(ctx, t, 1), inner));
  // Broadcasting scalars against x: expand to x's shape when x is larger.
  return ctx.setOutputs({signs});
}

//===--- Logic ------------------------------------------------------------===//

LogicalResult convertNot(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  return ctx.setOutput(notOp(ctx, x));
}

LogicalResult convertAnd(NodeContext &ctx) {
  TRY(a, ctx.required(0));
  TRY(b, ctx.required(1));
  return ctx.setOutput(
      whereOp(ctx, a, b, scalarOf(ctx, ctx.builder.getI1Type(), 0)));
}

LogicalResult convertOr(NodeContext &ctx) {
  TRY(a, ctx.required(0));
  TRY(b, ctx.required(1));
  return ctx.setOutput(
      whereOp(ctx, a, scalarOf(ctx, ctx.builder.getI1Type(), 1), b));
}

LogicalResult convertXor(NodeContext &ctx) {
  TRY(a, ctx.required(0));
  TRY(b, ctx.required(1));
  TRY(same, compareOp(ctx, tg::ComparePredicate::eq, a, b));
  return ctx.setOutput(notOp(ctx, same));
}

LogicalResult convertIsNaN(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(self, compareOp(ctx, tg::ComparePredicate::eq, x, x));
  return ctx.setOutput(notOp(ctx, self));
}

LogicalResult convertIsInf(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  Type t = elementOf(ctx, x);
  bool positive = ctx.getInt("detect_positive", 1),
       negative = ctx.getInt("detect_negative", 1);
  TRY(pos,
      compareOp(ctx, tg::ComparePredicate::eq, x, scalarOf(ctx, t, INFINITY)));
  TRY(neg,
      compareOp(ctx, tg::ComparePredicate::eq, x, scalarOf(ctx, t, -INFINITY)));
  Value falseValue = scalarOf(ctx, ctx.builder.getI1Type(), 0);
  TRY(p, positive ? FailureOr<Value>(pos)
                  : ctx.build<tg::CompareOp>(
                        {x, x}, {ctx.named("predicate",
                                           tg::ComparePredicateAttr::get(
                                               ctx.builder.getContext(),
                                               tg::ComparePredicate::lt))}));
  if (!positive && !negative) {
    // Nothing detected: all false, in x's shape.
    return ctx.setOutput(whereOp(ctx, p, falseValue, falseValue));
  }
  if (!negative)
    return ctx.setOutputs({pos});
  if (!positive)
    return ctx.setOutputs({neg});
  return ctx.setOutput(
      whereOp(ctx, pos, scalarOf(ctx, ctx.builder.getI1Type(), 1), neg));
}

//===--- Reductions -------------------------------------------------------===//

/// Reduce with the same axes handling as ReduceSum & co (axes input from
/// opset 18), applied to `input`.
FailureOr<Value> reduceSumOf(NodeContext &ctx, Value input, bool mean = false) {
  auto axes = reductionAxes(ctx, ctx.rankOf(input), 18);
  if (failed(axes))
    return failure();
  if (!*axes)
    return input;
  SmallVector<NamedAttribute> attrs{ctx.named("axes", ctx.i64s(**axes))};
  if (ctx.getInt("keepdims", 1))
    attrs.push_back(ctx.named("keepdims", ctx.builder.getUnitAttr()));
  if (mean)
    return ctx.build<tg::ReduceMeanOp>({input}, attrs);
  return ctx.build<tg::ReduceSumOp>({input}, attrs);
}

LogicalResult convertReduceL1(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(a, ctx.build<tg::AbsOp>({x}));
  return ctx.setOutput(reduceSumOf(ctx, a));
}

LogicalResult convertReduceSumSquare(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(sq, ctx.build<tg::MulOp>({x, x}));
  return ctx.setOutput(reduceSumOf(ctx, sq));
}

LogicalResult convertReduceL2(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(sq, ctx.build<tg::MulOp>({x, x}));
  TRY(sum, reduceSumOf(ctx, sq));
  if (!isa<FloatType>(elementOf(ctx, sum))) {
    // Integer inputs: sqrt in float, truncated back as ONNX Runtime does.
    Type t = elementOf(ctx, sum);
    TRY(f, ctx.buildTyped<tg::CastOp>(
               ctx.typeOf(sum).clone(ctx.builder.getF32Type()), {sum}));
    TRY(r, ctx.build<tg::SqrtOp>({f}));
    return ctx.setOutput(
        ctx.buildTyped<tg::CastOp>(ctx.typeOf(r).clone(t), {r}));
  }
  return ctx.setOutput(ctx.build<tg::SqrtOp>({sum}));
}

LogicalResult convertReduceLogSum(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(sum, reduceSumOf(ctx, x));
  return ctx.setOutput(ctx.build<tg::LogOp>({sum}));
}

/// log(sum(exp(x - max))) + max, with the max over the same axes.
LogicalResult convertReduceLogSumExp(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  auto axes = reductionAxes(ctx, ctx.rankOf(x), 18);
  if (failed(axes))
    return failure();
  // log(sum(exp(x))) over no axes is x itself.
  if (!*axes)
    return ctx.setOutputs({x});
  ArrayRef<int64_t> normalized = **axes;
  TRY(max, ctx.build<tg::ReduceMaxOp>(
               {x}, {ctx.named("axes", ctx.i64s(normalized)),
                     ctx.named("keepdims", ctx.builder.getUnitAttr())}));
  TRY(shifted, ctx.build<tg::SubOp>({x, max}));
  TRY(e, ctx.build<tg::ExpOp>({shifted}));
  TRY(sum, reduceSumOf(ctx, e));
  TRY(l, ctx.build<tg::LogOp>({sum}));
  SmallVector<int64_t> shape(ctx.typeOf(l).getShape());
  TRY(m, ctx.buildTyped<tg::ReshapeOp>(ctx.typeOf(max).clone(shape), {max}));
  return ctx.setOutput(ctx.build<tg::AddOp>({l, m}));
}

//===--- Constants of static shapes ---------------------------------------===//

LogicalResult convertSize(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  auto type = RankedTensorType::get({}, ctx.builder.getI64Type());
  return ctx.setOutputs({ctx.constant(
      DenseElementsAttr::get(type, ctx.typeOf(x).getNumElements()))});
}

/// Constants built at import hold at most this many elements: an output
/// the importer would otherwise materialize (a Range, the index vectors of
/// a mask) past it is an error, never gigabytes of memory.
constexpr int64_t kMaxImportConstantElements = int64_t(1) << 24;

LogicalResult checkConstantSize(NodeContext &ctx, int64_t elements,
                                const Twine &what) {
  if (elements <= kMaxImportConstantElements)
    return success();
  return ctx.error(what + " would be a constant of " + Twine(elements) +
                   " elements, more than the importer builds (2^24)");
}

LogicalResult convertRange(NodeContext &ctx) {
  auto start = ctx.requireConstantScalar(0, "start");
  auto limit = ctx.requireConstantScalar(1, "limit");
  auto delta = ctx.requireConstantScalar(2, "delta");
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  if (*delta == 0)
    return ctx.error("delta is zero");
  double steps = std::ceil((*limit - *start) / *delta);
  if (!std::isfinite(steps))
    return ctx.error("start, limit and delta give no finite element count");
  if (steps > static_cast<double>(kMaxImportConstantElements))
    return ctx.error("the output would be a constant of more than 2^24 "
                     "elements, more than the importer builds");
  int64_t count = std::max<int64_t>(0, static_cast<int64_t>(steps));
  Type t = elementOf(ctx, ctx.input(0));
  auto type = RankedTensorType::get({count}, t);
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < count; ++i) {
    double v = *start + i * *delta;
    values.push_back(isa<FloatType>(t)
                         ? Attribute(ctx.builder.getFloatAttr(t, v))
                         : Attribute(ctx.builder.getIntegerAttr(
                               t, static_cast<int64_t>(v))));
  }
  return ctx.setOutputs({ctx.constant(DenseElementsAttr::get(type, values))});
}

/// column - row over the last two dimensions, rows x cols, computed at run
/// time from two index vectors (constants of rows and cols elements, not
/// rows * cols): the diagonals of EyeLike and Trilu.
FailureOr<Value> diagonalIndex(NodeContext &ctx, int64_t rows, int64_t cols) {
  if (failed(checkConstantSize(ctx, rows, "the row index")) ||
      failed(checkConstantSize(ctx, cols, "the column index")))
    return failure();
  Type i64 = ctx.builder.getI64Type();
  auto iota = [&](int64_t n, ArrayRef<int64_t> shape) {
    SmallVector<int64_t> values(n);
    std::iota(values.begin(), values.end(), int64_t(0));
    return ctx.constant(DenseElementsAttr::get(
        RankedTensorType::get(shape, i64), ArrayRef<int64_t>(values)));
  };
  return ctx.build<tg::SubOp>({iota(cols, {1, cols}), iota(rows, {rows, 1})});
}

LogicalResult convertEyeLike(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  RankedTensorType type = ctx.typeOf(x);
  if (type.getRank() != 2)
    return ctx.error("input must be 2-D");
  Type t = type.getElementType();
  if (ctx.attribute("dtype")) {
    t = elementType(ctx.builder.getContext(), ctx.getInt("dtype", 1));
    if (!t)
      return ctx.error("unsupported dtype");
  }
  int64_t k = ctx.getInt("k", 0);
  TRY(diagonal, diagonalIndex(ctx, type.getDimSize(0), type.getDimSize(1)));
  TRY(on, compareOp(ctx, tg::ComparePredicate::eq, diagonal,
                    scalarOf(ctx, ctx.builder.getI64Type(), k)));
  return ctx.setOutput(ctx.buildTyped<tg::CastOp>(type.clone(t), {on}));
}

/// Upper (or lower) triangle of the last two dimensions: a mask computed at
/// run time.
LogicalResult convertTrilu(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  RankedTensorType type = ctx.typeOf(x);
  if (type.getRank() < 2)
    return ctx.error("input must have rank >= 2");
  // k shifts the diagonal; computed at run time it is compared at run time
  // (the output's shape does not depend on it).
  Value k = scalarOf(ctx, ctx.builder.getI64Type(), 0);
  if (Value given = ctx.input(1)) {
    RankedTensorType kType = ctx.typeOf(given);
    if (!kType.getElementType().isInteger(64) || kType.getNumElements() != 1)
      return ctx.error("k must be one int64 value");
    if (ctx.constantInts(given)) {
      auto value = ctx.requireConstantInt(1, "k");
      if (failed(value))
        return failure();
      k = scalarOf(ctx, ctx.builder.getI64Type(), static_cast<double>(*value));
    } else if (kType.getRank() != 0) {
      TRY(scalar, ctx.buildTyped<tg::ReshapeOp>(
                      kType.clone(ArrayRef<int64_t>{}), {given}));
      k = scalar;
    } else {
      k = given;
    }
  }
  bool upper = ctx.getInt("upper", 1);
  TRY(diagonal, diagonalIndex(ctx, type.getDimSize(type.getRank() - 2),
                              type.getDimSize(type.getRank() - 1)));
  TRY(mask, compareOp(ctx, upper ? tg::ComparePredicate::ge
                                 : tg::ComparePredicate::le,
                      diagonal, k));
  return ctx.setOutput(
      whereOp(ctx, mask, x, scalarOf(ctx, type.getElementType(), 0)));
}

LogicalResult convertOneHot(NodeContext &ctx) {
  TRY(indices, ctx.required(0));
  auto depth = ctx.requireConstantInt(1, "depth");
  if (failed(depth))
    return failure();
  TRY(values, ctx.required(2));
  int64_t d = *depth;
  int64_t rank = ctx.rankOf(indices) + 1;
  auto axis = ctx.normalizeAxis(ctx.getInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  Type it = elementOf(ctx, indices);
  // Negative indices count from the end.
  TRY(neg,
      compareOp(ctx, tg::ComparePredicate::lt, indices, scalarOf(ctx, it, 0)));
  TRY(wrapped, ctx.build<tg::AddOp>({indices, scalarOf(ctx, it, d)}));
  TRY(index, whereOp(ctx, neg, wrapped, indices));
  TRY(expanded, ctx.build<tg::UnsqueezeOp>(
                    {index}, {ctx.named("axes", ctx.i64s({*axis}))}));
  // A range along `axis`, shaped to broadcast.
  SmallVector<int64_t> rangeShape(rank, 1);
  rangeShape[*axis] = d;
  SmallVector<Attribute> range;
  for (int64_t i = 0; i < d; ++i)
    range.push_back(isa<FloatType>(it)
                        ? Attribute(ctx.builder.getFloatAttr(it, i))
                        : Attribute(ctx.builder.getIntegerAttr(it, i)));
  Value rangeValue = ctx.constant(
      DenseElementsAttr::get(RankedTensorType::get(rangeShape, it), range));
  TRY(hot, compareOp(ctx, tg::ComparePredicate::eq, expanded, rangeValue));
  // values = [off, on]
  TRY(off,
      ctx.build<tg::SliceOp>({values}, {ctx.named("offsets", ctx.i64s({0})),
                                        ctx.named("sizes", ctx.i64s({1})),
                                        ctx.named("steps", ctx.i64s({1}))}));
  TRY(on,
      ctx.build<tg::SliceOp>({values}, {ctx.named("offsets", ctx.i64s({1})),
                                        ctx.named("sizes", ctx.i64s({1})),
                                        ctx.named("steps", ctx.i64s({1}))}));
  Type vt = elementOf(ctx, values);
  TRY(offScalar,
      ctx.buildTyped<tg::ReshapeOp>(RankedTensorType::get({}, vt), {off}));
  TRY(onScalar,
      ctx.buildTyped<tg::ReshapeOp>(RankedTensorType::get({}, vt), {on}));
  return ctx.setOutput(whereOp(ctx, hot, onScalar, offScalar));
}

LogicalResult convertTile(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  auto repeats = ctx.requireConstantInts(1, "repeats");
  if (failed(repeats))
    return failure();
  RankedTensorType type = ctx.typeOf(x);
  int64_t rank = type.getRank();
  if (static_cast<int64_t>(repeats->size()) != rank)
    return ctx.error("repeats needs " + Twine(rank) + " values");
  // [d0, d1] -> [1, d0, 1, d1] -> expand [r0, d0, r1, d1] -> [r0 d0, r1 d1]
  SmallVector<int64_t> interleaved, expandedShape, result;
  for (int64_t d = 0; d < rank; ++d) {
    interleaved.append({1, type.getDimSize(d)});
    expandedShape.append({(*repeats)[d], type.getDimSize(d)});
    result.push_back((*repeats)[d] * type.getDimSize(d));
  }
  TRY(r1, ctx.buildTyped<tg::ReshapeOp>(type.clone(interleaved), {x}));
  TRY(e, ctx.buildTyped<tg::ExpandOp>(type.clone(expandedShape), {r1}));
  return ctx.setOutput(ctx.buildTyped<tg::ReshapeOp>(type.clone(result), {e}));
}

/// DepthToSpace (DCR or CRD) and SpaceToDepth as reshape-transpose-reshape.
LogicalResult convertDepthToSpace(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  RankedTensorType type = ctx.typeOf(x);
  if (type.getRank() != 4)
    return ctx.error("input must be 4-D");
  int64_t b = ctx.getInt("blocksize", 0);
  int64_t n = type.getDimSize(0), c = type.getDimSize(1),
          h = type.getDimSize(2), w = type.getDimSize(3);
  if (b <= 0 || c % (b * b) != 0)
    return ctx.error("channels must be divisible by blocksize^2");
  bool crd = ctx.getString("mode", "DCR") == "CRD";
  SmallVector<int64_t> split =
      crd ? SmallVector<int64_t>{n, c / (b * b), b, b, h, w}
          : SmallVector<int64_t>{n, b, b, c / (b * b), h, w};
  SmallVector<int64_t> perm = crd ? SmallVector<int64_t>{0, 1, 4, 2, 5, 3}
                                  : SmallVector<int64_t>{0, 3, 4, 1, 5, 2};
  TRY(r, ctx.buildTyped<tg::ReshapeOp>(type.clone(split), {x}));
  TRY(t, ctx.build<tg::TransposeOp>({r}, {ctx.named("perm", ctx.i64s(perm))}));
  return ctx.setOutput(ctx.buildTyped<tg::ReshapeOp>(
      type.clone({n, c / (b * b), h * b, w * b}), {t}));
}

LogicalResult convertSpaceToDepth(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  RankedTensorType type = ctx.typeOf(x);
  if (type.getRank() != 4)
    return ctx.error("input must be 4-D");
  int64_t b = ctx.getInt("blocksize", 0);
  int64_t n = type.getDimSize(0), c = type.getDimSize(1),
          h = type.getDimSize(2), w = type.getDimSize(3);
  if (b <= 0 || h % b != 0 || w % b != 0)
    return ctx.error("spatial dimensions must be divisible by blocksize");
  TRY(r, ctx.buildTyped<tg::ReshapeOp>(type.clone({n, c, h / b, b, w / b, b}),
                                       {x}));
  TRY(t, ctx.build<tg::TransposeOp>(
             {r}, {ctx.named("perm", ctx.i64s({0, 3, 5, 1, 2, 4}))}));
  return ctx.setOutput(ctx.buildTyped<tg::ReshapeOp>(
      type.clone({n, c * b * b, h / b, w / b}), {t}));
}

/// CumSum as a product with a constant triangular matrix along the axis.
LogicalResult convertCumSum(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  auto axisValue = ctx.requireConstantInt(1, "axis");
  if (failed(axisValue))
    return failure();
  RankedTensorType type = ctx.typeOf(x);
  int64_t rank = type.getRank();
  auto axis = ctx.normalizeAxis(*axisValue, rank);
  if (failed(axis))
    return failure();
  bool exclusive = ctx.getInt("exclusive", 0),
       reverse = ctx.getInt("reverse", 0);
  int64_t n = type.getDimSize(*axis);
  Type t = type.getElementType();
  // y[j] = sum_i x[i] * m[i][j]
  SmallVector<Attribute> m;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      bool take =
          reverse ? (exclusive ? i > j : i >= j) : (exclusive ? i < j : i <= j);
      m.push_back(isa<FloatType>(t)
                      ? Attribute(ctx.builder.getFloatAttr(t, take))
                      : Attribute(ctx.builder.getIntegerAttr(t, take)));
    }
  Value matrix =
      ctx.constant(DenseElementsAttr::get(RankedTensorType::get({n, n}, t), m));
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[*axis], perm[rank - 1]);
  Value moved = x;
  if (*axis != rank - 1) {
    TRY(tr,
        ctx.build<tg::TransposeOp>({x}, {ctx.named("perm", ctx.i64s(perm))}));
    moved = tr;
  }
  TRY(product, ctx.build<tg::MatMulOp>({moved, matrix}));
  if (*axis == rank - 1)
    return ctx.setOutputs({product});
  return ctx.setOutput(ctx.build<tg::TransposeOp>(
      {product}, {ctx.named("perm", ctx.i64s(perm))}));
}

LogicalResult convertCastLike(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  TRY(like, ctx.required(1));
  return ctx.setOutput(ctx.buildTyped<tg::CastOp>(
      ctx.typeOf(x).clone(elementOf(ctx, like)), {x}));
}

//===--- Index reductions and friends ------------------------------------===//

template <typename OpTy> LogicalResult convertArgReduce(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  auto axis = ctx.normalizeAxis(ctx.getInt("axis", 0), ctx.rankOf(x));
  if (failed(axis))
    return failure();
  SmallVector<NamedAttribute> attrs{
      ctx.named("axis", ctx.builder.getI64IntegerAttr(*axis))};
  if (ctx.getInt("keepdims", 1))
    attrs.push_back(ctx.named("keepdims", ctx.builder.getUnitAttr()));
  if (ctx.getInt("select_last_index", 0))
    attrs.push_back(ctx.named("select_last_index", ctx.builder.getUnitAttr()));
  return ctx.setOutput(ctx.build<OpTy>({x}, attrs));
}

/// One-hot of the first maximum along the axis (opset < 13: of the input
/// flattened to 2-D at the axis).
LogicalResult convertHardmax(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  RankedTensorType type = ctx.typeOf(x);
  int64_t rank = type.getRank();
  auto axisOr =
      ctx.normalizeAxis(ctx.getInt("axis", ctx.opset < 13 ? 1 : -1), rank);
  if (failed(axisOr))
    return failure();
  int64_t axis = *axisOr;
  Value input = x;
  if (ctx.opset < 13) {
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d)
      (d < axis ? outer : inner) *= type.getDimSize(d);
    TRY(flat, ctx.buildTyped<tg::ReshapeOp>(type.clone({outer, inner}), {x}));
    input = flat;
    axis = 1;
  }
  RankedTensorType inputType = ctx.typeOf(input);
  TRY(index,
      ctx.build<tg::ArgMaxOp>(
          {input}, {ctx.named("axis", ctx.builder.getI64IntegerAttr(axis)),
                    ctx.named("keepdims", ctx.builder.getUnitAttr())}));
  int64_t n = inputType.getDimSize(axis);
  if (failed(checkConstantSize(ctx, n, "the position vector")))
    return failure();
  SmallVector<int64_t> rangeShape(inputType.getRank(), 1);
  rangeShape[axis] = n;
  Value range = ctx.constant(DenseElementsAttr::get(
      RankedTensorType::get(rangeShape, ctx.builder.getI64Type()),
      ArrayRef<int64_t>(llvm::to_vector(llvm::seq<int64_t>(0, n)))));
  TRY(hot, compareOp(ctx, tg::ComparePredicate::eq, index, range));
  Type t = type.getElementType();
  TRY(y, whereOp(ctx, hot, scalarOf(ctx, t, 1), scalarOf(ctx, t, 0)));
  if (ctx.opset < 13)
    return ctx.setOutput(ctx.buildTyped<tg::ReshapeOp>(type, {y}));
  return ctx.setOutputs({y});
}

LogicalResult convertMod(NodeContext &ctx) {
  TRY(a, ctx.required(0));
  TRY(b, ctx.required(1));
  SmallVector<NamedAttribute> attrs;
  if (ctx.getInt("fmod", 0))
    attrs.push_back(ctx.named("fmod", ctx.builder.getUnitAttr()));
  return ctx.setOutput(ctx.build<tg::ModOp>({a, b}, attrs));
}

LogicalResult convertBitShift(NodeContext &ctx) {
  TRY(a, ctx.required(0));
  TRY(b, ctx.required(1));
  std::string direction = ctx.getString("direction", "");
  if (direction != "LEFT" && direction != "RIGHT")
    return ctx.error("direction must be LEFT or RIGHT");
  SmallVector<NamedAttribute> attrs;
  if (direction == "LEFT")
    attrs.push_back(ctx.named("left", ctx.builder.getUnitAttr()));
  return ctx.setOutput(ctx.build<tg::BitShiftOp>({a, b}, attrs));
}

/// NonZero has a data-dependent shape: only constant inputs compile.
LogicalResult convertNonZero(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  auto values = ctx.constantFloats(x);
  if (!values) {
    // Known at run time: a bounded result, its count reported.
    auto nonZero = tg::NonZeroOp::create(ctx.builder, ctx.loc, x);
    ctx.setBounded(0, 1, nonZero.getCount());
    return ctx.setOutputs({nonZero.getIndices()});
  }
  RankedTensorType type = ctx.typeOf(x);
  int64_t rank = type.getRank();
  SmallVector<SmallVector<int64_t>> coordinates(rank);
  for (int64_t flat = 0; flat < static_cast<int64_t>(values->size()); ++flat) {
    if ((*values)[flat] == 0)
      continue;
    int64_t rest = flat;
    for (int64_t d = rank - 1; d >= 0; --d) {
      coordinates[d].push_back(rest % type.getDimSize(d));
      rest /= type.getDimSize(d);
    }
  }
  int64_t count = rank ? coordinates[0].size() : 0;
  SmallVector<int64_t> data;
  for (int64_t d = 0; d < rank; ++d)
    data.append(coordinates[d]);
  return ctx.setOutputs({ctx.constant(DenseElementsAttr::get(
      RankedTensorType::get({rank, count}, ctx.builder.getI64Type()),
      ArrayRef<int64_t>(data)))});
}

/// NonMaxSuppression: a bounded [S, 3] result, S = batches x classes x the
/// per-class limit (max_output_boxes_per_class when it is a constant, else
/// the box count); the limit and thresholds may be run-time values.
LogicalResult convertNonMaxSuppression(NodeContext &ctx) {
  TRY(boxes, ctx.required(0));
  TRY(scores, ctx.required(1));
  RankedTensorType boxesType = ctx.typeOf(boxes), scoresType = ctx.typeOf(scores);
  if (boxesType.getRank() != 3 || boxesType.getDimSize(2) != 4)
    return ctx.error("boxes must be [batch, boxes, 4]");
  if (scoresType.getRank() != 3 ||
      scoresType.getDimSize(0) != boxesType.getDimSize(0) ||
      scoresType.getDimSize(2) != boxesType.getDimSize(1))
    return ctx.error("scores must be [batch, classes, boxes] for boxes [" +
                     std::to_string(boxesType.getDimSize(0)) + ", " +
                     std::to_string(boxesType.getDimSize(1)) + ", 4]");
  int64_t center = ctx.getInt("center_point_box", 0);
  if (center != 0 && center != 1)
    return ctx.error("center_point_box must be 0 or 1, got " +
                     std::to_string(center));
  int64_t batches = boxesType.getDimSize(0), n = boxesType.getDimSize(1),
          classes = scoresType.getDimSize(1);
  Type element = boxesType.getElementType();
  auto single = [&](size_t i, const char *what) -> LogicalResult {
    if (ctx.input(i) && ctx.typeOf(ctx.input(i)).getNumElements() != 1)
      return ctx.error(std::string(what) + " must hold one value");
    return success();
  };
  if (failed(single(2, "max_output_boxes_per_class")) ||
      failed(single(3, "iou_threshold")) || failed(single(4, "score_threshold")))
    return failure();
  // The per-class limit bounds the result when it is known.
  int64_t perClass = n;
  Value maxOutput = ctx.input(2);
  if (!maxOutput) {
    perClass = 0; // absent: no box is kept
    maxOutput = ctx.constantI64({0});
  } else if (auto known = ctx.constantInts(maxOutput)) {
    perClass = std::clamp<int64_t>((*known)[0], 0, n);
  }
  if (ctx.typeOf(maxOutput).getElementType() != ctx.builder.getI64Type())
    return ctx.error("max_output_boxes_per_class must be int64");
  Value iou = ctx.input(3);
  if (!iou)
    iou = ctx.constant(DenseElementsAttr::get(
        RankedTensorType::get({1}, element), FloatAttr::get(element, 0.0)));
  int64_t bound;
  if (llvm::MulOverflow(batches, classes, bound) ||
      llvm::MulOverflow(bound, perClass, bound))
    return ctx.error("the result would hold more rows than an i64 counts");
  auto nms = tg::NonMaxSuppressionOp::create(
      ctx.builder, ctx.loc,
      TypeRange{RankedTensorType::get({bound, 3}, ctx.builder.getI64Type()),
                RankedTensorType::get({}, ctx.builder.getI64Type())},
      boxes, scores, maxOutput, iou, ctx.input(4), center == 1);
  ctx.setBounded(0, 0, nms.getCount());
  return ctx.setOutputs({nms.getSelected()});
}

/// Unique: the axis moved first and the rest flattened (everything
/// flattened without an axis) into tg.unique's rows; Y, indices and counts
/// bounded by the row count, inverse_indices not.
LogicalResult convertUnique(NodeContext &ctx) {
  TRY(x, ctx.required(0));
  RankedTensorType type = ctx.typeOf(x);
  int64_t rank = type.getRank();
  bool sorted = ctx.getInt("sorted", 1) != 0;
  std::optional<int64_t> axis;
  if (ctx.attribute("axis")) {
    auto normalized = ctx.normalizeAxis(ctx.getInt("axis", 0), rank);
    if (failed(normalized))
      return failure();
    axis = *normalized;
  }
  if (axis && type.getDimSize(*axis) == 0)
    return ctx.error("the axis has no elements");
  SmallVector<int64_t> perm;
  Value moved = x;
  int64_t rows = type.getNumElements(), width = 1;
  if (axis) {
    perm.push_back(*axis);
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis)
        perm.push_back(d);
    if (*axis != 0) {
      TRY(t, ctx.build<tg::TransposeOp>({x}, {ctx.named("perm", ctx.i64s(perm))}));
      moved = t;
    }
    rows = type.getDimSize(*axis);
    width = rows ? type.getNumElements() / rows : 0;
  }
  TRY(matrix, ctx.buildTyped<tg::ReshapeOp>(
                  RankedTensorType::get({rows, width}, type.getElementType()),
                  {moved}));
  auto unique =
      tg::UniqueOp::create(ctx.builder, ctx.loc, matrix, sorted);
  // Y back to the input's layout: [rows, the other dims], the axis put back.
  Value y = unique.getValues();
  if (!axis) {
    TRY(flat, ctx.buildTyped<tg::ReshapeOp>(
                  RankedTensorType::get({rows}, type.getElementType()), {y}));
    y = flat;
  } else {
    SmallVector<int64_t> movedShape;
    for (int64_t d : perm)
      movedShape.push_back(type.getDimSize(d));
    TRY(unflat, ctx.buildTyped<tg::ReshapeOp>(
                    RankedTensorType::get(movedShape, type.getElementType()),
                    {y}));
    y = unflat;
    if (*axis != 0) {
      SmallVector<int64_t> inverse(rank);
      for (int64_t d = 0; d < rank; ++d)
        inverse[perm[d]] = d;
      TRY(back, ctx.build<tg::TransposeOp>(
                    {y}, {ctx.named("perm", ctx.i64s(inverse))}));
      y = back;
    }
  }
  Value count = unique.getCount();
  ctx.setBounded(0, axis.value_or(0), count);
  ctx.setBounded(1, 0, count);
  ctx.setBounded(3, 0, count);
  return ctx.setOutputs(
      {y, unique.getIndices(), unique.getInverse(), unique.getCounts()});
}

} // namespace

void tessera::onnx_import::registerDecomposedOps(ConverterRegistry &r) {
  r.add("ArgMax", 1, convertArgReduce<tg::ArgMaxOp>);
  r.add("ArgMin", 1, convertArgReduce<tg::ArgMinOp>);
  r.add("BitShift", 11, convertBitShift);
  r.add("Hardmax", 1, convertHardmax);
  r.add("Mish", 18, convertMish);
  r.add("Mod", 10, convertMod);
  r.add("NonZero", 9, convertNonZero);
  r.add("NonMaxSuppression", 10, convertNonMaxSuppression);
  r.add("Unique", 11, convertUnique);
  r.add("And", 7, convertAnd);
  r.add("CastLike", 15, convertCastLike);
  r.add("Celu", 12, convertCelu);
  r.add("CumSum", 11, convertCumSum);
  r.add("DepthToSpace", 1, convertDepthToSpace);
  r.add("Einsum", 12, convertEinsum);
  r.add("Elu", 6, convertElu);
  r.add("EyeLike", 9, convertEyeLike);
  r.add("IsInf", 10, convertIsInf);
  r.add("IsNaN", 9, convertIsNaN);
  r.add("Not", 1, convertNot);
  r.add("OneHot", 9, convertOneHot);
  r.add("Or", 7, convertOr);
  r.add("PRelu", 6, convertPRelu);
  r.add("Range", 11, convertRange);
  r.add("ReduceL1", 1, convertReduceL1);
  r.add("ReduceL2", 1, convertReduceL2);
  r.add("ReduceLogSum", 1, convertReduceLogSum);
  r.add("ReduceLogSumExp", 1, convertReduceLogSumExp);
  r.add("ReduceSumSquare", 1, convertReduceSumSquare);
  r.add("Selu", 6, convertSelu);
  r.add("Shrink", 9, convertShrink);
  r.add("Sign", 9, convertSign);
  r.add("Size", 1, convertSize);
  r.add("Softplus", 1, convertSoftplus);
  r.add("Softsign", 1, convertSoftsign);
  r.add("SpaceToDepth", 1, convertSpaceToDepth);
  r.add("ThresholdedRelu", 10, convertThresholdedRelu);
  r.add("Tile", 6, convertTile);
  r.add("Trilu", 14, convertTrilu);
  r.add("Xor", 7, convertXor);
}
