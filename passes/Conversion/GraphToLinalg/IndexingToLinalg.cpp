//===- IndexingToLinalg.cpp - data-dependent indexing ---------------------===//
//
// gather_nd is a linalg.generic over the result that reads its coordinates
// from `indices` and the element from `data` with tensor.extract. The
// scatters copy `data` into a fresh tensor and walk `updates` in row-major
// order with an scf.for nest carrying that tensor: extract the update,
// compute the target coordinates, combine with the element there and insert.
// The walk is sequential, which gives duplicate indices their ONNX meaning.
// top_k fills its k slots in order, each with the best element that ranks
// after the previous slot's (value, then lower index first): O(k * n) per
// row, no scratch memory.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "passes/Conversion/GraphToLinalg/LoweringUtils.h"
#include "passes/Conversion/GraphToLinalg/Patterns.h"
#include "dialects/Kernel/IR/RuntimeChecks.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace tessera::lowering;
namespace tg = tessera::tg;

namespace {

/// The position read from `indices` at `position`, negative values counting
/// back from `extent`.
Value readIndex(OpBuilder &b, Location loc, Value indices,
                ArrayRef<Value> position, int64_t extent) {
  return indexFrom(b, loc, tensor::ExtractOp::create(b, loc, indices, position),
                   extent);
}

/// readIndex, checked: a value outside [-extent, extent) reports `check`.
Value readCheckedIndex(OpBuilder &b, Location loc, Value indices,
                       ArrayRef<Value> position, int64_t extent,
                       const RuntimeCheck &check) {
  return checkedIndex(b, loc,
                      tensor::ExtractOp::create(b, loc, indices, position),
                      extent, check);
}

struct GatherNDLowering : OpConversionPattern<tg::GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::GatherNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = convertedType(*getTypeConverter(), op.getType());
    auto dataType = cast<RankedTensorType>(adaptor.getData().getType());
    auto indicesType = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t batch = op.getBatchDims(), q = indicesType.getRank(),
            k = indicesType.getDimSize(q - 1);
    Value indices = adaptor.getIndices();
    SmallVector<RuntimeCheck> checks;
    for (int64_t j = 0; j < k; ++j)
      checks.push_back(addIndexCheck(rewriter, op, batch + j,
                                     dataType.getDimSize(batch + j)));
    rewriter.replaceOp(
        op,
        gatherGeneric(
            rewriter, op.getLoc(), type, adaptor.getData(), {}, {},
            [&](OpBuilder &b, Location l, ValueRange, ArrayRef<Value> result) {
              // result = indices.shape[:-1] + data.shape[batch + k:]
              SmallVector<Value> source(result.take_front(batch));
              SmallVector<Value> position(result.take_front(q - 1));
              position.push_back(Value());
              for (int64_t j = 0; j < k; ++j) {
                position.back() = indexConstant(b, l, j);
                source.push_back(readCheckedIndex(
                    b, l, indices, position, dataType.getDimSize(batch + j),
                    checks[j]));
              }
              llvm::append_range(source, result.drop_front(q - 1));
              return source;
            }));
    return success();
  }
};

/// `current` combined with `update` by `reduction`.
Value combine(OpBuilder &b, Location loc, tg::ScatterReduction reduction,
              Kind kind, Value current, Value update) {
  switch (reduction) {
  case tg::ScatterReduction::none:
    return update;
  case tg::ScatterReduction::add:
    return add(b, loc, kind, current, update);
  case tg::ScatterReduction::mul:
    return mul(b, loc, kind, current, update);
  case tg::ScatterReduction::max:
    return maximum(b, loc, kind, current, update);
  case tg::ScatterReduction::min:
    return minimum(b, loc, kind, current, update);
  }
  llvm_unreachable("unknown scatter reduction");
}

