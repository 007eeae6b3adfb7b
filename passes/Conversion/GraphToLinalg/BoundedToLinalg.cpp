//===- BoundedToLinalg.cpp - ops whose result size the data decides -------===//
//
// NonZero, NonMaxSuppression and Unique produce as many results as the
// data says:
// each lowers to sequential loops over tensors (scf.for with tensor.insert,
// which bufferization makes in-place stores) filling a bounded result from
// the front, and a count. The rest of the bounded result is 0.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "passes/Conversion/GraphToLinalg/LoweringUtils.h"
#include "passes/Conversion/GraphToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace tessera::lowering;
namespace tg = tessera::tg;

namespace {

/// One sequential pass over the input in row-major order: each non-zero
/// element's coordinates go into the next column. The result starts as
/// zeros, so the columns past the count are 0.
struct NonZeroLowering : OpConversionPattern<tg::NonZeroOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::NonZeroOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    Kind kind = kindOf(op.getInput().getType().getElementType());
    Type elementType = inputType.getElementType();
    Type i64 = rewriter.getI64Type();
    Value zero = indexConstant(rewriter, loc, 0),
          one = indexConstant(rewriter, loc, 1);
    Value init[] = {filledTensor(rewriter, loc, indicesType,
                                 scalarConstant(rewriter, loc, i64, 0)),
                    zero};
    auto scan = scf::ForOp::create(
        rewriter, loc, zero,
        indexConstant(rewriter, loc, inputType.getNumElements()), one, init,
        [&](OpBuilder &b, Location l, Value flat, ValueRange carried) {
          // The coordinates of the flat position, last dimension fastest.
          SmallVector<Value> at(inputType.getRank());
          Value rest = flat;
          for (int64_t d = inputType.getRank() - 1; d >= 0; --d) {
            Value size = indexConstant(b, l, inputType.getDimSize(d));
            at[d] = arith::RemUIOp::create(b, l, rest, size);
            rest = arith::DivUIOp::create(b, l, rest, size);
          }
          Value v = tensor::ExtractOp::create(b, l, input, at);
          Value nonZero;
          if (kind == Kind::Float)
            nonZero = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::UNE, v,
                scalarConstant(b, l, elementType, 0));
          else
            nonZero = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::ne, v,
                scalarConstant(b, l, elementType, 0));
          auto taken = scf::IfOp::create(
              b, l, nonZero,
              [&](OpBuilder &tb, Location tl) {
                Value indices = carried[0], column = carried[1];
                for (auto [d, coordinate] : llvm::enumerate(at))
                  indices = tensor::InsertOp::create(
                      tb, tl,
                      arith::IndexCastOp::create(tb, tl, tb.getI64Type(),
                                                 coordinate),
                      indices,
                      ValueRange{indexConstant(tb, tl, d), column});
                scf::YieldOp::create(
                    tb, tl,
                    ValueRange{indices,
                               arith::AddIOp::create(tb, tl, column, one)});
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, carried);
              });
          scf::YieldOp::create(b, l, taken.getResults());
        });
    Value count = tensor::FromElementsOp::create(
        rewriter, loc, RankedTensorType::get({}, i64),
        ValueRange{arith::IndexCastOp::create(rewriter, loc, i64,
                                              scan.getResult(1))});
    rewriter.replaceOp(op, {scan.getResult(0), count});
    return success();
  }
};


/// The corners and area of box `index` of batch `batch`, in `type`.
struct Box {
  Value ymin, xmin, ymax, xmax, area;
};

