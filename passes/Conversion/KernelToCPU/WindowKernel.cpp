//===- WindowKernel.cpp - depthwise convolution and pooling kernels -------===//
//
// Depthwise tk.conv (one filter per channel) and tk.pool (max or sum), any
// number of spatial dimensions, as a loop over tiles of one channel x R
// output rows x NR output columns (the last two spatial dimensions; the
// ones before them are looped per tile), the tile's accumulators in vector
// registers. Filter taps are unrolled when a window has at most 64 of
// them: the tap's weight is broadcast once and multiplied into all
// R x NR/lanes accumulators (pooling takes the maximum or the sum
// instead), each with its input vector (at stride 1 the input rows that
// neighbouring output rows share are loaded once: after canonicalization
// the loads are identical). Larger windows loop over all tap dimensions
// but the last. Strided reads go through loadStrided. Padding (zeros, or
// -inf for a maximum, which never wins) costs only the tiles whose taps
// reach outside the input: they run on a padded copy of their own
// footprint in a stack buffer (copyWindow), every other tile reads the
// input in place. Only a footprint over kFootprintBytes makes a padded
// copy of the whole input instead. The epilogue runs on the accumulators before
// the one store.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelOps.h"
#include "passes/Conversion/KernelToCPU/CPUKernels.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <limits>

using namespace mlir;
using namespace tessera;
using namespace tessera::kernels;

