//===- Importer.cpp - ONNX ModelProto to the tg dialect -------------------===//
//
// Reads a model with ONNX's protobuf definitions, turns initializers into
// tg.constant, graph inputs into function arguments (symbolic dims fixed by
// the caller), and every node into tg ops through the converter registered
// for its op type and opset. Tessera's own type inference on tg is the
// source of truth for shapes, so models of opsets newer than Debian's ONNX
// library knows import too. Errors name the file, the node and its op.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/Checker.h"
#include "lib/Import/ONNX/ModelImporter.h"
#include "lib/Import/ONNX/NodeContext.h"
#include "tessera/Import/ONNX.h"
#include "tessera/Support/OneLine.h"
#include "tessera/Support/Shape.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <fstream>

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

static constexpr int64_t kMinOpset = 1, kMaxOpset = 21;

//===----------------------------------------------------------------------===//
// Model import
//===----------------------------------------------------------------------===//

std::string tessera::parseInputShape(const std::string &spec,
                                     OnnxImportOptions &options) {
  size_t equals = spec.rfind('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == spec.size())
    return "bad --input-shape '" + spec +
           "': expected NAME=DIMxDIMx... (e.g. x=1x3x48x192)";
  std::vector<int64_t> dims;
  for (StringRef part : llvm::split(StringRef(spec).substr(equals + 1), 'x')) {
    int64_t dim;
    if (part.getAsInteger(10, dim) || dim < 0)
      return "bad --input-shape '" + spec + "': '" + part.str() +
             "' is not a non-negative integer dimension";
    dims.push_back(dim);
  }
  options.inputShapes[spec.substr(0, equals)] = dims;
  return "";
}

namespace {

/// `text`, comma-separated numbers, as a tensor of the element type `input`
/// declares, of its declared shape when that holds as many elements, else a
/// scalar (one number) or 1-d (a list). "" on success, else what is wrong.
std::string literalTensor(const std::string &text,
                          const onnx::ValueInfoProto &input,
                          onnx::TensorProto &tensor) {
  SmallVector<double> numbers;
  SmallVector<StringRef> parts;
  StringRef(text).split(parts, ',');
  for (StringRef part : parts) {
    part = part.trim();
    double value;
    if (part.empty() || part.getAsDouble(value))
      return "no such file, and not a number or a comma-separated list of "
             "numbers";
    numbers.push_back(value);
  }
  int32_t type = input.type().tensor_type().elem_type();
  tensor.set_data_type(type);
  SmallVector<int64_t> dims;
  int64_t declared = 1;
  bool known = input.type().tensor_type().has_shape();
  for (const auto &dim : input.type().tensor_type().shape().dim()) {
    known &= dim.has_dim_value();
    dims.push_back(dim.dim_value());
    declared *= dim.has_dim_value() ? dim.dim_value() : 0;
  }
  if (!known || declared != static_cast<int64_t>(numbers.size())) {
    dims.clear(); // one number: a scalar; a list: 1-d
    if (numbers.size() != 1)
      dims.push_back(static_cast<int64_t>(numbers.size()));
  }
  for (int64_t d : dims)
    tensor.add_dims(d);
  for (double v : numbers) {
    switch (type) {
    case onnx::TensorProto::FLOAT:
      tensor.add_float_data(static_cast<float>(v));
      break;
    case onnx::TensorProto::DOUBLE:
      tensor.add_double_data(v);
      break;
    case onnx::TensorProto::INT64:
      if (v != std::floor(v) || std::fabs(v) >= 9.2e18)
        return "not an int64 value";
      tensor.add_int64_data(static_cast<int64_t>(v));
      break;
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL:
      if (v != std::floor(v) || std::fabs(v) >= 2.2e9 ||
          (v < 0 && (type == onnx::TensorProto::UINT8 ||
                     type == onnx::TensorProto::UINT16)))
        return "not an integer of the input's type";
      tensor.add_int32_data(static_cast<int32_t>(v));
      break;
    default:
      return "a literal value needs a float, double, integer or bool input "
             "(pass a .pb file for this one)";
    }
  }
  return "";
}

} // namespace

OwningOpRef<ModuleOp> ModelImporter::run(std::string &errorOut) {
  context.loadDialect<tg::TGDialect, func::FuncDialect>();
  // tg type inference reports through diagnostics: keep the first message.
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && diagnostic.empty())
      diagnostic = diag.str();
    return success();
  });

  std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    errorOut = path + ": cannot open file";
    return nullptr;
  }
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&stream)) {
    errorOut = path + ": not a valid ONNX model (the protobuf does not parse; "
                      "truncated or not ONNX)";
    return nullptr;
  }
  for (const onnx::OperatorSetIdProto &set : model.opset_import()) {
    std::string domain = set.domain().empty() ? "ai.onnx" : set.domain();
    opsets[domain] = set.version();
    if (domain == "ai.onnx")
      opset = set.version();
  }
  if (opset == 0) {
    errorOut = path + ": the model imports no version of the default ONNX "
                      "domain (ai.onnx)";
    return nullptr;
  }
  if (opset < kMinOpset || opset > kMaxOpset) {
    errorOut = path + ": opset " + std::to_string(opset) +
               " of domain ai.onnx is not supported (Tessera supports " +
               std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) +
               ")";
    return nullptr;
  }

  // External data first: Tessera's one-line messages (and its confinement
  // to the model's folder) before the checker looks at the files.
  bool hasExternalData = false;
  for (const onnx::TensorProto &tensor : model.graph().initializer()) {
    hasExternalData |= tensor.data_location() == onnx::TensorProto::EXTERNAL;
    std::string message = checkExternalData(&context, tensor, modelDirectory());
    if (!message.empty()) {
      errorOut = path + ": initializer: " + message;
      tessera::makeOneLine(errorOut);
      return nullptr;
    }
  }
  std::string rejected =
      checkModel(model, opset, hasExternalData ? modelDirectory() : "");
  if (!rejected.empty()) {
    errorOut = path + ": the ONNX checker rejects the model: " + rejected;
    return nullptr;
  }

  OwningOpRef<ModuleOp> module =
      ModuleOp::create(FileLineColLoc::get(&context, path, 0, 0));
  builder.setInsertionPointToEnd(module->getBody());
  if (failed(importGraph(model.graph()))) {
    errorOut = error;
    return nullptr;
  }
  if (failed(mlir::verify(*module))) {
    errorOut = path + ": the imported graph does not verify: " + diagnostic;
    return nullptr;
  }
  return module;
}

