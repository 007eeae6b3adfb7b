//===- Graph.cpp - building tg graphs from C++ ----------------------------===//

#include "tessera/Builder/Graph.h"

#include "lib/Builder/GraphImpl.h"
#include "lib/Plugin/Extensions.h"
#include "tessera/Import/ONNX.h"
#include "mlir/IR/DialectRegistry.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace tg = tessera::tg;

namespace tessera {

//===----------------------------------------------------------------------===//
// DType
//===----------------------------------------------------------------------===//

namespace {
struct DTypeInfo {
  DType dtype;
  const char *name;
  size_t size;
};
const DTypeInfo kDTypes[] = {
    {DType::F32, "float32", 4}, {DType::F64, "float64", 8},
    {DType::F16, "float16", 2}, {DType::BF16, "bfloat16", 2},
    {DType::I8, "int8", 1},     {DType::I16, "int16", 2},
    {DType::I32, "int32", 4},   {DType::I64, "int64", 8},
    {DType::U8, "uint8", 1},    {DType::U16, "uint16", 2},
    {DType::U32, "uint32", 4},  {DType::U64, "uint64", 8},
    {DType::Bool, "bool", 1}};

} // namespace

Type mlirType(MLIRContext *context, DType dtype) {
  Builder b(context);
  switch (dtype) {
  case DType::F32:
    return b.getF32Type();
  case DType::F64:
    return b.getF64Type();
  case DType::F16:
    return b.getF16Type();
  case DType::BF16:
    return b.getBF16Type();
  case DType::Bool:
    return b.getI1Type();
  case DType::I8:
    return b.getIntegerType(8);
  case DType::I16:
    return b.getIntegerType(16);
  case DType::I32:
    return b.getIntegerType(32);
  case DType::I64:
    return b.getIntegerType(64);
  case DType::U8:
    return b.getIntegerType(8, false);
  case DType::U16:
    return b.getIntegerType(16, false);
  case DType::U32:
    return b.getIntegerType(32, false);
  case DType::U64:
    return b.getIntegerType(64, false);
  }
  return Type();
}

namespace {
DType dtypeOf(Type type) {
  for (const DTypeInfo &info : kDTypes)
    if (mlirType(type.getContext(), info.dtype) == type)
      return info.dtype;
  return DType::F32;
}
} // namespace

const char *dtypeName(DType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return info.name;
  return "unknown";
}

std::optional<DType> parseDType(const std::string &name) {
  for (const DTypeInfo &info : kDTypes)
    if (name == info.name)
      return info.dtype;
  if (name == "float")
    return DType::F32;
  return std::nullopt;
}

size_t dtypeSize(DType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return info.size;
  return 0;
}

Graph::Graph(const std::string &name) : impl(std::make_unique<Impl>(name)) {
  impl->start();
}
Graph::Graph(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Graph::~Graph() = default;
Graph::Graph(Graph &&) noexcept = default;
Graph &Graph::operator=(Graph &&) noexcept = default;

Graph Graph::importOnnx(
    const std::string &path,
    const std::map<std::string, std::vector<int64_t>> &inputShapes) {
  auto impl = std::make_unique<Impl>(llvm::sys::path::stem(path).str());
  OnnxImportOptions options;
  options.inputShapes = inputShapes;
  // The loaded plugins' converters and the dialects they create.
  plugin::Extensions extensions = plugin::loadedExtensions();
  options.converters = extensions.converters;
  mlir::DialectRegistry registry;
  extensions.addDialects(registry);
  impl->context->appendDialectRegistry(registry);
  std::string message;
  impl->module = importOnnxFile(*impl->context, path, options, message);
  impl->finished = true;
  if (!impl->module)
    impl->error = message;
  else
    for (auto function : impl->module->getOps<func::FuncOp>())
      impl->function = function;
  return Graph(std::move(impl));
}

const std::string &Graph::name() const { return impl->name; }
bool Graph::ok() const { return impl->error.empty(); }
const std::string &Graph::error() const { return impl->error; }
void Graph::clearError() {
  if (!impl->finished || impl->module)
    impl->error.clear();
}

//===----------------------------------------------------------------------===//
// Inputs, constants, outputs
//===----------------------------------------------------------------------===//

Tensor Graph::input(const std::string &name, const Shape &shape, DType dtype) {
  if (!impl->error.empty())
    return Tensor();
  if (impl->finished) {
    impl->fail("input: the graph was imported and cannot grow");
    return Tensor();
  }
  for (int64_t d : shape)
    if (d < 0) {
      impl->fail("input '" + name + "': dimensions must be >= 0, got " +
                 formatShape(shape));
      return Tensor();
    }
  Type element = mlirType(impl->context.get(), dtype);
  if (!fitsTensorLimit(shape, element.isIntOrFloat()
                                  ? element.getIntOrFloatBitWidth()
                                  : 64)) {
    impl->fail("input '" + name + "' " + formatShape(shape) +
               " would hold more than 2^48 bytes");
    return Tensor();
  }
  Block &body = impl->function.getBody().front();
  if (llvm::is_contained(impl->inputNames, name)) {
    impl->fail("input '" + name + "' is defined twice");
    return Tensor();
  }
  auto type =
      RankedTensorType::get(shape, mlirType(impl->context.get(), dtype));
  BlockArgument arg = body.addArgument(type, impl->loc("input"));
  impl->inputNames.push_back(name);
  return impl->wrap(arg);
}

Tensor Graph::constant(const void *data, const Shape &shape, DType dtype) {
  if (!impl->error.empty() || impl->finished) {
    impl->fail("constant: the graph cannot grow");
    return Tensor();
  }
  if (!data && numElements(shape) > 0) {
    impl->fail("constant: no data");
    return Tensor();
  }
  auto type =
      RankedTensorType::get(shape, mlirType(impl->context.get(), dtype));
  size_t count = numElements(shape);
  DenseElementsAttr attr;
  if (dtype == DType::Bool) {
    const auto *bytes = static_cast<const uint8_t *>(data);
    SmallVector<bool> values(bytes, bytes + count);
    attr = DenseElementsAttr::get(type, ArrayRef<bool>(values));
  } else {
    attr = DenseElementsAttr::getFromRawBuffer(
        type, ArrayRef<char>(static_cast<const char *>(data),
                             count * dtypeSize(dtype)));
  }
  // Constants go first, in creation order, as the importer places
  // initializers: the same model gives the same IR either way.
  OpBuilder::InsertionGuard guard(impl->builder);
  Block &body = impl->function.getBody().front();
  if (impl->lastConstant)
    impl->builder.setInsertionPointAfter(impl->lastConstant);
  else
    impl->builder.setInsertionPointToStart(&body);
  auto op =
      tg::ConstantOp::create(impl->builder, impl->loc("constant"), type, attr);
  impl->lastConstant = op;
  return impl->wrap(op);
}

Tensor Graph::constant(const std::vector<float> &values, const Shape &shape) {
  if (static_cast<int64_t>(values.size()) != numElements(shape)) {
    impl->fail("constant: " + std::to_string(values.size()) +
               " values for shape " + formatShape(shape));
    return Tensor();
  }
  return constant(values.data(), shape, DType::F32);
}

void Graph::output(Tensor value, const std::string &name) {
  Value v = impl->get(value, "output");
  if (!v)
    return;
  for (auto &[existing, existingName] : impl->outputs)
    if (existingName == name) {
      impl->fail("output '" + name + "' is defined twice");
      return;
    }
  impl->outputs.emplace_back(v, name);
}

Shape Graph::shape(Tensor value) const {
  if (!value.valid() ||
      value.index() >= static_cast<int64_t>(impl->values.size()))
    return {};
  ArrayRef<int64_t> s = impl->typeOf(impl->values[value.index()]).getShape();
  return Shape(s.begin(), s.end());
}

DType Graph::dtype(Tensor value) const {
  if (!value.valid() ||
      value.index() >= static_cast<int64_t>(impl->values.size()))
    return DType::F32;
  return dtypeOf(impl->typeOf(impl->values[value.index()]).getElementType());
}

size_t Graph::numInputs() const {
  return impl->function ? impl->function.getNumArguments() : 0;
}
size_t Graph::numOutputs() const {
  return impl->finished && impl->function ? impl->function.getNumResults()
                                          : impl->outputs.size();
}

std::string Graph::toMLIR() const {
  return impl->withReturn([&] {
    std::string text;
    llvm::raw_string_ostream os(text);
    impl->module->print(os);
    return text;
  });
}

std::string Graph::toBytecode() const {
  return impl->withReturn([&] {
    std::string bytes;
    llvm::raw_string_ostream os(bytes);
    if (failed(writeBytecodeToFile(*impl->module, os)))
      impl->fail("cannot serialise the graph");
    return bytes;
  });
}

} // namespace tessera
