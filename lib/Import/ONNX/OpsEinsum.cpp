//===- OpsEinsum.cpp - ONNX Einsum as tg contractions ---------------------===//
//
// An Einsum equation becomes tg ops on the operands: repeated labels of one
// operand take a diagonal (mask and sum), labels no one else needs are summed
// out, operands are contracted pairwise left to right as one batched
// tg.matmul each (transposed and reshaped to batch x rows x inner and
// batch x inner x columns), and the last result is transposed to the output
// order. Ellipsis dimensions are labels of their own, aligned from the right;
// they must have equal sizes where operands share them (no broadcasting of
// size-1 ellipsis dimensions yet).
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/ConverterUtils.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

namespace {

/// A tensor and the label of each of its dimensions. Letters are their
/// character code; ellipsis dimension j (counted from the left of the widest
/// ellipsis) is 256 + j.
struct Term {
  Value value;
  SmallVector<int64_t> labels;
};

constexpr int64_t kEllipsisBase = 256;

/// A label as the equation spells it, for messages.
std::string labelName(int64_t label) {
  if (label >= kEllipsisBase)
    return "ellipsis dimension " + std::to_string(label - kEllipsisBase);
  return "label '" + std::string(1, char(label)) + "'";
}

/// Labels of one side of the equation; `ellipsisRank` dims stand for "...".
FailureOr<SmallVector<int64_t>> parseLabels(NodeContext &ctx, StringRef text,
                                            int64_t ellipsisRank,
                                            int64_t widestEllipsis) {
  SmallVector<int64_t> labels;
  bool seenEllipsis = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i).starts_with("...")) {
      if (seenEllipsis)
        return ctx.error("'" + text + "' has more than one ellipsis");
      seenEllipsis = true;
      for (int64_t j = 0; j < ellipsisRank; ++j)
        labels.push_back(kEllipsisBase + widestEllipsis - ellipsisRank + j);
      i += 2;
      continue;
    }
    if (!llvm::isAlpha(text[i]))
      return ctx.error("unexpected character '" + Twine(text[i]) +
                       "' in the equation");
    labels.push_back(text[i]);
  }
  return labels;
}

int64_t letterCount(StringRef text) {
  return llvm::count_if(text, [](char c) { return llvm::isAlpha(c); });
}

FailureOr<Value> transposeTo(NodeContext &ctx, Term &term,
                             ArrayRef<int64_t> order) {
  SmallVector<int64_t> perm;
  for (int64_t label : order)
    perm.push_back(llvm::find(term.labels, label) - term.labels.begin());
  term.labels.assign(order.begin(), order.end());
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return term.value;
  auto transposed = ctx.build<tg::TransposeOp>(
      {term.value}, {ctx.named("perm", ctx.i64s(perm))});
  if (succeeded(transposed))
    term.value = *transposed;
  return transposed;
}

/// Sums `term` over the dimensions whose labels `drop` selects.
LogicalResult sumOut(NodeContext &ctx, Term &term,
                     function_ref<bool(int64_t)> drop) {
  SmallVector<int64_t> axes, kept;
  for (auto [d, label] : llvm::enumerate(term.labels)) {
    if (drop(label))
      axes.push_back(d);
    else
      kept.push_back(label);
  }
  if (axes.empty())
    return success();
  TRY(sum, ctx.build<tg::ReduceSumOp>({term.value},
                                      {ctx.named("axes", ctx.i64s(axes))}));
  term.value = sum;
  term.labels = kept;
  return success();
}

