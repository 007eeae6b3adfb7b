//===- GroupQuantized.cpp - quantized matmuls on their stored integers ----===//
//
// tg-group-quantized: a tg.matmul of two dequantized operands computes on
// the stored 8-bit integers (tg.matmul_integer with its zero-point
// corrections, then one float rescale), a tg.conv of them as the same
// product over im2col columns, and a quantize of such a rescaled product
// requantizes with one multiplier, as quantized kernels do. What is not a
// dequantized operand stays float.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphBuild.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Graph/Transforms/Passes.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <optional>

namespace tessera::tg {
#define GEN_PASS_DEF_GROUPQUANTIZED
#include "dialects/Graph/Transforms/Passes.h.inc"
} // namespace tessera::tg

using namespace mlir;
using namespace tessera::tg;

namespace {

/// The largest reduction whose i32 sum of 8-bit products cannot overflow.
constexpr int64_t kMaxReduction = (int64_t(1) << 31) / (255 * 255);

/// A matmul operand that is dequantized 8-bit values, possibly transposed
/// after the dequantize, as matched (nothing built yet): the dequantize,
/// the transposes from it to the operand, and where the quantized axis
/// lands in the operand (-1: per tensor).
struct DequantizedSource {
  DequantizeOp dequantize;
  SmallVector<TransposeOp> transposes; // operand first
  int64_t axis = -1;
};

FailureOr<DequantizedSource> matchDequantized(Value operand, std::string &why) {
  DequantizedSource source;
  Value value = operand;
  while (auto transpose = value.getDefiningOp<TransposeOp>()) {
    source.transposes.push_back(transpose);
    value = transpose.getInput();
  }
  source.dequantize = value.getDefiningOp<DequantizeOp>();
  if (!source.dequantize) {
    why = "an operand is not dequantized";
    return failure();
  }
  auto quantized = cast<quant::QuantizedType>(
      getElementTypeOrSelf(source.dequantize.getInput().getType()));
  if (quantized.getStorageTypeIntegralWidth() != 8 ||
      !quantized.getExpressedType().isF32()) {
    why = "an operand is not 8-bit quantized f32";
    return failure();
  }
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(quantized)) {
    int64_t axis = perAxis.getQuantizedDimension();
    for (TransposeOp transpose : llvm::reverse(source.transposes)) {
      ArrayRef<int64_t> perm = transpose.getPerm();
      axis = std::find(perm.begin(), perm.end(), axis) - perm.begin();
    }
    source.axis = axis;
  }
  return source;
}

/// A matched operand made integer: the stored integers (transposed the
/// same way), the scales and zero points (one, or one per position along
/// `axis`).
struct Dequantized {
  Value storage;
  SmallVector<double> scales;
  SmallVector<int64_t> zeros;
  int64_t axis = -1;
};

FailureOr<Dequantized> materialize(PatternRewriter &rewriter,
                                   DequantizedSource source) {
  Value input = source.dequantize.getInput();
  auto inputType = cast<RankedTensorType>(input.getType());
  Type element = inputType.getElementType();
  Dequantized d;
  d.axis = source.axis;
  if (auto uniform = dyn_cast<quant::UniformQuantizedType>(element)) {
    d.scales = {uniform.getScale()};
    d.zeros = {uniform.getZeroPoint()};
  } else {
    auto perAxis = cast<quant::UniformQuantizedPerAxisType>(element);
    d.scales.assign(perAxis.getScales().begin(), perAxis.getScales().end());
    d.zeros.assign(perAxis.getZeroPoints().begin(),
                   perAxis.getZeroPoints().end());
  }
  d.storage = rewriter.createOrFold<StorageCastOp>(
      source.dequantize.getLoc(), inputType.clone(storageElementType(element)),
      input);
  for (TransposeOp transpose : llvm::reverse(source.transposes)) {
    auto built = buildGraphOp<TransposeOp>(
        rewriter, transpose.getLoc(), {d.storage},
        {rewriter.getNamedAttr("perm", transpose.getPermAttr())});
    if (failed(built))
      return failure();
    d.storage = built->front();
  }
  return d;
}

