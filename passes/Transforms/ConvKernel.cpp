//===- ConvKernel.cpp - register-tiled direct 2-D convolution -------------===//
//
// linalg.conv_2d_nchw_fchw (f32, static shapes) as direct convolution: the
// output tile is MR output channels x NR pixels of one output row, the
// filters packed [F/MR][C*KH*KW][MR] (at compile time when they are
// constants, into a workspace buffer before the kernel otherwise), input
// rows read in place (loadStrided). A 1x1 stride-1 convolution treats the
// whole image as one row. The shared prologue/epilogue fusion applies
// (TileFusion.cpp).
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/CPUKernels.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace tessera::kernels {

LogicalResult lowerConv(KernelContext &context, linalg::Conv2DNchwFchwOp op) {
  if (!op.hasPureBufferSemantics())
    return failure();
  Value input = op.getDpsInputs()[0], weight = op.getDpsInputs()[1],
        output = op.getDpsInits()[0];
  auto inputType = dyn_cast<MemRefType>(input.getType());
  auto outputType = dyn_cast<MemRefType>(output.getType());
  // Constant filters are packed now; others (graph inputs) at run time.
  DenseElementsAttr weights = constantData(weight);
  if ((!weights &&
       (!isContiguousF32(weight) || !isa<func::FuncOp>(op->getParentOp()))) ||
      !inputType || !outputType || !inputType.hasStaticShape() ||
      !outputType.hasStaticShape() || !inputType.getLayout().isIdentity() ||
      !outputType.getLayout().isIdentity() ||
      !inputType.getElementType().isF32() ||
      !outputType.getElementType().isF32())
    return failure();
  auto weightType = cast<MemRefType>(weight.getType());
  int64_t batch = inputType.getDimSize(0), channels = inputType.getDimSize(1),
          height = inputType.getDimSize(2), width = inputType.getDimSize(3);
  int64_t filters = outputType.getDimSize(1),
          outHeight = outputType.getDimSize(2),
          outWidth = outputType.getDimSize(3);
  int64_t kh = weightType.getDimSize(2), kw = weightType.getDimSize(3);
  int64_t sh = attrAt(op.getStrides(), 0), sw = attrAt(op.getStrides(), 1);
  int64_t dh = attrAt(op.getDilations(), 0), dw = attrAt(op.getDilations(), 1);
  if (batch == 0 || filters == 0 || outHeight == 0 || outWidth == 0 ||
      channels == 0)
    return failure();
  // A 1x1 stride-1 convolution over the whole (unpadded) image: one row.
  bool flat = kh == 1 && kw == 1 && sh == 1 && sw == 1 && height == outHeight &&
              width == outWidth;
  if (flat) {
    width = outWidth = height * width;
    height = outHeight = 1;
  }

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
    Value flatWeight = memref::CollapseShapeOp::create(
        b, e.loc, weight, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
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
  // Fused ops see the output's loop dims (n, f, h, w), lanes along (h, w)
  // merged.
  TileFusion fusion =
      analyzeFusion(op, output, {input, weight}, /*vectorDims=*/{2, 3});
  OpBuilder b(op);
  SmallVector<ReassociationIndices> merge{{0}, {1}, {2, 3}};
  SmallVector<Value> buffers{
      memref::CollapseShapeOp::create(b, op.getLoc(), input, merge),
      memref::CollapseShapeOp::create(b, op.getLoc(), output, merge)};
  if (packedFilters)
    buffers.push_back(packedFilters);
  size_t fusionStart = buffers.size();
  llvm::append_range(buffers, fusion.uses());

  int64_t nr = shape.nr;
  int64_t widthPanels = (outWidth + nr - 1) / nr;
  auto body = [&](Emitter &e, Value begin, Value end, ValueRange captured) {
    OpBuilder &b = e.b;
    Value in = captured[0], out = captured[1];
    FusedTile fused(e, fusion, captured.drop_front(fusionStart), {2, 3});
    Value target = fused.target ? Value(memref::CollapseShapeOp::create(
                                      b, e.loc, fused.target, merge))
                                : Value();
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
      access.loadOutput = [&](int64_t i, int64_t v) {
        return e.load(out, {n, e.add(f0, i), e.add(outBase, v * shape.lanes)},
                      validLanes(shape, columns, v));
      };
      access.storeOutput = [&](Value x, int64_t i, int64_t v) {
        e.store(x, out, {n, e.add(f0, i), e.add(outBase, v * shape.lanes)},
                validLanes(shape, columns, v));
      };
      auto dims = [&](int64_t i) {
        return SmallVector<Value>{n, e.add(f0, i), Value(), Value()};
      };
      if (fusion.producer)
        access.initOutput = [&](int64_t i, int64_t v) {
          return fused.init(dims(i), e.add(outBase, v * shape.lanes),
                            validLanes(shape, columns, v));
        };
      if (fusion.consumer)
        access.finishOutput = [&](Value x, int64_t i, int64_t v) {
          Value lane0 = e.add(outBase, v * shape.lanes);
          int64_t valid = validLanes(shape, columns, v);
          e.store(fused.finish(x, dims(i), lane0, valid), target,
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
  op.erase();
  fusion.erase();
  return success();
}

} // namespace tessera::kernels