Box readBox(OpBuilder &b, Location l, Value boxes, Value batch, Value index,
            bool centered, Type type) {
  Value c[4];
  for (int k = 0; k < 4; ++k) {
    Value v = tensor::ExtractOp::create(
        b, l, boxes, ValueRange{batch, index, indexConstant(b, l, k)});
    c[k] = v.getType() == type ? v : arith::ExtFOp::create(b, l, type, v);
  }
  Box box;
  if (centered) {
    // [x_center, y_center, width, height]
    Value half = scalarConstant(b, l, type, 0.5);
    Value hw = arith::MulFOp::create(b, l, c[2], half);
    Value hh = arith::MulFOp::create(b, l, c[3], half);
    box.xmin = arith::SubFOp::create(b, l, c[0], hw);
    box.xmax = arith::AddFOp::create(b, l, c[0], hw);
    box.ymin = arith::SubFOp::create(b, l, c[1], hh);
    box.ymax = arith::AddFOp::create(b, l, c[1], hh);
  } else {
    // [y1, x1, y2, x2], either corner first
    box.ymin = arith::MinimumFOp::create(b, l, c[0], c[2]);
    box.ymax = arith::MaximumFOp::create(b, l, c[0], c[2]);
    box.xmin = arith::MinimumFOp::create(b, l, c[1], c[3]);
    box.xmax = arith::MaximumFOp::create(b, l, c[1], c[3]);
  }
  box.area = arith::MulFOp::create(
      b, l, arith::SubFOp::create(b, l, box.ymax, box.ymin),
      arith::SubFOp::create(b, l, box.xmax, box.xmin));
  return box;
}

/// Whether the intersection over union of `a` and `o` exceeds `threshold`;
/// a box of no area overlaps nothing.
Value overlaps(OpBuilder &b, Location l, const Box &a, const Box &o,
               Value threshold, Type type) {
  Value zero = scalarConstant(b, l, type, 0);
  auto extent = [&](Value lo1, Value hi1, Value lo2, Value hi2) {
    Value d = arith::SubFOp::create(
        b, l, arith::MinimumFOp::create(b, l, hi1, hi2),
        arith::MaximumFOp::create(b, l, lo1, lo2));
    return arith::MaximumFOp::create(b, l, d, zero);
  };
  Value inter = arith::MulFOp::create(
      b, l, extent(a.ymin, a.ymax, o.ymin, o.ymax),
      extent(a.xmin, a.xmax, o.xmin, o.xmax));
  Value uni = arith::SubFOp::create(
      b, l, arith::AddFOp::create(b, l, a.area, o.area), inter);
  Value iou = arith::DivFOp::create(b, l, inter, uni);
  Value positive = arith::AndIOp::create(
      b, l,
      arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, a.area, zero),
      arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, o.area, zero));
  return arith::AndIOp::create(
      b, l, positive,
      arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, iou, threshold));
}

