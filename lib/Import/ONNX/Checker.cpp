//===- Checker.cpp - ONNX's own model checker, where it applies -----------===//
//
// Debian's ONNX library (1.12) knows opsets up to 17 and IR version 8. For
// models within that range its checker catches structural errors early; for
// newer models it would reject valid input, so Tessera's own type inference
// on tg is the source of truth there. The checker reports by throwing: this
// file alone is built with exceptions, and nothing escapes it.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/Checker.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>

#include <functional>
#include <sstream>
#include <unordered_map>
#include <vector>

std::string tessera::onnx_import::checkModel(
    onnx::ModelProto &model, int64_t opset,
    const std::string &externalDataFolder) {
  if (opset > 17 || model.ir_version() > 8)
    return "";
  // ONNX Runtime registers contrib schemas in the default domain
  // (LayerNormalization before opset 17, SimplifiedLayerNormalization) that
  // this checker does not know and would reject; such a model is left to
  // Tessera's own checks (attributes, producers, declared outputs).
  for (const onnx::NodeProto &node : model.graph().node())
    if ((node.domain().empty() || node.domain() == "ai.onnx") &&
        (node.op_type() == "LayerNormalization" ||
         node.op_type() == "SimplifiedLayerNormalization") &&
        !onnx::OpSchemaRegistry::Schema(node.op_type(),
                                        static_cast<int>(opset), ""))
      return "";
  // ONNX 1.12's checker requires a shape on every tensor value info; a
  // graph input or output declared without one (unknown rank, which ONNX
  // Runtime accepts and Tessera's inference fills) gets an empty one for
  // the check only. The model is patched in place, not copied: it may hold
  // gigabytes of weights.
  std::vector<onnx::TypeProto_Tensor *> patched;
  auto patch = [&](onnx::ValueInfoProto &info) {
    if (info.has_type() && info.type().has_tensor_type() &&
        !info.type().tensor_type().has_shape()) {
      onnx::TypeProto_Tensor *tensor = info.mutable_type()->mutable_tensor_type();
      tensor->mutable_shape();
      patched.push_back(tensor);
    }
  };
  // Subgraphs (If branches, Loop bodies) too: exporters often leave their
  // outputs' shapes out.
  std::function<void(onnx::GraphProto &)> patchGraph =
      [&](onnx::GraphProto &graph) {
        for (onnx::ValueInfoProto &info : *graph.mutable_input())
          patch(info);
        for (onnx::ValueInfoProto &info : *graph.mutable_output())
          patch(info);
        for (onnx::ValueInfoProto &info : *graph.mutable_value_info())
          patch(info);
        for (onnx::NodeProto &node : *graph.mutable_node())
          for (onnx::AttributeProto &attribute : *node.mutable_attribute()) {
            if (attribute.has_g())
              patchGraph(*attribute.mutable_g());
            for (onnx::GraphProto &sub : *attribute.mutable_graphs())
              patchGraph(sub);
          }
      };
  patchGraph(*model.mutable_graph());
  struct Restore {
    std::vector<onnx::TypeProto_Tensor *> &tensors;
    ~Restore() {
      for (onnx::TypeProto_Tensor *tensor : tensors)
        tensor->clear_shape();
    }
  } restore{patched};
  try {
    if (externalDataFolder.empty()) {
      onnx::checker::check_model(model);
    } else {
      // What check_model does, with the folder its external files are in
      // (check_model(path) would parse the file a second time).
      if (model.ir_version() == 0)
        return "the model does not set its IR version";
      onnx::checker::CheckerContext context;
      context.set_ir_version(static_cast<int>(model.ir_version()));
      std::unordered_map<std::string, int> imports;
      for (const onnx::OperatorSetIdProto &set : model.opset_import())
        imports[set.domain()] = static_cast<int>(set.version());
      context.set_opset_imports(imports);
      context.set_model_dir(externalDataFolder);
      onnx::checker::LexicalScopeContext scope;
      onnx::checker::check_graph(model.graph(), context, scope);
      onnx::checker::check_model_local_functions(model, context, scope);
    }
  } catch (const std::exception &e) {
    // One line: the checker's message may span several.
    std::istringstream words(e.what());
    std::string word, line;
    while (words >> word)
      line += (line.empty() ? "" : " ") + word;
    return line.empty() ? "the ONNX checker rejects the model" : line;
  }
  return "";
}

