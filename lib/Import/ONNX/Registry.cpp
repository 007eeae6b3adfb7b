//===- Registry.cpp - the converters by domain, op and version ------------===//
//
// Tessera's built-in converters, and the adapter that shows a plugin's
// converter its node through the public OnnxNode interface
// (tessera/Import/OnnxConverter.h).
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/NodeContext.h"
#include "tessera/Import/ONNX.h"
#include "tessera/Import/OnnxConverter.h"

#include "llvm/ADT/STLExtras.h"

#include <tuple>

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

void ConverterRegistry::add(StringRef domain, StringRef opType,
                            int64_t sinceVersion, Converter converter) {
  auto &versions = table[domain][opType];
  versions.emplace_back(sinceVersion, std::move(converter));
  llvm::sort(versions,
             [](const auto &a, const auto &b) { return a.first < b.first; });
}

const Converter *ConverterRegistry::lookup(StringRef domain, StringRef opType,
                                           int64_t opset) const {
  auto ops = table.find(domain);
  if (ops == table.end())
    return nullptr;
  auto it = ops->second.find(opType);
  if (it == ops->second.end())
    return nullptr;
  const Converter *found = nullptr;
  for (const auto &[since, converter] : it->second)
    if (since <= opset)
      found = &converter;
  return found;
}

bool ConverterRegistry::knows(StringRef domain, StringRef opType) const {
  auto ops = table.find(domain);
  return ops != table.end() && ops->second.count(opType);
}

std::vector<std::tuple<std::string, std::string, int64_t>>
ConverterRegistry::entries() const {
  std::vector<std::tuple<std::string, std::string, int64_t>> all;
  for (const auto &ops : table)
    for (const auto &op : ops.second)
      for (const auto &version : op.second)
        all.emplace_back(ops.first().str(), op.first().str(), version.first);
  llvm::sort(all);
  return all;
}

const ConverterRegistry &onnx_import::builtinConverters() {
  static const ConverterRegistry instance = [] {
    ConverterRegistry r;
    registerOpsAToF(r);
    registerOpsGToL(r);
    registerOpsMToR(r);
    registerOpsSToZ(r);
    registerDecomposedOps(r);
    registerNormalizationOps(r);
    registerQuantizationOps(r);
    registerRecurrentOps(r);
    registerLossOps(r);
    registerContribOps(r);
    return r;
  }();
  return instance;
}

/// Ops the importer converts itself, not through a converter: they hold
/// subgraphs (Importer.cpp: importIf, importLoop, importScan).
static const OnnxOpEntry kImporterOps[] = {
    {"ai.onnx", "If", 1}, {"ai.onnx", "Loop", 1}, {"ai.onnx", "Scan", 8}};

std::vector<tessera::OnnxOpEntry> tessera::builtinOnnxOps() {
  std::vector<OnnxOpEntry> all(std::begin(kImporterOps), std::end(kImporterOps));
  for (const auto &[domain, opType, since] : builtinConverters().entries())
    all.push_back({domain, opType, since});
  llvm::sort(all, [](const OnnxOpEntry &a, const OnnxOpEntry &b) {
    return std::tie(a.domain, a.opType, a.sinceVersion) <
           std::tie(b.domain, b.opType, b.sinceVersion);
  });
  return all;
}

bool tessera::isBuiltinOnnxOp(const std::string &domain,
                              const std::string &opType, int64_t opset) {
  std::string name = domain.empty() ? "ai.onnx" : domain;
  for (const OnnxOpEntry &entry : kImporterOps)
    if (entry.domain == name && entry.opType == opType &&
        entry.sinceVersion <= opset)
      return true;
  return builtinConverters().lookup(name, opType, opset) != nullptr;
}

namespace {

/// The public view of a NodeContext.
class PluginNode final : public OnnxNode {
public:
  PluginNode(NodeContext &context, StringRef domain, StringRef name)
      : context(context), domainName(domain), nodeName(name) {}

  StringRef opType() const override { return context.node.op_type(); }
  StringRef domain() const override { return domainName; }
  int64_t opset() const override { return context.opset; }
  StringRef name() const override { return nodeName; }
  OpBuilder &builder() override { return context.builder; }
  Location location() const override { return context.loc; }

  size_t numInputs() const override { return context.numInputs(); }
  Value input(size_t i) const override { return context.input(i); }
  std::optional<std::vector<double>>
  constantValues(Value value) const override {
    if (!value)
      return std::nullopt;
    auto values = context.constantFloats(value);
    if (!values)
      return std::nullopt;
    return std::vector<double>(values->begin(), values->end());
  }

  bool hasAttribute(StringRef name) const override {
    return context.attribute(name) != nullptr;
  }
  int64_t getInt(StringRef name, int64_t defaultValue) const override {
    return context.getInt(name, defaultValue);
  }
  double getFloat(StringRef name, double defaultValue) const override {
    if (!context.attribute(name))
      return defaultValue;
    return context.getFloat(name, 0.0f);
  }
  std::string getString(StringRef name,
                        StringRef defaultValue) const override {
    return context.getString(name, defaultValue);
  }
  std::optional<std::vector<int64_t>> getInts(StringRef name) const override {
    auto values = context.getInts(name);
    if (!values)
      return std::nullopt;
    return std::vector<int64_t>(values->begin(), values->end());
  }
  std::optional<std::vector<float>> getFloats(StringRef name) const override {
    auto values = context.getFloats(name);
    if (!values)
      return std::nullopt;
    return std::vector<float>(values->begin(), values->end());
  }

  size_t numOutputs() const override { return context.numOutputs(); }
  bool outputUsed(size_t i) const override { return context.outputUsed(i); }
  LogicalResult setOutputs(ArrayRef<Value> values) override {
    return context.setOutputs(values);
  }
  LogicalResult error(const Twine &message) override {
    return context.error(message);
  }

private:
  NodeContext &context;
  std::string domainName;
  std::string nodeName;
};

} // namespace

LogicalResult onnx_import::convertWithPlugin(const OnnxConverter &convert,
                                             NodeContext &context,
                                             StringRef domain,
                                             StringRef name) {
  PluginNode node(context, domain, name);
  return convert(node);
}