/// A copy of `data` with every element of `updates` combined into it at the
/// coordinates `target` computes from the update's position.
Value scatter(
    OpBuilder &b, Location loc, Value data, Value updates,
    tg::ScatterReduction reduction, Kind kind, const RuntimeCheck &check,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ArrayRef<Value>)>
        target) {
  auto dataType = cast<RankedTensorType>(data.getType());
  Value copy =
      linalg::CopyOp::create(b, loc, data, emptyTensor(b, loc, dataType))
          .getResult(0);
  auto updatesType = cast<RankedTensorType>(updates.getType());
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t size : updatesType.getShape()) {
    lbs.push_back(indexConstant(b, loc, 0));
    ubs.push_back(indexConstant(b, loc, size));
    steps.push_back(indexConstant(b, loc, 1));
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{copy},
      [&](OpBuilder &nb, Location l, ValueRange ivs,
          ValueRange iterArgs) -> scf::ValueVector {
        SmallVector<Value> position(ivs);
        Value update = tensor::ExtractOp::create(nb, l, updates, position);
        SmallVector<Value> at = target(nb, l, position);
        // An index outside the data (an error in ONNX) skips its update
        // and reports `check`.
        Value inside = arith::ConstantOp::create(nb, l, nb.getBoolAttr(true));
        for (auto [d, coordinate] : llvm::enumerate(at))
          inside = arith::AndIOp::create(
              nb, l, inside,
              arith::CmpIOp::create(
                  nb, l, arith::CmpIPredicate::ult, coordinate,
                  indexConstant(nb, l, dataType.getDimSize(d))));
        auto guarded = scf::IfOp::create(
            nb, l, inside,
            [&](OpBuilder &tb, Location tl) {
              Value value = update;
              if (reduction != tg::ScatterReduction::none)
                value = combine(
                    tb, tl, reduction, kind,
                    tensor::ExtractOp::create(tb, tl, iterArgs[0], at), update);
              scf::YieldOp::create(tb, tl,
                                   ValueRange{tensor::InsertOp::create(
                                       tb, tl, value, iterArgs[0], at)});
            },
            [&](OpBuilder &eb, Location el) {
              reportIf(eb, el,
                       arith::ConstantOp::create(eb, el, eb.getBoolAttr(true)),
                       check);
              scf::YieldOp::create(eb, el, ValueRange{iterArgs[0]});
            });
        return {guarded.getResult(0)};
      });
  return nest.results.front();
}

struct ScatterElementsLowering : OpConversionPattern<tg::ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::ScatterElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto dataType = cast<RankedTensorType>(adaptor.getData().getType());
    int64_t axis = op.getAxis(), extent = dataType.getDimSize(axis);
    Value indices = adaptor.getIndices();
    RuntimeCheck check = addIndexCheck(rewriter, op, axis, extent);
    rewriter.replaceOp(
        op,
        scatter(rewriter, op.getLoc(), adaptor.getData(), adaptor.getUpdates(),
                op.getReduction(), kindOf(op.getType().getElementType()), check,
                [&](OpBuilder &b, Location l, ArrayRef<Value> position) {
                  SmallVector<Value> at(position);
                  at[axis] = readIndex(b, l, indices, position, extent);
                  return at;
                }));
    return success();
  }
};

struct ScatterNDLowering : OpConversionPattern<tg::ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::ScatterNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto dataType = cast<RankedTensorType>(adaptor.getData().getType());
    auto indicesType = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t q = indicesType.getRank(), k = indicesType.getDimSize(q - 1);
    Value indices = adaptor.getIndices();
    RuntimeCheck check = addRuntimeCheck(
        rewriter, op,
        "index out of range: a row of 'indices' addresses a position outside "
        "the first " +
            Twine(k) + " dimensions of 'data'");
    rewriter.replaceOp(
        op,
        scatter(rewriter, op.getLoc(), adaptor.getData(), adaptor.getUpdates(),
                op.getReduction(), kindOf(op.getType().getElementType()), check,
                [&](OpBuilder &b, Location l, ArrayRef<Value> position) {
                  // position = indices.shape[:-1] + data.shape[k:]
                  SmallVector<Value> at;
                  SmallVector<Value> where(position.take_front(q - 1));
                  where.push_back(Value());
                  for (int64_t j = 0; j < k; ++j) {
                    where.back() = indexConstant(b, l, j);
                    at.push_back(readIndex(b, l, indices, where,
                                           dataType.getDimSize(j)));
                  }
                  llvm::append_range(at, position.drop_front(q - 1));
                  return at;
                }));
    return success();
  }
};

/// Whether element (a, ai) ranks before (b, bi): larger (or smaller) value
/// first, the lower index first among equal values.
Value ranksBefore(OpBuilder &b, Location loc, Kind kind, bool largest, Value a,
                  Value ai, Value bv, Value bi) {
  Value better = compareScalars(b, loc, kind, a, bv, /*less=*/!largest);
  Value equal =
      kind == Kind::Float
          ? Value(arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, a,
                                        bv))
          : Value(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, a,
                                        bv));
  Value lower =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, ai, bi);
  return arith::OrIOp::create(b, loc, better,
                              arith::AndIOp::create(b, loc, equal, lower));
}