namespace {

/// What a window kernel does at each tap.
enum class Combine { WeightedSum, Max, Sum };

/// One window kernel: a depthwise convolution (`filter` C x 1 x K...) or a
/// pool (no filter).
struct Window {
  Combine combine;
  Value input, filter, init;
  ArrayRef<int64_t> window, strides, dilations, pads;
  Region *epilogue;
  ValueRange epilogueInputs;
  ArrayAttr epilogueMaps;
};

/// A tap index along one dimension: a loop induction variable, or a
/// constant when the taps are unrolled.
struct Tap {
  Value iv;
  int64_t fixed = 0;
};

/// Where a tile reads its input: `buffer` at the indices `lead` followed,
/// per spatial dim, by the position in the padded input minus `shift`.
struct Source {
  Value buffer;
  SmallVector<Value> lead, shift;
};

/// The input position along a dimension of stride `stride` and dilation
/// `dilation` for output position `o` and tap `tap`.
Value inputPosition(Emitter &e, Value o, int64_t stride, Tap tap,
                    int64_t dilation) {
  Value base = e.mul(o, stride);
  return tap.iv ? e.add(base, e.mul(tap.iv, dilation))
                : e.add(base, tap.fixed * dilation);
}

LogicalResult lowerWindow(KernelContext &context, Operation *op,
                          const Window &w) {
  OpBuilder before(op);
  Location loc = op->getLoc();
  auto inType = cast<MemRefType>(w.input.getType());
  auto outType = cast<MemRefType>(w.init.getType());
  int64_t rank = outType.getRank(), spatial = rank - 2;
  ArrayRef<int64_t> outShape = outType.getShape();
  int64_t batch = outShape[0], channels = outShape[1];

  FailureOr<KernelEpilogue> epilogue = KernelEpilogue::get(
      before, loc, *w.epilogue, w.epilogueInputs, w.epilogueMaps, outShape);
  if (failed(epilogue))
    return op->emitOpError("cannot address its epilogue inputs");
  const TileShape &shape = context.shape;
  int64_t nr = shape.nr, lanes = shape.lanes;
  // Rows and columns: the last two spatial dims (a 1-D window has one row).
  bool hasRows = spatial >= 2;
  int64_t outRows = hasRows ? outShape[rank - 2] : 1;
  int64_t outColumns = outShape[rank - 1];
  int64_t outer = spatial - (hasRows ? 2 : 1);
  // Output rows per tile: the configuration's mr.
  int64_t rowTile = std::min<int64_t>(shape.mr, outRows);
  // The output positions per tile along each spatial dim (at most), and
  // the input positions their windows span.
  auto tileExtent = [&](int64_t d, int64_t rows, int64_t columns) {
    return d == spatial - 1 ? columns : hasRows && d == spatial - 2 ? rows : 1;
  };
  auto span = [&](int64_t d, int64_t positions) {
    return (positions - 1) * w.strides[d] + (w.window[d] - 1) * w.dilations[d] +
           1;
  };

  // Where windows reach outside the input: the pads, per spatial dim.
  SmallVector<int64_t> low(spatial), high(spatial), footprint(spatial);
  bool padded = false;
  for (int64_t d = 0; d < spatial; ++d) {
    low[d] = w.pads[d];
    high[d] = std::max<int64_t>(0, span(d, outShape[d + 2]) - w.pads[d] -
                                       inType.getDimSize(d + 2));
    padded |= low[d] > 0 || high[d] > 0;
    footprint[d] = span(d, tileExtent(d, rowTile, std::min(nr, outColumns)));
  }
  footprint.back() = (footprint.back() + lanes - 1) / lanes * lanes;
  int64_t footprintBytes = 4;
  for (int64_t extent : footprint)
    footprintBytes *= extent;
  bool tilePadding = padded && footprintBytes <= kFootprintBytes;
  float padValue = w.combine == Combine::Max
                       ? -std::numeric_limits<float>::infinity()
                       : 0.0f;
  Value input;
  if (padded && !tilePadding) {
    SmallVector<int64_t> lowAll(rank, 0), highAll(rank, 0);
    for (int64_t d = 0; d < spatial; ++d) {
      lowAll[d + 2] = low[d];
      highAll[d + 2] = high[d];
    }
    input = paddedCopy(before, loc, w.input, lowAll, highAll, padValue);
  } else {
    input = contiguous(before, loc, w.input, /*copyIn=*/true);
  }
  Value output = contiguous(before, loc, w.init, /*copyIn=*/false);
  int64_t rowBlocks = (outRows + rowTile - 1) / rowTile;
  int64_t widthPanels = (outColumns + nr - 1) / nr;
  int64_t taps = 1;
  for (int64_t k : w.window)
    taps *= k;
  // Which tap dims are unrolled: all for small windows, else the last one
  // (when it is small itself).
  SmallVector<bool> unrolled(spatial, taps <= 64);
  if (taps > 64)
    unrolled.back() = w.window.back() <= 64;

  SmallVector<Value> buffers{input, output};
  if (w.filter)
    buffers.push_back(w.filter);
  epilogue->appendUses(buffers);

  auto body = [&](Emitter &e, Value begin, Value end, ValueRange captured) {
    OpBuilder &b = e.b;
    Value in = captured[0], out = captured[1];
    Value filter = w.filter ? captured[2] : Value();
    auto divide = [&](Value x, int64_t y) -> Value {
      return arith::DivUIOp::create(b, e.loc, x, e.index(y));
    };
    auto remainder = [&](Value x, int64_t y) -> Value {
      return arith::RemUIOp::create(b, e.loc, x, e.index(y));
    };
    Value scratch = tilePadding ? stackBuffer(e, footprint) : Value();
    // One tile: `rows` output rows from `oh0`, `columns` columns from `ow0`,
    // at the outer output positions `outerAt` of channel `c`, image `n`.
    auto tile = [&](Value n, Value c, ArrayRef<Value> outerAt, Value oh0,
                    Value ow0, int64_t rows, int64_t columns) {
      int64_t vectors = vectorsFor(shape, columns);
      auto outIndices = [&](int64_t r, int64_t v) {
        SmallVector<Value> indices{n, c};
        llvm::append_range(indices, outerAt);
        if (hasRows)
          indices.push_back(e.add(oh0, r));
        indices.push_back(e.add(ow0, v * lanes));
        return indices;
      };
      Value start = w.combine == Combine::Max
                        ? arith::ConstantOp::create(
                              b, e.loc,
                              DenseElementsAttr::get(e.vectorType,
                                                     b.getF32FloatAttr(padValue)))
                        : e.zeros();
      SmallVector<Value> acc(rows * vectors, start);
      SmallVector<Tap> tap(spatial);
      // The tile's first output position per spatial dim.
      SmallVector<Value> first(outerAt);
      if (hasRows)
        first.push_back(oh0);
      first.push_back(ow0);
      const Source *source = nullptr;
      // Accumulates every tap into `sums`, tap dims from `d` on.
      std::function<SmallVector<Value>(int64_t, ValueRange)> taps =
          [&](int64_t d, ValueRange sums) -> SmallVector<Value> {
        if (d < spatial && !unrolled[d])
          return reduceLoop(
              e, w.window[d],
              [&](Value iv, ValueRange sums) {
                tap[d] = {iv, 0};
                return taps(d + 1, sums);
              },
              sums);
        if (d < spatial) {
          SmallVector<Value> next(sums);
          for (int64_t t = 0; t < w.window[d]; ++t) {
            tap[d] = {Value(), t};
            next = taps(d + 1, next);
          }
          return next;
        }
        SmallVector<Value> next(sums);
        Value broadcast;
        if (w.combine == Combine::WeightedSum) {
          SmallVector<Value> index{c, e.index(0)};
          for (const Tap &t : tap)
            index.push_back(t.iv ? t.iv : e.index(t.fixed));
          broadcast = vector::BroadcastOp::create(
              b, e.loc, e.vectorType,
              memref::LoadOp::create(b, e.loc, filter, index));
        }
        // The input index along dim `d` of output position `o`.
        auto inputIndex = [&](int64_t d, Value o) -> Value {
          Value position =
              inputPosition(e, o, w.strides[d], tap[d], w.dilations[d]);
          return arith::SubIOp::create(b, e.loc, position, source->shift[d]);
        };
        SmallVector<Value> prefix(source->lead);
        for (int64_t i = 0; i < outer; ++i)
          prefix.push_back(inputIndex(i, outerAt[i]));
        int64_t last = spatial - 1;
        for (int64_t r = 0; r < rows; ++r) {
          SmallVector<Value> indices(prefix);
          if (hasRows)
            indices.push_back(inputIndex(last - 1, e.add(oh0, r)));
          for (int64_t v = 0; v < vectors; ++v) {
            SmallVector<Value> at(indices);
            at.push_back(inputIndex(last, e.add(ow0, v * lanes)));
            Value pixels = loadStrided(e, source->buffer, at, w.strides[last],
                                       validLanes(shape, columns, v));
            Value &sum = next[r * vectors + v];
            if (w.combine == Combine::WeightedSum)
              sum = vector::FMAOp::create(b, e.loc, broadcast, pixels, sum);
            else if (w.combine == Combine::Max)
              sum = arith::MaximumFOp::create(b, e.loc, sum, pixels);
            else
              sum = arith::AddFOp::create(b, e.loc, sum, pixels);
          }
        }
        return next;
      };
      // The input in place, shifted by the pads it does not have.
      Source direct{in, {n, c}, {}};
      for (int64_t d = 0; d < spatial; ++d)
        direct.shift.push_back(e.index(tilePadding ? low[d] : 0));
      auto accumulate = [&](const Source &from) {
        source = &from;
        return taps(0, acc);
      };
      // Whether every window of the tile lies inside the input.
      Value inside;
      for (int64_t d = 0; tilePadding && d < spatial; ++d) {
        Value begin = e.mul(first[d], w.strides[d]);
        auto require = [&](arith::CmpIPredicate predicate, Value x,
                           int64_t y) {
          Value ok =
              arith::CmpIOp::create(b, e.loc, predicate, x, e.index(y));
          inside = inside ? arith::AndIOp::create(b, e.loc, inside, ok) : ok;
        };
        if (low[d] > 0)
          require(arith::CmpIPredicate::sge, begin, low[d]);
        if (high[d] > 0)
          require(arith::CmpIPredicate::sle,
                  e.add(begin, span(d, tileExtent(d, rows, columns)) - 1),
                  low[d] + inType.getDimSize(d + 2) - 1);
      }
      if (!inside) {
        acc = accumulate(direct);
      } else {
        // A tile at the border: its footprint, padded, on the stack.
        auto ifOp = scf::IfOp::create(b, e.loc, TypeRange(ValueRange(acc)),
                                      inside, /*withElse=*/true);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        scf::YieldOp::create(b, e.loc, accumulate(direct));
        b.setInsertionPointToStart(ifOp.elseBlock());
        Source padded{scratch, {}, {}};
        SmallVector<Value> start;
        SmallVector<int64_t> extent;
        for (int64_t d = 0; d < spatial; ++d) {
          padded.shift.push_back(e.mul(first[d], w.strides[d]));
          start.push_back(
              arith::SubIOp::create(b, e.loc, padded.shift[d],
                                    e.index(low[d])));
          extent.push_back(span(d, tileExtent(d, rows, columns)));
        }
        copyWindow(e, in, ValueRange{n, c}, start, extent, scratch, padValue);
        scf::YieldOp::create(b, e.loc, accumulate(padded));
        acc = SmallVector<Value>(ifOp.getResults());
      }
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t v = 0; v < vectors; ++v) {
          int64_t valid = validLanes(shape, columns, v);
          SmallVector<Value> indices = outIndices(r, v);
          Value value = epilogue->apply(e, captured, acc[r * vectors + v],
                                        indices, 1, valid);
          e.store(value, out, indices, valid);
        }
    };
    // One item: (image, channel, outer positions, block of output rows,
    // panel of columns).
    e.loop(begin, end, 1, [&](Value item) {
      Value panel = remainder(item, widthPanels);
      Value rest = divide(item, widthPanels);
      Value block = remainder(rest, rowBlocks);
      rest = divide(rest, rowBlocks);
      SmallVector<Value> outerAt(outer);
      for (int64_t i = outer - 1; i >= 0; --i) {
        outerAt[i] = remainder(rest, outShape[i + 2]);
        rest = divide(rest, outShape[i + 2]);
      }
      Value c = remainder(rest, channels);
      Value n = divide(rest, channels);
      Value oh0 = e.mul(block, rowTile);
      auto columnsOf = [&](int64_t rows) {
        forPanels(e, panel, e.add(panel, 1), outColumns / nr, outColumns % nr,
                  nr, [&](Value p, int64_t columns) {
                    tile(n, c, outerAt, oh0, e.mul(p, nr), rows, columns);
                  });
      };
      forTileSize(e, block, rowBlocks, rowTile, outRows % rowTile,
                  columnsOf);
    });
  };
  int64_t outerPositions = 1;
  for (int64_t i = 0; i < outer; ++i)
    outerPositions *= outShape[i + 2];
  int64_t items = batch * channels * outerPositions * rowBlocks * widthPanels;
  int64_t work = outType.getNumElements() * taps;
  emitRange(context, op, items, runsInParallel(context, work, items), buffers,
            body);
  if (output != w.init)
    memref::CopyOp::create(before, loc, output, w.init);
  op->erase();
  return success();
}

} // namespace