LogicalResult ModelImporter::importGraph(const onnx::GraphProto &graph) {
  Location fileLoc = FileLineColLoc::get(&context, path, 0, 0);
  llvm::StringSet<> initializers;
  for (const onnx::TensorProto &tensor : graph.initializer())
    initializers.insert(tensor.name());

  // Names the command line gives must be the model's inputs; say which
  // those are before anything else is reported.
  std::string inputList;
  for (const onnx::ValueInfoProto &input : graph.input())
    if (!initializers.contains(input.name()))
      inputList += (inputList.empty() ? "'" : ", '") + input.name() + "'";
  if (inputList.empty())
    inputList = "none";
  for (const auto &entry : options.inputShapes)
    if (!llvm::any_of(graph.input(), [&](const onnx::ValueInfoProto &input) {
          return input.name() == entry.first &&
                 !initializers.contains(entry.first);
        }))
      return fail(
          "--input-shape names '" + entry.first +
          "', which is not an input of the model; its inputs: " + inputList);

  // Arguments: graph inputs that are not initializers.
  SmallVector<Type> argumentTypes;
  SmallVector<std::string> argumentNames;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initializers.contains(input.name()) ||
        options.frozenInputs.count(input.name()) ||
        options.frozenTensors.count(input.name()))
      continue;
    if (!input.type().has_tensor_type())
      return fail("input '" + input.name() +
                  "' is not a tensor (sequences, maps "
                  "and optionals are not supported)");
    const onnx::TypeProto::Tensor &tensorType = input.type().tensor_type();
    Type type = elementType(&context, tensorType.elem_type());
    if (!type)
      return fail("input '" + input.name() + "' has unsupported element type " +
                  std::to_string(tensorType.elem_type()));
    SmallVector<int64_t> shape;
    auto given = options.inputShapes.find(input.name());
    if (given != options.inputShapes.end()) {
      shape.assign(given->second.begin(), given->second.end());
      if (tensorType.has_shape() &&
          tensorType.shape().dim_size() != static_cast<int>(shape.size()))
        return fail("--input-shape for '" + input.name() + "' has rank " +
                    std::to_string(shape.size()) +
                    " but the model declares rank " +
                    std::to_string(tensorType.shape().dim_size()));
      for (int i = 0;
           tensorType.has_shape() && i < tensorType.shape().dim_size(); ++i) {
        const auto &dim = tensorType.shape().dim(i);
        if (dim.has_dim_value() && dim.dim_value() != shape[i])
          return fail("--input-shape for '" + input.name() +
                      "' sets dimension " + std::to_string(i) + " to " +
                      std::to_string(shape[i]) + " but the model fixes it to " +
                      std::to_string(dim.dim_value()));
      }
    } else {
      if (!tensorType.has_shape())
        return fail("input '" + input.name() +
                    "' has no shape; pass --input-shape " + input.name() +
                    "=DIMxDIM...");
      for (const auto &dim : tensorType.shape().dim()) {
        if (!dim.has_dim_value())
          return fail("input '" + input.name() + "' has symbolic dimension '" +
                      dim.dim_param() + "'; pass --input-shape " +
                      input.name() + "=DIMxDIM...");
        shape.push_back(dim.dim_value());
      }
    }
    Shape dims(shape.begin(), shape.end());
    // Some exporters write -1 for an unknown dimension.
    if (llvm::any_of(dims, [](int64_t d) { return d < 0; }))
      return fail("input '" + input.name() + "' " + formatShape(dims) +
                  " has a negative (unknown) dimension; pass --input-shape " +
                  input.name() + "=DIMxDIM...");
    if (!fitsTensorLimit(
            dims, type.isIntOrFloat() ? type.getIntOrFloatBitWidth() : 64))
      return fail("input '" + input.name() + "' " + formatShape(dims) +
                  " would hold more than 2^48 bytes");
    argumentTypes.push_back(RankedTensorType::get(shape, type));
    argumentNames.push_back(input.name());
  }
  for (auto [i, name] : llvm::enumerate(argumentNames))
    if (llvm::is_contained(ArrayRef<std::string>(argumentNames).take_front(i),
                           name))
      return fail("input '" + name + "' is declared twice");
  for (const auto &[name, shape] : options.inputShapes)
    if (!llvm::is_contained(argumentNames, name))
      return fail("--input-shape names '" + name +
                  "', which --freeze-input makes a constant");
  std::vector<std::string> frozenNames;
  for (const auto &frozen : options.frozenInputs)
    frozenNames.push_back(frozen.first);
  for (const auto &frozen : options.frozenTensors)
    frozenNames.push_back(frozen.first);
  for (const std::string &name : frozenNames) {
    bool known =
        llvm::any_of(graph.input(), [&](const onnx::ValueInfoProto &input) {
          return input.name() == name;
        });
    if (!known)
      return fail(
          "--freeze-input names '" + name +
          "', which is not an input of the model; its inputs: " + inputList);
  }

  auto function =
      func::FuncOp::create(builder, fileLoc, options.functionName,
                           builder.getFunctionType(argumentTypes, {}));
  Block *body = function.addEntryBlock();
  builder.setInsertionPointToEnd(body);
  for (auto [name, argument] : llvm::zip(argumentNames, body->getArguments())) {
    values[name] = argument;
    function.setArgAttr(argument.getArgNumber(), "tessera.name",
                        builder.getStringAttr(name));
  }

  llvm::StringSet<> seenInitializers;
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    if (!seenInitializers.insert(tensor.name()).second)
      return fail("initializer '" + tensor.name() + "' is given twice");
    std::string message;
    FailureOr<DenseElementsAttr> attr =
        tensorToAttr(&context, tensor, message, modelDirectory());
    if (failed(attr))
      return fail("initializer: " + message);
    values[tensor.name()] = tg::ConstantOp::create(
        builder, NameLoc::get(builder.getStringAttr(tensor.name()), fileLoc),
        attr->getType(), *attr);
  }

  // A frozen input is a constant named after it.
  auto freeze = [&](const std::string &name,
                    const onnx::TensorProto &tensor) -> LogicalResult {
    std::string message;
    FailureOr<DenseElementsAttr> attr = tensorToAttr(&context, tensor, message);
    if (failed(attr))
      return fail("--freeze-input " + name + ": " + message);
    values[name] = tg::ConstantOp::create(
        builder, NameLoc::get(builder.getStringAttr(name), fileLoc),
        attr->getType(), *attr);
    return success();
  };
  for (const auto &[name, file] : options.frozenInputs) {
    onnx::TensorProto tensor;
    std::ifstream stream(file, std::ios::binary);
    if (!stream) {
      // Not a file: a literal ("16000", "0.5", "1,2,3").
      const onnx::ValueInfoProto *declared = nullptr;
      for (const onnx::ValueInfoProto &input : graph.input())
        if (input.name() == name)
          declared = &input;
      std::string message = literalTensor(file, *declared, tensor);
      if (!message.empty())
        return fail("--freeze-input " + name + "=" + file + ": " + message);
    } else if (!tensor.ParseFromIstream(&stream)) {
      return fail("--freeze-input " + name + ": " + file +
                  " is not an ONNX TensorProto file");
    }
    if (failed(freeze(name, tensor)))
      return failure();
  }

  for (const auto &[name, data] : options.frozenTensors) {
    onnx::TensorProto tensor;
    tensor.set_data_type(data.elementType);
    for (int64_t d : data.dims)
      tensor.add_dims(d);
    tensor.set_raw_data(data.bytes);
    if (failed(freeze(name, tensor)))
      return failure();
  }

  for (int i = 0; i < graph.node_size(); ++i)
    if (failed(importNode(graph.node(i), i)))
      return failure();

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  SmallVector<Attribute> resultNames;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto it = values.find(output.name());
    if (it == values.end())
      return fail("graph output '" + output.name() +
                  "' is not produced by any node");
    if (!bounded.count(it->second) &&
        failed(checkDeclaredOutput(output, it->second.getType())))
      return failure();
    results.push_back(it->second);
    resultTypes.push_back(it->second.getType());
    resultNames.push_back(builder.getStringAttr(output.name()));
  }
  if (options.debugOutputs) {
    llvm::StringSet<> returned;
    for (const onnx::ValueInfoProto &output : graph.output())
      returned.insert(output.name());
    for (const onnx::NodeProto &node : graph.node()) {
      if (node.op_type() == "Constant" &&
          (node.domain().empty() || node.domain() == "ai.onnx"))
        continue;
      for (const std::string &output : node.output()) {
        auto it = values.find(output);
        if (output.empty() || it == values.end() ||
            !returned.insert(output).second)
          continue;
        auto type = dyn_cast<RankedTensorType>(it->second.getType());
        if (!type || !type.hasStaticShape() || bounded.count(it->second))
          continue;
        results.push_back(it->second);
        resultTypes.push_back(type);
        resultNames.push_back(builder.getStringAttr(output));
      }
    }
  }
  // A bounded output's size: one more result after the outputs
  // (tessera.size_of); two outputs of one value share it.
  SmallVector<std::pair<int64_t, int64_t>> sizeOf;
  for (auto [index, result] :
       llvm::enumerate(llvm::to_vector(ArrayRef(results).take_front(graph.output_size()))))
    if (auto it = bounded.find(result); it != bounded.end()) {
      sizeOf.push_back({index, it->second.bound.dim});
      Value count = it->second.bound.count;
      results.push_back(count);
      resultTypes.push_back(count.getType());
    }
  func::ReturnOp::create(builder, fileLoc, results);
  function.setFunctionType(builder.getFunctionType(argumentTypes, resultTypes));
  for (auto [index, name] : llvm::enumerate(resultNames))
    function.setResultAttr(index, "tessera.name", name);
  for (auto [k, at] : llvm::enumerate(sizeOf))
    function.setResultAttr(
        resultNames.size() + k, "tessera.size_of",
        builder.getDictionaryAttr(
            {builder.getNamedAttr("output", builder.getI64IntegerAttr(at.first)),
             builder.getNamedAttr("dim", builder.getI64IntegerAttr(at.second))}));
  return success();
}