/// Replaces a label repeated in `term` by its diagonal.
LogicalResult takeDiagonals(NodeContext &ctx, Term &term) {
  for (size_t p = 0; p < term.labels.size(); ++p) {
    for (size_t q = p + 1; q < term.labels.size(); ++q) {
      if (term.labels[p] != term.labels[q])
        continue;
      RankedTensorType type = ctx.typeOf(term.value);
      int64_t n = type.getDimSize(p);
      if (type.getDimSize(q) != n)
        return ctx.error(labelName(term.labels[p]) + " repeats with sizes " +
                         Twine(n) + " and " + Twine(type.getDimSize(q)));
      // x * eye (over dims p, q), then sum over q.
      SmallVector<int64_t> maskShape(type.getRank(), 1);
      maskShape[p] = maskShape[q] = n;
      Type t = type.getElementType();
      SmallVector<Attribute> eye;
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j)
          eye.push_back(isa<FloatType>(t)
                            ? Attribute(ctx.builder.getFloatAttr(t, i == j))
                            : Attribute(ctx.builder.getIntegerAttr(t, i == j)));
      Value mask =
          ctx.constant(DenseElementsAttr::get(type.clone(maskShape), eye));
      TRY(masked, ctx.build<tg::MulOp>({term.value, mask}));
      TRY(sum, ctx.build<tg::ReduceSumOp>(
                   {masked}, {ctx.named("axes", ctx.i64s({int64_t(q)}))}));
      term.value = sum;
      term.labels.erase(term.labels.begin() + q);
      --q;
    }
  }
  return success();
}

/// The product of `a` and `b` summed over the labels they share and `keep`
/// does not hold, as one batched matmul.
FailureOr<Term> contract(NodeContext &ctx, Term a, Term b,
                         const llvm::SmallSetVector<int64_t, 16> &keep) {
  SmallVector<int64_t> batch, inner, rows, columns;
  llvm::DenseMap<int64_t, int64_t> size;
  for (Term *t : {&a, &b}) {
    RankedTensorType type = ctx.typeOf(t->value);
    for (auto [d, label] : llvm::enumerate(t->labels)) {
      auto [it, inserted] = size.try_emplace(label, type.getDimSize(d));
      if (!inserted && it->second != type.getDimSize(d))
        return ctx.error(labelName(label) + " has size " + Twine(it->second) +
                         " in one operand and " + Twine(type.getDimSize(d)) +
                         " in another");
    }
  }
  for (int64_t label : a.labels) {
    bool shared = llvm::is_contained(b.labels, label);
    (shared ? (keep.contains(label) ? batch : inner) : rows).push_back(label);
  }
  for (int64_t label : b.labels)
    if (!llvm::is_contained(a.labels, label))
      columns.push_back(label);
  auto product = [&](ArrayRef<int64_t> labels) {
    int64_t p = 1;
    for (int64_t label : labels)
      p *= size[label];
    return p;
  };
  Type t = ctx.typeOf(a.value).getElementType();
  SmallVector<int64_t> aOrder(batch), bOrder(batch);
  llvm::append_range(aOrder, rows);
  llvm::append_range(aOrder, inner);
  llvm::append_range(bOrder, inner);
  llvm::append_range(bOrder, columns);
  if (failed(transposeTo(ctx, a, aOrder)) ||
      failed(transposeTo(ctx, b, bOrder)))
    return failure();
  int64_t nb = product(batch), nr = product(rows), nk = product(inner),
          nc = product(columns);
  TRY(a3, ctx.buildTyped<tg::ReshapeOp>(RankedTensorType::get({nb, nr, nk}, t),
                                        {a.value}));
  TRY(b3, ctx.buildTyped<tg::ReshapeOp>(RankedTensorType::get({nb, nk, nc}, t),
                                        {b.value}));
  TRY(m, ctx.build<tg::MatMulOp>({a3, b3}));
  Term result;
  result.labels = batch;
  llvm::append_range(result.labels, rows);
  llvm::append_range(result.labels, columns);
  SmallVector<int64_t> shape;
  for (int64_t label : result.labels)
    shape.push_back(size[label]);
  TRY(r, ctx.buildTyped<tg::ReshapeOp>(RankedTensorType::get(shape, t), {m}));
  result.value = r;
  return result;
}

} // namespace

