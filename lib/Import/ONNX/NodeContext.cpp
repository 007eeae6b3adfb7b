//===- NodeContext.cpp - what a converter sees of its node
//------------------===//

#include "lib/Import/ONNX/NodeContext.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

FailureOr<Value> NodeContext::required(size_t i) {
  if (Value value = input(i))
    return value;
  return error("expects input " + Twine(i));
}

std::optional<SmallVector<int64_t>>
NodeContext::constantInts(Value value) {
  DenseIntElementsAttr dense;
  if (!value || !matchPattern(value, m_Constant(&dense)))
    return std::nullopt;
  SmallVector<int64_t> result;
  bool isUnsigned = dense.getElementType().isUnsignedInteger();
  for (const APInt &v : dense.getValues<APInt>())
    result.push_back(isUnsigned ? static_cast<int64_t>(v.getZExtValue())
                                : v.getSExtValue());
  return result;
}

std::optional<SmallVector<double>>
NodeContext::constantFloats(Value value) const {
  DenseElementsAttr dense;
  if (!value || !matchPattern(value, m_Constant(&dense)))
    return std::nullopt;
  SmallVector<double> result;
  if (auto ints = dyn_cast<DenseIntElementsAttr>(dense)) {
    for (const APInt &v : ints.getValues<APInt>())
      result.push_back(static_cast<double>(v.getSExtValue()));
    return result;
  }
  for (const APFloat &v : dense.getValues<APFloat>()) {
    bool losesInfo;
    APFloat wide = v;
    wide.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                 &losesInfo);
    result.push_back(wide.convertToDouble());
  }
  return result;
}

LogicalResult NodeContext::notConstant(size_t i, StringRef what) {
  std::string source;
  if (auto argument = dyn_cast_or_null<BlockArgument>(input(i)))
    if (auto name = cast<func::FuncOp>(argument.getOwner()->getParentOp())
                        .getArgAttrOfType<StringAttr>(argument.getArgNumber(),
                                                      "tessera.name"))
      source = " (graph input '" + name.str() +
               "'; freeze it with "
               "--freeze-input " +
               name.str() + "=FILE.pb or =VALUE)";
  return error(what +
               " must be a constant or computable from shapes at "
               "import, but is computed at run time" +
               source);
}

FailureOr<SmallVector<int64_t>>
NodeContext::requireConstantInts(size_t i, StringRef what) {
  auto values = constantInts(input(i));
  if (!values)
    return notConstant(i, what);
  return *values;
}

FailureOr<double> NodeContext::requireConstantScalar(size_t i, StringRef what) {
  auto values = constantFloats(input(i));
  if (!values)
    return notConstant(i, what);
  if (values->size() != 1)
    return error(what + " must hold one value, got " + Twine(values->size()));
  return values->front();
}

FailureOr<int64_t> NodeContext::requireConstantInt(size_t i, StringRef what) {
  FailureOr<double> value = requireConstantScalar(i, what);
  if (failed(value))
    return failure();
  if (!std::isfinite(*value) || std::abs(*value) > 4.6116860184273879e18)
    return error(what + " " + std::to_string(*value) + " is out of range");
  return static_cast<int64_t>(*value);
}

const onnx::AttributeProto *NodeContext::attribute(StringRef name) const {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

int64_t NodeContext::getInt(StringRef name, int64_t defaultValue) const {
  const onnx::AttributeProto *attr = attribute(name);
  return attr ? attr->i() : defaultValue;
}

float NodeContext::getFloat(StringRef name, float defaultValue) const {
  const onnx::AttributeProto *attr = attribute(name);
  return attr ? attr->f() : defaultValue;
}

std::string NodeContext::getString(StringRef name,
                                   StringRef defaultValue) const {
  const onnx::AttributeProto *attr = attribute(name);
  return attr ? attr->s() : defaultValue.str();
}

std::optional<SmallVector<int64_t>> NodeContext::getInts(StringRef name) const {
  const onnx::AttributeProto *attr = attribute(name);
  if (!attr)
    return std::nullopt;
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

SmallVector<std::string> NodeContext::getStrings(StringRef name) const {
  const onnx::AttributeProto *attr = attribute(name);
  if (!attr)
    return {};
  return SmallVector<std::string>(attr->strings().begin(),
                                  attr->strings().end());
}

std::optional<SmallVector<float>> NodeContext::getFloats(StringRef name) const {
  const onnx::AttributeProto *attr = attribute(name);
  if (!attr)
    return std::nullopt;
  return SmallVector<float>(attr->floats().begin(), attr->floats().end());
}

FailureOr<int64_t> NodeContext::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return error("axis " + Twine(axis) + " is out of range [" + Twine(-rank) +
                 ", " + Twine(rank) + ")");
  return axis < 0 ? axis + rank : axis;
}

FailureOr<SmallVector<int64_t>>
NodeContext::normalizeAxes(ArrayRef<int64_t> axes, int64_t rank, bool sort) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    FailureOr<int64_t> normalized = normalizeAxis(axis, rank);
    if (failed(normalized))
      return failure();
    if (llvm::is_contained(result, *normalized))
      return error("axis " + Twine(axis) + " is repeated");
    result.push_back(*normalized);
  }
  if (sort)
    llvm::sort(result);
  return result;
}

Value NodeContext::constant(Attribute value) {
  auto elements = cast<ElementsAttr>(value);
  return tg::ConstantOp::create(builder, loc, elements.getType(), elements);
}

Value NodeContext::constantI64(ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    builder.getI64Type());
  return constant(DenseElementsAttr::get(type, values));
}

LogicalResult NodeContext::setOutputs(ArrayRef<Value> values) {
  results.assign(values.begin(), values.end());
  return success();
}

LogicalResult NodeContext::error(const Twine &text) {
  if (message.empty())
    message = text.str();
  return failure();
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//