LogicalResult
ModelImporter::checkDeclaredOutput(const onnx::ValueInfoProto &output,
                                   Type computed) {
  if (!output.has_type() || !output.type().has_tensor_type())
    return success();
  const onnx::TypeProto::Tensor &declared = output.type().tensor_type();
  auto tensor = dyn_cast<RankedTensorType>(computed);
  if (!tensor)
    return success();
  auto show = [](Type element, ArrayRef<int64_t> dims) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << element << "[";
    for (auto [i, d] : llvm::enumerate(dims))
      os << (i ? "x" : "")
         << (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
    os << "]";
    return text;
  };
  Type element = declared.elem_type()
                     ? elementType(&context, declared.elem_type())
                     : tensor.getElementType();
  SmallVector<int64_t> dims;
  bool contradicts = element != tensor.getElementType();
  if (declared.has_shape()) {
    contradicts |= declared.shape().dim_size() != tensor.getRank();
    for (auto [i, dim] : llvm::enumerate(declared.shape().dim())) {
      dims.push_back(dim.has_dim_value() ? dim.dim_value()
                                         : ShapedType::kDynamic);
      contradicts |= dim.has_dim_value() && i < tensor.getShape().size() &&
                     dim.dim_value() != tensor.getDimSize(i);
    }
  } else {
    dims.assign(tensor.getShape().begin(), tensor.getShape().end());
  }
  if (!contradicts)
    return success();
  return fail(
      "graph output '" + output.name() + "' is declared " +
      (element ? show(element, dims)
               : "of element type " + std::to_string(declared.elem_type())) +
      " but the graph computes " +
      show(tensor.getElementType(), tensor.getShape()));
}