/// The exact integer product of `a` and `b` with their zero points applied,
/// converted to f32 and scaled by scale_a * scale_b: one scale, one per row
/// ([M, 1]) when a is quantized per row, one per column when b is, or an
/// [M, N] table when both are.
FailureOr<Value> rescaledProduct(PatternRewriter &rewriter, Location loc,
                                 const Dequantized &a, const Dequantized &b) {
  FailureOr<Value> acc = buildZeroPointMatMul(rewriter, loc, a.storage, a.zeros,
                                              b.storage, b.zeros);
  if (failed(acc))
    return failure();
  auto accType = cast<RankedTensorType>(acc->getType());
  auto real = buildTypedGraphOp<CastOp>(
      rewriter, loc, accType.clone(rewriter.getF32Type()), {*acc});
  if (failed(real))
    return failure();
  SmallVector<float> scales;
  for (double sa : a.scales)
    for (double sb : b.scales)
      scales.push_back(static_cast<float>(sa) * static_cast<float>(sb));
  SmallVector<int64_t> shape;
  if (a.axis >= 0)
    shape = {static_cast<int64_t>(a.scales.size()), 1};
  if (b.axis >= 0) {
    if (shape.empty())
      shape = {static_cast<int64_t>(b.scales.size())};
    else
      shape[1] = static_cast<int64_t>(b.scales.size());
  }
  auto type = RankedTensorType::get(shape, rewriter.getF32Type());
  Value scale = ConstantOp::create(
      rewriter, loc, type, DenseElementsAttr::get(type, ArrayRef(scales)));
  auto product = buildGraphOp<MulOp>(rewriter, loc, {*real, scale});
  if (failed(product))
    return failure();
  return product->front();
}

/// matmul(dequantize(a), dequantize(b)) -> the exact integer product with
/// its zero points applied, converted to f32 and scaled by scale_a *
/// scale_b (per column when b is quantized per column).
struct DequantizedMatMul : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatMulOp op,
                                PatternRewriter &rewriter) const override {
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    if (!lhsType.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not an f32 matmul");
    int64_t k = lhsType.getShape().back();
    if (k > kMaxReduction)
      return rewriter.notifyMatchFailure(
          op, "the reduction is long enough to overflow an i32 sum");
    // Both operands must qualify before anything is built.
    std::string why;
    FailureOr<DequantizedSource> lhs = matchDequantized(op.getLhs(), why);
    if (failed(lhs))
      return rewriter.notifyMatchFailure(op, why);
    FailureOr<DequantizedSource> rhs = matchDequantized(op.getRhs(), why);
    if (failed(rhs))
      return rewriter.notifyMatchFailure(op, why);
    int64_t lhsRank = lhsType.getRank();
    int64_t rhsRank = cast<RankedTensorType>(op.getRhs().getType()).getRank();
    if ((lhs->axis >= 0 && (lhsRank < 2 || lhs->axis != lhsRank - 2)) ||
        (rhs->axis >= 0 && (rhsRank < 2 || rhs->axis != rhsRank - 1)))
      return rewriter.notifyMatchFailure(
          op, "a per-axis operand is not quantized per row (left) or per "
              "column (right)");
    FailureOr<Dequantized> a = materialize(rewriter, *lhs);
    FailureOr<Dequantized> b = materialize(rewriter, *rhs);
    if (failed(a) || failed(b))
      return failure();
    FailureOr<Value> product = rescaledProduct(rewriter, op.getLoc(), *a, *b);
    if (failed(product))
      return failure();
    rewriter.replaceOp(op, *product);
    return success();
  }
};

/// The integers q of a constant f32 bias [F] with bias[f] = q[f] * scale[f]
/// exactly in f32 (scale: one, or one per channel), or none.
std::optional<SmallVector<int32_t>> integerBias(Value bias,
                                                ArrayRef<float> scales) {
  DenseFPElementsAttr values;
  if (!bias || !matchPattern(bias, m_Constant(&values)) ||
      !values.getElementType().isF32())
    return std::nullopt;
  SmallVector<int32_t> integers;
  int64_t f = 0;
  for (const APFloat &v : values.getValues<APFloat>()) {
    float b = v.convertToFloat();
    float s = scales[scales.size() == 1 ? 0 : f++];
    double q = std::nearbyint(static_cast<double>(b) / s);
    if (!(std::fabs(q) < 2147483647.0) ||
        static_cast<float>(static_cast<float>(q) * s) != b)
      return std::nullopt;
    integers.push_back(static_cast<int32_t>(q));
  }
  return integers;
}

/// The largest im2col matrix a quantized convolution builds (bytes).
constexpr int64_t kMaxColumnsBytes = int64_t(1) << 28;

