//===- OpsContribAttention.cpp - contrib attention and rotary embedding ---===//
//
// ONNX Runtime's Attention (packed input projection) and MultiHeadAttention
// (separate query, key and value, the unpacked forms) spelled as the graph
// ops exporters write for attention (split heads, Q K^T, scale, additive
// mask, softmax, times V, merge heads), so that tk-form-attention makes one
// fused kernel of them; RotaryEmbedding as slices, multiplies and a concat.
// Semantics are ONNX Runtime 1.30's CPU kernels. Not supported (one-line
// errors): past/present key-value caches, the packed QKV and KV forms of
// MultiHeadAttention, start/end mask indices, rotary inside Attention.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/ConverterUtils.h"
#include "lib/Import/ONNX/NodeContext.h"

#include <cmath>

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

static constexpr StringLiteral kMicrosoft = "com.microsoft";

namespace {

struct Heads {
  int64_t count = 0;
  double scale = 0;   ///< applied to Q K^T
  double filter = 0;  ///< the additive value of masked positions
  bool causal = false;
};

/// A constant of `shape` holding `values` in `elementType`.
Value constantOf(NodeContext &ctx, Type elementType, ArrayRef<int64_t> shape,
                 ArrayRef<double> values) {
  auto type = RankedTensorType::get(shape, elementType);
  if (isa<FloatType>(elementType)) {
    SmallVector<APFloat> elements;
    for (double v : values) {
      APFloat f(v);
      bool lost;
      f.convert(cast<FloatType>(elementType).getFloatSemantics(),
                APFloat::rmNearestTiesToEven, &lost);
      elements.push_back(f);
    }
    return ctx.constant(DenseElementsAttr::get(type, elements));
  }
  SmallVector<APInt> elements;
  for (double v : values)
    elements.emplace_back(elementType.getIntOrFloatBitWidth(),
                          static_cast<int64_t>(v), /*isSigned=*/true);
  return ctx.constant(DenseElementsAttr::get(type, elements));
}

/// The additive mask (broadcastable to [B, N, S, L]) of an attention mask
/// input: key lengths [B] (right padding), a raw 0/1 mask [B, L] or
/// [B, S, L] (0 masks), each masked position getting `filter`.
FailureOr<Value> additiveMask(NodeContext &ctx, Value mask, int64_t batch,
                              int64_t queries, int64_t keys, double filter,
                              Type f) {
  RankedTensorType type = ctx.typeOf(mask);
  Type m = type.getElementType();
  if (!isa<IntegerType>(m))
    return ctx.error("the attention mask must be an integer tensor");
  Value masked = scalarOf(ctx, f, filter), open = scalarOf(ctx, f, 0.0);
  if (type.getRank() == 1) {
    if (type.getDimSize(0) != batch)
      return ctx.error("a 1-D attention mask holds one key length per batch "
                       "entry (the [2 * batch] start/end form is not "
                       "supported)");
    SmallVector<double> iota;
    for (int64_t j = 0; j < keys; ++j)
      iota.push_back(static_cast<double>(j));
    Value positions = constantOf(ctx, m, {1, keys}, iota);
    TRY(lengths, reshapeTo(ctx, mask, {batch, 1}));
    TRY(beyond, compareOp(ctx, tg::ComparePredicate::ge, positions, lengths));
    TRY(additive, whereOp(ctx, beyond, masked, open));
    return reshapeTo(ctx, additive, {batch, 1, 1, keys});
  }
  if (type.getRank() != 2 && type.getRank() != 3)
    return ctx.error("the attention mask must be [batch], [batch, keys] or "
                     "[batch, queries, keys]");
  if (type.getDimSize(0) != batch || type.getDimSize(type.getRank() - 1) != keys ||
      (type.getRank() == 3 && type.getDimSize(1) != queries))
    return ctx.error("the attention mask's shape does not match the batch, "
                     "query and key lengths");
  TRY(zero, compareOp(ctx, tg::ComparePredicate::eq, mask, scalarOf(ctx, m, 0)));
  TRY(additive, whereOp(ctx, zero, masked, open));
  return type.getRank() == 2
             ? reshapeTo(ctx, additive, {batch, 1, 1, keys})
             : reshapeTo(ctx, additive, {batch, 1, queries, keys});
}

/// [B, T, N * h] -> [B, N, T, h].
FailureOr<Value> splitHeads(NodeContext &ctx, Value x, int64_t heads) {
  RankedTensorType type = ctx.typeOf(x);
  int64_t b = type.getDimSize(0), t = type.getDimSize(1),
          hidden = type.getDimSize(2);
  if (hidden % heads != 0)
    return ctx.error("a hidden size of " + Twine(hidden) +
                     " does not divide into " + Twine(heads) + " heads");
  TRY(r, reshapeTo(ctx, x, {b, t, heads, hidden / heads}));
  return transposeBy(ctx, r, {0, 2, 1, 3});
}

/// softmax(Q K^T * scale + mask [+ causal]) V over heads: q [B, S, N*h];
/// k, v [B, L, N*h] or, `split`, [B, N, L, h] already; result [B, S, N*hv].
FailureOr<Value> attend(NodeContext &ctx, Value q, Value k, Value v,
                        bool split, Value mask, const Heads &heads) {
  TRY(qh, splitHeads(ctx, q, heads.count));
  Value kh = k, vh = v;
  if (!split) {
    TRY(ks, splitHeads(ctx, k, heads.count));
    TRY(vs, splitHeads(ctx, v, heads.count));
    kh = ks;
    vh = vs;
  }
  RankedTensorType qType = ctx.typeOf(qh), kType = ctx.typeOf(kh);
  if (kType.getRank() != 4 || kType.getDimSize(1) != heads.count ||
      kType.getDimSize(3) != qType.getDimSize(3))
    return ctx.error("the key's heads do not match the query's");
  Type f = qType.getElementType();
  int64_t queries = qType.getDimSize(2), keys = kType.getDimSize(2);
  TRY(kt, transposeBy(ctx, kh, {0, 1, 3, 2}));
  TRY(scores, ctx.build<tg::MatMulOp>({qh, kt}));
  TRY(scaled, ctx.build<tg::MulOp>({scores, scalarOf(ctx, f, heads.scale)}));
  Value logits = scaled;
  if (mask) {
    TRY(m, ctx.build<tg::AddOp>({logits, mask}));
    logits = m;
  }
  if (heads.causal) {
    // Query i (after L - S earlier keys) sees keys j <= i + L - S.
    SmallVector<double> causal;
    for (int64_t i = 0; i < queries; ++i)
      for (int64_t j = 0; j < keys; ++j)
        causal.push_back(j > i + keys - queries ? heads.filter : 0.0);
    TRY(c, ctx.build<tg::AddOp>(
               {logits, constantOf(ctx, f, {queries, keys}, causal)}));
    logits = c;
  }
  TRY(probs, ctx.build<tg::SoftmaxOp>(
                 {logits}, {ctx.named("axis", ctx.builder.getI64IntegerAttr(3))}));
  TRY(context, ctx.build<tg::MatMulOp>({probs, vh}));
  TRY(merged, transposeBy(ctx, context, {0, 2, 1, 3}));
  RankedTensorType cType = ctx.typeOf(merged);
  return reshapeTo(ctx, merged,
                   {cType.getDimSize(0), cType.getDimSize(1),
                    cType.getDimSize(2) * cType.getDimSize(3)});
}

/// num_heads, mask_filter_value, scale (default 1 / sqrt(head size)) and
/// unidirectional of an attention node.
FailureOr<Heads> headsOf(NodeContext &ctx, int64_t qHidden) {
  Heads heads;
  heads.count = ctx.getInt("num_heads", 0);
  if (heads.count <= 0)
    return ctx.error("num_heads must be given and positive");
  if (qHidden % heads.count != 0)
    return ctx.error("a query hidden size of " + Twine(qHidden) +
                     " does not divide into " + Twine(heads.count) + " heads");
  heads.filter = ctx.getFloat("mask_filter_value", -10000.0f);
  float scale = ctx.getFloat("scale", 0.0f);
  heads.scale = scale != 0.0f
                    ? scale
                    : 1.0 / std::sqrt(static_cast<double>(qHidden / heads.count));
  heads.causal = ctx.getInt("unidirectional", 0) != 0;
  return heads;
}

LogicalResult refuseCaches(NodeContext &ctx, ArrayRef<size_t> pastInputs) {
  for (size_t i : pastInputs)
    if (ctx.input(i))
      return ctx.error("past key/value inputs (a decoding cache) are not "
                       "supported");
  for (size_t i = 1; i < ctx.numOutputs(); ++i)
    if (ctx.outputUsed(i))
      return ctx.error("output " + Twine(i) +
                       " (present key/value or scores) is not supported");
  return success();
}

/// Attention: input [B, S, D] projected by weights [D, Hq + Hk + Hv] (and
/// bias) into Q, K, V; mask_index and attention_bias added to the scores.
LogicalResult convertAttention(NodeContext &ctx) {
  TRY(input, ctx.required(0));
  TRY(weights, ctx.required(1));
  if (failed(refuseCaches(ctx, {4, 6})))
    return failure();
  if (ctx.getInt("do_rotary", 0))
    return ctx.error("do_rotary is not supported");
  RankedTensorType inType = ctx.typeOf(input), wType = ctx.typeOf(weights);
  if (inType.getRank() != 3 || wType.getRank() != 2 ||
      wType.getDimSize(0) != inType.getDimSize(2))
    return ctx.error("expects input [batch, sequence, hidden] and weights "
                     "[hidden, q + k + v hidden]");
  SmallVector<int64_t> sizes =
      ctx.getInts("qkv_hidden_sizes").value_or(SmallVector<int64_t>());
  int64_t total = wType.getDimSize(1);
  if (sizes.empty()) {
    if (total % 3 != 0)
      return ctx.error("weights of " + Twine(total) +
                       " columns do not split into equal Q, K and V");
    sizes.assign(3, total / 3);
  }
  if (sizes.size() != 3 || sizes[0] != sizes[1] || sizes[0] <= 0 ||
      sizes[2] <= 0 || sizes[0] + sizes[1] + sizes[2] != total)
    return ctx.error("qkv_hidden_sizes must be 3 positive sizes, Q's equal "
                     "to K's, summing to the weights' columns");
  auto heads = headsOf(ctx, sizes[0]);
  if (failed(heads))
    return failure();
  if (sizes[2] % heads->count != 0)
    return ctx.error("V's hidden size does not divide into the heads");
  Value bias = ctx.input(2);
  SmallVector<Value> qkv;
  int64_t offset = 0;
  for (int64_t size : sizes) {
    TRY(w, sliceAxis(ctx, weights, 1, offset, size));
    TRY(p, ctx.build<tg::MatMulOp>({input, w}));
    Value projected = p;
    if (bias) {
      TRY(b, sliceAxis(ctx, bias, 0, offset, size));
      TRY(pb, ctx.build<tg::AddOp>({p, b}));
      projected = pb;
    }
    qkv.push_back(projected);
    offset += size;
  }
  int64_t batch = inType.getDimSize(0), sequence = inType.getDimSize(1);
  Type f = inType.getElementType();
  Value mask;
  if (Value index = ctx.input(3)) {
    TRY(m, additiveMask(ctx, index, batch, sequence, sequence, heads->filter,
                        f));
    mask = m;
  }
  if (Value bias = ctx.input(5)) {
    if (mask) {
      TRY(both, ctx.build<tg::AddOp>({mask, bias}));
      mask = both;
    } else {
      mask = bias;
    }
  }
  auto out = attend(ctx, qkv[0], qkv[1], qkv[2], false, mask, *heads);
  if (failed(out))
    return failure();
  return ctx.setOutputs({*out});
}

/// MultiHeadAttention with separate query [B, S, D], key and value
/// [B, L, D] / [B, L, Dv] (or already split, [B, N, L, h]), an optional
/// bias [D + D + Dv], key_padding_mask and attention_bias.
LogicalResult convertMultiHeadAttention(NodeContext &ctx) {
  TRY(query, ctx.required(0));
  if (failed(refuseCaches(ctx, {6, 7})))
    return failure();
  Value key = ctx.input(1), value = ctx.input(2);
  RankedTensorType qType = ctx.typeOf(query);
  if (qType.getRank() != 3 || !key || !value)
    return ctx.error("only the unpacked form is supported: query [batch, "
                     "sequence, hidden] with separate key and value");
  int64_t kRank = ctx.rankOf(key);
  if (kRank != ctx.rankOf(value) || (kRank != 3 && kRank != 4))
    return ctx.error("key and value must both be [batch, keys, hidden] or "
                     "[batch, heads, keys, head size] (packed forms are not "
                     "supported)");
  bool split = kRank == 4;
  auto heads = headsOf(ctx, qType.getDimSize(2));
  if (failed(heads))
    return failure();
  if (Value bias = ctx.input(3)) {
    if (split)
      return ctx.error("a bias with key and value already split into heads "
                       "is not supported");
    int64_t d = qType.getDimSize(2), dv = ctx.typeOf(value).getDimSize(2);
    if (ctx.typeOf(bias).getRank() != 1 ||
        ctx.typeOf(bias).getDimSize(0) != 2 * d + dv)
      return ctx.error("bias must be [q + k + v hidden]");
    TRY(bq, sliceAxis(ctx, bias, 0, 0, d));
    TRY(bk, sliceAxis(ctx, bias, 0, d, d));
    TRY(bv, sliceAxis(ctx, bias, 0, 2 * d, dv));
    TRY(q, ctx.build<tg::AddOp>({query, bq}));
    TRY(k, ctx.build<tg::AddOp>({key, bk}));
    TRY(v, ctx.build<tg::AddOp>({value, bv}));
    query = q;
    key = k;
    value = v;
  }
  int64_t batch = qType.getDimSize(0), queries = qType.getDimSize(1);
  int64_t keys = ctx.typeOf(key).getDimSize(split ? 2 : 1);
  Value mask;
  if (Value padding = ctx.input(4)) {
    TRY(m, additiveMask(ctx, padding, batch, queries, keys, heads->filter,
                        qType.getElementType()));
    mask = m;
  }
  if (Value bias = ctx.input(5)) {
    if (mask) {
      TRY(both, ctx.build<tg::AddOp>({mask, bias}));
      mask = both;
    } else {
      mask = bias;
    }
  }
  auto out = attend(ctx, query, key, value, split, mask, *heads);
  if (failed(out))
    return failure();
  return ctx.setOutputs({*out});
}

/// RotaryEmbedding: the first rotary_embedding_dim (default: all) of each
/// head's dims rotated by the cos/sin caches at position_ids, as halves
/// (x1, x2) or, `interleaved`, as pairs (x[2i], x[2i+1]). Input [B, S, H]
/// (num_heads or the cache width gives the heads) or [B, N, S, h].
LogicalResult convertRotaryEmbedding(NodeContext &ctx) {
  TRY(input, ctx.required(0));
  TRY(positions, ctx.required(1));
  TRY(cosCache, ctx.required(2));
  TRY(sinCache, ctx.required(3));
  if (ctx.getInt("is_packed_batching", 0))
    return ctx.error("is_packed_batching is not supported");
  RankedTensorType type = ctx.typeOf(input);
  int64_t rank = type.getRank();
  RankedTensorType cacheType = ctx.typeOf(cosCache);
  if ((rank != 3 && rank != 4) || cacheType.getRank() != 2 ||
      ctx.typeOf(sinCache) != cacheType)
    return ctx.error("expects input [batch, sequence, hidden] or [batch, "
                     "heads, sequence, head size] and cos/sin caches "
                     "[positions, rotary dim / 2] of one shape");
  int64_t batch = type.getDimSize(0);
  int64_t sequence = type.getDimSize(rank == 3 ? 1 : 2);
  int64_t half = cacheType.getDimSize(1);
  int64_t rotary = ctx.getInt("rotary_embedding_dim", 0);
  int64_t heads = ctx.getInt("num_heads", 0), headSize;
  if (rank == 4) {
    heads = type.getDimSize(1);
    headSize = type.getDimSize(3);
  } else {
    int64_t hidden = type.getDimSize(2);
    if (heads <= 0) {
      if (rotary > 0)
        return ctx.error("num_heads is required with rotary_embedding_dim "
                         "and a 3-D input");
      headSize = 2 * half;
      if (headSize == 0 || hidden % headSize != 0)
        return ctx.error("the hidden size does not divide into heads of "
                         "twice the cache width");
      heads = hidden / headSize;
    } else {
      if (hidden % heads != 0)
        return ctx.error("the hidden size does not divide into num_heads");
      headSize = hidden / heads;
    }
  }
  if (rotary == 0)
    rotary = headSize;
  if (rotary > headSize || rotary % 2 != 0 || rotary != 2 * half)
    return ctx.error("rotary_embedding_dim (" + Twine(rotary) +
                     ") must be even, at most the head size (" +
                     Twine(headSize) + ") and twice the cache width (" +
                     Twine(half) + ")");

  // cos/sin at every (batch, position): [B or 1, S, half].
  RankedTensorType posType = ctx.typeOf(positions);
  Value ids = positions;
  if (posType.getRank() == 1 && posType.getNumElements() == 1) {
    SmallVector<double> iota;
    for (int64_t s = 0; s < sequence; ++s)
      iota.push_back(static_cast<double>(s));
    TRY(start, reshapeTo(ctx, positions, {1, 1}));
    TRY(p, ctx.build<tg::AddOp>(
               {start, constantOf(ctx, posType.getElementType(), {1, sequence},
                                  iota)}));
    ids = p;
  } else if (posType.getRank() != 2 || posType.getDimSize(0) != batch ||
             posType.getDimSize(1) != sequence) {
    return ctx.error("position_ids must be [batch, sequence] or one start "
                     "position");
  }
  auto gathered = [&](Value cache) -> FailureOr<Value> {
    TRY(g, ctx.build<tg::GatherOp>(
               {cache, ids},
               {ctx.named("axis", ctx.builder.getI64IntegerAttr(0))}));
    int64_t b = ctx.typeOf(g).getDimSize(0);
    return rank == 3 ? reshapeTo(ctx, g, {b, sequence, 1, half})
                     : reshapeTo(ctx, g, {b, 1, sequence, half});
  };
  TRY(cos, gathered(cosCache));
  TRY(sin, gathered(sinCache));

  // The heads view [B, S, N, h] or [B, N, S, h].
  SmallVector<int64_t> view =
      rank == 3 ? SmallVector<int64_t>{batch, sequence, heads, headSize}
                : SmallVector<int64_t>(type.getShape());
  TRY(x, reshapeTo(ctx, input, view));
  TRY(rotated, sliceAxis(ctx, x, 3, 0, rotary));
  bool interleaved = ctx.getInt("interleaved", 0) != 0;
  Value first, second;
  SmallVector<int64_t> pairs{view[0], view[1], view[2], half, 2};
  SmallVector<int64_t> halves{view[0], view[1], view[2], half};
  if (interleaved) {
    TRY(p, reshapeTo(ctx, rotated, pairs));
    TRY(e, sliceAxis(ctx, p, 4, 0, 1));
    TRY(o, sliceAxis(ctx, p, 4, 1, 1));
    TRY(er, reshapeTo(ctx, e, halves));
    TRY(orr, reshapeTo(ctx, o, halves));
    first = er;
    second = orr;
  } else {
    TRY(a, sliceAxis(ctx, rotated, 3, 0, half));
    TRY(b, sliceAxis(ctx, rotated, 3, half, half));
    first = a;
    second = b;
  }
  // (first, second) -> (first cos - second sin, second cos + first sin).
  TRY(fc, ctx.build<tg::MulOp>({first, cos}));
  TRY(ss, ctx.build<tg::MulOp>({second, sin}));
  TRY(sc, ctx.build<tg::MulOp>({second, cos}));
  TRY(fs, ctx.build<tg::MulOp>({first, sin}));
  TRY(newFirst, ctx.build<tg::SubOp>({fc, ss}));
  TRY(newSecond, ctx.build<tg::AddOp>({sc, fs}));
  Value result;
  OpBuilder &b = ctx.builder;
  if (interleaved) {
    SmallVector<int64_t> one{view[0], view[1], view[2], half, 1};
    TRY(e1, reshapeTo(ctx, newFirst, one));
    TRY(o1, reshapeTo(ctx, newSecond, one));
    TRY(joined, ctx.build<tg::ConcatOp>(
                    {e1, o1}, {ctx.named("axis", b.getI64IntegerAttr(4))}));
    TRY(flat, reshapeTo(ctx, joined, {view[0], view[1], view[2], rotary}));
    result = flat;
  } else {
    TRY(joined, ctx.build<tg::ConcatOp>(
                    {newFirst, newSecond},
                    {ctx.named("axis", b.getI64IntegerAttr(3))}));
    result = joined;
  }
  if (rotary < headSize) {
    TRY(rest, sliceAxis(ctx, x, 3, rotary, headSize - rotary));
    TRY(all, ctx.build<tg::ConcatOp>(
                 {result, rest}, {ctx.named("axis", b.getI64IntegerAttr(3))}));
    result = all;
  }
  return ctx.setOutput(reshapeTo(ctx, result, type.getShape()));
}

} // namespace

void onnx_import::registerContribAttentionOps(ConverterRegistry &r) {
  r.add(kMicrosoft, "Attention", 1, convertAttention);
  r.add(kMicrosoft, "MultiHeadAttention", 1, convertMultiHeadAttention);
  r.add(kMicrosoft, "RotaryEmbedding", 1, convertRotaryEmbedding);
}