LogicalResult ModelImporter::importNode(const onnx::NodeProto &node,
                                        int index) {
  std::string name = node.name().empty()
                         ? node.op_type() + "_" + std::to_string(index)
                         : node.name();
  std::string domain = node.domain().empty() ? "ai.onnx" : node.domain();
  auto version = opsets.find(domain);
  int64_t nodeOpset = version == opsets.end() ? 0 : version->second;
  std::string where = "node '" + name + "' (" + node.op_type() + ", domain " +
                      domain + ", opset " + std::to_string(nodeOpset) + "): ";
  if (version == opsets.end())
    return fail(where + "the model imports no version of domain '" + domain +
                "'");
  std::string badAttribute = checkAttributes(node, nodeOpset);
  if (!badAttribute.empty())
    return fail(where + badAttribute);
  for (int i = 0; i < node.output_size(); ++i)
    if (!node.output(i).empty() && values.count(node.output(i)))
      return fail(where + "output '" + node.output(i) +
                  "' is already defined (every value has one producer)");

  SmallVector<Value> inputs;
  for (const std::string &input : node.input()) {
    if (input.empty()) {
      inputs.push_back(Value());
      continue;
    }
    auto it = values.find(input);
    if (it == values.end())
      return fail(where + "input '" + input +
                  "' is not defined before this node");
    inputs.push_back(it->second);
  }

  // Control flow: subgraphs are imported by the importer itself.
  if (domain == "ai.onnx" && node.op_type() == "If")
    return importIf(node, name, where, inputs);
  if (domain == "ai.onnx" && node.op_type() == "Loop")
    return importLoop(node, name, where, inputs);
  if (domain == "ai.onnx" && node.op_type() == "Scan")
    return importScan(node, name, where, inputs);

  // A plugin's converter first (the latest registered), then Tessera's.
  const OnnxConverterEntry *custom = nullptr;
  for (const OnnxConverterEntry &entry : llvm::reverse(options.converters))
    if (entry.domain == domain && entry.opType == node.op_type() &&
        entry.sinceVersion <= nodeOpset && nodeOpset <= entry.untilVersion) {
      custom = &entry;
      break;
    }
  const Converter *converter =
      custom ? nullptr
             : builtinConverters().lookup(domain, node.op_type(), nodeOpset);
  if (!custom && !converter) {
    bool known = builtinConverters().knows(domain, node.op_type());
    for (const OnnxConverterEntry &entry : options.converters)
      known |= entry.domain == domain && entry.opType == node.op_type();
    return fail(where + (known ? "this version of the op is not supported"
                         : domain == "ai.onnx" || domain == "com.microsoft"
                             ? "unsupported op"
                             : "unsupported op (no converter for domain '" +
                                   domain + "'; a plugin can add one)"));
  }

  Location loc = NameLoc::get(builder.getStringAttr(name),
                              FileLineColLoc::get(&context, path, 0, 0));
  NodeContext context(builder, loc, node, nodeOpset, inputs);
  context.modelDirectory = modelDirectory();
  diagnostic.clear();
  LogicalResult converted =
      custom ? convertWithPlugin(custom->convert, context, domain, name)
             : (*converter)(context);
  if (failed(converted)) {
    std::string message = context.errorMessage();
    if (message.empty())
      message = diagnostic.empty() ? "conversion failed" : diagnostic;
    return fail(where + message);
  }
  ArrayRef<Value> outputs = context.outputs();
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty())
      continue;
    if (i >= static_cast<int>(outputs.size()) || !outputs[i])
      return fail(where + "output " + std::to_string(i) + " ('" +
                  node.output(i) + "') is not supported");
    values[node.output(i)] = outputs[i];
  }
  for (auto [i, bound] : context.boundedOutputs())
    if (i < outputs.size() && outputs[i])
      bounded[outputs[i]] = {bound, node.op_type() + " '" + name + "'"};
  return propagateBounded(node, where, inputs, outputs);
}

OwningOpRef<ModuleOp> tessera::importOnnxFile(MLIRContext &context,
                                              const std::string &path,
                                              const OnnxImportOptions &options,
                                              std::string &error) {
  OwningOpRef<ModuleOp> module =
      ModelImporter(context, path, options).run(error);
  // Messages echo names from the model.
  tessera::makeOneLine(error);
  return module;
}