/// conv(dequantize(x), dequantize(w), bias) with one group -> the exact
/// integer product of the filter [F, C*T] (T taps; per output channel: per
/// row) and x's im2col columns [N, C*T, P] (P output positions): x's stored
/// integers padded with its zero point (the real 0, so that padding adds
/// nothing), each tap a strided slice, the taps stacked along a new axis
/// (k = c * T + t, the filter's order). The i32 product is reshaped to the
/// output [N, F, O...], rescaled per tensor or per output channel, and the
/// bias added; a quantize after it then requantizes it.
struct DequantizedConv : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConvOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getGroup() != 1)
      return rewriter.notifyMatchFailure(op, "grouped convolution");
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    if (!inputType.getElementType().isF32() || inputType.getRank() < 3)
      return rewriter.notifyMatchFailure(op, "not an f32 N-d convolution");
    int64_t spatial = inputType.getRank() - 2;
    ArrayRef<int64_t> xShape = inputType.getShape();
    ArrayRef<int64_t> wShape = weightType.getShape();
    ArrayRef<int64_t> outShape = resultType.getShape();
    int64_t batch = xShape[0], channels = xShape[1], filters = wShape[0];
    int64_t taps = 1, positions = 1;
    for (int64_t d = 0; d < spatial; ++d) {
      taps *= wShape[2 + d];
      positions *= outShape[2 + d];
    }
    int64_t k = channels * taps;
    if (k > kMaxReduction)
      return rewriter.notifyMatchFailure(
          op, "the reduction is long enough to overflow an i32 sum");
    if (taps > 1 && batch * k * positions > kMaxColumnsBytes)
      return rewriter.notifyMatchFailure(op, "the im2col matrix is too large");
    std::string why;
    FailureOr<DequantizedSource> xSource = matchDequantized(op.getInput(), why);
    if (failed(xSource))
      return rewriter.notifyMatchFailure(op, why);
    FailureOr<DequantizedSource> wSource =
        matchDequantized(op.getWeight(), why);
    if (failed(wSource))
      return rewriter.notifyMatchFailure(op, why);
    if (xSource->axis >= 0 || !xSource->transposes.empty() ||
        !wSource->transposes.empty() || (wSource->axis > 0))
      return rewriter.notifyMatchFailure(
          op, "the input is not quantized per tensor, or the filter not per "
              "tensor or per output channel");
    FailureOr<Dequantized> x = materialize(rewriter, *xSource);
    FailureOr<Dequantized> w = materialize(rewriter, *wSource);
    if (failed(x) || failed(w))
      return failure();
    Location loc = op.getLoc();
    auto reshaped = [&](Value value, ArrayRef<int64_t> shape) {
      auto type = cast<RankedTensorType>(value.getType());
      return buildTypedGraphOp<ReshapeOp>(rewriter, loc, type.clone(shape),
                                          {value});
    };

    // The exact product, the output's shape, the rescale.
    FailureOr<Value> out = buildZeroPointConv(
        rewriter, loc, x->storage, x->zeros[0], w->storage, w->zeros,
        op.getStrides(), op.getPads(), op.getDilations());
    if (failed(out))
      return failure();
    SmallVector<float> scales;
    for (double s : w->scales)
      scales.push_back(static_cast<float>(x->scales[0]) *
                       static_cast<float>(s));
    SmallVector<int64_t> column(spatial + 1, 1);
    column[0] = filters;
    // A constant bias that is whole multiples of the product's scale (a
    // quantizer's int32 bias, dequantized) joins the i32 sum: the quantize
    // after it then requantizes with one multiplier, as QLinearConv does.
    Value bias = op.getBias();
    if (std::optional<SmallVector<int32_t>> integers =
            integerBias(bias, scales)) {
      auto type = RankedTensorType::get(column, rewriter.getI32Type());
      Value constant = ConstantOp::create(
          rewriter, loc, type, DenseElementsAttr::get(type, ArrayRef(*integers)));
      auto sum = buildGraphOp<AddOp>(rewriter, loc, {*out, constant});
      if (failed(sum))
        return failure();
      out = sum->front();
      bias = Value();
    }
    auto real = buildTypedGraphOp<CastOp>(
        rewriter, loc,
        cast<RankedTensorType>(out->getType()).clone(rewriter.getF32Type()),
        {*out});
    if (failed(real))
      return failure();
    auto scaleType = RankedTensorType::get(
        w->axis == 0 ? ArrayRef<int64_t>(column) : ArrayRef<int64_t>{},
        rewriter.getF32Type());
    Value scale =
        ConstantOp::create(rewriter, loc, scaleType,
                           DenseElementsAttr::get(scaleType, ArrayRef(scales)));
    auto product = buildGraphOp<MulOp>(rewriter, loc, {*real, scale});
    if (failed(product))
      return failure();
    Value result = product->front();
    if (bias) {
      auto reshapedBias = reshaped(bias, column);
      if (failed(reshapedBias))
        return failure();
      auto sum = buildGraphOp<AddOp>(rewriter, loc, {result, *reshapedBias});
      if (failed(sum))
        return failure();
      result = sum->front();
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// quantize(f32(i) * c), i an i32 product and c a constant, with a per
/// tensor result scale s: requantizes with the one multiplier c / s,
///   round(f32(i) * (c / s)) + zero_point,
/// as quantized matmul kernels (and ONNX Runtime's QLinearMatMul) do,
/// instead of rounding the product and then dividing it.
struct RequantizeProduct : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    auto uniform =
        dyn_cast<quant::UniformQuantizedType>(resultType.getElementType());
    if (!uniform || uniform.getScale() == 1.0)
      return rewriter.notifyMatchFailure(op, "not per tensor, or scale 1");
    auto mul = op.getInput().getDefiningOp<MulOp>();
    if (!mul)
      return rewriter.notifyMatchFailure(op, "input is not a product");
    auto cast_ = mul.getLhs().getDefiningOp<CastOp>();
    DenseFPElementsAttr multiplier;
    if (!cast_ ||
        !getElementTypeOrSelf(cast_.getInput().getType())
             .isSignlessInteger(32) ||
        !matchPattern(mul.getRhs(), m_Constant(&multiplier)) ||
        !multiplier.getElementType().isF32())
      return rewriter.notifyMatchFailure(
          op, "input is not an i32 value times a constant");
    float s = static_cast<float>(uniform.getScale());
    SmallVector<float> scaled;
    for (const APFloat &v : multiplier.getValues<APFloat>())
      scaled.push_back(v.convertToFloat() / s);
    auto type = cast<RankedTensorType>(multiplier.getType());
    Location loc = op.getLoc();
    Value constant = ConstantOp::create(
        rewriter, loc, type, DenseElementsAttr::get(type, ArrayRef(scaled)));
    auto product = buildGraphOp<MulOp>(rewriter, loc, {cast_, constant});
    if (failed(product))
      return failure();
    auto unit = quant::UniformQuantizedType::get(
        uniform.getFlags(), uniform.getStorageType(),
        uniform.getExpressedType(), 1.0, uniform.getZeroPoint(),
        uniform.getStorageTypeMin(), uniform.getStorageTypeMax());
    Value q = QuantizeOp::create(rewriter, loc, resultType.clone(unit),
                                 product->front());
    Value stored = StorageCastOp::create(
        rewriter, loc, resultType.clone(storageElementType(unit)), q);
    rewriter.replaceOpWithNewOp<StorageCastOp>(op, resultType, stored);
    return success();
  }
};

