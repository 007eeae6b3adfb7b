//===- FuzzONNX.cpp - libFuzzer target: ONNX models into the compiler -----===//
//
// The input is an ONNX model file. `tessera-fuzz-onnx-import` imports it
// (the checker, every converter, tg's verifiers and type inference);
// `tessera-fuzz-onnx-compile` (built with TESSERA_FUZZ_COMPILE) also runs
// every MLIR phase of the CPU pipeline to the codegen stage, where a shape
// the importer let through reaches the rewrites. A model must compile or
// fail with one line; a signal, a sanitizer report, a hang (libFuzzer's
// -timeout) or an allocation past -rss_limit_mb is a finding.
//
// The mutator is structure-aware: it parses the model and changes what a
// hostile or buggy exporter changes (attribute values and types, dims and
// element types, node inputs and outputs, op types, opsets, initializers,
// names), falling back to libFuzzer's byte mutations when the input does not
// parse.
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzUtils.h"
#include "tessera/Compiler/Driver.h"

#include <onnx/onnx_pb.h>

#include <random>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size,
                                   size_t maxSize);

namespace {

using Random = std::minstd_rand;

template <typename T> T pick(Random &rng, std::initializer_list<T> values) {
  return *(values.begin() + rng() % values.size());
}

int64_t interestingInt(Random &rng) {
  switch (rng() % 3) {
  case 0:
    return pick<int64_t>(rng, {0, 1, -1, 2, 3, 4, 7, 64, 255, 256, 65536,
                               INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN,
                               int64_t(1) << 32, int64_t(1) << 48,
                               int64_t(1) << 62});
  case 1:
    return static_cast<int64_t>(rng() % 9) - 2;
  default:
    return static_cast<int64_t>(rng());
  }
}

float interestingFloat(Random &rng) {
  return pick<float>(rng, {0.0f, 1.0f, -1.0f, 0.5f, 1e-12f, 1e30f, -1e30f,
                           INFINITY, -INFINITY, NAN, 2.0f, 3.0f});
}

/// Every value name of the graph (inputs, initializers, node outputs).
std::vector<std::string> valueNames(const onnx::GraphProto &graph) {
  std::vector<std::string> names;
  for (const auto &input : graph.input())
    names.push_back(input.name());
  for (const auto &init : graph.initializer())
    names.push_back(init.name());
  for (const auto &node : graph.node())
    for (const auto &output : node.output())
      names.push_back(output);
  return names;
}

/// Replaces a random element of a repeated field with `value`, or appends
/// it when the field is empty.
template <typename Field, typename T>
void setOrAdd(Field &field, T value, Random &rng) {
  if (field.empty())
    field.Add(value);
  else
    field.Set(static_cast<int>(rng() % field.size()), value);
}

void mutateAttribute(onnx::AttributeProto &a, Random &rng) {
  switch (rng() % 7) {
  case 0: // the type changes; the value stays where the old type kept it
    a.set_type(static_cast<onnx::AttributeProto::AttributeType>(rng() % 14));
    break;
  case 1:
    a.set_i(interestingInt(rng));
    break;
  case 2:
    a.set_f(interestingFloat(rng));
    break;
  case 3:
    setOrAdd(*a.mutable_ints(), interestingInt(rng), rng);
    break;
  case 4:
    if (a.ints_size() && rng() % 2)
      a.mutable_ints()->RemoveLast();
    else
      a.add_ints(interestingInt(rng));
    break;
  case 5:
    a.set_s(pick<const char *>(rng, {"", "tanh", "none", "nearest", "linear",
                                     "cubic", "SAME_UPPER", "VALID",
                                     "reflect", "edge", "NOTSET", "add"}));
    break;
  default:
    setOrAdd(*a.mutable_floats(), interestingFloat(rng), rng);
    break;
  }
}

void mutateType(onnx::TypeProto &type, Random &rng) {
  auto *tensor = type.mutable_tensor_type();
  if (rng() % 3 == 0) {
    tensor->set_elem_type(static_cast<int32_t>(rng() % 18));
    return;
  }
  auto *shape = tensor->mutable_shape();
  if (shape->dim_size() == 0 || rng() % 4 == 0) {
    shape->add_dim()->set_dim_value(interestingInt(rng));
    return;
  }
  auto *dim = shape->mutable_dim(rng() % shape->dim_size());
  switch (rng() % 4) {
  case 0:
    dim->set_dim_param(pick<const char *>(rng, {"N", "batch", "", "x\ny"}));
    break;
  case 1:
    shape->mutable_dim()->RemoveLast();
    break;
  default:
    dim->set_dim_value(interestingInt(rng));
    break;
  }
}

void mutateTensor(onnx::TensorProto &t, Random &rng) {
  switch (rng() % 5) {
  case 0:
    setOrAdd(*t.mutable_dims(), interestingInt(rng), rng);
    break;
  case 1:
    t.set_data_type(static_cast<int32_t>(rng() % 18));
    break;
  case 2: { // raw data shorter or longer than the dims say
    std::string raw = t.raw_data();
    if (raw.empty() || rng() % 2)
      raw.append(1 + rng() % 16, static_cast<char>(rng()));
    else
      raw.resize(rng() % raw.size());
    t.set_raw_data(raw);
    break;
  }
  case 3:
    t.add_int64_data(interestingInt(rng));
    break;
  default:
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    break;
  }
}

void mutateNode(onnx::GraphProto &graph, Random &rng) {
  if (graph.node_size() == 0)
    return;
  int index = static_cast<int>(rng() % graph.node_size());
  onnx::NodeProto &node = *graph.mutable_node(index);
  std::vector<std::string> names = valueNames(graph);
  switch (rng() % 10) {
  case 0:
  case 1:
  case 2:
    if (node.attribute_size())
      mutateAttribute(*node.mutable_attribute(rng() % node.attribute_size()),
                      rng);
    break;
  case 3: // an input from elsewhere: undefined, later (a cycle), or none
    if (node.input_size()) {
      std::string name = rng() % 4 == 0  ? std::string("undefined")
                         : rng() % 3 == 0 ? std::string()
                                          : names[rng() % names.size()];
      node.set_input(rng() % node.input_size(), name);
    }
    break;
  case 4:
    if (rng() % 2 && node.input_size())
      node.mutable_input()->RemoveLast();
    else
      node.add_input(names[rng() % names.size()]);
    break;
  case 5: // the same output defined twice
    if (node.output_size() && !names.empty())
      node.set_output(rng() % node.output_size(), names[rng() % names.size()]);
    break;
  case 6: {
    static const char *const kOps[] = {
        "Add", "Conv", "ConvTranspose", "MatMul", "Gemm", "Reshape",
        "Transpose", "Concat", "Slice", "Gather", "Resize", "Pad", "MaxPool",
        "AveragePool", "Softmax", "LayerNormalization", "Expand", "Tile",
        "Split", "ReduceMean", "Einsum", "Cast", "Where", "TopK", "LSTM",
        "BatchNormalization", "Flatten", "Squeeze", "Unsqueeze", "If",
        "NonExistentOp"};
    node.set_op_type(kOps[rng() % (sizeof(kOps) / sizeof(kOps[0]))]);
    break;
  }
  case 7:
    node.set_domain(pick<const char *>(rng, {"", "ai.onnx", "com.microsoft",
                                             "ai.onnx.ml", "x"}));
    break;
  case 8: { // a duplicate, or a removal, or a swap (order matters)
    int other = static_cast<int>(rng() % graph.node_size());
    switch (rng() % 3) {
    case 0:
      *graph.add_node() = node;
      break;
    case 1:
      graph.mutable_node()->SwapElements(index, other);
      break;
    default:
      graph.mutable_node()->DeleteSubrange(index, 1);
      break;
    }
    break;
  }
  default: { // a fresh attribute, maybe a duplicate name
    onnx::AttributeProto *a = node.add_attribute();
    a->set_name(pick<const char *>(rng, {"axis", "axes", "perm", "kernel_shape",
                                         "strides", "pads", "dilations",
                                         "group", "mode", "to", "keepdims"}));
    a->set_type(onnx::AttributeProto::INTS);
    a->add_ints(interestingInt(rng));
    break;
  }
  }
}

void mutateModel(onnx::ModelProto &model, Random &rng) {
  onnx::GraphProto &graph = *model.mutable_graph();
  switch (rng() % 10) {
  case 0:
  case 1:
  case 2:
  case 3:
    mutateNode(graph, rng);
    break;
  case 4:
  case 5: { // a declared input or output type
    auto *values = rng() % 2 ? graph.mutable_input() : graph.mutable_output();
    if (!values->empty())
      mutateType(*values->Mutable(rng() % values->size())->mutable_type(), rng);
    break;
  }
  case 6:
    if (graph.initializer_size())
      mutateTensor(*graph.mutable_initializer(rng() % graph.initializer_size()),
                   rng);
    break;
  case 7:
    if (model.opset_import_size())
      model.mutable_opset_import(0)->set_version(
          pick<int64_t>(rng, {1, 6, 7, 9, 10, 11, 12, 13, 14, 16, 17, 18, 19,
                              20, 21, 22, 23, 99, -1}));
    break;
  case 8: { // hostile names
    std::string name = pick<const char *>(
        rng, {"x.1", "in", "inputs", "int", "\x1b[31mred", "a\nb", "", "x_1",
              "tessera_session", "0digit"});
    if (graph.input_size() && rng() % 2)
      graph.mutable_input(rng() % graph.input_size())->set_name(name);
    else if (graph.output_size())
      graph.mutable_output(rng() % graph.output_size())->set_name(name);
    break;
  }
  default:
    if (graph.output_size() && rng() % 2) {
      std::vector<std::string> names = valueNames(graph);
      if (!names.empty())
        graph.mutable_output(rng() % graph.output_size())
            ->set_name(names[rng() % names.size()]);
    } else if (graph.output_size()) {
      *graph.add_output() = graph.output(0);
    }
    break;
  }
}

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  Random rng(seed);
  onnx::ModelProto model;
  if (rng() % 8 == 0 || !model.ParseFromArray(data, static_cast<int>(size)))
    return LLVMFuzzerMutate(data, size, maxSize);
  int mutations = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < mutations; ++i)
    mutateModel(model, rng);
  std::string bytes;
  if (!model.SerializeToString(&bytes) || bytes.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::copy(bytes.begin(), bytes.end(), data);
  return bytes.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tessera::CompileOptions options;
  options.inputPath = tessera::fuzz::writeScratchFile("model.onnx", data, size);
#ifdef TESSERA_FUZZ_COMPILE
  options.emit = tessera::EmitStage::Codegen;
#else
  options.emit = tessera::EmitStage::Graph;
#endif
  options.cpu = "";
  tessera::CompileResult result = tessera::compile(options);
  if (!result.ok())
    tessera::fuzz::requireOneLine(result.error);
  return 0;
}
