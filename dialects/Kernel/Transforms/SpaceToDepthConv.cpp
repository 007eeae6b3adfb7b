//===- SpaceToDepthConv.cpp - strided convolutions as stride-1 ones -------===//
//
// A dense convolution with a stride s > 1 along its innermost spatial
// dimension reads every s-th input element: the CPU kernels then gather
// their vectors lane by lane. When the kernel extent k is close to a
// multiple of s (the patch embedding of a vision transformer, k = s = 16;
// a learned STFT, k = 512, s = 160), the convolution is rewritten as a
// stride-1 one over a space-to-depth view of the input:
//
//   out[t] = sum_j w[j] x[t*s + j],  j = q*s + r (r < s, q < K = ceil(k/s))
//          = sum_r sum_q w'[r][q] x'[r][t + q],
//   x'[r][u] = x[u*s + r],  w'[r][q] = w[q*s + r] (0 past k),
//
// that is s times the channels and a kernel of K taps. The input is padded
// (the convolution's own pads, then zeros or a crop to U*s elements, U the
// extent the stride-1 convolution reads), reshaped and transposed once; the
// constant filter is rearranged at compile time. Each spatial dimension is
// rewritten when its stride is > 1, its dilation 1 and the zero taps added
// stay within 25% (K*s <= 1.25 k); the innermost one must be, or nothing is.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Kernel/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace tessera;

namespace {

struct SpaceToDepthConv : OpRewritePattern<tg::ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tg::ConvOp op,
                                PatternRewriter &rewriter) const override {
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    if (!resultType.getElementType().isF32() || op.getGroup() != 1)
      return rewriter.notifyMatchFailure(op, "not a dense f32 convolution");
    int64_t spatial = inputType.getRank() - 2;
    if (spatial < 1 || spatial > 2 || !inputType.hasStaticShape() ||
        !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "not a static 1-D or 2-D one");
    DenseElementsAttr filter;
    if (!matchPattern(op.getWeight(), m_Constant(&filter)))
      return rewriter.notifyMatchFailure(op, "filter is not a constant");

    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(),
                      pads = op.getPads();
    SmallVector<bool> rewritten(spatial, false);
    SmallVector<int64_t> taps(spatial), extent(spatial);
    for (int64_t d = 0; d < spatial; ++d) {
      int64_t s = strides[d], k = weightType.getDimSize(2 + d);
      int64_t reduced = (k + s - 1) / s;
      rewritten[d] = s > 1 && dilations[d] == 1 && 4 * reduced * s <= 5 * k;
      taps[d] = rewritten[d] ? reduced : k;
      // The stride-1 convolution reads U = out + K - 1 positions.
      extent[d] = resultType.getDimSize(2 + d) + reduced - 1;
    }
    if (!rewritten.back())
      return rewriter.notifyMatchFailure(
          op, "the innermost stride is 1, dilated, or not close to a "
              "divisor of the kernel");

    Location loc = op.getLoc();
    int64_t batch = inputType.getDimSize(0), channels = inputType.getDimSize(1);
    int64_t filters = weightType.getDimSize(0);
    // The input padded (or cropped) to U * s along the rewritten dimensions.
    SmallVector<int64_t> padding(2 * (spatial + 2), 0);
    SmallVector<int64_t> newPads(pads), newStrides(strides);
    for (int64_t d = 0; d < spatial; ++d) {
      if (!rewritten[d])
        continue;
      int64_t length = inputType.getDimSize(2 + d);
      padding[2 + d] = pads[d];
      padding[spatial + 4 + d] = extent[d] * strides[d] - (length + pads[d]);
      newPads[d] = newPads[spatial + d] = 0;
      newStrides[d] = 1;
    }
    Value input = op.getInput();
    if (llvm::any_of(padding, [](int64_t p) { return p != 0; }))
      input = tg::PadOp::create(rewriter, loc, input, tg::PadMode::constant,
                                padding, /*value=*/nullptr);
    // [N, C, (U, s) | D, ...] -> [N, C, s..., U | D ...] -> [N, C*prod(s), ...]
    SmallVector<int64_t> split{batch, channels}, perm{0, 1}, outer;
    SmallVector<int64_t> merged{batch, channels};
    for (int64_t d = 0; d < spatial; ++d) {
      if (rewritten[d]) {
        outer.push_back(split.size());
        perm.push_back(split.size() + 1);
        split.append({extent[d], strides[d]});
        merged[1] *= strides[d];
      } else {
        outer.push_back(split.size());
        split.push_back(cast<RankedTensorType>(input.getType()).getDimSize(2 + d));
      }
    }
    perm.append(outer);
    for (int64_t d = 0; d < spatial; ++d)
      merged.push_back(split[outer[d]]);
    Type f32 = rewriter.getF32Type();
    Value view = tg::ReshapeOp::create(
        rewriter, loc, RankedTensorType::get(split, f32), input);
    view = tg::TransposeOp::create(rewriter, loc, view, perm);
    view = tg::ReshapeOp::create(rewriter, loc,
                                 RankedTensorType::get(merged, f32), view);

    // The filter rearranged: w'[f][(c, r...)][q...] = w[f][c][q*s + r ...].
    SmallVector<int64_t> newShape{filters, merged[1]};
    newShape.append(taps);
    SmallVector<float> values(filters * merged[1] * taps[0] *
                                  (spatial > 1 ? taps[1] : 1),
                              0.0f);
    SmallVector<float> old(filter.getValues<float>());
    int64_t kh = spatial > 1 ? weightType.getDimSize(2) : 1;
    int64_t kw = weightType.getDimSize(1 + spatial);
    int64_t sh = spatial > 1 && rewritten[0] ? strides[0] : 1;
    int64_t sw = strides[spatial - 1];
    int64_t th = spatial > 1 ? taps[0] : 1, tw = taps[spatial - 1];
    for (int64_t f = 0; f < filters; ++f)
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t y = 0; y < kh; ++y)
          for (int64_t x = 0; x < kw; ++x) {
            int64_t channel = (c * sh + y % sh) * sw + x % sw;
            int64_t at =
                ((f * merged[1] + channel) * th + y / sh) * tw + x / sw;
            values[at] = old[((f * channels + c) * kh + y) * kw + x];
          }
    Value weight = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(RankedTensorType::get(newShape, f32),
                               ArrayRef<float>(values)));
    auto conv = tg::ConvOp::create(rewriter, loc, view, weight, op.getBias(),
                                   newStrides, newPads, dilations,
                                   op.getGroup());
    rewriter.replaceOp(op, conv.getResult());
    return success();
  }
};

} // namespace

void tessera::tk::populateSpaceToDepthConvPatterns(RewritePatternSet &patterns) {
  // Before DirectConvToKernel takes the strided convolution as it is.
  patterns.add<SpaceToDepthConv>(patterns.getContext(), /*benefit=*/2);
}