/// quantize(relu(x)) and quantize(clip(x, lo, hi)) -> quantize(x) when the
/// quantize saturates at least as tightly: per tensor with
/// lo <= (qmin - z) * s and hi >= (qmax - z) * s, every x the clamp changes
/// rounds to the same stored value either way. A ReLU before a u8 quantize
/// with zero point 0 (what calibration gives a ReLU's output) is absorbed,
/// and the product before it requantizes with one multiplier.
struct AbsorbClamp : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto uniform = dyn_cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(op.getType()).getElementType());
    if (!uniform)
      return rewriter.notifyMatchFailure(op, "not per tensor");
    double s = uniform.getScale();
    double low = (uniform.getStorageTypeMin() - uniform.getZeroPoint()) * s;
    double high = (uniform.getStorageTypeMax() - uniform.getZeroPoint()) * s;
    Operation *clamp = op.getInput().getDefiningOp();
    double lo = -INFINITY, hi = INFINITY;
    Value input;
    if (auto relu = dyn_cast_or_null<ReluOp>(clamp)) {
      lo = 0;
      input = relu.getInput();
    } else if (auto clip = dyn_cast_or_null<ClipOp>(clamp)) {
      auto bound = [](Attribute attr, double absent) -> std::optional<double> {
        if (!attr)
          return absent;
        if (auto f = dyn_cast<FloatAttr>(attr))
          return f.getValueAsDouble();
        return std::nullopt;
      };
      std::optional<double> min = bound(clip.getMinAttr(), -INFINITY);
      std::optional<double> max = bound(clip.getMaxAttr(), INFINITY);
      if (!min || !max || *min > *max)
        return rewriter.notifyMatchFailure(op, "clip bounds are not floats");
      lo = *min;
      hi = *max;
      input = clip.getInput();
    } else {
      return rewriter.notifyMatchFailure(op, "input is not a relu or clip");
    }
    if (!(lo <= low && hi >= high))
      return rewriter.notifyMatchFailure(
          op, "the clamp cuts inside the quantized range");
    rewriter.modifyOpInPlace(op, [&] { op.getInputMutable().assign(input); });
    return success();
  }
};

struct GroupQuantizedPass
    : tessera::tg::impl::GroupQuantizedBase<GroupQuantizedPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateGroupQuantizedPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void tessera::tg::populateGroupQuantizedPatterns(RewritePatternSet &patterns) {
  patterns.add<DequantizedMatMul, DequantizedConv, RequantizeProduct,
               AbsorbClamp>(
      patterns.getContext());
}
