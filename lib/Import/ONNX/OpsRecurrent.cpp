//===- OpsRecurrent.cpp - RNN, GRU and LSTM unrolled into tg ops ----------===//
//
// Sequence lengths are static, so the recurrences unroll at import: per
// direction one matmul of the input for all time steps, then per step one
// matmul of the hidden state (the weights transposed once), the gate
// nonlinearities, and the state update; Y stacks the hidden states. Supported: every direction, both
// layouts, biases, initial states, peepholes, clip, and the activations
// Sigmoid, Tanh and Relu. Not supported (clear errors): sequence_lens
// shorter than the sequence, LSTM input_forget, other activations.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/ConverterUtils.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

namespace {

enum class Cell { RNN, GRU, LSTM };

struct Recurrence {
  NodeContext &ctx;
  Cell cell;
  int64_t seq, batch, input, hidden, gates;
  Type t;
  double clip = 0;

  FailureOr<Value> slice(Value v, ArrayRef<int64_t> offsets,
                         ArrayRef<int64_t> sizes) {
    return ctx.build<tg::SliceOp>(
        {v}, {ctx.named("offsets", ctx.i64s(offsets)),
              ctx.named("sizes", ctx.i64s(sizes)),
              ctx.named("steps",
                        ctx.i64s(SmallVector<int64_t>(offsets.size(), 1)))});
  }
  FailureOr<Value> reshape(Value v, ArrayRef<int64_t> shape) {
    return ctx.buildTyped<tg::ReshapeOp>(RankedTensorType::get(shape, t), {v});
  }
  /// Rows [d] of a [dirs, rows, cols] tensor as [rows, cols].
  FailureOr<Value> ofDirection(Value v, int64_t d) {
    ArrayRef<int64_t> shape = ctx.typeOf(v).getShape();
    TRY(s, slice(v, {d, 0, 0}, {1, shape[1], shape[2]}));
    return reshape(s, shape.drop_front());
  }
  /// Columns [g * hidden, (g + 1) * hidden) of a [batch, gates * hidden].
  FailureOr<Value> gate(Value v, int64_t g) {
    return slice(v, {0, g * hidden}, {batch, hidden});
  }
  FailureOr<Value> activate(Value v, StringRef name) {
    if (name == "Sigmoid")
      return ctx.build<tg::SigmoidOp>({v});
    if (name == "Tanh")
      return ctx.build<tg::TanhOp>({v});
    if (name == "Relu")
      return ctx.build<tg::ReluOp>({v});
    return ctx.error("activation '" + name + "' is not supported");
  }
  FailureOr<Value> clipped(Value v) {
    if (clip <= 0)
      return v;
    TRY(lo, ctx.build<tg::MaxOp>({v, scalarOf(ctx, t, -clip)}));
    return ctx.build<tg::MinOp>({lo, scalarOf(ctx, t, clip)});
  }
  FailureOr<Value> add(Value a, Value b) {
    return b ? ctx.build<tg::AddOp>({a, b}) : FailureOr<Value>(a);
  }
  FailureOr<Value> mul(Value a, Value b) {
    return ctx.build<tg::MulOp>({a, b});
  }
};

LogicalResult convertRecurrent(NodeContext &ctx, Cell cell) {
  TRY(x, ctx.required(0));
  TRY(w, ctx.required(1));
  TRY(r, ctx.required(2));
  Value bias = ctx.input(3), lengths = ctx.input(4), initialH = ctx.input(5),
        initialC = cell == Cell::LSTM ? ctx.input(6) : Value(),
        peepholes = cell == Cell::LSTM ? ctx.input(7) : Value();
  int64_t gates = cell == Cell::RNN ? 1 : cell == Cell::GRU ? 3 : 4;
  int64_t hidden = ctx.getInt("hidden_size", 0);
  // Bounded before anything multiplies it.
  if (hidden < 0 || hidden > (int64_t(1) << 30))
    return ctx.error("hidden_size " + Twine(hidden) + " is out of range");
  std::string direction = ctx.getString("direction", "forward");
  int64_t dirs = direction == "bidirectional" ? 2 : 1;
  if (direction != "forward" && direction != "reverse" && dirs != 2)
    return ctx.error("unknown direction '" + direction + "'");
  bool batchFirst = ctx.getInt("layout", 0) == 1;
  if (ctx.getInt("input_forget", 0))
    return ctx.error("input_forget is not supported");
  RankedTensorType xType = ctx.typeOf(x);
  if (xType.getRank() != 3 || ctx.typeOf(w).getRank() != 3)
    return ctx.error("X and W must have rank 3");
  if (batchFirst) {
    TRY(tx, ctx.build<tg::TransposeOp>(
                {x}, {ctx.named("perm", ctx.i64s({1, 0, 2}))}));
    x = tx;
    xType = ctx.typeOf(x);
  }
  Recurrence rec{ctx,
                 cell,
                 xType.getDimSize(0),
                 xType.getDimSize(1),
                 xType.getDimSize(2),
                 hidden ? hidden : ctx.typeOf(r).getDimSize(2),
                 gates,
                 xType.getElementType()};
  rec.clip = ctx.getFloat("clip", 0);
  hidden = rec.hidden;
  int64_t batch = rec.batch, seq = rec.seq;
  if (ctx.typeOf(w).getShape() !=
      ArrayRef<int64_t>{dirs, gates * hidden, rec.input})
    return ctx.error("W must be [" + Twine(dirs) + ", " +
                     Twine(gates * hidden) + ", " + Twine(rec.input) + "]");
  if (lengths) {
    auto given = ctx.requireConstantInts(4, "sequence_lens");
    if (failed(given))
      return failure();
    if (llvm::any_of(*given, [&](int64_t n) { return n != seq; }))
      return ctx.error("sequence_lens must equal the sequence length " +
                       Twine(seq) + " for every batch entry");
  }
  if (batchFirst) {
    for (Value *state : {&initialH, &initialC})
      if (*state) {
        TRY(ts, ctx.build<tg::TransposeOp>(
                    {*state}, {ctx.named("perm", ctx.i64s({1, 0, 2}))}));
        *state = ts;
      }
  }

  // Default activations per cell, one list per direction.
  SmallVector<std::string> activations = ctx.getStrings("activations");
  SmallVector<std::string> defaults =
      cell == Cell::RNN   ? SmallVector<std::string>{"Tanh"}
      : cell == Cell::GRU ? SmallVector<std::string>{"Sigmoid", "Tanh"}
                          : SmallVector<std::string>{"Sigmoid", "Tanh", "Tanh"};
  size_t perDirection = defaults.size();
  if (activations.empty())
    for (int64_t d = 0; d < dirs; ++d)
      llvm::append_range(activations, defaults);
  if (activations.size() != perDirection * dirs)
    return ctx.error("expected " + Twine(perDirection * dirs) +
                     " activations, got " + Twine(activations.size()));
  bool linearBeforeReset = ctx.getInt("linear_before_reset", 0);

  SmallVector<Value> ys, lastH, lastC;
  for (int64_t d = 0; d < dirs; ++d) {
    bool reverse = direction == "reverse" || d == 1;
    ArrayRef<std::string> act =
        ArrayRef(activations).slice(d * perDirection, perDirection);
    TRY(wd, rec.ofDirection(w, d));
    TRY(wt, ctx.build<tg::TransposeOp>({wd},
                                       {ctx.named("perm", ctx.i64s({1, 0}))}));
    TRY(rd, rec.ofDirection(r, d));
    TRY(rt, ctx.build<tg::TransposeOp>({rd},
                                       {ctx.named("perm", ctx.i64s({1, 0}))}));
    Value wb, rb;
    if (bias) {
      TRY(b2, rec.slice(bias, {d, 0}, {1, 2 * gates * hidden}));
      TRY(wbs, rec.slice(b2, {0, 0}, {1, gates * hidden}));
      TRY(rbs, rec.slice(b2, {0, gates * hidden}, {1, gates * hidden}));
      wb = wbs;
      rb = rbs;
    }
    Value pi, po, pf;
    if (peepholes) {
      TRY(p, rec.slice(peepholes, {d, 0}, {1, 3 * hidden}));
      TRY(p0, rec.slice(p, {0, 0}, {1, hidden}));
      TRY(p1, rec.slice(p, {0, hidden}, {1, hidden}));
      TRY(p2, rec.slice(p, {0, 2 * hidden}, {1, hidden}));
      pi = p0, po = p1, pf = p2;
    }
    Value h, c;
    if (initialH) {
      TRY(h0, rec.ofDirection(initialH, d));
      h = h0;
    } else {
      h = ctx.constant(
          DenseElementsAttr::get(RankedTensorType::get({batch, hidden}, rec.t),
                                 ctx.builder.getFloatAttr(rec.t, 0)));
    }
    if (cell == Cell::LSTM) {
      if (initialC) {
        TRY(c0, rec.ofDirection(initialC, d));
        c = c0;
      } else {
        c = ctx.constant(DenseElementsAttr::get(
            RankedTensorType::get({batch, hidden}, rec.t),
            ctx.builder.getFloatAttr(rec.t, 0)));
      }
    }
    // The input's part of every gate, all steps at once: one
    // [seq * batch, input] x [input, gates * hidden] matmul instead of a
    // matrix-vector product per step; each step takes its rows.
    TRY(xRows, rec.reshape(x, {seq * batch, rec.input}));
    TRY(xwAll0, ctx.build<tg::MatMulOp>({xRows, wt}));
    TRY(xwAll, rec.add(xwAll0, wb));
    SmallVector<Value> steps(seq);
    for (int64_t s = 0; s < seq; ++s) {
      int64_t step = reverse ? seq - 1 - s : s;
      TRY(xw, rec.slice(xwAll, {step * batch, 0}, {batch, gates * hidden}));
      if (cell == Cell::GRU) {
        // z and r from X W + H R; the candidate's recurrent part depends on
        // linear_before_reset.
        TRY(rz, rec.slice(rt, {0, 0}, {hidden, 2 * hidden}));
        TRY(rh, rec.slice(rt, {0, 2 * hidden}, {hidden, hidden}));
        Value rbz, rbh;
        if (rb) {
          TRY(a, rec.slice(rb, {0, 0}, {1, 2 * hidden}));
          TRY(b, rec.slice(rb, {0, 2 * hidden}, {1, hidden}));
          rbz = a, rbh = b;
        }
        TRY(hr0, ctx.build<tg::MatMulOp>({h, rz}));
        TRY(hr, rec.add(hr0, rbz));
        TRY(xzr, rec.slice(xw, {0, 0}, {batch, 2 * hidden}));
        TRY(pre, ctx.build<tg::AddOp>({xzr, hr}));
        TRY(zPre, rec.gate(pre, 0));
        TRY(rPre, rec.gate(pre, 1));
        TRY(zc, rec.clipped(zPre));
        TRY(rc, rec.clipped(rPre));
        TRY(z, rec.activate(zc, act[0]));
        TRY(rg, rec.activate(rc, act[0]));
        TRY(xh, rec.gate(xw, 2));
        Value recurrent;
        if (linearBeforeReset) {
          TRY(hh0, ctx.build<tg::MatMulOp>({h, rh}));
          TRY(hh, rec.add(hh0, rbh));
          TRY(m, rec.mul(rg, hh));
          recurrent = m;
        } else {
          TRY(rh0, rec.mul(rg, h));
          TRY(hh0, ctx.build<tg::MatMulOp>({rh0, rh}));
          TRY(hh, rec.add(hh0, rbh));
          recurrent = hh;
        }
        TRY(candPre, ctx.build<tg::AddOp>({xh, recurrent}));
        TRY(candc, rec.clipped(candPre));
        TRY(cand, rec.activate(candc, act[1]));
        // h = (1 - z) * cand + z * h = cand + z * (h - cand)
        TRY(diff, ctx.build<tg::SubOp>({h, cand}));
        TRY(zd, rec.mul(z, diff));
        TRY(hn, ctx.build<tg::AddOp>({cand, zd}));
        h = hn;
      } else {
        TRY(hr0, ctx.build<tg::MatMulOp>({h, rt}));
        TRY(hr, rec.add(hr0, rb));
        TRY(pre, ctx.build<tg::AddOp>({xw, hr}));
        if (cell == Cell::RNN) {
          TRY(pc, rec.clipped(pre));
          TRY(hn, rec.activate(pc, act[0]));
          h = hn;
        } else {
          // Gates i, o, f, c.
          TRY(iPre0, rec.gate(pre, 0));
          TRY(oPre0, rec.gate(pre, 1));
          TRY(fPre0, rec.gate(pre, 2));
          TRY(cPre0, rec.gate(pre, 3));
          Value iPre = iPre0, fPre = fPre0, oPre = oPre0;
          if (pi) {
            TRY(a, rec.mul(pi, c));
            TRY(b, rec.mul(pf, c));
            TRY(ia, ctx.build<tg::AddOp>({iPre0, a}));
            TRY(fb, ctx.build<tg::AddOp>({fPre0, b}));
            iPre = ia, fPre = fb;
          }
          TRY(ic, rec.clipped(iPre));
          TRY(fc, rec.clipped(fPre));
          TRY(cc, rec.clipped(cPre0));
          TRY(ig, rec.activate(ic, act[0]));
          TRY(fg, rec.activate(fc, act[0]));
          TRY(cg, rec.activate(cc, act[1]));
          TRY(keep, rec.mul(fg, c));
          TRY(write, rec.mul(ig, cg));
          TRY(cn, ctx.build<tg::AddOp>({keep, write}));
          c = cn;
          if (po) {
            TRY(a, rec.mul(po, c));
            TRY(oa, ctx.build<tg::AddOp>({oPre0, a}));
            oPre = oa;
          }
          TRY(oc, rec.clipped(oPre));
          TRY(og, rec.activate(oc, act[0]));
          TRY(ch, rec.activate(c, act[2]));
          TRY(hn, rec.mul(og, ch));
          h = hn;
        }
      }
      TRY(y4, rec.reshape(h, {1, 1, batch, hidden}));
      steps[step] = y4;
    }
    TRY(yd, ctx.build<tg::ConcatOp>(
                steps, {ctx.named("axis", ctx.builder.getI64IntegerAttr(0))}));
    ys.push_back(yd);
    TRY(hd, rec.reshape(h, {1, batch, hidden}));
    lastH.push_back(hd);
    if (c) {
      TRY(cd, rec.reshape(c, {1, batch, hidden}));
      lastC.push_back(cd);
    }
  }
  auto concat = [&](ArrayRef<Value> parts, int64_t axis) -> FailureOr<Value> {
    if (parts.size() == 1)
      return parts[0];
    return ctx.build<tg::ConcatOp>(
        parts, {ctx.named("axis", ctx.builder.getI64IntegerAttr(axis))});
  };
  TRY(y, concat(ys, 1));
  TRY(yh, concat(lastH, 0));
  SmallVector<Value> outputs{y, yh};
  if (cell == Cell::LSTM) {
    TRY(yc, concat(lastC, 0));
    outputs.push_back(yc);
  }
  if (batchFirst) {
    // Y [seq, dirs, batch, hidden] -> [batch, seq, dirs, hidden]; states
    // [dirs, batch, hidden] -> [batch, dirs, hidden].
    TRY(ty, ctx.build<tg::TransposeOp>(
                {outputs[0]}, {ctx.named("perm", ctx.i64s({2, 0, 1, 3}))}));
    outputs[0] = ty;
    for (size_t i = 1; i < outputs.size(); ++i) {
      TRY(ts, ctx.build<tg::TransposeOp>(
                  {outputs[i]}, {ctx.named("perm", ctx.i64s({1, 0, 2}))}));
      outputs[i] = ts;
    }
  }
  return ctx.setOutputs(outputs);
}

} // namespace

void tessera::onnx_import::registerRecurrentOps(ConverterRegistry &r) {
  r.add("GRU", 7,
        [](NodeContext &ctx) { return convertRecurrent(ctx, Cell::GRU); });
  r.add("LSTM", 7,
        [](NodeContext &ctx) { return convertRecurrent(ctx, Cell::LSTM); });
  r.add("RNN", 7,
        [](NodeContext &ctx) { return convertRecurrent(ctx, Cell::RNN); });
}
