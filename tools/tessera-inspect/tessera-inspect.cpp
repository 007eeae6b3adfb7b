//===- tessera-inspect.cpp - what an ONNX model holds, before compiling ---===//
//
//   tessera-inspect model.onnx [--input-shape NAME=DIMS ...] [--top N]
//       [--plugin LIB.so ...] [--json]
//   tessera-inspect --supported-ops
//
// Prints the model's IR version, producer and opsets; its inputs and outputs
// with their symbolic dims; the op histogram; every op Tessera does not
// convert (all of them, not the first); the parameters and weight bytes;
// and, when every input's shape is known, the FLOPs of its kernels at that
// shape. --supported-ops prints Tessera's converter table, one op a line
// (docs/operators.md is made from it).
//
//===----------------------------------------------------------------------===//

#include "lib/Plugin/Extensions.h"
#include "tessera/Compiler/Driver.h"
#include "tessera/Import/ONNX.h"
#include "tessera/Plugin/Loader.h"
#include "tessera/Support/OneLine.h"
#include "tessera/Version.h"
#include "tools/tessera-run/OnnxModel.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>

using namespace llvm;

static cl::OptionCategory category("tessera-inspect options");

static cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::cat(category));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Fix an input's shape for the FLOP count: "
                         "NAME=1x3x224x224 (repeatable)"),
                cl::cat(category));
static cl::opt<unsigned> top("top",
                             cl::desc("How many of the costliest kernels to "
                                      "list (default 5)"),
                             cl::init(5), cl::cat(category));
static cl::list<std::string> plugins("plugin",
                                     cl::desc("Load a compiler plugin: its "
                                              "converters count as supported "
                                              "(repeatable)"),
                                     cl::value_desc("lib.so"),
                                     cl::cat(category));
static cl::opt<bool> jsonOutput(
    "json",
    cl::desc("Print the report as one JSON object (every kernel's FLOPs, "
             "not only the top ones)"),
    cl::cat(category));
static cl::opt<bool> supportedOps(
    "supported-ops",
    cl::desc("Print the ONNX ops Tessera converts: domain, op and the opsets "
             "its converters start at, one op a line"),
    cl::cat(category));

namespace {

int fail(const std::string &message) {
  std::fprintf(stderr, "tessera-inspect: error: %s\n",
               tessera::oneLine(message).c_str());
  return 1;
}

/// numpy's name of an ONNX element type.
std::string elementName(int32_t type) {
  static const std::map<int32_t, const char *> names = {
      {1, "float32"},     {2, "uint8"},           {3, "int8"},
      {4, "uint16"},      {5, "int16"},           {6, "int32"},
      {7, "int64"},       {8, "string"},          {9, "bool"},
      {10, "float16"},    {11, "float64"},        {12, "uint32"},
      {13, "uint64"},     {14, "complex64"},      {15, "complex128"},
      {16, "bfloat16"},   {17, "float8e4m3fn"},   {18, "float8e4m3fnuz"},
      {19, "float8e5m2"}, {20, "float8e5m2fnuz"}, {21, "uint4"},
      {22, "int4"}};
  auto it = names.find(type);
  return it == names.end() ? "type " + std::to_string(type) : it->second;
}

/// Bits of an element (0 for strings and unknown types).
uint64_t elementBits(int32_t type) {
  switch (type) {
  case 1:
  case 6:
  case 12:
    return 32;
  case 2:
  case 3:
  case 9:
  case 17:
  case 18:
  case 19:
  case 20:
    return 8;
  case 4:
  case 5:
  case 10:
  case 16:
    return 16;
  case 7:
  case 11:
  case 13:
  case 14:
    return 64;
  case 15:
    return 128;
  case 21:
  case 22:
    return 4;
  }
  return 0;
}

/// "float32 [batch, 3, 224, 224]" for a value's declared type.
std::string describeValue(const onnx::ValueInfoProto &value) {
  if (!value.type().has_tensor_type())
    return value.type().has_sequence_type() ? "sequence" : "not a tensor";
  const onnx::TypeProto::Tensor &tensor = value.type().tensor_type();
  std::string text = elementName(tensor.elem_type());
  if (!tensor.has_shape())
    return text + " (rank unknown)";
  text += " [";
  for (int i = 0; i < tensor.shape().dim_size(); ++i) {
    const onnx::TensorShapeProto::Dimension &dim = tensor.shape().dim(i);
    text += i ? ", " : "";
    text += dim.has_dim_value()   ? std::to_string(dim.dim_value())
            : dim.has_dim_param() ? dim.dim_param()
                                  : std::string("?");
  }
  return text + "]";
}

bool isSymbolic(const onnx::ValueInfoProto &value) {
  if (!value.type().has_tensor_type() ||
      !value.type().tensor_type().has_shape())
    return true;
  for (const auto &dim : value.type().tensor_type().shape().dim())
    if (!dim.has_dim_value() || dim.dim_value() < 0)
      return true;
  return false;
}

/// 1234567 -> "1,234,567".
std::string grouped(uint64_t value) {
  std::string digits = std::to_string(value), text;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      text += ',';
    text += digits[i];
  }
  return text;
}