namespace {

const char *typeName(int type) {
  switch (type) {
  case onnx::AttributeProto::FLOAT:
    return "a float";
  case onnx::AttributeProto::INT:
    return "an int";
  case onnx::AttributeProto::STRING:
    return "a string";
  case onnx::AttributeProto::TENSOR:
    return "a tensor";
  case onnx::AttributeProto::GRAPH:
    return "a graph";
  case onnx::AttributeProto::FLOATS:
    return "floats";
  case onnx::AttributeProto::INTS:
    return "ints";
  case onnx::AttributeProto::STRINGS:
    return "strings";
  case onnx::AttributeProto::TENSORS:
    return "tensors";
  case onnx::AttributeProto::GRAPHS:
    return "graphs";
  default:
    return "of no known type";
  }
}

/// The type the populated fields of `attr` say it is, or UNDEFINED when
/// they say several things.
int populatedType(const onnx::AttributeProto &attr) {
  int found = onnx::AttributeProto::UNDEFINED, count = 0;
  auto note = [&](bool present, int type) {
    if (present) {
      found = type;
      ++count;
    }
  };
  note(attr.has_f(), onnx::AttributeProto::FLOAT);
  note(attr.has_i(), onnx::AttributeProto::INT);
  note(attr.has_s(), onnx::AttributeProto::STRING);
  note(attr.has_t(), onnx::AttributeProto::TENSOR);
  note(attr.has_g(), onnx::AttributeProto::GRAPH);
  note(attr.floats_size() > 0, onnx::AttributeProto::FLOATS);
  note(attr.ints_size() > 0, onnx::AttributeProto::INTS);
  note(attr.strings_size() > 0, onnx::AttributeProto::STRINGS);
  note(attr.tensors_size() > 0, onnx::AttributeProto::TENSORS);
  note(attr.graphs_size() > 0, onnx::AttributeProto::GRAPHS);
  return count == 1 ? found : onnx::AttributeProto::UNDEFINED;
}

bool isList(int type) {
  return type == onnx::AttributeProto::FLOATS ||
         type == onnx::AttributeProto::INTS ||
         type == onnx::AttributeProto::STRINGS ||
         type == onnx::AttributeProto::TENSORS ||
         type == onnx::AttributeProto::GRAPHS;
}

} // namespace

std::string tessera::onnx_import::checkAttributes(const onnx::NodeProto &node,
                                                  int64_t opset) {
  std::vector<std::string> seen;
  for (const onnx::AttributeProto &attr : node.attribute()) {
    for (const std::string &name : seen)
      if (name == attr.name())
        return "attribute '" + attr.name() + "' is given twice";
    seen.push_back(attr.name());
  }
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return "";
  const onnx::OpSchema *schema = onnx::OpSchemaRegistry::Schema(
      node.op_type(), static_cast<int>(std::min<int64_t>(opset, 17)), "");
  if (!schema)
    return "";
  const auto &known = schema->attributes();
  for (const onnx::AttributeProto &attr : node.attribute()) {
    auto it = known.find(attr.name());
    if (it == known.end())
      continue;
    int expected = static_cast<int>(it->second.type);
    int declared = attr.type();
    int populated = populatedType(attr);
    // An empty list has no populated field: its declared type decides.
    bool emptyList = populated == onnx::AttributeProto::UNDEFINED &&
                     isList(declared) && declared == expected;
    if (emptyList)
      continue;
    // What the attribute holds: its populated field, else its declared type.
    int actual = populated != onnx::AttributeProto::UNDEFINED ? populated
                                                               : declared;
    if (actual != expected || (declared != onnx::AttributeProto::UNDEFINED &&
                               declared != expected))
      return "attribute '" + attr.name() + "' must be " + typeName(expected) +
             ", got " + typeName(actual != expected ? actual : declared);
  }
  return "";
}
