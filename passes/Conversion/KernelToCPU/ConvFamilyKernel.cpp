//===- ConvFamilyKernel.cpp - tk.conv as a direct vector kernel -----------===//
//
// The CPU lowering of tk.conv, direct and transposed, for any number of
// spatial dimensions and groups. A tile of MR output channels x NR output
// positions along the innermost spatial dimension lives in vector
// accumulators while the reduction over input channels and filter taps
// runs: each step loads NR/lanes input vectors along that dimension and
// broadcasts MR filter values.
//
// Transposed convolutions are computed without a zero-stuffed input: along
// each spatial dimension the outputs split into `stride` phases
// (o = q * stride + r); the taps that reach phase r are an arithmetic
// progression, each reading the input at q + delta. Every phase is then a
// direct convolution over the input with unit stride, whose outputs lie
// `stride` apart (scatter stores). Direct convolutions are the one phase
// r = 0 with input steps of `stride` (strided loads).
//
// The input is read through a zero-padded copy when any tap reaches
// outside it; the epilogue runs on the accumulators before the one store.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelOps.h"
#include "passes/Conversion/KernelToCPU/CPUKernels.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <numeric>

using namespace mlir;
using namespace tessera;
using namespace tessera::kernels;

namespace {

/// The taps of one phase along one dimension: t = t0 + j * tStep for j in
/// [0, count), reading the input at q * inStep + delta0 + j * deltaStep.
struct Taps {
  int64_t t0 = 0, tStep = 1, count = 0, delta0 = 0, deltaStep = 0;
};

/// One phase along one dimension: outputs o = q * outStep + r for q in
/// [0, positions).
struct Phase {
  int64_t r = 0, positions = 0;
  Taps taps;
};

struct DimPlan {
  int64_t outStep = 1, inStep = 1;
  SmallVector<Phase> phases;
  int64_t padLow = 0, padHigh = 0; // of the input copy
};

/// The phases and taps of spatial dimension `i`.
DimPlan planDim(int64_t in, int64_t k, int64_t out, int64_t stride,
                int64_t dilation, int64_t padLow, bool transposed) {
  DimPlan plan;
  if (!transposed) {
    plan.inStep = stride;
    Phase phase;
    phase.positions = out;
    phase.taps = {0, 1, k, -padLow, dilation};
    plan.phases.push_back(phase);
  } else {
    plan.outStep = stride;
    int64_t step = stride / std::gcd(stride, dilation);
    for (int64_t r = 0; r < stride && r < out; ++r) {
      Phase phase;
      phase.r = r;
      phase.positions = (out - r + stride - 1) / stride;
      // Taps t with (r + padLow - t * dilation) divisible by the stride.
      for (int64_t t = 0; t < k && t < step; ++t)
        if ((r + padLow - t * dilation) % stride == 0) {
          int64_t count = (k - 1 - t) / step + 1;
          phase.taps = {t, step, count, (r + padLow - t * dilation) / stride,
                        -(step * dilation) / stride};
          break;
        }
      plan.phases.push_back(phase);
    }
  }
  // The input indices the taps read, for the zero-padded copy.
  int64_t lowest = 0, highest = in - 1;
  for (const Phase &phase : plan.phases) {
    const Taps &taps = phase.taps;
    if (!taps.count || !phase.positions)
      continue;
    int64_t first = taps.delta0, last = taps.delta0 + (taps.count - 1) *
                                                          taps.deltaStep;
    lowest = std::min({lowest, first, last});
    highest = std::max({highest, (phase.positions - 1) * plan.inStep + first,
                        (phase.positions - 1) * plan.inStep + last});
  }
  plan.padLow = -lowest;
  plan.padHigh = highest - (in - 1);
  return plan;
}

/// A memref usable through a flat view: `value` itself when its layout is
/// static, otherwise a contiguous copy (made before `anchor`).
FailureOr<Access> accessOf(OpBuilder &b, Location loc, Value value,
                           AffineMap map, ArrayRef<int64_t> sizes,
                           bool copyIn) {
  FailureOr<Access> access = describe(value, map, sizes);
  if (succeeded(access))
    return access;
  return describe(contiguous(b, loc, value, copyIn), map, sizes);
}

} // namespace