/// 437.9 MB, 12.0 KB, 100 B (powers of 1000: what ls -h --si prints).
std::string bytesText(uint64_t bytes) {
  char buffer[32];
  if (bytes < 1000)
    std::snprintf(buffer, sizeof(buffer), "%llu B",
                  static_cast<unsigned long long>(bytes));
  else if (bytes < 1000000)
    std::snprintf(buffer, sizeof(buffer), "%.1f KB", bytes / 1e3);
  else if (bytes < 1000000000)
    std::snprintf(buffer, sizeof(buffer), "%.1f MB", bytes / 1e6);
  else
    std::snprintf(buffer, sizeof(buffer), "%.2f GB", bytes / 1e9);
  return buffer;
}

std::string flopsText(uint64_t flops) {
  char buffer[32];
  if (flops >= 1000000000ull)
    std::snprintf(buffer, sizeof(buffer), "%.2f GFLOP", flops / 1e9);
  else if (flops >= 1000000)
    std::snprintf(buffer, sizeof(buffer), "%.2f MFLOP", flops / 1e6);
  else if (flops >= 1000)
    std::snprintf(buffer, sizeof(buffer), "%.2f kFLOP", flops / 1e3);
  else
    std::snprintf(buffer, sizeof(buffer), "%llu FLOP",
                  static_cast<unsigned long long>(flops));
  return buffer;
}

/// One line per op: domain, op type, and the opsets its converters start
/// at ("ai.onnx Add 1 7"); scripts/make_operator_table.py turns it into
/// docs/operators.md.
int printSupportedOps() {
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> table;
  for (const tessera::OnnxOpEntry &entry : tessera::builtinOnnxOps())
    table[{entry.domain, entry.opType}].push_back(entry.sinceVersion);
  for (const auto &[op, versions] : table) {
    std::printf("%s %s", op.first.c_str(), op.second.c_str());
    for (int64_t version : versions)
      std::printf(" %lld", static_cast<long long>(version));
    std::printf("\n");
  }
  return 0;
}

} // namespace

static int inspect(int argc, char **argv);

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  try {
    return inspect(argc, argv);
  } catch (const std::exception &error) {
    return fail(std::string("internal error: ") + error.what());
  }
}