/// Per batch and class: the candidates (boxes above the score threshold),
/// then repeatedly the best-scoring candidate not yet considered, kept
/// unless it overlaps a box kept before for that class, until max_output
/// are kept or no candidate is left.
struct NonMaxSuppressionLowering
    : OpConversionPattern<tg::NonMaxSuppressionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::NonMaxSuppressionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value boxes = adaptor.getBoxes(), scores = adaptor.getScores();
    auto boxesType = cast<RankedTensorType>(boxes.getType());
    auto scoresType = cast<RankedTensorType>(scores.getType());
    auto selectedType = cast<RankedTensorType>(op.getSelected().getType());
    int64_t batches = boxesType.getDimSize(0), n = boxesType.getDimSize(1),
            classes = scoresType.getDimSize(1),
            bound = selectedType.getDimSize(0);
    Type element = boxesType.getElementType();
    // Overlaps in f32 (f64 for f64), as ONNX Runtime computes them.
    Type type = element.getIntOrFloatBitWidth() > 32 ? element
                                                     : rewriter.getF32Type();
    bool centered = op.getCenterPointBox();
    Type i64 = rewriter.getI64Type(), i1 = rewriter.getI1Type();
    Value zero = indexConstant(rewriter, loc, 0),
          one = indexConstant(rewriter, loc, 1),
          nBoxes = indexConstant(rewriter, loc, n);
    auto scalar = [&](Value tensor) -> Value {
      auto tensorType = cast<RankedTensorType>(tensor.getType());
      SmallVector<Value> at(tensorType.getRank(), zero);
      return tensor::ExtractOp::create(rewriter, loc, tensor, at);
    };
    auto widen = [&](OpBuilder &b, Location l, Value v) -> Value {
      return v.getType() == type ? v : arith::ExtFOp::create(b, l, type, v);
    };
    // At most min(max_output, boxes, bound) per class; none for <= 0.
    Value maxOutput = scalar(adaptor.getMaxOutput());
    maxOutput = arith::MaxSIOp::create(
        rewriter, loc, maxOutput, scalarConstant(rewriter, loc, i64, 0));
    maxOutput = arith::MinSIOp::create(
        rewriter, loc, maxOutput,
        scalarConstant(rewriter, loc, i64, std::min(n, bound)));
    Value perClass =
        arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                   maxOutput);
    Value iou = widen(rewriter, loc, scalar(adaptor.getIouThreshold()));
    Value scoreThreshold =
        adaptor.getScoreThreshold()
            ? widen(rewriter, loc, scalar(adaptor.getScoreThreshold()))
            : Value();
    Value falseValue = arith::ConstantOp::create(rewriter, loc,
                                                 rewriter.getBoolAttr(false));
    Value trueValue =
        arith::ConstantOp::create(rewriter, loc, rewriter.getBoolAttr(true));
    // A class's candidates (the boxes above the score threshold, in index
    // order) and which of them it has considered: buffers made here, so
    // that none is allocated in the loops, refilled per class.
    Value init[] = {
        filledTensor(rewriter, loc, selectedType,
                     scalarConstant(rewriter, loc, i64, 0)),
        zero, emptyTensor(rewriter, loc, RankedTensorType::get({n}, i1)),
        emptyTensor(rewriter, loc,
                    RankedTensorType::get({n}, rewriter.getIndexType()))};
    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, loc, ValueRange{zero, zero},
        ValueRange{indexConstant(rewriter, loc, batches),
                   indexConstant(rewriter, loc, classes)},
        ValueRange{one, one}, init,
        [&](OpBuilder &b, Location l, ValueRange bc,
            ValueRange carried) -> scf::ValueVector {
          Value batch = bc[0], cls = bc[1], start = carried[1];
          Value considered =
              linalg::FillOp::create(b, l, ValueRange{falseValue},
                                     ValueRange{carried[2]})
                  .getResult(0);
          Value candidateInit[] = {carried[3], zero};
          auto filter = scf::ForOp::create(
              b, l, zero, nBoxes, one, candidateInit,
              [&](OpBuilder &fb, Location fl, Value j, ValueRange listed) {
                // Written at the end of the list, which grows when it is a
                // candidate (the list never passes j).
                Value list = tensor::InsertOp::create(fb, fl, j, listed[0],
                                                      ValueRange{listed[1]});
                Value grows = listed[1];
                Value next = arith::AddIOp::create(fb, fl, listed[1], one);
                if (scoreThreshold) {
                  Value s = widen(fb, fl,
                                  tensor::ExtractOp::create(
                                      fb, fl, scores, ValueRange{batch, cls, j}));
                  grows = arith::SelectOp::create(
                      fb, fl,
                      arith::CmpFOp::create(fb, fl, arith::CmpFPredicate::OGT,
                                            s, scoreThreshold),
                      next, listed[1]);
                } else {
                  grows = next;
                }
                scf::YieldOp::create(fb, fl, ValueRange{list, grows});
              });
          Value candidates = filter.getResult(0),
                numCandidates = filter.getResult(1);
          Value rounds[] = {carried[0], carried[1], considered, zero,
                            falseValue};
          auto picks = scf::ForOp::create(
              b, l, zero, numCandidates, one, rounds,
              [&](OpBuilder &pb, Location pl, Value, ValueRange state) {
                // state: selected, total, considered, kept, exhausted
                Value more = arith::AndIOp::create(
                    pb, pl,
                    arith::CmpIOp::create(pb, pl, arith::CmpIPredicate::ult,
                                          state[3], perClass),
                    arith::XOrIOp::create(pb, pl, state[4], trueValue));
                auto round = scf::IfOp::create(
                    pb, pl, more,
                    [&](OpBuilder &rb, Location rl) {
                      Value scanInit[] = {scalarConstant(rb, rl, type, 0), zero,
                                          falseValue};
                      // The best candidate not considered yet (candidate
                      // p is box candidates[p]).
                      auto scan = scf::ForOp::create(
                          rb, rl, zero, numCandidates, one, scanInit,
                          [&](OpBuilder &sb, Location sl, Value j,
                              ValueRange best) {
                            Value box = tensor::ExtractOp::create(
                                sb, sl, candidates, ValueRange{j});
                            Value s = widen(sb, sl,
                                            tensor::ExtractOp::create(
                                                sb, sl, scores,
                                                ValueRange{batch, cls, box}));
                            Value open = arith::XOrIOp::create(
                                sb, sl,
                                tensor::ExtractOp::create(sb, sl, state[2],
                                                          ValueRange{j}),
                                trueValue);
                            // Strictly better: the lower index wins a tie.
                            Value better = arith::OrIOp::create(
                                sb, sl,
                                arith::XOrIOp::create(sb, sl, best[2],
                                                      trueValue),
                                arith::CmpFOp::create(
                                    sb, sl, arith::CmpFPredicate::OGT, s,
                                    best[0]));
                            Value take =
                                arith::AndIOp::create(sb, sl, open, better);
                            scf::YieldOp::create(
                                sb, sl,
                                ValueRange{arith::SelectOp::create(
                                               sb, sl, take, s, best[0]),
                                           arith::SelectOp::create(
                                               sb, sl, take, j, best[1]),
                                           arith::OrIOp::create(sb, sl, best[2],
                                                                take)});
                          });
                      Value found = scan.getResult(2),
                            slot = scan.getResult(1);
                      auto kept = scf::IfOp::create(
                          rb, rl, found,
                          [&](OpBuilder &kb, Location kl) {
                            Value considered = tensor::InsertOp::create(
                                kb, kl, trueValue, state[2], ValueRange{slot});
                            Value pick = tensor::ExtractOp::create(
                                kb, kl, candidates, ValueRange{slot});
                            Box candidate = readBox(kb, kl, boxes, batch, pick,
                                                    centered, type);
                            auto check = scf::ForOp::create(
                                kb, kl, start, state[1], one,
                                ValueRange{falseValue},
                                [&](OpBuilder &cb, Location cl, Value row,
                                    ValueRange suppressed) {
                                  Value other = arith::IndexCastOp::create(
                                      cb, cl, cb.getIndexType(),
                                      tensor::ExtractOp::create(
                                          cb, cl, state[0],
                                          ValueRange{row,
                                                     indexConstant(cb, cl, 2)}));
                                  Box keptBox = readBox(cb, cl, boxes, batch,
                                                        other, centered, type);
                                  scf::YieldOp::create(
                                      cb, cl,
                                      ValueRange{arith::OrIOp::create(
                                          cb, cl, suppressed[0],
                                          overlaps(cb, cl, candidate, keptBox,
                                                   iou, type))});
                                });
                            auto add = scf::IfOp::create(
                                kb, kl, check.getResult(0),
                                [&](OpBuilder &ab, Location al) {
                                  scf::YieldOp::create(
                                      ab, al,
                                      ValueRange{state[0], state[1], state[3]});
                                },
                                [&](OpBuilder &ab, Location al) {
                                  Value selected = state[0];
                                  Value fields[] = {batch, cls, pick};
                                  for (auto [k, field] : llvm::enumerate(fields))
                                    selected = tensor::InsertOp::create(
                                        ab, al,
                                        arith::IndexCastOp::create(
                                            ab, al, ab.getI64Type(), field),
                                        selected,
                                        ValueRange{state[1],
                                                   indexConstant(ab, al, k)});
                                  scf::YieldOp::create(
                                      ab, al,
                                      ValueRange{
                                          selected,
                                          arith::AddIOp::create(ab, al,
                                                                state[1], one),
                                          arith::AddIOp::create(ab, al,
                                                                state[3], one)});
                                });
                            scf::YieldOp::create(
                                kb, kl,
                                ValueRange{add.getResult(0), add.getResult(1),
                                           considered, add.getResult(2),
                                           falseValue});
                          },
                          [&](OpBuilder &eb, Location el) {
                            scf::YieldOp::create(
                                eb, el,
                                ValueRange{state[0], state[1], state[2],
                                           state[3], trueValue});
                          });
                      scf::YieldOp::create(rb, rl, kept.getResults());
                    },
                    [&](OpBuilder &eb, Location el) {
                      scf::YieldOp::create(eb, el, state);
                    });
                scf::YieldOp::create(pb, pl, round.getResults());
              });
          return {picks.getResult(0), picks.getResult(1), picks.getResult(2),
                  candidates};
        });
    Value count = tensor::FromElementsOp::create(
        rewriter, loc, RankedTensorType::get({}, i64),
        ValueRange{arith::IndexCastOp::create(rewriter, loc, i64,
                                              nest.results[1])});
    rewriter.replaceOp(op, {nest.results[0], count});
    return success();
  }
};

