//===- InsertQuantize.cpp - post-training quantization of a float graph ---===//
//
// The layers post-training quantization considers (f32 convolutions and
// matmuls), their activation points in one numbering, and the two passes
// over it: tg-expose-quantize-points (what calibration observes) and
// tg-insert-quantize (Q/DQ from the calibrated ranges, weights to s8).
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/Transforms/QuantizeLayers.h"

#include "dialects/Graph/IR/GraphDialect.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Graph/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <optional>

namespace tessera::tg {
#define GEN_PASS_DEF_EXPOSEQUANTIZEPOINTS
#define GEN_PASS_DEF_INSERTQUANTIZE
#include "dialects/Graph/Transforms/Passes.h.inc"
} // namespace tessera::tg

using namespace mlir;
using namespace tessera::tg;

namespace {

/// The ONNX node a location names (the first NameLoc in a fused one).
std::string nodeName(Location loc) {
  if (auto named = dyn_cast<NameLoc>(loc))
    return named.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location part : fused.getLocations()) {
      std::string name = nodeName(part);
      if (!name.empty())
        return name;
    }
  return "";
}

bool isF32Tensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape() && type.getElementType().isF32();
}

/// The constant `value` is, possibly transposed (Gemm's transB spells a
/// weight so): the transposes from `value` back to it, outermost first.
std::optional<Value>
weightConstant(Value value,
               SmallVectorImpl<TransposeOp> *transposes = nullptr) {
  while (auto transpose = value.getDefiningOp<TransposeOp>()) {
    if (transposes)
      transposes->push_back(transpose);
    value = transpose.getInput();
  }
  if (!matchPattern(value, m_Constant()))
    return std::nullopt;
  return value;
}

bool isConstant(Value value) { return weightConstant(value).has_value(); }

/// One layer as the passes see it (the public description plus the op).
struct Layer {
  Operation *op;
  tessera::tg::QuantizeLayerInfo info;
  /// Operand index of each activation read, with its point.
  SmallVector<std::pair<unsigned, int64_t>> activations;
  /// Operand index of the constant weight, or -1.
  int weight = -1;
};

struct Layers {
  SmallVector<Layer> layers;
  SmallVector<Value> points;
};

/// Why `op` (a conv or matmul) has no int8 form, or "" when it has one.
std::string whyFloat(Operation *op) {
  if (auto conv = dyn_cast<ConvOp>(op)) {
    if (!isF32Tensor(conv.getInput()) || !isF32Tensor(conv.getWeight()))
      return "not an f32 convolution";
    if (conv.getGroup() != 1)
      return "grouped or depthwise convolution (no int8 kernel yet)";
    if (!isConstant(conv.getWeight()))
      return "the filter is not a constant";
    if (cast<RankedTensorType>(conv.getInput().getType()).getRank() < 3)
      return "not an N-d convolution";
    return "";
  }
  if (isa<ConvTransposeOp>(op))
    return "transposed convolution (no int8 kernel yet)";
  auto matmul = cast<MatMulOp>(op);
  if (!isF32Tensor(matmul.getLhs()) || !isF32Tensor(matmul.getRhs()))
    return "not an f32 matmul";
  if (isConstant(matmul.getLhs()) && isConstant(matmul.getRhs()))
    return "both operands are constants";
  return "";
}

Layers collectLayers(func::FuncOp function) {
  Layers result;
  llvm::DenseMap<Value, int64_t> pointOf;
  auto point = [&](Value value) {
    auto [it, inserted] = pointOf.try_emplace(value, result.points.size());
    if (inserted)
      result.points.push_back(value);
    return it->second;
  };
  function.walk([&](Operation *op) {
    if (!isa<ConvOp, MatMulOp, ConvTransposeOp>(op))
      return;
    Layer layer;
    layer.op = op;
    layer.info.name = nodeName(op->getLoc());
    layer.info.kind = op->getName().getStringRef().str();
    layer.info.reason = whyFloat(op);
    layer.info.quantizable = layer.info.reason.empty();
    // Operands already dequantized (a QDQ model) are not this pass's.
    auto operands = isa<MatMulOp>(op) ? SmallVector<unsigned>{0, 1}
                                      : SmallVector<unsigned>{0};
    if (layer.info.quantizable) {
      for (unsigned index : operands) {
        Value value = op->getOperand(index);
        if (value.getDefiningOp<DequantizeOp>()) {
          layer.info.quantizable = false;
          layer.info.reason = "already quantized";
          break;
        }
        if (isConstant(value)) {
          layer.weight = index;
          continue;
        }
        layer.activations.push_back({index, 0});
      }
      if (isa<ConvOp>(op))
        layer.weight = 1;
    }
    if (layer.info.quantizable)
      for (auto &[index, at] : layer.activations) {
        at = point(op->getOperand(index));
        layer.info.points.push_back(at);
      }
    result.layers.push_back(std::move(layer));
  });
  return result;
}