static int inspect(int argc, char **argv) {
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << "tessera-inspect (Tessera) " << TESSERA_VERSION_STRING << "\n";
  });
  cl::ParseCommandLineOptions(argc, argv,
                              "Tessera model inspector: what an ONNX model "
                              "holds and what Tessera makes of it\n");
  if (supportedOps)
    return printSupportedOps();
  // The text report, or (--json) one JSON object at the end.
  auto say = [&](const char *format, auto... args) {
    if (jsonOutput)
      return;
    if constexpr (sizeof...(args) == 0)
      std::fputs(format, stdout);
    else
      std::printf(format, args...);
  };
  llvm::json::Object report;
  if (modelPath.empty())
    return fail("no model given (tessera-inspect model.onnx)");

  onnx::ModelProto model;
  std::string error;
  if (!tessera::run::readOnnxModel(modelPath, model, error))
    return fail(error);
  for (const std::string &plugin : plugins)
    if (!tessera::loadPlugin(plugin, error))
      return fail(error);
  tessera::plugin::Extensions extensions = tessera::plugin::loadedExtensions();
  const onnx::GraphProto &graph = model.graph();
  auto show = [](const std::string &text) { return tessera::oneLine(text); };

  // The model.
  std::map<std::string, int64_t> opsets;
  std::string opsetText;
  for (const onnx::OperatorSetIdProto &set : model.opset_import()) {
    std::string domain = set.domain().empty() ? "ai.onnx" : set.domain();
    opsets[domain] = set.version();
    opsetText += (opsetText.empty() ? "" : ", ") + domain + " " +
                 std::to_string(set.version());
  }
  say("%s: ONNX IR %lld", show(modelPath).c_str(),
      static_cast<long long>(model.ir_version()));
  if (!model.producer_name().empty())
    say(", producer %s%s%s", show(model.producer_name()).c_str(),
        model.producer_version().empty() ? "" : " ",
        show(model.producer_version()).c_str());
  say(", opsets %s\n", opsetText.empty() ? "none" : show(opsetText).c_str());
  report["model"] = modelPath;
  report["ir_version"] = model.ir_version();
  report["producer"] = llvm::json::Object{
      {"name", model.producer_name()}, {"version", model.producer_version()}};
  llvm::json::Object opsetObject;
  for (const auto &[domain, version] : opsets)
    opsetObject[domain] = version;
  report["opsets"] = std::move(opsetObject);

  // Inputs (initializers are not) and outputs.
  std::set<std::string> initializers;
  for (const onnx::TensorProto &tensor : graph.initializer())
    initializers.insert(tensor.name());
  std::vector<const onnx::ValueInfoProto *> inputs;
  for (const onnx::ValueInfoProto &input : graph.input())
    if (!initializers.count(input.name()))
      inputs.push_back(&input);
  size_t width = 4;
  for (const onnx::ValueInfoProto *input : inputs)
    width = std::max(width, input->name().size());
  for (const onnx::ValueInfoProto &output : graph.output())
    width = std::max(width, output.name().size());
  width = std::min<size_t>(width, 48);
  say("inputs:\n");
  for (const onnx::ValueInfoProto *input : inputs)
    say("  %-*s %s\n", static_cast<int>(width), show(input->name()).c_str(),
        show(describeValue(*input)).c_str());
  auto valueJson = [](const onnx::ValueInfoProto &value) {
    llvm::json::Object object{{"name", value.name()}};
    const onnx::TypeProto::Tensor &tensor = value.type().tensor_type();
    object["dtype"] = value.type().has_tensor_type()
                          ? elementName(tensor.elem_type())
                          : std::string("not a tensor");
    if (value.type().has_tensor_type() && tensor.has_shape()) {
      llvm::json::Array shape;
      for (const auto &dim : tensor.shape().dim())
        shape.push_back(dim.has_dim_value() ? llvm::json::Value(dim.dim_value())
                        : dim.has_dim_param()
                            ? llvm::json::Value(dim.dim_param())
                            : llvm::json::Value(nullptr));
      object["shape"] = std::move(shape);
    } else {
      object["shape"] = nullptr;
    }
    return object;
  };
  llvm::json::Array inputList, outputList;
  for (const onnx::ValueInfoProto *input : inputs)
    inputList.push_back(valueJson(*input));
  for (const onnx::ValueInfoProto &output : graph.output())
    outputList.push_back(valueJson(output));
  report["inputs"] = std::move(inputList);
  report["outputs"] = std::move(outputList);
  say("outputs:\n");
  for (const onnx::ValueInfoProto &output : graph.output())
    say("  %-*s %s\n", static_cast<int>(width), show(output.name()).c_str(),
        show(describeValue(output)).c_str());

  // Parameters: initializers and Constant nodes' tensors.
  uint64_t elements = 0, bytes = 0, external = 0;
  std::map<std::string, uint64_t> bytesByType;
  int constants = 0;
  auto count = [&](const onnx::TensorProto &tensor) {
    uint64_t n = 1;
    for (int64_t dim : tensor.dims())
      n = dim < 0 ? 0 : llvm::SaturatingMultiply(n, static_cast<uint64_t>(dim));
    uint64_t size =
        llvm::SaturatingMultiply(n, elementBits(tensor.data_type())) / 8;
    elements = llvm::SaturatingAdd(elements, n);
    bytes = llvm::SaturatingAdd(bytes, size);
    bytesByType[elementName(tensor.data_type())] += size;
    if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
      external = llvm::SaturatingAdd(external, size);
  };
  for (const onnx::TensorProto &tensor : graph.initializer())
    count(tensor);
  for (const onnx::NodeProto &node : graph.node())
    if (node.op_type() == "Constant" && node.domain().empty())
      for (const onnx::AttributeProto &attribute : node.attribute())
        if (attribute.has_t()) {
          count(attribute.t());
          ++constants;
        }
  std::string byType;
  for (const auto &[type, size] : bytesByType)
    byType += (byType.empty() ? "" : ", ") + type + " " + bytesText(size);
  say("parameters: %s in %d initializer%s and %d Constant node%s "
      "(%s%s%s%s)\n",
      grouped(elements).c_str(), graph.initializer_size(),
      graph.initializer_size() == 1 ? "" : "s", constants,
      constants == 1 ? "" : "s", bytesText(bytes).c_str(),
      byType.empty() ? "" : ": ", byType.c_str(),
      external ? (", " + bytesText(external) + " in external files").c_str()
               : "");

  llvm::json::Object byTypeJson;
  for (const auto &[type, size] : bytesByType)
    byTypeJson[type] = static_cast<int64_t>(size);
  report["parameters"] =
      llvm::json::Object{{"elements", static_cast<int64_t>(elements)},
                         {"bytes", static_cast<int64_t>(bytes)},
                         {"external_bytes", static_cast<int64_t>(external)},
                         {"initializers", graph.initializer_size()},
                         {"constant_nodes", constants},
                         {"bytes_by_type", std::move(byTypeJson)}};

  // The op histogram, and what Tessera does not convert.
  struct OpUse {
    int64_t nodes = 0;
    int64_t opset = 0;
    std::string first;
  };
  std::map<std::pair<std::string, std::string>, OpUse> histogram;
  int64_t nodeCount = 0;
  // Every node, those of subgraphs (If branches, Loop bodies) included.
  std::function<void(const onnx::GraphProto &)> visit =
      [&](const onnx::GraphProto &g) {
        for (int i = 0; i < g.node_size(); ++i) {
          const onnx::NodeProto &node = g.node(i);
          ++nodeCount;
          std::string domain =
              node.domain().empty() ? "ai.onnx" : node.domain();
          OpUse &use = histogram[{domain, node.op_type()}];
          if (use.nodes++ == 0) {
            use.first = node.name().empty()
                            ? node.op_type() + "_" + std::to_string(i)
                            : node.name();
            auto version = opsets.find(domain);
            use.opset = version == opsets.end() ? 0 : version->second;
          }
          for (const onnx::AttributeProto &attribute : node.attribute()) {
            if (attribute.has_g())
              visit(attribute.g());
            for (const onnx::GraphProto &sub : attribute.graphs())
              visit(sub);
          }
        }
      };
  visit(graph);
  std::vector<std::pair<std::pair<std::string, std::string>, OpUse>> sorted(
      histogram.begin(), histogram.end());
  // Most nodes first; ties by domain and op (the map's order).
  std::sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) {
    return a.second.nodes != b.second.nodes ? a.second.nodes > b.second.nodes
                                            : a.first < b.first;
  });
  say("nodes: %lld, %zu op type%s\n", static_cast<long long>(nodeCount),
      sorted.size(), sorted.size() == 1 ? "" : "s");
  for (const auto &[op, use] : sorted)
    say("  %-28s %6lld\n",
        show(op.first == "ai.onnx" ? op.second : op.first + "." + op.second)
            .c_str(),
        static_cast<long long>(use.nodes));
  std::vector<std::string> unsupported;
  llvm::json::Array opList, unsupportedList;
  for (const auto &[op, use] : sorted) {
    const auto &[domain, opType] = op;
    bool supported =
        use.opset > 0 && tessera::isBuiltinOnnxOp(domain, opType, use.opset);
    for (const tessera::OnnxConverterEntry &entry : extensions.converters)
      supported |= entry.domain == domain && entry.opType == opType &&
                   entry.sinceVersion <= use.opset &&
                   use.opset <= entry.untilVersion;
    opList.push_back(llvm::json::Object{{"domain", domain},
                                        {"op", opType},
                                        {"opset", use.opset},
                                        {"nodes", use.nodes},
                                        {"supported", supported}});
    if (!supported)
      unsupportedList.push_back(llvm::json::Object{{"domain", domain},
                                                   {"op", opType},
                                                   {"opset", use.opset},
                                                   {"nodes", use.nodes},
                                                   {"first", use.first}});
    if (!supported)
      unsupported.push_back(
          opType + " (" + domain + " opset " + std::to_string(use.opset) +
          "): " + std::to_string(use.nodes) + " node" +
          (use.nodes == 1 ? "" : "s") + ", first '" + use.first + "'" +
          (use.opset == 0 ? " (the model imports no version of its domain)"
                          : ""));
  }
  if (unsupported.empty())
    say("unsupported ops: none\n");
  else {
    say("unsupported ops: %zu\n", unsupported.size());
    for (const std::string &line : unsupported)
      say("  %s\n", show(line).c_str());
  }

  report["nodes"] = nodeCount;
  report["ops"] = std::move(opList);
  report["unsupported"] = std::move(unsupportedList);
  report["flops"] = nullptr;
  // The JSON report, whatever the FLOP count's fate.
  auto finish = [&](const std::string &why) {
    if (!jsonOutput)
      return 0;
    if (!why.empty())
      report["flops_not_counted"] = why;
    llvm::outs() << llvm::formatv("{0:2}", llvm::json::Value(std::move(report)))
                 << "\n";
    return 0;
  };

  // FLOPs at the given shapes.
  tessera::CompileOptions options;
  for (const std::string &spec : inputShapes) {
    std::string message = tessera::parseInputShape(spec, options.import);
    if (!message.empty())
      return fail(message);
  }
  std::string missing;
  for (const onnx::ValueInfoProto *input : inputs)
    if (isSymbolic(*input) && !options.import.inputShapes.count(input->name()))
      missing += (missing.empty() ? "" : " ") + std::string("--input-shape ") +
                 input->name() + "=...";
  if (!missing.empty()) {
    say("flops: pass %s to count them at a shape\n", show(missing).c_str());
    return finish("pass " + missing + " to count them at a shape");
  }
  if (!unsupported.empty()) {
    say("flops: not counted (the model has unsupported ops)\n");
    return finish("the model has unsupported ops");
  }
  options.inputPath = modelPath;
  options.cpu = "native";
  options.plugins.assign(plugins.begin(), plugins.end());
  tessera::ModelCost cost;
  if (!tessera::estimateCost(options, cost, error)) {
    say("flops: not counted: %s\n", show(error).c_str());
    return finish(error);
  }
  std::string shapes;
  for (const auto &[name, dims] : options.import.inputShapes) {
    std::string text;
    for (size_t i = 0; i < dims.size(); ++i)
      text += (i ? "x" : "") + std::to_string(dims[i]);
    shapes += (shapes.empty() ? " at " : ", ") + name + "=" + text;
  }
  say("flops: %s (%s)%s in %zu matmul, convolution and attention "
      "kernels (2 per multiply-add; elementwise and normalization "
      "not counted); %lld computing graph ops\n",
      flopsText(cost.flops).c_str(), grouped(cost.flops).c_str(),
      show(shapes).c_str(), cost.kernels.size(),
      static_cast<long long>(cost.graphOps));
  std::vector<tessera::ModelCost::Kernel> costliest = cost.kernels;
  // Costliest first; ties in program order.
  std::vector<size_t> order(costliest.size());
  for (size_t k = 0; k < order.size(); ++k)
    order[k] = k;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return costliest[a].flops != costliest[b].flops
               ? costliest[a].flops > costliest[b].flops
               : a < b;
  });
  std::vector<tessera::ModelCost::Kernel> ranked;
  for (size_t k : order)
    ranked.push_back(costliest[k]);
  costliest = std::move(ranked);
  costliest.resize(std::min<size_t>(costliest.size(), top));
  for (const tessera::ModelCost::Kernel &kernel : costliest)
    say("  %5.1f%%  %-12s %-10s %s\n",
        cost.flops ? 100.0 * kernel.flops / cost.flops : 0.0,
        flopsText(kernel.flops).c_str(), kernel.kind.c_str(),
        show(kernel.nodes).c_str());
  llvm::json::Object shapeObject;
  for (const auto &[name, dims] : options.import.inputShapes)
    shapeObject[name] = llvm::json::Array(dims);
  llvm::json::Array kernelList;
  for (const tessera::ModelCost::Kernel &kernel : cost.kernels)
    kernelList.push_back(
        llvm::json::Object{{"kind", kernel.kind},
                           {"nodes", kernel.nodes},
                           {"flops", static_cast<int64_t>(kernel.flops)}});
  report["flops"] =
      llvm::json::Object{{"total", static_cast<int64_t>(cost.flops)},
                         {"input_shapes", std::move(shapeObject)},
                         {"graph_ops", cost.graphOps},
                         {"kernels", std::move(kernelList)}};
  return finish("");
}