/// Rows i and j of the matrix `input` (m columns): equal, or (with
/// `lessThan`) row i before row j, the first differing element deciding.
Value compareRows(OpBuilder &b, Location l, Kind kind, Value input, Value i,
                  Value j, int64_t m, bool lessThan) {
  Value zero = indexConstant(b, l, 0), one = indexConstant(b, l, 1);
  Value falseValue = arith::ConstantOp::create(b, l, b.getBoolAttr(false));
  Value trueValue = arith::ConstantOp::create(b, l, b.getBoolAttr(true));
  // Carried: decided (a difference seen), the answer so far.
  Value init[] = {falseValue, lessThan ? falseValue : trueValue};
  auto walk = scf::ForOp::create(
      b, l, zero, indexConstant(b, l, m), one, init,
      [&](OpBuilder &wb, Location wl, Value k, ValueRange state) {
        Value a = tensor::ExtractOp::create(wb, wl, input, ValueRange{i, k});
        Value c = tensor::ExtractOp::create(wb, wl, input, ValueRange{j, k});
        Value below = compareScalars(wb, wl, kind, a, c, true);
        Value above = compareScalars(wb, wl, kind, a, c, false);
        Value differs = arith::OrIOp::create(wb, wl, below, above);
        Value open = arith::XOrIOp::create(wb, wl, state[0], trueValue);
        Value decides = arith::AndIOp::create(wb, wl, open, differs);
        Value answer = arith::SelectOp::create(
            wb, wl, decides, lessThan ? below : falseValue, state[1]);
        scf::YieldOp::create(
            wb, wl,
            ValueRange{arith::OrIOp::create(wb, wl, state[0], differs),
                       answer});
      });
  return walk.getResult(1);
}

