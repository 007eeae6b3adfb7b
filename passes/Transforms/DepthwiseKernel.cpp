//===- DepthwiseKernel.cpp - depthwise convolution and pooling kernels ----===//
//
// linalg.depthwise_conv_2d_nchw_chw, linalg.pooling_nchw_max and
// linalg.pooling_nchw_sum (f32, static shapes) as a loop over
// tiles of one channel x R output rows x NR output columns, the tile's
// accumulators in vector registers. Every filter tap is unrolled: the tap's
// weight is broadcast once and multiplied into all R x NR/lanes
// accumulators (pooling takes the maximum or the sum instead), each with its
// input vector (at stride 1 the input rows that neighbouring output rows share
// are loaded once: the loads are identical in one block). Strided reads go
// through loadStrided. The fused prologue and epilogue are those of the other
// kernels (TileFusion.cpp).
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/CPUKernels.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace tessera::kernels;

namespace {

/// What a window kernel does at each tap.
enum class Combine { WeightedSum, Max, Sum };

/// The shared window kernel: `filter` [C][KH][KW] for WeightedSum (a
/// depthwise convolution), the [KH][KW] window shape for pooling.
LogicalResult lowerWindow(KernelContext &context, linalg::LinalgOp op,
                          Combine combine, DenseIntElementsAttr stridesAttr,
                          DenseIntElementsAttr dilationsAttr) {
  if (!op.hasPureBufferSemantics())
    return failure();
  Value input = op.getDpsInputs()[0], filter = op.getDpsInputs()[1],
        output = op.getDpsInits()[0];
  if (!isContiguousF32(input) || !isContiguousF32(filter) ||
      !isContiguousF32(output))
    return failure();
  auto inputType = cast<MemRefType>(input.getType());
  auto filterType = cast<MemRefType>(filter.getType());
  auto outputType = cast<MemRefType>(output.getType());
  int64_t batch = outputType.getDimSize(0), channels = outputType.getDimSize(1),
          outHeight = outputType.getDimSize(2),
          outWidth = outputType.getDimSize(3);
  int64_t filterRank = filterType.getRank();
  int64_t kh = filterType.getDimSize(filterRank - 2),
          kw = filterType.getDimSize(filterRank - 1);
  int64_t sh = attrAt(stridesAttr, 0), sw = attrAt(stridesAttr, 1);
  int64_t dh = attrAt(dilationsAttr, 0), dw = attrAt(dilationsAttr, 1);
  if (batch == 0 || channels == 0 || outHeight == 0 || outWidth == 0 ||
      kh * kw == 0 || kh * kw > 64 || inputType.getDimSize(1) != channels ||
      (combine == Combine::WeightedSum && filterRank != 3))
    return failure();

  const TileShape &shape = context.shape;
  int64_t nr = shape.nr, lanes = shape.lanes;
  // Output rows per tile: with two vectors per row, 4 rows keep 8
  // accumulators and leave registers for the input vectors.
  int64_t rowTile = std::min<int64_t>(4, outHeight);
  int64_t rowBlocks = (outHeight + rowTile - 1) / rowTile;
  int64_t widthPanels = (outWidth + nr - 1) / nr;
  TileFusion fusion =
      analyzeFusion(op, output, {input, filter}, /*vectorDims=*/{2, 3});
  SmallVector<Value> buffers{input, filter, output};
  llvm::append_range(buffers, fusion.uses());

  auto body = [&](Emitter &e, Value begin, Value end, ValueRange captured) {
    OpBuilder &b = e.b;
    Value in = captured[0], weights = captured[1], out = captured[2];
    FusedTile fused(e, fusion, captured.drop_front(3), {2, 3});
    auto tile = [&](Value n, Value c, Value oh0, Value ow0, int64_t rows,
                    int64_t columns) {
      int64_t vectors = vectorsFor(shape, columns);
      SmallVector<Value> dims{n, c, Value(), Value()};
      auto outIndices = [&](int64_t r, int64_t v) {
        return SmallVector<Value>{n, c, e.add(oh0, r), e.add(ow0, v * lanes)};
      };
      // Lane 0's position in the merged (row, column) space of the fusion.
      auto lane0 = [&](int64_t r, int64_t v) {
        return e.add(e.mul(e.add(oh0, r), outWidth), e.add(ow0, v * lanes));
      };
      SmallVector<Value> acc;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t v = 0; v < vectors; ++v) {
          int64_t valid = validLanes(shape, columns, v);
          Value init =
              fusion.producer ? fused.init(dims, lane0(r, v), valid) : Value();
          acc.push_back(init ? init : e.load(out, outIndices(r, v), valid));
        }
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x) {
          Value broadcast;
          if (combine == Combine::WeightedSum) {
            Value weight = memref::LoadOp::create(
                b, e.loc, weights, ValueRange{c, e.index(y), e.index(x)});
            broadcast =
                vector::BroadcastOp::create(b, e.loc, e.vectorType, weight);
          }
          for (int64_t r = 0; r < rows; ++r) {
            Value row = e.add(e.mul(e.add(oh0, r), sh), y * dh);
            for (int64_t v = 0; v < vectors; ++v) {
              Value column = e.add(e.mul(e.add(ow0, v * lanes), sw), x * dw);
              Value pixels = loadStrided(e, in, {n, c, row, column}, sw,
                                         validLanes(shape, columns, v));
              Value &sum = acc[r * vectors + v];
              if (combine == Combine::WeightedSum)
                sum = vector::FMAOp::create(b, e.loc, broadcast, pixels, sum);
              else if (combine == Combine::Max)
                sum = arith::MaximumFOp::create(b, e.loc, sum, pixels);
              else
                sum = arith::AddFOp::create(b, e.loc, sum, pixels);
            }
          }
        }
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t v = 0; v < vectors; ++v) {
          int64_t valid = validLanes(shape, columns, v);
          Value value = acc[r * vectors + v];
          if (fusion.consumer)
            e.store(fused.finish(value, dims, lane0(r, v), valid), fused.target,
                    outIndices(r, v), valid);
          else
            e.store(value, out, outIndices(r, v), valid);
        }
    };
    // One item: (image, channel, block of output rows, panel of columns).
    e.loop(begin, end, 1, [&](Value item) {
      auto divide = [&](Value x, int64_t y) -> Value {
        return arith::DivUIOp::create(b, e.loc, x, e.index(y));
      };
      auto remainder = [&](Value x, int64_t y) -> Value {
        return arith::RemUIOp::create(b, e.loc, x, e.index(y));
      };
      Value panel = remainder(item, widthPanels);
      Value rest = divide(item, widthPanels);
      Value block = remainder(rest, rowBlocks);
      rest = divide(rest, rowBlocks);
      Value c = remainder(rest, channels);
      Value n = divide(rest, channels);
      Value oh0 = e.mul(block, rowTile);
      auto columnsOf = [&](int64_t rows) {
        forPanels(e, panel, e.add(panel, 1), outWidth / nr, outWidth % nr, nr,
                  [&](Value p, int64_t columns) {
                    tile(n, c, oh0, e.mul(p, nr), rows, columns);
                  });
      };
      int64_t tailRows = outHeight % rowTile;
      if (!tailRows) {
        columnsOf(rowTile);
        return;
      }
      Value isTail = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::eq,
                                           block, e.index(rowBlocks - 1));
      auto ifOp = scf::IfOp::create(b, e.loc, isTail, /*withElse=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      columnsOf(tailRows);
      b.setInsertionPointToStart(ifOp.elseBlock());
      columnsOf(rowTile);
    });
  };
  int64_t items = batch * channels * rowBlocks * widthPanels;
  int64_t work = batch * channels * outHeight * outWidth * kh * kw;
  emitRange(context, op, items, runsInParallel(context, work, items), buffers,
            body);
  op.erase();
  fusion.erase();
  return success();
}

} // namespace

LogicalResult
tessera::kernels::lowerDepthwise(KernelContext &context,
                                 linalg::DepthwiseConv2DNchwChwOp op) {
  return lowerWindow(context, op, Combine::WeightedSum, op.getStrides(),
                     op.getDilations());
}

LogicalResult tessera::kernels::lowerPooling(KernelContext &context,
                                             linalg::PoolingNchwMaxOp op) {
  return lowerWindow(context, op, Combine::Max, op.getStrides(),
                     op.getDilations());
}

LogicalResult tessera::kernels::lowerPooling(KernelContext &context,
                                             linalg::PoolingNchwSumOp op) {
  return lowerWindow(context, op, Combine::Sum, op.getStrides(),
                     op.getDilations());
}
