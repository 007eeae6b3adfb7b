//===- RowKernel.cpp - tk.reduce as vectorized row kernels ----------------===//
//
// The CPU lowering of tk.reduce: each row (the `axis` dimension for the
// softmax kernels, the dimensions from `axis` on for layer norm) is
// reduced and written back in a few vector passes over it: max, then
// exp-and-sum, then scale (softmax); mean, variance, then normalise with
// scale and bias (layer norm); mean square, then scale (RMS norm). A
// softmax over an axis with at least a vector of elements after it runs
// one row per lane instead (lowerColumns: contiguous loads, no gathers);
// over an axis with fewer, rows are read `inner` elements apart (gathers).
// Rows run on the thread pool when there are enough elements.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelOps.h"
#include "passes/Conversion/KernelToCPU/CPUKernels.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <limits>

using namespace mlir;
using namespace tessera;
using namespace tessera::kernels;

namespace {

Value flat(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  Access access;
  access.buffer = buffer;
  access.span = type.getNumElements();
  return flatView(b, loc, access);
}

/// Emits `body` over [0, items) (on the thread pool when there are two or
/// more and `elements` reach the threshold), copies `output` back into the
/// op's init when it is a copy, and erases the op.
LogicalResult emitRows(KernelContext &context, tk::ReduceOp op, int64_t items,
                       int64_t elements, ValueRange uses, RangeBody body,
                       Value output) {
  emitRange(context, op, items,
            context.parallel && items >= 2 &&
                elements >= context.parallelElements,
            uses, body);
  if (output != op.getInit()) {
    OpBuilder after(op);
    memref::CopyOp::create(after, op.getLoc(), output, op.getInit());
  }
  op.erase();
  return success();
}

/// Softmax or log-softmax over an axis with at least a vector of elements
/// after it: `lanes` neighbouring rows at a time, one per lane. Element j
/// of those rows is one contiguous vector (inner positions side by side),
/// so the three passes (max, exp-and-sum, scale) are vector loads and
/// lane-wise operations, no gathers and no horizontal reductions. The
/// range is (outer index, block of `lanes` inner positions); the last
/// block of a ragged inner extent masks its lanes.
LogicalResult lowerColumns(KernelContext &context, tk::ReduceOp op,
                           Value output, ValueRange uses,
                           int64_t outer, int64_t length, int64_t inner) {
  int64_t lanes = context.shape.lanes;
  int64_t blocks = (inner + lanes - 1) / lanes, tail = inner % lanes;
  bool softmax = op.getKind() == tk::RowKind::softmax;
  auto body = [&](Emitter &e, Value begin, Value end, ValueRange captured) {
    OpBuilder &b = e.b;
    Value in = captured[0], out = captured[1];
    auto splat = [&](float value) {
      return arith::ConstantOp::create(
          b, e.loc,
          DenseElementsAttr::get(e.vectorType, b.getF32FloatAttr(value)));
    };
    // Passes over j in [0, length) carrying `init` (lane-wise).
    auto pass = [&](Value init,
                    function_ref<Value(Value j, Value acc)> fn) -> Value {
      auto loop = scf::ForOp::create(
          b, e.loc, e.index(0), e.index(length), e.index(1),
          init ? ValueRange{init} : ValueRange{},
          [&](OpBuilder &, Location, Value j, ValueRange acc) {
            Value next = fn(j, init ? acc[0] : Value());
            scf::YieldOp::create(b, e.loc,
                                 next ? ValueRange{next} : ValueRange{});
          });
      return init ? loop.getResult(0) : Value();
    };
    auto columns = [&](Value base, int64_t valid) {
      auto at = [&](Value j) { return e.add(base, e.mul(j, inner)); };
      auto load = [&](Value from, Value j) {
        return e.load(from, {at(j)}, valid);
      };
      Value max = pass(splat(-std::numeric_limits<float>::infinity()),
                       [&](Value j, Value acc) -> Value {
                         return arith::MaximumFOp::create(b, e.loc, acc,
                                                          load(in, j));
                       });
      Value sum = pass(splat(0), [&](Value j, Value acc) -> Value {
        Value x = math::ExpOp::create(
            b, e.loc, arith::SubFOp::create(b, e.loc, load(in, j), max));
        if (softmax) // the exponentials are kept for the last pass
          e.store(x, out, {at(j)}, valid);
        return arith::AddFOp::create(b, e.loc, acc, x);
      });
      if (softmax) {
        Value inverse = arith::DivFOp::create(b, e.loc, splat(1), sum);
        pass(Value(), [&](Value j, Value) -> Value {
          e.store(arith::MulFOp::create(b, e.loc, load(out, j), inverse), out,
                  {at(j)}, valid);
          return Value();
        });
        return;
      }
      Value shift = arith::AddFOp::create(b, e.loc, max,
                                          math::LogOp::create(b, e.loc, sum));
      pass(Value(), [&](Value j, Value) -> Value {
        e.store(arith::SubFOp::create(b, e.loc, load(in, j), shift), out,
                {at(j)}, valid);
        return Value();
      });
    };
    e.loop(begin, end, 1, [&](Value group) {
      Value block = arith::RemUIOp::create(b, e.loc, group, e.index(blocks));
      Value o = arith::DivUIOp::create(b, e.loc, group, e.index(blocks));
      Value base = e.add(e.mul(o, length * inner), e.mul(block, lanes));
      forTileSize(e, block, blocks, lanes, tail,
                  [&](int64_t valid) { columns(base, valid); });
    });
  };
  return emitRows(context, op, outer * blocks, outer * length * inner, uses,
                  body, output);
}

} // namespace