LogicalResult tessera::kernels::lowerDepthwise(KernelContext &context,
                                               tk::ConvOp op) {
  if (!op.isDepthwise())
    return op.emitOpError("is not depthwise: the window kernel cannot run it");
  auto filterType = cast<MemRefType>(op.getFilter().getType());
  ArrayRef<int64_t> window = filterType.getShape().drop_front(2);
  Window w{Combine::WeightedSum, op.getInput(),  op.getFilter(),
           op.getInit(),         window,         op.getStrides(),
           op.getDilations(),    op.getPads(),   &op.getEpilogue(),
           op.getEpilogueInputs(), op.getEpilogueMaps()};
  return lowerWindow(context, op, w);
}

LogicalResult tessera::kernels::lowerPool(KernelContext &context,
                                          tk::PoolOp op) {
  KernelContext tiled = withWindowConfig(context, op.getConfigAttr());
  Window w{op.getKind() == tk::PoolKind::max ? Combine::Max : Combine::Sum,
           op.getInput(),
           Value(),
           op.getInit(),
           op.getWindow(),
           op.getStrides(),
           op.getDilations(),
           op.getPads(),
           &op.getEpilogue(),
           op.getEpilogueInputs(),
           op.getEpilogueMaps()};
  return lowerWindow(tiled, op, w);
}
