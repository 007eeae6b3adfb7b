//===- ResizeToLinalg.cpp - tg.resize with compile-time tap tables --------===//
//
// Shapes are static, so every output coordinate's source taps and weights
// are known at compile time. They are computed here, once, in double
// precision following ONNX's reference definition, and stored as constant
// tables (indices, weights, an outside-the-crop mask); the generated kernel
// only gathers and accumulates. Nearest needs one tap per dimension, linear
// two, cubic four, antialiased downsampling a window widened by 1 / scale;
// dimensions that are not resized read straight through.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "passes/Conversion/GraphToLinalg/LoweringUtils.h"
#include "passes/Conversion/GraphToLinalg/Patterns.h"

#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace tessera::lowering;
namespace tg = tessera::tg;

namespace {

/// The taps of one dimension: for each output index, `taps` source indices
/// (clamped into the input) and their weights, and whether the coordinate
/// falls outside a tf_crop_and_resize crop.
struct DimTaps {
  int64_t taps = 1;
  bool identity = false;
  bool oneTap = false; // one tap of weight 1 per output (no weights)
  SmallVector<int64_t> index; // outputSize * taps
  SmallVector<double> weight; // outputSize * taps
  SmallVector<bool> outside;  // outputSize
  bool anyOutside = false;
};

/// ONNX's coordinate transforms. As in the ONNX definition, the resized
/// length is scale * input length, which need not be an integer when the
/// model gave scales.
double sourceCoordinate(tg::CoordinateMode mode, double x, double scale,
                        int64_t inSize, double outSize, double roiStart,
                        double roiEnd) {
  switch (mode) {
  case tg::CoordinateMode::half_pixel:
    return (x + 0.5) / scale - 0.5;
  case tg::CoordinateMode::half_pixel_symmetric: {
    double adjustment = outSize / (scale * inSize);
    double center = inSize / 2.0;
    double offset = center * (1 - adjustment);
    return offset + (x + 0.5) / scale - 0.5;
  }
  case tg::CoordinateMode::pytorch_half_pixel:
    return outSize > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  case tg::CoordinateMode::align_corners:
    return outSize == 1 ? 0.0 : x * (inSize - 1) / (outSize - 1);
  case tg::CoordinateMode::asymmetric:
    return x / scale;
  case tg::CoordinateMode::tf_crop_and_resize:
    return outSize > 1
               ? roiStart * (inSize - 1) +
                     x * (roiEnd - roiStart) * (inSize - 1) / (outSize - 1)
               : 0.5 * (roiStart + roiEnd) * (inSize - 1);
  case tg::CoordinateMode::tf_half_pixel_for_nn:
    return (x + 0.5) / scale;
  }
  return x;
}

std::array<double, 4> cubicCoefficients(double r, double a) {
  double s = 1 - r;
  return {((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
          ((a + 2) * r - (a + 3)) * r * r + 1,
          ((a + 2) * s - (a + 3)) * s * s + 1,
          ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a};
}

int64_t nearestIndex(tg::NearestMode mode, double x) {
  double floorX = std::floor(x), frac = x - floorX;
  if (frac == 0.0)
    return static_cast<int64_t>(x);
  switch (mode) {
  case tg::NearestMode::round_prefer_floor:
    return static_cast<int64_t>(frac <= 0.5 ? floorX : floorX + 1);
  case tg::NearestMode::round_prefer_ceil:
    return static_cast<int64_t>(frac < 0.5 ? floorX : floorX + 1);
  case tg::NearestMode::floor:
    return static_cast<int64_t>(floorX);
  case tg::NearestMode::ceil:
    return static_cast<int64_t>(floorX + 1);
  }
  return static_cast<int64_t>(floorX);
}

/// `taps` with one tap per output when every output's weights are one-hot
/// (a weight of 1, the rest 0: integral source coordinates, e.g. a
/// dimension that align_corners or a scale of 1 leaves alone), and the
/// identity when every output's one tap is the output index itself.
DimTaps collapseOneHot(DimTaps taps, int64_t inSize) {
  if (taps.anyOutside)
    return taps;
  int64_t outSize = taps.outside.size();
  auto isIdentity = [&](ArrayRef<int64_t> index) {
    bool identity = outSize == inSize;
    for (int64_t o = 0; identity && o < outSize; ++o)
      identity = index[o] == o;
    return identity;
  };
  if (taps.taps == 1) {
    taps.identity = isIdentity(taps.index);
    return taps;
  }
  SmallVector<int64_t> index;
  for (int64_t o = 0; o < outSize; ++o) {
    int64_t hot = -1;
    for (int64_t t = 0; t < taps.taps; ++t) {
      double w = taps.weight[o * taps.taps + t];
      if (w == 1.0 && hot < 0)
        hot = taps.index[o * taps.taps + t];
      else if (w != 0.0)
        return taps;
    }
    if (hot < 0)
      return taps;
    index.push_back(hot);
  }
  DimTaps collapsed;
  collapsed.outside = std::move(taps.outside);
  collapsed.oneTap = true;
  collapsed.index = index;
  collapsed.weight.assign(outSize, 1.0);
  collapsed.identity = isIdentity(index);
  return collapsed;
}

DimTaps computeTaps(tg::ResizeOp op, int64_t dim, int64_t rank) {
  int64_t inSize = op.getInput().getType().getDimSize(dim);
  int64_t outSize = op.getType().getDimSize(dim);
  double scale = op.getScales()[dim];
  tg::CoordinateMode coordinates = op.getCoordinateMode();
  bool crop = coordinates == tg::CoordinateMode::tf_crop_and_resize;
  double roiStart = crop ? (*op.getRoi())[dim] : 0.0;
  double roiEnd = crop ? (*op.getRoi())[dim + rank] : 1.0;
  DimTaps result;
  if (inSize == outSize && scale == 1.0f && !crop &&
      coordinates != tg::CoordinateMode::align_corners) {
    result.identity = true;
    return result;
  }
  tg::ResizeMode mode = op.getMode();
  // Antialiased downsampling stretches the linear (support 1) or cubic
  // (support 2) filter by 1 / scale: the window holds 2 - 2 * start taps,
  // start = floor(-support / scale) + 1, around the tap below x.
  bool antialias =
      op.getAntialias() && mode != tg::ResizeMode::nearest && scale < 1.0;
  double support = mode == tg::ResizeMode::linear ? 1.0 : 2.0;
  int64_t start = antialias
                      ? static_cast<int64_t>(std::floor(-support / scale)) + 1
                      : (mode == tg::ResizeMode::linear ? 0 : -1);
  result.taps = mode == tg::ResizeMode::nearest ? 1 : 2 - 2 * start;
  double a = op.getCubicCoeffA().convertToDouble();
  auto cubic = [&](double x) {
    x = std::abs(x);
    if (x <= 1)
      return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2)
      return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    return 0.0;
  };
  auto clampIndex = [&](int64_t i) {
    return std::clamp<int64_t>(i, 0, inSize - 1);
  };
  for (int64_t o = 0; o < outSize; ++o) {
    double x = sourceCoordinate(coordinates, o, scale, inSize, scale * inSize,
                                roiStart, roiEnd);
    bool outside = crop && (x < 0 || x > inSize - 1);
    result.outside.push_back(outside);
    result.anyOutside |= outside;
    if (mode == tg::ResizeMode::nearest) {
      result.index.push_back(clampIndex(nearestIndex(op.getNearestMode(), x)));
      result.weight.push_back(1.0);
      continue;
    }
    // The tap just below x (one below x when x is integral, with ratio 1, as
    // in ONNX's reference), then its neighbours.
    double base = std::floor(x), ratio = x - base;
    if (ratio == 0.0) {
      base -= 1;
      ratio = 1.0;
    }
    SmallVector<int64_t> taps;
    SmallVector<double> weights;
    if (antialias) {
      double sum = 0;
      for (int64_t t = start; t < 1 - start + 1; ++t) {
        double u = (t - ratio) * scale;
        double w = mode == tg::ResizeMode::linear
                       ? std::clamp(1 - std::abs(u), 0.0, 1.0)
                       : cubic(u);
        taps.push_back(static_cast<int64_t>(base) + t);
        weights.push_back(w);
        sum += w;
      }
      for (double &w : weights)
        w /= sum;
    } else if (mode == tg::ResizeMode::linear) {
      taps = {static_cast<int64_t>(base), static_cast<int64_t>(base) + 1};
      weights = {1 - ratio, ratio};
    } else {
      for (int64_t t = -1; t <= 2; ++t)
        taps.push_back(static_cast<int64_t>(base) + t);
      auto c = cubicCoefficients(ratio, a);
      weights.assign(c.begin(), c.end());
    }
    if (mode == tg::ResizeMode::cubic && op.getExcludeOutside()) {
      double sum = 0;
      for (size_t t = 0; t < taps.size(); ++t) {
        if (taps[t] < 0 || taps[t] >= inSize)
          weights[t] = 0;
        sum += weights[t];
      }
      for (double &w : weights)
        w = sum != 0 ? w / sum : 0;
    }
    for (size_t t = 0; t < taps.size(); ++t) {
      result.index.push_back(clampIndex(taps[t]));
      result.weight.push_back(weights[t]);
    }
  }
  return collapseOneHot(std::move(result), inSize);
}

/// Interpolation one dimension at a time, when at least two dimensions
/// carry weights and no output falls outside a crop: a generic per such
/// dimension, each output `weight x value` summed over that dimension's
/// taps only (what ONNX's reference does, dimension by dimension). A pass
/// over a dimension other than the innermost reads whole rows along it (its
/// taps depend on an outer index), so it vectorizes with plain loads; only
/// the innermost dimension's pass gathers, and it runs first when that
/// dimension grows (on the smaller tensor). One-tap dimensions are read
/// through their tables by the first pass. Bilinear 2x on 64 x 80²: 4 taps
/// x 2 table reads per output become 2 + 2. Null when it does not apply.
Value separablePasses(OpBuilder &b, Location loc, Value source,
                      RankedTensorType type, ArrayRef<DimTaps> dims,
                      ArrayRef<Value> indexTables,
                      ArrayRef<Value> weightTables) {
  int64_t rank = type.getRank();
  SmallVector<int64_t> weighted, gathered;
  for (int64_t d = 0; d < rank; ++d) {
    if (dims[d].anyOutside)
      return Value();
    if (weightTables[d])
      weighted.push_back(d);
    else if (!dims[d].identity)
      gathered.push_back(d);
  }
  if (weighted.size() < 2)
    return Value();
  auto sourceType = cast<RankedTensorType>(source.getType());
  if (weighted.back() == rank - 1 &&
      type.getDimSize(rank - 1) > sourceType.getDimSize(rank - 1))
    std::rotate(weighted.begin(), weighted.end() - 1, weighted.end());
  Type elementType = type.getElementType();
  SmallVector<bool> resized(rank, false);
  Value current = source;
  for (auto [pass, d] : llvm::enumerate(weighted)) {
    SmallVector<int64_t> gatherDims = pass == 0 ? gathered
                                                : SmallVector<int64_t>();
    resized[d] = true;
    for (int64_t g : gatherDims)
      resized[g] = true;
    SmallVector<int64_t> shape;
    for (int64_t e = 0; e < rank; ++e)
      shape.push_back(resized[e] ? type.getDimSize(e)
                                 : sourceType.getDimSize(e));
    auto passType = RankedTensorType::get(shape, elementType);
    Value input = current;
    int64_t taps = dims[d].taps;
    auto generic = linalg::GenericOp::create(
        b, loc, TypeRange{passType}, ValueRange{},
        ValueRange{emptyTensor(b, loc, passType)},
        SmallVector<AffineMap>{b.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &nb, Location l, ValueRange) {
          SmallVector<Value> at;
          for (int64_t e = 0; e < rank; ++e)
            at.push_back(linalg::IndexOp::create(nb, l, e));
          Value o = at[d];
          for (int64_t g : gatherDims)
            at[g] = tensor::ExtractOp::create(
                nb, l, indexTables[g], ValueRange{at[g], indexConstant(nb, l, 0)});
          Value sum;
          for (int64_t t = 0; t < taps; ++t) {
            Value tap = indexConstant(nb, l, t);
            at[d] = tensor::ExtractOp::create(nb, l, indexTables[d],
                                              ValueRange{o, tap});
            Value term = arith::MulFOp::create(
                nb, l, tensor::ExtractOp::create(nb, l, input, at),
                tensor::ExtractOp::create(nb, l, weightTables[d],
                                          ValueRange{o, tap}));
            sum = sum ? arith::AddFOp::create(nb, l, sum, term).getResult()
                      : term;
          }
          linalg::YieldOp::create(nb, l, sum);
        });
    current = generic.getResult(0);
  }
  return current;
}

struct ResizeLowering : OpConversionPattern<tg::ResizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = convertedType(*getTypeConverter(), op.getType());
    Type elementType = type.getElementType();
    int64_t rank = type.getRank();
    bool interpolate = op.getMode() != tg::ResizeMode::nearest;

    SmallVector<DimTaps> dims;
    SmallVector<Value> indexTables, weightTables, outsideTables;
    for (int64_t d = 0; d < rank; ++d) {
      DimTaps taps = computeTaps(op, d, rank);
      Value indexTable, weightTable, outsideTable;
      if (!taps.identity) {
        int64_t outSize = type.getDimSize(d);
        auto indexType = RankedTensorType::get({outSize, taps.taps},
                                               rewriter.getIndexType());
        indexTable = arith::ConstantOp::create(
            rewriter, loc,
            DenseElementsAttr::get(indexType, ArrayRef<int64_t>(taps.index)));
        if (interpolate && !taps.oneTap) {
          auto weightType =
              RankedTensorType::get({outSize, taps.taps}, elementType);
          SmallVector<Attribute> weights;
          for (double w : taps.weight)
            weights.push_back(rewriter.getFloatAttr(elementType, w));
          weightTable = arith::ConstantOp::create(
              rewriter, loc, DenseElementsAttr::get(weightType, weights));
        }
        if (taps.anyOutside)
          outsideTable = arith::ConstantOp::create(
              rewriter, loc,
              DenseElementsAttr::get(
                  RankedTensorType::get({outSize}, rewriter.getI1Type()),
                  ArrayRef<bool>(SmallVector<bool>(taps.outside))));
      }
      dims.push_back(std::move(taps));
      indexTables.push_back(indexTable);
      weightTables.push_back(weightTable);
      outsideTables.push_back(outsideTable);
    }

    Value source = adaptor.getInput();
    if (Value separable = separablePasses(rewriter, loc, source, type, dims,
                                          indexTables, weightTables)) {
      rewriter.replaceOp(op, separable);
      return success();
    }
    Value extrapolation =
        interpolate || isa<FloatType>(elementType)
            ? scalarConstant(rewriter, loc, elementType,
                             op.getExtrapolationValue().convertToDouble())
            : scalarConstant(rewriter, loc, elementType, 0);
    SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{},
        ValueRange{emptyTensor(rewriter, loc, type)}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> outIndex;
          for (int64_t d = 0; d < rank; ++d)
            outIndex.push_back(linalg::IndexOp::create(b, l, d));
          // Iterate over every combination of taps.
          SmallVector<int64_t> tapCounts;
          int64_t combinations = 1;
          for (const DimTaps &taps : dims) {
            tapCounts.push_back(taps.identity ? 1 : taps.taps);
            combinations *= tapCounts.back();
          }
          Value sum;
          for (int64_t c = 0; c < combinations; ++c) {
            SmallVector<Value> at;
            Value weight;
            int64_t rest = c;
            for (int64_t d = rank - 1; d >= 0; --d) {
              int64_t tap = rest % tapCounts[d];
              rest /= tapCounts[d];
              if (dims[d].identity) {
                at.push_back(outIndex[d]);
                continue;
              }
              Value tapIndex = indexConstant(b, l, tap);
              at.push_back(tensor::ExtractOp::create(
                  b, l, indexTables[d], ValueRange{outIndex[d], tapIndex}));
              if (weightTables[d]) {
                Value w = tensor::ExtractOp::create(
                    b, l, weightTables[d], ValueRange{outIndex[d], tapIndex});
                weight = weight ? arith::MulFOp::create(b, l, weight, w) : w;
              }
            }
            std::reverse(at.begin(), at.end());
            Value element = tensor::ExtractOp::create(b, l, source, at);
            if (weight)
              element = arith::MulFOp::create(b, l, element, weight);
            sum = !sum
                      ? element
                      : (interpolate ? arith::AddFOp::create(b, l, sum, element)
                                           .getResult()
                                     : sum);
          }
          for (int64_t d = 0; d < rank; ++d)
            if (outsideTables[d]) {
              Value outside = tensor::ExtractOp::create(
                  b, l, outsideTables[d], ValueRange{outIndex[d]});
              sum = arith::SelectOp::create(b, l, outside, extrapolation, sum);
            }
          linalg::YieldOp::create(b, l, sum);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void tessera::lowering::populateResizeLoweringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(converter, patterns.getContext());
}