/// The general direct vector kernel.
static LogicalResult lowerGeneralConv(KernelContext &context, tk::ConvOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto inType = cast<MemRefType>(op.getInput().getType());
  auto filterType = cast<MemRefType>(op.getFilter().getType());
  auto outType = cast<MemRefType>(op.getInit().getType());
  int64_t rank = inType.getRank(), spatial = rank - 2;
  int64_t batch = inType.getDimSize(0), groups = op.getGroups();
  int64_t cg = inType.getDimSize(1) / groups;
  int64_t fg = outType.getDimSize(1) / groups;
  bool transposed = op.getTransposed();
  ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(),
                    pads = op.getPads();
  SmallVector<DimPlan> plans;
  for (int64_t i = 0; i < spatial; ++i)
    plans.push_back(planDim(inType.getDimSize(i + 2),
                            filterType.getDimSize(i + 2),
                            outType.getDimSize(i + 2), strides[i],
                            dilations[i], pads[i], transposed));

  // The input, zero-padded where taps reach outside it.
  Value input = op.getInput();
  bool padded = llvm::any_of(plans, [](const DimPlan &plan) {
    return plan.padLow > 0 || plan.padHigh > 0;
  });
  if (padded) {
    SmallVector<int64_t> low(rank, 0), high(rank, 0);
    for (int64_t i = 0; i < spatial; ++i) {
      low[i + 2] = std::max<int64_t>(plans[i].padLow, 0);
      high[i + 2] = std::max<int64_t>(plans[i].padHigh, 0);
    }
    input = paddedCopy(b, loc, input, low, high, 0.0f);
  }
  auto identity = [&](MemRefType type) {
    return AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext());
  };
  auto inBufferType = cast<MemRefType>(input.getType());
  FailureOr<Access> in = accessOf(b, loc, input, identity(inBufferType),
                                  inBufferType.getShape(), true);
  Value init = op.getInit();
  FailureOr<Access> out = accessOf(b, loc, init, identity(outType),
                                   outType.getShape(), false);
  FailureOr<KernelEpilogue> epilogue =
      KernelEpilogue::get(b, loc, op.getEpilogue(), op.getEpilogueInputs(),
                          op.getEpilogueMaps(), outType.getShape());
  if (failed(epilogue))
    return op.emitOpError("cannot address its epilogue inputs");
  if (failed(in) || failed(out))
    return op.emitOpError("cannot address its input or output");
  // Where input positions start: past the copy's low pads.
  SmallVector<int64_t> inShift(spatial);
  for (int64_t i = 0; i < spatial; ++i)
    inShift[i] = padded ? std::max<int64_t>(plans[i].padLow, 0) : 0;

  const TileShape &shape = context.shape;
  int64_t lanes = shape.lanes, mr = std::min(shape.mr, fg);
  int64_t vectors = shape.nr / lanes, chunk = vectors * lanes;
  int64_t fullTiles = fg / mr, tail = fg % mr;
  int64_t tiles = fullTiles + (tail ? 1 : 0);
  int64_t items = batch * groups * tiles;
  // Too few (image, group, channel tile) items for the thread pool (a
  // convolution to one or two output channels): the range also splits the
  // outermost spatial dim of the outputs into blocks.
  constexpr int64_t kMinItems = 16;
  int64_t outerPositions = 0;
  for (const Phase &p : plans[0].phases)
    outerPositions = std::max(outerPositions, p.positions);
  int64_t blockPositions = outerPositions, outerBlocks = 1;
  if (spatial >= 2 && items < kMinItems && outerPositions > 1) {
    int64_t wanted = std::min(outerPositions, (kMinItems + items - 1) / items);
    blockPositions = (outerPositions + wanted - 1) / wanted;
    outerBlocks = (outerPositions + blockPositions - 1) / blockPositions;
  }
  items *= outerBlocks;

  SmallVector<Value> uses{flatView(b, loc, *in), flatView(b, loc, *out),
                          op.getFilter()};
  epilogue->appendUses(uses);
  int64_t inner = spatial - 1;

  auto body = [&](Emitter &e, Value begin, Value end, ValueRange captured) {
    OpBuilder &b = e.b;
    Value inFlat = captured[0], outFlat = captured[1], filter = captured[2];

    // One tile: `rows` output channels from `f0` of group `g`, image `n`.
    Value block; // of the outermost output positions, when split
    auto tile = [&](Value n, Value g, Value f0, int64_t rows) {
      SmallVector<const Phase *> phase(spatial);
      std::function<void(int64_t)> phases = [&](int64_t d) {
        if (d < spatial) {
          for (const Phase &p : plans[d].phases) {
            phase[d] = &p;
            phases(d + 1);
          }
          return;
        }
        if (llvm::any_of(phase, [](const Phase *p) { return !p->positions; }))
          return;
        bool reaches = llvm::all_of(
            phase, [](const Phase *p) { return p->taps.count > 0; });
        // The outer spatial positions, then chunks of the innermost.
        SmallVector<Value> q(spatial);
        std::function<void(int64_t)> positions = [&](int64_t d) {
          if (d < inner) {
            Value lo = e.index(0), hi = e.index(phase[d]->positions);
            if (d == 0 && block) {
              lo = e.mul(block, blockPositions);
              hi = e.min(e.add(lo, blockPositions), hi);
            }
            e.loop(lo, hi, 1, [&](Value iv) {
              q[d] = iv;
              positions(d + 1);
            });
            return;
          }
          int64_t count = phase[inner]->positions;
          auto emitChunk = [&](Value q0, int64_t width) {
            q[inner] = q0;
            int64_t used = vectorsFor(shape, width);
            auto valid = [&](int64_t v) { return validLanes(shape, width, v); };
            SmallVector<Value> acc(rows * used, e.zeros());
            if (reaches)
              acc = reduceLoop(
                  e, cg,
                  [&](Value c, ValueRange sums) {
                    Value inChannel = e.add(e.mul(g, cg), c);
                    SmallVector<Value> tapIndex(spatial);
                    std::function<SmallVector<Value>(int64_t, ValueRange)>
                        taps = [&](int64_t d, ValueRange sums) {
                          if (d < spatial)
                            return reduceLoop(
                                e, phase[d]->taps.count,
                                [&](Value j, ValueRange sums) {
                                  tapIndex[d] = j;
                                  return taps(d + 1, sums);
                                },
                                sums);
                          // Input position of the tap per dimension.
                          Value at = e.add(e.mul(n, in->stride[0]),
                                           e.mul(inChannel, in->stride[1]));
                          at = e.add(at, in->offset);
                          for (int64_t i = 0; i < spatial; ++i) {
                            const Taps &t = phase[i]->taps;
                            Value position = e.add(
                                e.add(e.mul(q[i], plans[i].inStep),
                                      e.mul(tapIndex[i], t.deltaStep)),
                                t.delta0 + inShift[i]);
                            at = e.add(at, e.mul(position, in->stride[i + 2]));
                          }
                          int64_t step = plans[inner].inStep *
                                         in->stride[inner + 2];
                          SmallVector<Value> columns;
                          for (int64_t v = 0; v < used; ++v)
                            columns.push_back(loadStrided(
                                e, inFlat, {e.add(at, v * lanes * step)}, step,
                                valid(v)));
                          SmallVector<Value> next(sums);
                          for (int64_t row = 0; row < rows; ++row) {
                            SmallVector<Value> index;
                            Value f = e.add(f0, row);
                            if (transposed)
                              index = {inChannel, f};
                            else
                              index = {e.add(e.mul(g, fg), f), c};
                            for (int64_t i = 0; i < spatial; ++i)
                              index.push_back(e.add(
                                  e.mul(tapIndex[i], phase[i]->taps.tStep),
                                  phase[i]->taps.t0));
                            Value w = vector::BroadcastOp::create(
                                b, e.loc, e.vectorType,
                                memref::LoadOp::create(b, e.loc, filter,
                                                       index));
                            for (int64_t v = 0; v < used; ++v) {
                              Value &sum = next[row * used + v];
                              sum = vector::FMAOp::create(b, e.loc, columns[v],
                                                          w, sum);
                            }
                          }
                          return next;
                        };
                    return taps(0, sums);
                  },
                  acc);
            // Epilogue and the one store.
            for (int64_t row = 0; row < rows; ++row) {
              Value channel = e.add(e.mul(g, fg), e.add(f0, row));
              SmallVector<Value> outIndex{n, channel};
              for (int64_t i = 0; i < spatial; ++i)
                outIndex.push_back(
                    e.add(e.mul(q[i], plans[i].outStep), phase[i]->r));
              int64_t outStep = plans[inner].outStep;
              for (int64_t v = 0; v < used; ++v) {
                SmallVector<Value> index(outIndex);
                index.back() = e.add(index.back(), v * lanes * outStep);
                Value value = epilogue->apply(e, captured, acc[row * used + v],
                                              index, outStep, valid(v));
                Value at = e.index(out->offset);
                for (auto [d, position] : llvm::enumerate(index))
                  at = e.add(at, e.mul(position, out->stride[d]));
                storeAlong(e, value, outFlat, at,
                           outStep * out->stride[rank - 1], valid(v));
              }
            }
          };
          e.loop(0, count - count % chunk, chunk,
                 [&](Value q0) { emitChunk(q0, chunk); });
          if (count % chunk)
            emitChunk(e.index(count - count % chunk), count % chunk);
        };
        positions(0);
      };
      phases(0);
    };

    e.loop(begin, end, 1, [&](Value item) {
      if (outerBlocks > 1) {
        block = arith::RemUIOp::create(b, e.loc, item, e.index(outerBlocks));
        item = arith::DivUIOp::create(b, e.loc, item, e.index(outerBlocks));
      }
      Value t = arith::RemUIOp::create(b, e.loc, item, e.index(tiles));
      Value rest = arith::DivUIOp::create(b, e.loc, item, e.index(tiles));
      Value g = arith::RemUIOp::create(b, e.loc, rest, e.index(groups));
      Value n = arith::DivUIOp::create(b, e.loc, rest, e.index(groups));
      Value f0 = e.mul(t, mr);
      forTileSize(e, t, tiles, mr, tail,
                  [&](int64_t rows) { tile(n, g, f0, rows); });
    });
  };
  int64_t work = outType.getNumElements() * cg;
  for (int64_t i = 0; i < spatial; ++i)
    work *= (filterType.getDimSize(i + 2) + strides[i] - 1) /
            (transposed ? strides[i] : 1);
  emitRange(context, op, items, runsInParallel(context, work, items), uses,
            body);
  if (out->buffer != init) {
    OpBuilder after(op);
    memref::CopyOp::create(after, loc, out->buffer, init);
  }
  op.erase();
  return success();
}

LogicalResult tessera::kernels::lowerConv(KernelContext &context,
                                          tk::ConvOp op) {
  KernelContext tiled = withWindowConfig(context, op.getConfigAttr());
  switch (op.getConfigAttr().getKernel()) {
  case tk::WindowKernel::packed:
    // Filters neither constant nor a contiguous buffer: the direct kernel.
    if (succeeded(lowerPackedConv(tiled, op)))
      return success();
    break;
  case tk::WindowKernel::window:
    return lowerDepthwise(tiled, op);
  case tk::WindowKernel::direct:
    break;
  }
  return lowerGeneralConv(tiled, op);
}