struct TopKLowering : OpConversionPattern<tg::TopKOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    RankedTensorType valuesType =
        convertedType(*getTypeConverter(), op.getValues().getType());
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    int64_t axis = op.getAxis(), k = op.getK(), n = inputType.getDimSize(axis);
    bool largest = op.getLargest();
    Kind kind = kindOf(op.getInput().getType().getElementType());
    Type elementType = valuesType.getElementType();

    // One row per position of the other dimensions.
    SmallVector<Value> lbs, ubs, steps;
    for (int64_t d = 0; d < inputType.getRank(); ++d) {
      lbs.push_back(indexConstant(rewriter, loc, 0));
      ubs.push_back(indexConstant(rewriter, loc,
                                  d == axis ? 1 : inputType.getDimSize(d)));
      steps.push_back(indexConstant(rewriter, loc, 1));
    }
    Value zero = indexConstant(rewriter, loc, 0),
          one = indexConstant(rewriter, loc, 1);
    Value init[] = {emptyTensor(rewriter, loc, valuesType),
                    emptyTensor(rewriter, loc, indicesType)};
    scf::LoopNest rows = scf::buildLoopNest(
        rewriter, loc, lbs, ubs, steps, init,
        [&](OpBuilder &b, Location l, ValueRange row,
            ValueRange outputs) -> scf::ValueVector {
          Value anyValue = scalarConstant(b, l, elementType, 0);
          Value slotInit[] = {outputs[0], outputs[1], anyValue, zero};
          auto slots = scf::ForOp::create(
              b, l, zero, indexConstant(b, l, k), one, slotInit,
              [&](OpBuilder &sb, Location sl, Value slot, ValueRange carried) {
                Value first = arith::CmpIOp::create(
                    sb, sl, arith::CmpIPredicate::eq, slot, zero);
                Value falseValue =
                    arith::ConstantOp::create(sb, sl, sb.getBoolAttr(false));
                Value scanInit[] = {anyValue, zero, falseValue};
                auto scan = scf::ForOp::create(
                    sb, sl, zero, indexConstant(sb, sl, n), one, scanInit,
                    [&](OpBuilder &eb, Location el, Value i, ValueRange best) {
                      SmallVector<Value> at(row);
                      at[axis] = i;
                      Value v = tensor::ExtractOp::create(eb, el, input, at);
                      // Ranks after the previous slot, and before the best
                      // found so far.
                      Value eligible = arith::OrIOp::create(
                          eb, el, first,
                          ranksBefore(eb, el, kind, largest, carried[2],
                                      carried[3], v, i));
                      Value improves = arith::OrIOp::create(
                          eb, el,
                          arith::XOrIOp::create(
                              eb, el, best[2],
                              arith::ConstantOp::create(eb, el,
                                                        eb.getBoolAttr(true))),
                          ranksBefore(eb, el, kind, largest, v, i, best[0],
                                      best[1]));
                      Value take =
                          arith::AndIOp::create(eb, el, eligible, improves);
                      scf::YieldOp::create(
                          eb, el,
                          ValueRange{
                              arith::SelectOp::create(eb, el, take, v, best[0]),
                              arith::SelectOp::create(eb, el, take, i, best[1]),
                              arith::OrIOp::create(eb, el, best[2], take)});
                    });
                Value bestValue = scan.getResult(0),
                      bestIndex = scan.getResult(1);
                SmallVector<Value> at(row);
                at[axis] = slot;
                Value values =
                    tensor::InsertOp::create(sb, sl, bestValue, carried[0], at);
                Value index = arith::IndexCastOp::create(
                    sb, sl, sb.getI64Type(), bestIndex);
                Value indices =
                    tensor::InsertOp::create(sb, sl, index, carried[1], at);
                scf::YieldOp::create(
                    sb, sl, ValueRange{values, indices, bestValue, bestIndex});
              });
          return {slots.getResult(0), slots.getResult(1)};
        });
    rewriter.replaceOp(op, rows.results);
    return success();
  }
};

} // namespace

void tessera::lowering::populateIndexingLoweringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<GatherNDLowering, ScatterElementsLowering, ScatterNDLowering,
               TopKLowering>(converter, patterns.getContext());
}
