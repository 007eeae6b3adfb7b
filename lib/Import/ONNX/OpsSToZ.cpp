//===- OpsSToZ.cpp - ONNX ops Shape … Where -------------------------------===//

#include "lib/Import/ONNX/ConverterUtils.h"

#include "tessera/Support/Shape.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

namespace {

/// Shape becomes a constant: shapes are static in tg.
LogicalResult convertShape(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> shape = ctx.typeOf(*x).getShape();
  int64_t rank = shape.size();
  auto clampIndex = [&](int64_t i) {
    if (i < 0)
      i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  int64_t start = clampIndex(ctx.getInt("start", 0));
  int64_t end =
      ctx.attribute("end") ? clampIndex(ctx.getInt("end", rank)) : rank;
  SmallVector<int64_t> values(shape.begin() + start,
                              shape.begin() + std::max(start, end));
  return ctx.setOutputs({ctx.constantI64(values)});
}

/// ONNX Slice (clamped, negative-wrapped starts/ends) to offsets/sizes/steps.
LogicalResult convertSlice(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  RankedTensorType type = ctx.typeOf(*x);
  SmallVector<int64_t> starts, ends, axes, steps;
  if (ctx.opset < 10) {
    auto s = ctx.getInts("starts"), e = ctx.getInts("ends");
    if (!s || !e)
      return ctx.error("requires starts and ends");
    starts = *s;
    ends = *e;
    if (auto a = ctx.getInts("axes"))
      axes = *a;
  } else {
    auto s = ctx.requireConstantInts(1, "starts");
    auto e = ctx.requireConstantInts(2, "ends");
    if (failed(s) || failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (ctx.input(3)) {
      auto a = ctx.requireConstantInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (ctx.input(4)) {
      auto st = ctx.requireConstantInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  SliceParams params =
      onnxSlice(Shape(type.getShape().begin(), type.getShape().end()),
                std::vector<int64_t>(starts.begin(), starts.end()),
                std::vector<int64_t>(ends.begin(), ends.end()),
                std::vector<int64_t>(axes.begin(), axes.end()),
                std::vector<int64_t>(steps.begin(), steps.end()));
  if (!params.error.empty())
    return ctx.error(params.error);
  SmallVector<int64_t> offsets(params.offsets.begin(), params.offsets.end()),
      sizes(params.sizes.begin(), params.sizes.end()),
      strides(params.steps.begin(), params.steps.end());
  return ctx.setOutput(
      ctx.build<tg::SliceOp>({*x}, {ctx.named("offsets", ctx.i64s(offsets)),
                                    ctx.named("sizes", ctx.i64s(sizes)),
                                    ctx.named("steps", ctx.i64s(strides))}));
}

/// ScatterElements and ScatterND (and the deprecated Scatter): `reduction`
/// from opset 16 (add, mul) and 18 (max, min).
template <bool Elements> LogicalResult convertScatter(NodeContext &ctx) {
  auto data = ctx.required(0), indices = ctx.required(1),
       updates = ctx.required(2);
  if (failed(data) || failed(indices) || failed(updates))
    return failure();
  std::string name = ctx.getString("reduction", "none");
  std::optional<tg::ScatterReduction> reduction =
      tg::symbolizeScatterReduction(name);
  if (!reduction)
    return ctx.error("unknown reduction '" + name + "'");
  SmallVector<NamedAttribute> attrs{ctx.named(
      "reduction",
      tg::ScatterReductionAttr::get(ctx.builder.getContext(), *reduction))};
  RankedTensorType dataType = ctx.typeOf(*data);
  auto sizeOfDim = [&](int64_t dim) -> int64_t {
    return dim < dataType.getRank() && !dataType.isDynamicDim(dim)
               ? dataType.getDimSize(dim)
               : -1;
  };
  if constexpr (Elements) {
    auto axis = ctx.normalizeAxis(ctx.getInt("axis", 0), ctx.rankOf(*data));
    if (failed(axis) ||
        failed(checkConstantIndices(ctx, *indices,
                                    [&](size_t) { return sizeOfDim(*axis); })))
      return failure();
    attrs.push_back(ctx.named("axis", ctx.builder.getI64IntegerAttr(*axis)));
    return ctx.setOutput(
        ctx.build<tg::ScatterElementsOp>({*data, *indices, *updates}, attrs));
  } else {
    RankedTensorType indexType = ctx.typeOf(*indices);
    int64_t depth = indexType.getRank() ? indexType.getShape().back() : 0;
    if (!ShapedType::isDynamic(depth) && depth > 0 &&
        failed(checkConstantIndices(ctx, *indices, [&](size_t position) {
          return sizeOfDim(static_cast<int64_t>(position) % depth);
        })))
      return failure();
    return ctx.setOutput(
        ctx.build<tg::ScatterNDOp>({*data, *indices, *updates}, attrs));
  }
}

/// TopK: k is an attribute before opset 10 and a constant input after;
/// largest and sorted arrive in opset 11. The output is always sorted.
LogicalResult convertTopK(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  int64_t k;
  if (ctx.opset < 10) {
    k = ctx.getInt("k", -1);
  } else {
    auto given = ctx.requireConstantInt(1, "K");
    if (failed(given))
      return failure();
    k = *given;
  }
  auto axis = ctx.normalizeAxis(ctx.getInt("axis", -1), ctx.rankOf(*x));
  if (failed(axis))
    return failure();
  SmallVector<NamedAttribute> attrs{
      ctx.named("k", ctx.builder.getI64IntegerAttr(k)),
      ctx.named("axis", ctx.builder.getI64IntegerAttr(*axis))};
  if (ctx.getInt("largest", 1))
    attrs.push_back(ctx.named("largest", ctx.builder.getUnitAttr()));
  auto results = ctx.buildMulti<tg::TopKOp>({*x}, attrs);
  if (failed(results))
    return failure();
  return ctx.setOutputs(*results);
}

LogicalResult convertSplit(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  auto axis = ctx.normalizeAxis(ctx.getInt("axis", 0), ctx.rankOf(*x));
  if (failed(axis))
    return failure();
  int64_t extent = ctx.typeOf(*x).getDimSize(*axis);
  SmallVector<int64_t> sizes;
  if (ctx.opset < 13) {
    if (auto given = ctx.getInts("split"))
      sizes = *given;
  } else if (ctx.input(1)) {
    auto given = ctx.requireConstantInts(1, "split");
    if (failed(given))
      return failure();
    sizes = *given;
  }
  if (sizes.empty()) {
    int64_t parts = ctx.attribute("num_outputs")
                        ? ctx.getInt("num_outputs", 1)
                        : static_cast<int64_t>(ctx.numOutputs());
    if (parts < 1)
      return ctx.error("cannot split into " + Twine(parts) + " parts");
    // Equal parts; with num_outputs (opset 18) the last one may be smaller.
    int64_t chunk = (extent + parts - 1) / parts;
    if (!ctx.attribute("num_outputs") && extent % parts != 0)
      return ctx.error("dimension " + Twine(extent) + " does not split into " +
                       Twine(parts) + " equal parts");
    for (int64_t i = 0, left = extent; i < parts; ++i, left -= chunk)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, left)));
  }
  if (sizes.size() != ctx.numOutputs())
    return ctx.error("splits into " + Twine(sizes.size()) + " parts but has " +
                     Twine(ctx.numOutputs()) + " outputs");
  auto parts = ctx.buildMulti<tg::SplitOp>(
      {*x}, {ctx.named("axis", ctx.builder.getI64IntegerAttr(*axis)),
             ctx.named("sizes", ctx.i64s(sizes))});
  if (failed(parts))
    return failure();
  return ctx.setOutputs(*parts);
}

/// Squeeze / Unsqueeze: axes from the attribute (< 13) or the input.
FailureOr<SmallVector<int64_t>> axesOf(NodeContext &ctx) {
  if (ctx.opset < 13)
    return ctx.getInts("axes").value_or(SmallVector<int64_t>{});
  if (!ctx.input(1))
    return SmallVector<int64_t>{};
  return ctx.requireConstantInts(1, "axes");
}

LogicalResult convertSqueeze(NodeContext &ctx) {
  auto x = ctx.required(0);
  auto axes = axesOf(ctx);
  if (failed(x) || failed(axes))
    return failure();
  RankedTensorType type = ctx.typeOf(*x);
  SmallVector<int64_t> normalized;
  if (axes->empty()) {
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.getDimSize(d) == 1)
        normalized.push_back(d);
  } else {
    auto n = ctx.normalizeAxes(*axes, type.getRank());
    if (failed(n))
      return failure();
    normalized = *n;
  }
  return ctx.setOutput(ctx.build<tg::SqueezeOp>(
      {*x}, {ctx.named("axes", ctx.i64s(normalized))}));
}

LogicalResult convertUnsqueeze(NodeContext &ctx) {
  auto x = ctx.required(0);
  auto axes = axesOf(ctx);
  if (failed(x) || failed(axes))
    return failure();
  auto normalized = ctx.normalizeAxes(*axes, ctx.rankOf(*x) + axes->size());
  if (failed(normalized))
    return failure();
  return ctx.setOutput(ctx.build<tg::UnsqueezeOp>(
      {*x}, {ctx.named("axes", ctx.i64s(*normalized))}));
}

LogicalResult convertTranspose(NodeContext &ctx) {
  auto x = ctx.required(0);
  if (failed(x))
    return failure();
  int64_t rank = ctx.rankOf(*x);
  SmallVector<int64_t> perm;
  if (auto given = ctx.getInts("perm"); given && !given->empty()) {
    auto normalized = ctx.normalizeAxes(*given, rank, /*sort=*/false);
    if (failed(normalized))
      return failure();
    perm = *normalized;
  } else {
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  }
  return ctx.setOutput(
      ctx.build<tg::TransposeOp>({*x}, {ctx.named("perm", ctx.i64s(perm))}));
}

LogicalResult convertWhere(NodeContext &ctx) {
  auto c = ctx.required(0), x = ctx.required(1), y = ctx.required(2);
  if (failed(c) || failed(x) || failed(y))
    return failure();
  return ctx.setOutput(ctx.build<tg::WhereOp>({*c, *x, *y}));
}

LogicalResult convertSum(NodeContext &ctx) {
  auto y = foldInputs<tg::AddOp>(ctx);
  if (failed(y))
    return failure();
  return ctx.setOutputs({*y});
}

} // namespace

void tessera::onnx_import::registerOpsSToZ(ConverterRegistry &r) {
  r.add("Scatter", 9, convertScatter<true>);
  r.add("TopK", 1, convertTopK);
  r.add("ScatterElements", 11, convertScatter<true>);
  r.add("ScatterND", 11, convertScatter<false>);
  r.add("Shape", 1, convertShape);
  r.add("Sigmoid", 1, unary<tg::SigmoidOp>);
  r.add("Sin", 7, unary<tg::SinOp>);
  r.add("Sinh", 9, unary<tg::SinhOp>);
  r.add("Tan", 7, unary<tg::TanOp>);
  r.add("Slice", 1, convertSlice);
  r.add("Softmax", 1, convertSoftmax<tg::SoftmaxOp>);
  r.add("Split", 2, convertSplit);
  r.add("Sqrt", 1, unary<tg::SqrtOp>);
  r.add("Squeeze", 1, convertSqueeze);
  r.add("Sub", 1, legacyBinary<tg::SubOp>);
  r.add("Sub", 7, binary<tg::SubOp>);
  r.add("Sum", 1, convertSum);
  r.add("Tanh", 1, unary<tg::TanhOp>);
  r.add("Transpose", 1, convertTranspose);
  r.add("Unsqueeze", 1, convertUnsqueeze);
  r.add("Where", 9, convertWhere);
}