LogicalResult tessera::onnx_import::convertEinsum(NodeContext &ctx) {
  std::string equation = ctx.getString("equation", "");
  llvm::erase_if(equation, [](char c) { return c == ' '; });
  StringRef eq(equation);
  auto [lhs, rhs] = eq.split("->");
  bool explicitOutput = eq.contains("->");
  SmallVector<StringRef> inputTexts;
  lhs.split(inputTexts, ',');
  size_t count = ctx.numInputs();
  if (inputTexts.size() != count)
    return ctx.error("equation '" + equation + "' names " +
                     Twine(inputTexts.size()) + " operands, the node has " +
                     Twine(count));

  // Operands and their labels.
  SmallVector<Term> terms;
  int64_t widest = 0;
  SmallVector<int64_t> ellipsisRanks;
  for (size_t i = 0; i < count; ++i) {
    TRY(v, ctx.required(i));
    int64_t rank = ctx.rankOf(v), letters = letterCount(inputTexts[i]);
    bool hasEllipsis = inputTexts[i].contains("...");
    if ((!hasEllipsis && letters != rank) || letters > rank)
      return ctx.error("operand " + Twine(i) + " has rank " + Twine(rank) +
                       " but '" + inputTexts[i] + "' labels " + Twine(letters) +
                       " dimensions");
    ellipsisRanks.push_back(hasEllipsis ? rank - letters : 0);
    widest = std::max(widest, ellipsisRanks.back());
    terms.push_back({v, {}});
  }
  for (size_t i = 0; i < count; ++i) {
    auto labels = parseLabels(ctx, inputTexts[i], ellipsisRanks[i], widest);
    if (failed(labels))
      return failure();
    terms[i].labels = *labels;
  }

  // Output labels: given, or the ellipsis then the letters used once, sorted.
  SmallVector<int64_t> output;
  if (explicitOutput) {
    auto labels = parseLabels(ctx, rhs, widest, widest);
    if (failed(labels))
      return failure();
    output = *labels;
  } else {
    llvm::DenseMap<int64_t, int> uses;
    for (Term &term : terms)
      for (int64_t label : term.labels)
        ++uses[label];
    for (int64_t j = 0; j < widest; ++j)
      output.push_back(kEllipsisBase + j);
    SmallVector<int64_t> once;
    for (auto [label, n] : uses)
      if (n == 1 && label < kEllipsisBase)
        once.push_back(label);
    llvm::sort(once);
    llvm::append_range(output, once);
  }
  for (int64_t label : output) {
    if (llvm::count(output, label) > 1)
      return ctx.error("output " + labelName(label) + " repeats");
    if (llvm::none_of(terms, [&](Term &t) {
          return llvm::is_contained(t.labels, label);
        }))
      return ctx.error("output " + labelName(label) + " is not an input label");
  }

  // Diagonals, then labels that only one operand has and the output lacks.
  for (size_t i = 0; i < count; ++i) {
    if (failed(takeDiagonals(ctx, terms[i])))
      return failure();
    auto elsewhere = [&](int64_t label) {
      if (llvm::is_contained(output, label))
        return true;
      for (size_t j = 0; j < count; ++j)
        if (j != i && llvm::is_contained(terms[j].labels, label))
          return true;
      return false;
    };
    if (failed(sumOut(ctx, terms[i],
                      [&](int64_t label) { return !elsewhere(label); })))
      return failure();
  }

  // Pairwise contractions, keeping the labels the output or a later
  // operand needs.
  Term acc = terms[0];
  for (size_t i = 1; i < count; ++i) {
    llvm::SmallSetVector<int64_t, 16> keep(output.begin(), output.end());
    for (size_t j = i + 1; j < count; ++j)
      keep.insert(terms[j].labels.begin(), terms[j].labels.end());
    auto next = contract(ctx, acc, terms[i], keep);
    if (failed(next))
      return failure();
    acc = *next;
  }
  if (failed(sumOut(ctx, acc, [&](int64_t label) {
        return !llvm::is_contained(output, label);
      })))
    return failure();
  return ctx.setOutput(transposeTo(ctx, acc, output));
}
