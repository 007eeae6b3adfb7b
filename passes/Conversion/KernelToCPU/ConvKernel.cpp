//===- ConvKernel.cpp - register-tiled dense 1-D or 2-D convolution --------------===//
//
// A dense direct 2-D tk.conv (one group) as a packed direct convolution:
// the output tile is MR output channels x NR pixels of one output row, the
// filters packed [F/MR][C*KH*KW][MR] (at compile time when they are
// constants, into a workspace buffer before the kernel otherwise), input
// rows read in place (loadStrided) from the input, or from a zero-padded
// copy of it when the convolution pads. A 1x1 stride-1 unpadded
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
  // The input, zero-padded; the output, contiguous.
  if (padded) {
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

  const TileShape &shape = context.shape;
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

  int64_t nr = shape.nr;
  int64_t widthPanels = (outWidth + nr - 1) / nr;
  auto body = [&](Emitter &e, Value begin, Value end, ValueRange captured) {
    OpBuilder &b = e.b;
    Value in = captured[0], out = captured[1];
    Value packed =
        packedName ? getGlobal(e, packedName, packedShape) : captured[2];
    auto tile = [&](Value n, Value oh, Value ow0, Value filterTile,
                    int64_t rows, int64_t columns) {
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
        Value position = e.add(e.mul(e.add(inRow, y * dh), width),
                               e.add(inColumn, x * dw + v * shape.lanes * sw));
        return loadStrided(e, in, {n, ch, position}, sw,
                           validLanes(shape, columns, v));
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
    auto filterTiles = [&](Value n, Value oh, Value ow0, int64_t columns) {
      e.loop(0, fullTiles, 1,
             [&](Value t) { tile(n, oh, ow0, t, mr, columns); });
      if (filters % mr)
        tile(n, oh, ow0, e.index(fullTiles), filters % mr, columns);
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
