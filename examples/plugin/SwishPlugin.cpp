//===- SwishPlugin.cpp - an example Tessera compiler plugin ---------------===//
//
// Two things a plugin typically brings:
//
// 1. A company's custom ONNX op: com.example.Swish (opset 1), Y = X *
//    Sigmoid(beta * X) with a float attribute `beta` (default 1), imported
//    into tg ops, which Tessera then fuses and compiles like its own.
// 2. A graph rewrite Tessera does not have, at a hook: before the graph
//    phase, a division by a constant becomes a multiplication by its
//    reciprocal (tg.div(x, c) -> tg.mul(x, 1/c)), which the kernels run
//    faster.
//
// docs/plugins.md walks through this file.
//
//===----------------------------------------------------------------------===//

#include "tessera/Import/OnnxConverter.h"
#include "tessera/Plugin/Plugin.h"

#include "dialects/Graph/IR/GraphBuild.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace tessera;

namespace {

/// com.example.Swish -> tg.mul(X, tg.sigmoid(tg.mul(X, beta))).
LogicalResult convertSwish(OnnxNode &node) {
  if (node.numInputs() != 1 || !node.input(0))
    return node.error("expects one input X");
  Value x = node.input(0);
  auto type = dyn_cast<RankedTensorType>(x.getType());
  if (!type || !isa<FloatType>(type.getElementType()))
    return node.error("X must be a float tensor");
  double beta = node.getFloat("beta", 1.0);
  if (!std::isfinite(beta))
    return node.error("beta must be finite");

  OpBuilder &b = node.builder();
  Location loc = node.location();
  Value scaled = x;
  if (beta != 1.0) {
    auto scalar = RankedTensorType::get({}, type.getElementType());
    auto betaAttr = DenseElementsAttr::get(
        scalar, b.getFloatAttr(type.getElementType(), beta));
    Value betaValue = tg::ConstantOp::create(b, loc, scalar, betaAttr);
    auto product = tg::buildGraphOp<tg::MulOp>(b, loc, {x, betaValue});
    if (failed(product))
      return failure();
    scaled = product->front();
  }
  auto gate = tg::buildGraphOp<tg::SigmoidOp>(b, loc, {scaled});
  if (failed(gate))
    return failure();
  auto y = tg::buildGraphOp<tg::MulOp>(b, loc, {x, gate->front()});
  if (failed(y))
    return failure();
  return node.setOutputs({y->front()});
}

/// tg.div(x, splat constant c) -> tg.mul(x, splat 1/c), for a finite,
/// non-zero c of a float type.
struct DivideByConstant : OpRewritePattern<tg::DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tg::DivOp op,
                                PatternRewriter &rewriter) const override {
    DenseFPElementsAttr divisor;
    if (!matchPattern(op.getRhs(), m_Constant(&divisor)))
      return rewriter.notifyMatchFailure(op, "the divisor is not a constant");
    if (!divisor.isSplat())
      return rewriter.notifyMatchFailure(op, "the divisor is not a splat");
    APFloat value = divisor.getSplatValue<APFloat>();
    if (value.isZero() || !value.isFinite())
      return rewriter.notifyMatchFailure(op, "the divisor is 0 or not finite");
    APFloat reciprocal(value.getSemantics(), 1);
    reciprocal.divide(value, APFloat::rmNearestTiesToEven);
    auto reciprocalAttr = DenseElementsAttr::get(divisor.getType(), reciprocal);
    Value constant = tg::ConstantOp::create(
        rewriter, op.getLoc(), reciprocalAttr.getType(), reciprocalAttr);
    rewriter.replaceOpWithNewOp<tg::MulOp>(op, op.getType(), op.getLhs(),
                                           constant);
    return success();
  }
};

void registerSwishPlugin(PluginRegistrar &registrar) {
  registrar.addOnnxConverter({"com.example", "Swish", 1, 1, convertSwish});
  registrar.addPatterns(Phase::Graph, HookPoint::Before,
                        [](RewritePatternSet &patterns) {
                          patterns.add<DivideByConstant>(
                              patterns.getContext());
                        });
}

} // namespace

TESSERA_DEFINE_PLUGIN("swish-example", "1.0", registerSwishPlugin)