/// Inserts `values` as results of `function` (named `names`) before its
/// tessera.size_of results.
void appendResults(func::FuncOp function, ArrayRef<Value> values,
                   ArrayRef<std::string> names) {
  auto ret = cast<func::ReturnOp>(function.getBody().back().getTerminator());
  unsigned at = function.getNumResults();
  for (unsigned i = 0; i < function.getNumResults(); ++i)
    if (function.getResultAttr(i, "tessera.size_of")) {
      at = i;
      break;
    }
  Builder builder(function.getContext());
  SmallVector<Value> operands(ret.getOperands());
  for (auto [k, value] : llvm::enumerate(values)) {
    unsigned index = at + k;
    operands.insert(operands.begin() + index, value);
    if (failed(function.insertResult(
            index, value.getType(),
            builder.getDictionaryAttr(builder.getNamedAttr(
                "tessera.name", builder.getStringAttr(names[k]))))))
      return;
  }
  ret->setOperands(operands);
}

struct ExposeQuantizePointsPass
    : tessera::tg::impl::ExposeQuantizePointsBase<ExposeQuantizePointsPass> {
  using ExposeQuantizePointsBase::ExposeQuantizePointsBase;

  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal())
      return;
    Layers found = collectLayers(function);
    SmallVector<Value> values;
    SmallVector<std::string> names;
    if (layers) {
      for (auto [index, layer] : llvm::enumerate(found.layers))
        if (layer.info.quantizable) {
          values.push_back(layer.op->getResult(0));
          names.push_back(tessera::tg::quantizeLayerResultName(index));
        }
    } else {
      for (auto [index, value] : llvm::enumerate(found.points)) {
        values.push_back(value);
        names.push_back(tessera::tg::quantizePointResultName(index));
      }
    }
    appendResults(function, values, names);
  }
};

/// Symmetric s8 scales of `values` (shape `shape`) along `axis` (-1: one
/// for the tensor) and the stored integers.
std::pair<SmallVector<double>, SmallVector<int8_t>>
weightParameters(ArrayRef<float> values, ArrayRef<int64_t> shape,
                 int64_t axis) {
  int64_t channels = axis < 0 ? 1 : shape[axis];
  int64_t inner = 1;
  if (axis >= 0)
    for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d)
      inner *= shape[d];
  auto channelOf = [&](int64_t i) {
    return axis < 0 ? 0 : (i / inner) % channels;
  };
  SmallVector<float> largest(channels, 0.0f);
  for (auto [i, v] : llvm::enumerate(values))
    largest[channelOf(i)] = std::max(largest[channelOf(i)], std::fabs(v));
  SmallVector<double> scales;
  for (float m : largest) {
    float scale = m / 127.0f;
    scales.push_back(scale > 0 && std::isfinite(scale) ? scale : 1.0);
  }
  SmallVector<int8_t> stored;
  for (auto [i, v] : llvm::enumerate(values)) {
    float scale = static_cast<float>(scales[channelOf(i)]);
    double q = std::nearbyint(static_cast<double>(v) / scale);
    stored.push_back(static_cast<int8_t>(std::clamp(q, -127.0, 127.0)));
  }
  return {scales, stored};
}