LogicalResult tessera::kernels::lowerRow(KernelContext &context,
                                         tk::ReduceOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto type = cast<MemRefType>(op.getInput().getType());
  ArrayRef<int64_t> shape = type.getShape();
  int64_t axis = op.getAxis(), rank = type.getRank();
  tk::RowKind kind = op.getKind();
  bool norm =
      kind == tk::RowKind::layer_norm || kind == tk::RowKind::rms_norm;
  int64_t outer = 1, length = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t &part = d < axis ? outer : (d == axis || norm) ? length : inner;
    part *= shape[d];
  }
  int64_t rows = outer * inner;
  Value input = contiguous(b, loc, op.getInput(), true);
  Value output = contiguous(b, loc, op.getInit(), false);
  SmallVector<Value> uses{flat(b, loc, input), flat(b, loc, output)};
  for (Value parameter : op.getParameters())
    uses.push_back(flat(b, loc, contiguous(b, loc, parameter, true)));
  bool hasBias = op.getParameters().size() == 2;
  float epsilon = op.getEpsilon().convertToFloat();

  int64_t lanes = context.shape.lanes;
  if (!norm && inner >= lanes)
    return lowerColumns(context, op, output, uses, outer, length,
                        inner);

  auto body = [&](Emitter &e, Value begin, Value end, ValueRange captured) {
    OpBuilder &b = e.b;
    Value in = captured[0], out = captured[1];
    int64_t full = length - length % lanes;
    int64_t tail = length % lanes;
    auto scalar = [&](float value) {
      return arith::ConstantOp::create(b, e.loc, b.getF32FloatAttr(value));
    };
    auto splat = [&](Value value) {
      return vector::BroadcastOp::create(b, e.loc, e.vectorType, value);
    };
    e.loop(begin, end, 1, [&](Value row) {
      // Element j of the row is at base + j * inner.
      Value base = e.add(
          e.mul(arith::DivUIOp::create(b, e.loc, row, e.index(inner)),
                length * inner),
          arith::RemUIOp::create(b, e.loc, row, e.index(inner)));
      auto at = [&](Value j) { return e.add(base, e.mul(j, inner)); };
      auto load = [&](Value source, Value j, int64_t valid) {
        return loadAlong(e, source, at(j), inner, valid);
      };
      // acc = fn(acc, x_chunk, valid) over the chunks, then a horizontal
      // `combine`; the tail's invalid lanes hold `neutral`.
      auto reduceRow = [&](Value neutral, vector::CombiningKind combine,
                           function_ref<Value(Value, Value, int64_t)> fn) {
        Value acc = splat(neutral);
        if (full) {
          auto loop = scf::ForOp::create(
              b, e.loc, e.index(0), e.index(full), e.index(lanes),
              ValueRange{acc},
              [&](OpBuilder &, Location, Value j, ValueRange sums) {
                scf::YieldOp::create(b, e.loc, fn(sums[0], j, lanes));
              });
          acc = loop.getResult(0);
        }
        if (tail)
          acc = arith::SelectOp::create(b, e.loc, e.mask(tail),
                                        fn(acc, e.index(full), tail), acc);
        return vector::ReductionOp::create(b, e.loc, combine, acc);
      };
      // out[j] = fn(x_chunk, j, valid) over the row.
      auto mapRow = [&](function_ref<Value(Value, int64_t)> fn) {
        e.loop(0, full, lanes, [&](Value j) {
          storeAlong(e, fn(j, lanes), out, at(j), inner, lanes);
        });
        if (tail) {
          Value j = e.index(full);
          storeAlong(e, fn(j, tail), out, at(j), inner, tail);
        }
      };
      if (!norm) {
        float lowest = -std::numeric_limits<float>::infinity();
        Value max = splat(reduceRow(
            scalar(lowest), vector::CombiningKind::MAXIMUMF,
            [&](Value acc, Value j, int64_t valid) -> Value {
              return arith::MaximumFOp::create(b, e.loc, acc,
                                               load(in, j, valid));
            }));
        auto exp = [&](Value j, int64_t valid) -> Value {
          return math::ExpOp::create(
              b, e.loc,
              arith::SubFOp::create(b, e.loc, load(in, j, valid), max));
        };
        bool softmax = kind == tk::RowKind::softmax;
        Value sum = reduceRow(
            scalar(0), vector::CombiningKind::ADD,
            [&](Value acc, Value j, int64_t valid) -> Value {
              Value x = exp(j, valid);
              if (softmax) // the exponentials are kept for the last pass
                storeAlong(e, x, out, at(j), inner, valid);
              return arith::AddFOp::create(b, e.loc, acc, x);
            });
        if (softmax) {
          Value inverse =
              splat(arith::DivFOp::create(b, e.loc, scalar(1), sum));
          mapRow([&](Value j, int64_t valid) -> Value {
            return arith::MulFOp::create(b, e.loc, load(out, j, valid),
                                         inverse);
          });
        } else {
          Value shift = splat(arith::AddFOp::create(
              b, e.loc, vector::ExtractOp::create(b, e.loc, max, 0),
              math::LogOp::create(b, e.loc, sum)));
          mapRow([&](Value j, int64_t valid) -> Value {
            return arith::SubFOp::create(b, e.loc, load(in, j, valid), shift);
          });
        }
        return;
      }
      Value count = scalar(static_cast<float>(length));
      if (kind == tk::RowKind::rms_norm) {
        Value meanSquare = arith::DivFOp::create(
            b, e.loc,
            reduceRow(scalar(0), vector::CombiningKind::ADD,
                      [&](Value acc, Value j, int64_t valid) -> Value {
                        Value x = load(in, j, valid);
                        return vector::FMAOp::create(b, e.loc, x, x, acc);
                      }),
            count);
        Value rstd = splat(arith::DivFOp::create(
            b, e.loc, scalar(1),
            math::SqrtOp::create(b, e.loc,
                                 arith::AddFOp::create(b, e.loc, meanSquare,
                                                       scalar(epsilon)))));
        mapRow([&](Value j, int64_t valid) -> Value {
          Value y = arith::MulFOp::create(b, e.loc, load(in, j, valid), rstd);
          if (captured.size() > 2)
            y = arith::MulFOp::create(b, e.loc, y,
                                      e.load(captured[2], {j}, valid));
          return y;
        });
        return;
      }
      Value mean = splat(arith::DivFOp::create(
          b, e.loc,
          reduceRow(scalar(0), vector::CombiningKind::ADD,
                    [&](Value acc, Value j, int64_t valid) -> Value {
                      return arith::AddFOp::create(b, e.loc, acc,
                                                   load(in, j, valid));
                    }),
          count));
      auto centered = [&](Value j, int64_t valid) -> Value {
        return arith::SubFOp::create(b, e.loc, load(in, j, valid), mean);
      };
      Value variance = arith::DivFOp::create(
          b, e.loc,
          reduceRow(scalar(0), vector::CombiningKind::ADD,
                    [&](Value acc, Value j, int64_t valid) -> Value {
                      Value d = centered(j, valid);
                      return vector::FMAOp::create(b, e.loc, d, d, acc);
                    }),
          count);
      Value rstd = splat(arith::DivFOp::create(
          b, e.loc, scalar(1),
          math::SqrtOp::create(
              b, e.loc, arith::AddFOp::create(b, e.loc, variance,
                                              scalar(epsilon)))));
      mapRow([&](Value j, int64_t valid) -> Value {
        Value y = arith::MulFOp::create(
            b, e.loc, arith::MulFOp::create(b, e.loc, centered(j, valid), rstd),
            e.load(captured[2], {j}, valid));
        if (hasBias)
          y = arith::AddFOp::create(b, e.loc, y,
                                    e.load(captured[3], {j}, valid));
        return y;
      });
    });
  };
  return emitRows(context, op, rows, rows * length, uses, body, output);
}
