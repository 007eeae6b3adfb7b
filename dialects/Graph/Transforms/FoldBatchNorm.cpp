//===- FoldBatchNorm.cpp - fold batch_norm into conv ----------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Graph/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace tessera::tg {
#define GEN_PASS_DEF_FOLDBATCHNORM
#include "dialects/Graph/Transforms/Passes.h.inc"
} // namespace tessera::tg

using namespace mlir;
using namespace tessera::tg;

namespace {

/// The values of a dense float constant, widened to double.
std::optional<SmallVector<double>> constantValues(Value value) {
  DenseFPElementsAttr dense;
  if (!matchPattern(value, m_Constant(&dense)))
    return std::nullopt;
  SmallVector<double> values;
  values.reserve(dense.getNumElements());
  for (const APFloat &v : dense.getValues<APFloat>()) {
    bool losesInfo;
    APFloat wide = v;
    wide.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                 &losesInfo);
    values.push_back(wide.convertToDouble());
  }
  return values;
}

/// A dense constant of `type` from doubles, rounded once.
Value makeConstant(PatternRewriter &rewriter, Location loc,
                   RankedTensorType type, ArrayRef<double> values) {
  const llvm::fltSemantics &semantics =
      cast<FloatType>(type.getElementType()).getFloatSemantics();
  SmallVector<APFloat> rounded;
  rounded.reserve(values.size());
  for (double v : values) {
    APFloat value(v);
    bool losesInfo;
    value.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
    rounded.push_back(value);
  }
  return ConstantOp::create(rewriter, loc, type,
                            DenseElementsAttr::get(type, rounded));
}

struct FoldBatchNormIntoConv : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp norm,
                                PatternRewriter &rewriter) const override {
    auto conv = norm.getInput().getDefiningOp<ConvOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(norm,
                                         "input is not a single-use conv");
    auto weight = constantValues(conv.getWeight());
    auto scale = constantValues(norm.getScale());
    auto shift = constantValues(norm.getBias());
    auto mean = constantValues(norm.getMean());
    auto var = constantValues(norm.getVar());
    if (!weight || !scale || !shift || !mean || !var)
      return rewriter.notifyMatchFailure(norm,
                                         "parameters are not dense constants");
    std::optional<SmallVector<double>> bias;
    if (conv.getBias()) {
      bias = constantValues(conv.getBias());
      if (!bias)
        return rewriter.notifyMatchFailure(norm, "conv bias is not constant");
    }

    auto weightType = cast<RankedTensorType>(conv.getWeight().getType());
    int64_t channels = weightType.getDimSize(0);
    int64_t perChannel = weightType.getNumElements() / channels;
    double epsilon = norm.getEpsilon().convertToDouble();
    SmallVector<double> newBias(channels);
    for (int64_t m = 0; m < channels; ++m) {
      double s = (*scale)[m] / std::sqrt((*var)[m] + epsilon);
      for (int64_t i = 0; i < perChannel; ++i)
        (*weight)[m * perChannel + i] *= s;
      newBias[m] = ((bias ? (*bias)[m] : 0.0) - (*mean)[m]) * s + (*shift)[m];
    }

    // The folded conv computes both nodes.
    Location loc = rewriter.getFusedLoc({conv.getLoc(), norm.getLoc()});
    Value newWeight = makeConstant(rewriter, loc, weightType, *weight);
    Value biasValue = makeConstant(
        rewriter, loc,
        RankedTensorType::get({channels}, weightType.getElementType()),
        newBias);
    Value folded = ConvOp::create(rewriter, loc, conv.getInput(), newWeight,
                                  biasValue, conv.getStridesAttr(),
                                  conv.getPadsAttr(), conv.getDilationsAttr(),
                                  conv.getGroupAttr());
    rewriter.replaceOp(norm, folded);
    rewriter.eraseOp(conv);
    return success();
  }
};

struct FoldBatchNormPass
    : tessera::tg::impl::FoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFoldBatchNormPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void tessera::tg::populateFoldBatchNormPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldBatchNormIntoConv>(patterns.getContext());
}
