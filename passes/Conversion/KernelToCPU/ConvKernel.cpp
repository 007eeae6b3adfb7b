//===- ConvKernel.cpp - register-tiled dense 1-D or 2-D convolution --------------===//
//
// A dense direct 2-D tk.conv (one group) as a packed direct convolution:
// the output tile is MR output channels x NR pixels of one output row, the
// filters packed [F/MR][C*KH*KW][MR] (at compile time when they are
// constants, into a workspace buffer before the kernel otherwise), input
// rows read in place (loadStrided) from the input. When the convolution
// pads, a tile whose taps reach outside the input reads a zero-padded copy
// of its footprint (every channel's rows, on the stack: copyWindow) and
// the others the input in place; only a footprint too large for the stack
// makes a zero-padded copy of the whole input. A 1x1 stride-1 unpadded
// convolution treats the whole image as one row; a 1-D convolution is one
// row of height 1. The epilogue runs on the
// accumulators before the one store.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelOps.h"
#include "passes/Conversion/KernelToCPU/CPUKernels.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace tessera::kernels {

LogicalResult lowerPackedConv(KernelContext &context, tk::ConvOp op) {
  Value input = op.getInput(), weight = op.getFilter(), init = op.getInit();
  auto inputType = cast<MemRefType>(input.getType());
  auto outputType = cast<MemRefType>(init.getType());
  if (!op.isDense1DOr2D())
    return failure();
  // Constant filters are packed now; others (graph inputs) at run time.
  DenseElementsAttr weights = constantData(weight);
  if (!weights &&
      (!isContiguousF32(weight) || !isa<func::FuncOp>(op->getParentOp())))
    return failure();
  auto weightType = cast<MemRefType>(weight.getType());
  // A 1-D convolution is a 2-D one of height 1: its buffers keep their
  // rank ([N][C][W] is already the row form), its sizes read as 2-D.
  bool oneD = op.getNumSpatialDims() == 1;
  auto spatialSize = [&](ShapedType type, int64_t d) {
    return oneD ? (d == 0 ? 1 : type.getDimSize(2)) : type.getDimSize(2 + d);
  };
  auto perDim = [&](ArrayRef<int64_t> values, int64_t d, int64_t unit) {
    return oneD ? (d == 0 ? unit : values[0]) : values[d];
  };
  int64_t batch = inputType.getDimSize(0), channels = inputType.getDimSize(1),
          height = spatialSize(inputType, 0), width = spatialSize(inputType, 1);
  int64_t filters = outputType.getDimSize(1),
          outHeight = spatialSize(outputType, 0),
          outWidth = spatialSize(outputType, 1);
  int64_t kh = spatialSize(weightType, 0), kw = spatialSize(weightType, 1);
  int64_t sh = perDim(op.getStrides(), 0, 1), sw = perDim(op.getStrides(), 1, 1);
  int64_t dh = perDim(op.getDilations(), 0, 1),
          dw = perDim(op.getDilations(), 1, 1);
  // Pads as [top, left, bottom, right].
  SmallVector<int64_t> pads(op.getPads());
  if (oneD)
    pads = {0, pads[0], 0, pads[1]};
  bool padded = llvm::any_of(pads, [](int64_t p) { return p > 0; });
  OpBuilder before(op);
  Location loc = op.getLoc();
  FailureOr<KernelEpilogue> epilogue =
      KernelEpilogue::get(before, loc, op.getEpilogue(), op.getEpilogueInputs(),
                          op.getEpilogueMaps(), outputType.getShape());
  if (failed(epilogue))
    return failure();
  // A 1x1 stride-1 convolution over the whole (unpadded) image: one row,
  // when every epilogue input reads rows and columns as one dimension too.
  bool flat = !oneD && kh == 1 && kw == 1 && sh == 1 && sw == 1 && !padded;
  for (size_t i = 0; flat && i < epilogue->size(); ++i)
    flat &= epilogue->stride(i, 2) == outWidth * epilogue->stride(i, 3);
  if (flat) {
    width = outWidth = height * width;
    height = outHeight = 1;
  }
  // A tile's footprint: the input rows and columns its taps read, every
  // channel's, padded to whole vectors.
  const TileShape &shape = context.shape;
  int64_t footRows = (kh - 1) * dh + 1;
  int64_t rowSpan = (shape.nr - 1) * sw + (kw - 1) * dw + 1;
  int64_t footColumns =
      (rowSpan + shape.lanes - 1) / shape.lanes * shape.lanes;
  bool tilePadding =
      padded && channels * footRows * footColumns * 4 <= kFootprintBytes;
  int64_t inHeight = height, inWidth = width;
  // Where the input's rows and columns start in padded coordinates.
  int64_t shiftRow = tilePadding ? pads[0] : 0,
          shiftColumn = tilePadding ? pads[1] : 0;
  // The input, zero-padded unless tiles pad their footprint; the output,
  // contiguous.
  if (padded && !tilePadding) {
    SmallVector<int64_t> low{0, 0, pads[0], pads[1]},
        high{0, 0, pads[2], pads[3]};
    if (oneD) {
      low = {0, 0, pads[1]};
      high = {0, 0, pads[3]};
    }
    input = paddedCopy(before, loc, input, low, high, 0.0f);
    height += pads[0] + pads[2];
    width += pads[1] + pads[3];
  } else {
    input = contiguous(before, loc, input, /*copyIn=*/true);
  }
  Value output = contiguous(before, loc, init, /*copyIn=*/false);

  int64_t mr = balancedRows(filters, shape.mr);
  int64_t reduction = channels * kh * kw;
  SmallVector<int64_t> packedShape{(filters + mr - 1) / mr, reduction, mr};
  StringAttr packedName;
  Value packedFilters;
  if (weights) {
    packedName =
        packedConstant(context, op, "__tessera_packed_filter", packedShape,
                       packPanels(weights, reduction, filters, mr, true));
  } else {
    OpBuilder b(op);
    Emitter e(b, op.getLoc(), context.shape);
    packedFilters = memref::AllocOp::create(
        b, e.loc, MemRefType::get(packedShape, b.getF32Type()));
    SmallVector<ReassociationIndices> rows{{0}, {1, 2, 3}};
    if (oneD)
      rows = {{0}, {1, 2}};
    Value flatWeight =
        memref::CollapseShapeOp::create(b, e.loc, weight, rows);
    // packed[f / MR][r][f % MR] = W[f][r]; the rows past F are zeros.
    e.loop(0, filters, 1, [&](Value f) {
      Value tile = arith::DivUIOp::create(b, e.loc, f, e.index(mr));
      Value lane = arith::RemUIOp::create(b, e.loc, f, e.index(mr));
      e.loop(0, reduction, 1, [&](Value r) {
        Value x =
            memref::LoadOp::create(b, e.loc, flatWeight, ValueRange{f, r});
        memref::StoreOp::create(b, e.loc, x, packedFilters,
                                ValueRange{tile, r, lane});
      });
    });
    int64_t tiles = packedShape[0];
    Value zero = arith::ConstantOp::create(b, e.loc, b.getF32FloatAttr(0));
    e.loop(filters, tiles * mr, 1, [&](Value f) {
      Value tile = arith::DivUIOp::create(b, e.loc, f, e.index(mr));
      Value lane = arith::RemUIOp::create(b, e.loc, f, e.index(mr));
      e.loop(0, reduction, 1, [&](Value r) {
        memref::StoreOp::create(b, e.loc, zero, packedFilters,
                                ValueRange{tile, r, lane});
      });
    });
  }
  // Views [N][C][H*W] of input and output.
  OpBuilder b(op);
  SmallVector<ReassociationIndices> merge{{0}, {1}, {2, 3}};
  auto rowView = [&](Value buffer) -> Value {
    return oneD ? buffer
                : Value(memref::CollapseShapeOp::create(b, op.getLoc(), buffer,
                                                        merge));
  };
  SmallVector<Value> buffers{rowView(input), rowView(output)};
  if (packedFilters)
    buffers.push_back(packedFilters);
  epilogue->appendUses(buffers);
  // The input with its spatial dims apart, for the footprint copies.
  size_t inputUse = buffers.size();
  if (tilePadding)
    buffers.push_back(input);

  int64_t nr = shape.nr;
  int64_t widthPanels = (outWidth + nr - 1) / nr;
  // What a tile reads of one input row, and how far ahead the next tiles'
  // rows are fetched (see access.prefetch). Only when one panel of every
  // channel does not fit in L1 by a wide margin do the streams matter.
  constexpr int64_t kPrefetchTiles = 2, kLineFloats = 16;
  int64_t prefetchAhead = kPrefetchTiles * nr * sw;
  int64_t prefetchSpan =
      channels * kh * ((rowSpan + kLineFloats - 1) / kLineFloats) >= 32
          ? rowSpan
          : 0;
  int64_t lastPosition = height * width - 1;
  auto body = [&](Emitter &e, Value begin, Value end, ValueRange captured) {
    OpBuilder &b = e.b;
    Value in = captured[0], out = captured[1];
    Value packed =
        packedName ? getGlobal(e, packedName, packedShape) : captured[2];
    SmallVector<int64_t> footprint{channels, footRows, footColumns};
    if (oneD)
      footprint = {channels, footColumns};
    Value scratch = tilePadding ? stackBuffer(e, footprint) : Value();
    // One tile, reading the input in place or (`fromScratch`) the copy of
    // its footprint.
    auto tile = [&](Value n, Value oh, Value ow0, Value filterTile,
                    int64_t rows, int64_t columns, bool fromScratch) {
      Value f0 = e.mul(filterTile, mr);
      Value inRow = e.mul(oh, sh);
      Value inColumn = e.mul(ow0, sw);
      Value outBase = e.add(e.mul(oh, outWidth), ow0);
      TileAccess access;
      access.inner = kh * kw;
      access.scalar = [&](Value ch, int64_t s, int64_t i) -> Value {
        Value r = e.add(e.mul(ch, kh * kw), s);
        return memref::LoadOp::create(b, e.loc, packed,
                                      ValueRange{filterTile, r, e.index(i)});
      };
      access.vector = [&](Value ch, int64_t s, int64_t v) -> Value {
        int64_t y = s / kw, x = s % kw;
        int64_t column = x * dw + v * shape.lanes * sw;
        int64_t valid = validLanes(shape, columns, v);
        if (fromScratch) {
          SmallVector<Value> at{ch, e.index(y * dh), e.index(column)};
          if (oneD)
            at = {ch, e.index(column)};
          return loadStrided(e, scratch, at, sw, valid);
        }
        Value position =
            e.add(e.mul(e.add(inRow, y * dh - shiftRow), width),
                  e.add(inColumn, column - shiftColumn));
        return loadStrided(e, in, {n, ch, position}, sw, valid);
      };
      // Every channel's input rows are a stream of their own (C x KH of
      // them, far more than the hardware prefetchers follow): each
      // reduction step fetches the lines of its channel that the tile
      // `kPrefetchTiles` columns on reads, clamped to the channel's plane.
      if (prefetchSpan > 0 && !fromScratch)
        access.prefetch = [&](Value ch) {
          for (int64_t y = 0; y < kh; ++y) {
            Value start =
                e.add(e.mul(e.add(inRow, y * dh - shiftRow), width),
                      e.add(inColumn, prefetchAhead - shiftColumn));
            for (int64_t line = 0; line < prefetchSpan; line += kLineFloats)
              memref::PrefetchOp::create(
                  b, e.loc, in,
                  ValueRange{n, ch,
                             e.min(e.add(start, line), e.index(lastPosition))},
                  /*isWrite=*/false, /*localityHint=*/3,
                  /*isDataCache=*/true);
          }
        };
      // The accumulators start at zero: the output is only written.
      access.loadOutput = [&](int64_t, int64_t) { return e.zeros(); };
      access.storeOutput = [&](Value x, int64_t i, int64_t v) {
        e.store(x, out, {n, e.add(f0, i), e.add(outBase, v * shape.lanes)},
                validLanes(shape, columns, v));
      };
      if (!epilogue->isTrivial())
        access.finishOutput = [&](Value x, int64_t i, int64_t v) {
          Value lane0 = e.add(outBase, v * shape.lanes);
          int64_t valid = validLanes(shape, columns, v);
          // Output position (n, f, oh, ow) of lane 0; in the one-row form
          // (oh, ow) is (0, position along the merged row).
          SmallVector<Value> index{n, e.add(f0, i), flat ? e.index(0) : oh,
                                   flat ? lane0 : e.add(ow0, v * shape.lanes)};
          if (oneD)
            index = {n, e.add(f0, i), e.add(ow0, v * shape.lanes)};
          e.store(epilogue->apply(e, captured, x, index, 1, valid), out,
                  {n, e.add(f0, i), lane0}, valid);
        };
      emitMicrokernel(e, access, rows, vectorsFor(shape, columns), e.index(0),
                      e.index(channels));
    };
    int64_t fullTiles = filters / mr;
    auto filterTilesFrom = [&](Value n, Value oh, Value ow0, int64_t columns,
                               bool fromScratch) {
      e.loop(0, fullTiles, 1, [&](Value t) {
        tile(n, oh, ow0, t, mr, columns, fromScratch);
      });
      if (filters % mr)
        tile(n, oh, ow0, e.index(fullTiles), filters % mr, columns,
             fromScratch);
    };
    auto filterTiles = [&](Value n, Value oh, Value ow0, int64_t columns) {
      if (!tilePadding)
        return filterTilesFrom(n, oh, ow0, columns, false);
      // Whether every tap of the tile lies inside the input.
      Value rowStart = e.mul(oh, sh), columnStart = e.mul(ow0, sw);
      Value inside;
      auto require = [&](arith::CmpIPredicate predicate, Value x, int64_t y) {
        Value ok = arith::CmpIOp::create(b, e.loc, predicate, x, e.index(y));
        inside = inside ? arith::AndIOp::create(b, e.loc, inside, ok) : ok;
      };
      if (pads[0] > 0)
        require(arith::CmpIPredicate::sge, rowStart, pads[0]);
      if (pads[2] > 0)
        require(arith::CmpIPredicate::sle,
                e.add(rowStart, (kh - 1) * dh), pads[0] + inHeight - 1);
      if (pads[1] > 0)
        require(arith::CmpIPredicate::sge, columnStart, pads[1]);
      if (pads[3] > 0)
        require(arith::CmpIPredicate::sle,
                e.add(columnStart, (columns - 1) * sw + (kw - 1) * dw),
                pads[1] + inWidth - 1);
      auto ifOp = scf::IfOp::create(b, e.loc, inside, /*withElse=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      filterTilesFrom(n, oh, ow0, columns, false);
      // At the border: the footprint, zero-padded, then the tiles over it.
      b.setInsertionPointToStart(ifOp.elseBlock());
      SmallVector<Value> start{
          e.index(0), e.add(rowStart, -pads[0]), e.add(columnStart, -pads[1])};
      SmallVector<int64_t> extent{channels, footRows,
                                  (columns - 1) * sw + (kw - 1) * dw + 1};
      if (oneD) {
        start.erase(start.begin() + 1);
        extent.erase(extent.begin() + 1);
      }
      copyWindow(e, captured[inputUse], ValueRange{n}, start, extent, scratch,
                 0.0f);
      filterTilesFrom(n, oh, ow0, columns, true);
    };
    // One item: (image, output row, panel of NR output columns).
    e.loop(begin, end, 1, [&](Value item) {
      Value perImage = e.index(outHeight * widthPanels);
      Value n = arith::DivUIOp::create(b, e.loc, item, perImage);
      Value rest = arith::RemUIOp::create(b, e.loc, item, perImage);
      Value oh = arith::DivUIOp::create(b, e.loc, rest, e.index(widthPanels));
      Value panel =
          arith::RemUIOp::create(b, e.loc, rest, e.index(widthPanels));
      forPanels(e, panel, e.add(panel, 1), outWidth / nr, outWidth % nr, nr,
                [&](Value p, int64_t columns) {
                  filterTiles(n, oh, e.mul(p, nr), columns);
                });
    });
  };
  int64_t items = batch * outHeight * widthPanels;
  int64_t work = batch * filters * outHeight * outWidth * reduction;
  emitRange(context, op, items, runsInParallel(context, work, items), buffers,
            body);
  if (output != init)
    memref::CopyOp::create(b, loc, output, init);
  op.erase();
  return success();
}

} // namespace tessera::kernels