/// Sequential loops: each row's first occurrence (a scan of the rows
/// before it), the distinct rows in the order they first occur, their ranks
/// (ascending order, with `sorted`), then the results by rank.
struct UniqueLowering : OpConversionPattern<tg::UniqueOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tg::UniqueOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t n = inputType.getDimSize(0), m = inputType.getDimSize(1);
    Kind kind = kindOf(op.getInput().getType().getElementType());
    Type i64 = rewriter.getI64Type();
    auto vectorType = RankedTensorType::get({n}, i64);
    Value zero = indexConstant(rewriter, loc, 0),
          one = indexConstant(rewriter, loc, 1),
          rows = indexConstant(rewriter, loc, n);
    Value zeros = filledTensor(rewriter, loc, vectorType,
                               scalarConstant(rewriter, loc, i64, 0));
    Value falseValue = arith::ConstantOp::create(rewriter, loc,
                                                 rewriter.getBoolAttr(false));
    Value trueValue =
        arith::ConstantOp::create(rewriter, loc, rewriter.getBoolAttr(true));
    auto asIndex = [](OpBuilder &b, Location l, Value v) -> Value {
      return arith::IndexCastOp::create(b, l, b.getIndexType(), v);
    };
    auto asI64 = [](OpBuilder &b, Location l, Value v) -> Value {
      return arith::IndexCastOp::create(b, l, b.getI64Type(), v);
    };

    // slotOf[i]: row i's distinct row (first-occurrence order); first[s]:
    // where distinct row s first occurs; seen[s]: how often.
    Value firstInit[] = {zeros, emptyTensor(rewriter, loc, vectorType), zeros,
                         zero};
    auto occurrences = scf::ForOp::create(
        rewriter, loc, zero, rows, one, firstInit,
        [&](OpBuilder &b, Location l, Value i, ValueRange state) {
          Value scanInit[] = {falseValue, i};
          auto scan = scf::ForOp::create(
              b, l, zero, i, one, scanInit,
              [&](OpBuilder &sb, Location sl, Value j, ValueRange found) {
                auto equal = scf::IfOp::create(
                    sb, sl, found[0],
                    [&](OpBuilder &eb, Location el) {
                      scf::YieldOp::create(eb, el, ValueRange{falseValue});
                    },
                    [&](OpBuilder &eb, Location el) {
                      scf::YieldOp::create(
                          eb, el,
                          ValueRange{compareRows(eb, el, kind, input, i, j, m,
                                                 /*lessThan=*/false)});
                    });
                Value hit = equal.getResult(0);
                scf::YieldOp::create(
                    sb, sl,
                    ValueRange{arith::OrIOp::create(sb, sl, found[0], hit),
                               arith::SelectOp::create(sb, sl, hit, j,
                                                       found[1])});
              });
          Value isNew =
              arith::XOrIOp::create(b, l, scan.getResult(0), trueValue);
          Value rep = scan.getResult(1);
          Value slot = arith::SelectOp::create(
              b, l, isNew, state[3],
              asIndex(b, l,
                      tensor::ExtractOp::create(b, l, state[0],
                                                ValueRange{rep})));
          Value slotOf = tensor::InsertOp::create(
              b, l, asI64(b, l, slot), state[0], ValueRange{i});
          Value first = tensor::InsertOp::create(b, l, asI64(b, l, rep),
                                                 state[1], ValueRange{slot});
          Value seen = tensor::InsertOp::create(
              b, l,
              arith::AddIOp::create(
                  b, l,
                  tensor::ExtractOp::create(b, l, state[2], ValueRange{slot}),
                  scalarConstant(b, l, i64, 1)),
              state[2], ValueRange{slot});
          Value distinct = arith::SelectOp::create(
              b, l, isNew, arith::AddIOp::create(b, l, state[3], one),
              state[3]);
          scf::YieldOp::create(b, l,
                               ValueRange{slotOf, first, seen, distinct});
        });
    Value slotOf = occurrences.getResult(0), first = occurrences.getResult(1),
          seen = occurrences.getResult(2), distinct = occurrences.getResult(3);

    // rank[s]: where distinct row s goes.
    bool sorted = op.getSorted();
    auto ranks = scf::ForOp::create(
        rewriter, loc, zero, distinct, one, ValueRange{zeros},
        [&](OpBuilder &b, Location l, Value s, ValueRange state) {
          Value rank = s;
          if (sorted) {
            Value rowS = asIndex(
                b, l, tensor::ExtractOp::create(b, l, first, ValueRange{s}));
            auto before = scf::ForOp::create(
                b, l, zero, distinct, one, ValueRange{zero},
                [&](OpBuilder &cb, Location cl, Value t, ValueRange count) {
                  Value rowT = asIndex(cb, cl,
                                       tensor::ExtractOp::create(
                                           cb, cl, first, ValueRange{t}));
                  Value less = compareRows(cb, cl, kind, input, rowT, rowS, m,
                                           /*lessThan=*/true);
                  scf::YieldOp::create(
                      cb, cl,
                      ValueRange{arith::SelectOp::create(
                          cb, cl, less,
                          arith::AddIOp::create(cb, cl, count[0], one),
                          count[0])});
                });
            rank = before.getResult(0);
          }
          scf::YieldOp::create(
              b, l,
              ValueRange{tensor::InsertOp::create(b, l, asI64(b, l, rank),
                                                  state[0], ValueRange{s})});
        });
    Value rank = ranks.getResult(0);

    // The results, by rank.
    auto valuesType = cast<RankedTensorType>(
        getTypeConverter()->convertType(op.getValues().getType()));
    Value resultInit[] = {
        filledTensor(rewriter, loc, valuesType,
                     scalarConstant(rewriter, loc,
                                    valuesType.getElementType(), 0)),
        zeros, zeros};
    auto placed = scf::ForOp::create(
        rewriter, loc, zero, distinct, one, resultInit,
        [&](OpBuilder &b, Location l, Value s, ValueRange state) {
          Value to = asIndex(
              b, l, tensor::ExtractOp::create(b, l, rank, ValueRange{s}));
          Value from64 = tensor::ExtractOp::create(b, l, first, ValueRange{s});
          Value from = asIndex(b, l, from64);
          auto copy = scf::ForOp::create(
              b, l, zero, indexConstant(b, l, m), one, ValueRange{state[0]},
              [&](OpBuilder &cb, Location cl, Value k, ValueRange values) {
                Value v = tensor::ExtractOp::create(cb, cl, input,
                                                    ValueRange{from, k});
                scf::YieldOp::create(
                    cb, cl,
                    ValueRange{tensor::InsertOp::create(
                        cb, cl, v, values[0], ValueRange{to, k})});
              });
          Value indices = tensor::InsertOp::create(b, l, from64, state[1],
                                                   ValueRange{to});
          Value counts = tensor::InsertOp::create(
              b, l, tensor::ExtractOp::create(b, l, seen, ValueRange{s}),
              state[2], ValueRange{to});
          scf::YieldOp::create(b, l,
                               ValueRange{copy.getResult(0), indices, counts});
        });
    auto inverse = scf::ForOp::create(
        rewriter, loc, zero, rows, one,
        ValueRange{emptyTensor(rewriter, loc, vectorType)},
        [&](OpBuilder &b, Location l, Value i, ValueRange state) {
          Value slot = asIndex(
              b, l, tensor::ExtractOp::create(b, l, slotOf, ValueRange{i}));
          Value to = tensor::ExtractOp::create(b, l, rank, ValueRange{slot});
          scf::YieldOp::create(b, l,
                               ValueRange{tensor::InsertOp::create(
                                   b, l, to, state[0], ValueRange{i})});
        });
    Value count = tensor::FromElementsOp::create(
        rewriter, loc, RankedTensorType::get({}, i64),
        ValueRange{asI64(rewriter, loc, distinct)});
    rewriter.replaceOp(op, {placed.getResult(0), placed.getResult(1),
                            inverse.getResult(0), placed.getResult(2), count});
    return success();
  }
};

} // namespace

void tessera::lowering::populateBoundedLoweringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<NonZeroLowering, NonMaxSuppressionLowering, UniqueLowering>(
      converter, patterns.getContext());
}