struct InsertQuantizePass
    : tessera::tg::impl::InsertQuantizeBase<InsertQuantizePass> {
  using InsertQuantizeBase::InsertQuantizeBase;

  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal())
      return;
    Layers found = collectLayers(function);
    if (ranges.size() != 2 * found.points.size()) {
      function.emitError() << "tg-insert-quantize: " << ranges.size()
                           << " range bounds for " << found.points.size()
                           << " points (two each)";
      return signalPassFailure();
    }
    for (double bound : ranges)
      if (!std::isfinite(bound)) {
        function.emitError("tg-insert-quantize: a range bound is not finite");
        return signalPassFailure();
      }
    llvm::StringSet<> kept;
    for (const std::string &name : keepFloat)
      kept.insert(name);

    OpBuilder builder(function.getContext());
    Type f32 = builder.getF32Type();
    Type i8 = builder.getIntegerType(8);
    // One Q/DQ pair per point, after its definition, shared by its layers.
    llvm::DenseMap<int64_t, std::pair<Value, float>> dequantized;
    auto activation = [&](int64_t point, Location loc) {
      auto it = dequantized.find(point);
      if (it != dequantized.end())
        return it->second;
      Value value = found.points[point];
      auto [scale, zero] = tessera::tg::activationParameters(
          ranges[2 * point], ranges[2 * point + 1]);
      if (Operation *def = value.getDefiningOp())
        builder.setInsertionPointAfter(def);
      else
        builder.setInsertionPointToStart(&function.getBody().front());
      auto type = cast<RankedTensorType>(value.getType());
      auto element =
          quant::UniformQuantizedType::get(0, i8, f32, scale, zero, 0, 255);
      Value q = QuantizeOp::create(builder, loc, type.clone(element), value);
      Value d = DequantizeOp::create(builder, loc, type, q);
      return dequantized[point] = {d, scale};
    };
    for (Layer &layer : found.layers) {
      if (!layer.info.quantizable || kept.contains(layer.info.name))
        continue;
      Operation *op = layer.op;
      Location loc = op->getLoc();
      float inputScale = 1.0f;
      for (auto [index, point] : layer.activations) {
        auto [value, scale] = activation(point, loc);
        op->setOperand(index, value);
        inputScale = scale;
      }
      if (layer.weight < 0)
        continue;
      SmallVector<TransposeOp> transposes;
      std::optional<Value> weight =
          weightConstant(op->getOperand(layer.weight), &transposes);
      DenseFPElementsAttr values;
      if (!weight || !matchPattern(*weight, m_Constant(&values)))
        continue;
      auto operandType =
          cast<RankedTensorType>(op->getOperand(layer.weight).getType());
      int64_t rank = operandType.getRank();
      int64_t axis = -1;
      if (isa<ConvOp>(op))
        axis = 0;
      else if (rank == 2)
        axis = layer.weight == 1 ? 1 : 0;
      // The same axis of the constant, under the transposes.
      for (TransposeOp transpose : transposes)
        if (axis >= 0)
          axis = transpose.getPerm()[axis];
      auto type = cast<RankedTensorType>(weight->getType());
      SmallVector<float> floats;
      for (const APFloat &v : values.getValues<APFloat>())
        floats.push_back(v.convertToFloat());
      auto [scales, stored] = weightParameters(floats, type.getShape(), axis);
      builder.setInsertionPoint(op);
      Type element;
      if (axis < 0)
        element = quant::UniformQuantizedType::get(
            quant::QuantizationFlags::Signed, i8, f32, scales[0], 0, -128, 127);
      else
        element = quant::UniformQuantizedPerAxisType::get(
            quant::QuantizationFlags::Signed, i8, f32, scales,
            SmallVector<int64_t>(scales.size(), 0), axis, -128, 127);
      auto storageType = type.clone(i8);
      Value constant = ConstantOp::create(
          builder, loc, storageType,
          DenseElementsAttr::get(storageType, ArrayRef(stored)));
      Value cast_ =
          StorageCastOp::create(builder, loc, type.clone(element), constant);
      // The dequantized constant, transposed as the original was (a copy
      // of the transposes: the constant may have other users).
      Value operand = DequantizeOp::create(builder, loc, type, cast_);
      for (TransposeOp transpose : llvm::reverse(transposes))
        operand = TransposeOp::create(builder, transpose.getLoc(),
                                      transpose.getType(), operand,
                                      transpose.getPermAttr());
      op->setOperand(layer.weight, operand);
      // A convolution's bias in whole multiples of the product's scale, as
      // the int32 bias of a QDQ model: the integer kernel sums it exactly.
      auto conv = dyn_cast<ConvOp>(op);
      DenseFPElementsAttr bias;
      if (!conv || !conv.getBias() ||
          !matchPattern(conv.getBias(), m_Constant(&bias)) ||
          !bias.getElementType().isF32())
        continue;
      SmallVector<float> rounded;
      bool fits = true;
      for (auto [f, v] : llvm::enumerate(bias.getValues<APFloat>())) {
        float s = inputScale * static_cast<float>(scales[f % scales.size()]);
        double q = std::nearbyint(static_cast<double>(v.convertToFloat()) / s);
        fits &= std::fabs(q) < 2147483647.0;
        rounded.push_back(static_cast<float>(q) * s);
      }
      if (!fits)
        continue;
      auto biasType = cast<RankedTensorType>(bias.getType());
      conv.getBiasMutable().assign(ConstantOp::create(
          builder, loc, biasType,
          DenseElementsAttr::get(biasType, ArrayRef(rounded))));
    }
  }
};

} // namespace

std::vector<tessera::tg::QuantizeLayerInfo>
tessera::tg::describeQuantizeLayers(Operation *function) {
  std::vector<QuantizeLayerInfo> result;
  if (auto func = dyn_cast<func::FuncOp>(function))
    for (Layer &layer : collectLayers(func).layers)
      result.push_back(layer.info);
  return result;
}

std::pair<float, int64_t> tessera::tg::activationParameters(double lo,
                                                            double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  float scale = static_cast<float>((hi - lo) / 255.0);
  if (!(scale > 0) || !std::isfinite(scale))
    return {1.0f, 0};
  int64_t zero = static_cast<int64_t>(std::nearbyint(-lo / scale));
  return {scale, std::clamp<int64_t>(zero, 0, 255)};
}

std::string tessera::tg::quantizePointResultName(int64_t point) {
  return "tessera.quantize.point." + std::to_string(point);
}

std::string tessera::tg::quantizeLayerResultName(int64_t layer) {
  return "tessera.quantize.layer." + std::to_string(layer);
}
